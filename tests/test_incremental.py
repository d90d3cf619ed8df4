"""A rebuild that reuses the last build's files (deckgen.incremental) writes exactly what a
cold build of the same cards writes: the same deck bytes, lock and messages. Each change
below is made to two copies of a deck: one rebuilt with its cache, one without."""

from __future__ import annotations

import functools
import hashlib
import json
import marshal
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import deckgen.cache as cache_module
import deckgen.context as context_module
import deckgen.incremental as incremental
import deckgen.pillars as pillars_module
from bench.synth import write_cards as synth_cards
from deckgen.errors import LockError
from deckgen.lock import LazyNotes, LockedNote, LockedNoteType, parse_lock, read_lock, render_lock
from deckgen.published import from_lock
from deckgen.workers import process_files
from tests.helpers import run_cli

NOTES = 1_400  # eight pillar files
LONG_ANSWER = "answer: " + "\u5f88\u9577\u7684\u7b54\u6848" * 12


class Twin:
    """One copy of a deck in `root`: cards/ and dist/deck.apkg, built from `root`."""

    def __init__(self, root: Path, source: Path):
        self.root = root
        self.last_output = ""
        shutil.copytree(source, root / "cards")

    @property
    def cards(self) -> Path:
        return self.root / "cards"

    def pillar_files(self) -> list[Path]:
        return sorted(p for p in self.cards.glob("*.yaml") if p.name != "deck.yaml")

    def build(self, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, str]:
        with monkeypatch.context() as m:
            m.chdir(self.root)
            result = run_cli("build", "--cards", "cards", "-o", "dist/deck.apkg", *extra)
        return result.exit_code, result.output

    def outputs(self) -> tuple[bytes, bytes]:
        deck = self.root / "dist" / "deck.apkg"
        return deck.read_bytes(), (self.cards / "deckgen.lock").read_bytes()


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[set[int]]:
    """The pillar file numbers each build processed (rather than took from its cache);
    and one second for every stamp, so that builds made apart can give the same bytes."""
    monkeypatch.setattr(
        context_module, "fresh_stamp", lambda newest: max(newest + 1, 1_900_000_000)
    )
    real = process_files
    calls: list[set[int]] = []

    def recording(files, ctx, scratch, workers):
        calls.append({index for index, _ in files})
        return real(files, ctx, scratch, workers)

    monkeypatch.setattr(pillars_module, "process_files", recording)
    return calls


@pytest.fixture
def twins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy: list[set[int]]
) -> tuple[Twin, Twin]:
    """Two copies of a built deck of eight files, one with a warning in its second file."""
    source = synth_cards(tmp_path / "source", NOTES)
    second = sorted(source.glob("0*.yaml"))[1]
    second.write_text(
        second.read_text(encoding="utf-8").replace("answer: ", LONG_ANSWER, 1), encoding="utf-8"
    )
    warm, cold = Twin(tmp_path / "warm", source), Twin(tmp_path / "cold", source)
    for twin in (warm, cold):
        code, output = twin.build(monkeypatch)
        assert code == 0, output
    assert warm.outputs() == cold.outputs()
    return warm, cold


def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "load", lambda folder, context, digest, lock: None)
    monkeypatch.setattr(incremental, "wrote_lock", lambda folder, lock: False)


def _rebuild_both(
    warm: Twin, cold: Twin, monkeypatch: pytest.MonkeyPatch, spy: list[set[int]], *extra: str
) -> set[int]:
    """Rebuild both twins (the cold one without its cache), check that they wrote and said
    the same; return the files the warm build processed."""
    spy.clear()
    warm_code, warm_output = warm.build(monkeypatch, *extra)
    with monkeypatch.context() as m:
        _no_cache(m)
        cold_code, cold_output = cold.build(monkeypatch, *extra)
    assert (warm_code, warm_output) == (cold_code, cold_output)
    assert warm_code == 0, warm_output
    assert warm.outputs() == cold.outputs()
    # The cold build processes every file at once; the warm one what it could not take
    # from the cache (a kept result that cannot be read: once more, after the others).
    *warm_calls, cold_call = spy
    assert cold_call == set(range(1, len(cold.pillar_files()) + 1))
    assert 1 <= len(warm_calls) <= 2
    warm.last_output = warm_output
    return set().union(*warm_calls)


