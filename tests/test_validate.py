"""Validation details: exact positions inside every YAML scalar style, order, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckgen.checks import CODES
from deckgen.errors import Finding, Location, sort_findings
from deckgen.model import Checks
from deckgen.pinyin import PINYIN_ANNOTATION
from deckgen.rules import recall_length
from deckgen.validate import CHECK_SETTINGS, CHECKS_KEYS, load_deck, validate_folder
from tests.helpers import MINI_DECK, run_cli, write_cards

ALPHA_TEXT = "    text: Keep [[calm]] and [[carry on]] with the work.\n"
NEVER_CLOSED = "error: text of principle 'alpha': '[[' is never closed; end the phrase with ']]'"


def first_line_of_check() -> str:
    result = run_cli("check", "--cards", "cards")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output.splitlines()[0]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("    text: Keep [[calm and more.\n", "6:16", id="plain"),
        pytest.param("    text: 服務意識[[calm\n", "6:15", id="plain-cjk"),
        pytest.param("    text: Keep calm\n      and [[carry on.\n", "7:11", id="plain-two-lines"),
        pytest.param("    text: 'It''s [[calm'\n", "6:18", id="single-quoted"),
        pytest.param('    text: "Say \\"hi\\" [[calm"\n', "6:23", id="double-quoted"),
        pytest.param(
            '    text: "Keep calm\n      and [[carry on."\n', "7:11", id="double-two-lines"
        ),
        pytest.param(
            "    text: |\n      Keep [[calm]]\n      and [[carry on.\n", "8:11", id="literal"
        ),
        pytest.param(
            "    text: >-\n      Keep [[calm]]\n\n      and [[carry on.\n", "9:11", id="folded"
        ),
        pytest.param(
            "    text: |2\n        Keep [[calm]]\n        and [[carry\n", "8:13", id="indent"
        ),
        # An escape sequence YAML turns into another character cannot be traced back:
        # the message points at the start of the value.
        pytest.param('    text: "a\\tb [[c"\n', "6:11", id="escape-fallback"),
    ],
)
def test_cloze_error_points_at_the_mark_in_every_scalar_style(cards: Path, text: str, where: str):
    path = cards / "1-first.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(ALPHA_TEXT, text), encoding="utf-8")
    assert first_line_of_check() == f"cards/1-first.yaml:{where}: {NEVER_CLOSED}"


def test_positions_with_crlf_line_ends_and_a_byte_order_mark(cards: Path):
    path = cards / "1-first.yaml"
    text = path.read_text(encoding="utf-8").replace("[[carry on]]", "[[carry on")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert first_line_of_check() == f"cards/1-first.yaml:6:29: {NEVER_CLOSED}"


def test_warning_inside_a_folded_block_points_at_the_annotation(cards: Path):
    path = cards / "1-first.yaml"
    folded = "    text: >\n      Keep [[calm]] and\n      [[carry on]] with 事務(wù).\n"
    path.write_text(path.read_text(encoding="utf-8").replace(ALPHA_TEXT, folded), "utf-8")
    result = run_cli("check", "--cards", "cards")
    assert result.output.splitlines()[0] == (
        "cards/1-first.yaml:8:26: warning: leftover pinyin annotation '務(wù)' in text of "
        "principle 'alpha'; delete '(wù)' [leftover-pinyin]"
    )


def test_multi_deck_project_is_checked_deck_by_deck(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("10-b", "2-a"):
        write_cards(Path("cards") / name, MINI_DECK)
        deck = Path("cards") / name / "deck.yaml"
        text = deck.read_text().replace("[[skill]]", "[[skill")
        text = text.replace("key: mini", f"key: mini-{name}").replace("Mini deck", f"Deck {name}")
        deck.write_text(text, encoding="utf-8")
    result = run_cli("check", "--cards", "cards")
    assert result.output.splitlines() == [
        "cards/2-a/deck.yaml:4:44: error: introduction: '[[' is never closed; end the phrase "
        "with ']]'",
        "cards/10-b/deck.yaml:4:44: error: introduction: '[[' is never closed; end the phrase "
        "with ']]'",
        "Checked cards: 2 errors, 0 warnings.",
    ]
    assert result.exit_code == 1


def test_findings_sort_in_reading_order():
    def at(path: str, line: int = 0) -> Finding:
        return Finding(Location(path, line, 1), "error", "x")

    shuffled = [
        at("c/10-z.yaml", 1),
        at("c/deck.yaml", 9),
        at("c/2-y.yaml", 3),
        at("c"),
        at("c/2-y.yaml", 1),
        at("c/deck.yaml", 2),
    ]
    assert [(f.location.path, f.location.line) for f in sort_findings(shuffled)] == [
        ("c", 0),
        ("c/deck.yaml", 2),
        ("c/deck.yaml", 9),
        ("c/2-y.yaml", 1),
        ("c/2-y.yaml", 3),
        ("c/10-z.yaml", 1),
    ]


def test_load_deck_raises_with_every_error_and_returns_a_deck_otherwise(cards: Path):
    deck = load_deck(cards)
    assert [p.id for p in deck.pillars] == ["first", "second"]
    assert deck.checks == Checks()
    path = cards / "1-first.yaml"
    path.write_text(path.read_text().replace("id: alpha", "id: Alpha"), encoding="utf-8")
    v = validate_folder(cards)
    assert v.deck is None
    assert [str(f.location) for f in v.errors] == ["cards/1-first.yaml:4:9"]


def test_text_values_keep_the_raw_text_and_the_card_text(cards: Path):
    path = cards / "1-first.yaml"
    path.write_text(
        path.read_text().replace("answer: calm", "answer: '  cal\u0301m  '"), encoding="utf-8"
    )
    answers = [t for t in validate_folder(cards).texts if t.key == "answer"]
    assert answers[0].raw == "  cal\u0301m  "
    assert answers[0].value == "ca\u013am"
    assert answers[0].what == "question 'what' of principle 'alpha'"
    assert str(answers[0].location) == "cards/1-first.yaml:10:17"


def test_every_checks_setting_has_a_description_of_its_values():
    assert set(CHECK_SETTINGS) == CHECKS_KEYS
    assert CHECK_SETTINGS["answer_max_length"] == (
        "a whole number of at least 1, e.g. 'answer_max_length: 30'"
    )
    assert CHECK_SETTINGS["cloze_max_share"] == (
        "a share above 0 and at most 1, e.g. 'cloze_max_share: 0.6'"
    )
    assert CHECK_SETTINGS["clozes_max_per_note"] == (
        "a whole number of at least 1, e.g. 'clozes_max_per_note: 8'"
    )
    for switch in ("principle_needs_cloze", "principle_needs_question", "cjk_punctuation"):
        assert CHECK_SETTINGS[switch] == "true or false"
    for code in CODES:
        assert CHECK_SETTINGS[code] == f"true or false, e.g. '{code}: false'"


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("calm", 1),
        ("carry on, calmly!", 3),
        ("信心、決心和恒心", 7),
        ("用 Anki 複習 3 次", 6),
        ("한국어 ひらがな \uff21\uff22", 9),
        ("snake_case x²", 3),
        ("", 0),
    ],
)
def test_recall_length(text: str, length: int):
    assert recall_length(text) == length


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("服務(wù)工作", ["務(wù)"]),
        ("服務\uff08wù\uff09工作", ["務\uff08wù\uff09"]),  # full-width parentheses
        ("辦(bàn)公(gōng)", ["辦(bàn)", "公(gōng)"]),
        ("綠(lǜ)色", ["綠(lǜ)"]),
        ("𠀋( lǜ )", ["𠀋( lǜ )"]),
        ("服務(wu)工作", []),  # no tone mark: not an annotation
        ("Anki(ànki)", []),  # not after a Han character
        ("原則(一)", []),
    ],
)
def test_pinyin_annotation_pattern(text: str, found: list[str]):
    assert [m.group(0) for m in PINYIN_ANNOTATION.finditer(text)] == found


def test_a_text_value_starts_with_the_fields_of_where_it_is_written():
    """TextValue repeats Written's fields (named tuples inherit none): load.char_location
    reads either by these names."""
    from deckgen.load import Written
    from deckgen.validate import TextValue

    assert TextValue._fields[: len(Written._fields)] == Written._fields
