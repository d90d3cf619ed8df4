"""The validated content: frozen dataclasses, every node knowing where it was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from deckgen.cloze import Segment
from deckgen.errors import Location


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answer: str
    location: Location


@dataclass(frozen=True)
class Principle:
    id: str
    title: str
    text: tuple[Segment, ...]
    questions: tuple[Question, ...]
    note: str
    location: Location


@dataclass(frozen=True)
class Pillar:
    id: str
    title: str
    principles: tuple[Principle, ...]
    location: Location
    question: str = ""


@dataclass(frozen=True)
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
