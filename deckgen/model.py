"""The validated content: frozen dataclasses (questions and principles, of which a deck
has many, named tuples), every node knowing where it was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from deckgen.checks import Checks as Checks  # the rules' settings live with the rules
from deckgen.cloze import Segment
from deckgen.errors import Finding, Location


class Question(NamedTuple):
    id: str
    question: str
    answer: str
    location: Location
    renamed_from: str = ""

    @property
    def identity(self) -> str:
        """The id its note was first built under: part of the note's key and GUID."""
        return self.renamed_from or self.id


class Principle(NamedTuple):
    id: str
    title: str
    text: tuple[Segment, ...]
    questions: tuple[Question, ...]
    note: str
    location: Location
    renamed_from: str = ""

    @property
    def identity(self) -> str:
        """The id its notes were first built under: part of their keys and GUIDs."""
        return self.renamed_from or self.id


@dataclass(frozen=True, slots=True)
class Pillar:
    id: str
    title: str
    principles: tuple[Principle, ...]
    location: Location
    question: str = ""
    renamed_from: str = ""

    @property
    def identity(self) -> str:
        """The id its note was first built under: part of the note's key and GUID."""
        return self.renamed_from or self.id


@dataclass(frozen=True, slots=True)
class Deck:
    key: str
    name: str
    description: str
    introduction: tuple[Segment, ...]
    question: str
    pillars: tuple[Pillar, ...]
    folder: Path
    location: Location
    tags: tuple[str, ...] = field(default=())
    checks: Checks = field(default_factory=Checks)
    # `language:` of the deck file, a tag of language.LANGUAGES; None when not written, and
    # then language.deck_language(deck) detects it from the cards' script.
    language: str | None = None
    # `tts:` Anki text-to-speech on the cards; `subdecks:` one subdeck per pillar.
    tts: bool = False
    subdecks: bool = False
    # The card-quality warnings about this deck, when it was loaded with the rules.
    warnings: tuple[Finding, ...] = field(default=(), compare=False)
