"""Large decks: the synthetic generator of bench/, and a 10,000-note deck in a real collection."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from bench.synth import plan, write_cards
from deckgen.chinese import chinese_numeral
from deckgen.context import deck_note_types
from deckgen.generate import Note, generate_notes
from deckgen.lock import LockedNote, LockedNoteType, render_lock
from deckgen.notetypes import CLOZE, LEGACY_IDS, QA, note_types
from deckgen.rules import check_cards
from deckgen.validate import load_deck
from tests.helpers import import_apkg, run_cli


def test_chinese_numerals_past_ninety_nine():
    """A deck with 100 or more pillars crashed: chinese_numeral(100) raised IndexError."""
    cases = {
        99: "九十九", 100: "一百", 101: "一百零一", 110: "一百一十", 115: "一百一十五",
        999: "九百九十九", 1000: "一千", 1005: "一千零五", 1010: "一千零一十", 1100: "一千一百",
        10_000: "一萬", 10_015: "一萬零一十五", 12_000: "一萬二千", 100_000: "十萬",
    }  # fmt: skip
    assert {n: chinese_numeral(n) for n in cases} == cases


@pytest.mark.parametrize("notes", [5, 6, 7, 8, 203, 1000])
def test_synthetic_deck_has_exactly_the_notes_asked_for(tmp_path: Path, notes: int):
    cards = write_cards(tmp_path / "cards", notes)
    deck = load_deck(cards)
    assert len(generate_notes(deck)) == notes
    assert [len(p.principles) for p in deck.pillars] == [len(p) for p in plan(notes)]
    # Clean cards: what is measured is a build, not the printing of warnings.
    assert check_cards(cards).findings == []


def test_synthetic_deck_is_reproducible_and_revisions_touch_only_their_principles(
    tmp_path: Path,
):
    first = write_cards(tmp_path / "a", 300)
    again = write_cards(tmp_path / "b", 300)
    revised = write_cards(tmp_path / "c", 300, revised={2, 40})
    files = sorted(p.name for p in first.iterdir())
    assert files == sorted(p.name for p in again.iterdir())
    assert all((first / f).read_bytes() == (again / f).read_bytes() for f in files)
    before = {n.key: n for n in generate_notes(load_deck(first))}
    after = {n.key: n for n in generate_notes(load_deck(revised))}
    assert before.keys() == after.keys()
    changed = sorted(k for k in before if before[k].fields != after[k].fields)
    assert changed == ["principle/principle-000002/cloze", "principle/principle-000040/cloze"]
    assert all(before[k].clozes == after[k].clozes for k in before)


def _reference_lock_line(note: Note, mod: int) -> str:
    """A note's lock line as json.dumps wrote it before render_lock spelled it out."""
    body: dict[str, object] = {
        "guid": note.guid,
        "type": note.kind,
        "hash": note.content_hash,
        "mod": mod,
    }
    if note.clozes:
        body["clozes"] = [list(pair) for pair in note.clozes]
    if note.position % 3 == 0:
        body["removed_clozes"] = [[99, f"gone {note.key}"]]
    if note.retired:
        body["retired"] = True
    dump = json.dumps
    return (
        f"  {dump(note.key, ensure_ascii=False)}: {dump(body, ensure_ascii=False, sort_keys=True)}"
    )


ODD_TEXTS = ["", "中文", 'a "quoted" \\ back\\slash', "tab\tline\nbreak", "\u2028\x01\x7f", "😀 é"]


def test_lock_lines_and_content_hashes_are_what_json_dumps_gives(tmp_path: Path):
    notes = generate_notes(load_deck(write_cards(tmp_path / "cards", 300)))
    notes += [
        Note(
            f"odd/{i}",
            CLOZE if i % 2 else QA,
            f'g"{t}',
            (t, t + "x"),
            (t,),
            ((i + 3, t),) * (i % 2),
            "",
            i,
            retired=i % 4 == 1,
        )
        for i, t in enumerate(ODD_TEXTS)
    ]
    for note in notes:
        payload = json.dumps([note.kind, note.fields, note.tags], ensure_ascii=False)
        assert note.content_hash == hashlib.sha256(payload.encode()).hexdigest()[:16]
    mods = {n.key: 1_700_000_000 + n.position for n in notes}
    entries = [
        LockedNote(
            n.key,
            n.guid,
            n.kind,
            n.content_hash,
            mods[n.key],
            n.clozes,
            ((99, f"gone {n.key}"),) if n.position % 3 == 0 else (),
            n.retired,
        )
        for n in notes
    ]
    types = [
        LockedNoteType(kind, nt.model_id, nt.name, nt.fields_hash, nt.style_hash, 1)
        for kind, nt in note_types().items()
    ]
    text = render_lock("deck", "Deck", types, entries).decode("utf-8")
    expected = [_reference_lock_line(n, mods[n.key]) for n in notes]
    assert text.split(' "notes": {\n')[1].split("\n }\n}")[0].split(",\n") == expected
    assert json.loads(text)["notes"]["odd/2"]["guid"] == 'g"' + ODD_TEXTS[2]


# --- a 10,000-note deck through a real Anki collection ------------------------------------


@pytest.mark.slow
def test_ten_thousand_notes_import_and_update_in_place(
    tmp_path: Path, collection, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cards = write_cards(tmp_path / "cards", 10_000)
    out = tmp_path / "dist" / "bench.apkg"
    first = run_cli("build", "--cards", cards, "-o", out)
    assert first.exit_code == 0, first.output
    notes = generate_notes(load_deck(cards))

    log = import_apkg(collection, out)
    assert len(log.new) == len(notes) == 10_000
    assert not log.updated and not log.duplicate and not log.conflicting
    assert collection.note_count() == 10_000
    assert collection.card_count() == sum(len(n.card_ords) for n in notes)
    by_guid = {n.guid: n for n in notes}
    types = deck_note_types(load_deck(cards), None, tts=False, language="zh-Hant")
    # A new deck has note types of its own, named after it, never the shared 0.1 ones.
    assert {nt.model_id for nt in types.values()}.isdisjoint(LEGACY_IDS.values())
    assert {nt.name for nt in types.values()} == {
        "deckgen cloze (bench)",
        "deckgen question-answer (bench)",
    }
    for nid in collection.find_notes("")[::97]:  # a sample of about a hundred notes
        note = collection.get_note(nid)
        generated = by_guid[note.guid]
        assert list(note.fields) == list(generated.fields)
        assert sorted(note.tags) == sorted(generated.tags)
        assert note.note_type()["id"] == types[generated.kind].model_id

    # Edit three principles; the lock stays. Exactly their cloze notes are updated.
    edited = {3, 1_234, 2_500}
    write_cards(cards, 10_000, revised=edited)
    again = run_cli("build", "--cards", cards, "-o", out)
    assert again.exit_code == 0, again.output
    assert "0 added, 3 changed, 0 retired, 9997 unchanged notes" in again.output
    log = import_apkg(collection, out)
    keys = {f"principle/principle-{n:06d}/cloze" for n in edited}
    expected = {n.guid for n in notes if n.key in keys}
    assert {collection.get_note(u.id.nid).guid for u in log.updated} == expected
    # Anki lists every other note as an unchanged duplicate of itself; none is added.
    assert len(log.duplicate) == 10_000 - len(edited)
    assert not log.new and not log.conflicting
    assert collection.note_count() == 10_000
    assert collection.card_count() == sum(len(n.card_ords) for n in notes)
    assert all("修訂" in collection.get_note(u.id.nid)["Text"] for u in log.updated)
