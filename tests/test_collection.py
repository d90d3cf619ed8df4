"""deckgen.collection is genanki's: the schema, the `col` row, the deck and note-type JSON.

A build writes them without importing genanki; these tests are where genanki is the
reference, for every note type deckgen makes (each language, with and without TTS, the
legacy and the derived ids)."""

from __future__ import annotations

import json
from pathlib import Path

import genanki
import pytest

from deckgen.collection import col_row, deck_json, note_type_json, schema
from deckgen.language import LANGUAGES
from deckgen.notetypes import NoteType, Template, derived_ids, note_types, type_names
from tests.helpers import modules_loaded


def _genanki_json(nt: NoteType, stamp: int, deck_id: int) -> object:
    """The note type as package.assemble_collection wrote it through genanki."""
    model = genanki.Model(
        nt.model_id,
        nt.name,
        fields=[{"name": f} for f in nt.fields],
        templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in nt.templates],
        css=nt.css,
        model_type=genanki.Model.CLOZE if nt.is_cloze else genanki.Model.FRONT_BACK,
    )
    return model.to_json(stamp, deck_id)


def test_schema_and_col_row_are_genankis():
    assert schema() == genanki.apkg_schema.APKG_SCHEMA
    assert col_row() == genanki.apkg_col.APKG_COL


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("tts", [False, True])
@pytest.mark.parametrize("legacy", [True, False])
def test_note_type_json_is_genankis(language: str, tts: bool, legacy: bool):
    ids = None if legacy else derived_ids("some-deck")
    names = None if ids is None else type_names("some-deck", ids)
    for nt in note_types(tts=tts, ids=ids, names=names, language=language).values():
        ours = note_type_json(nt, 1_700_000_123, 1_234_567_890)
        # As the collection stores them: sorted keys.
        assert json.dumps(ours, sort_keys=True) == json.dumps(
            _genanki_json(nt, 1_700_000_123, 1_234_567_890), sort_keys=True
        )


@pytest.mark.parametrize(
    "front",
    [
        "{{Question}}",  # "all": one field required
        "{{Question}} {{Answer}}",  # "all": either missing leaves content: none required
        "{{#Extra}}{{Extra}}{{/Extra}} {{Answer}}",
        "{{^Extra}}no extra{{/Extra}}{{Question}}",
    ],
)
def test_required_fields_are_genankis(front: str):
    """Both of genanki's cases, beyond those deckgen's own fronts take ("any")."""
    nt = NoteType(
        "qa", 1, "t", ("Question", "Answer", "Extra"), (Template("Card 1", front, ""),), "", False
    )
    assert note_type_json(nt, 0, 1)["req"] == _genanki_json(nt, 0, 1)["req"]  # type: ignore[index]


def test_deck_json_is_genankis():
    for args in [(1_234_567_890, "Deck", "<p>About</p>"), (42, "Deck::一、Pillar", "")]:
        assert json.dumps(deck_json(*args), sort_keys=True) == json.dumps(
            genanki.Deck(*args).to_json(), sort_keys=True
        )


@pytest.mark.process
def test_a_build_does_not_import_genanki(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """genanki's package loads all of it, and asyncio: about 20 ms of a small build,
    which writes the same bytes without it (deckgen.collection)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "deck.apkg"
    output, loaded = modules_loaded(
        ("genanki", "asyncio"), "build", "--cards", mini_cards, "-o", out
    )
    assert "Built deck" in output and out.exists(), output
    assert loaded == []
