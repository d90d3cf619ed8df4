"""A deck's plan: everything a build of it will write, worked out before anything is
(deckgen.build runs the stages that make it); the rows of the deck's own notes (the
package stage of the plan: deckgen.package)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from deckgen.atomic import remove_files
from deckgen.changes import Changes
from deckgen.context import DeckInputs
from deckgen.decknotes import DeckNotes
from deckgen.errors import Finding
from deckgen.generate import Note
from deckgen.guards import Compared, clock_and_output_warnings
from deckgen.load import LOCK_FILE
from deckgen.lock import Lock
from deckgen.model import Deck
from deckgen.notetypes import NoteType
from deckgen.package import Assembly, Part, RowContext, RowFile, note_rows
from deckgen.pillarfile import FileResult, PillarSummary
from deckgen.pillars import PillarFiles, remove_folders
from deckgen.script import Script

__all__ = ["DeckPlan", "GroupCount", "assemble", "write_deck_rows"]


@dataclass(frozen=True)
class GroupCount:
    """Notes and cards of one pillar (or of the deck-level notes, `title` '')."""

    title: str
    notes: int
    cards: int
    retired: bool = False


@dataclass
class DeckPlan:
    """Everything a build of one deck will write, worked out before anything is."""

    deck: Deck  # the deck file's, without pillars (see `pillars`)
    folder: Path
    output: Path
    types: dict[str, NoteType]
    changes: Changes
    type_stamps: dict[str, int]
    newest: int  # the newest stamp of the build
    restamped: dict[str, str]  # see deckgen.changes.Stamps
    description: str
    lock_path: Path
    lock_bytes: bytes
    old_lock: bytes | None
    pillars: list[PillarSummary]
    groups: list[GroupCount]
    principle_count: int
    script: Script | None = None
    script_switched_from: str | None = None
    recovered_from: str | None = None  # where a lost lock was rebuilt from
    warnings: list[Finding] = field(default_factory=list)
    language: str = "zh-Hant"  # the language the deck was written in (deckgen.wording)
    # With `subdecks: true`: each pillar's id -> (id, name) of the deck its cards go in.
    subdecks: dict[str, tuple[int, str]] = field(default_factory=dict)
    # Subdecks whose name changed since the lock: (old name, new name).
    subdecks_renamed: list[tuple[str, str]] = field(default_factory=list)
    subdecks_new: bool = False  # the lock had none: this build turned them on
    parts: list[Part] = field(default_factory=list)  # where the rows are, in slot order
    scratch: list[Path] = field(default_factory=list)  # the row files made for the plan
    # For deckgen.incremental: the context and each file's result, by file key, and where
    # its lock lines are in `lock_bytes`; the key of each note of the lock, in order, and
    # the newest stamp of its notes.
    context: str = ""
    file_results: dict[str, FileResult | bytes] = field(default_factory=dict)
    lock_spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    detected: tuple[str, str] | None = None  # a language for the cache (DeckInputs.detected)
    lock_keys: list[str] = field(default_factory=list)
    notes_newest: int = 0
    notes: list[Note] = field(default_factory=list)  # every note, when asked to keep them
    made_folders: list[Path] = field(default_factory=list)  # for the row files, deepest first
    assembly: Assembly | None = None  # the collection, under way (deckgen.pillars)

    @property
    def lock_changes(self) -> bool:
        return self.lock_bytes != self.old_lock

    @property
    def note_count(self) -> int:
        return sum(g.notes for g in self.groups if not g.retired)

    @property
    def card_count(self) -> int:
        return sum(g.cards for g in self.groups if not g.retired)

    def discard(self) -> None:
        """Remove the row files (after writing, or when nothing will be), and the
        folders made for them if nothing else is in them (best effort: `remove_files`);
        first the assembly that reads them, unless it delivered its collection."""
        if self.assembly is not None:
            self.assembly.discard()
        remove_files(self.scratch)
        self.scratch = []
        self.parts = []
        remove_folders(self.made_folders)
        self.made_folders = []


def write_deck_rows(
    inputs: DeckInputs, files: PillarFiles, notes: DeckNotes, compared: Compared
) -> None:
    """The rows of the introduction's notes (the first row file) and of the overview's
    and the retired notes (the last), unless `write_rows` is off."""
    ctx, parts = inputs.ctx, files.parts
    head, tail, retired = notes.head, notes.tail, notes.retired
    head_mods, tail_mods = compared.head_mods, compared.tail_mods
    retired_mods = compared.retired_mods
    if ctx.write_rows:
        _write_rows(parts[0].path, head, head_mods, ctx.rows)
        _write_rows(parts[-1].path, [*tail, *retired], [*tail_mods, *retired_mods], ctx.rows)


def assemble(
    inputs: DeckInputs,
    files: PillarFiles,
    notes: DeckNotes,
    compared: Compared,
    findings: list[Finding],
) -> DeckPlan:
    """The deck's plan, from what its stages made; its warnings (findings that are not
    errors, and deckgen.guards') and the count of its notes and cards by pillar."""
    deck, output, options, ctx = inputs.deck, inputs.output, inputs.options, inputs.ctx
    lock, history, folder = inputs.lock, inputs.history, inputs.folder
    lock_display = inputs.lock_display
    base, types, stamper = ctx.base, ctx.types, ctx.stamper
    results, parts = files.results, files.parts
    pillars, head, tail, retired = notes.pillars, notes.head, notes.tail, notes.retired
    description = notes.description
    changes, type_stamps, newest = compared.changes, compared.type_stamps, compared.newest
    restamped, subdecks = compared.restamped, compared.subdecks
    lock_bytes, old_lock = compared.lock_bytes, compared.old_lock
    switched_from = compared.script_switched_from
    warnings = [f for f in findings if f.severity != "error"]
    warnings += clock_and_output_warnings(lock, lock_display, stamper.states, history, output, deck)
    groups = [GroupCount(p.heading, p.notes, p.cards) for p in pillars]
    deck_level = [*head, *tail]
    if deck_level:
        groups.append(GroupCount("", len(deck_level), sum(len(n.card_ords) for n in deck_level)))
    if retired:
        groups.append(
            GroupCount("", len(retired), sum(len(n.card_ords) for n in retired), retired=True)
        )
    kept: list[Note] = []
    if ctx.keep_notes:
        kept = [*head, *(n for r in results for n in r.kept), *tail, *retired]
    return DeckPlan(
        deck,
        folder,
        output,
        types,
        changes,
        type_stamps,
        newest,
        restamped,
        description,
        folder / LOCK_FILE,
        lock_bytes,
        old_lock,
        pillars,
        groups,
        sum(p.principles for p in pillars),
        options.script,
        switched_from,
        history.recovered_from if lock is None else None,
        warnings,
        ctx.language,
        {p.id: subdecks[p.identity] for p in pillars} if subdecks else {},
        _renamed_subdecks(base, subdecks),
        bool(subdecks) and base is not None and not base.subdecks,
        parts=parts,
        scratch=files.scratch,
        context=files.context,
        file_results=files.file_results,
        lock_spans=_by_key(files.file_keys, compared.lock_spans),
        detected=inputs.detected,
        lock_keys=compared.lock_keys,
        notes_newest=compared.notes_newest,
        notes=kept,
        made_folders=files.made_folders,
        assembly=files.assembly,
    )


def _by_key(keys: list[str | None], spans: list[tuple[int, int]]) -> dict[str, tuple[int, int]]:
    return {key: span for key, span in zip(keys, spans, strict=True) if key is not None}


def _write_rows(path: Path, notes: list[Note], mods: list[int], ctx: RowContext) -> None:
    rows = RowFile(path)
    try:
        rows.add(*note_rows(notes, mods, ctx))
    finally:
        rows.close()


def _renamed_subdecks(
    base: Lock | None, subdecks: dict[str, tuple[int, str]]
) -> list[tuple[str, str]]:
    if base is None:
        return []
    return [
        (base.subdecks[identity], name)
        for identity, (_, name) in subdecks.items()
        if identity in base.subdecks and base.subdecks[identity] != name
    ]
