"""Everything one pillar file contributes to a build, made from the file alone.

A build's work is almost all per file: read and compose the YAML, validate it, run the
card-quality rules on its texts, generate its notes (its own slot of positions:
deckgen.generate.position), number their clozes against the lock, convert their script,
classify and stamp each note, render its lock line, and write its rows. `process_file`
does all that for one file, given the deck-wide `FileContext`; what only the whole deck
can decide (ids used in two files, the same question twice, the deck's overview and
retired notes, renames, the guards) the build does afterwards from the `FileResult`s,
in reading order. So files may be processed in any process (deckgen.workers) and the
build is the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from deckgen.changes import ADDED, Loss, NewNote, Stamper, classify
from deckgen.errors import ContentError, Finding, Location
from deckgen.generate import Note, pillar_heading, pillar_notes
from deckgen.load import parse_yaml
from deckgen.lock import Lock, LockedNote, Numbered, note_line
from deckgen.model import Deck, Pillar
from deckgen.notetypes import NoteType
from deckgen.numbering import LockNumbering
from deckgen.package import RowContext, RowFile, note_rows, subdeck_of
from deckgen.rules import Asked, asked, text_findings
from deckgen.script import Script
from deckgen.validate import Claim, validate_pillar_file

_T = TypeVar("_T", Claim, Asked)


@dataclass(frozen=True)
class FileContext:
    """What every pillar file of a deck is processed with."""

    deck: Deck  # the deck file's deck, without pillars
    language: str
    script: Script | None
    types: dict[str, NoteType]
    rows: RowContext  # without subdecks: a file adds its own
    numbering_lock: Lock | None  # where cloze numbers come from (the lock, or git's)
    base: Lock | None  # what changes are counted against
    stamper: Stamper
    keep_notes: bool = False  # keep every Note (the preview renders them)
    write_rows: bool = True  # `deckgen check` needs no rows
    generate: bool = True  # False: only check the file (its deck file is broken)


class NoteInfo(NamedTuple):
    """What the build needs of one note beyond its rows (plain values, see `encode`)."""

    key: str
    status: str  # deckgen.changes: added, changed, unchanged, revived
    cards_added: int
    line: bytes  # its lock line, UTF-8
    restamped: str | None  # where other content was seen (a revert), if stamped anew


@dataclass(frozen=True)
class PillarSummary:
    id: str
    identity: str
    heading: str  # numbered, as on the cards
    location: Location
    principles: int
    notes: int
    cards: int


@dataclass(frozen=True)
class UnchangedNotes:
    """The notes of a file taken from the last build (deckgen.incremental): every one is
    unchanged against the lock that build wrote, so all the build needs of them is their
    keys and lock lines, kept as they were rather than a NoteInfo each."""

    keys: list[str]
    lines: bytes  # their lock lines, UTF-8, joined by b",\n" as the lock writes them


@dataclass
class FileResult:
    """What one pillar file contributed to the build."""

    findings: list[Finding]
    claims: list[Claim] = field(default_factory=list)
    asked: list[Asked] = field(default_factory=list)
    pillar: PillarSummary | None = None  # None when the file has errors
    notes: list[NoteInfo] = field(default_factory=list)
    new: list[NewNote] = field(default_factory=list)  # the notes the lock does not know
    losses: list[Loss] = field(default_factory=list)
    kept: list[Note] = field(default_factory=list)  # with FileContext.keep_notes
    newest: int = 0  # the newest stamp of its notes
    digest: str = ""  # SHA-256 of the bytes it was made from ('' when they were not read)
    unchanged: UnchangedNotes | None = None  # its notes, when taken from the cache (`notes`: [])

    @property
    def errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def note_keys(self) -> list[str]:
        """The key of each of its notes, in order."""
        keys = [info.key for info in self.notes]
        return keys + self.unchanged.keys if self.unchanged is not None else keys

    def lock_lines(self) -> Iterator[bytes]:
        """Its notes' lock lines in order, as pieces to join by b",\n" (the unchanged
        notes' already joined)."""
        yield from (info.line for info in self.notes)
        if self.unchanged is not None and self.unchanged.keys:
            yield self.unchanged.lines


