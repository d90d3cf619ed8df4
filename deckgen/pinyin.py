"""The pinyin annotations some websites insert after Chinese characters: 務(wù).

One pattern for the whole package: `deckgen extract` removes these annotations from a
source document, and `deckgen check` warns about any left in the cards.
"""

from __future__ import annotations

import re

from deckgen.chinese import FULL_WIDTH_LEFT_PARENTHESIS as LEFT
from deckgen.chinese import FULL_WIDTH_RIGHT_PARENTHESIS as RIGHT
from deckgen.chinese import HAN

_TONE_MARKED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_LETTER = f"a-zA-Zü{_TONE_MARKED}"
# Group 1: the Han character; group 2: the parenthesised syllable with a tone mark,
# in ASCII or full-width parentheses: 務(wù), 務\uff08wù\uff09.
PINYIN_ANNOTATION = re.compile(
    rf"([{HAN}])"
    rf"([({LEFT}]\s*[{_PINYIN_LETTER}]*[{_TONE_MARKED}][{_PINYIN_LETTER}]*\s*[){RIGHT}])"
)


def strip_pinyin(text: str) -> tuple[str, int]:
    """The text without its annotations, and how many there were."""
    return PINYIN_ANNOTATION.subn(r"\1", text)
