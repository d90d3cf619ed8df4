"""What a build changes against the lock, what that would cost, and the change stamps.

`compare` sets the notes a build makes beside the lock: added, changed, unchanged,
retired (the cards no longer make them: delivered with a notice, deckgen.generate),
revived (back after being retired). It also finds the changes that would cost the
learner progress (`Loss`), which a build refuses unless told to accept them: a removed
cloze phrase (its card has nothing left to show), ids that vanished while similar ones
appeared (a rename by hand: `deckgen rename` keeps the history), a note type's fields,
the deck's name or key, and a lost lock that cannot be rebuilt.

`assign_stamps` gives every note its change stamp. Anki updates a note on import only
when the package's stamp is newer than the collection's: a note keeps the stamp it had
when its content is what every known published state has (the lock, the package at the
output path, the last build: deckgen.published); otherwise it gets one stamp newer than
every stamp in all of them, and never one in the past of those.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from deckgen.errors import Location, quoted
from deckgen.generate import Note
from deckgen.lock import Lock, LockedNote
from deckgen.notetypes import NoteType
from deckgen.numbering import ClozeNumbers
from deckgen.published import Published

# How long a build waits for the clock to pass the newest stamp before using a stamp
# after it: a lock stamped this second is normal, one further ahead was written on a
# machine whose clock ran fast.
MAX_WAIT = 2
# Principles (by their cloze phrases and question ids) this alike are taken for a rename.
RENAME_LIKENESS = 0.5


@dataclass(frozen=True)
class Loss:
    """A change that would cost the learner progress; refused without --accept-loss."""

    kind: str  # "cloze-removed", "renamed", "fields", "deck-name", "deck-key", "lock-lost"
    key: str
    message: str
    location: Location | None = None


@dataclass
class Changes:
    """What this build changes against the lock (everything is 'added' without a lock)."""

    added: list[Note] = field(default_factory=list)
    changed: list[Note] = field(default_factory=list)
    unchanged: list[Note] = field(default_factory=list)
    retired: list[Note] = field(default_factory=list)  # retired by this build
    still_retired: list[Note] = field(default_factory=list)
    revived: list[Note] = field(default_factory=list)  # of `changed`: retired before
    cards_added: int = 0
    note_types_changed: list[str] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    first_build: bool = False

    @property
    def any(self) -> bool:
        return bool(
            self.added or self.changed or self.retired or self.note_types_changed or self.losses
        )


def compare(
    lock: Lock | None,
    notes: list[Note],
    types: dict[str, NoteType],
    deck_key: str,
    deck_name: str,
    numberings: dict[str, ClozeNumbers],
    rename_command: Callable[[str, str], str],
) -> Changes:
    """Everything this build changes against the lock, and what it would cost.

    `notes` include the retired ones; `numberings` are the cloze numbers given to each
    cloze note the lock knows; `rename_command(old, new)` spells the `deckgen rename`
    command a suspected rename needs.
    """
    changes = Changes(first_build=lock is None)
    if lock is None:
        changes.added = [n for n in notes if not n.retired]
        changes.cards_added = sum(len(n.card_ords) for n in changes.added)
        return changes
    for note in notes:
        old = lock.notes.get(note.key)
        if old is None:
            changes.added.append(note)
            changes.cards_added += len(note.card_ords)
            continue
        if note.retired:
            (changes.still_retired if old.retired else changes.retired).append(note)
            continue
        if old.hash == note.content_hash:
            changes.unchanged.append(note)
        else:
            changes.changed.append(note)
            if old.retired:
                changes.revived.append(note)
        # A removed phrase's card is still in the learner's collection.
        had = (
            {n - 1 for n, _ in (*old.clozes, *old.removed_clozes)}
            if old.clozes or old.removed_clozes
            else {0}
        )
        changes.cards_added += len(set(note.card_ords) - had)
        numbering = numberings.get(note.key)
        if numbering is not None and not old.retired:
            for number, phrase in numbering.newly_removed:
                changes.losses.append(
                    Loss(
                        "cloze-removed",
                        note.key,
                        f"note '{note.key}': cloze c{number} ({quoted(phrase)}) was removed. "
                        "Its card "
                        "and review history stay in the learner's collection with nothing to "
                        "show (Anki lists it under Tools \u203a Empty Cards); putting the phrase "
                        f"back brings card c{number} back.",
                        note.source,
                    )
                )
    changes.losses.extend(_suspected_renames(lock, notes, changes.retired, rename_command))
    for kind, nt in types.items():
        old_type = lock.note_types.get(kind)
        if old_type is None:
            continue
        if old_type.fields != nt.fields_hash:
            changes.losses.append(
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
            changes.note_types_changed.append(kind)
    if lock.deck_key and lock.deck_key != deck_key:
        changes.losses.append(
            Loss(
                "deck-key",
                "deck",
                f"the deck key changed from {quoted(lock.deck_key)} to {quoted(deck_key)}. "
                "The key is part "
                "of every note's identity: every note would be new, and the learner's reviews "
                "would stay with the old ones. Put the old key back.",
            )
        )
    if lock.deck_name != deck_name:
        changes.losses.append(
            Loss(
                "deck-name",
                "deck",
                f"the deck name changed from {quoted(lock.deck_name)} to {quoted(deck_name)}. "
                "Anki matches "
                "decks by name: existing cards stay in the old deck and only new cards go into "
                "a new one, splitting the deck. Rename the deck inside Anki first, or keep the "
                "old name.",
            )
        )
    return changes


# --- renames by hand -------------------------------------------------------------------


def _principle_of(key: str) -> str | None:
    parts = key.split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == "principle" else None


def _likeness(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _suspected_renames(
    lock: Lock,
    notes: list[Note],
    retired: list[Note],
    rename_command: Callable[[str, str], str],
) -> Iterable[Loss]:
    """Ids whose notes are retired by this build while similar new ids appeared.

    A principle is recognised by its cloze phrases and question ids (which a rename by
    hand leaves as they were), a pillar or a question by being the only one that went
    and the only one that came (in its principle, for a question)."""
    if not retired:
        return
    gone = {n.key for n in retired}
    live_keys = {n.key for n in notes if not n.retired}
    new_keys = live_keys - set(lock.notes)
    if not new_keys:
        return

    def items(
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

    by_key = {n.key: n for n in notes}
    old_principles = {
        p: marks
        for p, marks in items(lock.notes, lambda k: [ph for _, ph in lock.notes[k].clozes]).items()
        if not any(_principle_of(k) == p for k in live_keys)
    }
    new_principles = {
        p: marks
        for p, marks in items(new_keys, lambda k: by_key[k].phrases).items()
        if not any(_principle_of(k) == p for k in lock.notes)
    }
    paired: set[str] = set()
    for old, old_marks in sorted(old_principles.items()):
        best = max(
            ((_likeness(old_marks, marks), new) for new, marks in new_principles.items()),
            default=(0.0, ""),
        )
        if best[0] >= RENAME_LIKENESS and best[1] not in paired:
            paired.add(best[1])
            yield _rename_loss("principle", old, best[1], by_key, rename_command)
    # Pillars: the only one gone and the only one new.
    old_pillars = [k for k in gone if k.startswith("pillar/")]
    new_pillars = [k for k in new_keys if k.startswith("pillar/")]
    if len(old_pillars) == 1 and len(new_pillars) == 1:
        old, new = old_pillars[0].split("/", 1)[1], new_pillars[0].split("/", 1)[1]
        yield _rename_loss("pillar", old, new, by_key, rename_command, key=new_pillars[0])
    # Questions of a principle that is still there: the only one gone and the only one new.
    old_questions: defaultdict[str, list[str]] = defaultdict(list)
    new_questions: defaultdict[str, list[str]] = defaultdict(list)
    for keys, into in ((gone, old_questions), (new_keys, new_questions)):
        for key in keys:
            parts = key.split("/")
            if len(parts) == 4 and parts[2] == "qa" and parts[1] not in old_principles:
                into[parts[1]].append(parts[3])
    for principle, olds in sorted(old_questions.items()):
        news = new_questions.get(principle, [])
        if len(olds) == 1 and len(news) == 1:
            key = f"principle/{principle}/qa/{news[0]}"
            yield _rename_loss(
                "question",
                f"{principle}/{olds[0]}",
                f"{principle}/{news[0]}",
                by_key,
                rename_command,
                key=key,
            )


def _rename_loss(
    what: str,
    old: str,
    new: str,
    by_key: dict[str, Note],
    rename_command: Callable[[str, str], str],
    key: str | None = None,
) -> Loss:
    note = by_key.get(key) if key else None
    if note is None:
        note = next(
            (n for k, n in by_key.items() if _principle_of(k) == new and not n.retired), None
        )
    return Loss(
        "renamed",
        key or f"principle/{new}",
        f"{what} id '{old}' is gone and {what} '{new}' appeared in its place: if you renamed "
        f"it, run `{rename_command(old, new)}`, which keeps every note's review history "
        f"(after a rename by hand too); to retire '{old}' and start '{new}' from zero, pass "
        "--accept-loss.",
        note.source if note is not None else None,
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


def assign_stamps(
    notes: list[Note],
    types: dict[str, NoteType],
    states: Sequence[Published],
    now: Callable[[int], int] = fresh_stamp,
    floor: int = 0,
) -> Stamps:
    """Every note's and note type's stamp (see the module's docstring). `states[0]` is the
    lock's, when there is a lock; the others are what else was published. A new stamp
    is also after `floor` (the newest stamp of a lock known only from git history)."""
    newest = max([s.newest_stamp for s in states] + [floor])
    fresh: list[int] = []

    def stamp() -> int:
        if not fresh:
            fresh.append(now(newest))
        return fresh[0]

    def keep(key: str, content: str, table: str) -> tuple[int | None, str]:
        """The stamp to keep, or None with the label of a state that differs."""
        kept: int | None = None
        for state in states:
            entry = (state.notes if table == "notes" else state.note_types).get(key)
            if entry is None:
                continue
            if entry[0] != content:
                return None, state.label
            kept = entry[1] if kept is None else max(kept, entry[1])
        return kept, ""

    lock_notes = states[0].notes if states and states[0].label == LOCK_LABEL else {}
    mods: dict[str, int] = {}
    restamped: dict[str, str] = {}
    for note in notes:
        h = note.content_hash
        kept, differs = keep(note.key, h, "notes")
        if kept is None:
            mods[note.key] = stamp()
            locked = lock_notes.get(note.key)
            if locked is not None and locked[0] == h:
                restamped[note.key] = differs
        else:
            mods[note.key] = kept
    type_mods = {}
    for kind, nt in types.items():
        kept, _ = keep(kind, nt.fields_hash + nt.style_hash, "types")
        type_mods[kind] = kept if kept is not None else stamp()
    return Stamps(mods, type_mods, restamped)


LOCK_LABEL = "the lock"


def lock_state(lock: Lock) -> Published:
    from deckgen.published import from_lock

    return from_lock(lock, LOCK_LABEL)


def locked_entry(lock: Lock | None, key: str) -> LockedNote | None:
    return lock.notes.get(key) if lock is not None else None
