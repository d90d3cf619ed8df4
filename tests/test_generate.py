"""Generation: keys, GUIDs, tags, fields, order."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from deckgen.chinese import chinese_numeral
from deckgen.cloze import parse_cloze
from deckgen.generate import (
    MAX_IN_SLOT,
    cloze_field,
    deck_description,
    escape_field,
    generate_notes,
    slot_of,
)
from deckgen.notetypes import CLOZE, QA, note_types
from deckgen.validate import load_deck
from tests.helpers import typeset_by_mathjax, visible_text


def test_notes_from_a_small_deck(mini_cards: Path):
    notes = generate_notes(load_deck(mini_cards))
    assert [n.key for n in notes] == [
        "intro",
        "principle/alpha/cloze",
        "principle/alpha/qa/what",
        "pillar/first",
        "principle/beta/cloze",
        "principle/beta/qa/how",
        "principle/gamma/cloze",
        "principle/gamma/qa/when",
        "pillar/second",
        "pillars",
    ]
    # Positions in essay order: slot 0 the introduction, one slot per pillar file, then
    # the deck overview; within a slot, 0, 1, 2, ...
    assert [(slot_of(n.position), n.position & (MAX_IN_SLOT - 1)) for n in notes] == [
        (0, 0), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2), (2, 3), (2, 4), (3, 0),
    ]  # fmt: skip
    assert [n.position for n in notes] == sorted(n.position for n in notes)
    alpha = notes[1]
    assert alpha.kind == CLOZE
    assert alpha.fields[0] == "Keep {{c1::calm}} and {{c2::carry on}} with the work."
    assert alpha.fields[2:4] == ("一、First pillar", "Alpha principle")
    assert alpha.fields[-1] == "mini/principle/alpha/cloze"
    assert alpha.tags == ("mini::first", "mini::first::alpha")
    assert alpha.clozes == ((1, "calm"), (2, "carry on"))
    assert alpha.card_ords == (0, 1)
    qa = notes[2]
    assert qa.kind == QA and qa.fields[:2] == ("What do you keep?", "calm")
    assert notes[3].fields[1] == "<ol><li>Alpha principle</li></ol>"
    assert notes[-1].fields[1] == "一、First pillar<br>二、Second pillar"


def test_guids_depend_on_ids_not_text(mini_cards: Path):
    before = {n.key: n.guid for n in generate_notes(load_deck(mini_cards))}
    pillar = mini_cards / "1-first.yaml"
    pillar.write_text(
        pillar.read_text().replace("Keep [[calm]]", "Stay [[calm]]").replace("Alpha", "Alef")
    )
    after = {n.key: n.guid for n in generate_notes(load_deck(mini_cards))}
    assert after == before
    assert len(set(before.values())) == len(before)


def test_guids_depend_on_deck_key(mini_cards: Path):
    before = {n.key: n.guid for n in generate_notes(load_deck(mini_cards))}
    deck_file = mini_cards / "deck.yaml"
    deck_file.write_text(deck_file.read_text().replace("key: mini", "key: other"))
    after = {n.key: n.guid for n in generate_notes(load_deck(mini_cards))}
    assert set(after.values()).isdisjoint(before.values())


def test_moving_a_principle_changes_tags_not_guid(mini_cards: Path):
    before = {n.key: n for n in generate_notes(load_deck(mini_cards))}
    first, second = mini_cards / "1-first.yaml", mini_cards / "2-second.yaml"
    data1, data2 = yaml.safe_load(first.read_text()), yaml.safe_load(second.read_text())
    data1["principles"].append(data2["principles"].pop())
    first.write_text(yaml.safe_dump(data1, allow_unicode=True))
    second.write_text(yaml.safe_dump(data2, allow_unicode=True))
    after = {n.key: n for n in generate_notes(load_deck(mini_cards))}
    gamma_b, gamma_a = before["principle/gamma/cloze"], after["principle/gamma/cloze"]
    assert gamma_a.guid == gamma_b.guid
    assert gamma_a.tags == ("mini::first", "mini::first::gamma")
    assert gamma_b.tags == ("mini::second", "mini::second::gamma")


def test_field_escaping_keeps_text_as_written():
    assert escape_field("a < b & {{c1::x}}\nnext") == (
        "a &lt; b &amp; &#123;&#123;c1::x&#125;&#125;<br>next"
    )
    assert cloze_field(parse_cloze("[[x::hint]] <y>")) == "{{c1::x::hint}} &lt;y&gt;"
    assert escape_field("[sound:x.mp3]") == "&#91;sound:x.mp3]"


def test_chinese_numerals():
    assert [chinese_numeral(n) for n in (1, 4, 10, 11, 15, 20, 42)] == [
        "一", "四", "十", "十一", "十五", "二十", "四十二",
    ]  # fmt: skip


def test_note_types_are_fixed():
    types = note_types()
    assert types[CLOZE].model_id == 2064603721
    assert types[QA].model_id == 1489188409
    assert types[CLOZE].fields == ("Text", "Extra", "Pillar", "Principle", "Key")
    assert types[QA].fields == ("Question", "Answer", "Extra", "Pillar", "Principle", "Key")
    for nt in types.values():
        assert "{{>" not in nt.templates[0].front + nt.templates[0].back
        assert "{{Pillar}}" in nt.templates[0].front and "{{Principle}}" in nt.templates[0].front
    # The TTS variant changes templates only, never the fields.
    assert note_types(tts=True)[CLOZE].fields_hash == types[CLOZE].fields_hash
    assert note_types(tts=True)[CLOZE].style_hash != types[CLOZE].style_hash


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("\\(x\\)", "\\<span></span>(x\\<span></span>)"),
        ("\\[y\\]", "\\<span></span>&#91;y\\<span></span>]"),
        ("a \\\\(b", "a \\\\<span></span>(b"),  # every backslash before a bracket
        ("ends in \\", "ends in \\<span></span>"),  # Anki may put ']' after a field
        ("\\{z\\} \\$ \\ plain", "\\&#123;z\\&#125; \\$ \\ plain"),  # not delimiters
    ],
)
def test_mathjax_delimiters_are_broken_by_an_empty_element(text: str, field: str):
    """Regression: \\( ... \\) and \\[ ... \\] in a field reached the card as written, and
    Anki's MathJax typeset them."""
    assert escape_field(text) == field
    assert typeset_by_mathjax(field) == []
    assert visible_text(field) == text


