"""`deckgen check`: every error and every warning, with its exact message and position.

Each test breaks the small deck of conftest.MINI_DECK in one way and runs the real
command in the folder that holds `cards/`, so paths print as `cards/<file>`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result

from deckgen.checks import CODES
from deckgen.language import deck_language
from deckgen.rules import check_cards
from deckgen.validate import load_deck
from tests.helpers import ROOT, SHIPPED_CARDS, edit, run_cli

DECK, FIRST, SECOND = "cards/deck.yaml", "cards/1-first.yaml", "cards/2-second.yaml"


def check(*args: str) -> Result:
    result = run_cli("check", "--cards", "cards", *args)
    assert "Traceback" not in result.output
    return result


def plural(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def expect(*findings: str, strict: bool = False) -> None:
    """`deckgen check` prints exactly these findings and the total, with its exit status."""
    result = check(*(["--strict"] if strict else []))
    errors = sum(": error: " in f for f in findings)
    warnings = len(findings) - errors
    total = f"Checked cards: {plural(errors, 'error')}, {plural(warnings, 'warning')}"
    if strict and warnings and not errors:
        total += " (--strict: warnings fail the check)"
    assert result.output.splitlines() == [*findings, total + "."]
    assert result.exit_code == (1 if errors or (strict and warnings) else 0)


# --- a clean deck ------------------------------------------------------------------


def test_clean_deck_reports_nothing(cards: Path):
    expect()
    expect(strict=True)


# --- errors: files and YAML ----------------------------------------------------------


def test_yaml_syntax_error(cards: Path):
    edit(cards / "1-first.yaml", "title: First pillar", 'title: "First pillar')
    expect(
        f"{FIRST}:11:1: error: YAML syntax error: found unexpected end of stream "
        "(while scanning a quoted scalar)"
    )


def test_yaml_value_starting_with_a_cloze_needs_quotes(cards: Path):
    edit(cards / "1-first.yaml", "text: Keep [[calm]]", "text: [[Calm]] is kept")
    expect(
        f"{FIRST}:6:20: error: YAML syntax error: did not find expected key (while parsing a "
        "block mapping); a value that starts with '[[' is read as a YAML list: put the whole "
        "text in quotes, or use a block scalar ('|')"
    )


def test_value_that_is_only_a_cloze_is_a_list(cards: Path):
    edit(
        cards / "1-first.yaml",
        "text: Keep [[calm]] and [[carry on]] with the work.",
        "text: [[calm]]",
    )
    expect(
        f"{FIRST}:6:11: error: 'text' of principle 'alpha' must be text, not a list: a value "
        "that starts with '[' is read as a YAML list; put the whole text in quotes"
    )


def test_tab_indentation(cards: Path):
    edit(cards / "1-first.yaml", "    title: Alpha", "\ttitle: Alpha")
    expect(
        f"{FIRST}:5:1: error: YAML syntax error: found a tab character that violates "
        "indentation (while scanning a plain scalar); indent with spaces, not tabs"
    )


def test_colon_in_plain_text(cards: Path):
    edit(cards / "1-first.yaml", "answer: calm", "answer: calm: always")
    expect(
        f"{FIRST}:10:21: error: YAML syntax error: mapping values are not allowed in this "
        "context; a ': ' inside a value needs the whole value in quotes"
    )


def test_two_documents_in_one_file(cards: Path):
    (cards / "1-first.yaml").write_text("id: first\n---\nid: again\n", encoding="utf-8")
    expect(
        f"{FIRST}:2:1: error: YAML syntax error: but found another document (expected a "
        "single document in the stream)"
    )


def test_file_not_utf8(cards: Path):
    path = cards / "2-second.yaml"
    path.write_bytes(
        path.read_bytes().replace(b"Beta principle", "Bêta principle".encode("latin-1"))
    )
    expect(f"{SECOND}:5:13: error: file is not UTF-8 (byte 0xea); save it as UTF-8 in your editor")


def test_control_character(cards: Path):
    edit(cards / "2-second.yaml", "Gamma principle", "Gamma\x07principle")
    expect(
        f"{SECOND}:12:17: error: control character U+0007 is not allowed in a YAML file; delete it"
    )


def test_empty_pillar_file(cards: Path):
    (cards / "1-first.yaml").write_text("# nothing yet\n", encoding="utf-8")
    expect(f"{FIRST}:1:1: error: pillar file is empty; it needs id, title and principles")


def test_empty_deck_file(cards: Path):
    (cards / "deck.yaml").write_text("", encoding="utf-8")
    expect(f"{DECK}:1:1: error: deck file is empty; it needs key, name, introduction and question")


def test_file_that_is_not_a_mapping(cards: Path):
    (cards / "deck.yaml").write_text("- key: mini\n", encoding="utf-8")
    expect(f"{DECK}:1:1: error: the deck must be a mapping of 'key: value' lines, not a list")


# --- errors: the cards folder --------------------------------------------------------


def test_missing_cards_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    expect("cards: error: cards folder not found; pass --cards DIR or create it with a deck.yaml")


def test_empty_cards_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "notes.txt").write_text("not a card", encoding="utf-8")
    expect(
        "cards: error: the cards folder has no YAML files; create deck.yaml and one YAML file "
        "per pillar (see README: 'The cards format')"
    )


def test_no_deck_file(cards: Path):
    (cards / "deck.yaml").unlink()
    expect(
        "cards: error: no deck.yaml in the cards folder; every deck needs one "
        "(see README: 'The cards format')"
    )


def test_deck_file_named_yml(cards: Path):
    (cards / "deck.yaml").rename(cards / "deck.yml")
    expect("cards: error: no deck.yaml in the cards folder; rename deck.yml to deck.yaml")


def test_deck_without_pillar_files(cards: Path):
    (cards / "1-first.yaml").unlink()
    (cards / "2-second.yaml").unlink()
    expect(
        "cards: error: the deck has no pillar files; add one YAML file per pillar beside deck.yaml"
    )


def test_pillar_without_principles(cards: Path):
    (cards / "1-first.yaml").write_text(
        "id: first\ntitle: First pillar\nprinciples: []\n", encoding="utf-8"
    )
    expect(f"{FIRST}:3:13: error: pillar 'first' has no principles; add at least one")


# --- errors: keys, values, types -----------------------------------------------------


def test_unknown_key_with_did_you_mean(cards: Path):
    edit(cards / "1-first.yaml", "answer: calm", "anwser: calm")
    expect(
        f"{FIRST}:8:9: error: a question of principle 'alpha' is missing required key 'answer'",
        f"{FIRST}:10:9: error: unknown key 'anwser' in a question of principle 'alpha' "
        "(did you mean 'answer'?); expected one of: answer, id, question, renamed_from",
    )


def test_unknown_key_without_a_close_match(cards: Path):
    edit(cards / "deck.yaml", "name: Mini deck", "name: Mini deck\ncolour: red")
    expect(
        f"{DECK}:3:1: error: unknown key 'colour' in the deck; expected one of: checks, "
        "description, introduction, key, language, name, question, subdecks, tts"
    )


def test_duplicate_key(cards: Path):
    edit(cards / "2-second.yaml", "    title: Beta principle", "    title: Beta\n    title: Beta")
    expect(
        f"{SECOND}:6:5: error: duplicate key 'title' in a principle (first at line 5); "
        "remove one of them"
    )


def test_missing_required_field(cards: Path):
    edit(cards / "2-second.yaml", "    title: Gamma principle\n", "")
    expect(f"{SECOND}:11:5: error: a principle is missing required key 'title'")


def test_empty_required_field(cards: Path):
    edit(cards / "1-first.yaml", "question: What do you keep?", "question:")
    expect(
        f"{FIRST}:9:18: error: 'question' of question 'what' of principle 'alpha' is empty; "
        "write its text after 'question:'"
    )


def test_blank_required_field(cards: Path):
    edit(cards / "deck.yaml", "name: Mini deck", 'name: "  "')
    expect(f"{DECK}:2:7: error: 'name' of the deck is empty; write its text after 'name:'")


def test_number_where_text_is_expected(cards: Path):
    edit(cards / "1-first.yaml", "answer: calm", "answer: 42")
    expect(
        f"{FIRST}:10:17: error: 'answer' of question 'what' of principle 'alpha' must be text, "
        "not a number; put it in quotes"
    )


def test_mapping_where_a_list_is_expected(cards: Path):
    edit(
        cards / "1-first.yaml", "principles:\n  - id: alpha", "principles:\n  alpha:\n    id: alpha"
    )
    text = (cards / "1-first.yaml").read_text(encoding="utf-8")
    (cards / "1-first.yaml").write_text(
        text.replace("\n    title: Alpha", "\n    title: Alpha"), encoding="utf-8"
    )
    result = check()
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{FIRST}:4:3: error: 'principles' of pillar 'first' must be a list of '- ' items, "
        "not a mapping"
    )


def test_text_where_a_principle_is_expected(cards: Path):
    (cards / "1-first.yaml").write_text(
        "id: first\ntitle: First pillar\nprinciples:\n  - alpha\n", encoding="utf-8"
    )
    expect(f"{FIRST}:4:5: error: a principle must be a mapping of 'key: value' lines, not text")


def test_malformed_id_with_suggestion(cards: Path):
    edit(cards / "1-first.yaml", "id: alpha", "id: Alpha One")
    expect(
        f"{FIRST}:4:9: error: 'id' of the principle must be an ASCII kebab-case slug like "
        "'service-awareness' (e.g. 'alpha-one'), not 'Alpha One'"
    )


def test_malformed_id_without_suggestion(cards: Path):
    edit(cards / "deck.yaml", "key: mini", "key: 服務")
    expect(
        f"{DECK}:1:6: error: 'key' of the deck must be an ASCII kebab-case slug like "
        "'service-awareness', not '服務'"
    )


def test_duplicate_principle_id_across_files(cards: Path):
    edit(cards / "2-second.yaml", "id: gamma", "id: alpha")
    expect(
        f"{SECOND}:11:9: error: duplicate principle id 'alpha', also used at {FIRST}:4:9; "
        "ids must be unique: rename one of them"
    )


def test_duplicate_principle_id_within_a_file(cards: Path):
    edit(cards / "2-second.yaml", "id: gamma", "id: beta")
    expect(
        f"{SECOND}:11:9: error: duplicate principle id 'beta', also used at {SECOND}:4:9; "
        "ids must be unique: rename one of them"
    )


def test_duplicate_pillar_id(cards: Path):
    edit(cards / "2-second.yaml", "id: second", "id: first")
    expect(
        f"{SECOND}:1:5: error: duplicate pillar id 'first', also used at {FIRST}:1:5; "
        "ids must be unique: rename one of them"
    )


def test_duplicate_question_id_within_a_principle(cards: Path):
    edit(
        cards / "1-first.yaml",
        "        answer: calm",
        "        answer: calm\n      - id: what\n        question: Keep what?\n"
        "        answer: calm",
    )
    expect(
        f"{FIRST}:11:13: error: duplicate question (in principle 'alpha') id 'what', also "
        f"used at {FIRST}:8:13; ids must be unique: rename one of them"
    )


# --- errors: cloze markup ------------------------------------------------------------


def test_cloze_never_closed(cards: Path):
    edit(cards / "1-first.yaml", "[[carry on]]", "[[carry on")
    expect(
        f"{FIRST}:6:29: error: text of principle 'alpha': '[[' is never closed; end the "
        "phrase with ']]'"
    )


def test_cloze_closed_without_opening(cards: Path):
    edit(cards / "1-first.yaml", "[[carry on]]", "carry on]]")
    expect(
        f"{FIRST}:6:37: error: text of principle 'alpha': ']]' closes no cloze; open the "
        "phrase with '[[' or remove the ']]'"
    )


def test_nested_cloze(cards: Path):
    edit(cards / "1-first.yaml", "[[carry on]]", "[[carry [[on]]]]")
    expect(
        f"{FIRST}:6:37: error: text of principle 'alpha': cloze phrases cannot be nested; "
        "close the first '[[' before opening another"
    )


def test_empty_cloze(cards: Path):
    edit(cards / "deck.yaml", "[[skill]]", "[[]]")
    expect(f"{DECK}:4:44: error: introduction: empty cloze '[[]]'; put the phrase to hide inside")


def test_cloze_that_hides_nothing(cards: Path):
    edit(cards / "2-second.yaml", "[[clearly]], speak", "clearly[[,]] speak")
    expect(
        f"{SECOND}:6:24: error: text of principle 'beta': cloze '[[,]]' hides only spaces and "
        "punctuation, so its card tests nothing; mark a word or phrase instead"
    )


def test_cloze_error_inside_a_block_scalar_points_at_the_mark(cards: Path):
    edit(
        cards / "1-first.yaml",
        "text: Keep [[calm]] and [[carry on]] with the work.",
        "text: |\n      Keep [[calm]]\n      and [[carry on with the work.",
    )
    expect(
        f"{FIRST}:8:11: error: text of principle 'alpha': '[[' is never closed; end the "
        "phrase with ']]'"
    )


def test_checks_settings_are_validated(cards: Path):
    edit(
        cards / "deck.yaml",
        "question: What",
        "checks:\n  answer_max_lenght: 30\n  cloze_max_share: 2\n"
        "  principle_needs_cloze: maybe\nquestion: What",
    )
    expect(
        f"{DECK}:6:3: error: unknown key 'answer_max_lenght' in 'checks' of the deck (did you "
        "mean 'answer_max_length'?); expected one of: answer-too-long, answer_max_length, "
        "ascii-punctuation, cjk_punctuation, cloze-hides-sentence, cloze_max_share, "
        "clozes_max_per_note, leftover-pinyin, not-nfc, principle-without-cloze, "
        "principle-without-question, principle_needs_cloze, principle_needs_question, "
        "same-question, stray-cloze-marks, too-many-clozes",
        f"{DECK}:7:20: error: 'cloze_max_share' of checks must be a share above 0 and at most "
        "1, e.g. 'cloze_max_share: 0.6'",
        f"{DECK}:8:26: error: 'principle_needs_cloze' of checks must be true or false",
    )


# --- deck settings: language, tts, subdecks ----------------------------------------------


def test_deck_settings_are_read(cards: Path):
    edit(cards / "deck.yaml", "question: What", "language: zh-hans\ntts: true\nsubdecks: true\n"
         "question: What")  # fmt: skip
    expect()
    deck = load_deck(cards)
    assert (deck.language, deck.tts, deck.subdecks) == ("zh-Hans", True, True)  # tags ignore case


def test_deck_settings_default_to_off_and_the_cards_language(cards: Path):
    deck = load_deck(cards)
    assert (deck.language, deck.tts, deck.subdecks) == (None, False, False)
    assert deck_language(deck) == "en"  # MINI_DECK is English


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "language: Chinese",
            "5:11: error: 'language' of the deck must be a BCP 47 language tag like 'zh-Hant', "
            "not 'Chinese'; write one of: en, ja, zh-Hans, zh-Hant",
        ),
        (
            "language: zh-TW",
            "5:11: error: 'language' of the deck: deckgen has no settings for 'zh-TW' (did you "
            "mean 'zh-Hant'?); write one of: en, ja, zh-Hans, zh-Hant, or remove the line to "
            "use the language of the cards' script",
        ),
        (
            "language: ko",
            "5:11: error: 'language' of the deck: deckgen has no settings for 'ko'; write one "
            "of: en, ja, zh-Hans, zh-Hant, or remove the line to use the language of the "
            "cards' script",
        ),
        (
            "language:",
            "5:10: error: 'language' of the deck is empty; write one of: en, ja, zh-Hans, "
            "zh-Hant, or remove the line to use the language of the cards' script",
        ),
        (
            "language: 5",
            "5:11: error: 'language' of the deck must be a language tag, not a number; write "
            "one of: en, ja, zh-Hans, zh-Hant",
        ),
        (
            "tts: yes please",
            "5:6: error: 'tts' of the deck must be true or false, e.g. 'tts: true'",
        ),
        (
            "subdecks: 'true'",
            "5:11: error: 'subdecks' of the deck must be true or false, e.g. 'subdecks: true'",
        ),
    ],
)
def test_bad_deck_settings_are_located_errors(cards: Path, setting: str, message: str):
    edit(cards / "deck.yaml", "question: What", f"{setting}\nquestion: What")
    expect(f"{DECK}:{message}")


def test_every_error_at_once_in_file_and_line_order(cards: Path):
    edit(cards / "2-second.yaml", "id: gamma", "id: Gamma")
    edit(cards / "1-first.yaml", "answer: calm", "answer: calm\n        extra: 1")
    edit(cards / "deck.yaml", "[[skill]]", "[[skill")
    edit(cards / "2-second.yaml", "title: Beta principle", "title:")
    result = check()
    assert [line.split(": error:")[0] for line in result.output.splitlines()[:-1]] == [
        f"{DECK}:4:44",
        f"{FIRST}:11:9",
        f"{SECOND}:5:11",
        f"{SECOND}:11:9",
    ]
    assert result.output.splitlines()[-1] == "Checked cards: 4 errors, 0 warnings."
    assert result.exit_code == 1


# --- warnings: card quality ----------------------------------------------------------


def test_answer_too_long(cards: Path):
    edit(
        cards / "2-second.yaml",
        "answer: clearly",
        "answer: clearly, briefly, in short sentences, with one idea to a paragraph, in plain "
        "words that a reader knows, and no jargon",
    )
    expect(
        f"{SECOND}:10:17: warning: answer of question 'how' of principle 'beta' is too long "
        "to recall in one go (21 characters or words, more than 20); ask for less, or split "
        "it into several questions (limit: 'answer_max_length' under 'checks:' in deck.yaml, "
        "or set 'answer-too-long: false' there) [answer-too-long]"
    )


def test_answer_length_counts_each_cjk_character(cards: Path):
    edit(
        cards / "2-second.yaml",
        "answer: early",
        "answer: 積極的態度、紮實的作風和負責的精神與擔當意識",
    )
    expect(
        f"{SECOND}:17:17: warning: answer of question 'when' of principle 'gamma' is too long "
        "to recall in one go (21 characters or words, more than 20); ask for less, or split "
        "it into several questions (limit: 'answer_max_length' under 'checks:' in deck.yaml, "
        "or set 'answer-too-long: false' there) [answer-too-long]"
    )


def test_cloze_hiding_most_of_its_sentence(cards: Path):
    edit(
        cards / "2-second.yaml",
        "Plan [[ahead]] and finish [[early]].",
        "Plan ahead. [[Finish early]].",
    )
    expect(
        f"{SECOND}:13:23: warning: cloze c1 'Finish early' in the text of principle 'gamma' "
        "hides 100% of its sentence, leaving too little to recall it from; mark a shorter "
        "phrase (limit: 'cloze_max_share: 0.5' under 'checks:' in deck.yaml, or set "
        "'cloze-hides-sentence: false' there) [cloze-hides-sentence]"
    )


def test_a_full_width_exclamation_mark_ends_the_sentence_of_a_cloze(cards: Path):
    """rules.py's sentence end listed `!?` twice where U+FF01 and U+FF1F were meant."""
    edit(
        cards / "2-second.yaml",
        "Plan [[ahead]] and finish [[early]].",
        "要[[保持冷靜]]\uff01然後繼續工作。",
    )
    expect(
        f"{SECOND}:13:12: warning: cloze c1 '保持冷靜' in the text of principle 'gamma' "
        "hides 80% of its sentence, leaving too little to recall it from; mark a shorter "
        "phrase (limit: 'cloze_max_share: 0.5' under 'checks:' in deck.yaml, or set "
        "'cloze-hides-sentence: false' there) [cloze-hides-sentence]"
    )


