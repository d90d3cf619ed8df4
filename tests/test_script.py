"""`deckgen build --script`: Simplified and Traditional builds of one deck, one history."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import opencc
import pytest

from deckgen.generate import generate_notes
from deckgen.notetypes import note_types
from deckgen.script import OWN, convert_notes, detect_script, locked_script
from deckgen.validate import load_deck
from tests.helpers import (
    MINI_DECK,
    SHIPPED_NAME,
    answer_all_cards,
    build,
    card_states,
    import_apkg,
    run_cli,
    write_cards,
)

T2S = opencc.OpenCC("t2s")


def all_fields(col) -> dict[str, dict[str, str]]:
    """Every note of the collection: Key -> {field name: value}."""
    notes = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        notes[note["Key"]] = dict(note.items())
    return notes


def test_simplified_build_leaves_nothing_for_t2s(cards_copy: Path, collection, tmp_path: Path):
    out = tmp_path / "simplified.apkg"
    result = build(cards_copy, out, "--script", "simplified")
    assert "Converted to Simplified Chinese with OpenCC (t2s)" in result.output
    log = import_apkg(collection, out)
    assert len(log.new) == collection.note_count() > 0

    notes = all_fields(collection)
    checked = 0
    for fields in notes.values():
        for name, value in fields.items():
            assert T2S.convert(value) == value, (name, value)
            checked += 1
    # Every field of every note the cards make was there to check: the count comes from
    # the cards, not from the collection the loop walked.
    made = generate_notes(load_deck(cards_copy))
    assert checked == sum(len(note.fields) for note in made)
    assert sorted(notes) == sorted(f"office-service/{note.key}" for note in made)
    # It was converted: the shipped deck's text is Traditional.
    pillars = notes["office-service/pillars"]
    assert "服务意识" in pillars["Answer"] and "服務意識" not in pillars["Answer"]
    # The pillar overview question is the generator's own text: converted too.
    assert "包含哪些原则" in notes["office-service/pillar/service-awareness"]["Question"]
    # The deck keeps its name (Anki matches decks by name); its description is converted.
    deck = collection.decks.by_name(SHIPPED_NAME)
    assert deck is not None
    assert deck["desc"] and T2S.convert(deck["desc"]) == deck["desc"]
    assert "服务意识" in deck["desc"]
    assert collection.decks.all_names_and_ids() and SHIPPED_NAME in {
        d.name for d in collection.decks.all_names_and_ids()
    }


def test_switching_script_updates_every_note_in_place_and_back(
    cards_copy: Path, collection, tmp_path: Path
):
    """A learner on the Traditional deck switches to Simplified, then back: no review lost."""
    traditional = tmp_path / "traditional.apkg"
    build(cards_copy, traditional)
    import_apkg(collection, traditional)
    traditional_fields = all_fields(collection)
    deck_id = collection.decks.id_for_name(SHIPPED_NAME)
    assert answer_all_cards(collection, SHIPPED_NAME) == collection.card_count()
    before = card_states(collection)
    note_count = collection.note_count()

    simplified = tmp_path / "simplified.apkg"
    result = build(cards_copy, simplified, "--script", "simplified")
    assert f"0 added, {note_count} changed, 0 retired, 0 unchanged notes" in result.output
    log = import_apkg(collection, simplified)
    assert len(log.updated) == note_count
    assert not log.new and not log.duplicate and not log.conflicting
    assert collection.note_count() == note_count
    assert card_states(collection) == before
    assert {collection.get_card(cid).did for cid in collection.find_cards("")} == {deck_id}
    simplified_fields = all_fields(collection)
    assert simplified_fields.keys() == traditional_fields.keys()
    assert simplified_fields != traditional_fields
    assert all(T2S.convert(v) == v for f in simplified_fields.values() for v in f.values())

    back = tmp_path / "back.apkg"
    build(cards_copy, back)
    log = import_apkg(collection, back)
    assert len(log.updated) == note_count
    assert not log.new and not log.duplicate and not log.conflicting
    assert card_states(collection) == before
    assert all_fields(collection) == traditional_fields
    assert {collection.get_card(cid).did for cid in collection.find_cards("")} == {deck_id}


def test_frozen_checks_the_lock_against_the_script_asked_for(cards_copy: Path, tmp_path: Path):
    def build_with(*args: str) -> tuple[int, str]:
        result = run_cli("build", "--cards", cards_copy, "-o", tmp_path / "deck.apkg", *args)
        return result.exit_code, result.output

    assert build_with()[0] == 0  # the lock now records the Traditional build
    assert build_with("--frozen")[0] == 0
    status, output = build_with("--frozen", "--script", "simplified")
    assert status == 1
    assert (
        f"error: --frozen: {cards_copy / 'deckgen.lock'} was written by a build without "
        "--script, and this build is with --script simplified; give --frozen the --script of "
        "the builds you publish"
    ) in output
    assert build_with("--script", "simplified")[0] == 0
    assert build_with("--frozen", "--script", "simplified")[0] == 0
    status, output = build_with("--frozen")
    assert status == 1
    assert "was written by a build with --script simplified, and this build is without" in output


def test_a_switch_of_script_is_explained(cards_copy: Path, tmp_path: Path):
    def build_with(*args: str) -> str:
        result = run_cli("build", "--cards", cards_copy, "-o", tmp_path / "deck.apkg", *args)
        assert result.exit_code == 0, result.output
        return result.output

    build_with()
    switched = build_with("--script", "simplified")
    assert (
        "Every note changed because the last build was without --script and this one is "
        "with --script simplified: importing updates every note in place, reviews kept. "
        "Build without --script to stay in its script."
    ) in switched
    back = build_with()
    assert (
        "Every note changed because the last build was with --script simplified and this "
        "one is without --script"
    ) in back
    assert "No changes since the last build" in build_with()
    assert "Every note changed" not in build_with("--script", "traditional")  # a few notes


def test_locked_script_tells_a_switch_from_an_edit(cards_copy: Path):
    types = note_types()
    notes = generate_notes(load_deck(cards_copy))
    own = {n.key: n.content_hash for n in notes}
    simplified = {n.key: n.content_hash for n in convert_notes(notes, types, "simplified")}
    assert locked_script(simplified, notes, types, None) == "simplified"
    assert locked_script(own, notes, types, "simplified") == OWN
    assert locked_script(own, notes, types, None) is None  # nothing switched
    edited = [dataclasses.replace(n, fields=(n.fields[0] + "!", *n.fields[1:])) for n in notes]
    assert locked_script(own, edited, types, "simplified") is None
    # A few edited notes do not hide a switch.
    partly = edited[:3] + notes[3:]
    assert locked_script(simplified, partly, types, None) == "simplified"


def test_traditional_build_of_the_traditional_deck(cards_copy: Path, tmp_path: Path):
    """s2tw on text that is already Traditional changes only its variant forms."""
    deck = load_deck(cards_copy)
    types = note_types()
    notes = generate_notes(deck)
    converted = convert_notes(notes, types, "traditional")
    changed = [(a.key, b.fields) for a, b in zip(notes, converted, strict=True) if a != b]
    # 恒 -> 恆 and 了解 -> 瞭解, nothing else: a handful of notes, not the deck.
    assert 0 < len(changed) <= 4, changed


def test_convert_notes_keeps_identity_and_the_authored_clozes(cards_copy: Path):
    """The lock numbers the phrases as the cards write them, whatever script a build is in
    (the Text field itself is converted, {{cN::…}} and all)."""
    deck = load_deck(cards_copy)
    types = note_types()
    notes = generate_notes(deck)
    converted = convert_notes(notes, types, "simplified")
    for before, after in zip(notes, converted, strict=True):
        assert (after.key, after.guid, after.kind, after.tags, after.position) == (
            before.key,
            before.guid,
            before.kind,
            before.tags,
            before.position,
        )
        assert after.fields[-1] == before.fields[-1]  # Key
        assert after.clozes == before.clozes
        assert after.fields[0] == T2S.convert(before.fields[0])
    intro = next(n for n in converted if n.key == "intro")
    assert intro.clozes == ((1, "服務意識"), (2, "服務形象"), (3, "服務重心"), (4, "服務能力"))
    assert intro.fields[0].count("{{c") == 4 and "服务意识" in intro.fields[0]


def test_detect_script(cards_copy: Path):
    deck = load_deck(cards_copy)
    texts = [f for n in generate_notes(deck) for f in n.fields]
    assert detect_script(texts) == "traditional"
    assert detect_script([T2S.convert(t) for t in texts]) == "simplified"
    assert detect_script(["Keep calm and carry on."]) is None
    assert detect_script(["中文"]) is None  # common to both scripts


def test_mini_deck_without_han_is_unchanged(tmp_path: Path):
    cards = write_cards(tmp_path / "mini", MINI_DECK)
    a, b = tmp_path / "a.apkg", tmp_path / "b.apkg"
    build(cards, a)
    result = build(cards, b, "--script", "traditional")
    assert "No changes since the last build" in result.output
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(("args", "loaded"), [((), False), (("--script", "simplified"), True)])
@pytest.mark.process
def test_opencc_is_imported_only_for_script(mini_cards: Path, tmp_path: Path, args, loaded):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from deckgen.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['build', '--cards', {str(mini_cards)!r}, "
        f"'-o', {str(tmp_path / 'd.apkg')!r}, *{list(args)!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('opencc' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(loaded)
