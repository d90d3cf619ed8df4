"""End to end: the shipped cards, built by the CLI, imported into a real Anki collection."""

from __future__ import annotations

import re
from pathlib import Path

from deckgen.generate import generate_notes
from deckgen.notetypes import CLOZE, QA
from deckgen.validate import load_deck
from tests.helpers import (
    PINYIN_ANNOTATION,
    answer_all_cards,
    build,
    card_states,
    import_apkg,
    typeset_by_mathjax,
    visible_text,
    write_cards,
)

PRINCIPLE_IDS = {
    "cultivate-character", "right-positioning", "high-spirits",
    "work-style", "professional-ethics", "outward-image",
    "serve-leaders", "serve-departments", "serve-the-public",
    "writing-skills", "communication", "coordination",
    "relationships", "scientific-planning", "know-the-business",
}  # fmt: skip


def test_shipped_deck_imports_complete(cards_copy: Path, collection, tmp_path):
    out = tmp_path / "deck.apkg"
    build(cards_copy, out)
    deck = load_deck(cards_copy)
    notes = generate_notes(deck)

    log = import_apkg(collection, out)

    assert len(log.new) == len(notes)
    assert not log.updated and not log.duplicate and not log.conflicting
    assert collection.note_count() == len(notes)
    assert collection.card_count() == sum(len(n.card_ords) for n in notes)
    assert collection.decks.id_for_name(deck.name)

    by_key = {}
    for nid in collection.find_notes(""):
        note = collection.get_note(nid)
        by_key[note["Key"].removeprefix("office-service/")] = note
    assert set(by_key) == {n.key for n in notes}

    for pid in PRINCIPLE_IDS:
        assert f"principle/{pid}/cloze" in by_key
        assert any(k.startswith(f"principle/{pid}/qa/") for k in by_key)
        assert by_key[f"principle/{pid}/cloze"].note_type()["name"] == "deckgen cloze"
    for generated in notes:
        note = by_key[generated.key]
        if generated.key.startswith("principle/"):
            pid = generated.key.split("/")[1]
            pillar_tags = [t for t in note.tags if t.count("::") == 1]
            principle_tags = [t for t in note.tags if t.endswith(f"::{pid}")]
            assert len(pillar_tags) == 1, note.tags
            assert principle_tags == [f"{pillar_tags[0]}::{pid}"], note.tags
        for value in note.fields:
            assert not PINYIN_ANNOTATION.search(value), value


def test_cloze_questions_hide_their_phrase(cards_copy: Path, collection, tmp_path):
    out = tmp_path / "deck.apkg"
    build(cards_copy, out)
    notes = {n.guid: n for n in generate_notes(load_deck(cards_copy))}
    import_apkg(collection, out)
    checked = 0
    for cid in collection.find_cards(f"note:{'deckgen cloze'!r}".replace("'", '"')):
        card = collection.get_card(cid)
        generated = notes[card.note().guid]
        phrase = dict(generated.clozes)[card.ord + 1]
        question = visible_text(card.question())
        answer = visible_text(card.answer())
        # Anki shows [...] in place of the hidden phrase, once, and the phrase on the back.
        assert question.count("[...]") == 1
        assert phrase in answer
        # The phrase is gone from the front: it occurs once less than in the full text.
        plain = visible_text(re.sub(r"\{\{c\d+::(.*?)(::.*?)?\}\}", r"\1", card.note()["Text"]))
        assert question.count(phrase) == plain.count(phrase) - 1, (phrase, question)
        checked += 1
    assert checked == sum(len(n.card_ords) for n in notes.values() if n.kind == CLOZE)


def test_new_cards_come_in_essay_order(cards_copy: Path, collection, tmp_path):
    out = tmp_path / "deck.apkg"
    build(cards_copy, out)
    notes = generate_notes(load_deck(cards_copy))
    import_apkg(collection, out)
    guid_order = {n.guid: i for i, n in enumerate(notes)}
    cards = [collection.get_card(cid) for cid in collection.find_cards("is:new")]
    cards.sort(key=lambda c: (c.due, c.ord))
    order = [guid_order[c.note().guid] for c in cards]
    assert order == sorted(order)
    first = notes[order[0]]
    assert first.key == "intro"
    assert len({c.due for c in cards}) == len(notes)  # not all due = 0
    assert any(n.kind == QA for n in notes)