def _both(twins: tuple[Twin, Twin], change: Callable[[Twin], None]) -> None:
    for twin in twins:
        change(twin)


def _edit(index: int) -> Callable[[Twin], None]:
    def change(twin: Twin) -> None:
        path = twin.pillar_files()[index - 1]
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("text: ", "text: \u4fee\u8a02", 1), encoding="utf-8")

    return change


def test_a_lock_this_deckgen_wrote_is_read_lazily(twins, monkeypatch, spy):
    """The lock the last build wrote is read note by note as asked (LazyNotes), and reads
    as the same lock; any other bytes, or another deckgen, are read whole and checked."""
    warm, _ = twins
    lock_path = warm.cards / "deckgen.lock"
    raw = lock_path.read_bytes()
    trust = functools.partial(incremental.trusted, warm.cards)
    known = trust(raw)
    assert known is not None and known.keys is not None and len(known.keys) == NOTES
    eager = read_lock(lock_path, "lock")
    assert eager is not None and type(eager.notes) is dict
    # With the keys its build kept of it, and with its keys read from its lines.
    for lazy in (read_lock(lock_path, "lock", trust), parse_lock(raw, "lock", trusted=True)):
        assert lazy is not None and isinstance(lazy.notes, LazyNotes)
        assert list(lazy.notes) == list(eager.notes) and len(lazy.notes) == NOTES
        assert dict(lazy.notes.items()) == eager.notes  # every note made, through the checks
        assert lazy.newest_stamp == eager.newest_stamp > 0
        assert lazy.digest == eager.digest == hashlib.sha256(raw).hexdigest()
        assert from_lock(lazy, "x") == from_lock(eager, "x")
        assert (lazy.deck_key, lazy.note_types, lazy.raw) == (
            eager.deck_key,
            eager.note_types,
            eager.raw,
        )

    assert incremental.wrote_lock(warm.cards, raw)
    assert not incremental.wrote_lock(warm.cards, raw.replace(b'"mod": ', b'"mod":  ', 1))
    assert not incremental.wrote_lock(warm.root, raw)  # another folder's
    monkeypatch.setattr(incremental, "code_identity", lambda with_opencc: "another deckgen")
    assert not incremental.wrote_lock(warm.cards, raw)


def _odd_lock() -> bytes:
    """A lock as deckgen writes it, with keys JSON must escape (a quote, a backslash, a
    line end, a line separator) beside plain and non-ASCII ones."""
    notes = [
        LockedNote(key, f"g{i}", "cloze", f"h{i}", 1_800_000_000 + i, ((1, f"p{i}"),))
        for i, key in enumerate(
            ["intro", 'say "hi"', "back\\slash", "two\nlines", "sep\u2028x", "\u4e2d/\u6587"]
        )
    ]
    notes.append(LockedNote("early", "g", "qa", "h", 99))
    notes.append(LockedNote("last", "g", "qa", "h", 12_000_000_000, (), ((2, '"q"'),), True))
    types = [LockedNoteType("cloze", 1, "c", "f", "s", 1_600_000_000)]
    return render_lock("deck", "Deck", types, notes, {"p": "Deck::P"})


def test_a_lock_read_lazily_reads_every_key_as_json_does():
    raw = _odd_lock()
    lazy, eager = parse_lock(raw, "lock", trusted=True), parse_lock(raw, "lock")
    assert isinstance(lazy.notes, LazyNotes) and type(eager.notes) is dict
    assert list(lazy.notes) == list(eager.notes) and len(lazy.notes) == 8
    assert dict(lazy.notes.items()) == eager.notes
    assert "two\nlines" in lazy.notes and "two" not in lazy.notes
    assert lazy.newest_stamp == eager.newest_stamp == 12_000_000_000
    assert from_lock(lazy, "x") == from_lock(eager, "x")
    assert (lazy.deck_name, lazy.note_types, lazy.subdecks) == (
        eager.deck_name,
        eager.note_types,
        eager.subdecks,
    )


