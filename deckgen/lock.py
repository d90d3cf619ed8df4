"""The lock file: what the last build wrote, so the next one changes only what changed.

`cards/deckgen.lock` is JSON with one note per line, readable in a diff. For each note it
keeps the key, GUID, note type, a hash of the content, the change stamp (`mod`), the
number of each cloze phrase (and of each phrase removed since, so that no number is ever
given to another phrase) and whether the note is retired; for each note type its id,
name, the hashes of its fields and of its templates and CSS, with its stamp; and the
deck's key and name.

This module reads and writes the file, nothing more: what a build changes against it is
`deckgen.changes`. A lock is read strictly: anything but the shape deckgen writes is a
located error (a conflicted merge, a hand edit, a number no clock can reach), never a
traceback, and never a silent guess.

Version 1 (deckgen 0.1) listed cloze phrases in text order, c1 first, and had no retired
notes; it is read as version 2 with those numbers, and the next build writes version 2.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, NamedTuple

from deckgen.errors import LockConflictError, LockError, LockNumberError, NotALockFile

LOCK_VERSION = 2
READABLE_VERSIONS = (1, 2)
ABOUT = (
    "Written by `deckgen build`: what the last build put in the deck. Commit it with the "
    "cards; do not edit it by hand."
)
# Stamps are seconds since 1970: anything outside this range was not written by a clock.
MAX_STAMP = 1 << 40
# How long a build waits for the clock to pass the newest stamp before using a stamp
# after it: a lock stamped this second is normal, one further ahead was written on a
# machine whose clock ran fast (deckgen.changes, deckgen.uptodate).
MAX_WAIT = 2
MAX_CLOZE_NUMBER = 1 << 20
_CONFLICT_MARKER = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?:\s|$)", re.M)

Numbered = tuple[tuple[int, str], ...]  # (cloze number, phrase), in text order


class LockedNote(NamedTuple):
    """What the lock records of one note, as a build writes it (`note_line`) and reads it
    back. A named tuple rather than a dataclass: a lock holds one per note, and a tuple is
    made several times faster (bench/RESULTS.md)."""

    key: str
    guid: str
    kind: str
    hash: str
    mod: int
    # The number of each of the note's cloze phrases, in text order (c-numbers need not
    # be in order: a phrase keeps its number wherever it moves).
    clozes: Numbered = ()
    # Phrases removed from the note, with the numbers they had: never given to another
    # phrase (the learner's card of that number keeps its history); the phrase itself
    # gets its number back if it returns.
    removed_clozes: Numbered = ()
    retired: bool = False

    @property
    def cloze_numbers(self) -> tuple[int, ...]:
        return tuple(n for n, _ in self.clozes)


@dataclass(frozen=True, slots=True)
class LockedNoteType:
    """What the lock records of one note type, as a build writes it and reads it back."""

    kind: str
    id: int
    name: str
    fields: str
    style: str
    mod: int


@dataclass(frozen=True)
class Lock:
    deck_key: str  # '' in a version 1 lock, which did not record it
    deck_name: str
    note_types: dict[str, LockedNoteType]
    notes: Mapping[str, LockedNote]  # a dict, or LazyNotes for a lock deckgen wrote itself
    # The file as read, line ends as deckgen writes them: a build compares what it would
    # write with this, so an up-to-date lock is left as it is.
    raw: bytes = field(default=b"", repr=False, compare=False)
    version: int = LOCK_VERSION
    # With `subdecks: true`: each pillar's identity -> the name of the deck of its cards.
    subdecks: dict[str, str] = field(default_factory=dict)
    known_digest: str = field(default="", repr=False, compare=False)  # `digest`, if known

    @cached_property
    def digest(self) -> str:
        """The SHA-256 of `raw` (hex): the lock's identity for the build's records."""
        return self.known_digest or hashlib.sha256(self.raw).hexdigest()

    @property
    def newest_stamp(self) -> int:
        notes = self.notes
        newest = (
            notes.newest()
            if isinstance(notes, LazyNotes)
            else max((n.mod for n in notes.values()), default=0)
        )
        return max([newest] + [t.mod for t in self.note_types.values()])


def read_lock_bytes(path: Path) -> bytes:
    """The lock file's bytes with its line ends as deckgen writes them (\\n): a lock
    checked out with CRLF is the same lock.

    Never blocks: a FIFO at the lock's path opens at once (without waiting for a
    writer) and is refused, as is anything else that is not a regular file."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise NotALockFile(path)
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read()
    finally:
        os.close(fd)
    if b"\r" not in data:  # as deckgen writes it: no copy of a large lock
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