def test_too_many_cloze_deletions(cards: Path):
    edit(
        cards / "1-first.yaml",
        "Keep [[calm]] and [[carry on]] with the work.",
        "Keep [[calm]], [[kind]], [[brisk]], [[tidy]], [[exact]] and [[cheerful]] at work.",
    )
    expect(
        f"{FIRST}:6:71: warning: the text of principle 'alpha' has 6 cloze deletions, more "
        "than 5: a note that long is a list to learn by heart, not a fact; mark only the key "
        "phrases (limit: 'clozes_max_per_note' under 'checks:' in deck.yaml, or set "
        "'too-many-clozes: false' there) [too-many-clozes]"
    )


def test_two_questions_with_the_same_text(cards: Path):
    edit(cards / "2-second.yaml", "question: When do you finish?", "question: How do you write?")
    expect(
        f"{SECOND}:16:19: warning: question 'when' of principle 'gamma' asks the same as "
        f"question 'how' of principle 'beta' at {SECOND}:9:19; a learner cannot tell which "
        "answer is wanted: make one more specific [same-question]"
    )


def test_principle_without_a_cloze(cards: Path):
    edit(
        cards / "2-second.yaml",
        "Plan [[ahead]] and finish [[early]].",
        "Plan ahead and finish early.",
    )
    expect(
        f"{SECOND}:13:11: warning: principle 'gamma' has no cloze: mark a phrase to recall "
        "with [[...]] so its text becomes a cloze card (or set 'principle-without-cloze: "
        "false' under 'checks:' in deck.yaml) [principle-without-cloze]"
    )


