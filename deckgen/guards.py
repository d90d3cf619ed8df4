"""Compare with the lock (stage 8 of a build): what changed and what it would cost the
learner, each note classified and stamped (deckgen.changes); a loss is refused without
--accept-loss, a lock that would change with --frozen; the new lock's text (deckgen.lock).
And the build's other messages: a lost lock, stamps ahead of the clock, a file at the
output path that is not a package of the deck."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from deckgen import cache
from deckgen.changes import (
    LOCK_LABEL,
    Changes,
    Loss,
    NewNote,
    classify,
    deck_losses,
    suspected_renames,
)
from deckgen.context import DeckInputs
from deckgen.decknotes import DeckNotes
from deckgen.errors import Finding, FrozenLockError, GuardError, Location
from deckgen.generate import Note, pillar_notes
from deckgen.history import History
from deckgen.load import display_path, parse_yaml
from deckgen.lock import (
    LOCK_VERSION,
    MAX_WAIT,
    Lock,
    LockedNoteType,
    note_spans,
    render_lock_lines,
)
from deckgen.model import Deck
from deckgen.notetypes import NoteType
from deckgen.numbering import LockNumbering
from deckgen.options import BuildOptions
from deckgen.package import subdeck_of
from deckgen.pillarfile import FileContext, FileResult, lock_line
from deckgen.published import GitLock, Published
from deckgen.validate import DeckFile

__all__ = ["Compared", "clock_and_output_warnings", "compare_with_lock", "loss_findings"]


@dataclass(frozen=True)
class Compared:
    """The deck compared with its lock: what changed, the stamps, the new lock."""

    changes: Changes
    restamped: dict[str, str]  # see deckgen.changes.Stamps
    newest: int  # the newest stamp of the build
    head_mods: list[int]  # the stamps of the introduction's notes
    tail_mods: list[int]  # the overview's
    retired_mods: list[int]  # the retired notes'
    type_stamps: dict[str, int]
    subdecks: dict[str, tuple[int, str]]  # each pillar's identity -> its subdeck's (id, name)
    lock_bytes: bytes
    old_lock: bytes | None
    script_switched_from: str | None
    lock_keys: list[str]  # the key of each note of `lock_bytes`, in order (deckgen.incremental)
    notes_newest: int  # the newest stamp of its notes
    # Where each pillar file's lock lines are in `lock_bytes` (deckgen.lock.note_spans).
    lock_spans: list[tuple[int, int]]


def compare_with_lock(inputs: DeckInputs, results: list[FileResult], notes: DeckNotes) -> Compared:
    """Raises GuardError for a change that would cost the learner progress (unless
    `accept_loss`), FrozenLockError when `frozen` and the lock would change."""
    deck_file, deck, options, ctx = inputs.deck_file, inputs.deck, inputs.options, inputs.ctx
    lock, history, folder = inputs.lock, inputs.history, inputs.folder
    lock_display = inputs.lock_display
    base, source, types, stamper = ctx.base, ctx.numbering_lock, ctx.types, ctx.stamper
    pillars, numbering, head, tail = notes.pillars, notes.numbering, notes.head, notes.tail
    made, retired = notes.made, notes.retired

    changes = Changes(first_build=base is None)
    restamped: dict[str, str] = {}
    new: dict[str, NewNote] = {}
    newest = 0
    head_lines, head_mods = _deck_level(head, ctx, numbering, changes, restamped, new)
    tail_lines, tail_mods = _deck_level(tail, ctx, numbering, changes, restamped, new)
    for result in results:
        for info in result.notes:
            changes.count(info.key, info.status, info.cards_added)
            if info.restamped is not None:
                restamped[info.key] = info.restamped
        if result.unchanged is not None:
            changes.unchanged += len(result.unchanged.keys)
        changes.losses += result.losses
        new.update((n.key, n) for n in result.new)
        newest = max(newest, result.newest)
    retired_lines, retired_mods = [], []
    for note in retired:
        old = base.notes.get(note.key) if base is not None else None
        if old is not None:
            if old.retired:
                changes.still_retired += 1
            else:
                changes.retired.append(note.key)
        mod, _ = stamper.note(note.key, note.content_hash)
        retired_mods.append(mod)
        locked = source.notes[note.key] if source is not None else None
        removed = locked.removed_clozes if locked is not None else ()
        retired_lines.append(lock_line(note, mod, removed, retired=True))
    newest = max([newest, *head_mods, *tail_mods, *retired_mods])
    notes_newest = newest

    def rename_command(old: str, new_id: str) -> str:
        shown = display_path(folder)
        cards = "" if shown == "cards" else f"--cards {shown} "
        return f"deckgen rename {cards}{old} {new_id}"

    if base is not None:
        live = made
        changes.losses += suspected_renames(base, live, changes.retired, new, rename_command)
    losses, changes.note_types_changed = deck_losses(base, types, deck.key, deck.name)
    changes.losses += losses
    if lock is None and base is None and (history.git is not None or cache.remembers(folder)):
        changes.losses.append(_lost_lock(lock_display, history.git, len(made)))
    switched_from = _script_switch(lock, lock_display, changes, deck_file, ctx, options)
    if changes.losses and not options.accept_loss:
        raise GuardError(_guard_message(changes), loss_findings(changes.losses, deck))
    if options.frozen and lock is None:
        raise FrozenLockError(
            f"--frozen: there is no lock file at {lock_display}; run `deckgen build` "
            "without --frozen once and commit the lock"
        )
    type_stamps = {kind: stamper.note_type(kind, nt) for kind, nt in types.items()}
    newest = max([newest, *type_stamps.values()])
    subdecks = (
        {p.identity: subdeck_of(deck.key, deck.name, p.identity, p.heading) for p in pillars}
        if deck.subdecks
        else {}
    )
    blocks = [b",\n".join(result.lock_lines()) for result in results]
    lines = [*head_lines, *filter(None, blocks), *tail_lines, *retired_lines]
    lock_keys = [n.key for n in head]
    for result in results:
        lock_keys += result.note_keys()
    lock_keys += [n.key for n in (*tail, *retired)]
    lock_bytes = render_lock_lines(
        deck.key,
        deck.name,
        _type_entries(types, type_stamps),
        lines,
        {identity: name for identity, (_, name) in subdecks.items()},
    )
    spans = iter(note_spans(lock_bytes, lines)[len(head_lines) :])
    lock_spans = [next(spans) if block else (0, 0) for block in blocks]
    old_lock = lock.raw if lock is not None else None
    if options.frozen and lock_bytes != old_lock:
        raise FrozenLockError(_frozen_message(changes, len(restamped), lock, lock_display))
    return Compared(
        changes, restamped, newest, head_mods, tail_mods, retired_mods, type_stamps,
        subdecks, lock_bytes, old_lock, switched_from, lock_keys, notes_newest, lock_spans,
    )  # fmt: skip


def _deck_level(
    notes: list[Note],
    ctx: FileContext,
    numbering: LockNumbering,
    changes: Changes,
    restamped: dict[str, str],
    new: dict[str, NewNote],
) -> tuple[list[bytes], list[int]]:
    """The introduction's and the overview's notes, as a pillar file's are
    (deckgen.pillarfile): classified, stamped, their lock lines."""
    base = ctx.base.notes if ctx.base is not None else {}
    lines, mods = [], []
    for note in notes:
        old = base.get(note.key)
        status, cards_added, losses = classify(
            old, note, numbering.results.get(note.key) if old is not None else None
        )
        changes.count(note.key, status, cards_added)
        changes.losses += losses
        mod, differs = ctx.stamper.note(note.key, note.content_hash)
        if differs is not None:
            restamped[note.key] = differs
        if old is None:
            new[note.key] = NewNote(note.key, note.phrases, note.source)
        mods.append(mod)
        lines.append(lock_line(note, mod, numbering.removed(note.key)))
    return lines, mods


def clock_and_output_warnings(
    lock: Lock | None,
    lock_display: str,
    states: list[Published],
    history: History,
    output: Path,
    deck: Deck,
) -> list[Finding]:
    warnings = []
    ahead = max([s.newest_stamp for s in states], default=0) - int(time.time())
    if ahead >= MAX_WAIT:
        warnings.append(_future_warning(lock, lock_display, states, ahead))
    if history.unreadable_output is not None and output.exists():
        warnings.append(
            Finding(
                Location(display_path(output)),
                "warning",
                f"this is not a package of deck '{deck.key}' that deckgen can read "
                f"({history.unreadable_output}); the build replaces it",
            )
        )
    return warnings


def _script_switch(
    lock: Lock | None,
    lock_display: str,
    changes: Changes,
    deck_file: DeckFile,
    ctx: FileContext,
    options: BuildOptions,
) -> str | None:
    """The script the lock was written in, when every note changed because of it."""
    if lock is None or not changes.changed or changes.unchanged:
        return None
    from deckgen.script import locked_script, script_option

    own = _own_sample(deck_file, ctx)
    locked = {key: n.hash for key, n in lock.notes.items()}
    switched_from = locked_script(locked, own, ctx.types, options.script)
    if options.frozen and switched_from is not None:
        raise FrozenLockError(
            f"--frozen: {lock_display} was written by a build {script_option(switched_from)}, "
            f"and this build is {script_option(options.script)}; give --frozen the --script "
            "of the builds you publish"
        )
    return switched_from


def _own_sample(deck_file: DeckFile, ctx: FileContext) -> list[Note]:
    """Some notes as the cards write them, in no other script: the first pillar file's."""
    from deckgen.validate import validate_pillar_file

    for path in deck_file.listing.pillar_files[:1]:
        checked = validate_pillar_file(parse_yaml(path))
        if checked.pillar is not None:
            numbering = LockNumbering(ctx.numbering_lock)
            return pillar_notes(ctx.deck, 1, checked.pillar, numbering, ctx.language)
    return []


