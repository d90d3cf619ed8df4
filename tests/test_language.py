"""deckgen/language.py: the deck's language, written in deck.yaml or detected."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

import pytest

from deckgen.language import LANGUAGE_TAG, LANGUAGES, deck_language, detect_language
from deckgen.validate import load_deck
from tests.helpers import SHIPPED_CARDS, build, edit, write_cards


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


def _built_languages(apkg: Path) -> set[str]:
    """The `lang` attributes of the package's note types."""
    with zipfile.ZipFile(apkg) as z:
        data = z.read("collection.anki2")
    db = apkg.with_suffix(".anki2")
    db.write_bytes(data)
    with closing(sqlite3.connect(db)) as conn:
        models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    found = set()
    for model in models.values():
        for template in model["tmpls"]:
            found.update(re.findall(r'lang="([^"]+)"', template["qfmt"] + template["afmt"]))
    return found


def test_a_rebuild_remembers_the_detected_language_until_its_texts_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache: Path
):
    import deckgen.context

    calls: list[list[str]] = []

    def spy(texts: list[str]) -> str:
        calls.append(texts)
        return detect_language(texts)

    monkeypatch.setattr(deckgen.context, "detect_language", spy)
    # A Simplified deck without `language:`: only its script tells.
    cards = write_cards(
        tmp_path / "cards",
        {
            "deck.yaml": (
                "key: plain\nname: \u529e\u516c\nintroduction: \u529e\u516c\u5ba4\n"
                "question: \u6709\u54ea\u4e9b\uff1f\n"
            ),
            "1-one.yaml": (
                "id: one\ntitle: \u670d\u52a1\u610f\u8bc6\nprinciples:\n"
                "  - id: a\n    title: \u4e3a\u4eba\u6c11\u670d\u52a1\n"
                "    text: \u8981[[\u6811\u7acb]]\u670d\u52a1\u610f\u8bc6\u3002\n"
            ),
        },
    )
    out = tmp_path / "plain.apkg"
    bad = cards / "2-bad.yaml"
    bad.write_text("id: Bad Id\ntitle: \u574f\n", encoding="utf-8")
    assert build(cards, out, ok=False).exit_code == 1
    assert len(calls) == 1 and not (private_cache / "deckgen" / "languages").exists()
    bad.unlink()  # a build that fails remembers nothing
    build(cards, out)
    assert len(calls) == 2 and _built_languages(out) == {"zh-Hans"}
    calls.clear()
    calls.append([])  # counted from here on as if that build were the first
    edit(cards / "1-one.yaml", "\u8981[[", "\u8981\u5148[[")  # inside the sample
    build(cards, out)
    assert len(calls) == 2  # other texts: detected again
    edit(cards / "1-one.yaml", "\u4e3a\u4eba\u6c11", "\u4e3a\u7fa4\u4f17")
    edit(cards / "1-one.yaml", "\u8981\u5148[[", "\u8981[[")
    edit(cards / "1-one.yaml", "\u4e3a\u7fa4\u4f17", "\u4e3a\u4eba\u6c11")  # back as first built
    build(cards, out)
    assert len(calls) == 2 and _built_languages(out) == {"zh-Hans"}  # remembered
    # A remembered value that is no language deckgen knows is detected again.
    memos = list((private_cache / "deckgen" / "languages").iterdir())
    assert memos
    for memo in memos:
        memo.write_text("klingon\n", encoding="utf-8")
    other = tmp_path / "other.apkg"  # no build of it to be up to date with: built
    build(cards, other)
    assert len(calls) == 3 and _built_languages(other) == {"zh-Hans"}
