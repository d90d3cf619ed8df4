"""What reading YAML as data only costs: libyaml's composer, the careful one, the test.

    python -m bench.load CARDS [RUNS]

For every cards file of the deck folder CARDS (e.g. one written by `python -m
bench.synth DIR 100000`), prints the CPU seconds, best of RUNS (default 3), of:

- composing every file with libyaml's C composer (the fast path);
- composing every file with deckgen's careful composer (what a file with a tag, an
  alias, an escape or deep nesting costs);
- needs_careful_compose over every file: what the fast path pays to know it may be
  taken, and how many files it sends the careful way.

CPU time rather than wall time: on a shared machine it varies less. Nothing here is a
test.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from deckgen.load import _CarefulComposer, list_cards_folder, needs_careful_compose

# libyaml's composer (deckgen.load uses it for every file that needs no careful reading).
LIBYAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def best(fn: Callable[[], object], runs: int) -> float:
    fastest = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn()
        fastest = min(fastest, time.process_time() - start)
        gc.collect()
    return fastest


def main(cards: Path, runs: int) -> None:
    files = list_cards_folder(cards).files
    data = [path.read_bytes() for path in files]
    texts = [d.decode("utf-8-sig") for d in data]
    gc.disable()
    fast = best(lambda: [yaml.compose(t, Loader=LIBYAML) for t in texts], runs)
    careful = best(lambda: [_CarefulComposer(t, "f").compose() for t in texts], runs)
    test = best(
        lambda: [needs_careful_compose(t, d) for t, d in zip(texts, data, strict=True)], runs
    )
    flagged = sum(needs_careful_compose(t, d) for t, d in zip(texts, data, strict=True))
    print(f"{len(files)} files, {sum(map(len, data)):,} bytes")
    print(f"libyaml's composer:   {fast:.3f} s")
    print(f"careful composer:     {careful:.3f} s ({careful / fast:.1f}x)")
    print(f"needs_careful_compose: {test * 1000:.0f} ms ({test / fast:.1%} of libyaml's), "
          f"{flagged} files sent the careful way")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3)
