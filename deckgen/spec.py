"""The cards format, declared once: every key of every kind of cards file.

Four kinds: the deck (deck.yaml), a pillar (every other file of a cards folder), a
principle (an item of a pillar's `principles:`) and a question (an item of a principle's
`questions:`). Each key has its type, whether it is required and what it means. From
`KINDS`:

- `validate` takes its key sets and required keys (`DECK_KEYS`, `DECK_REQUIRED`, ...);
- `schema` writes the JSON Schema of each kind (`deckgen schema`, `schemas/*.json`);
- the README's key table is rendered by `markdown` (`python tools/readme.py` writes it);
- tests/test_spec.py ties the rest to it: the validator reports a value of the wrong type
  in the words of its `Type`, and requires exactly the required keys; the model
  (`deckgen.model`) has a field for every key.

The settings under `checks:` are the rules' (deckgen.checks).

A leaf module: it imports nothing of deckgen, so every stage can use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# An id: ASCII kebab-case, like service-awareness.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Type:
    """What a value is: how the README names it, and how validation says a value is not."""

    name: str
    wrong: str  # `'<key>' of <what> must be ...`, as validation writes it


TEXT = Type("text", "must be text")
ID = Type("id (ASCII kebab-case)", "must be text")
CLOZE_TEXT = Type("text with `[[cloze]]` marks", "must be text")
FLAG = Type("`true` or `false`", "must be true or false")
LANGUAGE = Type("language tag", "must be a language tag")
CHECKS = Type('mapping (see "Warnings: card quality")', "must be a mapping")
LIST = Type("list", "must be a list of '- ' items")


@dataclass(frozen=True, slots=True)
class Key:
    name: str
    type: Type
    description: str  # one or two sentences: the schema's and the README's
    required: bool = False
    items: str = ""  # a list's: the kind of its items
    min_items: int = 0  # a list's: how few items it may have
    default: bool | None = None  # a flag's


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    title: str  # the schema's title
    file: str  # the README's heading of its table
    keys: tuple[Key, ...]

    @property
    def names(self) -> set[str]:
        return {key.name for key in self.keys}

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys if key.required)

    def key(self, name: str) -> Key:
        return next(key for key in self.keys if key.name == name)


def _id(what: str, unique: str) -> Key:
    return Key("id", ID, f"Permanent id of the {what}, unique {unique}.", required=True)


def _renamed_from(what: str) -> Key:
    return Key(
        "renamed_from",
        ID,
        f"Written by `deckgen rename`: the id this {what}'s notes were first built under, "
        "which stays their identity in Anki.",
    )


DECK = Kind(
    "deck",
    "deck.yaml",
    "`deck.yaml`",
    (
        Key(
            "key",
            ID,
            "Permanent key of the deck: part of every note's identity.",
            required=True,
        ),
        Key("name", TEXT, "The deck's name in Anki; renaming it splits the deck.", required=True),
        Key("description", TEXT, "Shown on the deck's overview screen in Anki."),
        Key(
            "introduction",
            CLOZE_TEXT,
            "The essay's introduction; [[phrase]] marks make it a cloze note.",
            required=True,
        ),
        Key(
            "question",
            TEXT,
            "The question of the deck's overview card, answered by the pillars.",
            required=True,
        ),
        Key(
            "language",
            LANGUAGE,
            "The language the cards are written in, a BCP 47 tag: zh-Hant (Traditional "
            "Chinese), zh-Hans (Simplified Chinese), en or ja. Default: the language of the "
            "cards' script.",
        ),
        Key(
            "tts",
            FLAG,
            "Whether Anki reads the cards aloud (text-to-speech) in the deck's language.",
            default=False,
        ),
        Key(
            "subdecks",
            FLAG,
            "Whether each pillar's cards go in a subdeck of their own, "
            "`<deck name>::<pillar heading>`.",
            default=False,
        ),
        Key(
            "checks",
            CHECKS,
            "The card-quality warnings of `deckgen check`: each rule's code (false turns it "
            "off) and limits.",
        ),
    ),
)

PILLAR = Kind(
    "pillar",
    "A pillar file",
    "A pillar file",
    (
        _id("pillar", "in the deck"),
        _renamed_from("pillar"),
        Key("title", TEXT, "The pillar's title.", required=True),
        Key(
            "question",
            TEXT,
            "The question of the pillar's overview card (default: which principles does it "
            "include?).",
        ),
        Key(
            "principles",
            LIST,
            "The pillar's principles, in study order.",
            required=True,
            items="principle",
            min_items=1,
        ),
    ),
)

PRINCIPLE = Kind(
    "principle",
    "A principle",
    "A principle (an item of `principles:`)",
    (
        _id("principle", "in the deck"),
        _renamed_from("principle"),
        Key(
            "title",
            TEXT,
            "The principle's title, shown on every card as context.",
            required=True,
        ),
        Key(
            "text",
            CLOZE_TEXT,
            "The principle's text. Mark each phrase to recall as [[phrase]] or "
            "[[phrase::hint]]; they become c1, c2, ... in text order.",
            required=True,
        ),
        Key("note", TEXT, "Extra text shown on the back of the principle's cards."),
        Key(
            "questions",
            LIST,
            "Question-answer notes about the principle.",
            items="question",
        ),
    ),
)

QUESTION = Kind(
    "question",
    "A question-answer note",
    "A question (an item of `questions:`)",
    (
        _id("question", "within its principle"),
        _renamed_from("question"),
        Key("question", TEXT, "The question, shown on the front of the card.", required=True),
        Key("answer", TEXT, "The answer, shown on the back: keep it short.", required=True),
    ),
)

KINDS: dict[str, Kind] = {kind.name: kind for kind in (DECK, PILLAR, PRINCIPLE, QUESTION)}


def _value(key: Key) -> str:
    if key.type is LIST:
        return f"list of {key.items}s" + (f", at least {key.min_items}" if key.min_items else "")
    if key.type is FLAG:
        return f"{key.type.name} (default `{str(key.default).lower()}`)"
    return key.type.name


def markdown() -> str:
    """The README's table of every key of every kind (tools/readme.py)."""
    lines: list[str] = []
    for kind in KINDS.values():
        lines += [
            f"{kind.file}:",
            "",
            "| key | value | required | what it is |",
            "| --- | --- | --- | --- |",
            *(
                f"| `{key.name}` | {_value(key)} | {'yes' if key.required else 'no'} | "
                f"{key.description} |"
                for key in kind.keys
            ),
            "",
        ]
    return "\n".join(lines)
