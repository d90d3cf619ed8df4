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


MATHJAX_DELIMITERS = ("\\(", "\\)", "\\[", "\\]")


def mathjax_strings(html: str) -> list[str]:
    """The strings in which MathJax 3 looks for delimiters (HTMLDomStrings): the text of
    the page split at every element but <br> (read as a line break), <wbr> and comments,
    entities decoded; <style> and <script> are skipped."""
    html = re.sub(r"<(style|script)\b.*?</\1\s*>", "<x>", html, flags=re.S | re.I)
    html = re.sub(r"<br\s*/?>", "\n", html, flags=re.I)
    html = re.sub(r"<wbr\s*/?>|<!--.*?-->", "", html, flags=re.S | re.I)
    return [unescape(part) for part in re.split(r"<[^>]*>", html)]


def typeset_by_mathjax(html: str) -> list[str]:
    """Every string of the page in which MathJax would find a delimiter."""
    return [s for s in mathjax_strings(html) if any(d in s for d in MATHJAX_DELIMITERS)]
