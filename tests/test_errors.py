"""How messages show user text: `quoted` and `visible` (deckgen.errors)."""

from __future__ import annotations

import pytest

from deckgen.errors import quoted, visible


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("plain text 服務意識 😀", "plain text 服務意識 😀", id="printable"),
        pytest.param("a\u200bb", "a\\u200bb", id="zero-width-space"),
        pytest.param("\ufeffkey", "\\ufeffkey", id="bom"),
        pytest.param("abc\u202edef", "abc\\u202edef", id="bidi-override"),
        pytest.param("x\u2066y\u2069", "x\\u2066y\\u2069", id="bidi-isolates"),
        pytest.param(
            "a\x00b\x07c\x1bd\x7fe\x85f\x9f",
            "a\\u0000b\\u0007c\\u001bd\\u007fe\\u0085f\\u009f",
            id="c0-c1",
        ),
        pytest.param("tab\there\nnext\rcr", "tab\\there\\nnext\\rcr", id="short-escapes"),
        pytest.param("no\u00a0break\u3000wide", "no\\u00a0break\\u3000wide", id="other-spaces"),
        pytest.param("line\u2028para\u2029", "line\\u2028para\\u2029", id="separators"),
        pytest.param("tag\U000e0041", "tag\\U000e0041", id="astral-format"),
        pytest.param("lone\ud800", "lone\\ud800", id="surrogate"),
        pytest.param("9-\udcff.yaml", "9-\\xff.yaml", id="undecodable-byte"),
        pytest.param("private\ue000", "private\\ue000", id="private-use"),
    ],
)
def test_visible_escapes_every_invisible_character(text: str, shown: str):
    assert visible(text) == shown


def test_quoted_puts_the_visible_text_in_single_quotes():
    assert quoted("ti\u200btle") == "'ti\\u200btle'"
    assert quoted("") == "''"