@pytest.mark.parametrize("questions", ["questions: []", "questions:"])
def test_principle_without_a_question(cards: Path, questions: str):
    edit(
        cards / "2-second.yaml",
        "questions:\n      - id: when\n        question: When do you finish?\n"
        "        answer: early\n",
        questions + "\n",
    )
    expect(
        f"{SECOND}:11:5: warning: principle 'gamma' has no question; add one under "
        "'questions:' so the principle is also asked, not only clozed (or set "
        "'principle-without-question: false' under 'checks:' in deck.yaml) "
        "[principle-without-question]"
    )


def test_principle_without_questions_key(cards: Path):
    edit(
        cards / "2-second.yaml",
        "    questions:\n      - id: when\n        question: When do you finish?\n"
        "        answer: early\n",
        "",
    )
    result = check()
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith(
        f"{SECOND}:11:5: warning: principle 'gamma' has no question;"
    )


def test_leftover_pinyin_annotation(cards: Path):
    edit(cards / "1-first.yaml", "Keep [[calm]] and", "保持服務(wù)的[[calm]] and")
    edit(cards / "2-second.yaml", "title: Gamma principle", "title: 事務(wù)")
    expect(
        f"{FIRST}:6:14: warning: leftover pinyin annotation '務(wù)' in text of principle "
        "'alpha'; delete '(wù)' [leftover-pinyin]",
        f"{SECOND}:12:13: warning: leftover pinyin annotation '務(wù)' in title of principle "
        "'gamma'; delete '(wù)' [leftover-pinyin]",
    )


