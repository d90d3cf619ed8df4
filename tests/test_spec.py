"""The declaration of the cards format (deckgen.spec) is what the validator and the model do.

`validate` takes its key sets from the spec, and `schema` writes the JSON Schema from it
(tests/test_schema.py); these tests tie the rest to it: every key's value of the wrong
type is reported in the words of the key's type, an empty mapping of each kind lacks
exactly its required keys, a switch left out is its declared default, and the model has a
field for every key.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from deckgen.checks import RULES, Checks
from deckgen.model import Deck, Pillar, Principle, Question
from deckgen.spec import CHECKS, CLOZE_TEXT, FLAG, ID, KINDS, LANGUAGE, LIST, TEXT, Key, Type
from deckgen.validate import load_deck, validate_folder
from tests.helpers import MINI_DECK, write_cards

# A deck whose files have every key of every kind, each on a line of its own.
FULL_DECK = """\
key: mini
name: Mini deck
description: A small deck for tests.
introduction: Serve with [[awareness]] and [[skill]].
question: What are the two pillars?
language: en
tts: false
subdecks: false
checks: {}
"""
FULL_PILLAR = """\
id: first
renamed_from: old-first
title: First pillar
question: Which principles?
principles:
  - id: alpha
    renamed_from: old-alpha
    title: Alpha principle
    text: Keep [[calm]] and [[carry on]] with the work.
    note: A note.
    questions:
      - id: what
        renamed_from: old-what
        question: What do you keep?
        answer: calm
"""
# Where each kind's keys are written in FULL_PILLAR (the deck's are in FULL_DECK).
INDENT = {"deck": "", "pillar": "", "principle": "    ", "question": "        "}
FIRST_LINE = {"deck": 0, "pillar": 0, "principle": 5, "question": 11}
WHAT = {
    "deck": "the deck",
    "pillar": "pillar 'first'",
    "principle": "principle 'alpha'",
    "question": "question 'what' of principle 'alpha'",
}
WHAT_WITHOUT_ID = {
    "deck": "the deck",
    "pillar": "the pillar",
    "principle": "the principle",
    "question": "a question of principle 'alpha'",
}
# How each message goes on after the words of the key's type (spec.Type.wrong).
AFTER: dict[Type, str] = {
    TEXT: ", not a mapping",
    ID: ", not a mapping",
    CLOZE_TEXT: ", not a mapping",
    LIST: ", not a mapping",
    FLAG: ", e.g. '{key}: true'",
    LANGUAGE: ", not a mapping; write one of: en, ja, zh-Hans, zh-Hant",
    CHECKS: " of 'key: value' lines, not a list",
}
# The model's fields that no key of the cards files is written as.
NOT_WRITTEN = {
    Deck: {"pillars", "folder", "location", "tags", "warnings"},
    Pillar: {"location"},
    Principle: {"location"},
    Question: {"location"},
}
MODEL = {"deck": Deck, "pillar": Pillar, "principle": Principle, "question": Question}


def errors(cards: Path) -> list[str]:
    return [str(f) for f in validate_folder(cards).findings if f.severity == "error"]


def write(cards: Path, deck: str = FULL_DECK, pillar: str = FULL_PILLAR) -> Path:
    write_cards(cards, {"deck.yaml": deck, "1-first.yaml": pillar})
    return cards


def test_the_full_deck_is_valid(tmp_path: Path):
    assert errors(write(tmp_path / "cards")) == []


@pytest.mark.parametrize(
    ("kind", "key"), [(kind.name, key.name) for kind in KINDS.values() for key in kind.keys]
)
def test_a_value_of_the_wrong_type_is_reported_in_the_words_of_its_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, key: str
):
    monkeypatch.chdir(tmp_path)
    declared = KINDS[kind].key(key)
    name = "deck.yaml" if kind == "deck" else "1-first.yaml"
    lines = (FULL_DECK if kind == "deck" else FULL_PILLAR).splitlines(keepends=True)
    indent = INDENT[kind]
    item = key == "id" and kind in ("principle", "question")  # the line of its '- '
    prefix = f"{indent[:-2]}- {key}: " if item else f"{indent}{key}: "
    start = FIRST_LINE[kind]
    at = next(i for i in range(start, len(lines)) if lines[i].startswith(prefix.rstrip()))
    wrong = "[1]" if declared.type is CHECKS else "{a: 1}"
    end = at + 1
    while declared.type is LIST and end < len(lines) and lines[end].startswith(indent + " "):
        end += 1  # its items go too
    lines[at:end] = [prefix + wrong + "\n"]
    text = "".join(lines)
    write(Path("cards"), **({"deck": text} if kind == "deck" else {"pillar": text}))
    what = WHAT_WITHOUT_ID[kind] if key == "id" else WHAT[kind]
    where = f"cards/{name}:{at + 1}:{len(prefix) + 1}"
    assert errors(Path("cards")) == [
        f"{where}: error: '{key}' of {what} {declared.type.wrong}"
        + AFTER[declared.type].format(key=key)
    ]


def test_an_empty_mapping_of_each_kind_lacks_exactly_its_required_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    pillar = "{}\n"
    write(Path("cards"), deck="{}\n", pillar=pillar)
    missing = [
        f"cards/deck.yaml:1:1: error: the deck is missing required key '{key}'"
        for key in KINDS["deck"].required
    ] + [
        f"cards/1-first.yaml:1:1: error: the pillar is missing required key '{key}'"
        for key in KINDS["pillar"].required
    ]
    assert errors(Path("cards")) == missing
    write(
        Path("cards"),
        deck=MINI_DECK["deck.yaml"],
        pillar="id: first\ntitle: First\nprinciples:\n  - {}\n  - id: alpha\n"
        "    title: Alpha\n    text: Keep [[calm]].\n    questions:\n      - {}\n",
    )
    assert errors(Path("cards")) == [
        f"cards/1-first.yaml:4:5: error: a principle is missing required key '{key}'"
        for key in KINDS["principle"].required
    ] + [
        "cards/1-first.yaml:9:9: error: a question of principle 'alpha' is missing required "
        f"key '{key}'"
        for key in KINDS["question"].required
    ]


@pytest.mark.parametrize(
    "key", [key for key in KINDS["deck"].keys if key.type is FLAG], ids=lambda key: key.name
)
def test_a_switch_left_out_is_its_declared_default(tmp_path: Path, key: Key):
    deck = load_deck(write_cards(tmp_path / "cards", MINI_DECK))
    assert key.name not in MINI_DECK["deck.yaml"]
    assert getattr(deck, key.name) is key.default
    assert Deck.__dataclass_fields__[key.name].default is key.default


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_model_has_a_field_for_every_key(kind: str):
    model = MODEL[kind]
    model_fields: Any = getattr(model, "_fields", None)  # a named tuple's, else a dataclass's
    names = set(model_fields) if model_fields else {f.name for f in fields(model)}
    assert names == KINDS[kind].names | NOT_WRITTEN[model]


def test_the_checks_model_has_a_field_for_every_limit():
    limits = {limit.name for rule in RULES for limit in rule.limits}
    assert {f.name for f in fields(Checks)} == limits | {"off"}
