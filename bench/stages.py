"""Where a build's time goes, stage by stage, in one fresh process.

    python -m bench.stages CARDS OUT.apkg

Runs `deckgen build --cards CARDS -o OUT.apkg` in this process, the way the command
runs it, with the functions below timed: each stage's wall time excludes the stages it
calls, so the rows add up to the whole run. The process's own peak resident size after
each stage is given (a worker's memory is not in it: see bench/child.py). Prints one JSON
list of {"stage", "wall", "peak_mib"}.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()

# (module, function, stage): the functions timed, looked up where the build calls them.
TIMED = (
    ("deckgen.uptodate", "sources_digest", "digest the sources (is the deck up to date?)"),
    ("deckgen.uptodate", "up_to_date", "digest the sources (is the deck up to date?)"),
    ("deckgen.validate", "validate_deck_file", "read the deck files"),
    ("deckgen.build", "plan_deck", "history, note types, file keys"),
    ("deckgen.incremental", "load", "read the cache of the last build"),
    ("deckgen.pillars", "process_files", "pillar files: read, check, generate, rows (workers)"),
    ("deckgen.deckcheck", "check_deck", "the deck as a whole: findings, overview, lock"),
    ("deckgen.decknotes", "deck_notes", "the deck as a whole: findings, overview, lock"),
    ("deckgen.decknotes", "convert_script", "the deck as a whole: findings, overview, lock"),
    ("deckgen.guards", "compare_with_lock", "the deck as a whole: findings, overview, lock"),
    ("deckgen.deckplan", "write_deck_rows", "the deck as a whole: findings, overview, lock"),
    ("deckgen.deckplan", "assemble", "the deck as a whole: findings, overview, lock"),
    ("deckgen.build", "write_plan", "write the deck and lock (fsync, rename)"),
    # The collection is assembled in a thread of its own (deckgen.package.Assembly) while
    # the build's thread makes the cache's results: what is timed is the build's wait.
    ("deckgen.incremental", "encode_results", "the cache's results (while SQLite copies rows)"),
    ("deckgen.incremental", "stage", "the cache's results (while SQLite copies rows)"),
    ("deckgen.package", "Assembly._wait", "SQLite: copy rows, indexes (what is left to wait)"),
    ("deckgen.package", "_write_zip", "deflate and zip"),
    ("deckgen.incremental", "save", "keep the cache for the next build"),
)


def peak_mib() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


class Clock:
    """Exclusive wall time per stage: time in a timed function, less its timed callees."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.peaks: dict[str, float] = {}
        self.stack: list[list[float]] = []  # [start, time in timed callees]

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.stack.append([time.perf_counter(), 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                start, inner = self.stack.pop()
                spent = time.perf_counter() - start
                self.totals[stage] = self.totals.get(stage, 0.0) + spent - inner
                self.peaks[stage] = peak_mib()
                if self.stack:
                    self.stack[-1][1] += spent

        return timed


def main(cards: Path, out: Path) -> None:
    import importlib

    from deckgen.cli import cli

    clock = Clock()
    imported = time.perf_counter()
    for module_name, name, stage in TIMED:
        owner: Any = importlib.import_module(module_name)
        *path, name = name.split(".")  # a class's method: "Class.method"
        for part in path:
            owner = getattr(owner, part)
        if hasattr(owner, name):
            setattr(owner, name, clock.wrap(stage, getattr(owner, name)))
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        cli.main(["build", "--cards", str(cards), "-o", str(out)], standalone_mode=False)
    end = time.perf_counter()
    timed = sum(clock.totals.values())
    stages: list[dict[str, object]] = [
        {"stage": "start and import the command", "wall": imported - STARTED, "peak_mib": 0}
    ]
    for stage in dict.fromkeys(stage for _, _, stage in TIMED):
        if stage in clock.totals:
            wall = round(clock.totals[stage], 3)
            stages.append({"stage": stage, "wall": wall, "peak_mib": clock.peaks[stage]})
    rest = end - imported - timed
    stages.append({"stage": "the rest (the command itself)", "wall": rest, "peak_mib": peak_mib()})
    print(json.dumps(stages))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