def test_leftover_pinyin_in_full_width_parentheses(cards: Path):
    """rules.py tested `"(" in raw or "(" in raw` (ASCII twice where U+FF08 was meant):
    an annotation in full-width parentheses went unreported."""
    edit(cards / "1-first.yaml", "Keep [[calm]] and", "保持服務\uff08wù\uff09的[[calm]] and")
    expect(
        f"{FIRST}:6:14: warning: leftover pinyin annotation '務\uff08wù\uff09' in text of "
        "principle 'alpha'; delete '\uff08wù\uff09' [leftover-pinyin]",
    )


CJK_COMMA_FIX = (
    "write the full-width '\uff0c' (U+FF0C), as Chinese typesetting does (or set "
    "'ascii-punctuation: false' under 'checks:' in deck.yaml) [ascii-punctuation]"
)


def test_ascii_punctuation_next_to_chinese_text(cards: Path):
    edit(cards / "1-first.yaml", "Keep [[calm]] and", "保持冷靜,[[calm]] and")
    edit(cards / "1-first.yaml", "What do you keep?", "\u201c保持\u201d什麼?!")
    edit(cards / "2-second.yaml", "title: Gamma principle", "title: 計劃:提前")
    warnings = [
        f"{FIRST}:6:15: warning: ASCII ',' next to Chinese text in text of principle 'alpha'; "
        + CJK_COMMA_FIX,
        f"{FIRST}:9:25: warning: ASCII '?!' next to Chinese text in question of question 'what' "
        "of principle 'alpha'; write the full-width '\uff1f\uff01' (U+FF1F U+FF01), as Chinese "
        "typesetting does (or set 'ascii-punctuation: false' under 'checks:' in deck.yaml) "
        "[ascii-punctuation]",
        f"{SECOND}:12:14: warning: ASCII ':' next to Chinese text in title of principle 'gamma'; "
        "write the full-width '\uff1a' (U+FF1A), as Chinese typesetting does (or set "
        "'ascii-punctuation: false' under 'checks:' in deck.yaml) [ascii-punctuation]",
    ]
    expect(*warnings, strict=True)


