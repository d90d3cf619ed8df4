"""A rebuild after a few files changed reads only those: the others' results and rows come
from the last build of the folder.

What a pillar file contributes to a build (deckgen.pillarfile.FileResult: its findings,
notes, lock lines and rows) depends on the file's bytes and its place (its pillar
number), on the deck-wide context (the deck file, the build's options, the deck's
language and note types, deckgen's own code) and on the lock its notes are compared
with. After each build, deckgen keeps in the user's cache, per deck folder, every
file's result under a key of all that, and the collection it wrote, whose rows the next
build copies. A later build takes a file from there when its key is the same and the
lock it reads is the very lock that build wrote: every note of the file is then
unchanged against it, stamped as it was, its lock line and rows what they were. Every
other file is processed as usual, and the collection is assembled from the kept rows and
the new ones by the one procedure every build uses (deckgen.package.assemble_collection):
a rebuild writes exactly the deck, lock and messages of a cold build.

The results are kept as plain values in marshal's format (the fastest Python reads and
writes), each file's apart, so that a rebuild decodes what it takes and writes back the
bytes of every file it did not process as it read them.

Best effort, like the rest of the cache: anything that cannot be read or written here
only makes a build do all the work.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from deckgen.atomic import (
    Staged,
    missing_folders,
    remove_stale,
    staged,
    temp_prefix,
    write_text_atomically,
)
from deckgen.cache import cache_root, code_identity, path_key
from deckgen.load import display_path
from deckgen.lock import Trusted
from deckgen.pillarfile import FileResult, decode_kept, encode_kept

# 6: the collection's identity in WROTE, not in RESULTS (written before the collection
# is finished: `stage`); a file's lock lines as where they are in the lock it wrote.
FORMAT = 6
ROWS = "collection.anki2"
RESULTS = "results.marshal"
# This deckgen's code identity, the digest of the lock it wrote and the identity of the
# collection it kept (`_identity_line`), one a line: written last.
WROTE = "lock.sha256"
KEYS = "lock.keys"  # the key of each note of that lock, in order, and their newest stamp


def folder_cache(folder: Path) -> Path | None:
    root, key = cache_root(), path_key(folder)
    return root / "incremental" / key if root is not None and key is not None else None


def context_digest(*parts: object) -> str:
    """A digest of the deck-wide context a file's result depends on (and deckgen's code)."""
    h = hashlib.sha256(repr((FORMAT, code_identity(True), *parts)).encode("utf-8"))
    return h.hexdigest()


def file_key(index: int, path: Path, data: bytes) -> str:
    """A file's place, its name as findings show it (relative to the working folder) and
    its bytes (their SHA-256 last: `save` keeps a result only if it was made from them)."""
    return digest_key(index, path, hashlib.sha256(data).hexdigest())


def digest_key(index: int, path: Path, digest: str) -> str:
    """`file_key` of the file whose bytes' SHA-256 is `digest`."""
    shown = display_path(path).encode("utf-8", "surrogateescape").hex()
    name = os.fsencode(path.name).hex()
    return f"{index}\x1f{name}\x1f{shown}\x1f{digest}"


def file_keys(files: Sequence[Path]) -> list[str | None]:
    """Each pillar file's key (None when it cannot be read: it is processed)."""
    keys: list[str | None] = []
    for index, path in enumerate(files, start=1):
        try:
            keys.append(file_key(index, path, path.read_bytes()))
        except OSError:
            keys.append(None)
    return keys


