"""Read the cards folder: YAML files into nodes that remember where they came from.

YAML is read as data only. Nothing is constructed: files are composed into nodes
(libyaml's C composer when present), and a file that uses more of YAML than plain data
is refused with its position: a tag (`!!timestamp`, `!foo`), an escape that makes a
control character (`"\\0"`), nesting deeper than MAX_DEPTH, aliases that expand
beyond MAX_ALIAS_NODES. A file larger than MAX_FILE_BYTES is not read. Nothing is
interpreted here beyond that; `validate` turns the nodes into the model.

`list_cards_folder` is the one view of a deck folder that the loader, `deckgen check`
and the up-to-date digest of `build` share: which files are cards, which are skipped
(hidden files, editors' temporaries) and which cannot be read (a folder, a FIFO, a
device, a broken link), so that they never disagree on what the deck is.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from deckgen.errors import At, ContentError, Finding, Location, natural_key, quoted, visible

try:  # libyaml's C parser is several times faster on large decks.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class _DataLoader(_Loader):
    """libyaml's composer with PyYAML's resolver spelled for speed: a plain scalar whose
    first character starts no implicit type (all of a card's Chinese text, most ids) is
    text at once, without the resolver's list building and calls (0.3 s of a
    100,000-note build). Same tags as `_Loader` for every node
    (tests/test_load.py::test_the_fast_resolver_gives_pyyaml_s_tags)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is _SCALAR:
            if implicit[0]:
                for tag, pattern in _IMPLICIT.get(value[:1], ()):
                    if pattern.match(value):
                        return tag
            return _TEXT
        return _COLLECTION_TAGS[kind]

    # Without path resolvers, PyYAML's descend_resolver and ascend_resolver do nothing,
    # yet the composer calls both for every node (1.5 million Python calls in a
    # 100,000-note deck). Any C callable taking the same arguments does the same nothing
    # faster: the composer ignores what they return.
    descend_resolver = staticmethod(slice)  # type: ignore[assignment]  # (parent, index)
    ascend_resolver = staticmethod(tuple)  # type: ignore[assignment]  # ()


# The fast path holds while PyYAML's safe resolver has implicit types keyed by first
# character only (no wildcard, no path resolvers); otherwise it is PyYAML's own.
_IMPLICIT: dict[str, list[tuple[str, Any]]] = _Loader.yaml_implicit_resolvers
_TEXT = _Loader.DEFAULT_SCALAR_TAG
_SCALAR = yaml.ScalarNode
_COLLECTION_TAGS = {
    yaml.SequenceNode: _Loader.DEFAULT_SEQUENCE_TAG,
    yaml.MappingNode: _Loader.DEFAULT_MAPPING_TAG,
}
if None in _IMPLICIT or _Loader.yaml_path_resolvers:  # pragma: no cover - another PyYAML
    _DataLoader = _Loader  # type: ignore[misc, assignment]

DECK_FILE = "deck.yaml"
LOCK_FILE = "deckgen.lock"
CARDS_SUFFIXES = (".yaml", ".yml")

# The largest cards file deckgen reads. A pillar of the 100,000-note synthetic deck
# (bench/synth.py, 50 principles) is 44 kB; the whole shipped deck is 13 kB.
MAX_FILE_BYTES = 10_000_000
# How many lists and mappings may be nested in one another. The format needs 5 (a
# pillar's principles, a principle, its questions, a question); a composer recurses per
# level, and libyaml's ends in a RecursionError near 450.
MAX_DEPTH = 32
# How many values the aliases of one file may stand for, counted as if written out:
# enough for any deck, far too few for an "alias bomb" (nine nested aliases of ten
# aliases each stand for a billion values).
MAX_ALIAS_NODES = 100_000


@dataclass(frozen=True)
class SourceFile:
    """One parsed YAML file: its root node (None when the file is empty) and its text."""

    path: Path
    display: str
    root: yaml.Node | None
    text: str = ""
    digest: str = ""  # SHA-256 of the bytes read (deckgen.incremental keys results by it)


def display_path(path: Path) -> str:
    """The path as the user should see it: relative to the working folder if inside it,
    with a byte that is not UTF-8 (`9-\\xff.yaml`) or an invisible character escaped."""
    try:
        rel = os.path.relpath(path)
    except (ValueError, OSError):  # another drive on Windows; no working folder
        rel = str(path)
    return visible(str(path) if rel.startswith("..") else rel)


def node_location(display: str, node: yaml.Node) -> Location:
    # tuple.__new__, not the named tuple's own __new__ (a Python function): a deck makes
    # one per principle and question.
    return _tuple_new(Location, node_at(display, node))


