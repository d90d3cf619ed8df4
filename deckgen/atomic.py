"""Files replaced in one step: written beside the target, then renamed into place.

An interrupted or failed write leaves the previous file as it was and no temporary
file behind. The deck, the lock, the preview page and extracted cards all go this way.

Temporary files are hidden and carry the writer's process id:
`.<target name>.<pid>.<random><suffix>`. A file of that shape whose process is gone was
left by a killed build; `remove_stale` deletes those. A replaced file keeps its
permission bits; a new one gets the usual ones (0666 less the umask).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIXES = (".tmp", ".db")


def temp_prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


@dataclass
class Staged:
    """A finished temporary file, fsynced (if `durable`), waiting to be renamed onto
    `target`."""

    path: Path
    target: Path
    durable: bool = True

    def commit(self) -> None:
        """Rename it into place, with the target's permission bits if it exists."""
        os.chmod(self.path, _mode_for(self.target))
        os.replace(self.path, self.target)
        if self.durable:
            _sync_folder(self.target.parent)

    def discard(self) -> None:
        """Remove the temporary file if it is still there. Best effort: it runs on the way
        out of an error (which it must not hide) or after the rename (when the build has
        succeeded); a file left behind is removed by the next build (`remove_stale`)."""
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)


@contextmanager
def staged(
    target: Path, suffix: str = ".tmp", *, durable: bool = True
) -> Iterator[tuple[BinaryIO, Staged]]:
    """A temporary file beside `target` to write; once the block ends it is flushed and
    fsynced, ready for `Staged.commit`. On any error it is removed.

    Not `durable`: neither the file nor, once renamed, its folder is fsynced. Only for
    files whose reader tells a complete file from anything else (a cache's, checked
    against digests): a crash of the machine can leave such a file empty, or the one
    before it, and that must only cost time. A killed process leaves the same files
    either way (the kernel has them)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=temp_prefix(target), suffix=suffix)
    result = Staged(Path(name), target, durable)
    try:
        with os.fdopen(fd, "w+b") as fh:
            yield fh, result
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
    except BaseException:
        result.discard()
        raise


@contextmanager
def replaced_atomically(
    path: Path,
    *,
    before_rename: Callable[[Path], None] | None = None,
    durable: bool = True,
) -> Iterator[BinaryIO]:
    """A binary file to write; on success it replaces `path`, on any error it is removed.

    `before_rename` sees the finished temporary file just before the rename (tests use
    it to interrupt a build at the last moment). `durable`: as for `staged`.
    """
    with staged(path, durable=durable) as (fh, result):
        yield fh
    try:
        if before_rename is not None:
            before_rename(result.path)
        result.commit()
    except BaseException:
        result.discard()
        raise


def write_text_atomically(path: Path, text: str | bytes, *, durable: bool = True) -> None:
    """Replace `path` with `text`: as UTF-8 with \\n line ends, or bytes as they are.
    `durable`: as for `staged`."""
    with replaced_atomically(path, durable=durable) as fh:
        fh.write(text.encode("utf-8") if isinstance(text, str) else text)


def _mode_for(target: Path) -> int:
    try:
        st = target.stat()
    except OSError:
        return 0o666 & ~_umask()
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: not every system can)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def missing_folders(folder: Path) -> list[Path]:
    """`folder` and those of its parents that do not exist, deepest first: what making it
    makes, for a build to remove again if it fails. A folder that cannot be told to
    exist, and its parents, are not counted: not ours to remove."""
    missing = []
    for path in (folder, *folder.parents):
        try:
            if path.exists():
                break
        except OSError:
            break
        missing.append(path)
    return missing


def remove_files(paths: Iterable[Path]) -> None:
    """Remove a build's scratch files (its row files, its collection). Best effort, as
    `Staged.discard`: it runs after the deck and lock are in place (a build that succeeded
    must not fail for it) or on the way out of an error (which it must not hide); what is
    left is removed by a later build (`remove_stale`)."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def remove_stale(folder: Path, target_name: str) -> list[Path]:
    """Delete the temporary files for `target_name` in `folder` whose writer is gone."""
    pattern = re.compile(
        rf"^\.{re.escape(target_name)}\.(\d+)\.[^/]*(?:{'|'.join(map(re.escape, TEMP_SUFFIXES))})$"
    )
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None or writer_alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def writer_alive(pid: int) -> bool:
    """Whether the process that wrote a temporary file (by its pid) may still be at it."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process: leave its files alone
    return True
