"""Property tests (Hypothesis): the cloze parser, GUID stability, text that survives Anki."""

from __future__ import annotations

import copy
import itertools
import tempfile
import textwrap
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from deckgen.cloze import (
    CLOSE,
    OPEN,
    Segment,
    parse_cloze,
    phrases,
    plain_text,
    to_markup,
)
from deckgen.errors import ClozeSyntaxError
from deckgen.generate import generate_notes
from deckgen.validate import load_deck
from tests.helpers import MINI_DECK, import_apkg, run_cli, typeset_by_mathjax, visible_text

# --- the cloze parser ----------------------------------------------------------------

# Text dense in the markup's own characters, so that most examples are near-misses.
MARKUP_HEAVY = st.text(alphabet=st.sampled_from("[[]]::a 服。,\n") | st.characters())


@given(MARKUP_HEAVY)
def test_cloze_parser_never_crashes(text: str):
    try:
        segments = parse_cloze(text)
    except ClozeSyntaxError as exc:
        # Every error points at a mark in the text: where the author has to look.
        assert text[exc.offset : exc.offset + 2] in (OPEN, CLOSE)
    else:
        # Parsing what the segments print gives them back; the text itself comes back
        # unless it had an empty hint ('[[a::]]' prints as '[[a]]').
        assert parse_cloze(to_markup(segments)) == segments
        assert to_markup(segments) == text or "::]]" in text


# Plain text may hold single brackets and colons, never a doubled bracket, and never a
# bracket at its ends (where it would run into a mark's own brackets).
PLAIN = st.text(alphabet=st.characters(exclude_characters="\x00"), min_size=1).filter(
    lambda t: OPEN not in t and CLOSE not in t and t[0] not in "[]" and t[-1] not in "[]"
)
# A phrase must contain something worth recalling; it cannot hold brackets or colons.
PHRASE = st.text(alphabet=st.characters(exclude_characters="[]:\x00"), min_size=1).filter(
    lambda t: any(unicodedata.category(c)[0] in "LNMS" for c in t)
)
HINT = st.text(alphabet=st.characters(exclude_characters="[]\x00"), min_size=1).filter(
    lambda t: t[-1] != ":"
)
CLOZE = st.builds(lambda p, h: Segment(p, cloze=True, hint=h), PHRASE, st.just("") | HINT)


@st.composite
def well_formed(draw: st.DrawFn) -> tuple[Segment, ...]:
    """Segments as parse_cloze returns them: plain runs merged, never empty."""
    parts = draw(st.lists(st.one_of(CLOZE, PLAIN.map(Segment)), max_size=8))
    merged: list[Segment] = []
    for part in parts:
        if merged and not part.cloze and not merged[-1].cloze:
            merged[-1] = Segment(merged[-1].text + part.text)
            assume(OPEN not in merged[-1].text and CLOSE not in merged[-1].text)
        else:
            merged.append(part)
    return tuple(merged)


@given(well_formed())
def test_cloze_markup_round_trips(segments: tuple[Segment, ...]):
    markup = to_markup(segments)
    assert parse_cloze(markup) == segments
    assert phrases(parse_cloze(markup)) == [s.text for s in segments if s.cloze]


# --- GUIDs come from ids only ----------------------------------------------------------

# Text an author can write: any printable character, CJK and emoji included, and the
# characters HTML and Anki's templates treat specially.
CHARS = st.characters(
    categories=("L", "M", "N", "P", "S", "Zs"), exclude_characters="[]\ufeff"
) | st.sampled_from(list("<>&{}\"'#:服務工作😀"))
TEXT = st.text(alphabet=CHARS, min_size=1, max_size=30).filter(lambda t: t.strip())
CLOZE_TEXT = st.tuples(TEXT, TEXT.filter(lambda t: any(c.isalnum() for c in t)), TEXT).map(
    lambda parts: f"{parts[0]}[[{parts[1]}]]{parts[2]}"
)

TEXT_FIELDS = {"name", "description", "question", "title", "answer", "note"}


def mini_data() -> dict[str, Any]:
    return {name: yaml.safe_load(textwrap.dedent(text)) for name, text in MINI_DECK.items()}


