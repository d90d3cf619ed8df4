"""Run one command in a fresh wrapper process; print its wall time and peak memory as JSON.

    python -m bench.child CMD [ARG...]

A process's ru_maxrss on Linux starts from the resident size of the process that forked
it (the high-water mark survives exec), so a large benchmark driver would inflate every
figure. This wrapper is small and fresh: getrusage(RUSAGE_CHILDREN) after the command
exits is the command's own peak, give or take the wrapper's few MiB.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(cmd: list[str]) -> int:
    start = time.perf_counter()
    code = subprocess.call(cmd, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    mib = peak / (1 << 20 if sys.platform == "darwin" else 1 << 10)  # bytes on macOS
    print(json.dumps({"wall": wall, "peak_mib": mib, "returncode": code}))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
