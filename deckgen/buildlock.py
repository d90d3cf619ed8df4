"""One build of a cards folder at a time.

Two builds of one folder at once could interleave their lock and deck (the deck of one
beside the lock of the other, after which every build says "up to date"). A build holds
an exclusive `flock` on the cards folder itself from the moment it reads the lock until
it has renamed its files: no lock file appears in the folder, and the kernel releases
the lock when a build dies, however it dies. A second build waits, and says who it waits
for (a note in the user's cache names the holder).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from deckgen.cache import lock_holder_path
from deckgen.load import display_path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]


@contextmanager
def holding(folders: list[Path], notice: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold every folder of `folders` (in a fixed order, so two builds never deadlock)."""
    with contextlib.ExitStack() as stack:
        for folder in sorted(set(folders), key=lambda p: str(p.resolve())):
            stack.enter_context(_hold(folder, notice))
        yield


@contextmanager
def _hold(folder: Path, notice: Callable[[str], None] | None) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield  # no folder: loading it reports that
        return
    holder = lock_holder_path(folder)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if notice is not None:
                notice(
                    f"Waiting for another deckgen build of {display_path(folder)} to finish"
                    f"{_who(holder)}..."
                )
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass  # a file system without locks: build without one
        made = _say_who(holder)
        try:
            yield
        finally:
            if holder is not None:
                with contextlib.suppress(OSError):
                    holder.unlink()
            for folder_made in made:  # leave the cache as the build found it
                with contextlib.suppress(OSError):
                    folder_made.rmdir()
    finally:
        os.close(fd)  # releases the flock


def _say_who(holder: Path | None) -> list[Path]:
    """Write who holds the folder; return the folders made for it, deepest first."""
    if holder is None:
        return []
    made: list[Path] = []
    with contextlib.suppress(OSError):  # a courtesy: a build goes on without it
        made = [p for p in (holder.parent, *holder.parent.parents) if not p.exists()]
        holder.parent.mkdir(parents=True, exist_ok=True)
        holder.write_text(f"{os.getpid()} {int(time.time())}\n", encoding="utf-8")
    return made


def _who(holder: Path | None) -> str:
    if holder is None:
        return ""
    try:
        pid, started = holder.read_text(encoding="utf-8").split()
        when = time.strftime("%H:%M:%S", time.localtime(int(started)))
    except (OSError, ValueError):
        return ""
    return f" (process {pid}, started at {when})"