@dataclass(frozen=True)
class Trusted:
    """Bytes known to be a lock that a build of this deckgen wrote (deckgen.incremental),
    and what that build knew of them, if it was kept: the key of each of its notes, in
    order, and their newest stamp (else both are read from the lock)."""

    keys: list[str] | None = None
    newest: int = 0
    digest: str = ""  # the SHA-256 of the bytes, when it is known


def read_lock(
    path: Path, display: str, trust: Callable[[bytes], Trusted | None] | None = None
) -> Lock | None:
    """The lock at `path`, or None when there is none. Raises LockError when it is there
    but cannot be read as a lock.

    `trust(raw)` says whether these are the very bytes a build of this deckgen wrote
    (deckgen.incremental.trusted): its notes are then read as they are asked for
    (`LazyNotes`), not all at once."""
    try:
        raw = read_lock_bytes(path)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise LockError(display, 0, 0, "the lock is a folder, not a file; remove it") from None
    except NotALockFile:
        raise LockError(
            display, 0, 0, "the lock is not a regular file (a FIFO, a device?); remove it"
        ) from None
    except OSError as exc:
        raise LockError(
            display, 0, 0, f"cannot read the lock file: {exc.strerror or exc}"
        ) from None
    return parse_lock(raw, display, trusted=trust(raw) if trust is not None else None)


def parse_lock(raw: bytes, display: str, *, trusted: Trusted | bool | None = None) -> Lock:
    """A lock from its bytes (as read_lock_bytes gives them); LockError if it is not one.

    `trusted` (True, or what is known of them): the bytes are a lock this deckgen wrote,
    whose every note is well-formed; its notes are made as they are asked for
    (`LazyNotes`)."""
    if trusted:
        lock = _trusted_lock(raw, display, trusted if isinstance(trusted, Trusted) else Trusted())
        if lock is not None:
            return lock
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LockError(display, line, 1, _damaged("it is not UTF-8")) from None
    # A line that starts with a marker's first seven characters is rare: look for the
    # markers themselves only then (a regular expression over a large lock takes long).
    maybe = any(("\n" + c * 7) in text or text.startswith(c * 7) for c in "<=>|")
    conflict = _CONFLICT_MARKER.search(text) if maybe else None
    if conflict is not None:
        line = text.count("\n", 0, conflict.start()) + 1
        raise LockConflictError(display, line, 1, conflict_message(display))
    try:
        data = json.loads(text, parse_constant=_no_constant, parse_float=_no_float)
    except json.JSONDecodeError as exc:
        raise LockError(
            display, exc.lineno, exc.colno, _damaged(f"it is not valid JSON: {exc.msg}")
        ) from None
    except LockNumberError as exc:
        at = text.find(exc.token)  # the first such number: json does not say where
        line = text.count("\n", 0, at) + 1 if at >= 0 else 1
        col = at - text.rfind("\n", 0, at) if at >= 0 else 1
        raise LockError(display, line, col, _damaged(str(exc))) from None
    except RecursionError:
        raise LockError(display, 1, 1, _damaged("it nests too deeply")) from None
    return _LockReader(raw, display).lock(data, raw)


# How deckgen writes the notes of a lock (render_lock_lines): one per line between these.
_NOTES_OPEN = b'\n "notes": {\n'
_NOTES_CLOSE = b"\n }\n}\n"
_NOTE_START = b'  "'
_MOD = re.compile(rb'"mod": (\d+)')
_JSON = json.JSONDecoder()