def test_the_deck_description_is_escaped_as_a_field(mini_cards: Path):
    deck = load_deck(mini_cards)
    deck = dataclasses.replace(deck, description="<img src=x onerror=alert(1)>\nline \\(2\\)")
    assert deck_description(deck) == (
        "&lt;img src=x onerror=alert(1)&gt;<br>line \\<span></span>(2\\<span></span>)"
    )


# The characters escape_field changes, and ones it leaves, densely.
_MARKUP = st.text(alphabet=st.sampled_from("ab中&<>{}[]()\\\r\n\"'#;$"))


def _reference_escape(text: str) -> str:
    """escape_field spelled out step by step, without its fast path."""
    escaped = html.escape(text, quote=False).replace("{", "&#123;").replace("}", "&#125;")
    escaped = escaped.replace("[", "&#91;")
    for bracket in ("(", ")", "]", "&#91;"):
        escaped = escaped.replace("\\" + bracket, "\\<span></span>" + bracket)
    if escaped.endswith("\\"):
        escaped += "<span></span>"
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


@given(_MARKUP)
def test_escape_field_is_its_reference_and_leaves_nothing_live(text: str):
    field = escape_field(text)
    assert field == _reference_escape(text)
    assert typeset_by_mathjax(field + "]") == []  # what Anki may put after a field
    assert "<" not in field.replace("<br>", "").replace("<span></span>", "")
    assert "{" not in field and "[" not in field
