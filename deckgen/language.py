"""The deck's language: a BCP 47 tag written as `language:` in deck.yaml, or detected.

deckgen knows the languages in LANGUAGES (the cards' `lang`, fonts and text-to-speech
voice follow it). A deck file that names no language gets the one its cards are written
in (`deck_language`): Traditional or Simplified Chinese by the script of their Han
characters, Japanese when they hold kana, English when they hold neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from deckgen.chinese import is_han
from deckgen.cloze import plain_text
from deckgen.model import Deck
from deckgen.script import Script, detect_script

LANGUAGES = ("zh-Hant", "zh-Hans", "en", "ja")
SCRIPT_LANGUAGES: dict[Script, str] = {"traditional": "zh-Hant", "simplified": "zh-Hans"}

# The shape of a BCP 47 language tag (RFC 5646): a language, then optionally a script,
# a region and variants, e.g. zh, zh-Hant, zh-Hant-TW, en-US, sl-rozaj.
LANGUAGE_TAG = re.compile(
    r"^[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"
)
# Well-formed tags deckgen does not take, and the one it takes instead.
_INSTEAD = {
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "zh-hant-tw": "zh-Hant",
    "zh-hant-hk": "zh-Hant",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hans-cn": "zh-Hans",
    "en-us": "en",
    "en-gb": "en",
    "ja-jp": "ja",
}
_KANA = re.compile("[\u3041-\u309f\u30a0-\u30ff]")
# Principles read to detect a deck's language: enough text to decide, bounded for big decks.
_SAMPLE_PRINCIPLES = 50


def known_language(tag: str) -> str | None:
    """The language of LANGUAGES that `tag` names (tags ignore case), or None."""
    for language in LANGUAGES:
        if tag.lower() == language.lower():
            return language
    return None


def language_instead(tag: str) -> str | None:
    """The known language to write instead of a well-formed tag deckgen does not take."""
    return _INSTEAD.get(tag.lower())


def detect_language(texts: Iterable[str]) -> str:
    """The language `texts` are written in: zh-Hant or zh-Hans by script, ja, or en."""
    texts = list(texts)
    kana = sum(len(_KANA.findall(text)) for text in texts)
    han = sum(is_han(ch) for text in texts for ch in text)
    if kana and kana * 10 >= han:  # Japanese writes kana among its kanji; Chinese none
        return "ja"
    if not han:
        return "en"
    return SCRIPT_LANGUAGES[detect_script(texts) or "traditional"]


def deck_language(deck: Deck) -> str:
    """The deck's language: `language:` of its deck file, else the one its cards are in."""
    if deck.language is not None:
        return deck.language
    return detect_language(_sample(deck))


def _sample(deck: Deck) -> Iterator[str]:
    yield deck.name
    yield plain_text(deck.introduction)
    yield deck.question
    read = 0
    for pillar in deck.pillars:
        yield pillar.title
        for principle in pillar.principles:
            if read == _SAMPLE_PRINCIPLES:
                return
            read += 1
            yield principle.title
            yield plain_text(principle.text)
            for question in principle.questions:
                yield question.question
                yield question.answer
