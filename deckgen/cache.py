"""What this machine remembers of the builds it made, in the user's cache.

Two things, both outside the package (which stays the same bytes on every machine) and
outside the project (nothing to commit):

- **The no-op rebuild.** A build is deterministic in: the files of its deck folder, its
  lock, the deck.yaml of every deck of the project (keys and names are unique across
  them), the options that change the package, deckgen's own code and the libraries it
  builds with. After each build, a record per output path keeps a digest of all that
  (with the lock as the build left it), the SHA-256 of the package and of the lock it
  wrote. When both still match, the package is byte for byte what a build would write
  again, and nothing needs doing.
- **The last lock of each deck folder.** What the last build of the folder wrote, so
  that a later build knows what a learner may have imported even after the lock was
  reverted or lost (deckgen.published).
- **Detected languages.** The language of a deck without `language:`, by the texts it
  was detected from (`remembered_language`), kept by a build that wrote its deck
  (`remember_language`): detecting the script loads OpenCC's dictionaries, a fifth of a
  second that every rebuild would pay again.

Everything here is best effort: a cache that cannot be read or written only makes the
next build do more work, never a different deck. `$XDG_CACHE_HOME/deckgen` or
`~/.cache/deckgen`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from deckgen.atomic import write_text_atomically
from deckgen.errors import ContentError
from deckgen.load import DECK_FILE, list_cards_folder, read_cards_bytes

MAX_RECORDS = 256
MAX_LOCKS = 64
MAX_LANGUAGES = 256


def cache_root() -> Path | None:
    try:
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "deckgen"
    except (OSError, RuntimeError):  # no home folder
        return None


def path_key(path: Path) -> str | None:
    try:
        where = str(path.resolve())
    except (OSError, RuntimeError):
        return None
    return hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str | None:
    """The SHA-256 of the file at `path` (hex), or None when it cannot be read."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


# --- what a build is made from ----------------------------------------------------------


def source_digest(folder: Path, project: list[Path], *, options: str) -> str:
    """A digest of what the package of the deck in `folder` is made from, but its lock:
    its cards files as the loader sees them (deckgen.load.list_cards_folder), every deck
    file of the project, and `options`, the build options that change the package."""
    h = hashlib.sha256()

    def add(data: bytes) -> None:
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)

    add(code_identity("opencc" in options).encode())
    add(options.encode())
    for deck_folder in project:
        add(_read(deck_folder / DECK_FILE))
    # Exactly the files the loader reads, and the entries it would report as unreadable:
    # adding a FIFO named like a cards file makes the build run and fail as `deckgen
    # check` does, an editor's temporary file changes nothing.
    listing = list_cards_folder(folder)
    for path in listing.files:
        add(os.fsencode(path.name))
        add(_read(path))
    for finding in listing.findings:
        if finding.severity == "error":
            add(str(finding).encode())
    return h.hexdigest()


def _read(path: Path) -> bytes:
    """A cards file's bytes, read as the loader reads it: never blocking, never unbounded
    (named in a refusal by its name alone: its place is digested apart)."""
    try:
        return read_cards_bytes(path, path.name)
    except ContentError as exc:
        return b"\0unreadable: " + str(exc).encode()


def build_stamp(sources: str, lock_digest: str) -> str:
    """What a package was made from: the digest of its sources and its lock's SHA-256."""
    return hashlib.sha256(f"{sources}\0{lock_digest}".encode()).hexdigest()