def _trusted_lock(raw: bytes, display: str, known: Trusted) -> Lock | None:
    """A lock from bytes a build of this deckgen wrote: its head read and checked as any
    lock's, its notes found by their lines and each read when it is asked for
    (`LazyNotes`); their keys and newest stamp as `known`, else read from the lines.
    None when the bytes are not laid out as render_lock_lines writes them (they are then
    read whole)."""
    start = raw.find(_NOTES_OPEN)
    if start < 0 or not raw.endswith(_NOTES_CLOSE):
        return None
    body = raw[start + len(_NOTES_OPEN) : len(raw) - len(_NOTES_CLOSE)]
    lines = body.split(b"\n") if body else []
    try:
        head = json.loads(
            raw[:start] + b'\n "notes": {}\n}', parse_constant=_no_constant, parse_float=_no_float
        )
    except (UnicodeDecodeError, ValueError, LockNumberError, RecursionError):
        return None
    if not isinstance(head, dict) or head.get("deckgen_lock") != LOCK_VERSION:
        return None  # an older lock deckgen wrote: read whole
    if known.keys is not None and len(known.keys) == len(lines):
        keys, newest = known.keys, known.newest
    else:
        found = _keys(body, lines)
        if found is None:
            return None
        keys, newest = found, _newest(_MOD.findall(body))
    at = dict(zip(keys, range(len(keys)), strict=True))
    if len(at) != len(keys):
        return None  # a key twice: JSON takes the last
    reader = _LockReader(raw, display)
    lock = reader.lock(head, raw, lambda: LazyNotes(keys, at, lines, newest, reader))
    return dataclasses.replace(lock, known_digest=known.digest) if known.digest else lock


def _keys(body: bytes, lines: list[bytes]) -> list[str] | None:
    """The key of each note line of `body` (None if a line is not one)."""
    # Every line starts with its key's opening quote (no note line holds a raw line end).
    starts = body.count(b"\n" + _NOTE_START) + body.startswith(_NOTE_START)
    if starts != len(lines):
        return None
    # A JSON string without a backslash holds no quote: its first quote closes it.
    found = [line[3 : line.find(b'"', 3)] for line in lines]
    joined = b"\n".join(found)
    try:
        keys = joined.decode("utf-8").split("\n") if lines else []
        if b"\\" in joined:  # a key with an escape: read as JSON
            for i, key in enumerate(found):
                if b"\\" in key:
                    keys[i] = _JSON.raw_decode(lines[i].decode("utf-8"), 2)[0]
    except (UnicodeDecodeError, ValueError):
        return None
    return keys


def _newest(stamps: list[bytes]) -> int:
    """The largest of whole numbers written in decimal (as deckgen writes them: no leading
    zero), most often all of one length, compared as bytes."""
    if not stamps:
        return 0
    if len(min(stamps, key=len)) == len(max(stamps, key=len)):
        return int(max(stamps))
    return max(map(int, stamps))


def conflict_message(display: str) -> str:
    return (
        "the lock has merge-conflict markers: a git merge changed it on both sides. Take "
        "either side, or neither: every note's identity (GUID) comes from its ids, not from "
        f"the lock. During the merge: `git checkout --ours -- {display} && git add {display}` "
        f"(or --theirs), then `deckgen build` (it records both sides' changes again)"
    )


def _damaged(why: str) -> str:
    return (
        f"the lock file is damaged ({why}); restore it from version control "
        "(`git restore` or `git checkout` it) rather than editing it"
    )


def _no_constant(name: str) -> Any:
    raise LockNumberError(name, f"{name} is not a number deckgen writes")


def _no_float(text: str) -> Any:
    raise LockNumberError(text, f"{text} is not a whole number")


