"""Where a first build's time and memory go, stage by stage, in one fresh process.

    python -m bench.stages CARDS OUT.apkg

Runs the stages of deckgen.build.build_deck one by one, as it does (cyclic GC paused,
no lock yet), and prints one JSON object: for each stage its wall and CPU seconds and
the process's peak memory (ru_maxrss, MiB) when it ended. Peak memory only grows, so
the stage where it jumps is the one that needs it.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
from pathlib import Path


def peak_mib() -> float:
    """This process's peak resident size so far, in MiB."""
    # On Linux, VmHWM: ru_maxrss would include the resident size of the process that
    # started this one (the high-water mark survives exec).
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


def main(cards: Path, out: Path) -> None:
    stages: list[dict[str, object]] = []
    wall, cpu = time.perf_counter(), time.process_time()

    def stage(name: str) -> None:
        nonlocal wall, cpu
        now, now_cpu = time.perf_counter(), time.process_time()
        stages.append(
            {
                "stage": name,
                "wall": round(now - wall, 3),
                "cpu": round(now_cpu - cpu, 3),
                "peak_mib": peak_mib(),
            }
        )
        wall, cpu = time.perf_counter(), time.process_time()

    from deckgen.build import plan_deck
    from deckgen.options import BuildOptions
    from deckgen.package import package_deck
    from deckgen.rules import load_checked_deck

    stage("import deckgen")
    gc.disable()
    deck = load_checked_deck(cards)
    stage("load, validate, check (YAML -> model)")
    # Generating the notes, comparing them with the (absent) lock, stamping and rendering
    # the lock are one call in deckgen.build (plan_deck).
    plan = plan_deck(deck, cards, out, BuildOptions(output=out))
    stage("generate, compare, stamp, render lock")
    package_deck(out, deck.name, deck.key, plan.description, plan.notes, plan.types, plan.stamps)
    stage("package (SQLite rows, deflate, zip)")
    out.with_suffix(".lock").write_bytes(plan.lock_bytes)
    stage("write lock")
    print(json.dumps(stages))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
