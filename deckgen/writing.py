"""The deck and its lock change together, or not at all.

Both are written to temporary files beside their targets and fsynced before either is
renamed. When the lock changes, a small journal (and a hard link to the previous lock)
is written beside the lock before the renames: the lock is renamed first, then the deck,
then the journal is removed. So:

- a failure at any point (a full disk, a folder that cannot be written, an interrupt)
  leaves the previous pair as it was, and no temporary file: a failed deck rename puts
  the previous lock back;
- a build killed between the two renames leaves its journal: the next build of the
  folder (`recover_interrupted`, before it reads the lock) finds the new lock beside the
  previous deck and puts the previous lock back, so it starts from the previous pair;
- the temporary files a killed build leaves are removed by the next build of the same
  files (deckgen.atomic.remove_stale: their writer's process is gone).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from deckgen.atomic import (
    Staged,
    remove_stale,
    staged,
    temp_prefix,
    write_text_atomically,
    writer_alive,
)
from deckgen.errors import DeckgenError, WriteError
from deckgen.load import display_path

JOURNAL = ".journal.tmp"
PREVIOUS = ".previous.tmp"


def write_together(
    deck_path: Path,
    write_deck: Callable[[BinaryIO], None],
    lock_path: Path,
    lock_bytes: bytes | None,
    old_lock: bytes | None,
    *,
    before_rename: Callable[[Path], None] | None = None,
) -> tuple[int, str]:
    """Write the deck (by `write_deck`) and, unless `lock_bytes` is None, the lock; then
    rename both into place. Returns the deck's size and SHA-256.

    `old_lock` is the lock as it was (None: there was none), put back if the deck cannot
    be renamed after the lock was. Raises WriteError for what the system refuses.
    """
    remove_stale(deck_path.parent, deck_path.name)
    remove_stale(lock_path.parent, lock_path.name)
    deck: Staged | None = None
    lock: Staged | None = None
    journal: list[Path] = []
    lock_renamed = False
    writing = deck_path  # what a refusal is about: the deck until it is staged, whole
    try:
        try:
            with staged(deck_path) as (fh, deck):
                write_deck(fh)
                size = fh.tell()
                fh.seek(0)
                digest = _sha256(fh)
            writing = lock_path
            if lock_bytes is not None:
                with staged(lock_path) as (fh, lock):
                    fh.write(lock_bytes)
                journal = _write_journal(lock_path, deck_path, digest, lock_bytes, old_lock)
        except OSError as exc:
            raise _write_error(exc, writing) from None
        if lock is not None:
            if before_rename is not None:
                before_rename(lock.path)
            try:
                lock.commit()
            except OSError as exc:
                raise _write_error(exc, lock_path) from None
            lock_renamed = True
        if before_rename is not None:
            before_rename(deck.path)
        try:
            deck.commit()
        except OSError as exc:
            raise _write_error(exc, deck_path) from None
        lock_renamed = False  # both in place
        return size, digest
    finally:
        if lock_renamed:
            _put_back(lock_path, old_lock)  # the deck was not renamed: the previous pair
        for left in (deck, lock):
            if left is not None:
                left.discard()
        for path in journal:  # best effort, as discard: the next build removes a journal
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


def _sha256(fh: BinaryIO) -> str:
    h = hashlib.sha256()
    while chunk := fh.read(1 << 20):
        h.update(chunk)
    return h.hexdigest()


def _write_journal(
    lock_path: Path, deck_path: Path, deck_sha: str, lock_bytes: bytes, old_lock: bytes | None
) -> list[Path]:
    """What the renames are about to do, and the previous lock (a hard link, or a copy),
    for `recover_interrupted`. Returns the files to remove once both renames are done."""
    base = lock_path.parent / f"{temp_prefix(lock_path)}{os.urandom(4).hex()}"
    previous = Path(f"{base}{PREVIOUS}")
    written: list[Path] = []
    if old_lock is not None:
        try:
            os.link(lock_path, previous)
        except OSError:  # no hard links here: a copy
            previous.write_bytes(old_lock)
        written.append(previous)
    record = {
        "deck": str(deck_path.resolve()),
        "deck_sha256": deck_sha,
        "lock_sha256": hashlib.sha256(lock_bytes).hexdigest(),
        "previous": previous.name if old_lock is not None else None,
    }
    journal = Path(f"{base}{JOURNAL}")
    with open(journal, "w", encoding="utf-8") as fh:
        json.dump(record, fh)
        fh.flush()
        os.fsync(fh.fileno())
    return [journal, *written]


def recover_interrupted(folder: Path, lock_name: str) -> list[str]:
    """Undo the half of a build killed between renaming its lock and its deck: put the
    previous lock back when the new one was renamed but the deck was not. Returns what
    was done, for the build to say. Call it holding the folder (deckgen.buildlock)."""
    done: list[str] = []
    pattern = re.compile(rf"^\.{re.escape(lock_name)}\.(\d+)\.[0-9a-z_]*{re.escape(JOURNAL)}$")
    try:
        entries = [e for e in os.scandir(folder) if pattern.match(e.name)]
    except OSError:
        return done
    lock_path = folder / lock_name
    for entry in entries:
        pid = int(pattern.match(entry.name).group(1))  # type: ignore[union-attr]
        if writer_alive(pid):
            continue
        journal = Path(entry.path)
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
            deck = Path(record["deck"])
            previous = folder / record["previous"] if record["previous"] else None
        except (OSError, ValueError, KeyError, TypeError):
            journal.unlink(missing_ok=True)
            continue
        if (
            _file_sha(deck) != record["deck_sha256"]
            and _file_sha(lock_path) == record["lock_sha256"]
        ):
            # The lock was renamed, the deck was not: the previous pair comes back.
            with contextlib.suppress(OSError):
                if previous is not None and previous.exists():
                    os.replace(previous, lock_path)
                else:
                    lock_path.unlink()
                done.append(
                    f"A build of {display_path(folder)} was killed while writing "
                    f"{display_path(deck)}: put back the lock it had replaced."
                )
        if previous is not None:
            previous.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)
    return done


def _file_sha(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            return _sha256(fh)
    except OSError:
        return None


def _put_back(lock_path: Path, old_lock: bytes | None) -> None:
    with contextlib.suppress(OSError):
        if old_lock is None:
            lock_path.unlink(missing_ok=True)
        else:
            write_text_atomically(lock_path, old_lock)


def _write_error(exc: OSError, path: Path) -> DeckgenError:
    reason = exc.strerror or str(exc)
    return WriteError(
        f"cannot write {display_path(path)}: {reason}; nothing was changed (the previous "
        "deck and lock are as they were)"
    )
