"""The shipped cards: the seed's text, clean, complete, well marked."""

from __future__ import annotations

from pathlib import Path

from deckgen.chinese import fix_cjk_punctuation
from deckgen.cloze import phrases, plain_text
from deckgen.generate import generate_notes
from deckgen.validate import SLUG, load_deck
from tests.helpers import (
    PINYIN_ANNOTATION,
    RELEASE,
    SHIPPED_CARDS,
    answer_all_cards,
    apply_rules,
    card_states,
    import_apkg,
    listed_corrections,
    run_cli,
)

NUMERALS = "一二三四"


def corrections() -> list[tuple[str, str]]:
    """The corrections of the seed listed in deck.yaml's comment: `原文 -> 改正 (...)`."""
    return listed_corrections(SHIPPED_CARDS / "deck.yaml")[0]


def correction_rules() -> list[str]:
    """The rules over every text listed in deck.yaml's comment: `rule: NAME (...)`."""
    return listed_corrections(SHIPPED_CARDS / "deck.yaml")[1]


def clean_seed_lines(seed: Path) -> list[str]:
    """The seed's lines, pinyin removed and the listed corrections applied."""
    text = PINYIN_ANNOTATION.sub(lambda m: m.group(0)[0], seed.read_text(encoding="utf-8"))
    for wrong, right in corrections():
        assert wrong in text, f"listed correction {wrong} -> {right} not found in the seed"
        text = text.replace(wrong, right, 1)
    rules = correction_rules()
    return [apply_rules(line, rules) for line in text.splitlines() if line.strip()]


def test_seed_has_208_pinyin_annotations(seed: Path):
    assert len(PINYIN_ANNOTATION.findall(seed.read_text(encoding="utf-8"))) == 208


def test_cards_are_the_seed_verbatim_apart_from_listed_corrections(seed: Path):
    lines = clean_seed_lines(seed)
    deck = load_deck(SHIPPED_CARDS)
    expected = [plain_text(deck.introduction)]
    for i, pillar in enumerate(deck.pillars):
        expected.append(f"{NUMERALS[i]}、{pillar.title}")
        sep = "\uff0c" if i == 2 else "\u3002"  # a full-width comma after the rule
        expected.extend(p.title + sep + plain_text(p.text) for p in pillar.principles)
    assert expected == lines
    assert ("改委婉的要委婉", "該委婉的要委婉") in corrections()
    assert correction_rules() == ["cjk-punctuation"]


