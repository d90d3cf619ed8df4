"""Chinese text: numerals, character classes, punctuation, display width.

One module for what deckgen knows about written Chinese, used by extraction, the card
rules and the summaries alike, so that no two places spell a range or a punctuation
class differently.

Every full-width or look-alike character here is written as an escape (`"\\uFF0C"`,
never the character itself): an editor, a formatter or a copy through a web page can
silently turn a full-width comma into an ASCII one, and then the code would test for
`,` twice (it did: `_COMMAS = ",,"`). Han characters, which have no ASCII look-alike,
are written as themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache

# --- character classes (bodies of a regex `[...]`) --------------------------------------

# Han ideographs: the CJK Unified Ideographs and Extension A, the Compatibility
# Ideographs, and planes 2 and 3 (Extensions B to I, all ideographs).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"

# Chinese text for the purpose of punctuation: Han, bopomofo, the CJK symbols and
# punctuation block (。、「」〇 …), the CJK compatibility forms, and the full-width forms
# (U+FF01 to U+FF60: the full-width comma, question mark, …). Not kana or Hangul:
# Japanese and Korean follow other comma rules.
CJK = HAN + "\u3000-\u303f\u3100-\u312f\u31a0-\u31bf\ufe30-\ufe4f\uff01-\uff60\uffe0-\uffe6"

# What counts one unit each in `rules.recall_length` (a CJK character is a word):
# Han, kana, Hangul and every other wide East Asian character.
WIDE = (
    HAN + "\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\ua000-\ua4cf\uac00-\ud7a3"
    "\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
)


# Compiled on first use: a class of tens of thousands of code points takes milliseconds
# to compile, and most builds never ask (is_cjk only next to ASCII punctuation).
@cache
def _han_char() -> re.Pattern[str]:
    return re.compile(f"[{HAN}]")


@cache
def _cjk_char() -> re.Pattern[str]:
    return re.compile(f"[{CJK}]")


def is_han(ch: str) -> bool:
    """Whether `ch` (one character) is a Han ideograph."""
    return _han_char().match(ch) is not None


def is_cjk(ch: str) -> bool:
    """Whether `ch` is Chinese text (Han or CJK punctuation) for the punctuation rules."""
    return _cjk_char().match(ch) is not None


# The CJK Unified Ideographs block, every code point of it an ideograph (a letter: one
# recall unit each, tests/test_chinese.py); other Han blocks have unassigned code points.
UNIFIED_IDEOGRAPHS = "\u4e00-\u9fff"
_NOT_UNIFIED_RUN = re.compile(f"[^{UNIFIED_IDEOGRAPHS}]+")


def unified_ideograph_count(text: str) -> int:
    """How many characters of `text` are in the CJK Unified Ideographs block (a pass
    over the text's other runs, not a match per character)."""
    return len(_NOT_UNIFIED_RUN.sub("", text))


def is_han_word(word: str) -> bool:
    """Two or more Han characters and nothing else."""
    return len(word) >= 2 and all(is_han(c) for c in word)


# --- punctuation ------------------------------------------------------------------------

FULL_STOP = "\u3002"  # 。
ENUMERATION_COMMA = "\u3001"  # 、 between the items of a list
FULL_WIDTH_COMMA = "\uff0c"
FULL_WIDTH_QUESTION = "\uff1f"
FULL_WIDTH_EXCLAMATION = "\uff01"
FULL_WIDTH_COLON = "\uff1a"
FULL_WIDTH_SEMICOLON = "\uff1b"
IDEOGRAPHIC_SPACE = "\u3000"
FULL_WIDTH_LEFT_PARENTHESIS = "\uff08"
FULL_WIDTH_RIGHT_PARENTHESIS = "\uff09"

# Where a sentence ends: the ideographic full stop, full-width and ASCII ! and ?.
SENTENCE_ENDS = FULL_STOP + FULL_WIDTH_EXCLAMATION + FULL_WIDTH_QUESTION + "!?"
# Where a clause ends inside a sentence: the full-width comma and ','. Not 、, which
# joins the items of a list inside one clause (信心、決心和恒心): a title or an answer
# never ends there.
COMMAS = FULL_WIDTH_COMMA + ","
COLONS = FULL_WIDTH_COLON + ":"
SEMICOLONS = FULL_WIDTH_SEMICOLON + ";"
# Spaces a line or a title is stripped of (with the byte-order mark a file may start with).
SPACES = " \t\r" + IDEOGRAPHIC_SPACE + "\ufeff"

# Quotation marks of each script: corner brackets in Traditional, curly quotes in Simplified.
QUOTES = {
    "traditional": ("\u300c", "\u300d"),
    "simplified": ("\u201c", "\u201d"),
}

# ASCII punctuation that Chinese typesetting writes full-width.
FULL_WIDTH_OF = {
    ",": FULL_WIDTH_COMMA,
    "?": FULL_WIDTH_QUESTION,
    "!": FULL_WIDTH_EXCLAMATION,
    ":": FULL_WIDTH_COLON,
    ";": FULL_WIDTH_SEMICOLON,
}
_ASCII_RUN = re.compile("[,?!:;]+")
# Whether a text has any of them at all: the cheap test before `ascii_punctuation_in_cjk`.
find_ascii_punctuation = _ASCII_RUN.search
# Looked through to find a punctuation mark's neighbours: cloze brackets, and quotation
# marks, which Chinese text shares with Western text (curly and straight).
_TRANSPARENT = "[]\"'\u2018\u2019\u201c\u201d"


def ascii_punctuation_in_cjk(text: str) -> Iterator[tuple[int, str]]:
    """Each run of ASCII `, ? ! : ;` next to Chinese text: (offset, run).

    A run is next to Chinese text when the character before or after it is Han or CJK
    punctuation, looking through cloze brackets (`[[價值觀]],[[苦樂觀]]`) and quotation
    marks. A `::` is the hint separator of a cloze (`[[phrase::hint]]`), not punctuation.
    """
    for match in _ASCII_RUN.finditer(text):
        run = match.group(0)
        if "::" in run:
            continue
        before, after = match.start() - 1, match.end()
        while before >= 0 and text[before] in _TRANSPARENT:
            before -= 1
        while after < len(text) and text[after] in _TRANSPARENT:
            after += 1
        if (before >= 0 and is_cjk(text[before])) or (after < len(text) and is_cjk(text[after])):
            yield match.start(), run


def full_width(run: str) -> str:
    """`run` of ASCII punctuation in its full-width forms."""
    return "".join(FULL_WIDTH_OF[ch] for ch in run)


def fix_cjk_punctuation(text: str) -> str:
    """`text` with every ASCII `, ? ! : ;` next to Chinese text made full-width.

    Each replacement is one character for one, so offsets into the text stay valid.
    """
    out = list(text)
    for offset, run in ascii_punctuation_in_cjk(text):
        out[offset : offset + len(run)] = full_width(run)
    return "".join(out)


# --- numerals ---------------------------------------------------------------------------

NUMERAL_CHARS = "一二三四五六七八九十〇零两百"
_NUMERALS = "零一二三四五六七八九"
_UNITS = ("", "十", "百", "千")
_DIGITS = {ch: i for i, ch in enumerate("一二三四五六七八九", start=1)}


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 15 -> 十五, 42 -> 四十二, 105 -> 一百零五, 12000 -> 一萬二千."""
    if n >= 10_000:
        high, low = divmod(n, 10_000)
        head = chinese_numeral(high) + "萬"
        if not low:
            return head
        return head + ("零" if low < 1000 else "") + _below_ten_thousand(low)
    text = _below_ten_thousand(n) or _NUMERALS[0]
    return text[1:] if 10 <= n < 20 else text  # 十五, not 一十五


def _below_ten_thousand(n: int) -> str:
    out: list[str] = []
    zero = False
    digits = str(n)
    for i, digit in enumerate(digits):
        if digit == "0":
            zero = True
            continue
        if zero and out:
            out.append(_NUMERALS[0])
        zero = False
        out.append(_NUMERALS[int(digit)] + _UNITS[len(digits) - 1 - i])
    return "".join(out)


def parse_numeral(text: str) -> int | None:
    """一 -> 1, 十 -> 10, 十一 -> 11, 二十 -> 20, 九十九 -> 99; None for anything else."""
    if text in _DIGITS:
        return _DIGITS[text]
    tens, ten, ones = text.partition("十")
    if not ten or "十" in ones:
        return None
    if (tens and tens not in _DIGITS) or (ones and ones not in _DIGITS):
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


# --- layout -----------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: two for a wide or full-width character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