@dataclass
class Kept:
    """What the last build of a folder left to reuse."""

    rows: Path  # its collection
    encoded: dict[str, bytes]  # each file's result, by file key, as kept
    spans: dict[str, tuple[int, int]]  # where each file's lock lines are in `lock`
    lock: bytes  # the lock that build wrote, as this build read it

    def result(self, key: str) -> FileResult:
        """The file's result against the lock its own build wrote: every note unchanged.
        Raises ValueError, TypeError or EOFError when it cannot be read."""
        try:
            start, end = self.spans[key]
        except (KeyError, ValueError) as exc:
            raise ValueError(f"no lock lines kept for {key!r}") from exc
        lines = self.lock[start:end]
        # The next line, or the lock's end, follows (decode_kept checks how they start).
        if lines and self.lock[end : end + 2] not in _AFTER:
            raise ValueError(f"the lock lines kept for {key!r} are not lines of the lock")
        return decode_kept(marshal.loads(self.encoded[key]), lines)


_AFTER = (b",\n", b"\n ")


def load(folder: Path, context: str, lock_digest: str, lock: bytes) -> Kept | None:
    """The results and rows the last build of `folder` kept, when it was made in the same
    context and wrote the very lock this build reads (`lock`, its SHA-256 `lock_digest`);
    None otherwise."""
    where = folder_cache(folder)
    if where is None:
        return None
    rows = where / ROWS
    try:
        with open(where / WROTE, "rb") as fh:
            wrote = fh.read(256)
        # The last build wrote this very lock and kept this very collection, unchanged.
        if wrote != _wrote(lock_digest) + _identity_line(rows):
            return None
        with open(where / RESULTS, "rb") as fh:
            saved = marshal.load(fh)
        if saved["format"] != FORMAT or saved["context"] != context:
            return None
        if saved["lock"] != lock_digest:
            return None
        encoded, spans = saved["results"], saved["spans"]
        if not isinstance(encoded, dict) or not isinstance(spans, dict):
            return None
    except (OSError, EOFError, KeyError, TypeError, ValueError):
        return None
    return Kept(rows, encoded, spans, lock)


@dataclass(frozen=True)
class WrittenLock:
    """The lock a build wrote, with what the build knew of it: its notes' keys in the
    lock's order and their newest stamp (which the next build need not read again)."""

    digest: str  # its SHA-256
    keys: list[str]
    newest: int


def trusted(folder: Path, lock: bytes) -> Trusted | None:
    """What deckgen.lock.read_lock may take as known of `lock` when it is the very lock
    the last build of `folder` wrote (None when it is not): its digest, and the keys and
    newest stamp that build kept of it, when they can be read."""
    digest = hashlib.sha256(lock).hexdigest()
    if not _wrote_digest(folder, digest):
        return None
    return _kept_keys(folder, digest) or Trusted(digest=digest)


def _kept_keys(folder: Path, lock_digest: str) -> Trusted | None:
    """The keys kept for the lock of `lock_digest` (None if missing, damaged or another's)."""
    where = folder_cache(folder)
    if where is None:
        return None
    try:
        data = (where / KEYS).read_bytes()
        check, body = data[:32], data[32:]
        if hashlib.sha256(body).digest() != check:
            return None
        form, digest, newest, keys = marshal.loads(body)
    except (OSError, EOFError, TypeError, ValueError):
        return None
    if form != FORMAT or digest != lock_digest or type(newest) is not int or type(keys) is not list:
        return None
    return Trusted(keys, newest, lock_digest)


def wrote_lock(folder: Path, lock: bytes) -> bool:
    """Whether `lock` is the very lock the last build of `folder` wrote, by this deckgen
    (its notes are then all well-formed: deckgen.lock.LazyNotes)."""
    return _wrote_digest(folder, hashlib.sha256(lock).hexdigest())


def _wrote_digest(folder: Path, lock_digest: str) -> bool:
    where = folder_cache(folder)
    if where is None:
        return False
    try:
        with open(where / WROTE, "rb") as fh:
            wrote = fh.read(256)
    except OSError:
        return False
    return wrote.startswith(_wrote(lock_digest))


def _wrote(lock_digest: str) -> bytes:
    return f"{code_identity(True)}\n{lock_digest}\n".encode()


def _identity_line(path: Path) -> bytes:
    """The file's inode, size and time: another file, or one changed since, differs."""
    st = path.stat()
    return f"{st.st_ino} {st.st_size} {st.st_mtime_ns}\n".encode()


