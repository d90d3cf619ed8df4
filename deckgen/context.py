"""A deck's context (stages 4 and 5 of a build): its lock, what a learner may have
besides it (deckgen.history), its language and note types, and the stamps of its build,
as the frozen inputs every later stage of its plan reads."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from deckgen.cache import remembered_language
from deckgen.changes import Stamper, fresh_stamp, lock_state, newest_of
from deckgen.errors import Finding, Location
from deckgen.history import History, parsed, read_history
from deckgen.language import LANGUAGES, detect_language
from deckgen.load import LOCK_FILE, display_path
from deckgen.lock import Lock
from deckgen.model import Checks, Deck
from deckgen.notetypes import NoteType, derived_ids, note_types, type_names
from deckgen.options import BuildOptions
from deckgen.package import RowContext, deck_id_for, id_base
from deckgen.pillarfile import FileContext
from deckgen.script import Script
from deckgen.validate import DeckFile
from deckgen.wording import language_for

__all__ = ["DeckInputs", "checking_deck", "deck_inputs", "deck_language", "deck_note_types"]

# How much of the pillar files tells a deck's language when deck.yaml names none.
LANGUAGE_SAMPLE = 20_000  # characters


@dataclass(frozen=True)
class DeckInputs:
    """What every stage of a deck's plan reads, worked out once (`deck_inputs`)."""

    deck_file: DeckFile
    output: Path
    options: BuildOptions
    lock: Lock | None  # the lock file's, None when there is none
    history: History
    git_lock: Lock | None  # the lock in git history, when the lock and the cache lack it
    ctx: FileContext  # the deck (with its language), note types, locks and stamper
    tts: bool  # the build's, else the deck's own `tts:`
    findings: list[Finding]  # the deck file's and the lock's, none of them an error
    # A language detected anew, for the cache to remember once the deck is written:
    # (key, language) (deckgen.cache.remember_language).
    detected: tuple[str, str] | None = None

    @property
    def deck(self) -> Deck:
        return self.ctx.deck

    @property
    def folder(self) -> Path:
        return self.deck_file.listing.folder

    @property
    def lock_display(self) -> str:
        return display_path(self.folder / LOCK_FILE)


def deck_inputs(
    deck_file: DeckFile,
    output: Path,
    options: BuildOptions,
    lock: Lock | None,
    findings: list[Finding],
) -> DeckInputs:
    """The history, language, note types and stamper of a deck that can be built."""
    deck = deck_file.deck
    assert deck is not None  # deckgen.deckcheck.load_and_check raised otherwise
    folder = deck_file.listing.folder
    history = read_history(lock, folder, output, deck)
    base = lock if lock is not None else history.recovered
    git_lock = parsed(history.git.raw) if history.git is not None else None
    source = base if base is not None else git_lock
    written, detected = deck_language(deck_file)
    deck = dataclasses.replace(deck, language=written)
    language = language_for(deck, options.script)
    tts = options.tts if options.tts is not None else deck.tts
    types = deck_note_types(deck, source, tts, language)
    states = [lock_state(base), *history.states] if base is not None else list(history.states)
    clock = _no_wait if options.dry_run else fresh_stamp
    stamper = Stamper(states, clock(newest_of(states, git_lock.newest_stamp if git_lock else 0)))
    ctx = file_context(
        deck, language, options.script, types, source, base, stamper, options.keep_notes,
        options.write_rows,
    )  # fmt: skip
    return DeckInputs(
        deck_file, output, options, lock, history, git_lock, ctx, tts, findings, detected
    )


def deck_note_types(
    deck: Deck, source: Lock | None, tts: bool, language: str
) -> dict[str, NoteType]:
    """The deck's note types: the ids its lock records, else ids derived from its key."""
    ids = derived_ids(deck.key)
    if source is not None and all(kind in source.note_types for kind in ids):
        ids = {kind: source.note_types[kind].id for kind in ids}
    return note_types(tts=tts, ids=ids, names=type_names(deck.key, ids), language=language)


def deck_language(deck_file: DeckFile) -> tuple[str, tuple[str, str] | None]:
    """The deck's language: `language:` of deck.yaml, else the language of its text,
    read from deck.yaml's values and the start of the pillar files (deckgen.language);
    and when that was detected anew, (key, language) for the cache to remember."""
    deck = deck_file.deck
    if deck is not None and deck.language is not None:
        return deck.language, None
    texts = [t.value for t in deck_file.texts]
    left = LANGUAGE_SAMPLE
    for path in deck_file.listing.pillar_files:
        if left <= 0:
            break
        try:
            text = path.read_bytes()[: left * 4].decode("utf-8", "replace")[:left]
        except OSError:
            continue
        texts.append(text)
        left -= len(text)
    remembered, key = remembered_language(texts, LANGUAGES)
    if remembered is not None:
        return remembered, None
    language = detect_language(texts)
    return language, (key, language)


def checking_deck(deck_file: DeckFile) -> Deck:
    """A deck to validate the pillar files with when deck.yaml is broken."""
    if deck_file.deck is not None:
        return deck_file.deck
    return Deck("", "", "", (), "", (), deck_file.listing.folder, Location(""), checks=Checks())


def file_context(
    deck: Deck,
    language: str,
    script: Script | None,
    types: dict[str, NoteType],
    source: Lock | None,
    base: Lock | None,
    stamper: Stamper,
    keep_notes: bool,
    write_rows: bool,
) -> FileContext:
    rows = RowContext(
        id_base(deck.key),
        {kind: nt.model_id for kind, nt in types.items()},
        deck_id_for(deck.key),
        {},
    )
    return FileContext(
        deck, language, script, types, rows, source, base, stamper, keep_notes, write_rows,
        generate=bool(types),
    )  # fmt: skip


def _no_wait(newest: int) -> int:
    return max(int(time.time()), newest + 1)
