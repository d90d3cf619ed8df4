"""The [[phrase]] markup."""

from __future__ import annotations

import pytest

from deckgen.cloze import Segment, parse_cloze, phrases, plain_text, to_markup
from deckgen.errors import ClozeSyntaxError


def test_parse_plain_and_marked():
    segs = parse_cloze("要樹立[[價值觀]]、[[苦樂觀::兩字]]。")
    assert segs == (
        Segment("要樹立"),
        Segment("價值觀", cloze=True),
        Segment("、"),
        Segment("苦樂觀", cloze=True, hint="兩字"),
        Segment("。"),
    )
    assert plain_text(segs) == "要樹立價值觀、苦樂觀。"
    assert phrases(segs) == ["價值觀", "苦樂觀"]
    assert to_markup(segs) == "要樹立[[價值觀]]、[[苦樂觀::兩字]]。"


def test_single_brackets_are_text():
    assert parse_cloze("a [b] c]") == (Segment("a [b] c]"),)


@pytest.mark.parametrize(
    ("text", "offset", "start"),
    [
        ("ab [[cd", 3, "'[[' is never closed"),
        ("ab ]] cd", 3, "']]' closes no cloze"),
        ("a [[b [[c]] d]]", 6, "cloze phrases cannot be nested"),
        ("a [[]] b", 2, "empty cloze"),
        ("a [[  ::hint]] b", 2, "empty cloze"),
    ],
)
def test_bad_markup(text: str, offset: int, start: str):
    with pytest.raises(ClozeSyntaxError) as info:
        parse_cloze(text)
    assert info.value.offset == offset
    assert info.value.message.startswith(start)
