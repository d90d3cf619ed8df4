"""Read the cards folder: YAML files into nodes that remember where they came from.

Only PyYAML's safe composer is used (libyaml's C version when present): no tag in a
cards file can construct a Python object. A file larger than MAX_FILE_BYTES is not
read. Nothing is interpreted here beyond YAML syntax; `validate` turns the nodes into
the model.

`list_cards_folder` is the one view of a deck folder that the loader, `deckgen check`
and the up-to-date digest of `build` share: which files are cards, which are skipped
(hidden files, editors' temporaries) and which cannot be read (a folder, a FIFO, a
device, a broken link), so that they never disagree on what the deck is.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml

from deckgen.errors import ContentError, Finding, Location, quoted, visible

try:  # libyaml's C parser is several times faster on large decks.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

DECK_FILE = "deck.yaml"
LOCK_FILE = "deckgen.lock"
CARDS_SUFFIXES = (".yaml", ".yml")

# The largest cards file deckgen reads. A pillar of the 100,000-note synthetic deck
# (bench/synth.py, 50 principles) is 44 kB; the whole shipped deck is 13 kB.
MAX_FILE_BYTES = 10_000_000


@dataclass(frozen=True)
class SourceFile:
    """One parsed YAML file: its root node (None when the file is empty) and its text."""

    path: Path
    display: str
    root: yaml.Node | None
    text: str = ""


def display_path(path: Path) -> str:
    """The path as the user should see it: relative to the working folder if inside it,
    with a byte that is not UTF-8 (`9-\\xff.yaml`) or an invisible character escaped."""
    try:
        rel = os.path.relpath(path)
    except (ValueError, OSError):  # another drive on Windows; no working folder
        rel = str(path)
    return visible(str(path) if rel.startswith("..") else rel)


def node_location(display: str, node: yaml.Node) -> Location:
    mark = node.start_mark
    return Location(display, mark.line + 1, mark.column + 1)


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


@dataclass(frozen=True, slots=True)
class Written:
    """Where a scalar is written: enough to point into it once its node tree is gone.

    Keeps the file's text (one string shared by every scalar of the file) and the
    scalar's marks, not the node: a deck's node trees are many times its text.
    `validate.TextValue` extends it (one object per text value, not two).
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
        start = self.location
        text = self.text
        if not text or not 0 <= offset < len(value):
            return start
        pos, end = self.start, min(self.end, len(text))
        if self.style in ("|", ">"):
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
        return index_location(self.display, text, found)


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
        with open(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _error(Location(shown), _unreadable(path, exc)) from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:  # it grew after fstat
        raise _error(Location(shown), _too_large())
    return data


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
    return SourceFile(path, shown, compose_text(text, shown, data), text)


def compose_text(text: str, shown: str, data: bytes | None = None) -> yaml.Node | None:
    """The node tree of one YAML document (None when it is empty). Raises ContentError."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=_Loader)
        return node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{problem} ({exc.context})"
        loc = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        first = exc.context_mark.line if exc.context_mark else loc.line - 1
        hint = _syntax_hint(text, problem, first, loc.line - 1, mark.index if mark else -1)
        raise _error(loc, f"YAML syntax error: {problem}{hint}") from None
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow in a file (a control character). libyaml gives
        # its position in UTF-8 bytes, PyYAML in characters: find the character instead.
        bad = chr(exc.character) if isinstance(exc.character, int) else ""
        index = text.find(bad) if bad else -1
        loc = index_location(shown, text, index) if index >= 0 else Location(shown)
        message = (
            f"control character U+{ord(bad):04X} is not allowed in a YAML file; delete it"
            if bad
            else f"YAML error: {exc.reason}"
        )
        raise _error(loc, message) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error is one of the above
        raise _error(Location(shown), f"YAML error: {exc}") from None


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
        where = Location(display_path(path))
        if kind != "cards":
            findings.append(Finding(where, "note", kind))
            continue
        has_deck = has_deck or name == DECK_FILE
        unreadable = _entry_problem(path, name)
        if unreadable is not None:
            findings.append(Finding(where, "error", unreadable))
        else:
            files.append(path)
    files.sort(key=lambda p: (p.name != DECK_FILE, _natural_key(p.name)))
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
    if not folder.is_dir():
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


def _natural_key(name: str) -> list[object]:
    """Sort 2-x.yaml before 10-x.yaml."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


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
    found.extend(sorted(subfolders, key=lambda p: _natural_key(p.name)))
    return found or [root]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # pragma: no cover - a link loop is not a directory
        return False
