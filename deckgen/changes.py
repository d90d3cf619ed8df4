"""What a build changes against the lock, what that would cost, and the change stamps.

Each note is classified against the lock where it is made (`classify`, in the process
that makes it: deckgen.pillarfile): added, changed, unchanged, revived (back after
being retired); a removed cloze phrase is a `Loss` there too (its card has nothing left
to show). `Changes` gathers them, by note key, with the notes the cards no longer make
(retired: delivered with a notice, deckgen.generate) and the losses only the whole deck
shows (`deck_losses`, `suspected_renames`): ids that vanished while similar ones
appeared (a rename by hand: `deckgen rename` keeps the history), a note type's fields,
the deck's name or key. A build refuses a loss unless told to accept it.

`Stamper` gives every note its change stamp. Anki updates a note on import only when
the package's stamp is newer than the collection's: a note keeps the stamp it had when
its content is what every known published state has (the lock, the package at the
output path, the last build: deckgen.published); otherwise it gets the build's fresh
stamp, newer than every stamp in all of them, and never one in the past of those.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from deckgen.errors import Location, quoted
from deckgen.generate import Note
from deckgen.lock import MAX_WAIT, Lock, LockedNote
from deckgen.notetypes import NoteType
from deckgen.numbering import ClozeNumbers
from deckgen.published import Published

# Principles (by their cloze phrases and question ids) this alike are taken for a rename.
RENAME_LIKENESS = 0.5
LOCK_LABEL = "the lock"

ADDED, CHANGED, UNCHANGED, REVIVED = "added", "changed", "unchanged", "revived"


@dataclass(frozen=True)
class Loss:
    """A change that would cost the learner progress; refused without --accept-loss."""

    kind: str  # "cloze-removed", "renamed", "fields", "deck-name", "deck-key", "lock-lost"
    key: str
    message: str
    location: Location | None = None


@dataclass
class Changes:
    """What this build changes against the lock, by note key (everything is 'added'
    without a lock)."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # revived ones included
    revived: list[str] = field(default_factory=list)
    unchanged: int = 0
    retired: list[str] = field(default_factory=list)  # retired by this build
    still_retired: int = 0
    cards_added: int = 0
    note_types_changed: list[str] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    first_build: bool = False

    @property
    def any(self) -> bool:
        return bool(
            self.added or self.changed or self.retired or self.note_types_changed or self.losses
        )

    def count(self, key: str, status: str, cards_added: int) -> None:
        if status == UNCHANGED:
            self.unchanged += 1
        elif status == ADDED:
            self.added.append(key)
        else:
            self.changed.append(key)
            if status == REVIVED:
                self.revived.append(key)
        self.cards_added += cards_added


def classify(
    old: LockedNote | None, note: Note, numbering: ClozeNumbers | None
) -> tuple[str, int, list[Loss]]:
    """The note's status against its lock entry, how many new cards it brings, and the
    loss of every cloze phrase it no longer has."""
    if old is None:
        return ADDED, len(note.card_ords), []
    status = UNCHANGED if old.hash == note.content_hash else REVIVED if old.retired else CHANGED
    # A removed phrase's card is still in the learner's collection.
    had = (
        {n - 1 for n, _ in (*old.clozes, *old.removed_clozes)}
        if old.clozes or old.removed_clozes
        else {0}
    )
    cards_added = len(set(note.card_ords) - had)
    losses = []
    if numbering is not None and not old.retired:
        for number, phrase in numbering.newly_removed:
            losses.append(
                Loss(
                    "cloze-removed",
                    note.key,
                    f"note '{note.key}': cloze c{number} ({quoted(phrase)}) was removed. Its "
                    "card and review history stay in the learner's collection with nothing to "
                    "show (Anki lists it under Tools \u203a Empty Cards); putting the phrase "
                    f"back brings card c{number} back.",
                    note.source,
                )
            )
    return status, cards_added, losses


