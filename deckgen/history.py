"""What a learner may have imported besides the lock (stage 4 of a build): the package at
the output path and the last build of the folder (deckgen.cache); a lost lock is rebuilt
from them, and git history is asked when neither has it (deckgen.published)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from deckgen import cache
from deckgen.cache import file_digest
from deckgen.errors import LockError, OutputError, PackageReadError
from deckgen.load import LOCK_FILE, display_path
from deckgen.lock import Lock, parse_lock
from deckgen.model import Deck
from deckgen.package import read_package
from deckgen.published import GitLock, Published, from_lock, lock_from_package, lock_in_git

__all__ = ["History", "parsed", "read_history"]


@dataclass
class History:
    """What the build knows a learner may have, besides the lock."""

    states: list[Published] = field(default_factory=list)
    recovered: Lock | None = None
    recovered_from: str | None = None
    git: GitLock | None = None
    unreadable_output: str | None = None


def read_history(lock: Lock | None, folder: Path, output: Path, deck: Deck) -> History:
    """The package at the output path and the last build of the folder (stages 4)."""
    history = History()
    lock_sha = lock.digest if lock is not None else None
    # The last build's lock is read (decompressed, its digest checked) only when it may
    # be other than the lock and the package's: most often it is the lock itself.
    last_sha = cache.last_lock_digest(folder)
    seen = {lock_sha}
    if _is_file(output):
        package_lock = None
        record = cache.read_record(output)
        digest = file_digest(output)
        if record is not None and record.package == digest:
            if record.lock == lock_sha:
                seen.add(record.lock)  # the package is the lock's: nothing more to know
            elif last_sha is not None and last_sha == record.lock:
                package_lock = _last_lock(folder, last_sha)
        else:
            record = None
        if package_lock is None and lock_sha not in ({record.lock} if record else set()):
            try:
                package_lock = lock_from_package(read_package(output), deck.key)
            except PackageReadError as exc:
                history.unreadable_output = str(exc)
            if package_lock is None and history.unreadable_output is None:
                history.unreadable_output = "it holds no note of this deck"
        if package_lock is not None:
            history.states.append(from_lock(package_lock, display_path(output)))
            if record is not None:
                seen.add(record.lock)
            if lock is None:
                history.recovered, history.recovered_from = package_lock, display_path(output)
    if last_sha is not None and last_sha not in seen:
        last_lock = _last_lock(folder, last_sha)
        if last_lock is not None:
            history.states.append(from_lock(last_lock, "the last build of this deck"))
            if history.recovered is None and lock is None:
                history.recovered = last_lock
                history.recovered_from = "the last build of this deck on this machine"
    if lock is None and history.recovered is None:
        history.git = lock_in_git(folder / LOCK_FILE)
    return history


def _is_file(output: Path) -> bool:
    """Whether a package is at the output path. A look that fails (a failing disk) is an
    error: taking it for no package would build without what a learner may have of it."""
    try:
        return output.is_file()
    except OSError as exc:
        raise OutputError(f"cannot read {display_path(output)}: {exc.strerror or exc}") from None


def _last_lock(folder: Path, digest: str) -> Lock | None:
    """The lock the last build of `folder` left, if it is still the one of `digest`."""
    last = cache.last_lock(folder)
    return parsed(last[1]) if last is not None and last[0] == digest else None


def parsed(raw: bytes) -> Lock | None:
    try:
        return parse_lock(raw, "cache")
    except LockError:
        return None
