"""deckgen/language.py: the deck's language, written in deck.yaml or detected."""

from __future__ import annotations

import dataclasses

import pytest

from deckgen.language import LANGUAGE_TAG, LANGUAGES, deck_language, detect_language
from deckgen.validate import load_deck
from tests.helpers import SHIPPED_CARDS


@pytest.mark.parametrize(
    ("texts", "language"),
    [
        (["辦公室工作人員要樹立服務意識。"], "zh-Hant"),
        (["办公室工作人员要树立服务意识。"], "zh-Hans"),
        (["事務所の仕事はサービスです。"], "ja"),
        (["Keep calm and carry on."], "en"),
        (["服務領導", "Keep calm"], "zh-Hant"),
        (["一二三"], "zh-Hant"),  # no character tells the scripts apart: Traditional
        ([], "en"),
    ],
)
def test_detect_language(texts: list[str], language: str):
    assert detect_language(texts) == language


def test_a_written_language_wins_over_the_detected_one():
    deck = dataclasses.replace(load_deck(SHIPPED_CARDS), language=None)
    assert deck_language(deck) == "zh-Hant"  # detected: the shipped cards are Traditional
    assert deck_language(dataclasses.replace(deck, language="zh-Hans")) == "zh-Hans"


def test_the_known_languages_are_well_formed_tags():
    assert LANGUAGES == ("zh-Hant", "zh-Hans", "en", "ja")
    assert all(LANGUAGE_TAG.match(tag) for tag in LANGUAGES)
    for tag in ("zh-Hant-TW", "en-US", "sl-rozaj", "es-419"):
        assert LANGUAGE_TAG.match(tag), tag
    for tag in ("Chinese", "zh_TW", "zh-", "z", "zh-Hant-", "中文"):
        assert not LANGUAGE_TAG.match(tag), tag