_tuple_new = tuple.__new__


def node_at(display: str, node: yaml.Node) -> At:
    """Where `node` starts, as Location.at: plain values, for what keeps many."""
    mark = node.start_mark
    return (display, mark.line + 1, mark.column + 1)


def index_location(display: str, text: str, index: int) -> Location:
    """The 1-based line and column of a character index into the file's text."""
    line_start = text.rfind("\n", 0, index) + 1
    return Location(display, text.count("\n", 0, index) + 1, index - line_start + 1)


def value_location(source: SourceFile, node: yaml.Node, offset: int) -> Location:
    """Where the character at `offset` of a scalar's value is written in the file.

    Works for every scalar style (plain, quoted, literal `|`, folded `>`, over several
    lines) by walking the value and the file's text side by side: YAML only drops
    indentation, quotes and line breaks, and folds a line break into a space. Falls
    back to the scalar's start when the two cannot be matched (escape sequences).
    """
    if not isinstance(node, yaml.ScalarNode):
        return node_location(source.display, node)
    return Written(*Written.marks(source, node)).char_location(node.value, offset)


class Written(NamedTuple):
    """Where a scalar is written: enough to point into it once its node tree is gone.

    Keeps the file's text (one string shared by every scalar of the file) and the
    scalar's marks, not the node: a deck's node trees are many times its text.
    `validate.TextValue` has the same fields first, and points into the text the same
    way (`char_location`). Named tuples: a deck makes one per text value, and a tuple
    is made several times faster than a frozen dataclass.
    """

    display: str
    text: str
    line: int  # 1-based, of the scalar's start
    column: int
    start: int  # character indexes of the scalar in `text`
    end: int
    style: str | None

    @staticmethod
    def marks(
        source: SourceFile, node: yaml.ScalarNode
    ) -> tuple[str, str, int, int, int, int, str | None]:
        """The fields of a Written for `node` of `source`, in order."""
        start, end = node.start_mark, node.end_mark
        return (
            source.display,
            source.text,
            start.line + 1,
            start.column + 1,
            start.index,
            end.index,
            node.style,
        )

    @property
    def location(self) -> Location:
        return Location(self.display, self.line, self.column)

    def char_location(self, value: str, offset: int) -> Location:
        """Where the character at `offset` of the scalar's `value` is written
        (see `value_location`)."""
        return char_location(self, value, offset)


def char_location(written: Written | Any, value: str, offset: int) -> Location:
    """Where the character at `offset` of `value` is written, for a `Written` or anything
    with its fields (validate.TextValue)."""
    display, text = written.display, written.text
    start = Location(display, written.line, written.column)
    if not text or not 0 <= offset < len(value):
        return start
    pos, end = written.start, min(written.end, len(text))
    if written.style in ("|", ">"):
        pos = text.find("\n", pos, end) + 1  # the content starts below the header line
        if pos == 0:
            return start
    found = -1
    for ch in value[: offset + 1]:
        while pos < end and text[pos] != ch and not (ch in " \n" and text[pos] == "\n"):
            pos += 1
        if pos >= end:
            return start
        found = pos
        pos += 1
    return index_location(display, text, found)