def test_cjk_punctuation_warning_can_be_turned_off(cards: Path):
    edit(cards / "1-first.yaml", "Keep [[calm]] and", "保持冷靜,[[calm]] and")
    edit(cards / "deck.yaml", "question: What", "checks:\n  cjk_punctuation: false\nquestion: What")
    expect(strict=True)


def test_full_width_punctuation_and_english_text_are_not_flagged(cards: Path):
    edit(cards / "1-first.yaml", "Keep [[calm]] and", "保持冷靜\uff0c[[calm]] and, at 10:30,")
    edit(cards / "2-second.yaml", "Plan [[ahead]]", "Plan [[ahead::提前]]")
    expect(strict=True)


def test_text_not_nfc_normalised(cards: Path):
    edit(cards / "1-first.yaml", "What do you keep?", "What do you kee\u0301p?")
    expect(
        f"{FIRST}:9:33: warning: question of question 'what' of principle 'alpha' is not "
        "NFC-normalised: 'e\u0301' (U+0065 U+0301) goes on the card as '\u00e9' (U+00E9); "
        "write it "
        "that way (most editors can save as NFC) [not-nfc]"
    )


def test_compatibility_ideograph_is_not_nfc(cards: Path):
    edit(cards / "2-second.yaml", "answer: early", "answer: 早\uf900")
    expect(
        f"{SECOND}:17:18: warning: answer of question 'when' of principle 'gamma' is not "
        "NFC-normalised: '\uf900' (U+F900) goes on the card as '豈' (U+8C48); write it that "
        "way (most editors can save as NFC) [not-nfc]"
    )


