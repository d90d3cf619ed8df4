"""bench/: the benchmark's scripts still run against today's deckgen (`make bench` runs them
for minutes; mypy checks their types, this checks they run)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import child, stages
from tests.helpers import ROOT, SHIPPED_CARDS


def test_stages_time_each_stage_of_a_first_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    cards = tmp_path / "cards"
    shutil.copytree(SHIPPED_CARDS, cards)
    (cards / "deckgen.lock").unlink()  # a first build, as bench/run.py times it
    out = tmp_path / "stages.apkg"
    stages.main(cards, out)
    measured = json.loads(capsys.readouterr().out)
    names = [s["stage"] for s in measured]
    assert names[0] == "start and import the command"
    assert names[-1] == "the rest (the command itself)"
    sqlite = "SQLite: copy rows, indexes (what is left to wait)"
    for stage in ("read the deck files", sqlite, "deflate and zip"):
        assert stage in names
    assert "read the cache of the last build" not in names  # a first build has none
    assert all(set(s) == {"stage", "wall", "peak_mib"} and s["wall"] >= 0 for s in measured)
    assert out.stat().st_size > 0 and (cards / "deckgen.lock").read_bytes().startswith(b"{")


@pytest.mark.process
def test_child_measures_the_memory_of_every_process_of_a_command():
    # A parent that forks a child holding 64 MiB while the parent holds 32 MiB: the peak of
    # the two together is above either alone.
    script = (
        "import os, time\n"
        "a = bytearray(32 << 20)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    b = bytearray(64 << 20); time.sleep(0.5); os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bench.child", "--memory", sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    measured = json.loads(proc.stdout)
    assert measured["returncode"] == 0
    assert measured["maxrss_mib"] > 64  # the child alone
    assert measured["peak_mib"] > 64 + 20  # together: the child's 64 and the parent's own
    assert measured["peak_rss_mib"] >= measured["peak_mib"]
    assert child.INTERVAL <= 0.01