def test_round_trip_keeps_progress(cards_copy: Path, collection, tmp_path):
    """The promise: edit a principle, rebuild, re-import, and lose nothing."""
    first = tmp_path / "first.apkg"
    build(cards_copy, first)
    import_apkg(collection, first)
    answered = answer_all_cards(collection, "辦公室服務工作")
    assert answered == collection.card_count()
    before = card_states(collection)
    assert all(reps == 1 and revlog == 1 for _, _, _, reps, revlog in before.values())
    notes_before = collection.note_count()

    pillar = cards_copy / "1-service-awareness.yaml"
    text = pillar.read_text(encoding="utf-8")
    edited = text.replace("嚴於律己\uff0c寬以待人", "嚴於律己\uff0c寬以待人\uff0c虛心學習", 1)
    assert edited != text
    pillar.write_text(edited, encoding="utf-8")
    second = tmp_path / "second.apkg"
    build(cards_copy, second)

    log = import_apkg(collection, second)
    # Anki reports the edited note updated and every other one as an unchanged duplicate.
    assert len(log.updated) == 1
    assert len(log.duplicate) == notes_before - 1
    assert not log.new and not log.conflicting
    assert collection.note_count() == notes_before
    assert card_states(collection) == before
    nid = collection.find_notes('"Key:office-service/principle/right-positioning/cloze"')
    assert len(nid) == 1
    assert "虛心學習" in collection.get_note(nid[0])["Text"]


# --- nothing live on a card or in Anki's screens ----------------------------------------

# MathJax delimiters, markup and directives in every text a deck has. YAML single quotes
# keep backslashes as written.
LIVE_DECK = {
    "deck.yaml": r"""
        key: live
        name: 'Live \(n\) deck'
        description: '<img src=x onerror=alert(1)> \(d\) {{Text}} [sound:d.mp3]'
        introduction: 'Intro \[i\] with [[\(p\)::\[h\]]] and [[plain]].'
        question: 'Which \(q\)?'
        """,
    "1-first.yaml": r"""
        id: first
        title: 'Pillar \[t\]'
        question: 'Pillar question \(pq\)?'
        principles:
          - id: alpha
            title: 'Title \(a\)'
            text: 'Text \(x+1\) keeps [[calm \[c\]]] and \\(y\\).'
            note: 'Note \[n\] <b>bold</b>'
            questions:
              - id: what
                question: 'Question \(w\)?'
                answer: 'Answer \[a\] \) \]'
        """,
}
LIVE_TEXTS = [
    r"Live \(n\) deck",
    r"Intro \[i\] with",
    r"Which \(q\)?",
    r"Pillar \[t\]",
    r"Pillar question \(pq\)?",
    r"Title \(a\)",
    r"Text \(x+1\) keeps",
    r"and \\(y\\).",
    r"calm \[c\]",
    r"\(p\)",
    r"Note \[n\] <b>bold</b>",
    r"Question \(w\)?",
    r"Answer \[a\] \) \]",
]


def test_markup_and_mathjax_show_as_written_on_every_card(tmp_path: Path, collection):
    r"""Regression: \( \) \[ \] reached every field as written, and Anki's MathJax typeset
    them; the deck description went into the package as raw HTML, and the desktop's deck
    overview shows it unescaped, so its <img onerror=...> ran."""
    cards = write_cards(tmp_path / "cards", LIVE_DECK)
    out = tmp_path / "live.apkg"
    build(cards, out)
    log = import_apkg(collection, out)
    assert not log.conflicting and collection.card_count() > 5

    shown = []
    for cid in collection.find_cards(""):
        card = collection.get_card(cid)
        for side in (card.question(), card.answer()):
            assert typeset_by_mathjax(side) == [], side
            assert "<img" not in side and "<b>" not in side
            shown.append(visible_text(side))
    everything = "\n".join(shown)
    # Tags and note type names are deckgen's own: slugs and fixed names, never markup.
    for nid in collection.find_notes(""):
        note = collection.get_note(nid)
        assert all(re.fullmatch(r"[a-z0-9-]+(::[a-z0-9-]+)*", tag) for tag in note.tags)
        assert note.note_type()["name"] in (
            "deckgen cloze (live)",
            "deckgen question-answer (live)",
        )
    for text in LIVE_TEXTS:
        assert text in everything, text
    hinted = next(
        visible_text(collection.get_card(cid).question())
        for cid in collection.find_cards('"Key:live/intro" card:1')
    )
    assert r"[\[h\]]" in hinted  # the hint, as written, in Anki's brackets

    deck = collection.decks.by_name(r"Live \(n\) deck")
    assert deck is not None
    description = deck["desc"]
    assert description == (
        r"&lt;img src=x onerror=alert(1)&gt; \<span></span>(d\<span></span>) "
        r"&#123;&#123;Text&#125;&#125; &#91;sound:d.mp3]"
    )
    assert typeset_by_mathjax(description) == []
    assert visible_text(description) == r"<img src=x onerror=alert(1)> \(d\) {{Text}} [sound:d.mp3]"