def deck_losses(
    lock: Lock | None,
    types: dict[str, NoteType],
    deck_key: str,
    deck_name: str,
) -> tuple[list[Loss], list[str]]:
    """The losses of the deck as a whole, and the note types whose templates or style
    change (an update Anki applies in place)."""
    losses: list[Loss] = []
    changed: list[str] = []
    if lock is None:
        return losses, changed
    for kind, nt in types.items():
        old_type = lock.note_types.get(kind)
        if old_type is None:
            continue
        if old_type.fields != nt.fields_hash:
            losses.append(
                Loss(
                    "fields",
                    kind,
                    f"the fields of note type '{nt.name}' changed. Anki cannot update a note "
                    "type's fields in place: importing makes a second note type and leaves every "
                    "existing note of this type un-updated (or, with 'Merge note types', forces "
                    "a one-way full sync).",
                )
            )
        if old_type.fields != nt.fields_hash or old_type.style != nt.style_hash:
            changed.append(kind)
    if lock.deck_key and lock.deck_key != deck_key:
        losses.append(
            Loss(
                "deck-key",
                "deck",
                f"the deck key changed from {quoted(lock.deck_key)} to {quoted(deck_key)}. "
                "The key is part of every note's identity: every note would be new, and the "
                "learner's reviews would stay with the old ones. Put the old key back.",
            )
        )
    if lock.deck_name != deck_name:
        losses.append(
            Loss(
                "deck-name",
                "deck",
                f"the deck name changed from {quoted(lock.deck_name)} to {quoted(deck_name)}. "
                "Anki matches decks by name: existing cards stay in the old deck and only new "
                "cards go into a new one, splitting the deck. Rename the deck inside Anki "
                "first, or keep the old name.",
            )
        )
    return losses, changed


# --- renames by hand -------------------------------------------------------------------


class NewNote(NamedTuple):
    """A note the lock does not know: what a rename by hand is recognised by."""

    key: str
    phrases: tuple[str, ...]
    source: Location | None


def _principle_of(key: str) -> str | None:
    parts = key.split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == "principle" else None


