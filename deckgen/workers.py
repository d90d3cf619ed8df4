"""A deck's pillar files processed on every core (at most two: see `worker_count`).

The files are cut into contiguous shares of about equal size, one per worker, and each
share is processed in reading order (deckgen.pillarfile.process_file) into a row file of
its own. The build's own process takes the first share; the others are forked, so
they start at once with what the build has read (the deck file, the lock), and send
back their results. The shares' row files hold consecutive positions: the collection
is assembled from them in order (deckgen.package.assemble_collection), the same bytes
however many workers there were.

A worker that fails or dies is a clean error, and every row file goes with the build.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deckgen.errors import WorkerError
from deckgen.package import RowFile
from deckgen.pillarfile import FileContext, FileResult, decode, encode, process_file

if TYPE_CHECKING:
    # multiprocessing, pickle and traceback load only when a build forks workers (decks
    # from PARALLEL_FROM on): a small deck's build, in one process, never needs them.
    from multiprocessing.connection import Connection

# Below this many bytes of cards, one process does it all: forking costs more.
PARALLEL_FROM = 1 << 20


def worker_count(total_bytes: int, requested: int | None = None) -> int:
    """How many processes to use: `requested`, else one per usable core but at most
    two (the build's own process merges, indexes and deflates after them: a third core
    would wait), and one for a small deck or where a process cannot be forked."""
    if requested is not None:
        return max(1, requested)
    if total_bytes < PARALLEL_FROM or not _can_fork():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


def _can_fork() -> bool:
    import multiprocessing

    return sys.platform != "win32" and "fork" in multiprocessing.get_all_start_methods()


def shares(sizes: list[int], count: int) -> list[range]:
    """Cut files of `sizes` into at most `count` contiguous ranges of about equal size."""
    count = max(1, min(count, len(sizes)))
    total = sum(sizes) or 1
    cuts = [0]
    done = 0
    for i, size in enumerate(sizes):
        done += size
        if len(cuts) < count and done * count >= total * len(cuts) and i + 1 < len(sizes):
            cuts.append(i + 1)
    cuts.append(len(sizes))
    return [range(a, b) for a, b in pairwise(cuts) if b > a]


def process_files(
    files: Sequence[tuple[int, Path]],
    ctx: FileContext,
    scratch: Callable[[int], Path],
    workers: int,
) -> tuple[list[FileResult], list[tuple[Path, list[int]]]]:
    """Process the pillar files `files` ((pillar number, path), in reading order) in
    `workers` processes.

    Returns the results in the same order, and the row files with the pillar numbers
    each holds (none when `ctx.write_rows` is off); `scratch(n)` names the n-th row
    file. On any error the row files are removed."""
    sizes = [_size(path) for _, path in files]
    ranges = shares(sizes, workers) if files else []
    parts = [scratch(n) for n in range(len(ranges))] if ctx.write_rows else []
    children: list[tuple[Any, Connection]] = []
    finished = False
    try:
        if len(ranges) > 1:
            import multiprocessing
            import pickle  # noqa: F401  (loaded before the fork: what the workers use)
            import traceback  # noqa: F401

            fork = multiprocessing.get_context("fork")
            for number, share in enumerate(ranges[1:], start=1):
                receive, send = fork.Pipe(duplex=False)
                process = fork.Process(
                    target=_child,
                    args=(files, share, ctx, parts[number] if parts else None, send, os.getpid()),
                    daemon=True,
                )
                process.start()
                send.close()
                children.append((process, receive))
        results: list[FileResult] = []
        if ranges:
            results += _share(files, ranges[0], ctx, parts[0] if parts else None)
        for process, receive in children:
            results += _receive(process.pid or 0, receive)
        finished = True
        held = [
            (path, [files[i][0] for i in share]) for path, share in zip(parts, ranges, strict=False)
        ]
        return results, held
    except BaseException:
        for path in parts:
            path.unlink(missing_ok=True)
        raise
    finally:
        for process, receive in children:
            receive.close()
            if not finished and process.is_alive():
                process.kill()  # the build failed: its workers' work is of no use
            process.join()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _share(
    files: Sequence[tuple[int, Path]], share: range, ctx: FileContext, rows_path: Path | None
) -> list[FileResult]:
    rows = RowFile(rows_path) if rows_path is not None else None
    try:
        results = [process_file(files[i][1], files[i][0], ctx, rows) for i in share]
    finally:
        if rows is not None:
            rows.close()
    return results


def _child(
    files: Sequence[tuple[int, Path]],
    share: range,
    ctx: FileContext,
    rows_path: Path | None,
    send: Connection,
    parent: int,
) -> None:
    """A worker: its share's results through `send`, then out at once (no teardown)."""
    import pickle
    import traceback

    code = 0
    _die_with(parent)
    try:
        results = _share(files, share, ctx, rows_path)
        # Plain values through marshal (deckgen.pillarfile.encode); the preview's notes,
        # the one thing that is not, pickled.
        kept = pickle.dumps([r.kept for r in results]) if ctx.keep_notes else b""
        send.send_bytes(marshal.dumps(("ok", [encode(r) for r in results], kept)))
    except BaseException as exc:  # every failure goes back to the build as one message
        code = 1
        with contextlib.suppress(BaseException):
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            send.send_bytes(marshal.dumps(("error", detail, b"")))
    finally:
        with contextlib.suppress(BaseException):
            send.close()
        os._exit(code)


def _die_with(parent: int) -> None:
    """A worker ends when the build does, however the build ends (on Linux, even when it
    is killed outright: the kernel sends the worker SIGKILL)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the build died before this worker could say so
        os._exit(1)


def _receive(pid: int, receive: Connection) -> list[FileResult]:
    import pickle

    try:
        status, payload, kept = marshal.loads(receive.recv_bytes())
    except (EOFError, OSError, ValueError):
        raise WorkerError(
            f"a worker process ({pid}) ended without its results (killed, or out of "
            "memory?); nothing was written"
        ) from None
    if status != "ok":
        raise WorkerError(f"a worker process ({pid}) failed: {payload}; nothing was written")
    results = [decode(value) for value in payload]
    if kept:
        for result, notes in zip(results, pickle.loads(kept), strict=True):
            result.kept = notes
    return results