class _LockReader:
    """Checks every value of a parsed lock, pointing at the line of the note at fault."""

    def __init__(self, raw: bytes, display: str) -> None:
        self.raw = raw
        self.display = display

    @cached_property
    def text(self) -> str:  # only to point at a fault: a lock read lazily is seldom decoded
        return self.raw.decode("utf-8", "replace")

    def fail(self, where: str, why: str) -> LockError:
        # Notes and note types are one per line: find the line that names `where`.
        at = self.text.find(encode_basestring(where) + ":") if where else -1
        line = self.text.count("\n", 0, at) + 1 if at >= 0 else 1
        return LockError(self.display, line, 1, _damaged(why))

    def mapping(self, value: object, where: str, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"{what} is not an object")
        return value

    def string(self, value: object, where: str, what: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"{what} is not text")
        return value

    def integer(self, value: object, where: str, what: str, top: int = MAX_STAMP) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < top:
            raise self.fail(where, f"{what} is not a whole number from 0 to {top - 1}")
        return value

    def numbered(self, value: object, where: str, what: str) -> Numbered:
        if not isinstance(value, list):
            raise self.fail(where, f"{what} is not a list")
        out = []
        for item in value:
            if not (isinstance(item, list) and len(item) == 2):
                raise self.fail(where, f"{what} holds something that is not [number, phrase]")
            number = self.integer(item[0], where, f"a cloze number in {what}", MAX_CLOZE_NUMBER)
            out.append((number, self.string(item[1], where, f"a phrase in {what}")))
        return tuple(out)

    def lock(self, data: object, raw: bytes, lazy: Callable[[], LazyNotes] | None = None) -> Lock:
        """The lock `data` holds; with `lazy`, its notes are the ones `lazy` makes (for a
        version 2 lock: else its notes are read from `data`)."""
        top = self.mapping(data, "", "the file")
        version = top.get("deckgen_lock")
        if version not in READABLE_VERSIONS or isinstance(version, bool):
            raise LockError(
                self.display,
                1,
                1,
                f"lock file version {version!r} is not one this deckgen reads "
                f"({', '.join(map(str, READABLE_VERSIONS))}); upgrade deckgen",
            )
        deck = self.mapping(top.get("deck"), "deck", "'deck'")
        name = self.string(deck.get("name"), "deck", "the deck name")
        key = self.string(deck.get("key", ""), "deck", "the deck key")
        subdecks = {
            self.string(pillar, "deck", "a pillar of 'subdecks'"): self.string(
                sub, "deck", "a subdeck name"
            )
            for pillar, sub in self.mapping(deck.get("subdecks", {}), "deck", "'subdecks'").items()
        }
        types = {}
        for kind, body in self.mapping(top.get("note_types"), "note_types", "'note_types'").items():
            t = self.mapping(body, kind, f"note type '{kind}'")
            types[kind] = LockedNoteType(
                kind,
                self.integer(t.get("id"), kind, f"the id of note type '{kind}'"),
                self.string(t.get("name", ""), kind, f"the name of note type '{kind}'"),
                self.string(t.get("fields"), kind, f"the fields hash of note type '{kind}'"),
                self.string(t.get("style"), kind, f"the style hash of note type '{kind}'"),
                self.integer(t.get("mod"), kind, f"the stamp of note type '{kind}'"),
            )
        bodies = self.mapping(top.get("notes"), "notes", "'notes'")
        notes: Mapping[str, LockedNote]
        if lazy is not None and version == LOCK_VERSION:
            notes = lazy()
        else:
            notes = {key_: self.note(key_, body, version) for key_, body in bodies.items()}
        return Lock(key, name, types, notes, raw, version, subdecks)

    def note(self, key_: str, body: object, version: int) -> LockedNote:
        quick = _quick_note(key_, body) if version != 1 else None
        if quick is not None:
            return quick
        n = self.mapping(body, key_, f"note '{key_}'")
        clozes = n.get("clozes", [])
        if version == 1:  # phrases in text order, c1 first
            if not isinstance(clozes, list):
                raise self.fail(key_, "'clozes' is not a list")
            phrases = [self.string(p, key_, "a cloze phrase") for p in clozes]
            numbered: Numbered = tuple(enumerate(phrases, start=1))
        else:
            numbered = self.numbered(clozes, key_, "'clozes'")
        retired = n.get("retired", False)
        if not isinstance(retired, bool):
            raise self.fail(key_, "'retired' is not true or false")
        return LockedNote(
            key_,
            self.string(n.get("guid"), key_, "the GUID"),
            self.string(n.get("type"), key_, "the note type"),
            self.string(n.get("hash"), key_, "the content hash"),
            self.integer(n.get("mod"), key_, "the stamp"),
            numbered,
            self.numbered(n.get("removed_clozes", []), key_, "'removed_clozes'"),
            retired,
        )


