"""Everything the tests share that is not a fixture: where things are, the small decks and
documents, running and building through the real CLI, editing cards, real Anki collections,
what a learner reads on a card, and the JSON Schemas.

Fixtures live in conftest.py, which no test module imports (tests/test_suite.py checks it):
a test imports what it uses from here, or from tests/browser.py for headless Chromium.
Every full-width or look-alike character is written as an escape (tests/test_chinese.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from functools import cache
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner, Result

from deckgen.chinese import fix_cjk_punctuation
from deckgen.cli import cli

if TYPE_CHECKING:
    from anki.collection import Collection, ImportLogWithChanges

# --- where things are ------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CARDS = ROOT / "cards"
SHIPPED_NAME = "\u8fa6\u516c\u5ba4\u670d\u52d9\u5de5\u4f5c"  # the shipped deck's name in Anki
SCHEMAS = ROOT / "schemas"
# Release 0.1.0's package and lock, as a learner of that release has them.
RELEASE = ROOT / "tests" / "fixtures" / "release-0.1.0"
# The seed essay lives in shared/ beside the checkout (as in CI), not in the repository.
SEED = ROOT.parent / "shared" / "seed" / "000_a1ddf1d21b40ffd2.txt"


def require_seed(path: Path = SEED) -> Path:
    """The seed essay's path. Without it a test is skipped, with the reason, except under CI
    (`CI` set), where it fails: CI must never pass by skipping the seed tests."""
    if not path.is_file():
        reason = f"the seed essay is not beside this checkout ({path})"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the seed tests: {reason}", pytrace=False)
        pytest.skip(reason)
    return path


# --- running the command line ------------------------------------------------------------


def run_cli(*args: str | Path) -> Result:
    """Run `deckgen ARGS` in-process, the way a user runs it."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def build(cards: Path, out: Path, *extra: str, ok: bool = True) -> Result:
    """`deckgen build --cards CARDS -o OUT EXTRA...`; with `ok`, a non-zero exit fails the test."""
    result = run_cli("build", "--cards", cards, "-o", out, *extra)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def modules_loaded(modules: tuple[str, ...], *args: str | Path) -> tuple[str, list[str]]:
    """Run `deckgen ARGS` in a fresh process (what a command loads is what it imports,
    not what the test process holds): its output, and which of `modules` it loaded."""
    probe = (
        "import json, sys\n"
        "from deckgen.cli import cli\n"
        f"try:\n    cli({[str(a) for a in args]!r})\n"
        "except SystemExit:\n    pass\n"
        f"print(json.dumps([m for m in {modules!r} if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    output, _, loaded = done.stdout.rstrip("\n").rpartition("\n")
    assert loaded.startswith("["), done.stdout + done.stderr
    found: list[str] = json.loads(loaded)
    return output + done.stderr, found


def write_cards(folder: Path, files: dict[str, str]) -> Path:
    """Write a small cards folder: {file name: YAML text (dedented)}."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


def edit(path: Path, old: str, new: str) -> None:
    """An author's edit: the first `old` in the file becomes `new` (and `old` must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def git(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git in `folder` as an author with a name and address (CI has none configured)."""
    return subprocess.run(
        ["git", "-c", "user.name=Author", "-c", "user.email=a@example.org", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=check,
    )


def write_doc(folder: Path, text: str, name: str = "doc.txt") -> Path:
    """A document for `deckgen extract`, written as UTF-8."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- small decks and documents -----------------------------------------------------------

MINI_DECK = {
    "deck.yaml": """
        key: mini
        name: Mini deck
        description: A small deck for tests.
        introduction: Serve with [[awareness]] and [[skill]].
        question: What are the two pillars?
        """,
    "1-first.yaml": """
        id: first
        title: First pillar
        principles:
          - id: alpha
            title: Alpha principle
            text: Keep [[calm]] and [[carry on]] with the work.
            questions:
              - id: what
                question: What do you keep?
                answer: calm
        """,
    "2-second.yaml": """
        id: second
        title: Second pillar
        principles:
          - id: beta
            title: Beta principle
            text: Write [[clearly]], speak [[plainly]].
            questions:
              - id: how
                question: How do you write?
                answer: clearly
          - id: gamma
            title: Gamma principle
            text: Plan [[ahead]] and finish [[early]].
            questions:
              - id: when
                question: When do you finish?
                answer: early
        """,
}

# Full-width punctuation, written as escapes: an editor that turns U+FF0C into ',' cannot
# touch "\uff0c", and the tests would not notice if it turned the documents into the seed.
C, Q, X, CO, SC = "\uff0c", "\uff1f", "\uff01", "\uff1a", "\uff1b"  # , ? ! : ; full-width

# A Simplified Chinese document for `deckgen extract`, with full-width punctuation and
# headings of every kind (numeral with \u3001, with a full-width colon, a title line alone).
FINANCE = f"""\
家庭理财的三个习惯
理财不是有钱人的专利{C}而是每个家庭都需要的生活技能。
养成好习惯{C}比追求高收益更重要。
一、记账{C}看清钱的去向
坚持每日记账。要把每一笔收入和支出都记录下来{C}每月底汇总分析{C}找出不必要的开销。
区分需要和想要{C}购物前先问自己是否真的需要{C}避免冲动消费和攀比心理。
二{CO}储蓄{C}先存后花
设立应急基金
要预留三到六个月的生活费作为应急基金{C}存放在随时可以取用的账户里。
工资到账先储蓄{X}要在发工资当天就把固定比例转入储蓄账户{C}剩下的钱再安排日常开支。
三、投资{C}稳健为先
不懂的产品不碰。要先学习基础的金融知识{C}了解风险和收益的关系{SC}再根据自己的承受能力选择产品。
分散投资降低风险{C}要把资金分配到不同类型的资产中{C}不把所有鸡蛋放在同一个篮子里。
"""


# --- real Anki collections ---------------------------------------------------------------


def import_apkg(col: Collection, apkg: Path) -> ImportLogWithChanges.Log:
    """Import with Anki's default options (as the desktop and AnkiDroid dialogs do)."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    return col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    ).log


def answer_all_cards(col: Collection, deck_name: str) -> int:
    """Answer every card of the deck once (Easy) with Anki's v3 scheduler."""
    from anki.scheduler.v3 import CardAnswer, Scheduler

    deck_id = col.decks.id_for_name(deck_name)
    assert deck_id is not None, f"no deck {deck_name!r} in the collection"
    col.decks.set_current(deck_id)
    # Study every new card today, whatever the deck options' daily limit.
    conf = col.decks.config_dict_for_deck_id(deck_id)
    conf["new"]["perDay"] = 9999
    conf["rev"]["perDay"] = 9999
    col.decks.update_config(conf)
    sched = col.sched
    assert isinstance(sched, Scheduler), "Anki's v3 scheduler"
    answered: set[int] = set()
    total = col.card_count()
    for _ in range(total * 4):
        queued = sched.get_queued_cards(fetch_limit=1).cards
        if not queued or len(answered) == total:
            break
        top = queued[0]
        card = col.get_card(top.card.id)
        card.start_timer()
        rating = CardAnswer.EASY  # graduate at once so each card is answered once
        sched.answer_card(sched.build_answer(card=card, states=top.states, rating=rating))
        answered.add(card.id)
    return len(answered)


def card_states(col: Collection) -> dict[int, tuple[int, int, int, int, Any]]:
    """Every card's id -> (note id, due, interval, reps, review-log entries)."""
    db = col.db
    assert db is not None, "an open collection"
    states: dict[int, tuple[int, int, int, int, Any]] = {}
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        revlog = db.scalar("select count() from revlog where cid = ?", cid)
        states[cid] = (card.nid, card.due, card.ivl, card.reps, revlog)
    return states


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


def extract_and_import(source: Path, out: Path, collection: Collection, *extra: str) -> str:
    """`deckgen extract SOURCE -o OUT`, then `deckgen check`, `deckgen build` and an import
    of the package into `collection`, each of which must succeed; extract's output."""
    from deckgen.generate import generate_notes
    from deckgen.validate import load_deck

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
    assert (len(log.new), len(log.conflicting)) == (len(notes), 0)
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


# --- the JSON Schemas of the cards format --------------------------------------------------


@cache
def _validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator

    from deckgen.schema import cards_schema

    schema = cards_schema(kind)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(instance: object, kind: str) -> list[str]:
    """Why `instance` does not conform to deckgen's `kind` schema (deck, pillar or cards),
    by the `jsonschema` package's Draft 2020-12 validator; [] if it does."""
    return [error.message for error in _validator(kind).iter_errors(instance)]


def schema_valid(instance: object, kind: str) -> bool:
    return not schema_errors(instance, kind)
