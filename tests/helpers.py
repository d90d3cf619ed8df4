"""Small helpers shared by tests (not fixtures)."""

from __future__ import annotations

import re
from html import unescape

# A Han character followed by a parenthesised, tone-marked pinyin syllable: 務(wù).
PINYIN_ANNOTATION = re.compile(
    r"[\u3400-\u9fff]\([a-zA-Züāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]*"
    r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ][a-zA-Züāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]*\)"
)


def visible_text(html: str) -> str:
    """What a person reads: tags and the <style> block removed, entities decoded."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", "", html))