class LazyNotes(Mapping[str, LockedNote]):
    """The notes of a lock this deckgen wrote itself, each read when it is asked for.

    A rebuild after a few files changed looks at the notes of those files only (the
    others come from deckgen.incremental), so reading all 100,000 notes of a large lock
    would be most of its time: only their keys are read (from the start of each note's
    line) and the newest stamp. Only a lock whose bytes a build of this deckgen wrote is
    read so (`read_lock`'s `trust`): its notes are well-formed, so reading one late
    never finds what reading it first would have refused; it still goes through the
    reader's checks (tests/test_incremental.py::test_a_lock_this_deckgen_wrote_is_read_lazily).
    """

    __slots__ = ("_at", "_keys", "_lines", "_made", "_newest", "_reader")

    def __init__(
        self,
        keys: list[str],
        at: dict[str, int],
        lines: list[bytes],
        newest: int,
        reader: _LockReader,
    ) -> None:
        self._keys = keys  # in the lock's order
        self._at = at  # key -> its line in `lines`
        self._lines = lines
        self._newest = newest
        self._made: dict[str, LockedNote] = {}
        self._reader = reader

    def __getitem__(self, key: str) -> LockedNote:
        made = self._made.get(key)
        if made is None:
            line = self._lines[self._at[key]]
            start = f"  {encode_basestring(key)}: ".encode()
            if not line.startswith(start):
                raise self._reader.fail(key, "a note's line does not start with its key")
            try:
                body = json.loads(
                    line[len(start) :].removesuffix(b","),
                    parse_constant=_no_constant,
                    parse_float=_no_float,
                )
            except LockNumberError as exc:
                raise self._reader.fail(key, str(exc)) from None
            except (ValueError, RecursionError):
                raise self._reader.fail(key, "a note's line is not valid JSON") from None
            made = self._made[key] = self._reader.note(key, body, LOCK_VERSION)
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def stamps(self) -> LockStamps:
        """{key: (content hash, stamp)} of every note, each read when it is asked for."""
        return LockStamps(self)

    def newest(self) -> int:
        """The newest stamp of the notes."""
        return self._newest


class LockStamps(Mapping[str, tuple[str, int]]):
    """The content hash and stamp of each note of a LazyNotes (deckgen.published)."""

    __slots__ = ("notes",)

    def __init__(self, notes: LazyNotes) -> None:
        self.notes = notes

    def __getitem__(self, key: str) -> tuple[str, int]:
        note = self.notes[key]
        return note.hash, note.mod

    def __iter__(self) -> Iterator[str]:
        return iter(self.notes)

    def __len__(self) -> int:
        return len(self.notes)

    def __contains__(self, key: object) -> bool:
        return key in self.notes

    def newest(self) -> int:
        return self.notes.newest()


_NONE: list[object] = []  # what a note without clozes holds


def _quick_numbered(value: object) -> Numbered | None:
    """`value` as _LockReader.numbered reads it when it is well-formed, else None."""
    if type(value) is not list:
        return None
    try:
        out = tuple([(number, phrase) for number, phrase in value])
    except (ValueError, TypeError):
        return None
    for number, phrase in out:
        if type(number) is not int or not 0 <= number < MAX_CLOZE_NUMBER or type(phrase) is not str:
            return None
    return out