def test_cloze_markup_outside_a_cloze_field(cards: Path):
    edit(cards / "1-first.yaml", "answer: calm", "answer: stay [[calm]]")
    expect(
        f"{FIRST}:10:22: warning: '[[...]]' marks a cloze only in a principle's text and the "
        "deck's introduction; in answer of question 'what' of principle 'alpha' the brackets "
        "show on the card as written [stray-cloze-marks]"
    )


def test_thresholds_are_tunable_in_the_deck_file(cards: Path):
    edit(
        cards / "2-second.yaml",
        "answer: early",
        "answer: early, well before the deadline, with enough time to spare for a careful "
        "review by a colleague and for the corrections that the review asks for",
    )
    edit(
        cards / "2-second.yaml",
        "Plan [[ahead]] and finish [[early]].",
        "Plan ahead. [[Finish early]].",
    )
    edit(
        cards / "1-first.yaml",
        "    questions:\n      - id: what\n        question: What do you keep?\n"
        "        answer: calm\n",
        "",
    )
    assert check().output.splitlines()[-1] == "Checked cards: 0 errors, 3 warnings."
    edit(
        cards / "deck.yaml",
        "question: What",
        "checks:\n  answer_max_length: 26\n  cloze_max_share: 1\n"
        "  principle_needs_question: false\nquestion: What",
    )
    expect()
    edit(cards / "deck.yaml", "answer_max_length: 26", "answer_max_length: 25")
    assert check().output.splitlines()[-1] == "Checked cards: 0 errors, 1 warning."


# --- rule codes: every warning names its rule, and `<code>: false` turns the rule off ---


