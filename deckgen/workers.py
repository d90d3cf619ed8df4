"""A deck's pillar files processed on every core (at most two: see `worker_count`).

The files are cut into contiguous chunks (`chunks`: large first, smaller towards the end),
and the build's own process and its forked workers each take the next chunk not taken,
one at a time, until none is left: a process that runs slower (a busier core, its
copied pages) takes fewer, and the processes end within a file or two of each other.
Each process adds its chunks' rows, in position order, to a row file of its own; a
worker writes each chunk's results, encoded (deckgen.pillarfile.encode), to a file of no
name as it finishes the chunk, and says so through a pipe: the build takes them in
between its own chunks, so that decoding them is shared out like the rest. The
collection is assembled from the row files by position
(deckgen.package.assemble_collection), the same bytes however the chunks fell.

A worker that fails or dies is a clean error, and every row file goes with the build.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deckgen.errors import WorkerError
from deckgen.package import RowFile, pause_assemblies
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


def chunks(sizes: list[int], workers: int) -> list[range]:
    """Cut files of `sizes` into contiguous ranges, in order, for `workers` processes to
    take one at a time: each range about a 1/(2 * workers) share of the bytes not yet cut,
    and at least one file. The first are large (few to take), the last a file each (no
    process waits long for another's last range). One range for one process."""
    if workers <= 1 or len(sizes) <= 1:
        return [range(len(sizes))] if sizes else []
    left = sum(sizes)
    cut: list[range] = []
    start = 0
    while start < len(sizes):
        target = left / (2 * workers)
        end, taken = start + 1, sizes[start]
        while end < len(sizes) and taken + sizes[end] <= target:
            taken += sizes[end]
            end += 1
        cut.append(range(start, end))
        left -= taken
        start = end
    return cut


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
    ranges = chunks([_size(path) for _, path in files], workers)
    count = min(workers, len(ranges))
    parts = [scratch(n) for n in range(count)] if ctx.write_rows else []
    done: dict[int, list[FileResult]] = {}  # by chunk
    taken: list[list[int]] = [[] for _ in range(count)]  # each process's chunks
    children: list[_Worker] = []
    finished = False
    try:
        if count > 1:
            import multiprocessing
            import pickle  # noqa: F401  (loaded before the fork: what the workers use)
            import traceback  # noqa: F401

            # Another deck's collection may be under way in a thread of this process
            # (deckgen.package.Assembly): never fork while it is inside SQLite.
            pause_assemblies()
            claims = _claims(len(ranges))
            try:
                fork = multiprocessing.get_context("fork")
                for number in range(1, count):
                    receive, send = fork.Pipe(duplex=False)
                    sent = _results_file()
                    # A worker starts once the build holds it (an interrupt between the
                    # fork and then would leave a worker nobody stops): it waits to read
                    # a byte from `go`, and ends at once when the pipe is closed instead.
                    go, ready = os.pipe()
                    rows = parts[number] if parts else None
                    args = (files, ranges, claims, ctx, rows, send, sent, os.getpid(), go, ready)
                    process = fork.Process(target=_child, args=args, daemon=True)
                    try:
                        try:
                            process.start()
                        except BaseException:
                            os.close(sent)
                            receive.close()
                            raise
                        finally:
                            send.close()
                            os.close(go)
                        children.append(_Worker(process, receive, sent, taken[number]))
                        os.write(ready, b"1")
                    finally:
                        os.close(ready)

                def take() -> int | None:
                    # Between its own chunks, the build takes in what its workers have
                    # done since (their results decoded here, while there is work for
                    # both), and the error of one that failed or died.
                    for child in children:
                        child.take_in(done, wait=False)
                    return _take(claims)

                mine = _work(files, ranges, take, ctx, parts[0] if parts else None)
            finally:
                os.close(claims)
        else:
            order = iter(range(len(ranges)))
            mine = _work(files, ranges, lambda: next(order, None), ctx, parts[0] if parts else None)
        for number, chunk in mine:
            done[number] = chunk
            taken[0].append(number)
        for child in children:
            child.take_in(done, wait=True)
        if len(done) != len(ranges):
            raise WorkerError("a worker process lost part of its work; nothing was written")
        finished = True
        results = [result for number in range(len(ranges)) for result in done[number]]
        held = [
            (path, [files[i][0] for number in sorted(numbers) for i in ranges[number]])
            for path, numbers in zip(parts, taken, strict=False)
        ]
        return results, held
    except BaseException:
        for path in parts:
            path.unlink(missing_ok=True)
        raise
    finally:
        for child in children:
            child.close(kill=not finished)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _claims(count: int) -> int:
    """A pipe's read end holding the numbers 0 to `count` - 1, two bytes each, its write
    end closed: whoever reads two bytes takes the next chunk, once (a pipe's read is
    atomic), and reads nothing when none is left. At most MAX_SLOTS chunks: 16 KiB, in
    a pipe's buffer."""
    read, write = os.pipe()
    try:
        os.write(write, b"".join(n.to_bytes(2, "big") for n in range(count)))
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)
    return read