def _quick_note(key: str, body: object) -> LockedNote | None:
    """A note of a version 2 lock that is well-formed, read at a fraction of the cost of
    _LockReader's checks, which read (and point at) anything else."""
    if type(body) is not dict:
        return None
    guid, kind, hash_, mod = body.get("guid"), body.get("type"), body.get("hash"), body.get("mod")
    if not (
        type(guid) is str
        and type(kind) is str
        and type(hash_) is str
        and type(mod) is int
        and 0 <= mod < MAX_STAMP
    ):
        return None
    clozes = _quick_numbered(body.get("clozes", _NONE))
    removed = _quick_numbered(body.get("removed_clozes", _NONE))
    retired = body.get("retired", False)
    if clozes is None or removed is None or type(retired) is not bool:
        return None
    return LockedNote(key, guid, kind, hash_, mod, clozes, removed, retired)


# --- writing ------------------------------------------------------------------------------


def render_lock(
    deck_key: str,
    deck_name: str,
    types: list[LockedNoteType],
    notes: list[LockedNote],
    subdecks: dict[str, str] | None = None,
) -> bytes:
    """The lock file as UTF-8: stable order, one note per line.

    Built as bytes, not text: half the memory for a large deck.
    """

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    lines = [
        "{",
        f' "deckgen_lock": {LOCK_VERSION},',
        f' "about": {dump(ABOUT)},',
        f' "deck": {dump(_deck_entry(deck_key, deck_name, subdecks))},',
        ' "note_types": {',
    ]
    type_lines = []
    for t in sorted(types, key=lambda t: t.kind):
        entry = {"id": t.id, "name": t.name, "fields": t.fields, "style": t.style, "mod": t.mod}
        type_lines.append(f"  {dump(t.kind)}: {dump(entry)}")
    lines.append(",\n".join(type_lines))
    lines.append(" },")
    lines.append(' "notes": {')
    head = ("\n".join(lines) + "\n").encode("utf-8")
    body = b",\n".join([line.encode("utf-8") for line in _note_lines(notes)])
    return head + body + b"\n }\n}\n"


def _deck_entry(key: str, name: str, subdecks: dict[str, str] | None) -> dict[str, object]:
    entry: dict[str, object] = {"key": key, "name": name}
    if subdecks:
        entry["subdecks"] = subdecks
    return entry


def _numbered_json(numbered: Numbered) -> str:
    enc = encode_basestring
    return "[" + ", ".join([f"[{n}, {enc(p)}]" for n, p in numbered]) + "]"


def _note_lines(notes: list[LockedNote]) -> Iterator[str]:
    return map(note_line, notes)


def note_line(note: LockedNote) -> str:
    """A note's line, as json.dumps(..., ensure_ascii=False, sort_keys=True) writes it.

    Spelled out because a large deck has a line per note: this is several times faster
    than a json.dumps call per line, and gives the same text (tests/test_large.py).
    """
    enc = encode_basestring
    clozes = f'"clozes": {_numbered_json(note.clozes)}, ' if note.clozes else ""
    removed = (
        f'"removed_clozes": {_numbered_json(note.removed_clozes)}, ' if note.removed_clozes else ""
    )
    retired = '"retired": true, ' if note.retired else ""
    return (
        f'  {enc(note.key)}: {{{clozes}"guid": {enc(note.guid)}, '
        f'"hash": {enc(note.hash)}, "mod": {int(note.mod)}, {removed}{retired}'
        f'"type": {enc(note.kind)}}}'
    )


def note_spans(lock: bytes, lines: Sequence[bytes]) -> list[tuple[int, int]]:
    """Where each of `lines` is in `lock`, made of them by `render_lock_lines`: the byte
    offsets of its start and end."""
    body = sum(map(len, lines)) + 2 * (len(lines) - 1) if lines else 0
    start = len(lock) - len(_NOTES_CLOSE) - body
    spans = []
    for line in lines:
        spans.append((start, start + len(line)))
        start += len(line) + 2
    return spans


def render_lock_lines(
    deck_key: str,
    deck_name: str,
    types: list[LockedNoteType],
    lines: Iterable[bytes],
    subdecks: dict[str, str] | None = None,
) -> bytes:
    """The lock file from its note lines already rendered (`note_line`, UTF-8), in order."""
    head = render_lock(deck_key, deck_name, types, [], subdecks)
    return head[: -len(b"\n }\n}\n")] + b",\n".join(lines) + b"\n }\n}\n"
