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
