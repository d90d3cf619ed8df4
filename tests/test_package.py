"""The package: deflate in parallel blocks, a hand-written zip, the stamp, and the rows."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import zipfile
import zlib
from pathlib import Path

import genanki
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deckgen.generate import escape_field, generate_notes, guid_for
from deckgen.lock import assign_stamps, compare
from deckgen.notetypes import note_types
from deckgen.package import (
    BLOCK,
    STAMP_PREFIX,
    build_collection,
    deflate_file,
    package_deck,
    read_stamp,
    write_package,
)
from deckgen.validate import load_deck
from tests.conftest import import_apkg


def _old_escape_field(text: str) -> str:
    """escape_field before its fast path, the reference."""
    import html

    escaped = html.escape(text, quote=False).replace("{", "&#123;").replace("}", "&#125;")
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


@given(st.lists(st.text(), min_size=1, max_size=3))
def test_guid_for_is_genankis(values: list[str]):
    assert guid_for(*values) == genanki.guid_for(*values)


def test_guid_for_is_genankis_on_many_keys():
    keys = [f"principle/p-{i}/qa/q{i % 7}" for i in range(20_000)]
    assert [guid_for("deck", k) for k in keys] == [genanki.guid_for("deck", k) for k in keys]


@given(st.text(alphabet=st.sampled_from("ab中&<>{}\r\n\"'#;")))
def test_escape_field_fast_path_changes_nothing(text: str):
    assert escape_field(text) == _old_escape_field(text)


def _scratch(tmp_path: Path, size: int, seed: int = 6) -> Path:
    """A file of `size` bytes that compresses somewhat, like a collection."""
    words = [hashlib.sha256(str(i).encode()).hexdigest()[: 3 + i % 9] for i in range(500)]
    rng = __import__("random").Random(seed)
    data = " ".join(rng.choice(words) for _ in range(size // 4)).encode()[:size]
    path = tmp_path / "data.bin"
    path.write_bytes(data.ljust(size, b"."))
    return path


@pytest.mark.parametrize("size", [1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 12_345])
def test_parallel_deflate_is_one_stream_whatever_the_threads(tmp_path: Path, size: int):
    path = _scratch(tmp_path, size)
    data = path.read_bytes()
    outputs = []
    for threads in (1, 2, 3):
        with open(path, "rb") as fh:
            pieces = list(deflate_file(fh.fileno(), size, threads=threads))
        assert b"".join(block for block, _ in pieces) == data
        outputs.append(b"".join(piece for _, piece in pieces))
    assert outputs[0] == outputs[1] == outputs[2]
    assert zlib.decompress(outputs[0], -15) == data
    # Priming each block with the window before it keeps the ratio of one stream.
    assert len(outputs[0]) <= len(zlib.compress(data, 6)) * 1.01 + 64


def test_zip_is_valid_deterministic_and_stamped(tmp_path: Path):
    collection = _scratch(tmp_path, 3 * BLOCK + 7)
    a, b = tmp_path / "a.apkg", tmp_path / "b.apkg"
    write_package(a, collection, stamp="inputs-1")
    write_package(b, collection, stamp="inputs-1")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert z.testzip() is None
        assert [i.filename for i in z.infolist()] == ["collection.anki2", "media"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
        assert all(i.external_attr >> 16 == 0o100644 for i in z.infolist())
        assert z.read("collection.anki2") == collection.read_bytes()
        assert z.read("media") == b"{}"
        assert z.comment.startswith(STAMP_PREFIX + b"inputs-1 ")
    assert read_stamp(a) == "inputs-1"


def test_stamp_is_refused_when_the_package_is_damaged(tmp_path: Path):
    collection = _scratch(tmp_path, 100_000)
    path = tmp_path / "deck.apkg"
    write_package(path, collection, stamp="s")
    good = path.read_bytes()
    assert read_stamp(path) == "s"
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 1
    path.write_bytes(bytes(flipped))
    assert read_stamp(path) is None
    path.write_bytes(good[:-1])
    assert read_stamp(path) is None
    path.write_bytes(good[: len(good) // 2])
    assert read_stamp(path) is None
    write_package(path, collection)
    assert read_stamp(path) is None  # no stamp at all
    assert read_stamp(tmp_path / "missing.apkg") is None


def test_stamp_must_be_printable_ascii(tmp_path: Path):
    collection = _scratch(tmp_path, 10)
    with pytest.raises(ValueError, match="printable ASCII"):
        write_package(tmp_path / "x.apkg", collection, stamp="中")
    assert list(tmp_path.iterdir()) == [collection]


def _build(cards: Path, out: Path, *, stamp: str | None = None) -> None:
    deck = load_deck(cards)
    notes = generate_notes(deck)
    types = note_types()
    stamps = assign_stamps(None, compare(None, notes, types, deck.name), types)
    package_deck(out, deck.name, deck.key, deck.description, notes, types, stamps, stamp=stamp)


def test_collection_rows_in_id_order_with_genankis_schema(mini_cards: Path, tmp_path: Path):
    deck = load_deck(mini_cards)
    notes = generate_notes(deck)
    types = note_types()
    stamps = assign_stamps(None, compare(None, notes, types, deck.name), types)
    db = tmp_path / "collection.anki2"
    reports: list[tuple[int, int]] = []
    build_collection(
        db, deck.name, deck.key, deck.description, notes, types, stamps,
        progress=lambda done, total: reports.append((done, total)),
    )  # fmt: skip
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        objects = conn.execute("SELECT type, name FROM sqlite_master ORDER BY name").fetchall()
        reference = sqlite3.connect(":memory:")
        reference.executescript(genanki.apkg_schema.APKG_SCHEMA)
        expected = reference.execute("SELECT type, name FROM sqlite_master ORDER BY name")
        assert objects == expected.fetchall()
        note_ids = [r[0] for r in conn.execute("SELECT id FROM notes ORDER BY rowid")]
        card_ids = [r[0] for r in conn.execute("SELECT id FROM cards ORDER BY rowid")]
        assert note_ids == sorted(note_ids) and len(note_ids) == len(notes)
        assert card_ids == sorted(card_ids)
        assert len(card_ids) == sum(len(n.card_ords) for n in notes)
        query = "SELECT n.guid, min(c.due) FROM cards c JOIN notes n ON n.id = c.nid GROUP BY 1"
        dues = dict(conn.execute(query))
        assert dues == {n.guid: n.position for n in notes}
    finally:
        conn.close()
    total = len(notes) + len(card_ids)
    assert reports[-1] == (total, total)


def test_package_deck_leaves_only_the_apkg(mini_cards: Path, tmp_path: Path):
    out = tmp_path / "dist" / "mini.apkg"
    _build(mini_cards, out, stamp="x")
    assert os.listdir(out.parent) == ["mini.apkg"]
    assert read_stamp(out) == "x"


def test_stamped_package_imports_into_anki(mini_cards: Path, tmp_path: Path, collection):
    out = tmp_path / "mini.apkg"
    _build(mini_cards, out, stamp="inputs")
    log = import_apkg(collection, out)
    assert len(log.new) == len(generate_notes(load_deck(mini_cards)))
    assert not log.duplicate and not log.conflicting
