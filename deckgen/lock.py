"""The lock file: what the last build wrote, so the next one changes only what changed.

`cards/deckgen.lock` is JSON with one note per line, readable in a diff. For each note
it keeps the key, GUID, note type, a hash of the content, the change stamp (`mod`) and
the cloze phrases by number; for each note type the hashes of its fields and of its
templates and CSS, with its stamp; and the deck name.

Anki updates a note on import only when the package's `mod` is newer than the
collection's. So a note's stamp moves only when its content changes, and then to the
present second, never into the future. Comparing against the lock also finds the
changes that would cost the learner progress (`Loss`), which a build refuses unless
told to accept them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from deckgen.errors import ContentError, DeckgenError, Finding, Location
from deckgen.generate import Note
from deckgen.notetypes import NoteType

LOCK_VERSION = 1
ABOUT = (
    "Written by `deckgen build`: what the last build put in the deck. Commit it with the "
    "cards; do not edit it by hand."
)
# How far the lock's newest stamp may be ahead of this clock before we refuse to wait.
MAX_CLOCK_SKEW = 5


@dataclass(frozen=True)
class LockedNote:
    key: str
    guid: str
    kind: str
    hash: str
    mod: int
    clozes: tuple[str, ...]


@dataclass(frozen=True)
class LockedNoteType:
    kind: str
    id: int
    fields: str
    style: str
    mod: int


@dataclass(frozen=True)
class Lock:
    deck_name: str
    note_types: dict[str, LockedNoteType]
    notes: dict[str, LockedNote]
    # The file as read, line ends as deckgen writes them: a build compares what it would
    # write with this, so an up-to-date lock is left as it is.
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def newest_stamp(self) -> int:
        stamps = [n.mod for n in self.notes.values()] + [t.mod for t in self.note_types.values()]
        return max(stamps, default=0)


@dataclass(frozen=True)
class Loss:
    """A change that would cost the learner progress; refused without --accept-loss."""

    kind: str  # "removed", "renumbered", "fields", "deck-name"
    key: str
    message: str


@dataclass
class Changes:
    """What this build changes against the lock (everything is 'added' without a lock)."""

    added: list[Note] = field(default_factory=list)
    changed: list[Note] = field(default_factory=list)
    unchanged: list[Note] = field(default_factory=list)
    removed: list[LockedNote] = field(default_factory=list)
    cards_added: int = 0
    note_types_changed: list[str] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    first_build: bool = False

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.note_types_changed)


def read_lock(path: Path, display: str) -> Lock | None:
    """The lock at `path`, or None when there is none yet."""
    try:
        raw = read_lock_bytes(path)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise _lock_error(display, 1, 1, f"cannot read the lock file: {exc}") from None
    try:
        data = json.loads(text)
        if data.get("deckgen_lock") != LOCK_VERSION:
            raise _lock_error(
                display,
                1,
                1,
                f"lock file version {data.get('deckgen_lock')!r} is not {LOCK_VERSION}; "
                "upgrade deckgen",
            )
        note_types = {
            kind: LockedNoteType(kind, int(t["id"]), t["fields"], t["style"], int(t["mod"]))
            for kind, t in data["note_types"].items()
        }
        notes = {
            key: LockedNote(
                key, n["guid"], n["type"], n["hash"], int(n["mod"]), tuple(n.get("clozes", ()))
            )
            for key, n in data["notes"].items()
        }
        return Lock(str(data["deck"]["name"]), note_types, notes, raw)
    except json.JSONDecodeError as exc:
        raise _lock_error(
            display,
            exc.lineno,
            exc.colno,
            f"the lock file is not valid JSON ({exc.msg}); restore it from version control "
            "(git checkout -- the lock) rather than editing it",
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _lock_error(
            display,
            1,
            1,
            f"the lock file is damaged (missing or bad {exc}); restore it from version control",
        ) from None


def _lock_error(display: str, line: int, col: int, message: str) -> ContentError:
    return ContentError([Finding(Location(display, line, col), "error", message)])


def compare(
    lock: Lock | None, notes: list[Note], types: dict[str, NoteType], deck_name: str
) -> Changes:
    """Everything this build changes against the lock, and what it would cost."""
    changes = Changes(first_build=lock is None)
    if lock is None:
        changes.added = list(notes)
        changes.cards_added = sum(len(n.card_ords) for n in notes)
        return changes
    keys = set()
    for note in notes:
        keys.add(note.key)
        old = lock.notes.get(note.key)
        if old is None:
            changes.added.append(note)
            changes.cards_added += len(note.card_ords)
            continue
        if old.hash == note.content_hash:
            changes.unchanged.append(note)
        else:
            changes.changed.append(note)
        changes.cards_added += max(0, len(note.clozes) - len(old.clozes))
        changes.losses.extend(_cloze_losses(old, note))
    for key, old in lock.notes.items():
        if key not in keys:
            changes.removed.append(old)
            changes.losses.append(
                Loss(
                    "removed",
                    key,
                    f"note '{key}' is no longer in the cards (its id was removed or renamed). "
                    "Its cards and their review history stay in the learner's collection but "
                    "will never be updated again; a renamed id starts new cards from zero. "
                    "Restore the old id to keep the history.",
                )
            )
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
    if lock.deck_name != deck_name:
        changes.losses.append(
            Loss(
                "deck-name",
                "deck",
                f"the deck name changed from '{lock.deck_name}' to '{deck_name}'. Anki matches "
                "decks by name: existing cards stay in the old deck and only new cards go into "
                "a new one, splitting the deck. Rename the deck inside Anki first, or keep the "
                "old name.",
            )
        )
    return changes


def _cloze_losses(old: LockedNote, note: Note) -> list[Loss]:
    losses = []
    new = note.clozes
    for i, phrase in enumerate(old.clozes):
        if i < len(new) and new[i] == phrase:
            continue
        if phrase in new:
            j = new.index(phrase)
            losses.append(
                Loss(
                    "renumbered",
                    note.key,
                    f"note '{note.key}': the cloze '{phrase}' would move from c{i + 1} to "
                    f"c{j + 1}. Anki keeps review history by cloze number, so the history of "
                    f"c{i + 1} would be shown for other text. Add new phrases after the "
                    "existing ones instead.",
                )
            )
        elif i >= len(new):
            losses.append(
                Loss(
                    "renumbered",
                    note.key,
                    f"note '{note.key}': cloze c{i + 1} ('{phrase}') was removed. Its card and "
                    "history stay in the collection as an empty card (Tools › Empty Cards).",
                )
            )
    return losses


def fresh_stamp(
    newest_locked: int,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """The present second, strictly after every stamp in the lock.

    Anki updates a note only when its stamp is newer, so a changed note needs a stamp
    above its old one; waiting a moment is better than a stamp in the future.
    """
    while True:
        now = int(clock())
        if now > newest_locked:
            return now
        if newest_locked - now > MAX_CLOCK_SKEW:
            raise DeckgenError(
                f"the lock file holds change stamps {newest_locked - now} s in the future of "
                "this machine's clock; set the clock right (a wrong stamp would stop Anki "
                "from updating notes) and build again"
            )
        sleep(0.25)


@dataclass(frozen=True)
class Stamps:
    notes: dict[str, int]
    note_types: dict[str, int]

    @property
    def newest(self) -> int:
        return max([*self.notes.values(), *self.note_types.values()], default=0)


def assign_stamps(
    lock: Lock | None,
    changes: Changes,
    types: dict[str, NoteType],
    now: Callable[[int], int] = fresh_stamp,
) -> Stamps:
    """Keep the lock's stamp for every unchanged note; give changed ones the present."""
    newest = lock.newest_stamp if lock else 0
    needs_new = bool(changes.added or changes.changed or changes.note_types_changed) or not lock
    stamp = now(newest) if needs_new else newest
    notes: dict[str, int] = {}
    if lock is not None:
        for note in changes.unchanged:
            notes[note.key] = lock.notes[note.key].mod
    for note in [*changes.added, *changes.changed]:
        notes[note.key] = stamp
    note_types = {}
    for kind in types:
        old = lock.note_types.get(kind) if lock else None
        changed = old is None or kind in changes.note_types_changed
        note_types[kind] = stamp if changed or old is None else old.mod
    return Stamps(notes, note_types)


