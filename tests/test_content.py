"""The shipped cards: the seed's text, clean, complete, well marked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deckgen.cloze import phrases, plain_text
from deckgen.generate import generate_notes
from deckgen.validate import SLUG, load_deck
from tests.conftest import SEED, SHIPPED_CARDS
from tests.helpers import PINYIN_ANNOTATION

NUMERALS = "一二三四"


def corrections() -> list[tuple[str, str]]:
    """The corrections of the seed listed in deck.yaml's comment: `原文 -> 改正 (...)`."""
    pairs = []
    for line in (SHIPPED_CARDS / "deck.yaml").read_text(encoding="utf-8").splitlines():
        m = re.match(r"#\s+(\S+) -> (\S+) \(", line)
        if m:
            pairs.append((m.group(1), m.group(2)))
    return pairs


def clean_seed_lines() -> list[str]:
    if not SEED.exists():
        pytest.skip(f"the seed essay is not beside this checkout ({SEED})")
    text = PINYIN_ANNOTATION.sub(lambda m: m.group(0)[0], SEED.read_text(encoding="utf-8"))
    for wrong, right in corrections():
        assert wrong in text, f"listed correction {wrong} -> {right} not found in the seed"
        text = text.replace(wrong, right, 1)
    return [line for line in text.splitlines() if line.strip()]


def test_seed_has_208_pinyin_annotations():
    if not SEED.exists():
        pytest.skip("the seed essay is not beside this checkout")
    assert len(PINYIN_ANNOTATION.findall(SEED.read_text(encoding="utf-8"))) == 208


def test_cards_are_the_seed_verbatim_apart_from_listed_corrections():
    lines = clean_seed_lines()
    deck = load_deck(SHIPPED_CARDS)
    expected = [plain_text(deck.introduction)]
    for i, pillar in enumerate(deck.pillars):
        expected.append(f"{NUMERALS[i]}、{pillar.title}")
        sep = "," if i == 2 else "。"
        expected.extend(p.title + sep + plain_text(p.text) for p in pillar.principles)
    assert expected == lines
    assert ("改委婉的要委婉", "該委婉的要委婉") in corrections()


def test_no_pinyin_annotation_anywhere_in_cards():
    for path in SHIPPED_CARDS.iterdir():
        assert not PINYIN_ANNOTATION.search(path.read_text(encoding="utf-8")), path


def test_four_pillars_fifteen_principles_with_ids_clozes_and_questions():
    deck = load_deck(SHIPPED_CARDS)
    assert [len(p.principles) for p in deck.pillars] == [3, 3, 3, 6]
    ids = [p.id for p in deck.pillars] + [pr.id for p in deck.pillars for pr in p.principles]
    assert len(set(ids)) == len(ids) == 19
    assert all(SLUG.match(i) for i in ids)
    for pillar in deck.pillars:
        for principle in pillar.principles:
            marked = phrases(principle.text)
            assert 2 <= len(marked) <= 5, principle.id
            assert len(set(marked)) == len(marked), principle.id
            assert principle.questions, principle.id
            assert all(len(q.answer) <= 20 for q in principle.questions), principle.id


def test_every_principle_gives_a_cloze_and_a_question_note():
    notes = generate_notes(load_deck(SHIPPED_CARDS))
    keys = {n.key for n in notes}
    deck = load_deck(SHIPPED_CARDS)
    for pillar in deck.pillars:
        assert f"pillar/{pillar.id}" in keys
        for p in pillar.principles:
            assert f"principle/{p.id}/cloze" in keys
            assert any(k.startswith(f"principle/{p.id}/qa/") for k in keys)
    assert "pillars" in keys


def test_shipped_lock_is_up_to_date(tmp_path: Path):
    """`deckgen build --frozen` passes on the committed lock."""
    from tests.conftest import run_cli

    result = run_cli("build", "--cards", SHIPPED_CARDS, "--frozen", "-o", tmp_path / "d.apkg")
    assert result.exit_code == 0, result.output