def test_a_trusted_lock_laid_out_otherwise_is_read_whole():
    """Bytes that are not one note per line as deckgen writes them (reformatted, a note
    over two lines, a key twice) are read as JSON reads them, never guessed at."""
    raw = _odd_lock()
    reformatted = json.dumps(json.loads(raw), indent=1).encode() + b"\n"
    two_lines = raw.replace(b'"guid": "g0", ', b'\n"guid": "g0", ')
    twice = raw.replace(b'  "last": {', b'  "intro": {')
    for other in (reformatted, two_lines, twice):
        lock = parse_lock(other, "lock", trusted=True)
        assert type(lock.notes) is dict
        assert lock.notes == parse_lock(other, "lock").notes
    assert parse_lock(twice, "lock", trusted=True).notes["intro"].kind == "qa"  # the last


def test_a_damaged_note_of_a_trusted_lock_is_a_located_error():
    raw = _odd_lock().replace(b'"hash": "h3", "mod": 1800000003', b'"hash": "h3", "mod": 1.5')
    lock = parse_lock(raw, "lock", trusted=True)
    assert lock.notes["intro"].mod == 1_800_000_000
    with pytest.raises(LockError) as caught:
        lock.notes["two\nlines"]
    (finding,) = caught.value.findings
    assert (finding.location.line, finding.message) == (
        12,
        "the lock file is damaged (1.5 is not a whole number); restore it from "
        "version control (`git restore` or `git checkout` it) rather than editing it",
    )


def test_an_edit_reprocesses_its_file_only(twins, monkeypatch, spy):
    warm, cold = twins
    _both(twins, _edit(3))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {3}
    # The warning of a file taken from the cache is said again, where it is.
    _, output = warm.build(monkeypatch)
    assert "No changes since the last build" in output
    _both(twins, _edit(5))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {5}
    assert "is too long to recall" in warm.last_output
    assert str(Path("cards") / warm.pillar_files()[1].name) + ":" in warm.last_output
    # And again: the cache the last incremental build left is right too.
    _both(twins, _edit(5))
    _both(twins, _edit(8))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {5, 8}


def _added(name: str, pillar_id: str) -> Callable[[Twin], None]:
    """A copy of the last pillar file as `name`, with ids of its own."""

    def change(twin: Twin) -> None:
        last = twin.pillar_files()[-1].read_text(encoding="utf-8")
        text = last.replace("pillar-0008", pillar_id).replace("principle-", "extra-")
        (twin.cards / name).write_text(text, encoding="utf-8")

    return change


def test_a_file_added_at_the_end_is_the_only_one_read(twins, monkeypatch, spy):
    warm, cold = twins

    _both(twins, _added("0009-pillar.yaml", "pillar-0009"))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {9}


def test_a_file_added_in_the_middle_moves_those_after_it(twins, monkeypatch, spy):
    warm, cold = twins

    _both(twins, _added("0003b-pillar.yaml", "pillar-0003b"))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == set(range(4, 10))


def test_a_removed_file_retires_its_notes_and_moves_those_after_it(twins, monkeypatch, spy):
    warm, cold = twins
    _both(twins, lambda twin: twin.pillar_files()[-1].unlink())
    assert _rebuild_both(warm, cold, monkeypatch, spy, "--accept-loss") == set()
    _both(twins, lambda twin: twin.pillar_files()[2].unlink())
    assert _rebuild_both(warm, cold, monkeypatch, spy, "--accept-loss") == set(range(3, 7))


def test_a_renamed_file_is_read_again(twins, monkeypatch, spy):
    warm, cold = twins

    def rename(twin: Twin) -> None:
        path = twin.pillar_files()[3]
        path.rename(path.with_name("0004-renamed.yaml"))

    _both(twins, rename)
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {4}


def test_a_changed_deck_file_reprocesses_every_file(twins, monkeypatch, spy):
    warm, cold = twins

    def change(twin: Twin) -> None:
        deck = twin.cards / "deck.yaml"
        text = deck.read_text(encoding="utf-8")
        deck.write_text(text.replace("description: ", "description: \u65b0", 1), encoding="utf-8")

    _both(twins, change)
    assert _rebuild_both(warm, cold, monkeypatch, spy) == set(range(1, 9))


def test_another_deckgen_reprocesses_every_file(twins, monkeypatch, spy):
    warm, cold = twins
    _both(twins, _edit(2))
    real = cache_module.code_identity
    monkeypatch.setattr(incremental, "code_identity", lambda opencc: real(opencc) + "-next")
    assert _rebuild_both(warm, cold, monkeypatch, spy) == set(range(1, 9))