@cache
def code_identity(with_opencc: bool) -> str:
    """deckgen's own files, and which Python, SQLite, zlib, PyYAML, genanki, chevron (it
    renders note types' required fields: deckgen.collection) and ISA-L build."""
    h = hashlib.sha256()
    versions = [sys.version, sqlite3.sqlite_version, zlib.ZLIB_RUNTIME_VERSION]
    h.update("\n".join(versions).encode())
    own = Path(__file__).parent
    for path in sorted([*own.glob("*.py"), *own.glob("templates/*")]):
        h.update(path.relative_to(own).as_posix().encode() + b"\0" + path.read_bytes())
    # The libraries: each file's name, size and time (installing another version
    # changes them), without importing them.
    for module in ("yaml", "genanki", "chevron", "isal", *(("opencc",) if with_opencc else ())):
        spec = find_spec(module)
        origin = spec.origin if spec is not None else None
        if not origin:
            h.update(f"{module}: none".encode())
            continue
        for path in sorted(Path(origin).parent.rglob("*")):
            if "__pycache__" not in path.parts and path.is_file():
                st = path.stat()
                h.update(f"{path.name} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()


# --- records per output path ------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """The last build of an output path: what it was made from, what it wrote."""

    stamp: str  # build_stamp of its sources and lock
    package: str  # SHA-256 of the package
    lock: str  # SHA-256 of the lock it left
    newest: int  # the newest change stamp in that lock (its notes' and note types')


def _record_path(output: Path) -> Path | None:
    root, key = cache_root(), path_key(output)
    return root / "builds" / key if root is not None and key is not None else None


def read_record(output: Path) -> Record | None:
    path = _record_path(output)
    if path is None:
        return None
    try:
        parts = path.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return None
    if len(parts) != 4 or not parts[3].isdigit():
        return None  # a record of an older deckgen
    return Record(parts[0], parts[1], parts[2], int(parts[3]))


def remember(output: Path, folder: Path, record: Record, lock: bytes) -> None:
    """Record the build of `output` from `folder`, and keep the lock it left."""
    root = cache_root()
    path = _record_path(output)
    folder_key = path_key(folder)
    if root is None or path is None or folder_key is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Not fsynced: a record that is not three digests and a stamp, or not this
        # package's, only makes the next build do the work (read_record, uptodate).
        record_line = f"{record.stamp} {record.package} {record.lock} {record.newest}\n"
        write_text_atomically(path, record_line, durable=False)
        _prune(path.parent, MAX_RECORDS)
        stored = root / "locks" / folder_key
        if _stored_sha(stored) != record.lock:
            stored.parent.mkdir(parents=True, exist_ok=True)
            header = json.dumps({"sha256": record.lock}).encode() + b"\n"
            write_text_atomically(stored, header + _compress(lock))
            _prune(stored.parent, MAX_LOCKS)
    except OSError:
        pass  # a cache that cannot be written only makes the next build do the work


def _compress(data: bytes) -> bytes:
    """zlib's format at its fastest level: by ISA-L where it is installed (a dependency,
    several times faster than zlib), imported here only (a no-op build needs neither)."""
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - python-isal is a dependency
        return zlib.compress(data, 1)
    return isal_zlib.compress(data, 1)


def _prune(folder: Path, keep: int) -> None:
    entries = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns)
    for old in entries[:-keep]:
        old.unlink(missing_ok=True)


def _stored_sha(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            header = fh.readline()
        value = json.loads(header)["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, str) else None


def last_lock_digest(folder: Path) -> str | None:
    """The SHA-256 that the lock the last build of `folder` left is kept under, read
    without the lock (`last_lock` reads it, and tells whether it is that lock)."""
    root, key = cache_root(), path_key(folder)
    if root is None or key is None:
        return None
    return _stored_sha(root / "locks" / key)


def last_lock(folder: Path) -> tuple[str, bytes] | None:
    """(SHA-256, bytes) of the lock the last build of `folder` on this machine left."""
    root, key = cache_root(), path_key(folder)
    if root is None or key is None:
        return None
    try:
        data = (root / "locks" / key).read_bytes()
        header, _, body = data.partition(b"\n")
        sha = json.loads(header)["sha256"]
        lock = zlib.decompress(body)
    except (OSError, ValueError, KeyError, TypeError, zlib.error):
        return None
    return (sha, lock) if sha256(lock) == sha else None


def remembered_language(texts: list[str], known: Collection[str]) -> tuple[str | None, str]:
    """The language remembered for `texts` (None when there is none, or it is not one of
    `known`) and the key it is remembered by: the texts, and deckgen's code and OpenCC,
    which decide it."""
    payload = "\0".join(texts).encode("utf-8", "surrogatepass")
    key = sha256(code_identity(True).encode() + b"\0" + payload)[:32]
    root = cache_root()
    if root is None:
        return None, key
    try:
        value = (root / "languages" / key).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None, key
    return (value if value in known else None), key


def remember_language(key: str, language: str) -> None:
    """Remember `language` under `key` (`remembered_language`), after a build wrote its
    deck: a build that fails leaves the cache as it was."""
    root = cache_root()
    if root is None:
        return
    path = root / "languages" / key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Not fsynced: a value that is not a known language is detected again.
        write_text_atomically(path, language + "\n", durable=False)
        _prune(path.parent, MAX_LANGUAGES)
    except OSError:
        pass  # detected again next time


def remembers(folder: Path) -> bool:
    """Whether a build of `folder` was made on this machine (its lock kept or not)."""
    root, key = cache_root(), path_key(folder)
    try:
        return root is not None and key is not None and (root / "locks" / key).exists()
    except OSError:
        return False  # a cache that cannot be read remembers nothing, as in last_lock


def lock_holder_path(folder: Path) -> Path | None:
    """Where a build holding the folder says who it is (deckgen.buildlock)."""
    root, key = cache_root(), path_key(folder)
    return root / "holders" / key if root is not None and key is not None else None
