"""The deck and its lock change together, or not at all.

Both are written to temporary files beside their targets and fsynced before either is
renamed. Then the lock is renamed, then the deck: a failure at any point before leaves
the previous pair as it was (a failed deck rename puts the previous lock back), and no
temporary file. A build killed between the two renames leaves the new lock beside the
previous deck; the deck is a function of the cards and the lock, so the next build
writes the deck that goes with them (and never an older stamp: deckgen.published). The
temporary files a killed build leaves are removed by the next build of the same files.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from deckgen.atomic import Staged, remove_stale, staged, write_text_atomically
from deckgen.errors import DeckgenError, WriteError
from deckgen.load import display_path


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
    lock_renamed = False
    try:
        try:
            with staged(deck_path) as (fh, deck):
                write_deck(fh)
                size = fh.tell()
                fh.seek(0)
                digest = _sha256(fh)
            if lock_bytes is not None:
                with staged(lock_path) as (fh, lock):
                    fh.write(lock_bytes)
        except OSError as exc:
            raise _write_error(exc, lock_path if deck is not None else deck_path) from None
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


def _sha256(fh: BinaryIO) -> str:
    h = hashlib.sha256()
    while chunk := fh.read(1 << 20):
        h.update(chunk)
    return h.hexdigest()


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