def break_every_rule(cards: Path) -> list[str]:
    """Edit the mini deck so that each rule of deckgen.checks.RULES warns once; `deckgen
    check`'s warnings, the total left off."""
    edit(cards / "deck.yaml", "A small deck", "A [[small]] deck")
    edit(cards / "deck.yaml", "two pillars?", "two pilla\u0301rs?")
    edit(cards / "1-first.yaml", "title: First pillar", "title: \u4fdd\u6301,\u5de5\u4f5c")
    edit(
        cards / "1-first.yaml",
        "Keep [[calm]] and [[carry on]] with the work.",
        "Keep [[calm]], [[kind]], [[brisk]], [[tidy]], [[exact]] and [[cheerful]] at work.",
    )
    edit(
        cards / "1-first.yaml",
        "    questions:\n      - id: what\n        question: What do you keep?\n"
        "        answer: calm\n",
        "",
    )
    edit(cards / "2-second.yaml", "Write [[clearly]], speak [[plainly]].", "Write clearly.")
    edit(cards / "2-second.yaml", "answer: clearly", "answer: " + "very " * 20 + "clearly")
    edit(cards / "2-second.yaml", "title: Gamma principle", "title: \u4e8b\u52d9(w\u00f9)")
    edit(cards / "2-second.yaml", "Plan [[ahead]] and finish [[early]].", "Then [[plan ahead]].")
    edit(cards / "2-second.yaml", "question: When do you finish?", "question: How do you write?")
    lines = check().output.splitlines()
    assert lines[-1] == "Checked cards: 0 errors, 10 warnings."
    return lines[:-1]


def add_checks(cards: Path, settings: str) -> None:
    """A `checks:` block at the end of deck.yaml (so no other line moves)."""
    deck = cards / "deck.yaml"
    deck.write_text(deck.read_text(encoding="utf-8") + "checks:\n" + settings, encoding="utf-8")


def test_every_warning_ends_in_its_rules_code(cards: Path):
    warnings = break_every_rule(cards)
    assert [w.rsplit(" ", 1)[1] for w in warnings] == [
        "[stray-cloze-marks]",
        "[not-nfc]",
        "[ascii-punctuation]",
        "[principle-without-question]",
        "[too-many-clozes]",
        "[principle-without-cloze]",
        "[answer-too-long]",
        "[leftover-pinyin]",
        "[cloze-hides-sentence]",
        "[same-question]",
    ]
    assert {w.rsplit(" ", 1)[1][1:-1] for w in warnings} == set(CODES)
    # The code is data too, beside the message (which does not repeat it at its end).
    result = check_cards(cards)
    assert [f"{f.location}: warning: {f.message} [{f.code}]" for f in result.findings] == warnings
    assert all(not f.message.endswith("]") for f in result.findings)


@pytest.mark.parametrize("code", CODES)
def test_a_code_set_to_false_turns_its_rule_off(cards: Path, code: str):
    warnings = break_every_rule(cards)
    add_checks(cards, f"  {code}: false\n")
    left = [w for w in warnings if not w.endswith(f" [{code}]")]
    assert len(left) == len(warnings) - 1
    expect(*left)


def test_a_code_set_to_true_keeps_its_rule_on(cards: Path):
    warnings = break_every_rule(cards)
    on = "".join(f"  {code}: true\n" for code in CODES)
    add_checks(cards, on)
    expect(*warnings)


def test_the_old_switches_still_turn_their_rules_off(cards: Path):
    warnings = break_every_rule(cards)
    add_checks(
        cards,
        "  principle_needs_cloze: false\n  principle_needs_question: false\n"
        "  cjk_punctuation: false\n  principle-without-cloze: false\n",
    )
    off = ("[principle-without-cloze]", "[principle-without-question]", "[ascii-punctuation]")
    expect(*(w for w in warnings if not w.endswith(off)))


def test_an_unknown_code_is_an_error_with_a_suggestion(cards: Path):
    edit(cards / "deck.yaml", "question: What", "checks:\n  answer-too-lnog: false\nquestion: What")
    expect(
        f"{DECK}:6:3: error: unknown key 'answer-too-lnog' in 'checks' of the deck (did you "
        "mean 'answer-too-long'?); expected one of: answer-too-long, answer_max_length, "
        "ascii-punctuation, cjk_punctuation, cloze-hides-sentence, cloze_max_share, "
        "clozes_max_per_note, leftover-pinyin, not-nfc, principle-without-cloze, "
        "principle-without-question, principle_needs_cloze, principle_needs_question, "
        "same-question, stray-cloze-marks, too-many-clozes"
    )


def test_a_code_takes_true_or_false(cards: Path):
    edit(cards / "deck.yaml", "question: What", "checks:\n  answer-too-long: 30\nquestion: What")
    expect(
        f"{DECK}:6:20: error: 'answer-too-long' of checks must be true or false, e.g. "
        "'answer-too-long: false'"
    )


def test_a_code_and_its_old_switch_must_agree(cards: Path):
    edit(
        cards / "deck.yaml",
        "question: What",
        "checks:\n  cjk_punctuation: false\n  ascii-punctuation: true\nquestion: What",
    )
    expect(
        f"{DECK}:7:22: error: 'ascii-punctuation: true' of checks contradicts "
        "'cjk_punctuation: false' at line 6; keep one of them"
    )


