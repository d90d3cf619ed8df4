"""bench/: the benchmark's scripts still run against today's deckgen (`make bench` runs them
for minutes; mypy checks their types, this checks they run)."""

from __future__ import annotations

import gc
import json
import shutil
from pathlib import Path

import pytest

from bench import stages
from tests.helpers import SHIPPED_CARDS


def test_stages_time_each_stage_of_a_first_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    cards = tmp_path / "cards"
    shutil.copytree(SHIPPED_CARDS, cards)
    (cards / "deckgen.lock").unlink()  # a first build, as bench/run.py times it
    try:
        stages.main(cards, tmp_path / "stages.apkg")
    finally:
        gc.enable()  # main() pauses the cyclic GC for good, as in its own process
    measured = json.loads(capsys.readouterr().out)
    assert [s["stage"] for s in measured] == [
        "import deckgen",
        "load, validate, check (YAML -> model)",
        "generate, compare, stamp, render lock",
        "package (SQLite rows, deflate, zip)",
        "write lock",
    ]
    assert all(set(s) == {"stage", "wall", "cpu", "peak_mib"} for s in measured)
    assert (tmp_path / "stages.apkg").stat().st_size > 0
    assert (tmp_path / "stages.lock").read_bytes().startswith(b"{")
