"""deckgen/chinese.py: numerals, character classes, punctuation and display width.

Every full-width or look-alike character in this file is written as an escape, as in the
module itself: an editor that turns `\\uFF0C` into `,` cannot touch an escape.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from pathlib import Path

import pytest

from deckgen import chinese
from deckgen.chinese import (
    ascii_punctuation_in_cjk,
    chinese_numeral,
    display_width,
    fix_cjk_punctuation,
    is_cjk,
    is_han,
    parse_numeral,
)
from tests.helpers import ROOT

COMMA, PERIOD, QUESTION, COLON, SEMI, BANG = (
    "\uff0c",
    "\u3002",
    "\uff1f",
    "\uff1a",
    "\uff1b",
    "\uff01",
)


def test_punctuation_classes_hold_the_full_width_code_points():
    """`_SENTENCE_END = "。!?!?"` and `_COMMAS = ",,"` meant U+FF01, U+FF1F and U+FF0C."""
    assert [f"U+{ord(c):04X}" for c in chinese.SENTENCE_ENDS] == [
        "U+3002",
        "U+FF01",
        "U+FF1F",
        "U+0021",
        "U+003F",
    ]
    assert [ord(c) for c in chinese.COMMAS] == [0xFF0C, 0x2C]
    assert [ord(c) for c in chinese.COLONS] == [0xFF1A, 0x3A]
    assert [ord(c) for c in chinese.SEMICOLONS] == [0xFF1B, 0x3B]
    assert ord(chinese.ENUMERATION_COMMA) == 0x3001
    assert {k: ord(v) for k, v in chinese.FULL_WIDTH_OF.items()} == {
        ",": 0xFF0C,
        "?": 0xFF1F,
        "!": 0xFF01,
        ":": 0xFF1A,
        ";": 0xFF1B,
    }
    assert [tuple(map(ord, q)) for q in chinese.QUOTES.values()] == [
        (0x300C, 0x300D),
        (0x201C, 0x201D),
    ]
    for full in chinese.FULL_WIDTH_OF.values():  # each is the width variant of its ASCII
        assert unicodedata.east_asian_width(full) == "F"
        assert unicodedata.normalize("NFKC", full) in chinese.FULL_WIDTH_OF


@pytest.mark.parametrize(
    ("ch", "han"),
    [
        ("一", True),
        ("\u3400", True),  # Extension A
        ("\uf900", True),  # a compatibility ideograph
        ("\U00020000", True),  # Extension B
        ("\U00031350", True),  # Extension H
        ("\u3002", False),
        ("\uff0c", False),
        ("\u3042", False),  # hiragana
        ("\uac00", False),  # Hangul
        ("a", False),
    ],
)
def test_han_ranges(ch: str, han: bool):
    assert is_han(ch) is han


def test_cjk_is_han_and_chinese_punctuation_not_kana_or_hangul():
    for ch in ("中", "\u3002", "\u3001", "\u300c", "\uff0c", "\uff1f", "\u3105"):
        assert is_cjk(ch), f"U+{ord(ch):04X}"
    for ch in ("\u3042", "\u30a2", "\uac00", "a", "1", " ", ","):
        assert not is_cjk(ch), f"U+{ord(ch):04X}"


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("服務,工作", f"服務{COMMA}工作"),
        ("什麼?", f"什麼{QUESTION}"),
        ("真的?!", f"真的{QUESTION}{BANG}"),  # a run, whole
        ("要求:第一;第二", f"要求{COLON}第一{SEMI}第二"),
        ("\u300c服務\u300d,\u300c形象\u300d", f"\u300c服務\u300d{COMMA}\u300c形象\u300d"),
        ("[[價值觀]],[[苦樂觀]]", f"[[價值觀]]{COMMA}[[苦樂觀]]"),  # through cloze marks
        (
            "\u201c[[言多必失]]\u201d, 該說",
            f"\u201c[[言多必失]]\u201d{COMMA} 該說",
        ),  # through quotes
        ('He said "hi", then', 'He said "hi", then'),
        ("服務, and", f"服務{COMMA} and"),  # one side is enough
        ("[[服務::提示]]", "[[服務::提示]]"),  # a cloze hint, not a colon
        ("Keep calm, carry on?", "Keep calm, carry on?"),
        ("10:30 開會", "10:30 開會"),
        ("Anki, 卡片", "Anki, 卡片"),  # a space between
        ("", ""),
    ],
)
def test_fix_cjk_punctuation(text: str, fixed: str):
    assert fix_cjk_punctuation(text) == fixed
    changed = [i for i, (a, b) in enumerate(zip(text, fixed, strict=True)) if a != b]
    flagged = [at + k for at, run in ascii_punctuation_in_cjk(text) for k in range(len(run))]
    assert flagged == changed


def test_numerals_both_ways():
    assert [chinese_numeral(n) for n in (1, 4, 10, 11, 15, 20, 42, 99, 105)] == [
        "一",
        "四",
        "十",
        "十一",
        "十五",
        "二十",
        "四十二",
        "九十九",
        "一百零五",
    ]
    assert [parse_numeral(chinese_numeral(n)) for n in range(1, 100)] == list(range(1, 100))
    for bad in ("十十", "二二", "零", "一百", "十一十", ""):
        assert parse_numeral(bad) is None, bad


def test_display_width():
    assert display_width("abc") == 3
    assert display_width("一\u3001明確") == 8
    assert display_width(f"明{COMMA}") == 4
    assert display_width("\uff21") == 2  # a full-width Latin letter


# Characters an editor, a formatter or a web page may turn into ASCII (full-width forms,
# curly quotes, the ideographic and the no-break space): written as escapes in code.
LOOK_ALIKES = re.compile("[\uff01-\uff5e\u2018\u2019\u201c\u201d\u3000\u00a0]")


def _literal_look_alikes(path: Path) -> list[str]:
    """Look-alike characters written as themselves in a string or comment of `path`."""
    source = path.read_text(encoding="utf-8")
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        for match in LOOK_ALIKES.finditer(line):
            found.append(f"{path.relative_to(ROOT)}:{number}: U+{ord(match.group(0)):04X}")
    ast.parse(source)  # the file is Python, and the escapes in it are read as such
    return found


def test_no_full_width_or_look_alike_character_is_written_literally_in_code():
    """No editor can turn a full-width comma of the code into an ASCII one again."""
    paths = sorted(
        path for folder in ("deckgen", "tests", "bench") for path in (ROOT / folder).rglob("*.py")
    )
    assert len(paths) > 20
    found = [f for path in paths for f in _literal_look_alikes(path)]
    assert found == []


def test_every_unified_ideograph_is_one_recall_unit_and_counted():
    from deckgen.chinese import unified_ideograph_count
    from deckgen.rules import recall_length

    block = "".join(map(chr, range(0x4E00, 0xA000)))
    assert len(block) == 0x5200 and unified_ideograph_count(block) == len(block)
    assert recall_length(block) == len(block)  # each a letter: the rule's lower bound holds
    mixed = "a\u3400\u4e00 \uff0c\u9fff\U00020000.\u3007\u4e01b"
    assert unified_ideograph_count(mixed) == 3  # U+4E00, U+9FFF, U+4E01 alone