def test_the_shipped_cards_have_no_ascii_punctuation_next_to_chinese_text():
    """The seed's web page gave its commas and question marks in ASCII; the cards must
    not carry them (the rule `cjk-punctuation` listed in deck.yaml)."""
    for path in sorted(SHIPPED_CARDS.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        values = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
        assert [line for line in values if fix_cjk_punctuation(line) != line] == [], path


def test_no_pinyin_annotation_anywhere_in_cards():
    for path in SHIPPED_CARDS.iterdir():
        assert not PINYIN_ANNOTATION.search(path.read_text(encoding="utf-8")), path


def test_four_pillars_fifteen_principles_with_ids_clozes_and_questions():
    deck = load_deck(SHIPPED_CARDS)
    assert [len(p.principles) for p in deck.pillars] == [3, 3, 3, 6]
    ids = [p.id for p in deck.pillars] + [pr.id for p in deck.pillars for pr in p.principles]
    assert len(set(ids)) == len(ids) == 19
    assert all(SLUG.match(i) for i in ids)
    for pillar in deck.pillars:
        for principle in pillar.principles:
            marked = phrases(principle.text)
            assert 2 <= len(marked) <= 5, principle.id
            assert len(set(marked)) == len(marked), principle.id
            assert principle.questions, principle.id
            assert all(len(q.answer) <= 20 for q in principle.questions), principle.id


def test_every_principle_gives_a_cloze_and_a_question_note():
    notes = generate_notes(load_deck(SHIPPED_CARDS))
    keys = {n.key for n in notes}
    deck = load_deck(SHIPPED_CARDS)
    for pillar in deck.pillars:
        assert f"pillar/{pillar.id}" in keys
        for p in pillar.principles:
            assert f"principle/{p.id}/cloze" in keys
            assert any(k.startswith(f"principle/{p.id}/qa/") for k in keys)
    assert "pillars" in keys


def test_shipped_lock_is_up_to_date(tmp_path: Path):
    """`deckgen build --frozen` passes on the committed lock."""
    result = run_cli("build", "--cards", SHIPPED_CARDS, "--frozen", "-o", tmp_path / "d.apkg")
    assert result.exit_code == 0, result.output


def test_the_punctuation_fix_updates_every_affected_note_in_place_once(
    cards_copy: Path, collection, tmp_path: Path
):
    """A learner of release 0.1.0 imports the deck with full-width punctuation: every note
    that held ASCII punctuation next to Chinese text is updated in place, history kept."""
    assert len(import_apkg(collection, RELEASE / "office-service.apkg").new) == 51
    answer_all_cards(collection, "辦公室服務工作")
    before = card_states(collection)
    affected = set()
    for nid in collection.find_notes(""):
        note = collection.get_note(nid)
        if any(fix_cjk_punctuation(value) != value for value in note.fields):
            affected.add(note["Key"].removeprefix("office-service/"))
    assert len(affected) == 51  # every note shows a pillar or principle title with a comma

    (cards_copy / "deckgen.lock").write_bytes((RELEASE / "deckgen.lock").read_bytes())
    out = tmp_path / "office-service.apkg"
    result = run_cli("build", "--cards", cards_copy, "-o", out)
    assert result.exit_code == 0, result.output
    assert "Changes since the last build: 0 added, 51 changed, 0 retired" in result.output
    changed = {
        line.removeprefix("  ~ ") for line in result.output.splitlines() if line.startswith("  ~ ")
    }
    assert changed == affected

    log = import_apkg(collection, out)
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 51, 0)
    assert card_states(collection) == before  # due, interval, reps and reviews all kept
    for nid in collection.find_notes(""):
        for value in collection.get_note(nid).fields:
            assert fix_cjk_punctuation(value) == value, value
    again = run_cli("build", "--cards", cards_copy, "-o", tmp_path / "again.apkg")
    # Another output path: built again, and nothing in it is new to the learner.
    assert again.exit_code == 0, again.output
    assert (
        "No changes since the last build: importing updates nothing." in again.output.splitlines()
    )
    assert len(import_apkg(collection, out).updated) == 0  # once


def test_check_strict_passes_on_the_shipped_cards_and_fails_on_one_ascii_comma(
    cards_copy: Path,
):
    clean = run_cli("check", "--cards", SHIPPED_CARDS, "--strict")
    assert clean.exit_code == 0, clean.output
    assert clean.output.endswith(": 0 errors, 0 warnings.\n")

    pillar = cards_copy / "1-service-awareness.yaml"
    text = pillar.read_text(encoding="utf-8")
    title = "title: 明確定位\uff0c樹立服務意識\n"
    assert text.splitlines(keepends=True)[3] == title  # line 4
    pillar.write_text(text.replace(title, "title: 明確定位,樹立服務意識\n"), encoding="utf-8")
    broken = run_cli("check", "--cards", cards_copy, "--strict")
    assert broken.exit_code == 1
    assert broken.output.splitlines() == [
        f"{pillar}:4:12: warning: ASCII ',' next to Chinese text in title of pillar "
        "'service-awareness'; write the full-width '\uff0c' (U+FF0C), as Chinese typesetting "
        "does (or set 'ascii-punctuation: false' under 'checks:' in deck.yaml) "
        "[ascii-punctuation]",
        f"Checked {cards_copy}: 0 errors, 1 warning (--strict: warnings fail the check).",
    ]
