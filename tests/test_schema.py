"""`deckgen schema`: a JSON Schema of the cards format that agrees with the validator.

The schemas are read as an editor reads them, by the `jsonschema` package's Draft 2020-12
validator (tests/helpers.py, `schema_errors`): the shipped cards pass, and each kind of
mistake an editor should underline does not.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from deckgen.checks import CODES
from deckgen.language import LANGUAGES
from deckgen.model import Checks, Deck
from deckgen.schema import DIALECT, KINDS, cards_schema
from deckgen.validate import (
    CHECKS_KEYS,
    DECK_KEYS,
    DECK_REQUIRED,
    PILLAR_KEYS,
    PILLAR_REQUIRED,
    PRINCIPLE_KEYS,
    PRINCIPLE_REQUIRED,
    QUESTION_KEYS,
    QUESTION_REQUIRED,
    SLUG,
)
from tests.helpers import MINI_DECK, SCHEMAS, SHIPPED_CARDS, run_cli, schema_valid


def test_schema_keys_are_the_validators_keys():
    deck = cards_schema("deck")
    pillar = cards_schema("pillar")
    principle = pillar["$defs"]["principle"]
    question = pillar["$defs"]["question"]
    for schema, keys, required in [
        (deck, DECK_KEYS, DECK_REQUIRED),
        (pillar, PILLAR_KEYS, PILLAR_REQUIRED),
        (principle, PRINCIPLE_KEYS, PRINCIPLE_REQUIRED),
        (question, QUESTION_KEYS, QUESTION_REQUIRED),
    ]:
        assert set(schema["properties"]) == keys
        assert schema["required"] == list(required)
        assert schema["additionalProperties"] is False
    assert deck["properties"]["language"]["enum"] == list(LANGUAGES)
    assert {k: deck["properties"][k]["default"] for k in ("tts", "subdecks")} == {
        "tts": Deck.__dataclass_fields__["tts"].default,
        "subdecks": Deck.__dataclass_fields__["subdecks"].default,
    }
    checks = deck["properties"]["checks"]["properties"]
    assert set(checks) == CHECKS_KEYS
    limits = {f.name: f.default for f in fields(Checks) if f.name != "off"}
    assert {name: p["default"] for name, p in checks.items()} == {
        **{code: True for code in CODES},
        "principle_needs_cloze": True,
        "principle_needs_question": True,
        "cjk_punctuation": True,
        **limits,
    }
    assert limits == {"answer_max_length": 20, "cloze_max_share": 0.5, "clozes_max_per_note": 5}
    for schema, key in [(deck, "key"), (pillar, "id"), (principle, "id"), (question, "id")]:
        assert schema["properties"][key]["pattern"] == SLUG.pattern


@pytest.mark.parametrize("kind", KINDS)
def test_schema_command_prints_the_committed_schema(kind: str):
    result = run_cli("schema", kind)
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["$schema"] == DIALECT == "https://json-schema.org/draft/2020-12/schema"
    committed = SCHEMAS / f"{kind}.schema.json"
    assert committed.read_text(encoding="utf-8") == result.output, (
        f"{committed} is out of date: run `deckgen schema {kind} > schemas/{kind}.schema.json`"
    )


def test_schema_without_kind_is_the_combined_one():
    assert run_cli("schema").output == run_cli("schema", "cards").output


def test_unknown_schema_kind_is_a_usage_error():
    result = run_cli("schema", "question")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '[deck|pillar|cards]': 'question' is not one of 'deck', "
        "'pillar', 'cards'."
    )


def test_shipped_cards_conform_and_point_editors_at_the_schema():
    for path in sorted(SHIPPED_CARDS.glob("*.yaml")):
        kind = "deck" if path.name == "deck.yaml" else "pillar"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert schema_valid(data, kind), path
        assert schema_valid(data, "cards"), path
        assert not schema_valid(data, "pillar" if kind == "deck" else "deck"), path
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        modeline = f"# yaml-language-server: $schema=../schemas/{kind}.schema.json"
        assert first_line == modeline, path
        assert (path.parent / first_line.split("=", 1)[1]).resolve().is_file()


def mini(name: str) -> Any:
    import textwrap

    return yaml.safe_load(textwrap.dedent(MINI_DECK[name]))


@pytest.mark.parametrize(
    ("change", "ok"),
    [
        (lambda d: d, True),
        (lambda d: d.update(checks={"answer_max_length": 30, "cloze_max_share": 0.6}), True),
        (lambda d: d.update(colour="red"), False),
        (lambda d: d.pop("name"), False),
        (lambda d: d.update(name="  "), False),
        (lambda d: d.update(key="Mini Deck"), False),
        (lambda d: d.update(question=42), False),
        (lambda d: d.update(checks={"answer_max_lenght": 30}), False),
        (lambda d: d.update(checks={"cloze_max_share": 2}), False),
        (lambda d: d.update(checks={"clozes_max_per_note": 0}), False),
        (lambda d: d.update(checks={"principle_needs_cloze": "no"}), False),
        (lambda d: d.update(checks={"answer-too-long": False, "not-nfc": True}), True),
        (lambda d: d.update(checks={"answer-too-lnog": False}), False),
        (lambda d: d.update(checks={"answer-too-long": 30}), False),
        (lambda d: d.update(language="zh-Hans", tts=True, subdecks=False), True),
        (lambda d: d.update(language="zh-Hant"), True),
        (lambda d: d.update(language="ja"), True),
        (lambda d: d.update(language="en"), True),
        (lambda d: d.update(language="zh-TW"), False),
        (lambda d: d.update(language="Chinese"), False),
        (lambda d: d.update(tts="yes"), False),
        (lambda d: d.update(subdecks=1), False),
    ],
)
def test_deck_schema_accepts_and_rejects_as_the_validator(change, ok: bool):
    deck = mini("deck.yaml")
    change(deck)
    assert schema_valid(deck, "deck") is ok


@pytest.mark.parametrize(
    ("change", "ok"),
    [
        (lambda p: p, True),
        (lambda p: p["principles"][0].pop("questions"), True),
        (lambda p: p["principles"][0].update(note="more"), True),
        (lambda p: p.update(principles=[]), False),
        (lambda p: p["principles"][0].update(txt="x"), False),
        (lambda p: p["principles"][0].pop("text"), False),
        (lambda p: p["principles"][0]["questions"][0].update(anwser="x"), False),
        (lambda p: p["principles"][0]["questions"][0].update(id="What"), False),
        (lambda p: p["principles"][0].update(questions={"id": "x"}), False),
    ],
)
def test_pillar_schema_accepts_and_rejects_as_the_validator(change, ok: bool):
    pillar = mini("1-first.yaml")
    change(pillar)
    assert schema_valid(pillar, "pillar") is ok


def test_schema_files_are_plain_json_files_and_valid_schemas():
    for kind in KINDS:
        text = (SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8")
        assert json.loads(text)["$schema"] == DIALECT
        Draft202012Validator.check_schema(json.loads(text))  # against the meta-schema
        assert text.endswith("}\n")
