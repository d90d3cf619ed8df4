"""Run one command in a fresh wrapper process; print as JSON its wall time and the peak
memory of the command and every process it starts, together.

    python -m bench.child [--memory] CMD [ARG...]

Without --memory, only the wall time (and ru_maxrss) is measured: the wrapper just waits.
With it, the peak memory is measured, at some cost in time (the reads below take CPU the
command would use): a build forks workers, so one process's peak is not the build's.
While the command runs, this wrapper reads, every few milliseconds, the memory of each
process in the command's tree from /proc and keeps the peak of their sum, two ways:

- `peak_mib`: the sum of each process's proportional set size (PSS): a page shared by two
  processes (a forked worker shares its parent's) counts half in each, so the sum is the
  memory the tree takes from the machine. Sampled, it can miss a peak shorter than the
  interval.
- `peak_rss_mib`: the sum, over every process the tree ever had, of its own high-water
  mark (VmHWM, the peak of its resident size), as last read: an upper bound, since it
  counts shared pages in each process and adds peaks that need not coincide.

For a single process without children both are close to ru_maxrss, reported too
(`maxrss_mib`: getrusage(RUSAGE_CHILDREN), the largest process of the tree). Where /proc
cannot be read (not Linux), the two sums fall back to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

INTERVAL = 0.005  # seconds between samples


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        with contextlib.suppress(OSError, ValueError):
            children = Path(f"/proc/{pid}/task/{task}/children").read_text()
            found += [int(c) for c in children.split()]
    return found


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo += _children(p)
    return pids


def _kib(path: str, field: bytes) -> int:
    """A `field:  N kB` line of a /proc file, in KiB (0 when gone)."""
    try:
        with open(path, "rb") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def main(cmd: list[str]) -> int:
    sample = cmd[:1] == ["--memory"]
    cmd = cmd[1:] if sample else cmd
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    peak_pss = 0
    hwm: dict[int, int] = {}  # each process's high-water mark, as last read
    proc_fs = sample and os.path.isdir(f"/proc/{proc.pid}")
    if not sample:
        proc.wait()
    while proc.poll() is None:
        if proc_fs:
            total = 0
            for pid in _tree(proc.pid):
                total += _kib(f"/proc/{pid}/smaps_rollup", b"Pss:")
                mark = _kib(f"/proc/{pid}/status", b"VmHWM:")
                if mark:
                    hwm[pid] = max(hwm.get(pid, 0), mark)
            peak_pss = max(peak_pss, total)
        time.sleep(INTERVAL)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    maxrss = peak / (1 << 20 if sys.platform == "darwin" else 1 << 10)  # bytes on macOS
    # The command's own peak is known exactly once it is done: never report less.
    pss = peak_pss / 1024 if proc_fs else maxrss
    rss = max(sum(hwm.values()) / 1024, maxrss) if proc_fs else maxrss
    print(
        json.dumps(
            {
                "wall": wall,
                "peak_mib": pss,
                "peak_rss_mib": rss,
                "maxrss_mib": maxrss,
                "returncode": proc.returncode,
            }
        )
    )
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