def render_lock(
    deck_name: str, notes: list[Note], types: dict[str, NoteType], stamps: Stamps
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
        f' "deck": {dump({"name": deck_name})},',
        ' "note_types": {',
    ]
    type_lines = []
    for kind in sorted(types):
        nt = types[kind]
        type_body = {
            "id": nt.model_id,
            "name": nt.name,
            "fields": nt.fields_hash,
            "style": nt.style_hash,
            "mod": stamps.note_types[kind],
        }
        type_lines.append(f"  {dump(kind)}: {dump(type_body)}")
    lines.append(",\n".join(type_lines))
    lines.append(" },")
    lines.append(' "notes": {')
    head = ("\n".join(lines) + "\n").encode("utf-8")
    body = b",\n".join([line.encode("utf-8") for line in _note_lines(notes, stamps)])
    return head + body + b"\n }\n}\n"


def _note_lines(notes: list[Note], stamps: Stamps) -> Iterator[str]:
    """Each note's line, as json.dumps(..., ensure_ascii=False, sort_keys=True) writes it.

    Spelled out because a large deck has a line per note: this is several times faster
    than a json.dumps call per line, and gives the same text (tests/test_large.py).
    """
    enc = encode_basestring
    mods = stamps.notes
    for note in notes:
        clozes = ""
        if note.clozes:
            clozes = '"clozes": [' + ", ".join(map(enc, note.clozes)) + "], "
        yield (
            f'  {enc(note.key)}: {{{clozes}"guid": {enc(note.guid)}, '
            f'"hash": {enc(note.content_hash)}, "mod": {int(mods[note.key])}, '
            f'"type": {enc(note.kind)}}}'
        )


def read_lock_bytes(path: Path) -> bytes:
    """The lock file's bytes with its line ends as deckgen writes them (\\n): a lock
    checked out with CRLF is the same lock."""
    return path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
