"""Faults never cost the learner: the previous release's collections, other decks' note
types, lost, conflicted and future-stamped locks, failed and killed writes, two builds at
once. Every test drives the real CLI (in process or as a real process) and real Anki."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from deckgen import cache
from tests.helpers import (
    MINI_DECK,
    RELEASE,
    ROOT,
    SHIPPED_NAME,
    TEA_NAME,
    answer_all_cards,
    build,
    card_states,
    edit,
    git,
    import_apkg,
    run_cli,
    write_cards,
)

LOCK = "deckgen.lock"


def edit_tea(tea: Path, word: str = "\u4e00\u5b9a") -> None:
    """An edit of one principle's title (its cloze, question and pillar notes change)."""
    edit(tea / "1-water.yaml", "\u6c34\u8981\u65b0\u9bae", f"\u6c34{word}\u8981\u65b0\u9bae")


def leftovers(*folders: Path) -> list[str]:
    """Hidden files deckgen may have left (temporary files, journals)."""
    return sorted(p.name for f in folders if f.exists() for p in f.iterdir() if p.name[0] == ".")


def deckgen_process(*args: str | Path, **kwargs: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc: subprocess.Popen[str] = subprocess.Popen(
        [sys.executable, "-m", "deckgen.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        **kwargs,
    )
    return proc


# --- earlier releases and other decks -----------------------------------------------------


def test_a_collection_made_by_the_previous_release_keeps_updating_in_place(
    cards_copy: Path, tmp_path: Path, collection
):
    import_apkg(collection, RELEASE / "office-service.apkg")
    assert answer_all_cards(collection, SHIPPED_NAME) == collection.card_count()
    before = card_states(collection)
    # (Read from the database: the Python side caches note types across imports.)
    types_query = "select id, name from notetypes order by id"
    types_before = collection.db.all(types_query)
    out = tmp_path / "now.apkg"
    build(cards_copy, out)
    log = import_apkg(collection, out)
    assert not log.new and not log.conflicting
    assert len(log.updated) >= 1  # this release changed some notes' text
    assert collection.note_count() == 51
    assert card_states(collection) == before
    assert collection.db.all(types_query) == types_before
    assert {2064603721, 1489188409} <= {nid for nid, _ in types_before}
    # The style of this release reached the learner's note types, as Anki renders cards.
    card = collection.get_card(collection.find_cards("")[0])
    assert ".card .retired-clozes" in card.answer()


def test_two_decks_keep_their_own_note_types(tea: Path, tmp_path: Path, collection):
    mini = write_cards(tmp_path / "mini", MINI_DECK)
    build(tea, tmp_path / "tea.apkg", "--tts")
    build(mini, tmp_path / "mini.apkg")
    import_apkg(collection, tmp_path / "tea.apkg")
    import_apkg(collection, tmp_path / "mini.apkg")  # imported last, and without TTS
    names = sorted(m["name"] for m in collection.models.all() if "deckgen" in m["name"])
    assert names == [
        "deckgen cloze (mini)",
        "deckgen cloze (tea-craft)",
        "deckgen question-answer (mini)",
        "deckgen question-answer (tea-craft)",
    ]
    for nid in collection.find_notes(""):
        note = collection.get_note(nid)
        tea_note = note["Key"].startswith("tea-craft/")
        for card in note.cards():
            assert ("[anki:play:a:" in card.answer()) == tea_note, (note["Key"], card.answer())
    # Rebuilding the other deck with TTS changes nothing of the first deck's.
    build(mini, tmp_path / "mini2.apkg", "--tts")
    log = import_apkg(collection, tmp_path / "mini2.apkg")
    assert not log.conflicting and not log.new
    tea_cards = collection.find_cards('"deck:' + TEA_NAME + '"')
    assert tea_cards and all("[anki:play:a:" in collection.get_card(c).answer() for c in tea_cards)


# --- a lost lock ---------------------------------------------------------------------------


def test_a_lost_lock_is_rebuilt_from_the_package_and_importing_changes_nothing(
    tea: Path, tmp_path: Path, collection, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "dist" / "tea.apkg"
    build(tea, out)
    # Some history: a phrase inserted before the others (c3 first in the text), a later stamp.
    edit(tea / "2-steeping.yaml", "\u4e00\u6ce1", "[[\u4e00\u6ce1]]")
    time.sleep(1.1)
    build(tea, out)
    import_apkg(collection, out)
    lock = (tea / LOCK).read_bytes()
    package = out.read_bytes()
    (tea / LOCK).unlink()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-cache"))  # nothing remembered
    result = build(tea, out)
    assert f"No lock file: rebuilt it from {out}" in result.output
    assert (tea / LOCK).read_bytes() == lock
    assert out.read_bytes() == package
    log = import_apkg(collection, out)
    assert not log.updated and not log.new and not log.conflicting


def test_a_lost_lock_is_rebuilt_from_the_last_build_when_the_package_is_elsewhere(
    tea: Path, tmp_path: Path
):
    build(tea, tmp_path / "a.apkg")
    lock = (tea / LOCK).read_bytes()
    (tea / LOCK).unlink()
    result = build(tea, tmp_path / "b.apkg")
    assert "rebuilt it from the last build of this deck on this machine" in result.output
    assert (tea / LOCK).read_bytes() == lock
    assert (tmp_path / "b.apkg").read_bytes() == (tmp_path / "a.apkg").read_bytes()


def test_a_last_build_whose_kept_lock_is_not_the_one_it_names_is_not_taken(
    tea: Path, tmp_path: Path
):
    """The kept lock is named by its digest on its first line, which a build reads alone
    when that is all it needs; the lock is still taken only if it is the one named."""
    build(tea, tmp_path / "a.apkg")
    root = cache.cache_root()
    assert root is not None
    kept = root / "locks" / str(cache.path_key(tea))
    header = kept.read_bytes().partition(b"\n")[0]
    other = (tea / LOCK).read_bytes().replace(b'"mod": ', b'"mod":  ', 1)
    kept.write_bytes(header + b"\n" + zlib.compress(other))
    (tea / LOCK).unlink()
    refused = build(tea, tmp_path / "b.apkg", ok=False)
    assert refused.exit_code == 1
    assert "this machine built this deck before" in refused.output
    assert not (tea / LOCK).exists()


def test_a_lost_lock_known_to_git_needs_restoring_or_accept_loss(
    tea: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    git(tea, "init", "-q")
    build(tea, tmp_path / "first.apkg")
    edit(tea / "2-steeping.yaml", "\u4e00\u6ce1", "[[\u4e00\u6ce1]]")  # c3 first
    build(tea, tmp_path / "first.apkg")
    git(tea, "add", "-A")
    git(tea, "commit", "-qm", "cards and lock")
    commit = git(tea, "rev-parse", "--short", "HEAD").stdout.strip()
    lock = (tea / LOCK).read_bytes()
    (tea / LOCK).unlink()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-cache"))
    out = tmp_path / "elsewhere.apkg"
    refused = build(tea, out, ok=False)
    assert refused.exit_code == 1
    restore = f"git checkout {commit} -- {tea / LOCK}"
    assert f"`{restore}`" in refused.output
    assert "every one of the 12 notes gets a new change stamp" in refused.output
    assert not out.exists() and not (tea / LOCK).exists()
    checked = run_cli("check", "--cards", tea)
    assert checked.exit_code == 1 and f"`{restore}`" in checked.output
    # With --accept-loss every note is restamped, but cloze numbers come from git's lock.
    accepted = build(tea, out, "--accept-loss")
    assert "accepted loss: there is no lock file" in accepted.output
    assert '[[3, "\u4e00\u6ce1"], [1, "\u4e09\u5341\u79d2"]' in (tea / LOCK).read_text()
    # The suggested command itself works too.
    (tea / LOCK).unlink()
    subprocess.run(restore.split(), cwd=tea, check=True, capture_output=True)
    assert (tea / LOCK).read_bytes() == lock


def test_a_first_build_with_no_trace_of_an_earlier_one_builds_as_before(tea: Path, tmp_path):
    result = build(tea, tmp_path / "tea.apkg")
    assert "First build: no lock yet; all 12 notes are new." in result.output


# --- a lock stamped ahead of the clock ----------------------------------------------------


def _shift_stamps(lock: Path, seconds: int) -> None:
    text = lock.read_text(encoding="utf-8")
    lock.write_text(
        re.sub(r'"mod": (\d+)', lambda m: f'"mod": {int(m.group(1)) + seconds}', text),
        encoding="utf-8",
    )


def test_a_lock_stamped_ahead_of_the_clock_is_reported_and_still_delivers(
    tea: Path, tmp_path: Path, collection
):
    build(tea, tmp_path / "first.apkg")
    _shift_stamps(tea / LOCK, 3 * 86400)  # written on a machine whose clock ran 3 days fast
    ahead = build(tea, tmp_path / "ahead.apkg")
    assert "the lock's newest change stamp is 3 days ahead of this machine's clock" in ahead.output
    # Noticed on every build, even one with nothing to do.
    again = build(tea, tmp_path / "ahead.apkg")
    assert "3 days ahead" in again.output and "up to date" not in again.output
    import_apkg(collection, tmp_path / "ahead.apkg")
    edit_tea(tea)
    result = build(tea, tmp_path / "edited.apkg")
    assert "set the clock right" not in result.output
    assert "3 days ahead" in result.output
    log = import_apkg(collection, tmp_path / "edited.apkg")
    assert len(log.updated) == 3
    checked = run_cli("check", "--cards", tea)
    assert checked.exit_code == 0 and "warning: the lock's newest change stamp" in checked.output
    assert run_cli("check", "--cards", tea, "--strict").exit_code == 1


# --- a conflicted lock ----------------------------------------------------------------------


def test_a_lock_conflicted_by_a_real_git_merge(tea: Path, tmp_path: Path):
    git(tea, "init", "-q", "-b", "main")
    out = tmp_path / "tea.apkg"
    build(tea, out)
    git(tea, "add", "-A")
    git(tea, "commit", "-qm", "start")
    git(tea, "checkout", "-qb", "other")
    edit_tea(tea, "\u5fc5\u9808")
    build(tea, out)
    git(tea, "commit", "-qam", "other")
    git(tea, "checkout", "-q", "main")
    edit_tea(tea, "\u61c9\u8a72")
    build(tea, out)
    git(tea, "commit", "-qam", "main")
    merged = git(tea, "merge", "other", check=False)
    assert merged.returncode != 0 and "CONFLICT" in merged.stdout
    git(tea, "checkout", "--ours", "--", "1-water.yaml")  # the author settles the text
    git(tea, "add", "1-water.yaml")
    lock = tea / LOCK
    assert "<<<<<<<" in lock.read_text(encoding="utf-8")
    line = (
        lock.read_text(encoding="utf-8")
        .splitlines()
        .index(
            next(ln for ln in lock.read_text(encoding="utf-8").splitlines() if ln.startswith("<<<"))
        )
    )
    command = f"git checkout --ours -- {lock} && git add {lock}"
    for args in (("build", "--cards", tea, "-o", out), ("check", "--cards", tea)):
        result = run_cli(*args)
        assert result.exit_code == 1, result.output
        assert f"{lock}:{line + 1}:1: error: the lock has merge-conflict markers" in result.output
        assert f"`{command}`" in result.output
        assert "Traceback" not in result.output
    for step in command.split(" && "):
        subprocess.run(step.split(), cwd=tea, check=True, capture_output=True)
    # Ours is the lock and the cards main built last: that very package is up to date.
    result = build(tea, out)
    assert (
        result.output == f"No changes since the last build: {out} is up to date, nothing written.\n"
    )


# --- failed and killed writes ----------------------------------------------------------------


def test_a_cards_folder_that_cannot_be_written_leaves_the_previous_pair(tea: Path, tmp_path):
    out_dir = tmp_path / "dist"
    out = out_dir / "tea.apkg"
    build(tea, out)
    edit_tea(tea)
    deck, lock = out.read_bytes(), (tea / LOCK).read_bytes()
    # Root writes anywhere a mode allows nothing: make the folder immutable instead.
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(tea)], capture_output=True).returncode:
            pytest.skip("this file system has no immutable folders, and root ignores modes")
        undo, reason = ["chattr", "-i", str(tea)], "Operation not permitted"
    else:
        tea.chmod(0o555)
        undo, reason = ["chmod", "755", str(tea)], "Permission denied"
    try:
        result = run_cli("build", "--cards", tea, "-o", out)
    finally:
        subprocess.run(undo, check=True)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"error: cannot write {tea / LOCK}: {reason}; nothing was")
    assert "Traceback" not in result.output
    assert out.read_bytes() == deck and (tea / LOCK).read_bytes() == lock
    assert leftovers(tea, out_dir) == []


@pytest.mark.parametrize("where", ["while assembling", "while zipping"])
def test_an_interrupt_while_the_collection_is_assembled_leaves_the_previous_pair(
    tea: Path, tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch, where: str
):
    """The collection is assembled in a thread of its own (deckgen.package.Assembly) while
    the build goes on: an interrupt of the build then stops it, waits for it and removes
    what it wrote, in the cache and beside the deck."""
    import deckgen.incremental as incremental_module
    import deckgen.package as package_module

    out = tmp_path / "dist" / "tea.apkg"
    build(tea, out)
    edit_tea(tea)
    deck, lock = out.read_bytes(), (tea / LOCK).read_bytes()
    kept = sorted(p for p in private_cache.rglob("*") if p.is_file())
    started: list[threading.Thread] = []
    gate = threading.Event()  # the assembly starts once the build's thread is interrupted
    real_assemble = package_module.assemble_collection

    def gated(*args: Any, **kwargs: Any) -> None:
        gate.wait(30)
        real_assemble(*args, **kwargs)

    def interrupted(*args: Any) -> Any:
        started.extend(t for t in threading.enumerate() if t.name == "deckgen-collection")
        gate.set()
        raise KeyboardInterrupt

    if where == "while assembling":
        monkeypatch.setattr(package_module, "assemble_collection", gated)
        monkeypatch.setattr(incremental_module, "encode_results", interrupted)
    else:
        monkeypatch.setattr(package_module, "_write_zip", interrupted)
    result = run_cli("build", "--cards", tea, "-o", out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    if where == "while assembling":
        assert started  # the assembly was under way when the build was interrupted
    assert not any(t.is_alive() for t in started)
    assert out.read_bytes() == deck and (tea / LOCK).read_bytes() == lock
    assert leftovers(tea, out.parent) == []
    # The cache holds what the last build kept, and no collection of this one.
    assert sorted(p for p in private_cache.rglob("*") if p.is_file()) == kept


KILLER = """
import os, signal, sys
from pathlib import Path
from deckgen.build import build_deck
from deckgen.options import BuildOptions

which = sys.argv[3]

def kill_at(staged):
    if (which == "lock") == staged.name.startswith(".deckgen.lock."):
        os.kill(os.getpid(), signal.SIGKILL)

build_deck(Path(sys.argv[1]), Path(sys.argv[2]), BuildOptions(before_rename=kill_at))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="names files by /proc")
def test_what_must_survive_a_crash_is_fsynced_and_the_cache_is_not(
    tea: Path, tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
):
    """The deck, the lock and the folders they are renamed in are flushed to disk before
    the build says it wrote them, and the lock the last build left (deckgen.history reads
    it when the lock is lost); the cache's records, results and detected languages, which
    a reader tells from an empty or earlier file, are not (each fsync is milliseconds of a
    small build)."""
    synced: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    out = tmp_path / "dist" / "tea.apkg"
    build(tea, out)
    cache = str(private_cache / "deckgen")
    kept = [p.removeprefix(cache + "/").split("/")[0] for p in synced if p.startswith(cache)]
    assert sorted(set(kept)) == ["locks"]
    others = [p for p in synced if not p.startswith(cache)]
    assert any(os.path.basename(p).startswith(".tea.apkg.") for p in others)
    assert any(os.path.basename(p).startswith(".deckgen.lock.") for p in others)
    assert str(tea) in others and str(out.parent) in others


@pytest.mark.parametrize("which", ["lock", "deck"])
def test_a_build_killed_at_each_rename_leaves_the_previous_pair(
    which: str, tea: Path, tmp_path: Path, collection
):
    from deckgen.writing import recover_interrupted

    out = tmp_path / "dist" / "tea.apkg"
    build(tea, out)
    import_apkg(collection, out)
    answer_all_cards(collection, TEA_NAME)
    before = card_states(collection)
    deck, lock = out.read_bytes(), (tea / LOCK).read_bytes()
    edit_tea(tea)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(tea), str(out), which],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert out.read_bytes() == deck
    assert leftovers(tea, out.parent)  # a kill leaves its temporary files
    # What the next build does first, holding the folder: the previous pair, whole.
    recover_interrupted(tea, LOCK)
    assert (tea / LOCK).read_bytes() == lock and out.read_bytes() == deck
    result = build(tea, out)
    assert "3 changed" in result.output
    assert leftovers(tea, out.parent) == []
    log = import_apkg(collection, out)
    assert len(log.updated) == 3 and not log.new and not log.conflicting
    assert card_states(collection) == before


def test_a_failed_deck_rename_puts_the_previous_lock_back(tea: Path, tmp_path: Path):
    from deckgen.build import build_deck
    from deckgen.options import BuildOptions

    out = tmp_path / "tea.apkg"
    build(tea, out)
    deck, lock = out.read_bytes(), (tea / LOCK).read_bytes()
    edit_tea(tea)

    def full_disk(staged: Path) -> None:
        if not staged.name.startswith(".deckgen.lock."):
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        build_deck(tea, out, BuildOptions(before_rename=full_disk))
    assert out.read_bytes() == deck and (tea / LOCK).read_bytes() == lock
    assert leftovers(tea, tmp_path) == []


def _big_build_writing(cards: Path, out_dir: Path, pattern: str) -> subprocess.Popen[str]:
    """A build of a 20,000-note deck in `cards`, in its own process, once it has made a
    file matching `pattern` in `out_dir` (so that it can be stopped in the middle)."""
    from bench.synth import write_cards as synth_cards

    synth_cards(cards, 20_000)
    proc = deckgen_process("build", "--cards", cards, "-o", out_dir / "big.apkg")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(out_dir.glob(pattern)):
        if proc.poll() is not None:
            pytest.fail(f"the build ended before it could be stopped: {proc.communicate()}")
        time.sleep(0.01)
    return proc


@pytest.mark.process
def test_sigterm_aborts_like_ctrl_c_and_leaves_nothing(tmp_path: Path):
    cards, out_dir = tmp_path / "cards", tmp_path / "dist"
    proc = _big_build_writing(cards, out_dir, ".big.apkg.*")
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stderr
    assert "Aborted" in stderr and "Traceback" not in stderr
    assert not out_dir.exists()  # the build made it, and took it back
    assert leftovers(cards) == [] and not (cards / LOCK).exists()


# --- two builds at once ----------------------------------------------------------------------


def _lines(stream: Iterable[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


@pytest.mark.process
def test_a_second_build_of_a_folder_waits_and_says_for_whom(tea: Path, tmp_path: Path):
    from deckgen.buildlock import holding

    out = tmp_path / "tea.apkg"
    with holding([tea]):
        proc = deckgen_process("build", "--cards", tea, "-o", out)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_lines, args=(proc.stderr, lines), daemon=True).start()
        first = lines.get(timeout=60)
        assert first.startswith(f"Waiting for another deckgen build of {tea} to finish")
        assert f"(process {os.getpid()}, started at " in first
        time.sleep(0.5)
        assert proc.poll() is None and not out.exists()
    assert proc.wait(timeout=120) == 0
    assert out.is_file()


@pytest.mark.process
def test_two_builds_at_once_leave_a_deck_and_a_lock_that_agree(tea: Path, tmp_path: Path):
    out = tmp_path / "tea.apkg"
    build(tea, out)
    edit_tea(tea)
    procs = [deckgen_process("build", "--cards", tea, "-o", out) for _ in range(2)]
    for proc in procs:
        proc.wait(timeout=120)
        assert proc.returncode == 0, proc.communicate()
    again = build(tea, out)
    assert again.output.startswith("No changes since the last build"), again.output
    assert leftovers(tea, tmp_path) == []


@pytest.mark.process
def test_scratch_files_of_a_build_killed_while_packaging_go_with_the_next_build(tmp_path: Path):
    cards, out_dir = tmp_path / "cards", tmp_path / "dist"
    proc = _big_build_writing(cards, out_dir, ".big.apkg.*.db")
    proc.kill()  # SIGKILL: nothing of deckgen runs any more
    proc.communicate(timeout=60)
    assert any(p.name.endswith(".db") for p in out_dir.iterdir())  # left behind
    result = run_cli("build", "--cards", cards, "-o", out_dir / "big.apkg")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out_dir.iterdir()) == ["big.apkg"]
    assert leftovers(cards) == []