def _type_entries(types: dict[str, NoteType], stamps: dict[str, int]) -> list[LockedNoteType]:
    return [
        LockedNoteType(kind, nt.model_id, nt.name, nt.fields_hash, nt.style_hash, stamps[kind])
        for kind, nt in types.items()
    ]


def _lost_lock(lock_display: str, git: GitLock | None, count: int) -> Loss:
    if git is not None:
        restore = f"restore it from git history: `git checkout {git.commit} -- {lock_display}`"
        known = "git history holds it"
    else:
        restore = "restore it from your backup or version control"
        known = "this machine built this deck before"
    return Loss(
        "lock-lost",
        "lock",
        f"there is no lock file at {lock_display}, but this deck was built before ({known}) "
        "and there is no package at the output path to rebuild the lock from. Without it, "
        f"every one of the {count} notes gets a new change stamp: importing the build "
        "overwrites every note in the learner's collection, with the tags the learner added "
        f"and their own edits. Best: {restore}, then build again; or pass --accept-loss to "
        "publish anyway (cloze numbers and note type ids are taken from git history where "
        "it has them).",
        Location(lock_display),
    )


def loss_findings(losses: list[Loss], deck: Deck) -> list[Finding]:
    return [
        Finding(
            loss.location if loss.location is not None else deck.location,
            "error",
            f"{loss.message} (`deckgen build` refuses this without --accept-loss)",
        )
        for loss in losses
    ]


