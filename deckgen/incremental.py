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

Best effort, like the rest of the cache: anything that cannot be read or written here
only makes a build do all the work.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from deckgen.atomic import remove_stale, temp_prefix, write_text_atomically
from deckgen.cache import cache_root, code_identity, path_key
from deckgen.changes import UNCHANGED
from deckgen.load import display_path
from deckgen.pillarfile import FileResult

FORMAT = 2
ROWS = "collection.anki2"
RESULTS = "results.pickle"


def folder_cache(folder: Path) -> Path | None:
    root, key = cache_root(), path_key(folder)
    return root / "incremental" / key if root is not None and key is not None else None


def context_digest(*parts: object) -> str:
    """A digest of the deck-wide context a file's result depends on (and deckgen's code)."""
    h = hashlib.sha256(repr((FORMAT, code_identity(True), *parts)).encode("utf-8"))
    return h.hexdigest()


def file_key(index: int, path: Path, data: bytes) -> str:
    """A file's place, its name as findings show it (relative to the working folder) and
    its bytes."""
    shown = display_path(path).encode("utf-8", "surrogateescape").hex()
    name = os.fsencode(path.name).hex()
    return f"{index}\x1f{name}\x1f{shown}\x1f{hashlib.sha256(data).hexdigest()}"


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
    results: dict[str, FileResult]  # by file key, each note unchanged against its lock


def load(folder: Path, context: str, lock: bytes) -> Kept | None:
    """The results and rows the last build of `folder` kept, when it was made in the same
    context and wrote the very lock this build reads; None otherwise."""
    where = folder_cache(folder)
    if where is None:
        return None
    try:
        with open(where / RESULTS, "rb") as fh:
            saved = pickle.load(fh)
        if saved["context"] != context or saved["lock"] != hashlib.sha256(lock).hexdigest():
            return None
        rows = where / ROWS
        if _identity(rows) != saved["rows"]:  # not the collection they were kept with
            return None
        results: dict[str, FileResult] = {
            key: _unchanged(result) for key, result in saved["results"].items()
        }
    except (OSError, pickle.UnpicklingError, EOFError, KeyError, TypeError, AttributeError,
            ValueError, ImportError):  # fmt: skip
        return None
    return Kept(rows, results)


def _unchanged(result: FileResult) -> FileResult:
    """A file's result as it is against the lock its own build wrote: nothing new."""
    notes = [
        replace(info, status=UNCHANGED, cards_added=0, restamped=None) for info in result.notes
    ]
    return replace(result, notes=notes, new=[], losses=[], kept=[])


def _identity(path: Path) -> tuple[int, int, int]:
    """The file's inode, size and time: another file, or one changed since, differs."""
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def rows_scratch(folder: Path) -> Path | None:
    """Where to assemble a build's collection so that it can be kept afterwards (None:
    the cache cannot take it, assemble it beside the deck)."""
    where = folder_cache(folder)
    if where is None:
        return None
    try:
        where.mkdir(parents=True, exist_ok=True)
        remove_stale(where, ROWS)
    except OSError:
        return None
    return where / f"{temp_prefix(where / ROWS)}{os.urandom(4).hex()}.db"


def save(
    folder: Path,
    context: str,
    lock: bytes,
    results: dict[str, FileResult],
    rows: Path,
) -> None:
    """Keep `rows` (the collection a build wrote, assembled at `rows_scratch`) and the
    results of its files, for the next build of `folder`."""
    where = folder_cache(folder)
    if where is None:
        rows.unlink(missing_ok=True)
        return
    try:
        (where / RESULTS).unlink(missing_ok=True)  # never results beside other rows
        os.replace(rows, where / ROWS)
        saved = {
            "context": context,
            "lock": hashlib.sha256(lock).hexdigest(),
            "rows": _identity(where / ROWS),
            "results": results,
        }
        write_text_atomically(where / RESULTS, pickle.dumps(saved, pickle.HIGHEST_PROTOCOL))
    except OSError:
        with contextlib.suppress(OSError):
            rows.unlink(missing_ok=True)
            (where / RESULTS).unlink(missing_ok=True)