def _likeness(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def suspected_renames(
    lock: Lock,
    live: set[str],
    retired: list[str],
    new: Mapping[str, NewNote],
    rename_command: Callable[[str, str], str],
) -> list[Loss]:
    """Ids whose notes this build retires while similar new ids appeared (`new`: the
    notes the lock does not know; `live`: every note the cards make).

    A principle is recognised by its cloze phrases and question ids (which a rename by
    hand leaves as they were), a pillar or a question by being the only one that went
    and the only one that came (in its principle, for a question)."""
    if not retired or not new:
        return []
    gone = set(retired)

    def marks(
        keys: Iterable[str], phrases_of: Callable[[str], Sequence[str]]
    ) -> dict[str, set[str]]:
        found: defaultdict[str, set[str]] = defaultdict(set)
        for key in keys:
            principle = _principle_of(key)
            if principle is None:
                continue
            parts = key.split("/")
            if parts[2] == "qa" and len(parts) == 4:
                found[principle].add("qa:" + parts[3])
            else:
                found[principle].update("cloze:" + p for p in phrases_of(key))
        return found

    live_principles = {_principle_of(k) for k in live}
    locked_principles = {_principle_of(k) for k in lock.notes}
    old_principles = {
        p: m
        for p, m in marks(gone, lambda k: [ph for _, ph in lock.notes[k].clozes]).items()
        if p not in live_principles
    }
    new_principles = {
        p: m for p, m in marks(new, lambda k: new[k].phrases).items() if p not in locked_principles
    }
    losses = []
    paired: set[str] = set()
    for old, old_marks in sorted(old_principles.items()):
        best = max(
            ((_likeness(old_marks, m), p) for p, m in new_principles.items()),
            default=(0.0, ""),
        )
        if best[0] >= RENAME_LIKENESS and best[1] not in paired:
            paired.add(best[1])
            source = next((n.source for k, n in new.items() if _principle_of(k) == best[1]), None)
            losses.append(_rename_loss("principle", old, best[1], source, rename_command))
    # Pillars: the only one gone and the only one new.
    old_pillars = [k for k in gone if k.startswith("pillar/")]
    new_pillars = [k for k in new if k.startswith("pillar/")]
    if len(old_pillars) == 1 and len(new_pillars) == 1:
        old, new_id = old_pillars[0].split("/", 1)[1], new_pillars[0].split("/", 1)[1]
        losses.append(
            _rename_loss("pillar", old, new_id, new[new_pillars[0]].source, rename_command)
        )
    # Questions of a principle that is still there: the only one gone and the only one new.
    old_questions: defaultdict[str, list[str]] = defaultdict(list)
    new_questions: defaultdict[str, list[str]] = defaultdict(list)
    for keys, into in ((gone, old_questions), (set(new), new_questions)):
        for key in keys:
            parts = key.split("/")
            if len(parts) == 4 and parts[2] == "qa" and parts[1] not in old_principles:
                into[parts[1]].append(parts[3])
    for principle, olds in sorted(old_questions.items()):
        news = new_questions.get(principle, [])
        if len(olds) == 1 and len(news) == 1:
            key = f"principle/{principle}/qa/{news[0]}"
            losses.append(
                _rename_loss(
                    "question",
                    f"{principle}/{olds[0]}",
                    f"{principle}/{news[0]}",
                    new[key].source,
                    rename_command,
                    key=key,
                )
            )
    return losses


def _rename_loss(
    what: str,
    old: str,
    new: str,
    source: Location | None,
    rename_command: Callable[[str, str], str],
    key: str | None = None,
) -> Loss:
    return Loss(
        "renamed",
        key or f"{what}/{new}",
        f"{what} id '{old}' is gone and {what} '{new}' appeared in its place: if you renamed "
        f"it, run `{rename_command(old, new)}`, which keeps every note's review history "
        f"(after a rename by hand too); to retire '{old}' and start '{new}' from zero, pass "
        "--accept-loss.",
        source,
    )


# --- stamps ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stamps:
    notes: dict[str, int]
    note_types: dict[str, int]
    # Notes the lock has as they are, stamped anew because a published state differs
    # (a revert of the cards and the lock): {key: where the other content was seen}.
    restamped: dict[str, str] = field(default_factory=dict)

    @property
    def newest(self) -> int:
        return max([*self.notes.values(), *self.note_types.values()], default=0)


def fresh_stamp(
    newest: int,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """A stamp strictly after `newest`: the present second if the clock is past it,
    after a short wait if it is this second, else newest + 1.

    Anki updates a note only when its stamp is newer, so a changed note needs a stamp
    above every one a learner may have. A stamp a little ahead of this clock (the newest
    was written on a machine whose clock ran fast) is better than one that updates
    nothing; Anki's Check Database pulls stamps from the future back to its present,
    which is still older than newest + 1.
    """
    while True:
        now = int(clock())
        if now > newest:
            return now
        if newest - now >= MAX_WAIT:
            return newest + 1
        sleep(0.25)


class Stamper:
    """The stamp of each note and note type of a build (see the module's docstring).

    `states[0]` is the lock's, when there is a lock; the others are what else was
    published. `fresh` is the build's one new stamp, after every stamp of `states`."""

    def __init__(self, states: Sequence[Published], fresh: int) -> None:
        self.states = list(states)
        self.fresh = fresh
        self._lock_notes = states[0].notes if states and states[0].label == LOCK_LABEL else {}

    def _keep(self, key: str, content: str, table: str) -> tuple[int | None, str]:
        """The stamp to keep, or None with the label of a state that differs."""
        kept: int | None = None
        for state in self.states:
            entry = (state.notes if table == "notes" else state.note_types).get(key)
            if entry is None:
                continue
            if entry[0] != content:
                return None, state.label
            kept = entry[1] if kept is None else max(kept, entry[1])
        return kept, ""

    def note(self, key: str, content_hash: str) -> tuple[int, str | None]:
        """The note's stamp, and where other content was seen when the lock has this
        content but the note is stamped anew (a revert), else None."""
        kept, differs = self._keep(key, content_hash, "notes")
        if kept is not None:
            return kept, None
        locked = self._lock_notes.get(key)
        return self.fresh, differs if locked is not None and locked[0] == content_hash else None

    def note_type(self, kind: str, nt: NoteType) -> int:
        kept, _ = self._keep(kind, nt.fields_hash + nt.style_hash, "types")
        return kept if kept is not None else self.fresh


def newest_of(states: Sequence[Published], floor: int = 0) -> int:
    return max([s.newest_stamp for s in states] + [floor])


def assign_stamps(
    notes: list[Note],
    types: dict[str, NoteType],
    states: Sequence[Published],
    now: Callable[[int], int] = fresh_stamp,
    floor: int = 0,
) -> Stamps:
    """Every note's and note type's stamp (see `Stamper`); a new stamp is also after
    `floor` (the newest stamp of a lock known only from git history)."""
    stamper = Stamper(states, now(newest_of(states, floor)))
    mods: dict[str, int] = {}
    restamped: dict[str, str] = {}
    for note in notes:
        mods[note.key], differs = stamper.note(note.key, note.content_hash)
        if differs is not None:
            restamped[note.key] = differs
    return Stamps(
        mods, {kind: stamper.note_type(kind, nt) for kind, nt in types.items()}, restamped
    )


def lock_state(lock: Lock) -> Published:
    from deckgen.published import from_lock

    return from_lock(lock, LOCK_LABEL)