def _take(claims: int) -> int | None:
    """The next chunk's number, or None when every chunk is taken."""
    got = os.read(claims, 2)
    return int.from_bytes(got, "big") if len(got) == 2 else None


def _work(
    files: Sequence[tuple[int, Path]],
    ranges: list[range],
    take: Callable[[], int | None],
    ctx: FileContext,
    rows_path: Path | None,
    finished: Callable[[int, list[FileResult]], None] | None = None,
) -> list[tuple[int, list[FileResult]]]:
    """Process the chunks `take` gives, in the order given (increasing), adding their rows
    to the row file `rows_path`: each chunk's number and results, also to `finished`."""
    rows = RowFile(rows_path) if rows_path is not None else None
    out: list[tuple[int, list[FileResult]]] = []
    try:
        while (number := take()) is not None:
            results = [process_file(files[i][1], files[i][0], ctx, rows) for i in ranges[number]]
            if finished is not None:
                finished(number, results)
            else:
                out.append((number, results))
    finally:
        if rows is not None:
            rows.close()
    return out


def _child(
    files: Sequence[tuple[int, Path]],
    ranges: list[range],
    claims: int,
    ctx: FileContext,
    rows_path: Path | None,
    send: Connection,
    sent: int,
    parent: int,
    go: int,
    ready: int,
) -> None:
    """A worker: once the build says so through `go` (its end `ready`), each chunk's
    results written to the file `sent` as it is done, and said through `send`; then out
    at once (no teardown)."""
    import pickle
    import traceback

    code = 0
    _die_with(parent)
    os.close(ready)
    if os.read(go, 1) != b"1":  # the build failed before it held this worker
        os._exit(1)
    os.close(go)
    try:
        end = 0

        def finished(number: int, results: list[FileResult]) -> None:
            # Plain values through marshal (deckgen.pillarfile.encode); the preview's notes,
            # the one thing that is not plain, pickled.
            nonlocal end
            kept = pickle.dumps([r.kept for r in results]) if ctx.keep_notes else b""
            frame = marshal.dumps((number, [encode(r) for r in results], kept))
            _write_at(sent, frame, end)
            send.send_bytes(marshal.dumps(("chunk", end, len(frame))))
            end += len(frame)

        _work(files, ranges, lambda: _take(claims), ctx, rows_path, finished)
        send.send_bytes(marshal.dumps(("done",)))
    except BaseException as exc:  # every failure goes back to the build as one message
        code = 1
        with contextlib.suppress(BaseException):
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            send.send_bytes(marshal.dumps(("error", detail)))
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


class _Worker:
    """A forked worker as the build sees it: its process, the pipe of its messages, and
    the file its chunks' results are written to (`_results_file`)."""

    def __init__(self, process: Any, receive: Connection, sent: int, taken: list[int]) -> None:
        self.process = process
        self.receive = receive
        self.sent = sent
        self.taken = taken  # the numbers of the chunks it did
        self.done = False

    def take_in(self, done: dict[int, list[FileResult]], *, wait: bool) -> None:
        """The results of each chunk it has done, into `done` (with `wait`, until it has
        done all it will); WorkerError if it failed or ended without saying it was done."""
        import pickle

        while not self.done and (wait or self.receive.poll()):
            try:
                message = marshal.loads(self.receive.recv_bytes())
            except (EOFError, OSError, ValueError):
                raise WorkerError(
                    f"a worker process ({self.process.pid}) ended without its results "
                    "(killed, or out of memory?); nothing was written"
                ) from None
            if message[0] == "done":
                self.done = True
            elif message[0] == "chunk":
                _, offset, length = message
                try:
                    number, values, kept = marshal.loads(_read_at(self.sent, length, offset))
                    results = [decode(value) for value in values]
                except (EOFError, ValueError, TypeError):
                    raise WorkerError(
                        f"a worker process ({self.process.pid}) sent results that cannot be "
                        "read; nothing was written"
                    ) from None
                if kept:
                    for result, notes in zip(results, pickle.loads(kept), strict=True):
                        result.kept = notes
                done[number] = results
                self.taken.append(number)
            else:
                raise WorkerError(
                    f"a worker process ({self.process.pid}) failed: {message[1]}; "
                    "nothing was written"
                )

    def close(self, *, kill: bool) -> None:
        self.receive.close()
        os.close(self.sent)
        if kill and self.process.is_alive():
            self.process.kill()  # the build failed: its workers' work is of no use
        self.process.join()


def _results_file() -> int:
    """A file of no name for a worker's results: in memory where Linux can make one
    (memfd), else a temporary file removed as it is made. Nothing to clean up after a
    kill: it goes with the last process that has it open."""
    with contextlib.suppress(AttributeError, OSError):
        return os.memfd_create("deckgen-results", os.MFD_CLOEXEC)
    import tempfile

    with tempfile.TemporaryFile() as fh:
        return os.dup(fh.fileno())


def _write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _read_at(fd: int, length: int, offset: int) -> bytes:
    pieces = []
    while length > 0:
        piece = os.pread(fd, length, offset)
        if not piece:
            raise EOFError("a worker's results were cut short")
        pieces.append(piece)
        length, offset = length - len(piece), offset + len(piece)
    return b"".join(pieces)