def test_another_script_or_tts_reprocesses_every_file(twins, monkeypatch, spy):
    warm, cold = twins
    assert _rebuild_both(warm, cold, monkeypatch, spy, "--tts") == set(range(1, 9))
    _both(twins, _edit(2))
    assert _rebuild_both(warm, cold, monkeypatch, spy, "--tts") == {2}
    assert _rebuild_both(warm, cold, monkeypatch, spy) == set(range(1, 9))
    out = ("-o", "dist/simplified.apkg")
    assert _rebuild_both(warm, cold, monkeypatch, spy, "--script", "simplified", *out) == set(
        range(1, 9)
    )


def test_a_lock_other_than_the_one_written_reprocesses_every_file(twins, monkeypatch, spy):
    warm, cold = twins
    first = {t: (t.cards / "deckgen.lock").read_bytes() for t in twins}
    _both(twins, _edit(3))
    _rebuild_both(warm, cold, monkeypatch, spy)
    # The author checks out the lock of the build before (the edit stays): every file is
    # compared with that lock again.
    for twin in twins:
        (twin.cards / "deckgen.lock").write_bytes(first[twin])
    assert _rebuild_both(warm, cold, monkeypatch, spy) == set(range(1, 9))
    # Again with nothing else to tell that the lock is not the last build's: no deck at
    # the output, no record of builds, only the files the last build kept.
    _both(twins, _edit(3))
    _rebuild_both(warm, cold, monkeypatch, spy)
    root = cache_module.cache_root()
    assert root is not None
    for twin in twins:
        (twin.cards / "deckgen.lock").write_bytes(first[twin])
        (twin.root / "dist" / "deck.apkg").unlink()
    shutil.rmtree(root / "builds")
    shutil.rmtree(root / "locks")
    assert _rebuild_both(warm, cold, monkeypatch, spy) == set(range(1, 9))


def test_the_paths_in_messages_follow_the_working_folder(twins, monkeypatch, spy):
    warm, _ = twins
    _both(twins, _edit(3))
    code, output = warm.build(monkeypatch)
    assert code == 0 and "cards/0002-pillar.yaml:" in output.replace("\\", "/")
    _edit(4)(warm)
    with monkeypatch.context() as m:
        m.chdir(warm.cards)
        result = run_cli("build", "--cards", ".", "-o", "../dist/deck.apkg")
    assert result.exit_code == 0, result.output
    assert "\n0002-pillar.yaml:" in "\n" + result.output
    assert "cards/0002-pillar.yaml" not in result.output.replace("\\", "/")


@pytest.mark.parametrize("damage", ["rows", "results", "both", "keys"])
def test_a_damaged_cache_only_costs_time(twins, monkeypatch, spy, damage):
    warm, cold = twins
    where = incremental.folder_cache(warm.cards)
    assert where is not None and (where / incremental.ROWS).is_file()
    if damage in ("rows", "both"):
        with open(where / incremental.ROWS, "r+b") as fh:
            fh.truncate(4096)
    if damage in ("results", "both"):
        (where / incremental.RESULTS).write_bytes(pickle.dumps({"context": 1})[:-3])
    if damage == "keys":  # one key of the lock's notes another, as long (the lock is read)
        kept = (where / incremental.KEYS).read_bytes()
        assert kept.count(b"principle-000003/cloze") == 1
        damaged = kept.replace(b"principle-000003/cloze", b"principle-000003/clozX")
        (where / incremental.KEYS).write_bytes(damaged)
    _both(twins, _edit(3))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == (
        {3} if damage == "keys" else set(range(1, 9))
    )
    _both(twins, _edit(4))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {4}