def write_data(folder: Path, data: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in data.items():
        (folder / name).write_text(yaml.safe_dump(content, allow_unicode=True), "utf-8")
    return folder


def guids(folder: Path) -> dict[str, str]:
    return {n.key: n.guid for n in generate_notes(load_deck(folder))}


BASELINE: dict[str, str] = {}


def baseline() -> dict[str, str]:
    if not BASELINE:
        with tempfile.TemporaryDirectory() as tmp:
            BASELINE.update(guids(write_data(Path(tmp), mini_data())))
    return BASELINE


def text_slots(data: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Every (mapping, key) of the deck that holds text, in a fixed order."""
    slots: list[tuple[dict[str, Any], str]] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for key in sorted(node):
                if key in TEXT_FIELDS | {"text", "introduction"}:
                    slots.append((node, key))
                else:
                    visit(node[key])
        elif isinstance(node, list):
            for item in node:
                visit(item)

    for name in sorted(data):
        visit(data[name])
    return slots


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(st.data())
def test_no_text_edit_changes_any_guid(data: st.DataObject):
    deck = mini_data()
    for node, key in text_slots(deck):
        cloze = key in ("text", "introduction")
        node[key] = data.draw(CLOZE_TEXT if cloze else TEXT, label=key)
    with tempfile.TemporaryDirectory() as tmp:
        assert guids(write_data(Path(tmp), deck)) == baseline()


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_reordering_principles_and_files_changes_no_guid(random: Any):
    deck = mini_data()
    pillars = [deck["1-first.yaml"], deck["2-second.yaml"]]
    principles = [p for pillar in pillars for p in pillar["principles"]]
    random.shuffle(principles)
    cut = random.randint(1, len(principles) - 1)
    pillars[0]["principles"], pillars[1]["principles"] = principles[:cut], principles[cut:]
    random.shuffle(pillars)
    files = {"deck.yaml": deck["deck.yaml"]}
    files.update({f"{i}-{p['id']}.yaml": p for i, p in enumerate(pillars, start=1)})
    with tempfile.TemporaryDirectory() as tmp:
        assert guids(write_data(Path(tmp), files)) == baseline()


# --- text survives build and import into a real collection ---------------------------

COUNTER = itertools.count()


def as_anki_shows(text: str) -> str:
    """What the author wrote, as the card shows it: deckgen strips and NFC-normalises."""
    return unicodedata.normalize("NFC", text.strip())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(question=TEXT, answer=TEXT, title=TEXT, note=TEXT, text=CLOZE_TEXT)
@example(
    question="a < b && {{c1::x}} {{Answer}}?",
    answer="<b>not bold</b> &amp; {{#Extra}}",
    title="服務 😀 <i>",
    note="}} {{ &lt;",
    text="如 {{c2::x}} 與 <br> 是[[服務 & <意識>]]。",
)
@example(
    question="\\(x^2\\) or \\[y\\]?",
    answer="ends in \\",
    title="\\\\(a\\)",
    note="\\] \\) [sound:x.mp3]",
    text="see [[\\(z\\)]] and \\[w\\] \\",
)
def test_unicode_text_survives_build_and_import(
    collection: Any, question: str, answer: str, title: str, note: str, text: str
):
    n = next(COUNTER)
    deck = mini_data()
    deck["deck.yaml"].update(key=f"prop-{n}", name=f"Property deck {n}")
    alpha = deck["1-first.yaml"]["principles"][0]
    alpha.update(title=title, note=note, text=text)
    alpha["questions"][0].update(question=question, answer=answer)
    with tempfile.TemporaryDirectory() as tmp:
        cards = write_data(Path(tmp) / "cards", deck)
        out = Path(tmp) / "deck.apkg"
        result = run_cli("build", "--cards", cards, "-o", out)
        assert result.exit_code == 0, result.output
        log = import_apkg(collection, out)
    assert len(log.new) == 10 and not log.conflicting

    (qa_id,) = collection.find_notes(f'"Key:prop-{n}/principle/alpha/qa/what"')
    qa = collection.get_note(qa_id)
    assert visible_text(qa["Question"]) == as_anki_shows(question)
    assert visible_text(qa["Answer"]) == as_anki_shows(answer)
    card = qa.cards()[0]
    # Nothing on the card is for MathJax to typeset (\( \) \[ \] show as written).
    assert typeset_by_mathjax(card.question()) == typeset_by_mathjax(card.answer()) == []
    front, back = visible_text(card.question()), visible_text(card.answer())
    assert as_anki_shows(question) in front
    assert as_anki_shows(title) in front
    for expected in (question, answer, title, note):
        assert as_anki_shows(expected) in back

    (cloze_id,) = collection.find_notes(f'"Key:prop-{n}/principle/alpha/cloze"')
    cloze_card = collection.get_note(cloze_id).cards()[0]
    written = plain_text(parse_cloze(as_anki_shows(text)))
    assert written in visible_text(cloze_card.answer())
    assert typeset_by_mathjax(cloze_card.question() + cloze_card.answer()) == []
    assert "[...]" in visible_text(cloze_card.question())


def test_sound_tag_text_shows_as_written(collection: Any, tmp_path: Path):
    """Regression: a literal [sound:x.mp3] in an answer became an audio player in Anki."""
    deck = copy.deepcopy(mini_data())
    deck["1-first.yaml"]["principles"][0]["questions"][0]["answer"] = "say [sound:x.mp3]"
    cards = write_data(tmp_path / "cards", deck)
    assert run_cli("build", "--cards", cards, "-o", tmp_path / "d.apkg").exit_code == 0
    import_apkg(collection, tmp_path / "d.apkg")
    (nid,) = collection.find_notes('"Key:mini/principle/alpha/qa/what"')
    assert "say [sound:x.mp3]" in visible_text(collection.get_note(nid).cards()[0].answer())


# --- the cloze-hides-sentence rule ------------------------------------------------------------

# Sentences of ideographs, other Han, kana, Latin words, digits and punctuation, with marks.
SHARE_TEXT = st.lists(
    st.sampled_from(
        [
            "\u670d\u52d9",
            "\u4e00",
            "\u3400",
            "\U00020000",
            "\u3042",
            "ab",
            "7",
            " ",
            "\u3002",
            "\uff0c",
            ".",
            "\n",
            "[[\u610f\u8b58]]",
            "[[ab cd]]",
            "[[\u4e00x]]",
        ]
    ),
    max_size=14,
).map("".join)


@given(SHARE_TEXT, st.sampled_from([0.05, 0.3, 0.5, 0.6, 0.99, 1.0]))
@example("\u670d\u52d9[[\u610f\u8b58]]\u3002", 0.3)  # hides half: 2 of 4 ideographs
@example("[[ab cd]] \u670d\u52d9\u4e00\u3002", 0.3)  # 1 unit of 4, but 5 characters
def test_the_share_rule_finds_what_counting_every_sentence_finds(text: str, limit: float):
    from deckgen.rules import _SENTENCE_END, _cloze_shares, recall_length

    try:
        segments = parse_cloze(text)
    except ClozeSyntaxError:
        return
    # The rule as its message states it, every sentence and phrase counted in full.
    plain = plain_text(segments)
    ends = [m.end() for m in _SENTENCE_END.finditer(plain)]
    expected = []
    pos = number = 0
    for seg in segments:
        start, end = pos, pos + len(seg.text)
        pos = end
        if not seg.cloze:
            continue
        number += 1
        sentence_start = max([e for e in ends if e <= start], default=0)
        sentence_end = min([e for e in ends if e >= end], default=len(plain))
        sentence = recall_length(plain[sentence_start:sentence_end])
        share = recall_length(seg.text) / sentence if sentence else 1.0
        if share > limit:
            expected.append((number, seg, share))
    assert list(_cloze_shares(segments, limit)) == expected


@given(MARKUP_HEAVY)
@example("[[[a]]]")
@example("a]][[b]]")
@example("[[ ]]x[[b]]")
@example("[[a[[b]]")
@example("[[,]]")
@example("\u670d[[\u52d9::\u63d0\u793a]]\u3002[[a::]]")
def test_the_parsers_fast_path_agrees_with_the_scanner(text: str):
    from deckgen.cloze import scan_cloze

    try:
        expected: object = tuple(segment for segment, _ in scan_cloze(text))
    except ClozeSyntaxError as exc:
        expected = (exc.message, exc.offset)
    try:
        got: object = parse_cloze(text)
    except ClozeSyntaxError as exc:
        got = (exc.message, exc.offset)
    assert got == expected
