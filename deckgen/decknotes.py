"""The notes of a deck as a whole (stage 7 of a build): the introduction's and the
overview's, made from the deck file and the pillars' headings, and the notes the cards no
longer make, retired (deckgen.generate); the deck's description; all in the build's
script (deckgen.script)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from deckgen.context import DeckInputs
from deckgen.generate import (
    Note,
    deck_description,
    intro_notes,
    overview_notes,
    position,
    retired_note,
    retired_slot,
)
from deckgen.notetypes import NoteType
from deckgen.numbering import LockNumbering
from deckgen.pillarfile import FileResult, PillarSummary
from deckgen.script import Script

__all__ = ["DeckNotes", "convert_script", "deck_notes"]


@dataclass(frozen=True)
class DeckNotes:
    """The deck's own notes, and what they were made from."""

    pillars: list[PillarSummary]  # of the files without errors, in reading order
    numbering: LockNumbering  # the cloze numbers of the introduction's notes
    head: list[Note]  # the introduction's
    tail: list[Note]  # the overview's
    description: str  # HTML, as Anki shows it
    made: set[str]  # the key of every note the cards make
    retired: list[Note]  # the notes of the lock the cards no longer make


def deck_notes(inputs: DeckInputs, results: list[FileResult]) -> DeckNotes:
    """The introduction's, the overview's and the retired notes, and the description."""
    deck, ctx = inputs.deck, inputs.ctx
    source = ctx.numbering_lock
    pillars = [r.pillar for r in results if r.pillar is not None]
    numbering = LockNumbering(source)
    head = intro_notes(deck, numbering)
    tail = overview_notes(deck, [p.heading for p in pillars])
    description = deck_description(deck)  # HTML, as Anki shows it
    made = {n.key for n in (*head, *tail)}
    for r in results:
        made.update(r.note_keys())
    retired = []
    if source is not None and not made.issuperset(source.notes):  # most often nothing goes
        gone = (source.notes[key] for key in source.notes if key not in made)  # LazyNotes
        retired = [
            retired_note(deck, locked, position(retired_slot(len(pillars)), i), ctx.language)
            for i, locked in enumerate(gone)
        ]
    return DeckNotes(pillars, numbering, head, tail, description, made, retired)


def convert_script(
    notes: DeckNotes, types: dict[str, NoteType], script: Script | None
) -> DeckNotes:
    """The introduction's and the overview's notes and the description in `script` (a
    pillar file's notes are converted with their file; a retired note keeps its text:
    Key, GUID and everything else that makes a note's identity stay as they are)."""
    if script is None:
        return notes
    from deckgen.script import convert_notes, converter

    head = convert_notes(notes.head, types, script)
    tail = convert_notes(notes.tail, types, script)
    description = converter(script)(notes.description)
    return dataclasses.replace(notes, head=head, tail=tail, description=description)
