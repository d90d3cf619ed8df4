"""Small helpers shared by tests (not fixtures)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

from deckgen.chinese import fix_cjk_punctuation

# A Han character followed by a parenthesised, tone-marked pinyin syllable: 務(wù).
PINYIN_ANNOTATION = re.compile(
    r"[\u3400-\u9fff]\([a-zA-Züāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]*"
    r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ][a-zA-Züāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]*\)"
)


def visible_text(html: str) -> str:
    """What a person reads: tags and the <style> block removed, entities decoded."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", "", html))


# The rules a deck file's comment may list beside its corrections (`#   rule: NAME (...)`).
CORRECTION_RULES: dict[str, Callable[[str], str]] = {"cjk-punctuation": fix_cjk_punctuation}


def listed_corrections(deck_file: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """The corrections of the seed a deck file lists in its comment: the word corrections
    (`#   原文 -> 改正 (...)`, as (seed text, fixed text)) and the rules over every text
    (`#   rule: cjk-punctuation (...)`, by name)."""
    pairs, rules = [], []
    for line in deck_file.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"#\s+(\S+) -> (\S+) \(", line):
            pairs.append((m.group(1), m.group(2)))
        elif m := re.match(r"#\s+rule: (\S+) \(", line):
            assert m.group(1) in CORRECTION_RULES, f"unknown correction rule {m.group(1)!r}"
            rules.append(m.group(1))
    return pairs, rules


def apply_rules(text: str, rules: list[str]) -> str:
    for name in rules:
        text = CORRECTION_RULES[name](text)
    return text


def extract_and_import(source: Path, out: Path, collection: object, *extra: str) -> str:
    """`deckgen extract SOURCE -o OUT`, then `deckgen check`, `deckgen build` and an import
    of the package into `collection`, each of which must succeed; extract's output."""
    from deckgen.generate import generate_notes
    from deckgen.validate import load_deck
    from tests.conftest import import_apkg, run_cli

    extracted = run_cli("extract", source, "-o", out, *extra)
    assert extracted.exit_code == 0, extracted.output
    checked = run_cli("check", "--cards", out)
    assert checked.exit_code == 0, checked.output
    assert ": 0 errors," in checked.output
    apkg = out.parent / f"{out.name}.apkg"
    built = run_cli("build", "--cards", out, "-o", apkg)
    assert built.exit_code == 0, built.output
    log = import_apkg(collection, apkg)
    notes = generate_notes(load_deck(out))
    assert (len(log.new), len(log.conflicting)) == (len(notes), 0)  # type: ignore[attr-defined]
    return extracted.output


# A deck unlike the seed: another topic, full-width punctuation throughout (written as
# escapes: \uFF0C is the full-width comma, \uFF1F the question mark, \u3002 the full stop).
TEA_DECK = {
    "deck.yaml": """
        key: tea-craft
        name: \u6ce1\u8336\u4e4b\u9053
        description: \u6ce1\u597d\u4e00\u58fa\u8336\u7684\u8981\u9ede\u3002
        introduction: \u6ce1\u8336\u8b1b\u7a76[[\u6c34\u6eab]]\u8207[[\u6642\u9593]]\u3002
        question: \u6ce1\u8336\u4e4b\u9053\u7684\u5169\u500b\u65b9\u9762\u662f\u4ec0\u9ebc\uff1f
        """,
    "1-water.yaml": """
        # The water: comments like this one stay where they are.
        id: water
        title: \u7528\u6c34
        principles:
          - id: fresh-water   # a comment after an id
            title: \u6c34\u8981\u65b0\u9bae
            text: \u6ce1\u8336\u7528\u6c34\u8981[[\u65b0\u9bae]]\uff0c\u4e0d\u53ef\u53cd\u8986[[\u716e\u6cb8]]\uff0c\u4ee5\u514d\u6c34\u4e2d\u5931\u53bb[[\u7a7a\u6c23]]\u3002
            questions:
              - id: why-fresh
                question: \u70ba\u4ec0\u9ebc\u4e0d\u53ef\u53cd\u8986\u716e\u6cb8\uff1f
                answer: \u6c34\u6703\u5931\u53bb\u7a7a\u6c23
          - id: right-temperature
            title: \u6c34\u6eab\u5408\u5b9c
            text: \u7da0\u8336\u5b9c\u7528[[\u516b\u5341\u5ea6]]\u5de6\u53f3\u7684\u6c34\uff0c\u7d05\u8336\u5b9c\u7528[[\u6cb8\u6c34]]\u3002
            questions:
              - id: green-tea
                question: \u7da0\u8336\u5b9c\u7528\u5e7e\u5ea6\u7684\u6c34\uff1f
                answer: \u516b\u5341\u5ea6\u5de6\u53f3
        """,
    "2-steeping.yaml": """
        id: steeping
        title: \u6c96\u6ce1
        principles:
          - id: steep-time
            title: \u638c\u63e1\u6642\u9593
            text: \u7b2c\u4e00\u6ce1\u7d04[[\u4e09\u5341\u79d2]]\uff0c\u4e4b\u5f8c\u6bcf\u6ce1[[\u5ef6\u9577]]\u5341\u79d2\u3002
            questions:
              - id: first-steep
                question: \u7b2c\u4e00\u6ce1\u7d04\u591a\u4e45\uff1f
                answer: \u4e09\u5341\u79d2
          - id: warm-pot
            title: \u6eab\u58fa
            text: \u6ce1\u8336\u524d\u5148\u7528\u71b1\u6c34[[\u6eab\u58fa]]\uff0c\u8336\u9999\u624d\u80fd[[\u767c\u6563]]\u3002
            questions:
              - id: why-warm
                question: \u70ba\u4ec0\u9ebc\u8981\u5148\u6eab\u58fa\uff1f
                answer: \u8b93\u8336\u9999\u767c\u6563
        """,
}
TEA_NAME = "\u6ce1\u8336\u4e4b\u9053"


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