def _future_warning(
    lock: Lock | None, lock_display: str, states: list[Published], ahead: int
) -> Finding:
    newest = max(s.newest_stamp for s in states)
    where = Location(lock_display)
    if lock is not None:
        text = lock.raw.decode("utf-8", "replace")
        at = text.find(f'"mod": {newest}')
        if at >= 0:
            where = Location(lock_display, text.count("\n", 0, at) + 1, 1)
    source = next(s.label for s in states if s.newest_stamp == newest)
    whose = "the lock's" if source == LOCK_LABEL else f"{source}'s"
    return Finding(
        where,
        "warning",
        f"{whose} newest change stamp is {_duration(ahead)} ahead of this machine's clock "
        "(written on a machine whose clock ran fast?); changed notes get stamps after it, "
        "so importing still updates them. Check the clocks; the stamps catch up with time.",
    )


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"


def _guard_message(changes: Changes) -> str:
    lines = [
        "refusing to build: these changes would cost the learner study progress:",
        *(f"  - {loss.message}" for loss in changes.losses),
        "Undo them, or pass --accept-loss if you mean it (the lock then records the new state).",
    ]
    return "\n".join(lines)


def _frozen_message(changes: Changes, restamped: int, lock: Lock | None, lock_display: str) -> str:
    parts = []
    if changes.added:
        parts.append(f"{len(changes.added)} added")
    if changes.changed:
        parts.append(f"{len(changes.changed)} changed")
    if changes.retired:
        parts.append(f"{len(changes.retired)} retired")
    if restamped:
        parts.append(f"{restamped} restamped")
    if changes.note_types_changed:
        parts.append(f"note types changed: {', '.join(changes.note_types_changed)}")
    if lock is not None and lock.version != LOCK_VERSION and not parts:
        parts.append(f"the lock is in the format of an older deckgen (version {lock.version})")
    what = ", ".join(parts) or "the lock would be rewritten"
    return (
        f"--frozen: the build would change {lock_display} ({what}); run `deckgen build` and "
        "commit the updated lock with the cards"
    )