def test_strict_fails_on_warnings(cards: Path):
    edit(
        cards / "2-second.yaml",
        "Plan [[ahead]] and finish [[early]].",
        "Plan ahead and finish early.",
    )
    result = check()
    assert result.exit_code == 0
    expect(result.output.splitlines()[0], strict=True)
    assert check("--strict").output.splitlines()[-1] == (
        "Checked cards: 0 errors, 1 warning (--strict: warnings fail the check)."
    )


def test_errors_and_warnings_are_listed_together(cards: Path):
    edit(
        cards / "2-second.yaml",
        "Plan [[ahead]] and finish [[early]].",
        "Plan ahead and finish early.",
    )
    edit(cards / "1-first.yaml", "answer: calm", "anwser: calm")
    result = check()
    lines = result.output.splitlines()
    assert [line.split(": ")[1] for line in lines[:-1]] == ["error", "error", "warning"]
    assert lines[-1] == "Checked cards: 2 errors, 1 warning."
    assert result.exit_code == 1


def test_shipped_cards_pass_strict():
    result = run_cli("check", "--strict", "--cards", SHIPPED_CARDS)
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 1
    assert result.output.endswith(": 0 errors, 0 warnings.\n")


# --- build runs the same checks ------------------------------------------------------


def test_build_prints_warnings_and_still_builds(cards: Path):
    edit(
        cards / "2-second.yaml",
        "Plan [[ahead]] and finish [[early]].",
        "Plan ahead and finish early.",
    )
    result = run_cli("build", "--cards", "cards", "-o", "out/deck.apkg")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"{SECOND}:13:11: warning: principle 'gamma' has no cloze: mark a phrase to recall "
        "with [[...]] so its text becomes a cloze card (or set 'principle-without-cloze: "
        "false' under 'checks:' in deck.yaml) [principle-without-cloze]"
    ]
    assert result.stdout.startswith("Built deck 'Mini deck' (mini)")
    assert Path("out/deck.apkg").is_file()


def test_failing_build_keeps_the_previous_deck_byte_for_byte(cards: Path):
    assert run_cli("build", "--cards", "cards", "-o", "deck.apkg").exit_code == 0
    before = Path("deck.apkg").read_bytes()
    lock_before = (cards / "deckgen.lock").read_bytes()
    edit(
        cards / "2-second.yaml",
        "Plan [[ahead]] and finish [[early]].",
        "Plan [[ahead and finish early.",
    )
    edit(cards / "1-first.yaml", "What do you keep?", "What do you kee\u0301p?")
    result = run_cli("build", "--cards", "cards", "-o", "deck.apkg")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{FIRST}:9:33: warning: question of question 'what' of principle 'alpha' is not "
        "NFC-normalised: 'e\u0301' (U+0065 U+0301) goes on the card as '\u00e9' (U+00E9); "
        "write it "
        "that way (most editors can save as NFC) [not-nfc]",
        f"{SECOND}:13:16: error: text of principle 'gamma': '[[' is never closed; end the "
        "phrase with ']]'",
        "Aborted with 1 error: nothing was written.",
    ]
    assert "Traceback" not in result.output
    assert Path("deck.apkg").read_bytes() == before
    assert (cards / "deckgen.lock").read_bytes() == lock_before


def test_readme_example_output_is_what_check_prints(cards: Path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Checking the cards", 1)[1]
    shown = section.split("then a total:\n\n```\n", 1)[1].split("```", 1)[0]
    edit(cards / "1-first.yaml", "answer: calm", "anwser: calm")
    edit(
        cards / "2-second.yaml",
        "Plan [[ahead]] and finish [[early]].",
        "Plan ahead and finish early.",
    )
    assert check().output == shown


# --- user text in messages ------------------------------------------------------------


def test_invisible_character_in_a_key_is_shown_as_an_escape(cards: Path):
    """Regression: a U+200B inside a key was printed raw, so the message showed 'title'."""
    edit(cards / "1-first.yaml", "title: First pillar", "ti\u200btle: First pillar")
    expect(
        f"{FIRST}:1:1: error: the pillar is missing required key 'title'",
        f"{FIRST}:2:1: error: unknown key 'ti\\u200btle' in the pillar (did you mean "
        "'title'?); expected one of: id, principles, question, renamed_from, title",
    )


def test_bidi_control_in_an_id_is_shown_as_an_escape(cards: Path):
    edit(cards / "1-first.yaml", "id: alpha", "id: alpha\u202e")
    expect(
        f"{FIRST}:4:9: error: 'id' of the principle must be an ASCII kebab-case slug like "
        "'service-awareness' (e.g. 'alpha'), not 'alpha\\u202e'"
    )


def test_cloze_of_an_invisible_character_is_shown_as_an_escape(cards: Path):
    edit(cards / "1-first.yaml", "[[calm]]", "[[\u200b]]")
    expect(
        f"{FIRST}:6:16: error: text of principle 'alpha': cloze '[[\\u200b]]' hides only "
        "spaces and punctuation, so its card tests nothing; mark a word or phrase instead"
    )
