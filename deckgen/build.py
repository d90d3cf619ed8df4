"""The whole pipeline as one call: load, validate, generate, compare, package, lock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from deckgen.errors import (
    ContentError,
    DeckgenError,
    Finding,
    FrozenLockError,
    GuardError,
)
from deckgen.generate import DECK_GROUP, Note, generate_notes, pillar_heading
from deckgen.load import LOCK_FILE, display_path, find_deck_folders
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
from deckgen.package import package_deck
from deckgen.rules import load_checked_deck
from deckgen.script import Script


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
    script: Script | None = None  # the script the notes were converted to, if any
    # When every note changed because the lock was written in another script: that
    # script (deckgen.script.OWN for a build without --script).
    script_switched_from: str | None = None

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
    script: Script | None = None,
    loaded: Deck | None = None,
) -> BuildResult:
    """Build the deck in `cards` into `output` (default dist/<deck key>.apkg).

    `script` converts every text to Simplified or Traditional characters (deckgen.script);
    `loaded` is the deck of `cards` when the caller has loaded it already.

    Raises ContentError for bad content, GuardError for a change that would cost the
    learner progress (unless `accept_loss`), FrozenLockError when `frozen` and the lock
    would change. Nothing is written unless the whole build succeeds.
    """
    deck = loaded if loaded is not None else load_checked_deck(cards)
    notes = own_notes = generate_notes(deck)
    types = note_types(tts=tts)
    description = deck.description
    if script is not None:
        from deckgen.script import convert_notes, converter

        notes = convert_notes(notes, types, script)
        description = converter(script)(description)
    lock_path = cards / LOCK_FILE
    lock = read_lock(lock_path, display_path(lock_path))
    changes = compare(lock, notes, types, deck.name)
    switched_from = None
    if lock is not None and changes.changed and not changes.unchanged:
        from deckgen.script import locked_script, script_option

        locked = {key: n.hash for key, n in lock.notes.items()}
        switched_from = locked_script(locked, own_notes, types, script)
        if frozen and switched_from is not None:
            raise FrozenLockError(
                f"--frozen: {display_path(lock_path)} was written by a build "
                f"{script_option(switched_from)}, and this build is {script_option(script)}; "
                "give --frozen the --script of the builds you publish"
            )
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
    out = output if output is not None else default_output(deck)
    size = package_deck(
        out, deck.name, deck.key, description, notes, types, stamps, before_rename=before_rename
    )
    lock_written = lock_text != old_text
    if lock_written:
        write_text_atomically(lock_path, lock_text)
    return BuildResult(
        deck,
        notes,
        changes,
        out,
        size,
        lock_path,
        lock_written,
        count_groups(deck, notes),
        script,
        switched_from,
    )


class OutputError(DeckgenError):
    """`-o` names a file where several decks need a directory."""


def build_decks(
    root: Path,
    output: Path | None = None,
    *,
    frozen: bool = False,
    accept_loss: bool = False,
    tts: bool = False,
    script: Script | None = None,
) -> Iterator[BuildResult]:
    """Build every deck of a project, yielding each result as its deck is written.

    The decks are `root` itself and/or its subfolders `root/<deck>/` with a deck.yaml
    (deckgen.load.find_deck_folders); each keeps its lock in its own folder. `output` is
    the deck file of a single deck, or a directory: the only choice with several decks
    (default dist/), each written as <deck key>.apkg. All decks are loaded and checked
    before anything is written, so a content error anywhere, or two decks sharing a key
    or a name, writes nothing. A guard or --frozen failure stops at its deck; the decks
    yielded before it were written.
    """
    folders = find_deck_folders(root)
    decks = load_decks(folders)
    outputs = _deck_outputs(decks, output)
    for index, (folder, deck, out) in enumerate(zip(folders, decks, outputs, strict=True)):
        try:
            result = build_deck(
                folder,
                out,
                frozen=frozen,
                accept_loss=accept_loss,
                tts=tts,
                script=script,
                loaded=deck,
            )
        except DeckgenError as exc:
            if len(decks) == 1 or (index == 0 and isinstance(exc, ContentError)):
                raise
            built = ""
            if index:
                built = " (the deck before it was built)"
                if index > 1:
                    built = f" (the {index} decks before it were built)"
            error = DeckgenError if isinstance(exc, ContentError) else type(exc)
            where = f"deck '{deck.key}' in {display_path(folder)}"
            raise error(f"{where} was not built{built}: {exc}") from None
        yield result


def load_decks(folders: list[Path]) -> list[Deck]:
    """Load and validate several deck folders; one ContentError lists the errors of all.

    Two decks may not share a key (it is part of every note's GUID: their notes would
    overwrite each other in Anki) nor a name (Anki matches decks by name: their cards
    would end up in one deck).
    """
    findings: list[Finding] = []
    decks: list[Deck] = []
    for folder in folders:
        try:
            decks.append(load_checked_deck(folder))
        except ContentError as exc:
            findings.extend(exc.findings)
    first_by_key: dict[str, Deck] = {}
    first_by_name: dict[str, Deck] = {}
    for deck in decks:
        first = first_by_key.setdefault(deck.key, deck)
        if first is not deck:
            findings.append(
                Finding(
                    deck.location,
                    "error",
                    f"deck key '{deck.key}' is also the key of the deck in "
                    f"{first.location.path}; give each deck its own key (the key is part of "
                    "every note's identity: two decks with one key overwrite each other's notes)",
                )
            )
        first = first_by_name.setdefault(deck.name, deck)
        if first is not deck:
            findings.append(
                Finding(
                    deck.location,
                    "error",
                    f"deck name '{deck.name}' is also the name of the deck in "
                    f"{first.location.path}; give each deck its own name (Anki matches decks "
                    "by name: their cards would end up in one deck)",
                )
            )
    if any(f.severity == "error" for f in findings):
        raise ContentError(findings)
    return decks


def _deck_outputs(decks: list[Deck], output: Path | None) -> list[Path | None]:
    if len(decks) == 1:
        if output is not None and output.is_dir():
            return [output / f"{decks[0].key}.apkg"]
        return [output]
    if output is None:
        return [default_output(deck) for deck in decks]
    if output.suffix == ".apkg" or (output.exists() and not output.is_dir()):
        keys = ", ".join(deck.key for deck in decks)
        raise OutputError(
            f"-o {display_path(output)} is a file, but there are {len(decks)} decks to build "
            f"({keys}); give a directory for their .apkg files, e.g. -o dist"
        )
    return [output / f"{deck.key}.apkg" for deck in decks]


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
