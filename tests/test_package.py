"""The package: deflate in parallel blocks, a hand-written zip, the stamp, and the rows."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import genanki
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deckgen.build as build_module
import deckgen.cache as cache_module
import deckgen.package as package_module
from deckgen.cache import file_digest
from deckgen.changes import assign_stamps
from deckgen.generate import BASE91_TABLE, escape_field, generate_notes, guid_for
from deckgen.notetypes import note_types
from deckgen.options import BuildOptions
from deckgen.package import (
    BLOCK,
    build_collection,
    deflate_file,
    package_deck,
    write_package,
)
from deckgen.validate import load_deck
from tests.helpers import import_apkg, modules_loaded, run_cli


def _old_escape_field(text: str) -> str:
    """escape_field before its fast path, the reference."""
    import html

    escaped = html.escape(text, quote=False).replace("{", "&#123;").replace("}", "&#125;")
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


@given(st.lists(st.text(), min_size=1, max_size=3))
def test_guid_for_is_genankis(values: list[str]):
    assert guid_for(*values) == genanki.guid_for(*values)


def test_base91_alphabet_is_genankis():
    assert "".join(genanki.util.BASE91_TABLE) == BASE91_TABLE


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


@pytest.mark.parametrize("size", [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 12_345])
def test_parallel_deflate_is_one_stream_whatever_the_threads(tmp_path: Path, size: int):
    path = _scratch(tmp_path, size)
    data = path.read_bytes()
    outputs = []
    for threads in (1, 2, 3):
        with open(path, "rb") as fh:
            pieces = list(deflate_file(fh, size, threads=threads))
        assert b"".join(block for block, _ in pieces) == data
        outputs.append(b"".join(piece for _, piece in pieces))
    assert outputs[0] == outputs[1] == outputs[2]
    assert zlib.decompress(outputs[0], -15) == data
    # Priming each block with the window before it keeps the ratio of one stream.
    one = package_module.DEFLATER.compressobj(
        package_module.COMPRESS_LEVEL, package_module.DEFLATER.DEFLATED, -15
    )
    assert len(outputs[0]) <= len(one.compress(data) + one.flush()) * 1.01 + 64


@pytest.mark.process
def test_a_small_collection_is_deflated_without_threads(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The pieces are the same on any number of threads: below THREADS_FROM a build
    starts no thread pool, and concurrent.futures (about 10 ms to import) stays unloaded."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "deck.apkg"
    modules = ("concurrent.futures",)
    output, loaded = modules_loaded(modules, "build", "--cards", mini_cards, "-o", out)
    assert "Built deck" in output and out.exists(), output
    assert loaded == []


def test_zip_is_valid_and_deterministic(tmp_path: Path):
    collection = _scratch(tmp_path, 3 * BLOCK + 7)
    a, b = tmp_path / "a.apkg", tmp_path / "b.apkg"
    write_package(a, collection)
    write_package(b, collection)
    assert a.read_bytes() == b.read_bytes()
    assert file_digest(a) == hashlib.sha256(a.read_bytes()).hexdigest()
    assert file_digest(tmp_path / "missing.apkg") is None
    with zipfile.ZipFile(a) as z:
        assert z.testzip() is None
        assert [i.filename for i in z.infolist()] == ["collection.anki2", "media"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
        assert all(i.external_attr >> 16 == 0o100644 for i in z.infolist())
        assert z.read("collection.anki2") == collection.read_bytes()
        assert z.read("media") == b"{}"
        assert z.comment == b""


def _build(cards: Path, out: Path) -> None:
    deck = load_deck(cards)
    notes = generate_notes(deck)
    types = note_types()
    stamps = assign_stamps(notes, types, [])
    package_deck(out, deck.name, deck.key, deck.description, notes, types, stamps)


def test_collection_rows_in_id_order_with_genankis_schema(mini_cards: Path, tmp_path: Path):
    deck = load_deck(mini_cards)
    notes = generate_notes(deck)
    types = note_types()
    stamps = assign_stamps(notes, types, [])
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
    # Progress in steps: each table's rows, then each index.
    assert reports[-1][0] == reports[-1][1] > 2


def test_package_deck_leaves_only_the_apkg(mini_cards: Path, tmp_path: Path):
    out = tmp_path / "dist" / "mini.apkg"
    _build(mini_cards, out)
    assert os.listdir(out.parent) == ["mini.apkg"]


def test_package_imports_into_anki(mini_cards: Path, tmp_path: Path, collection):
    out = tmp_path / "mini.apkg"
    _build(mini_cards, out)
    log = import_apkg(collection, out)
    assert len(log.new) == len(generate_notes(load_deck(mini_cards)))
    assert not log.duplicate and not log.conflicting


# --- the no-op rebuild (uptodate.py) ----------------------------------------------------------


UP_TO_DATE = "No changes since the last build: {} is up to date, nothing written.\n"


def _fingerprint(path: Path) -> tuple[int, int, bytes]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, path.read_bytes()


def test_rebuild_with_nothing_changed_writes_nothing(mini_cards: Path, tmp_path: Path):
    out = tmp_path / "out" / "mini.apkg"
    first = run_cli("build", "--cards", mini_cards, "-o", out)
    assert first.exit_code == 0, first.output
    before = _fingerprint(out)
    lock = _fingerprint(mini_cards / "deckgen.lock")
    again = run_cli("build", "--cards", mini_cards, "-o", out, "--frozen")
    assert again.exit_code == 0, again.output
    assert again.output == UP_TO_DATE.format(out)
    assert _fingerprint(out) == before
    assert _fingerprint(mini_cards / "deckgen.lock") == lock
    assert sorted(os.listdir(out.parent)) == ["mini.apkg"]


def test_up_to_date_package_is_what_a_full_build_writes(mini_cards: Path, tmp_path: Path):
    out, fresh = tmp_path / "a.apkg", tmp_path / "b.apkg"
    assert run_cli("build", "--cards", mini_cards, "-o", out).exit_code == 0
    assert run_cli("build", "--cards", mini_cards, "-o", out).output == UP_TO_DATE.format(out)
    assert "Built deck" in run_cli("build", "--cards", mini_cards, "-o", fresh).output
    assert out.read_bytes() == fresh.read_bytes()


def _edit_card(cards: Path) -> None:
    pillar = cards / "1-first.yaml"
    pillar.write_text(pillar.read_text().replace("carry on", "carry on calmly"))


def _touch_package(out: Path) -> None:
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 1
    out.write_bytes(bytes(data))


def _add_file(cards: Path) -> None:
    (cards / "3-third.yaml").write_text(
        "id: third\ntitle: Third\nprinciples:\n  - id: delta\n    title: Delta\n"
        "    text: Be [[brief]].\n    questions: []\n"
    )


BAD_LOCK = (
    "{}:1:1: error: lock file version None is not one this deckgen reads (1, 2); upgrade deckgen"
)


@pytest.mark.parametrize(
    ("change", "extra", "status", "line"),
    [
        (_edit_card, (), 0, "  ~ principle/alpha/cloze"),
        (_add_file, (), 0, "  + pillar/third"),
        # The lock is read again, so its damage is found (an error, nothing written).
        (lambda cards: (cards / "deckgen.lock").write_bytes(b"{}"), (), 1, BAD_LOCK),
        (lambda cards: None, ("--tts",), 0, "  note type 'cloze': templates or style updated"),
        (
            lambda cards: None,
            ("--script", "simplified"),
            0,
            "Converted to Simplified Chinese with OpenCC (t2s); the deck name and note "
            "identities are unchanged.",
        ),
    ],
    ids=["edited card", "new pillar file", "lock replaced", "--tts", "--script"],
)
def test_any_change_of_input_or_option_builds_again(
    mini_cards: Path, tmp_path: Path, change, extra: tuple[str, ...], status: int, line: str
):
    out = tmp_path / "mini.apkg"
    assert run_cli("build", "--cards", mini_cards, "-o", out).exit_code == 0
    change(mini_cards)
    result = run_cli("build", "--cards", mini_cards, "-o", out, *extra)
    lines = result.output.splitlines()
    assert "up to date" not in result.output
    assert result.exit_code == status, result.output
    assert line.format(mini_cards / "deckgen.lock") in lines
    if status == 0:
        assert f"Wrote {out} ({out.stat().st_size / 1024:.1f} KiB)" in lines
    else:
        assert lines[-1] == "Aborted with 1 error: nothing was written."


@pytest.mark.parametrize(
    "damage",
    [_touch_package, lambda out: out.unlink(), lambda out: out.write_bytes(b"")],
    ids=["changed bytes", "deleted", "emptied"],
)
def test_a_package_that_is_not_as_built_is_built_again(mini_cards: Path, tmp_path: Path, damage):
    out = tmp_path / "mini.apkg"
    assert run_cli("build", "--cards", mini_cards, "-o", out).exit_code == 0
    good = out.read_bytes()
    damage(out)
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert result.exit_code == 0 and "Built deck" in result.output, result.output
    assert out.read_bytes() == good


def test_another_output_is_built(mini_cards: Path, tmp_path: Path):
    assert run_cli("build", "--cards", mini_cards, "-o", tmp_path / "a.apkg").exit_code == 0
    result = run_cli("build", "--cards", mini_cards, "-o", tmp_path / "b.apkg")
    assert "Built deck" in result.output and (tmp_path / "b.apkg").is_file()


def test_unwritable_cache_only_costs_the_skip(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    out = tmp_path / "mini.apkg"
    for _ in range(2):
        result = run_cli("build", "--cards", mini_cards, "-o", out)
        assert result.exit_code == 0 and "Built deck" in result.output, result.output


def test_cache_keeps_a_bounded_number_of_records(
    mini_cards: Path, tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(cache_module, "MAX_RECORDS", 3)
    for i in range(5):
        assert run_cli("build", "--cards", mini_cards, "-o", tmp_path / f"{i}.apkg").exit_code == 0
    assert len(list((private_cache / "deckgen" / "builds").iterdir())) == 3


def test_default_outputs_of_a_project_are_up_to_date(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    project = tmp_path / "project"
    (project / "cards").mkdir(parents=True)
    mini_cards.rename(project / "cards" / "one")
    monkeypatch.chdir(project)
    assert run_cli("build").exit_code == 0
    assert run_cli("build").output == UP_TO_DATE.format("dist/mini.apkg")
    (project / "dist" / "mini.apkg").rename(project / "dist" / "moved.apkg")
    assert "Wrote dist/mini.apkg" in run_cli("build").output


# --- progress ---------------------------------------------------------------------------------


def test_build_reports_progress_through_every_stage(mini_cards: Path, tmp_path: Path):
    seen: list[tuple[str, int, int]] = []
    build_module.build_deck(
        mini_cards,
        tmp_path / "mini.apkg",
        BuildOptions(progress=lambda *report: seen.append(report)),
    )
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages == ["Reading cards", "Generating notes", "Writing notes", "Compressing"]
    for stage in stages[2:]:
        last = [(done, total) for s, done, total in seen if s == stage][-1]
        assert last[0] == last[1] > 0


def test_progress_bar_draws_on_stderr_once_the_build_is_slow(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    from deckgen.cli import _ProgressBar

    bar = _ProgressBar()
    bar("Writing notes", 10, 100)  # under two seconds: nothing yet
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(_ProgressBar, "DELAY", 0.0)
    bar("Writing notes", 50, 100)
    bar("Compressing", 3, 3)
    bar.close()
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.split() == ["Writing", "notes", "Compressing"]  # click: labels only off a tty


@pytest.mark.process
def test_no_progress_bar_when_stderr_is_not_a_terminal(mini_cards: Path, tmp_path: Path):
    """Through a real process with stderr captured: the output has no bar in it."""
    proc = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "build", "--cards", str(mini_cards), "-o",
         str(tmp_path / "mini.apkg")],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_card_ids_may_change_between_versions(
    mini_cards: Path, tmp_path: Path, collection, monkeypatch: pytest.MonkeyPatch
):
    """Anki keeps a note's existing cards by their number, whatever the package's card ids:
    deckgen may derive them differently from one version to the next."""
    first = tmp_path / "first.apkg"
    assert run_cli("build", "--cards", mini_cards, "-o", first).exit_code == 0
    import_apkg(collection, first)
    before = {(c.nid, c.ord): c.id for c in map(collection.get_card, collection.find_cards(""))}
    monkeypatch.setattr(package_module, "ORD_BITS", package_module.ORD_BITS + 1)
    monkeypatch.setattr(package_module, "ID_BASE", package_module.ID_BASE + 1)
    _edit_card(mini_cards)
    second = tmp_path / "second.apkg"
    assert run_cli("build", "--cards", mini_cards, "-o", second).exit_code == 0
    log = import_apkg(collection, second)
    assert len(log.updated) == 1 and not log.new
    after = {(c.nid, c.ord): c.id for c in map(collection.get_card, collection.find_cards(""))}
    assert after == before


def test_a_lock_checked_out_with_crlf_is_the_same_lock(
    mini_cards: Path, tmp_path: Path, private_cache: Path
):
    out = tmp_path / "mini.apkg"
    assert run_cli("build", "--cards", mini_cards, "-o", out).exit_code == 0
    lock = mini_cards / "deckgen.lock"
    lock.write_bytes(lock.read_bytes().replace(b"\n", b"\r\n"))
    crlf = lock.read_bytes()
    again = run_cli("build", "--cards", mini_cards, "-o", out, "--frozen")
    assert again.output == UP_TO_DATE.format(out)
    shutil.rmtree(private_cache)  # no record: a whole build, which finds the lock unchanged
    full = run_cli("build", "--cards", mini_cards, "-o", out, "--frozen")
    assert full.exit_code == 0, full.output
    assert "No changes since the last build: importing updates nothing." in full.output
    assert lock.read_bytes() == crlf
