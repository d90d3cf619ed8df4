"""A JSON Schema (draft 2020-12) of the cards format, for editors.

With it, an editor running the YAML language server completes keys, shows what each
one means, and underlines a missing field or an unknown key while the author types.
It describes the same keys as `validate` (a test keeps the two equal); `validate`
remains the judge: the schema cannot know about duplicate ids or cloze markup. It is
declared draft 2020-12 but uses only keywords that draft-07 tools read the same way.

Three schemas: `deck` (deck.yaml), `pillar` (every other file of the cards folder)
and `cards` (either of the two, for an editor that maps one schema to a whole folder).
"""

from __future__ import annotations

import json
from typing import Any

from deckgen.checks import CHECK_KEYS, CheckKey
from deckgen.language import LANGUAGES
from deckgen.validate import (
    DECK_REQUIRED,
    PILLAR_REQUIRED,
    PRINCIPLE_REQUIRED,
    QUESTION_REQUIRED,
    SLUG,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("deck", "pillar", "cards")

Schema = dict[str, Any]


def _text(description: str) -> Schema:
    # Inlined rather than a $ref: draft-07 tools (the YAML language server among them)
    # ignore the keywords beside a $ref, and would lose each field's description.
    return {"type": "string", "pattern": r"\S", "description": description}


def _slug(description: str) -> Schema:
    return {
        "type": "string",
        "pattern": SLUG.pattern,
        "description": f"{description} ASCII kebab-case, like service-awareness.",
    }


def _renamed_from(what: str) -> Schema:
    return _slug(
        f"Written by `deckgen rename`: the id this {what}'s notes were first built under, "
        "which stays their identity in Anki."
    )


def _object(properties: dict[str, Schema], required: tuple[str, ...], title: str) -> Schema:
    return {
        "type": "object",
        "title": title,
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _check_property(key: CheckKey) -> Schema:
    described: Schema = {"description": key.description, "default": key.default}
    if key.kind is bool:
        return {"type": "boolean", **described}
    if key.kind is int:
        return {"type": "integer", "minimum": 1, **described}
    return {"type": "number", "exclusiveMinimum": 0, "maximum": 1, **described}


def _definitions() -> dict[str, Schema]:
    question = _object(
        {
            "id": _slug("Permanent id of the question, unique within its principle."),
            "renamed_from": _renamed_from("question"),
            "question": _text("The question, shown on the front of the card."),
            "answer": _text("The answer, shown on the back: keep it short."),
        },
        QUESTION_REQUIRED,
        "A question-answer note",
    )
    principle = _object(
        {
            "id": _slug("Permanent id of the principle, unique in the deck."),
            "renamed_from": _renamed_from("principle"),
            "title": _text("The principle's title, shown on every card as context."),
            "text": _text(
                "The principle's text. Mark each phrase to recall as [[phrase]] or "
                "[[phrase::hint]]; they become c1, c2, ... in text order."
            ),
            "note": _text("Extra text shown on the back of the principle's cards."),
            "questions": {
                "type": "array",
                "description": "Question-answer notes about the principle.",
                "items": {"$ref": "#/$defs/question"},
            },
        },
        PRINCIPLE_REQUIRED,
        "A principle",
    )
    pillar = _object(
        {
            "id": _slug("Permanent id of the pillar, unique in the deck."),
            "renamed_from": _renamed_from("pillar"),
            "title": _text("The pillar's title."),
            "question": _text(
                "The question of the pillar's overview card (default: which principles "
                "does it include?)."
            ),
            "principles": {
                "type": "array",
                "description": "The pillar's principles, in study order.",
                "minItems": 1,
                "items": {"$ref": "#/$defs/principle"},
            },
        },
        PILLAR_REQUIRED,
        "A pillar file",
    )
    deck = _object(
        {
            "key": _slug("Permanent key of the deck: part of every note's identity."),
            "name": _text("The deck's name in Anki; renaming it splits the deck."),
            "description": _text("Shown on the deck's overview screen in Anki."),
            "introduction": _text(
                "The essay's introduction; [[phrase]] marks make it a cloze note."
            ),
            "question": _text("The question of the deck's overview card, answered by the pillars."),
            "language": {
                "type": "string",
                "enum": list(LANGUAGES),
                "description": "The language the cards are written in, a BCP 47 tag: zh-Hant "
                "(Traditional Chinese), zh-Hans (Simplified Chinese), en or ja. Default: the "
                "language of the cards' script.",
            },
            "tts": {
                "type": "boolean",
                "default": False,
                "description": "Whether Anki reads the cards aloud (text-to-speech) in the "
                "deck's language.",
            },
            "subdecks": {
                "type": "boolean",
                "default": False,
                "description": "Whether each pillar's cards go in a subdeck of their own, "
                "'<deck name>::<pillar heading>'.",
            },
            "checks": {
                "type": "object",
                "description": "The card-quality warnings of `deckgen check`: each rule's "
                "code (false turns it off) and limits.",
                "properties": {name: _check_property(key) for name, key in CHECK_KEYS.items()},
                "additionalProperties": False,
            },
        },
        DECK_REQUIRED,
        "deck.yaml",
    )
    return {
        "deck": deck,
        "pillar": pillar,
        "principle": principle,
        "question": question,
    }


def cards_schema(kind: str = "cards") -> Schema:
    """The schema of a deck file, a pillar file, or ("cards") either of them."""
    if kind not in KINDS:
        raise ValueError(f"unknown schema {kind!r}; expected one of {', '.join(KINDS)}")
    defs = _definitions()
    head: Schema = {
        "$schema": DIALECT,
        "$comment": "Generated by `deckgen schema`; see README, 'Checking the cards'.",
    }
    if kind == "cards":
        body: Schema = {
            "title": "deckgen cards file (deck.yaml or a pillar file)",
            "oneOf": [{"$ref": "#/$defs/deck"}, {"$ref": "#/$defs/pillar"}],
        }
    else:
        body = {**defs.pop(kind), "title": f"deckgen {kind} file"}
        defs = (
            {} if kind == "deck" else {"principle": defs["principle"], "question": defs["question"]}
        )
    return {**head, **body, **({"$defs": defs} if defs else {})}


def schema_json(kind: str = "cards") -> str:
    return json.dumps(cards_schema(kind), indent=2, ensure_ascii=False) + "\n"
