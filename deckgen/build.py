"""The whole pipeline as one call: load, validate, generate, compare, package, lock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from deckgen.errors import FrozenLockError, GuardError
from deckgen.generate import DECK_GROUP, Note, generate_notes, pillar_heading
from deckgen.load import LOCK_FILE, display_path
from deckgen.lock import (
    Changes,
    assign_stamps,
    compare,
    read_lock,
    render_lock,
    write_text_atomically,
)
from deckgen.model import Deck
from deckgen.notetypes import note_types
from deckgen.package import build_collection, write_package
from deckgen.validate import load_deck


@dataclass(frozen=True)
class GroupCount:
    """Notes and cards of one pillar (or of the deck-level notes, `title` '')."""

    title: str
    notes: int
    cards: int


@dataclass(frozen=True)
class BuildResult:
    deck: Deck
    notes: list[Note]
    changes: Changes
    output: Path
    size: int
    lock_path: Path
    lock_written: bool
    groups: list[GroupCount]

    @property
    def card_count(self) -> int:
        return sum(len(n.card_ords) for n in self.notes)


def default_output(deck: Deck) -> Path:
    return Path("dist") / f"{deck.key}.apkg"


def count_groups(deck: Deck, notes: list[Note]) -> list[GroupCount]:
    notes_by = Counter(n.group for n in notes)
    cards_by = Counter({g: 0 for g in notes_by})
    for n in notes:
        cards_by[n.group] += len(n.card_ords)
    groups = [
        GroupCount(pillar_heading(i, p), notes_by[p.id], cards_by[p.id])
        for i, p in enumerate(deck.pillars, start=1)
    ]
    if notes_by[DECK_GROUP]:
        groups.append(GroupCount("", notes_by[DECK_GROUP], cards_by[DECK_GROUP]))
    return groups


def build_deck(
    cards: Path,
    output: Path | None = None,
    *,
    frozen: bool = False,
    accept_loss: bool = False,
    tts: bool = False,
    before_rename: Callable[[Path], None] | None = None,
) -> BuildResult:
    """Build the deck in `cards` into `output` (default dist/<deck key>.apkg).

    Raises ContentError for bad content, GuardError for a change that would cost the
    learner progress (unless `accept_loss`), FrozenLockError when `frozen` and the lock
    would change. Nothing is written unless the whole build succeeds.
    """
    deck = load_deck(cards)
    notes = generate_notes(deck)
    types = note_types(tts=tts)
    lock_path = cards / LOCK_FILE
    lock = read_lock(lock_path, display_path(lock_path))
    changes = compare(lock, notes, types, deck.name)
    if changes.losses and not accept_loss:
        raise GuardError(_guard_message(changes))
    if frozen:
        if lock is None:
            raise FrozenLockError(
                f"--frozen: there is no lock file at {display_path(lock_path)}; "
                "run `deckgen build` without --frozen once and commit the lock"
            )
        if changes.any or changes.losses:
            raise FrozenLockError(_frozen_message(changes, display_path(lock_path)))
    stamps = assign_stamps(lock, changes, types)
    lock_text = render_lock(deck.name, notes, types, stamps)
    old_text = lock_path.read_text(encoding="utf-8") if lock is not None else None
    if frozen and lock_text != old_text:
        raise FrozenLockError(_frozen_message(changes, display_path(lock_path)))
    collection = build_collection(deck.name, deck.key, deck.description, notes, types, stamps)
    out = output if output is not None else default_output(deck)
    size = write_package(out, collection, before_rename=before_rename)
    lock_written = lock_text != old_text
    if lock_written:
        write_text_atomically(lock_path, lock_text)
    return BuildResult(
        deck, notes, changes, out, size, lock_path, lock_written, count_groups(deck, notes)
    )


def _guard_message(changes: Changes) -> str:
    lines = [
        "refusing to build: these changes would cost the learner study progress:",
        *(f"  - {loss.message}" for loss in changes.losses),
        "Undo them, or pass --accept-loss if you mean it (the lock then records the new state).",
    ]
    return "\n".join(lines)


def _frozen_message(changes: Changes, lock: str) -> str:
    parts = []
    if changes.added:
        parts.append(f"{len(changes.added)} added")
    if changes.changed:
        parts.append(f"{len(changes.changed)} changed")
    if changes.removed:
        parts.append(f"{len(changes.removed)} removed")
    if changes.note_types_changed:
        parts.append(f"note types changed: {', '.join(changes.note_types_changed)}")
    what = ", ".join(parts) or "the lock would be rewritten"
    return (
        f"--frozen: the build would change {lock} ({what}); run `deckgen build` and commit "
        "the updated lock with the cards"
    )