def rows_scratch(folder: Path, made: list[Path] | None = None) -> Path | None:
    """Where to assemble a build's collection so that it can be kept afterwards (None:
    the cache cannot take it, assemble it beside the deck). The folders it makes are
    added to `made`, deepest first: a build that fails removes them (when empty)."""
    where = folder_cache(folder)
    if where is None:
        return None
    missing = missing_folders(where)
    try:
        where.mkdir(parents=True, exist_ok=True)
        remove_stale(where, ROWS)
    except OSError:
        return None
    finally:
        if made is not None:
            made += missing
    return where / f"{temp_prefix(where / ROWS)}{os.urandom(4).hex()}.db"


def encode_results(results: dict[str, FileResult | bytes]) -> dict[str, bytes]:
    """The results of a build's files (each a FileResult, or as it was kept:
    Kept.encoded) as `save` keeps them, by file key."""
    return {
        key: r if isinstance(r, bytes) else marshal.dumps(encode_kept(r))
        for key, r in results.items()
        if isinstance(r, bytes) or r.digest == key.rpartition("\x1f")[2]
    }  # a file changed between its key and its reading is read again next time


@dataclass
class StagedResults:
    """What `save` keeps of a build but its collection, written beside where it goes:
    staged while the collection is still being assembled (deckgen.build.write_plan)."""

    lock_digest: str
    files: list[Staged]

    def discard(self) -> None:
        for file in self.files:
            file.discard()


def stage(
    folder: Path,
    context: str,
    lock: WrittenLock,
    encoded: dict[str, bytes],
    spans: dict[str, tuple[int, int]],
) -> StagedResults | None:
    """Write the results of a build's files (`encode_results`), where each file's lock
    lines are in the lock it wrote (`spans`, by file key) and what it knew of that lock
    to temporary files in the cache of `folder`, for `save` (None: the cache cannot
    take them)."""
    where = folder_cache(folder)
    if where is None:
        return None
    saved = {
        "format": FORMAT,
        "context": context,
        "lock": lock.digest,
        "results": encoded,
        "spans": spans,
    }
    keys = marshal.dumps((FORMAT, lock.digest, lock.newest, lock.keys))
    result = StagedResults(lock.digest, [])
    try:
        for name in (RESULTS, KEYS):
            remove_stale(where, name)
        # Not fsynced (a crash of the machine can leave them empty, which `load` and
        # `wrote_lock` take for no cache): only the deck and lock must survive one.
        for name, data in ((RESULTS, marshal.dumps(saved)), (KEYS, _checked(keys))):
            with staged(where / name, durable=False) as (fh, file):
                fh.write(data)
            result.files.append(file)
    except OSError:
        result.discard()
        return None
    return result


def _checked(data: bytes) -> bytes:
    return hashlib.sha256(data).digest() + data


def save(folder: Path, staged_results: StagedResults | None, rows: Path) -> None:
    """Keep `rows` (the collection a build wrote, assembled at `rows_scratch`) and what
    `stage` wrote, for the next build of `folder`."""
    where = folder_cache(folder)
    if where is None or staged_results is None:
        rows.unlink(missing_ok=True)
        return
    try:
        (where / WROTE).unlink(missing_ok=True)  # never results beside other rows
        (where / RESULTS).unlink(missing_ok=True)
        (where / KEYS).unlink(missing_ok=True)
        os.replace(rows, where / ROWS)
        for file in staged_results.files:
            file.commit()
        wrote = _wrote(staged_results.lock_digest) + _identity_line(where / ROWS)
        write_text_atomically(where / WROTE, wrote, durable=False)
    except OSError:
        with contextlib.suppress(OSError):
            rows.unlink(missing_ok=True)
            (where / RESULTS).unlink(missing_ok=True)
            (where / WROTE).unlink(missing_ok=True)
            (where / KEYS).unlink(missing_ok=True)
        staged_results.discard()
