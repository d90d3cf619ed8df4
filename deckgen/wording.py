"""What follows the deck's language: the words deckgen itself puts on cards and on the
preview page, and the cards' text-to-speech voice (their fonts: style.css, by the lang
attribute of the templates).

One entry per language deckgen knows (deckgen.language.LANGUAGES). Full-width
punctuation is written as escapes (\\uFF0C is the full-width comma), so that no editor or
tool can turn it into its ASCII look-alike unseen.
"""

from __future__ import annotations

from dataclasses import dataclass

from deckgen.language import SCRIPT_LANGUAGES, deck_language
from deckgen.model import Deck
from deckgen.script import Script


@dataclass(frozen=True)
class Wording:
    language: str  # the BCP 47 tag, as the cards' lang attribute
    voice: str  # Anki's TTS language for {{tts …}}
    # The question of a pillar's overview card; {heading} is its numbered title.
    pillar_question: str
    # Both sides of a retired note's cards; {tag} is the tag every retired note has.
    retired_notice: str
    # The preview page's labels.
    cloze: str
    question_answer: str
    front: str
    back: str
    night: str
    wide: str
    cards: str  # {n} cards
    notes: str  # {n} notes
    deck_overview: str
    retired: str  # the group of retired notes
    footer: str


WORDINGS: dict[str, Wording] = {
    "zh-Hant": Wording(
        language="zh-Hant",
        voice="zh_TW",
        pillar_question="\u300c{heading}\u300d\u5305\u542b\u54ea\u4e9b\u539f\u5247\uff1f",
        retired_notice=(
            "\u6b64\u7b46\u8a18\u5df2\u5f9e\u5361\u7d44\u4e2d\u79fb\u9664\uff0c"
            "\u53ef\u4ee5\u522a\u9664\u3002\u5728\u700f\u89bd\u5668\u4e2d\u641c\u5c0b "
            "tag:{tag} \u53ef\u627e\u5230\u6240\u6709\u5df2\u79fb\u9664\u7684\u7b46\u8a18\u3002"
        ),
        cloze="\u586b\u7a7a",
        question_answer="\u554f\u7b54",
        front="\u6b63\u9762",
        back="\u80cc\u9762",
        night="\u591c\u9593",
        wide="\u5bec\u7248",
        cards="{n} \u5f35\u5361\u7247",
        notes="{n} \u5247\u7b46\u8a18",
        deck_overview="\u6574\u9ad4",
        retired="\u5df2\u79fb\u9664",
        footer=(
            "\u5361\u7d44\u4e2d\u6bcf\u5f35\u5361\u7247\u7684\u6b63\u9762\u8207\u80cc\u9762"
            "\uff0c\u4ee5\u5361\u7d44\u81ea\u5df1\u7684\u7bc4\u672c\u8207\u6a23\u5f0f\u7e6a"
            "\u88fd\uff0c\u5982 Anki \u6240\u793a\u3002"
        ),
    ),
    "zh-Hans": Wording(
        language="zh-Hans",
        voice="zh_CN",
        pillar_question="\u201c{heading}\u201d\u5305\u542b\u54ea\u4e9b\u539f\u5219\uff1f",
        retired_notice=(
            "\u6b64\u7b14\u8bb0\u5df2\u4ece\u5361\u7ec4\u4e2d\u79fb\u9664\uff0c"
            "\u53ef\u4ee5\u5220\u9664\u3002\u5728\u6d4f\u89c8\u5668\u4e2d\u641c\u7d22 "
            "tag:{tag} \u53ef\u627e\u5230\u6240\u6709\u5df2\u79fb\u9664\u7684\u7b14\u8bb0\u3002"
        ),
        cloze="\u586b\u7a7a",
        question_answer="\u95ee\u7b54",
        front="\u6b63\u9762",
        back="\u80cc\u9762",
        night="\u591c\u95f4",
        wide="\u5bbd\u7248",
        cards="{n} \u5f20\u5361\u7247",
        notes="{n} \u6761\u7b14\u8bb0",
        deck_overview="\u6574\u4f53",
        retired="\u5df2\u79fb\u9664",
        footer=(
            "\u5361\u7ec4\u4e2d\u6bcf\u5f20\u5361\u7247\u7684\u6b63\u9762\u4e0e\u80cc\u9762"
            "\uff0c\u4ee5\u5361\u7ec4\u81ea\u5df1\u7684\u6a21\u677f\u4e0e\u6837\u5f0f\u7ed8"
            "\u5236\uff0c\u5982 Anki \u6240\u793a\u3002"
        ),
    ),
    "ja": Wording(
        language="ja",
        voice="ja_JP",
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
        cloze="\u7a74\u57cb\u3081",
        question_answer="\u4e00\u554f\u4e00\u7b54",
        front="\u8868\u9762",
        back="\u88cf\u9762",
        night="\u30ca\u30a4\u30c8",
        wide="\u30ef\u30a4\u30c9",
        cards="\u30ab\u30fc\u30c9 {n} \u679a",
        notes="\u30ce\u30fc\u30c8 {n} \u4ef6",
        deck_overview="\u30c7\u30c3\u30ad\u5168\u4f53",
        retired="\u524a\u9664\u6e08\u307f",
        footer=(
            "\u30c7\u30c3\u30ad\u306e\u3059\u3079\u3066\u306e\u30ab\u30fc\u30c9\u306e"
            "\u8868\u3068\u88cf\u3002Anki \u3068\u540c\u3058\u30c6\u30f3\u30d7\u30ec\u30fc"
            "\u30c8\u3068\u30b9\u30bf\u30a4\u30eb\u3067\u63cf\u3044\u3066\u3044\u307e\u3059\u3002"
        ),
    ),
    "en": Wording(
        language="en",
        voice="en_US",
        pillar_question="Which principles does \u201c{heading}\u201d include?",
        retired_notice=(
            "This note was removed from the deck and may be deleted. Search tag:{tag} in "
            "the browser to find every removed note."
        ),
        cloze="cloze",
        question_answer="question\u2013answer",
        front="front",
        back="back",
        night="night",
        wide="wide",
        cards="{n} cards",
        notes="{n} notes",
        deck_overview="deck overview",
        retired="retired",
        footer=(
            "Every card of the deck, front and back, drawn with the deck's own templates and "
            "style as Anki shows them."
        ),
    ),
}


def language_for(deck: Deck, script: Script | None = None) -> str:
    """The language a build writes the deck in: the deck's own (deckgen.language), but a
    Chinese deck built in a script (`--script`) is in that script's Chinese."""
    language = deck_language(deck)
    if script is not None and language.split("-")[0] == "zh":
        return SCRIPT_LANGUAGES[script]
    return language


def wording(language: str) -> Wording:
    return WORDINGS[language] if language in WORDINGS else WORDINGS["en"]