def _decode(path: Path, display: str, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise ContentError(
            [
                Finding(
                    Location(display, line, col),
                    "error",
                    f"file is not UTF-8 (byte 0x{data[exc.start]:02x}); "
                    "save it as UTF-8 in your editor",
                )
            ]
        ) from None


def _error(where: Location, message: str) -> ContentError:
    return ContentError([Finding(where, "error", message)])


def read_cards_bytes(path: Path, display: str | None = None) -> bytes:
    """The bytes of one cards file; ContentError when it is not a regular file that can be
    read, or is larger than MAX_FILE_BYTES.

    Never blocks and never reads without bound: the file is opened without waiting (a
    FIFO with no writer opens at once), checked to be a regular file, and read up to
    the limit, so a FIFO, a device such as /dev/zero or a file swapped in after the
    folder was listed is refused, not read.
    """
    shown = display if display is not None else display_path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _error(Location(shown), _unreadable(path, exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _error(Location(shown), _not_a_file(path, info.st_mode))
        if info.st_size > MAX_FILE_BYTES:
            raise _error(Location(shown), _too_large())
        data = _read_up_to(fd, info.st_size, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _error(Location(shown), _unreadable(path, exc)) from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:  # it grew after fstat
        raise _error(Location(shown), _too_large())
    return data


def _read_up_to(fd: int, expected: int, limit: int) -> bytes:
    """What is left to read of `fd`, but no more than `limit` bytes: asked for in a read of
    the `expected` size and one more (a buffer of the file's size, not of the limit),
    then in further reads only if the file grew since."""
    chunks = []
    total = 0
    size = min(expected + 1, limit)
    while total < limit:
        chunk = os.read(fd, min(size, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        size = 1 << 16
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_large() -> str:
    return (
        f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB "
        f"({MAX_FILE_BYTES:,} bytes), the most deckgen reads; split it into several "
        "pillar files"
    )


_MOVE_IT = (
    "; every *.yaml and *.yml file in a cards folder is read as cards: move it out of "
    "the folder or rename it"
)


def _not_a_file(path: Path, mode: int) -> str:
    if stat.S_ISDIR(mode):
        what = "a folder, not a file"
    elif stat.S_ISFIFO(mode):
        what = "a named pipe (FIFO), not a regular file"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device, not a regular file"
    elif stat.S_ISSOCK(mode):
        what = "a socket, not a regular file"
    else:  # pragma: no cover - a door, a whiteout, ...
        what = "not a regular file"
    if path.is_symlink():
        what = f"a symbolic link to {_link_target(path)}, which is {what}"
    return f"cannot read it: it is {what}{_MOVE_IT}"


def _link_target(path: Path) -> str:
    try:
        return quoted(os.readlink(path))
    except OSError:  # pragma: no cover - it was a link a moment ago
        return "something"


def _unreadable(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "cannot read it: it is a symbolic link that leads back to itself (a loop)" + _MOVE_IT
    if exc.errno == errno.ENOENT and path.is_symlink():
        return (
            f"cannot read it: it is a symbolic link to {_link_target(path)}, which does not "
            f"exist{_MOVE_IT}"
        )
    if exc.errno == errno.EISDIR:
        return f"cannot read it: it is a folder, not a file{_MOVE_IT}"
    reason = exc.strerror or str(exc)
    return f"cannot read file: {reason}"


def parse_yaml(path: Path, display: str | None = None) -> SourceFile:
    """Parse one file into a node tree, or raise ContentError with the exact position."""
    shown = display if display is not None else display_path(path)
    data = read_cards_bytes(path, shown)
    text = _decode(path, shown, data)
    digest = hashlib.sha256(data).hexdigest()
    return SourceFile(path, shown, compose_text(text, shown, data), text, digest)


def compose_text(text: str, shown: str, data: bytes | None = None) -> yaml.Node | None:
    """The node tree of one YAML document (None when it is empty), read as data only.

    libyaml's C composer is the fast path. A file that might use what it cannot check
    (a tag, an anchor or alias, an escape, a flow collection, deep nesting; see
    `needs_careful_compose`) is composed from its parse events by `_CarefulComposer`
    instead, which refuses those with their positions. Raises ContentError.
    """
    try:
        if needs_careful_compose(text, data):
            return _CarefulComposer(text, shown).compose()
        try:
            node: yaml.Node | None = yaml.compose(text, Loader=_DataLoader)
        except RecursionError:  # pragma: no cover - needs_careful_compose sees nesting
            return _CarefulComposer(text, shown).compose()
        return node
    except yaml.MarkedYAMLError as exc:
        raise ContentError([_syntax_error(text, shown, exc)]) from None
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow in a file (a control character). libyaml gives
        # its position in UTF-8 bytes, PyYAML in characters: find the character instead.
        bad = chr(exc.character) if isinstance(exc.character, int) else ""
        index = text.find(bad) if bad else -1
        loc = index_location(shown, text, index) if index >= 0 else Location(shown)
        message = (
            f"{describe_character(bad)} is not allowed in a YAML file; delete it"
            if bad
            else f"YAML error: {exc.reason}"
        )
        raise _error(loc, message) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error is one of the above
        raise _error(Location(shown), f"YAML error: {exc}") from None


def too_deep() -> str:
    return (
        f"lists and mappings are nested more than {MAX_DEPTH} deep here (cards need 5: "
        "a pillar's principles, a principle, its questions, a question); a cards file "
        "holds no deeper structure"
    )


def describe_character(ch: str) -> str:
    """'control character U+0007', 'lone surrogate U+D800', 'character U+FFFE'."""
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return f"lone surrogate U+{code:04X}"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"control character U+{code:04X}"
    return f"character U+{code:04X}"


def _syntax_error(text: str, shown: str, exc: yaml.MarkedYAMLError) -> Finding:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    if exc.problem == "found invalid Unicode character escape code" and mark is not None:
        escape = _bad_escape(text, shown, mark.index)
        if escape is not None:
            return escape
    if exc.problem == "exceeded maximum nesting depth" and mark is not None:
        # libyaml's own limit (1000 levels of flow collections), met before the careful
        # composer sees the 33rd level: the same error, where libyaml stopped.
        return Finding(Location(shown, mark.line + 1, mark.column + 1), "error", too_deep())
    if exc.context and exc.problem:
        problem = f"{problem} ({exc.context})"
    loc = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
    first = exc.context_mark.line if exc.context_mark else loc.line - 1
    hint = _syntax_hint(text, problem, first, loc.line - 1, mark.index if mark else -1)
    return Finding(loc, "error", f"YAML syntax error: {problem}{hint}")


# YAML's escapes in double-quoted text, and what each one stands for.
_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_SHORT = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
    "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
    "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip
# What a YAML file may hold, as YAML 1.1 and PyYAML's reader say (Reader.NON_PRINTABLE):
# tab, line breaks, printable ASCII, NEL, and every character from U+00A0 up but the
# surrogates and U+FFFE, U+FFFF.
_NOT_ALLOWED = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape_value(escape: str) -> int | None:
    """The code point a YAML escape such as '\\x07' stands for (None: not an escape)."""
    body = escape[1:]
    if len(body) > 1:
        return int(body[1:], 16)
    return ord(_SHORT[body]) if body in _SHORT else None


def _bad_escape(text: str, shown: str, index: int) -> Finding | None:
    """libyaml's "invalid Unicode character escape code", said precisely: a surrogate
    written as an escape (`\\ud800`, half of a UTF-16 pair), or a code point beyond
    U+10FFFF."""
    start = text.rfind("\\", 0, index + 1)
    match = _ESCAPE.match(text, start) if start >= 0 else None
    value = _escape_value(match.group()) if match else None
    if match is None or value is None:
        return None
    where = index_location(shown, text, start)
    written = match.group()
    if value > 0x10FFFF:
        return Finding(
            where,
            "error",
            f"the escape {quoted(written)} is beyond the last Unicode character U+10FFFF; "
            "fix the code",
        )
    message = (
        f"{describe_character(chr(value))} (the escape {quoted(written)}) is not allowed in "
        "a YAML file; delete it"
    )
    low = _ESCAPE.match(text, match.end())
    low_value = _escape_value(low.group()) if low else None
    if 0xD800 <= value <= 0xDBFF and low_value is not None and 0xDC00 <= low_value <= 0xDFFF:
        pair = 0x10000 + ((value - 0xD800) << 10) + (low_value - 0xDC00)
        message = (
            f"{describe_character(chr(value))} (the escape {quoted(written)}) is not allowed "
            f"in a YAML file: YAML writes U+{pair:04X} as one escape, '\\U{pair:08X}', not as "
            "a UTF-16 pair"
        )
    return Finding(where, "error", message)


# --- which files need the careful composer ---------------------------------------------
#
# libyaml's composer takes tags and aliases as they come and recurses once per level of
# nesting, so a file goes to _CarefulComposer whenever it might hold:
#   - an escape: a backslash anywhere (only double-quoted text has escapes);
#   - a tag, an anchor, an alias or a flow collection: '!', '&', '*', '[' or '{' where a
#     node can start. In block context that is right after a line break, or after a
#     space that follows a line break, a space or an indicator ('- ', '? ', ': ' after
#     a key, '--- '). Flow nodes all sit inside a first flow collection, which starts at
#     such a place;
#   - deep block nesting. A block collection starts at most at the column where its
#     line's run of indentation and '- ', '? ', ': ' indicators ends, and one level
#     down starts at least a column further right, but for a list that is a mapping's
#     value, which may start at its key's column. So 2k + 2 levels need a run of k
#     characters: a file whose runs are all shorter than MAX_DEPTH // 2 cannot nest
#     deeper than MAX_DEPTH;
#   - a tab, or a line break other than '\n' and '\r\n', which the patterns below leave
#     out to stay fast.
# A false alarm only costs time: the careful composer gives the same nodes. Cards rarely
# raise one: in "Keep [[calm]]" the '[' follows a word, not ': ', and Chinese text uses
# the full-width '\uFF01'. The tests of single bytes are the cheapest; of the patterns over
# the text, one only looks at its start and the others start with a literal, so that a
# search stops only at each '[' and at each line break (on the 100,000-note synthetic
# deck, all of it costs about 1.5 % of composing with libyaml).
_DEEP_RUN = re.compile(rf"\n[ ?:\-]{{{MAX_DEPTH // 2}}}")
_FIRST_LINE = re.compile(rf"[ ?:\-]*+(?:[\[{{!&*]|(?<=[ ?:\-]{{{MAX_DEPTH // 2}}}))")
_FLOW_START = re.compile(r"\[(?<=[ \n]\[)(?:(?<=\n\[)|(?<=[ :?\-\n] \[))")
_NODE_START = re.compile(r"[\[{!&*](?<=[ \n].)(?:(?<=\n.)|(?<=[ :?\-\n] .))", re.S)


def needs_careful_compose(text: str, data: bytes | None = None) -> bool:
    """Whether `text` (whose UTF-8 bytes are `data`) might use a YAML feature that only
    `_CarefulComposer` checks. Never False for a file that uses one."""
    if data is None:
        data = text.encode("utf-8", "surrogatepass")
    if b"\\" in data or b"\t" in data:
        return True
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return True  # a CR alone is a line break
    if (b"\xc2" in data and b"\xc2\x85" in data) or "\u2028" in text or "\u2029" in text:
        return True  # NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR: YAML 1.1 line breaks
    rare = b"{" in data or b"!" in data or b"&" in data or b"*" in data
    starts = _NODE_START if rare else _FLOW_START
    return (
        _FIRST_LINE.match(text) is not None
        or starts.search(text) is not None
        or _DEEP_RUN.search(text) is not None
    )


# A position in the file: PyYAML's yaml.Mark or libyaml's yaml._yaml.Mark, which both
# have line, column and index (0-based, in characters).
_Mark = Any
_Properties = yaml.ScalarEvent | yaml.SequenceStartEvent | yaml.MappingStartEvent


@dataclass
class _Open:
    """A list or mapping being composed, with what the checks need to know of it."""

    node: yaml.SequenceNode | yaml.MappingNode
    anchor: str | None
    key: yaml.Node | None = None  # a mapping's key, waiting for its value
    size: int = 1  # values it stands for, aliases written out: itself and all inside it
    height: int = 1  # levels of lists and mappings from it down, itself included


@dataclass
class _Anchored:
    node: yaml.Node
    size: int
    height: int  # 0 for a scalar
    line: int


@dataclass
class _CarefulComposer:
    """libyaml's (or PyYAML's) composer, redone over parse events without recursion.

    Composes the same nodes as yaml.compose and refuses what data does not need:
    a tag (on a key or a value, a scalar or a collection), an escape that makes a
    character a YAML file may not hold, nesting deeper than MAX_DEPTH, aliases standing
    for more than MAX_ALIAS_NODES values, an alias used inside its own anchor. Every
    alias gives a copy of its anchor's nodes marked as written where the alias is, so
    that whatever is wrong with the value is reported there, not at the anchor. Tag and
    escape errors are all collected; the others stop at once.
    """

    text: str
    shown: str
    findings: list[Finding] = field(default_factory=list)
    anchors: dict[str, _Anchored] = field(default_factory=dict)
    expanded: int = 0
    resolve: Callable[[type, str | None, Any], str] = field(
        default_factory=lambda: yaml.resolver.Resolver().resolve
    )

    def compose(self) -> yaml.Node | None:
        stack: list[_Open] = []
        root: yaml.Node | None = None
        documents = 0
        for event in yaml.parse(self.text, Loader=_Loader):
            start: _Mark = event.start_mark
            end: _Mark = event.end_mark
            node: yaml.Node
            size, height = 1, 0  # a scalar: one value, no list or mapping
            if isinstance(event, yaml.ScalarEvent):
                self._check_tag(event, start)
                value: str = event.value
                if event.style == '"' and _NOT_ALLOWED.search(value):
                    self._control_escapes(value, start, end)
                implicit = event.implicit if event.tag is None else (event.style is None, True)
                tag = self.resolve(yaml.ScalarNode, value, implicit)
                node = yaml.ScalarNode(tag, value, start, end, style=event.style)
                if event.anchor is not None:
                    self._new_anchor(event.anchor, _Anchored(node, 1, 0, start.line + 1), start)
            elif isinstance(event, yaml.AliasEvent):
                node, size, height = self._alias(str(event.anchor), stack, start, end)
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                self._check_tag(event, start)
                if len(stack) >= MAX_DEPTH:
                    raise self._stop(start, too_deep())
                collection: yaml.SequenceNode | yaml.MappingNode
                if isinstance(event, yaml.SequenceStartEvent):
                    tag = self.resolve(yaml.SequenceNode, None, True)
                    collection = yaml.SequenceNode(tag, [], start, None, event.flow_style)
                else:
                    tag = self.resolve(yaml.MappingNode, None, True)
                    collection = yaml.MappingNode(tag, [], start, None, event.flow_style)
                if event.anchor is not None and event.anchor in self.anchors:
                    self._new_anchor(event.anchor, None, start)
                stack.append(_Open(collection, event.anchor))
                continue
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                done = stack.pop()
                done.node.end_mark = end
                node, size, height = done.node, done.size, done.height
                if done.anchor is not None:
                    line = node.start_mark.line + 1
                    self._new_anchor(done.anchor, _Anchored(node, size, height, line), start)
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise yaml.composer.ComposerError(
                        "expected a single document in the stream",
                        root.start_mark if root is not None else None,
                        "but found another document",
                        start,
                    )
                continue
            else:  # the stream's start and end, the document's end
                continue
            if stack:
                self._add(stack[-1], node, size, height)
            else:
                root = node
        if self.findings:
            raise ContentError(self.findings)
        return root

    @staticmethod
    def _add(parent: _Open, node: yaml.Node, size: int, height: int) -> None:
        parent.size += size
        parent.height = max(parent.height, height + 1)
        if isinstance(parent.node, yaml.SequenceNode):
            parent.node.value.append(node)
        elif parent.key is None:
            parent.key = node
        else:
            parent.node.value.append((parent.key, node))
            parent.key = None

    def _where(self, mark: _Mark) -> Location:
        return Location(self.shown, mark.line + 1, mark.column + 1)

    def _stop(self, mark: _Mark, message: str) -> ContentError:
        return ContentError([*self.findings, Finding(self._where(mark), "error", message)])

    def _check_tag(self, event: _Properties, start: _Mark) -> None:
        if event.tag is None:
            return
        index, written = _written_tag(self.text, start.index, event.tag)
        where = index_location(self.shown, self.text, index) if index >= 0 else self._where(start)
        advice = (
            "; write text in quotes instead if that is what it is for"
            if event.tag in ("!", "tag:yaml.org,2002:str")
            else ""
        )
        self.findings.append(
            Finding(
                where,
                "error",
                f"YAML tag {quoted(written)} is not allowed: a cards file holds only text, "
                f"numbers, true/false, lists and mappings; remove the tag{advice}",
            )
        )

    def _control_escapes(self, value: str, start: _Mark, end: _Mark) -> None:
        """Report each escape of a double-quoted scalar that makes a character a YAML file
        may not hold, as the same character written raw is reported."""
        opening = self.text.find('"', start.index, end.index)
        found = False
        for match in _ESCAPE.finditer(self.text, max(opening, 0), end.index):
            code = _escape_value(match.group())
            if code is None or code > 0x10FFFF or not _NOT_ALLOWED.match(chr(code)):
                continue
            found = True
            self.findings.append(
                Finding(
                    index_location(self.shown, self.text, match.start()),
                    "error",
                    f"{describe_character(chr(code))} (the escape {quoted(match.group())}) "
                    "is not allowed in a YAML file; delete it",
                )
            )
        bad = _NOT_ALLOWED.search(value)
        if not found and bad is not None:  # pragma: no cover - it came from an escape above
            self.findings.append(
                Finding(
                    self._where(start),
                    "error",
                    f"{describe_character(bad.group())} is not allowed in a YAML file; delete it",
                )
            )

    def _new_anchor(self, name: str, anchored: _Anchored | None, start: _Mark) -> None:
        """Register an anchor (None: only check that its name is new)."""
        first = self.anchors.get(name)
        if first is not None:
            raise self._stop(
                start,
                f"anchor {quoted('&' + name)} is defined twice (first at line {first.line}); "
                "rename one of them",
            )
        if anchored is not None:
            self.anchors[name] = anchored

    def _alias(
        self, name: str, stack: list[_Open], start: _Mark, end: _Mark
    ) -> tuple[yaml.Node, int, int]:
        alias = quoted("*" + name)
        anchored = self.anchors.get(name)
        if anchored is None:
            if any(frame.anchor == name for frame in stack):
                raise self._stop(
                    start,
                    f"alias {alias} is used inside the value it stands for, which would make "
                    "that value endless; remove the alias",
                )
            raise self._stop(
                start,
                f"alias {alias} refers to no anchor: write {quoted('&' + name)} on a value "
                "before it (an alias repeats a value anchored earlier in the same file)",
            )
        if len(stack) + anchored.height > MAX_DEPTH:
            raise self._stop(start, too_deep())
        self.expanded += anchored.size
        if self.expanded > MAX_ALIAS_NODES:
            raise self._stop(
                start,
                f"the aliases of this file stand for more than {MAX_ALIAS_NODES:,} values "
                f"by alias {alias} (an alias bomb?); write the values out instead",
            )
        return _copy_at(anchored.node, start, end), anchored.size, anchored.height


def _written_tag(text: str, index: int, tag: str) -> tuple[int, str]:
    """Where a node's tag is written (its properties start at `index`), and how."""
    match = _PROPERTIES.match(text, index)
    if match is not None:
        return match.start("tag"), match.group("tag")
    if tag.startswith("tag:yaml.org,2002:"):  # pragma: no cover - the pattern finds it
        return -1, "!!" + tag[len("tag:yaml.org,2002:") :]
    return -1, tag  # pragma: no cover


# A node's properties: an optional anchor, then its tag (verbatim `!<...>` or shorthand).
_PROPERTIES = re.compile(r"(?:&[^\s,\[\]{}]+\s+)?(?P<tag>!(?:<[^>]*>|[^\s,\[\]{}]*))")


def _copy_at(node: yaml.Node, start: _Mark, end: _Mark) -> yaml.Node:
    """A copy of `node` and everything in it, every copy marked as written at an alias."""
    copies: dict[int, yaml.Node] = {}
    for original in _postorder(node):
        copy: yaml.Node
        if isinstance(original, yaml.ScalarNode):
            copy = yaml.ScalarNode(original.tag, original.value, start, end, original.style)
        elif isinstance(original, yaml.SequenceNode):
            items = [copies[id(item)] for item in original.value]
            copy = yaml.SequenceNode(original.tag, items, start, end, original.flow_style)
        else:
            assert isinstance(original, yaml.MappingNode)
            pairs = [(copies[id(k)], copies[id(v)]) for k, v in original.value]
            copy = yaml.MappingNode(original.tag, pairs, start, end, original.flow_style)
        copies[id(original)] = copy
    return copies[id(node)]


def _postorder(node: yaml.Node) -> Iterator[yaml.Node]:
    """Every node in `node`, children before their parent, without recursion."""
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if expanded or isinstance(current, yaml.ScalarNode):
            yield current
            continue
        stack.append((current, True))
        children = (
            current.value
            if isinstance(current, yaml.SequenceNode)
            else [n for pair in current.value for n in pair]
        )
        stack.extend((child, False) for child in reversed(children))


_CLOZE_FIRST = re.compile(r"^\s*(?:-\s+)*(?:[\w-]+:\s+)?\[\[")


def _syntax_hint(text: str, problem: str, first: int, last: int, index: int) -> str:
    """The likely fix for the YAML mistakes authors of cards make most."""
    lines = text.splitlines()
    if any(_CLOZE_FIRST.match(line) for line in lines[max(first, 0) : last + 1]):
        return (
            "; a value that starts with '[[' is read as a YAML list: put the whole text "
            "in quotes, or use a block scalar ('|')"
        )
    if 0 <= index < len(text) and text[index] == "\t":
        return "; indent with spaces, not tabs"
    if problem.startswith("mapping values are not allowed"):
        return "; a ': ' inside a value needs the whole value in quotes"
    return ""


@dataclass(frozen=True)
class CardsFolder:
    """A deck folder as deckgen reads it (`list_cards_folder`).

    `files` are the cards files in reading order: deck.yaml first (when it is one of
    them), then the pillar files in natural name order (2-x.yaml before 10-x.yaml).
    `findings` are an error for each entry that looks like a cards file but cannot be
    one (a folder, a FIFO, a device, a broken or looping link, a name that is not
    UTF-8) and a note for each file skipped on purpose (hidden files, editors'
    temporaries).
    """

    folder: Path
    files: tuple[Path, ...]
    findings: tuple[Finding, ...]
    has_deck_entry: bool  # something named deck.yaml is there, readable or not

    @property
    def deck_file(self) -> Path | None:
        if self.files and self.files[0].name == DECK_FILE:
            return self.files[0]
        return None

    @property
    def pillar_files(self) -> tuple[Path, ...]:
        return self.files[1:] if self.deck_file is not None else self.files


# Editors' temporaries and backups of a cards file: Emacs' lock (.#x.yaml) and
# auto-save (#x.yaml#) files, backups (x.yaml~), Vim's swap files (.x.yaml.swp).
_TEMPORARY = re.compile(r"^\.#|^#|~$|\.sw[a-p]$")
_YAML_IN_NAME = re.compile(r"\.ya?ml(?:$|[.~#])")


def list_cards_folder(folder: Path) -> CardsFolder:
    """The one view of a deck folder that loading, `deckgen check` and the up-to-date
    digest share. Never raises, never opens a file: entries are only looked at (stat).

    A cards file is an entry named *.yaml or *.yml that is not hidden and not an
    editor's temporary. It must be a regular file (or a link to one) with a UTF-8 name;
    anything else so named is an error. Subfolders are other decks, other files are
    not read, so neither is reported.
    """
    shown = display_path(folder)
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except OSError as exc:
        problem = Finding(Location(shown), "error", f"cannot read the cards folder: {exc.strerror}")
        return CardsFolder(folder, (), (problem,), False)
    files: list[Path] = []
    findings: list[Finding] = []
    has_deck = False
    for name in names:
        kind = _cards_name(name)
        if kind is None:
            continue
        path = folder / name
        if kind != "cards":
            findings.append(Finding(Location(display_path(path)), "note", kind))
            continue
        has_deck = has_deck or name == DECK_FILE
        unreadable = _entry_problem(path, name)
        if unreadable is not None:
            findings.append(Finding(Location(display_path(path)), "error", unreadable))
        else:
            files.append(path)
    files.sort(key=lambda p: (p.name != DECK_FILE, natural_key(p.name)))
    return CardsFolder(folder, tuple(files), tuple(findings), has_deck)


def _cards_name(name: str) -> str | None:
    """'cards' for the name of a cards file, a note's message for one skipped on purpose,
    None for a name that is not about cards at all (deckgen.lock, README.md)."""
    is_yaml = name.endswith(CARDS_SUFFIXES)
    if _TEMPORARY.search(name) and (is_yaml or _YAML_IN_NAME.search(name)):
        return "skipped: an editor's temporary or backup file, not a cards file"
    if name.startswith(".") and (is_yaml or _YAML_IN_NAME.search(name)):
        return "skipped: a hidden file (its name starts with '.'); rename it if it holds cards"
    return "cards" if is_yaml else None


def _entry_problem(path: Path, name: str) -> str | None:
    """Why the entry `name` cannot be read as a cards file, or None if it can."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:
        byte = os.fsencode(name[exc.start : exc.start + 1])[0]
        return f"the file name is not UTF-8 (byte 0x{byte:02x}); rename the file"
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return _unreadable(path, exc)
    return None if stat.S_ISREG(mode) else _not_a_file(path, mode)


def find_card_files(folder: Path) -> CardsFolder:
    """The files of one deck folder (`list_cards_folder`): deck.yaml, then the pillar
    files in name order, with the findings about the entries that cannot be read.

    Raises ContentError (with those findings) when there is nothing to validate: no
    folder, no cards file, no readable deck file.
    """
    shown = display_path(folder)
    try:
        is_folder = folder.is_dir()
    except OSError as exc:  # not "not found": permissions, a failing disk
        raise _error(Location(shown), f"cannot read the cards folder: {exc.strerror}") from None
    if not is_folder:
        raise _error(
            Location(shown),
            "cards folder not found; pass --cards DIR or create it with a deck.yaml",
        )
    listing = list_cards_folder(folder)
    findings = list(listing.findings)
    if not listing.files and not any(f.severity == "error" for f in findings):
        findings.append(
            Finding(
                Location(shown),
                "error",
                f"the cards folder has no YAML files; create {DECK_FILE} and one YAML file "
                "per pillar (see README: 'The cards format')",
            )
        )
    elif listing.deck_file is None and not listing.has_deck_entry:
        misnamed = any(p.name == "deck.yml" for p in listing.files)
        findings.append(
            Finding(
                Location(shown),
                "error",
                f"no {DECK_FILE} in the cards folder; rename deck.yml to {DECK_FILE}"
                if misnamed
                else f"no {DECK_FILE} in the cards folder; every deck needs one "
                "(see README: 'The cards format')",
            )
        )
    if listing.deck_file is None:
        raise ContentError(findings)
    return listing


def find_deck_folders(root: Path) -> list[Path]:
    """The deck folders of a project: `root` itself when it holds a deck.yaml, then each
    direct subfolder that holds one (`cards/<deck>/deck.yaml`), in natural name order.

    When there is none, returns [root], so that loading it reports what is missing.
    """
    # Anything named deck.yaml makes a deck folder: one that cannot be read is reported
    # when the folder is loaded, not passed over.
    found = [root] if os.path.lexists(root / DECK_FILE) else []
    try:
        entries = list(os.scandir(root))
    except OSError:
        entries = []
    subfolders = (
        root / entry.name
        for entry in entries
        if not entry.name.startswith(".")
        and _is_dir(entry)
        and os.path.lexists(root / entry.name / DECK_FILE)
    )
    found.extend(sorted(subfolders, key=lambda p: natural_key(p.name)))
    return found or [root]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # pragma: no cover - a link loop is not a directory
        return False
