"""The pillar files processed in one process or two give the same deck, lock and findings,
and a worker that fails is a clean error with nothing written."""

from __future__ import annotations

import marshal
import os
import shutil
import time
from pathlib import Path

import pytest

import deckgen.context as context_module
import deckgen.workers as workers_module
from bench.synth import write_cards as synth_cards
from deckgen.build import build_deck, plan_deck
from deckgen.errors import ContentError, Finding, Location, WorkerError, sort_findings
from deckgen.options import BuildOptions
from deckgen.pillarfile import FileResult, decode, encode, process_file
from deckgen.validate import validate_deck_file
from deckgen.workers import chunks
from tests.helpers import modules_loaded, run_cli

NOTES = 3_000  # about twenty pillar files


@pytest.fixture
def big(tmp_path: Path) -> Path:
    return synth_cards(tmp_path / "cards", NOTES)


def _copies(cards: Path, count: int) -> list[Path]:
    out = []
    for n in range(count):
        copy = cards.parent / f"copy-{n}" / "cards"
        shutil.copytree(cards, copy)
        out.append(copy)
    return out


def test_one_or_two_workers_build_the_same_bytes(
    big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # A changed note gets the present second as its stamp: one second for both builds.
    monkeypatch.setattr(
        context_module, "fresh_stamp", lambda newest: max(newest + 1, 1_900_000_000)
    )
    one, two = _copies(big, 2)
    a = build_deck(one, tmp_path / "one.apkg", BuildOptions(workers=1))
    b = build_deck(two, tmp_path / "two.apkg", BuildOptions(workers=2))
    assert len(a.plan.pillars) > 10
    assert (tmp_path / "one.apkg").read_bytes() == (tmp_path / "two.apkg").read_bytes()
    assert (one / "deckgen.lock").read_bytes() == (two / "deckgen.lock").read_bytes()
    assert a.plan.groups == b.plan.groups
    # And again from the lock each wrote, after an edit in the middle of the deck.
    for cards in (one, two):
        middle = sorted(cards.glob("*.yaml"))[10]
        middle.write_text(middle.read_text(encoding="utf-8").replace("text: ", "text: X", 1))
    build_deck(one, tmp_path / "one.apkg", BuildOptions(workers=1))
    build_deck(two, tmp_path / "two.apkg", BuildOptions(workers=2))
    assert (tmp_path / "one.apkg").read_bytes() == (tmp_path / "two.apkg").read_bytes()
    assert (one / "deckgen.lock").read_bytes() == (two / "deckgen.lock").read_bytes()


def _findings(cards: Path, workers: int) -> list[str]:
    deck_file = validate_deck_file(cards)
    options = BuildOptions(dry_run=True, workers=workers, write_rows=False)
    with pytest.raises(ContentError) as failed:
        plan_deck(deck_file, cards.parent / "out.apkg", options)
    return [str(f) for f in sort_findings(failed.value.findings)]


def test_findings_are_the_same_in_one_process_or_two(big: Path):
    files = sorted(p for p in big.glob("*.yaml") if p.name != "deck.yaml")
    # Errors and warnings in several files, one in each share: an unknown key, an answer
    # too long, a question asked twice, and a principle id used in two files.
    first, last = files[1], files[-2]
    first.write_text(first.read_text(encoding="utf-8").replace("title:", "titel:", 1))
    text = last.read_text(encoding="utf-8")
    last.write_text(text.replace("answer: ", "answer: " + "x " * 30, 1))
    ids = [
        line.split("id: ")[1]
        for line in files[2].read_text().splitlines()
        if "- id: principle" in line
    ]
    text = files[-3].read_text(encoding="utf-8")
    files[-3].write_text(
        text.replace("- id: principle-", f"- id: {ids[0]}\n    renamed_from: principle-", 1)
    )
    serial, parallel = _findings(big, 1), _findings(big, 2)
    assert serial == parallel
    assert any("unknown key 'titel'" in f for f in serial)
    assert any("is too long to recall" in f for f in serial)
    # A warning's code travels from the worker with it (pillarfile.encode/decode).
    assert any("is too long to recall" in f and f.endswith(" [answer-too-long]") for f in serial)
    duplicate = [f for f in serial if f"duplicate principle id '{ids[0]}'" in f]
    assert len(duplicate) == 1 and f"also used at {files[2]}:" in duplicate[0]
    assert duplicate[0].startswith(f"{files[-3]}:")


def test_findings_travel_through_marshal_with_their_codes():
    findings = [
        Finding(Location("c/1-a.yaml", 3, 5), "warning", "too long", "answer-too-long"),
        Finding(Location("c/1-a.yaml", 4, 1), "error", "unknown key"),
    ]
    sent = marshal.loads(marshal.dumps(encode(FileResult(findings))))
    assert decode(sent).findings == findings
    assert [str(f) for f in decode(sent).findings] == [
        "c/1-a.yaml:3:5: warning: too long [answer-too-long]",
        "c/1-a.yaml:4:1: error: unknown key",
    ]


def test_chunks_cover_the_files_in_order_large_first_and_a_file_each_at_the_end():
    sizes = [10] * 100
    cut = chunks(sizes, 2)
    assert [i for r in cut for i in r] == list(range(100))  # contiguous, all, in order
    # Each a quarter of what is left (two processes): 25 files, then 18, ..., then one.
    assert [len(r) for r in cut[:3]] == [25, 18, 14]
    assert [len(r) for r in cut[-4:]] == [1, 1, 1, 1]
    assert len(cut) < 25
    # A file larger than its share is a chunk of its own; at least one file a chunk.
    assert chunks([40, 1, 1, 1], 2) == [range(0, 1), range(1, 2), range(2, 3), range(3, 4)]
    assert chunks([0, 0, 0], 2) == [range(0, 3)]
    assert chunks([5], 2) == [range(0, 1)]
    assert chunks([1, 1, 1], 1) == [range(0, 3)]
    assert chunks([], 2) == []


@pytest.mark.parametrize("slow", ["build", "worker"])
def test_the_faster_process_takes_more_chunks_and_the_bytes_stay_the_same(
    big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slow: str
):
    """Chunks go to whichever process is free: with one process slowed down, the other
    takes most of them, and the deck and lock are a serial build's, byte for byte."""
    monkeypatch.setattr(
        context_module, "fresh_stamp", lambda newest: max(newest + 1, 1_900_000_000)
    )
    one, two = _copies(big, 2)
    build_deck(one, tmp_path / "one.apkg", BuildOptions(workers=1))
    real = process_file
    parent = os.getpid()
    log = tmp_path / "who.log"

    def slowed(path: Path, index: int, ctx, rows):
        mine = os.getpid() == parent
        with log.open("a") as out:
            out.write(f"{'build' if mine else 'worker'} {index}\n")
        if mine == (slow == "build"):
            time.sleep(0.05)
        return real(path, index, ctx, rows)

    monkeypatch.setattr(workers_module, "process_file", slowed)
    build_deck(two, tmp_path / "two.apkg", BuildOptions(workers=2))
    who = [line.split() for line in log.read_text().splitlines()]
    by = {name: sorted(int(i) for w, i in who if w == name) for name in ("build", "worker")}
    assert sorted(by["build"] + by["worker"]) == list(range(1, len(who) + 1))
    fast = "worker" if slow == "build" else "build"
    assert len(by[fast]) > 2 * len(by[slow])
    assert (tmp_path / "one.apkg").read_bytes() == (tmp_path / "two.apkg").read_bytes()
    assert (one / "deckgen.lock").read_bytes() == (two / "deckgen.lock").read_bytes()


def test_a_worker_that_fails_is_a_clean_error_and_nothing_is_written(
    big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    real = process_file

    def failing(path: Path, index: int, ctx, rows):
        if os.getpid() != parent:
            raise RuntimeError("a bug in a worker")
        return real(path, index, ctx, rows)

    parent = os.getpid()
    monkeypatch.setattr(workers_module, "process_file", failing)
    out = tmp_path / "dist" / "deck.apkg"
    with pytest.raises(WorkerError, match=r"a worker process \(\d+\) failed: RuntimeError: a bug"):
        build_deck(big, out, BuildOptions(workers=2))
    assert not out.parent.exists()
    assert not (big / "deckgen.lock").exists()


def test_a_worker_that_dies_is_a_clean_error(big: Path, tmp_path: Path, monkeypatch):
    real = process_file

    def dying(path: Path, index: int, ctx, rows):
        if os.getpid() != parent:
            os._exit(9)
        return real(path, index, ctx, rows)

    parent = os.getpid()
    monkeypatch.setattr(workers_module, "process_file", dying)
    monkeypatch.setattr(workers_module, "PARALLEL_FROM", 0)
    result = run_cli("build", "--cards", big, "-o", tmp_path / "dist" / "deck.apkg")
    assert result.exit_code == 1
    assert result.output.startswith("error: a worker process (")
    assert "ended without its results" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "dist").exists() and not (big / "deckgen.lock").exists()


def test_an_interrupt_between_a_workers_fork_and_its_start_leaves_no_worker_at_work(
    big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Ctrl-C just after the fork, before the build holds its worker (multiprocessing's
    start has not returned): the worker never starts its work, and makes no row file."""
    import multiprocessing.process

    started: list[multiprocessing.process.BaseProcess] = []
    real_start = multiprocessing.process.BaseProcess.start

    def interrupted(self: multiprocessing.process.BaseProcess) -> None:
        real_start(self)
        started.append(self)
        raise KeyboardInterrupt

    real_process_file = process_file
    worked = tmp_path / "a worker processed a file"

    def watched(path: Path, index: int, ctx, rows):
        if os.getpid() != parent:
            worked.touch()
        return real_process_file(path, index, ctx, rows)

    parent = os.getpid()
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", interrupted)
    monkeypatch.setattr(workers_module, "process_file", watched)
    out = tmp_path / "dist" / "deck.apkg"
    out.parent.mkdir()  # there already: where the worker's row file would go
    with pytest.raises(KeyboardInterrupt):
        build_deck(big, out, BuildOptions(workers=2))
    (worker,) = started
    worker.join(30)
    assert worker.exitcode == 1  # it ended at once, without a chunk
    assert not worked.exists()
    assert list(out.parent.iterdir()) == []
    assert not (big / "deckgen.lock").exists()


@pytest.mark.process
def test_a_build_in_one_process_does_not_load_multiprocessing(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Below PARALLEL_FROM a build does all its files itself: multiprocessing, and what
    only its workers use (pickle), stay unloaded (some 10 ms of a small build)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "deck.apkg"
    modules = ("multiprocessing", "pickle")
    output, loaded = modules_loaded(modules, "build", "--cards", mini_cards, "-o", out)
    assert "Built deck" in output and out.exists(), output
    assert loaded == []


def test_without_memfd_the_results_go_through_a_temporary_file_and_build_the_same_bytes(
    big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A worker writes its chunks' results to a file of no name: memfd on Linux, else a
    temporary file removed as it is made; either way the same deck, and nothing left."""
    monkeypatch.setattr(
        context_module, "fresh_stamp", lambda newest: max(newest + 1, 1_900_000_000)
    )
    one, two = _copies(big, 2)
    build_deck(one, tmp_path / "one.apkg", BuildOptions(workers=2))

    def no_memfd(*args: object) -> int:
        raise OSError("no memfd here")

    made: list[int] = []
    real = workers_module._results_file

    def recording() -> int:
        fd = real()
        made.append(fd)
        return fd

    monkeypatch.setattr(os, "memfd_create", no_memfd)
    monkeypatch.setattr(workers_module, "_results_file", recording)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR read again
    build_deck(two, tmp_path / "two.apkg", BuildOptions(workers=2))
    assert len(made) == 1
    assert (tmp_path / "one.apkg").read_bytes() == (tmp_path / "two.apkg").read_bytes()
    assert (one / "deckgen.lock").read_bytes() == (two / "deckgen.lock").read_bytes()
    assert list(temp.iterdir()) == []
    with pytest.raises(OSError):
        os.fstat(made[0])  # closed by the build


def test_a_project_of_two_decks_forks_its_workers_between_the_collections_statements(
    big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The first deck's collection is under way in a thread while the second deck's
    files are processed: the workers of the second are forked only once that thread is
    out of SQLite (package.pause_assemblies), and both decks are a serial build's bytes."""
    import deckgen.package as package_module
    from deckgen.build import build_decks

    monkeypatch.setattr(
        context_module, "fresh_stamp", lambda newest: max(newest + 1, 1_900_000_000)
    )
    projects = []
    for name in ("serial", "forked"):
        root = tmp_path / name
        for deck in ("a", "b"):
            shutil.copytree(big, root / deck)
            deck_file = root / deck / "deck.yaml"
            text = deck_file.read_text(encoding="utf-8")
            key = next(line for line in text.splitlines() if line.startswith("key:"))
            name_line = next(line for line in text.splitlines() if line.startswith("name:"))
            text = text.replace(key, f"key: deck-{deck}").replace(name_line, f"name: Deck {deck}")
            deck_file.write_text(text, encoding="utf-8")
        projects.append(root)
    paused: list[int] = []
    real = package_module.pause_assemblies

    def pausing() -> None:
        paused.append(len(package_module._assemblies))
        real()

    monkeypatch.setattr(workers_module, "pause_assemblies", pausing)
    for root, workers in zip(projects, (1, 2), strict=True):
        options = BuildOptions(output=root / "dist", output_is_folder=True, workers=workers)
        assert len(list(build_decks(root, options))) == 2
    assert paused == [0, 1]  # the second deck's fork waited for the first's assembly
    for deck in ("deck-a", "deck-b"):
        serial, forked = (root / "dist" / f"{deck}.apkg" for root in projects)
        assert serial.read_bytes() == forked.read_bytes()
