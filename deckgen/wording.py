"""The words deckgen itself puts on cards, in the deck's language.

Full-width punctuation is written as escapes (\\uFF0C is the full-width comma), so that no
editor or tool can turn it into its ASCII look-alike unseen.
"""

from __future__ import annotations

from dataclasses import dataclass

from deckgen.model import Deck

DEFAULT_LANGUAGE = "zh-Hant"


@dataclass(frozen=True)
class Wording:
    # The question of a pillar's overview card; {heading} is its numbered title.
    pillar_question: str
    # Both sides of a retired note's cards; {tag} is the tag every retired note has.
    retired_notice: str


WORDINGS: dict[str, Wording] = {
    "zh-Hant": Wording(
        pillar_question="\u300c{heading}\u300d\u5305\u542b\u54ea\u4e9b\u539f\u5247\uff1f",
        retired_notice=(
            "\u6b64\u7b46\u8a18\u5df2\u5f9e\u5361\u7d44\u4e2d\u79fb\u9664\uff0c"
            "\u53ef\u4ee5\u522a\u9664\u3002\u5728\u700f\u89bd\u5668\u4e2d\u641c\u5c0b "
            "tag:{tag} \u53ef\u627e\u5230\u6240\u6709\u5df2\u79fb\u9664\u7684\u7b46\u8a18\u3002"
        ),
    ),
    "zh-Hans": Wording(
        pillar_question="\u201c{heading}\u201d\u5305\u542b\u54ea\u4e9b\u539f\u5219\uff1f",
        retired_notice=(
            "\u6b64\u7b14\u8bb0\u5df2\u4ece\u5361\u7ec4\u4e2d\u79fb\u9664\uff0c"
            "\u53ef\u4ee5\u5220\u9664\u3002\u5728\u6d4f\u89c8\u5668\u4e2d\u641c\u7d22 "
            "tag:{tag} \u53ef\u627e\u5230\u6240\u6709\u5df2\u79fb\u9664\u7684\u7b14\u8bb0\u3002"
        ),
    ),
    "en": Wording(
        pillar_question="Which principles does \u201c{heading}\u201d include?",
        retired_notice=(
            "This note was removed from the deck and may be deleted. Search tag:{tag} in "
            "the browser to find every removed note."
        ),
    ),
    "ja": Wording(
        pillar_question=(
            "\u300c{heading}\u300d\u306b\u306f\u3069\u306e\u539f\u5247\u304c"
            "\u542b\u307e\u308c\u307e\u3059\u304b\uff1f"
        ),
        retired_notice=(
            "\u3053\u306e\u30ce\u30fc\u30c8\u306f\u30c7\u30c3\u30ad\u304b\u3089"
            "\u524a\u9664\u3055\u308c\u307e\u3057\u305f\u3002\u524a\u9664\u3057\u3066"
            "\u304b\u307e\u3044\u307e\u305b\u3093\u3002\u30d6\u30e9\u30a6\u30b6\u3067 "
            "tag:{tag} \u3092\u691c\u7d22\u3059\u308b\u3068\u3001\u524a\u9664\u3055\u308c\u305f"
            "\u30ce\u30fc\u30c8\u3092\u3059\u3079\u3066\u8868\u793a\u3067\u304d\u307e\u3059\u3002"
        ),
    ),
}


def deck_language(deck: Deck) -> str:
    """The deck's language tag (BCP 47)."""
    language = getattr(deck, "language", None)
    return language if isinstance(language, str) and language else DEFAULT_LANGUAGE


def wording(deck: Deck) -> Wording:
    language = deck_language(deck)
    if language in WORDINGS:
        return WORDINGS[language]
    base = language.split("-", 1)[0]
    return WORDINGS.get(base, WORDINGS["en"])
