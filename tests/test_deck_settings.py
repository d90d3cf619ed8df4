"""A deck's own settings reach its cards, and only its cards: `language` (the cards' lang,
fonts, voice and deckgen's own words), `tts`, `subdecks`. Rendered by Anki, drawn by
Chromium, imported into real collections."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import drawn_font, launch_browser, render_deck
from tests.helpers import (
    FINANCE,
    MINI_DECK,
    SHIPPED_CARDS,
    TEA_DECK,
    TEA_NAME,
    import_apkg,
    run_cli,
    write_cards,
    write_doc,
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


def with_settings(files: dict[str, str], *lines: str) -> dict[str, str]:
    """A copy of a deck's files whose deck.yaml ends with `lines`."""
    copy = dict(files)
    copy["deck.yaml"] = files["deck.yaml"].rstrip() + "".join(f"\n        {ln}" for ln in lines)
    return copy


def voices(cards: list[Any]) -> set[str]:
    return {tag.lang for card in cards for tag in (*card.question_av, *card.answer_av)}


@pytest.fixture(scope="module")
def simplified_extracted(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """A Simplified document, extracted, built with --tts, rendered by Anki."""
    tmp = tmp_path_factory.mktemp("finance")
    out = tmp / "finance"
    assert run_cli("extract", write_doc(tmp, FINANCE, "finance.txt"), "-o", out).exit_code == 0
    return render_deck(out, "--tts")


@pytest.mark.anki
def test_a_simplified_deck_is_a_simplified_deck(simplified_extracted: list[Any]):
    for card in simplified_extracted:
        for side in (card.question, card.answer):
            assert 'lang="zh-Hans"' in side and 'lang="zh-Hant"' not in side
    assert voices(simplified_extracted) == {"zh_CN"}
    pillars = [c for c in simplified_extracted if c.key.startswith("finance/pillar/")]
    # deckgen's own words on the card are Simplified too, with the quotes of that script.
    assert all("\u201c" in c.fields["Question"] for c in pillars), pillars[0].fields


@pytest.mark.anki
def test_the_shipped_deck_built_in_simplified_is_simplified(tmp_path: Path):
    import shutil

    cards = tmp_path / "cards"
    shutil.copytree(SHIPPED_CARDS, cards)
    rendered = render_deck(cards, "--script", "simplified", "--tts")
    for card in rendered:
        assert 'lang="zh-Hans"' in card.question and 'lang="zh-Hans"' in card.answer
    assert voices(rendered) == {"zh_CN"}


def test_chromium_draws_a_simplified_card_with_a_simplified_font(
    simplified_extracted: list[Any], browser: Any
):
    card = next(c for c in simplified_extracted if c.is_cloze)
    lang, family, fonts = drawn_font(browser, card)
    assert lang == "zh-Hans"
    assert family == "Noto Sans CJK SC", fonts


def test_two_decks_keep_their_own_language_and_voice(tmp_path: Path, collection):
    tea = write_cards(tmp_path / "tea", with_settings(TEA_DECK, "tts: true"))
    mini = write_cards(tmp_path / "mini", MINI_DECK)  # English, no tts
    for folder in (tea, mini):
        result = run_cli("build", "--cards", folder, "-o", tmp_path / f"{folder.name}.apkg")
        assert result.exit_code == 0, result.output
        import_apkg(collection, tmp_path / f"{folder.name}.apkg")
    seen: dict[str, set[str]] = {"tea-craft": set(), "mini": set()}
    for cid in collection.find_cards(""):
        card = collection.get_card(cid)
        deck = card.note()["Key"].split("/")[0]
        lang = 'lang="zh-Hant"' if deck == "tea-craft" else 'lang="en"'
        assert lang in card.question() and lang in card.answer()
        seen[deck] |= {tag.lang for tag in card.answer_av_tags()}
    assert seen == {"tea-craft": {"zh_TW"}, "mini": set()}
    # The English deck's own words are English.
    (nid,) = collection.find_notes('"Key:mini/pillar/first"')
    assert (
        collection.get_note(nid)["Question"]
        == "Which principles does \u201c一、First pillar\u201d include?"
    )


@pytest.mark.anki
def test_tts_is_a_deck_setting_and_the_flags_override_it_for_one_build(tmp_path: Path):
    tea = write_cards(tmp_path / "tea", with_settings(TEA_DECK, "tts: true"))
    assert voices(render_deck(tea)) == {"zh_TW"}
    other = write_cards(tmp_path / "other", with_settings(TEA_DECK, "tts: true"))
    assert voices(render_deck(other, "--no-tts")) == set()
    plain = write_cards(tmp_path / "plain", TEA_DECK)
    assert voices(render_deck(plain)) == set()
    spoken = write_cards(tmp_path / "spoken", TEA_DECK)
    assert voices(render_deck(spoken, "--tts")) == {"zh_TW"}


def _decks_of_cards(collection) -> dict[str, str]:
    """Each card's note key and ordinal -> the name of the deck it is in."""
    found = {}
    for cid in collection.find_cards(""):
        card = collection.get_card(cid)
        found[f"{card.note()['Key']}#{card.ord}"] = collection.decks.name(card.did)
    return found


def test_subdecks_put_each_pillars_cards_in_a_deck_of_its_own(tmp_path: Path, collection):
    tea = write_cards(tmp_path / "tea", with_settings(TEA_DECK, "subdecks: true"))
    assert run_cli("build", "--cards", tea, "-o", tmp_path / "tea.apkg").exit_code == 0
    import_apkg(collection, tmp_path / "tea.apkg")
    where = _decks_of_cards(collection)
    water, steeping = (
        f"{TEA_NAME}::\u4e00\u3001\u7528\u6c34",
        f"{TEA_NAME}::\u4e8c\u3001\u6c96\u6ce1",
    )
    for card, deck in where.items():
        if "/principle/fresh-water/" in card or "/principle/right-temperature/" in card:
            assert deck == water, card
        elif "/principle/steep-time/" in card or "/principle/warm-pot/" in card:
            assert deck == steeping, card
        elif card.startswith(("tea-craft/intro#", "tea-craft/pillars#")):
            assert deck == TEA_NAME, card
    assert sorted(set(where.values())) == sorted([TEA_NAME, water, steeping])
    assert where["tea-craft/pillar/water#0"] == water


def test_subdecks_turned_on_later_take_new_cards_and_say_how_to_move_the_old(
    tmp_path: Path, collection
):
    tea = write_cards(tmp_path / "tea", TEA_DECK)
    assert run_cli("build", "--cards", tea, "-o", tmp_path / "v1.apkg").exit_code == 0
    import_apkg(collection, tmp_path / "v1.apkg")
    deck_yaml = tea / "deck.yaml"
    deck_yaml.write_text(
        deck_yaml.read_text(encoding="utf-8") + "subdecks: true\n", encoding="utf-8"
    )
    water = tea / "1-water.yaml"
    water.write_text(
        water.read_text(encoding="utf-8").replace(
            "\u4ee5\u514d\u6c34\u4e2d", "\u4ee5\u514d[[\u6c34\u4e2d]]"
        ),
        encoding="utf-8",
    )
    result = run_cli("build", "--cards", tea, "-o", tmp_path / "v2.apkg")
    assert result.exit_code == 0, result.output
    assert "the cards the learner has stay where they are (Anki never moves cards" in result.output
    assert "search tag:tea-craft::<pillar id>, select all, Change Deck" in result.output
    import_apkg(collection, tmp_path / "v2.apkg")
    where = _decks_of_cards(collection)
    assert (
        where["tea-craft/principle/fresh-water/cloze#3"] == f"{TEA_NAME}::\u4e00\u3001\u7528\u6c34"
    )
    assert where["tea-craft/principle/fresh-water/cloze#0"] == TEA_NAME


def test_the_preview_speaks_the_decks_language(tmp_path: Path):
    mini = write_cards(tmp_path / "mini", MINI_DECK)
    result = run_cli("preview", "--cards", mini, "-o", tmp_path / "en")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "en" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "<figcaption>front</figcaption>" in page and "\u6b63\u9762" not in page
    tea = write_cards(tmp_path / "tea", TEA_DECK)
    assert run_cli("preview", "--cards", tea, "-o", tmp_path / "zh").exit_code == 0
    page = (tmp_path / "zh" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hant">' in page
    assert "<figcaption>\u6b63\u9762</figcaption>" in page and ">front<" not in page