@pytest.mark.parametrize(
    "damage",
    [
        "a key without its line",
        "a line without its key",
        "a question of another length",
        "a claim of another length",
        "another form",
        "the lines of another file",
        "no lines",
    ],
)
def test_a_damaged_kept_result_is_read_again_alone(twins, monkeypatch, spy, damage):
    """A file's kept result that does not hold together (its notes' keys and lock lines),
    or is in another deckgen's form, is read again; the others are still taken."""
    warm, cold = twins
    where = incremental.folder_cache(warm.cards)
    assert where is not None
    saved = marshal.loads((where / incremental.RESULTS).read_bytes())
    key = next(k for k in saved["results"] if k.startswith("3\x1f"))
    value = list(marshal.loads(saved["results"][key]))
    if damage == "a key without its line":
        value[4] = [*value[4], "principle/extra/cloze"]
    elif damage == "a line without its key":
        value[4] = value[4][:-1]
    elif damage == "a question of another length":
        value[2] = [*value[2][:-1], value[2][-1][:2]]
    elif damage == "a claim of another length":
        value[1] = [value[1][0][:6], *value[1][1:]]
    elif damage == "the lines of another file":  # as many lines: only their keys differ
        other = next(k for k in saved["results"] if k.startswith("4\x1f"))
        lock = (warm.cards / "deckgen.lock").read_bytes()
        start = end = saved["spans"][other][0]
        for _ in range(len(value[4])):
            end = lock.index(b"\n", end + 1)
        assert lock[start:end].count(b",\n  ") + 1 == len(value[4])
        saved["spans"][key] = (start, end - 1)  # without the comma: the lock's lines
    elif damage == "no lines":
        del saved["spans"][key]
    else:
        value = [*value[:4], [(k, "unchanged", 0, b"", None) for k in value[4]], [], [], *value[6:]]
    saved["results"][key] = marshal.dumps(tuple(value))
    (where / incremental.RESULTS).write_bytes(marshal.dumps(saved))
    _both(twins, _edit(5))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {3, 5}
    _both(twins, _edit(6))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {6}


def test_a_failed_build_keeps_the_cache_of_the_last_good_one(twins, monkeypatch, spy):
    warm, cold = twins

    def break_file(twin: Twin) -> None:
        path = twin.pillar_files()[5]
        path.write_text(path.read_text(encoding="utf-8").replace("title:", "titel:", 1))

    _both(twins, break_file)
    code, output = warm.build(monkeypatch)
    assert code == 1 and "unknown key 'titel'" in output
    _both(twins, lambda twin: _fix(twin.pillar_files()[5]))
    _both(twins, _edit(2))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {2}


def _fix(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("titel:", "title:", 1))


def test_no_cache_is_written_where_the_cache_folder_cannot_be_made(
    twins, monkeypatch, spy, tmp_path
):
    warm, cold = twins
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    _both(twins, _edit(3))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == set(range(1, 9))
    _both(twins, _edit(4))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == set(range(1, 9))


def test_files_processed_in_two_workers_join_the_kept_rows(twins, monkeypatch, spy):
    import deckgen.workers as workers_module

    warm, cold = twins
    monkeypatch.setattr(workers_module, "PARALLEL_FROM", 0)
    _both(twins, _edit(2))
    _both(twins, _edit(3))
    _both(twins, _edit(7))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {2, 3, 7}
    _both(twins, _edit(1))
    _both(twins, _edit(8))
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {1, 8}


def test_a_file_edited_while_the_build_reads_it_is_not_kept_under_its_old_bytes(
    twins, monkeypatch, spy
):
    """A build with a cache keys each file by the bytes it digested first, then reads the
    file again to process it; an edit in between must not leave the edited file's result
    under the first bytes' key, or putting those bytes back would bring back the edit. (A
    build without one keys each result by the bytes it was made from.)"""
    warm, cold = twins
    real = incremental.file_keys
    keyed: dict[Path, bytes] = {}

    def meanwhile(path: Path) -> None:
        path.write_text(
            path.read_text(encoding="utf-8").replace("text: ", "text: \u6539", 1),
            encoding="utf-8",
        )

    def edited_meanwhile(files):
        keys = real(files)
        third = files[2].resolve()  # the paths are relative to the twin's folder
        keyed[third] = third.read_bytes()
        meanwhile(third)
        return keys

    _both(twins, _edit(3))
    before = cold.pillar_files()[2].read_bytes()
    meanwhile(cold.pillar_files()[2])  # the cold build keys nothing first: edited before
    monkeypatch.setattr(incremental, "file_keys", edited_meanwhile)
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {3}  # read as edited meanwhile
    monkeypatch.setattr(incremental, "file_keys", real)
    assert list(keyed.values()) == [before]  # the warm build's file only
    for path in (*keyed, cold.pillar_files()[2]):
        path.write_bytes(before)  # back to the bytes the warm build keyed the file by
    assert _rebuild_both(warm, cold, monkeypatch, spy) == {3}  # read again, not taken