# --- results as plain values ------------------------------------------------------------
#
# A worker sends its results to the build, and the cache keeps them (deckgen.incremental),
# as marshal's plain values: written and read many times faster than pickled objects.
# The many items (notes, questions, claims) are named tuples of plain values, taken and
# made back whole; the few others are taken apart.


def _at(location: Location | None) -> tuple[str, int, int] | None:
    return location.at if location is not None else None


def _location(at: Any) -> Location | None:
    return Location(*at) if at is not None else None


def encode(result: FileResult) -> tuple[Any, ...]:
    """`result` as plain values (but `kept`, which a caller sends its own way)."""
    return (
        [(f.location.at, f.severity, f.message, f.code) for f in result.findings],
        list(map(tuple, result.claims)),
        list(map(tuple, result.asked)),
        _pillar_value(result.pillar),
        list(map(tuple, result.notes)),
        [(n.key, n.phrases, _at(n.source)) for n in result.new],
        [(x.kind, x.key, x.message, _at(x.location)) for x in result.losses],
        result.newest,
        result.digest,
    )


def decode(value: tuple[Any, ...]) -> FileResult:
    """The FileResult `encode` made (raises ValueError or TypeError on anything else)."""
    findings, claims, asked_, pillar, notes, new, losses, newest, digest = value
    return FileResult(
        _findings(findings),
        list(map(Claim._make, claims)),
        list(map(Asked._make, asked_)),
        None if pillar is None else _pillar(*pillar),
        list(map(NoteInfo._make, notes)),
        [NewNote(key, tuple(phrases), _location(at)) for key, phrases, at in new],
        [Loss(kind, key, message, _location(at)) for kind, key, message, at in losses],
        newest=newest,
        digest=digest,
    )


def encode_kept(result: FileResult) -> tuple[Any, ...]:
    """`result` as the cache keeps it (deckgen.incremental): as it is against the lock its
    own build wrote, every note unchanged, nothing new or lost; its notes as their keys
    (their lock lines are in that lock: `UnchangedNotes`)."""
    return (
        [(f.location.at, f.severity, f.message, f.code) for f in result.findings],
        list(map(tuple, result.claims)),
        list(map(tuple, result.asked)),
        _pillar_value(result.pillar),
        result.note_keys(),
        result.newest,
        result.digest,
    )


def decode_kept(value: tuple[Any, ...], lines: bytes) -> FileResult:
    """The FileResult `encode_kept` kept, with its notes' lock `lines` (joined, as the lock
    has them). Raises ValueError or TypeError on anything else, and on keys and lines
    that do not go together."""
    findings, claims, asked_, pillar, keys, newest, digest = value
    # A line each, "  KEY": {...} (and TypeError for lines that are not bytes), the first
    # and the last of these very keys.
    if bytes.count(lines, b",\n  ") + bool(lines) != len(keys) or (
        keys
        and not (
            lines.startswith(_line_start(keys[0]))
            and lines.startswith(_line_start(keys[-1]), lines.rfind(b"\n") + 1)
        )
    ):
        raise ValueError("the keys and lock lines of a kept result do not go together")
    return FileResult(
        _findings(findings),
        _named(Claim, claims),
        _named(Asked, asked_),
        None if pillar is None else _pillar(*pillar),
        newest=newest,
        digest=digest,
        unchanged=UnchangedNotes(keys, lines),
    )


def _line_start(key: str) -> bytes:
    """How the lock line of the note `key` starts (deckgen.lock.note_line)."""
    return f"  {encode_basestring(key)}: ".encode()


def _named(kind: type[_T], values: list[tuple[Any, ...]]) -> list[_T]:
    """`values` made the named tuples `kind` (as `kind._make` makes them, without a call
    of it for each: a kept deck holds 100,000 of them); ValueError for one of another
    length."""
    if any(n != len(kind._fields) for n in set(map(len, values))):
        raise ValueError(f"a kept {kind.__name__} of another length")
    return list(map(tuple.__new__, repeat(kind), values))


def _findings(values: list[Any]) -> list[Finding]:
    return [
        Finding(Location(*at), severity, message, code) for at, severity, message, code in values
    ]


def _pillar_value(pillar: PillarSummary | None) -> tuple[Any, ...] | None:
    if pillar is None:
        return None
    return (
        pillar.id,
        pillar.identity,
        pillar.heading,
        pillar.location.at,
        pillar.principles,
        pillar.notes,
        pillar.cards,
    )


def _pillar(
    id_: str, identity: str, heading: str, at: Any, principles: int, notes: int, cards: int
) -> PillarSummary:
    return PillarSummary(id_, identity, heading, Location(*at), principles, notes, cards)


def process_file(path: Path, index: int, ctx: FileContext, rows: RowFile | None) -> FileResult:
    """Read, check and generate the `index`-th pillar file (1-based, in reading order),
    adding its rows to `rows`. A file with errors gets no further than its findings."""
    try:
        source = parse_yaml(path)
    except ContentError as exc:
        return FileResult(list(exc.findings))
    checked = validate_pillar_file(source)
    digest = source.digest
    del source
    findings = [
        *checked.findings,
        *text_findings(checked.texts, checked.principles, ctx.deck.checks),
    ]
    result = FileResult(findings, checked.claims, asked(checked.texts), digest=digest)
    if checked.pillar is None or result.errors or not ctx.generate:
        return result
    _generate(checked.pillar, index, ctx, rows, result)
    return result


def lock_line(note: Note, mod: int, removed: Numbered, retired: bool = False) -> bytes:
    """The note's line in the lock (deckgen.lock.note_line), UTF-8: stamped `mod`, with the
    cloze phrases `removed` from it."""
    # tuple.__new__, not the named tuple's own __new__ (a Python function): a line a note.
    entry = _tuple_new(
        LockedNote,
        (note.key, note.guid, note.kind, note.content_hash, mod, note.clozes, removed, retired),
    )
    return note_line(entry).encode("utf-8")


_tuple_new = tuple.__new__


def _generate(
    pillar: Pillar, index: int, ctx: FileContext, rows: RowFile | None, result: FileResult
) -> None:
    numbering = LockNumbering(ctx.numbering_lock)
    notes = pillar_notes(ctx.deck, index, pillar, numbering, ctx.language)
    if ctx.script is not None:
        from deckgen.script import convert_notes

        notes = convert_notes(notes, ctx.types, ctx.script)
    base = ctx.base.notes if ctx.base is not None else {}
    stamper = ctx.stamper
    # Nothing published yet (a deck's first build): every note is added and stamped
    # fresh, which `classify` and `Stamper.note` would find for each note in turn.
    first = not base and not stamper.states
    mods = []
    cards = 0
    for note in notes:
        if first:
            old = None
            status, cards_added = ADDED, len(note.card_ords)
            mod, restamped = stamper.fresh, None
        else:
            old = base.get(note.key)
            status, cards_added, losses = classify(
                old, note, numbering.results.get(note.key) if old is not None else None
            )
            result.losses += losses
            mod, restamped = stamper.note(note.key, note.content_hash)
        mods.append(mod)
        line = lock_line(note, mod, numbering.removed(note.key))
        result.notes.append(_tuple_new(NoteInfo, (note.key, status, cards_added, line, restamped)))
        if old is None and base:  # for a rename's detection: only against a lock
            result.new.append(NewNote(note.key, note.phrases, note.source))
        cards += len(note.card_ords)
    heading = pillar_heading(index, pillar)
    result.pillar = PillarSummary(
        pillar.id,
        pillar.identity,
        heading,
        pillar.location,
        len(pillar.principles),
        len(notes),
        cards,
    )
    result.newest = max(mods, default=0)
    if rows is not None and ctx.write_rows:
        context = ctx.rows
        if ctx.deck.subdecks:
            sub_id, _ = subdeck_of(ctx.deck.key, ctx.deck.name, pillar.identity, heading)
            context = RowContext(
                context.base, context.model_ids, context.deck_id, {pillar.id: sub_id}
            )
        rows.add(*note_rows(notes, mods, context))
    if ctx.keep_notes:
        result.kept = notes
