"""Write notes as an .apkg: deterministic, deflate-compressed, atomically replaced.

The collection's schema and its note-type and deck JSON are genanki's (read from its
files and made in deckgen.collection, so that a build does not import genanki); the rows are
written here, with per-note change stamps and ids derived from GUIDs, into a SQLite
file beside the target: in one transaction, in id order (so B-tree pages are only
ever appended, never split), with the indexes whose keys grow with the ids appended
to as the rows go in and the checksums' index built once at the end. The file is
then deflated in 1 MiB blocks on every core and the blocks joined into one deflate
stream, each block primed with the 32 KiB before it as pigz does, so the ratio is
that of a single stream. The zip is written here too: its entries carry a fixed time
and the blocks a fixed size, so the same content and lock always give the same bytes,
whatever the machine's number of cores.

The zip is written to a temporary file beside the target and renamed into place: a
failed build leaves the previous deck as it was and no temporary file behind.

`deckgen.cache.file_digest` gives the SHA-256 of a written package, which a build
remembers to tell, on the next build, that the package is still exactly what it wrote.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import struct
import sys
import tempfile
import threading
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from html import unescape
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from deckgen.atomic import replaced_atomically, temp_prefix
from deckgen.collection import col_row, deck_json, note_type_json, schema
from deckgen.errors import AssemblyStopped, PackageError, PackageReadError
from deckgen.generate import MAX_SLOTS, SLOT_BITS, Note
from deckgen.notetypes import NoteType

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from deckgen.changes import Stamps

# Note and card ids look like Anki's own (milliseconds since 1970) and lie in the past,
# between 2001-09 and 2023-11, so no client sees an id from the future. They come from
# the note's position (deckgen.generate.position: its file and its place in the file)
# and the card's number, above a base fixed by the deck key: ids increase in the
# essay's order, so rows written file by file (deckgen.pillarfile) are already in id
# order, and a file's ids depend on nothing but the file and its slot. Nothing else
# depends on them: Anki matches notes by GUID and a note's existing cards by their
# number, keeps ids only for what it adds, and gives another id to one that is taken.
ID_BASE = 1_000_000_000_000
ID_SPAN = 700_000_000_000
ORD_BITS = 9  # card numbers below 512
_ID_BITS = SLOT_BITS + 13 + ORD_BITS  # positions (slot and place) and card numbers

COLLECTION_NAME = "collection.anki2"
MEDIA_NAME = "media"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
_DOS_TIME = 0
_DOS_DATE = (1 << 5) | 1  # 1980-01-01
_NEEDED = 20  # zip version 2.0: deflate
_MADE_BY = (3 << 8) | _NEEDED  # made on Unix, whatever machine builds it
_FILE_ATTR = 0o100644 << 16
_ZIP32_LIMIT = 0xFFFFFFFF
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")

# Deflate: Intel's ISA-L (python-isal) at its level 1 deflates a 100,000-note collection
# about seven times faster than zlib at level 4, to 10 % more bytes; zlib where ISA-L is
# not installed. The bytes depend on which one (the build cache knows: deckgen.cache).
try:
    from isal import isal_zlib as _deflater

    COMPRESS_LEVEL = 1
except ImportError:  # pragma: no cover - python-isal is a dependency
    _deflater = zlib  # type: ignore[misc]
    COMPRESS_LEVEL = 4
DEFLATER = _deflater
BLOCK = 1 << 20  # the output depends on the block size, never on the number of threads
# Below this, one thread deflates: starting a pool costs more than the second core saves
# (ISA-L deflates about 1 MiB a millisecond; importing concurrent.futures takes ten).
THREADS_FROM = 8 * BLOCK
WINDOW = 1 << 15  # deflate's window: the input a block may refer back to
ROWS_PER_REPORT = 4096
PAGE_SIZE = 65536  # fewer, larger pages: a smaller file, written and indexed faster
READ_MAP_SIZE = 1 << 31  # how much of each file of rows assemble_collection maps at most

Progress = Callable[[int, int], None]  # (done, total) of one stage


def deck_id_for(deck_key: str) -> int:
    """A deck id fixed by the deck key (Anki matches decks by name; the id must just be stable)."""
    digest = hashlib.sha256(f"deck\x1f{deck_key}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def subdeck_of(deck_key: str, deck_name: str, identity: str, heading: str) -> tuple[int, str]:
    """The (id, name) of a pillar's subdeck (`subdecks: true`): `<deck name>::<heading>`.

    A `::` in a heading would nest one more deck: it is written `:`."""
    return (
        deck_id_for(f"{deck_key}::{identity}"),
        f"{deck_name}::{heading.replace('::', ':').strip()}",
    )


def id_base(deck_key: str) -> int:
    """The lowest note and card id of the deck: decks of one learner keep apart."""
    digest = hashlib.sha256(f"deckgen ids\x1f{deck_key}".encode()).digest()
    return ID_BASE + int.from_bytes(digest[:8], "big") % (ID_SPAN - (1 << _ID_BITS))


def card_number_limit(ord_: int) -> None:
    if ord_ >= 1 << ORD_BITS:
        raise PackageError(
            f"a note has a card c{ord_ + 1}: deckgen writes cards up to c{1 << ORD_BITS}"
        )


def _sort_field(text: str) -> str:
    """The first field as Anki sorts and checksums it: without HTML tags and entities."""
    if "<" in text or "&" in text:
        text = unescape(_strip_tags(text.replace("<br>", " ")))
    return text.strip()


def _strip_tags(text: str) -> str:
    out = []
    pos = 0
    while (start := text.find("<", pos)) != -1 and (end := text.find(">", start)) != -1:
        out.append(text[pos:start])
        pos = end + 1
    out.append(text[pos:])
    return "".join(out)


def _checksum(sort_field: str) -> int:
    return int.from_bytes(hashlib.sha1(sort_field.encode("utf-8")).digest()[:4], "big")


@cache
def _schema() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """genanki's schema as (table statements, index statements)."""
    statements = [s.strip() for s in schema().split(";") if s.strip()]
    indexes = tuple(s for s in statements if s.upper().startswith("CREATE INDEX"))
    return tuple(s for s in statements if s not in indexes), indexes


# The index of the collection built once its rows are in (assemble_collection keeps
# the others as the rows go in).
_INDEXES_AFTER_ROWS = frozenset({"ix_notes_csum"})


def _index_name(statement: str) -> str:
    return statement.split()[2]  # CREATE INDEX <name> on ...


def _table(name: str) -> str:
    return next(s for s in _schema()[0] if s.split()[2] == name)


@dataclass(frozen=True)
class RowContext:
    """What a note's rows need besides the note: ids, note types, decks."""

    base: int  # id_base of the deck
    model_ids: dict[str, int]  # note kind -> note type id
    deck_id: int
    subdeck_ids: dict[str, int]  # note group (pillar id) -> its subdeck's id, if any


def note_rows(
    notes: list[Note], mods: list[int], ctx: RowContext
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The notes table's and the cards table's rows of `notes`, in position order, each
    note stamped with its `mods` (same order)."""
    base = ctx.base
    model_ids = ctx.model_ids
    subdecks = ctx.subdeck_ids
    deck_id = ctx.deck_id
    note_table: list[tuple[object, ...]] = []
    card_table: list[tuple[object, ...]] = []
    for note, mod in zip(notes, mods, strict=True):
        sfld = _sort_field(note.fields[0])
        tags = " " + " ".join(note.tags) + " " if note.tags else ""
        position = note.position
        note_table.append(
            (
                base + position,
                note.guid,
                model_ids[note.kind],
                mod,
                tags,
                "\x1f".join(note.fields),
                sfld,
                _checksum(sfld),
            )
        )
        did = subdecks.get(note.group, deck_id) if subdecks else deck_id
        for ord_ in note.card_ords:
            card_number_limit(ord_)
            # New cards: type and queue 0 (new), due = the note's position (new cards come
            # in study order), no interval, ease, reviews, lapses, flags or data.
            card_table.append(
                (base + ((position << ORD_BITS) | ord_), base + position, did, ord_, mod, position)
            )
    return note_table, card_table


_NOTE_INSERT = "INSERT INTO notes VALUES (?,?,?,?,-1,?,?,?,?,0,'')"
_CARD_INSERT = "INSERT INTO cards VALUES (?,?,?,?,?,-1,0,0,?,0,0,0,0,0,0,0,0,'')"


class RowFile:
    """A scratch SQLite file of note and card rows, added file by file in position order:
    one worker's share of a build (deckgen.workers), merged into the collection by
    `assemble_collection`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        cur = self.conn.cursor()
        for pragma in _SCRATCH_PRAGMAS:
            cur.execute(pragma)
        cur.execute("BEGIN")
        cur.execute(_table("notes"))
        cur.execute(_table("cards"))
        self.notes = 0
        self.cards = 0

    def add(
        self, note_table: list[tuple[object, ...]], card_table: list[tuple[object, ...]]
    ) -> None:
        self.conn.executemany(_NOTE_INSERT, note_table)
        self.conn.executemany(_CARD_INSERT, card_table)
        self.notes += len(note_table)
        self.cards += len(card_table)

    def close(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


_SCRATCH_PRAGMAS = (
    # Scratch files that are zipped or merged and deleted: no journal, no syncing.
    f"PRAGMA page_size = {PAGE_SIZE}",
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    "PRAGMA temp_store = MEMORY",
    # Rows go in by id, appended: a small page cache does (its pages go to the file as
    # it fills). A large one held a whole row file, then the whole collection, in the
    # build's memory (while the build's thread still has its plan: 40 MiB more).
    "PRAGMA cache_size = -16384",
    "PRAGMA locking_mode = EXCLUSIVE",
)


@dataclass(frozen=True)
class CollectionHeader:
    """The collection's one `col` row: its decks and note types."""

    deck_name: str
    deck_key: str
    description: str
    types: dict[str, NoteType]
    type_stamps: dict[str, int]
    newest: int  # the newest stamp of the build
    subdecks: dict[str, tuple[int, str]] = field(default_factory=dict)  # group -> (id, name)


@dataclass(frozen=True)
class Part:
    """The rows of the slots `first` to `end` (not included) that a SQLite file holds (a
    RowFile, or the collection of an earlier build: deckgen.incremental)."""

    path: Path
    first: int
    end: int
    kept: bool = False  # the collection an earlier build kept (deckgen.incremental)

    def bounds(self, base: int, table: str) -> tuple[int, int]:
        """The ids of its rows in `table`, from and up to (not included)."""
        shift = SLOT_BITS + (ORD_BITS if table == "cards" else 0)
        return base + (self.first << shift), base + (self.end << shift)


def assemble_collection(
    db_path: Path,
    deck_key: str,
    early: list[Part],
    later: Callable[[], tuple[CollectionHeader, list[Part]] | None],
    *,
    progress: Progress | None = None,
    stopped: Callable[[], bool] | None = None,
) -> None:
    """Write the collection.anki2 of a build into `db_path` (a new file): the rows of
    each of `early` (the pillar files' slots, known first), then, once `later()` gives
    them, those of the other parts (the deck's own notes: its introduction's slot 0 and
    its overview's and retired notes' last slots), the `col` row of the header, and the
    indexes. Each part holds consecutive slots; `later()` returning None ends it.

    Every build, however its rows were made (in one process or several, from a cache
    or not), writes the same rows in the same order through this one function, by the
    same statements: the file's bytes depend on its rows, never on how they were split.
    `stopped`, asked before each copy, ends it early (raising AssemblyStopped).
    """
    base = id_base(deck_key)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        cur = conn.cursor()
        for pragma in _SCRATCH_PRAGMAS:
            cur.execute(pragma)
        attached: list[Path] = []
        _attach(cur, early, attached)
        cur.execute("BEGIN")
        tables, indexes = _schema()
        for statement in tables:
            cur.execute(statement)
        # An index whose keys grow with the rows' ids (a constant, the note id, the due
        # position) is kept as the rows go in, which appends to it, faster than sorting
        # it afterwards; the checksums' index, in no order, is built at the end.
        before = [i for i in indexes if _index_name(i) not in _INDEXES_AFTER_ROWS]
        after = [i for i in indexes if _index_name(i) in _INDEXES_AFTER_ROWS]
        for statement in before:
            cur.execute(statement)
        _copy_rows(cur, early, attached, base, stopped, progress, 0, len(early) * 2 + len(after))
        # Files are attached outside a transaction: the early rows are committed (with no
        # journal and no syncing, a write of the pages), the later ones are another.
        cur.execute("COMMIT")
        given = later()
        if given is None:
            raise AssemblyStopped
        header, late = given
        done = len(early) * 2
        total = done + len(late) * 2 + len(after)
        _attach(cur, late, attached)
        cur.execute("BEGIN")
        _copy_rows(cur, late, attached, base, stopped, progress, done, total)
        deck_id = deck_id_for(deck_key)
        cur.execute(col_row())
        decks = json.loads(cur.execute("SELECT decks FROM col").fetchone()[0])
        decks[str(deck_id)] = deck_json(deck_id, header.deck_name, header.description)
        for sub_id, sub_name in header.subdecks.values():
            decks[str(sub_id)] = deck_json(sub_id, sub_name, "")
        models = {}
        for kind, nt in header.types.items():
            models[str(nt.model_id)] = note_type_json(nt, header.type_stamps[kind], deck_id)
        newest = header.newest
        cur.execute(
            "UPDATE col SET crt = ?, mod = ?, decks = ?, models = ?",
            (
                newest - newest % 86400,
                newest * 1000,
                json.dumps(decks, sort_keys=True),
                json.dumps(models, sort_keys=True),
            ),
        )
        done += len(late) * 2
        for statement in after:
            cur.execute(statement)
            done += 1
            if progress is not None:
                progress(done, total)
        cur.execute("COMMIT")
        for number in range(len(attached)):
            cur.execute(f"DETACH DATABASE part{number}")
    finally:
        conn.close()


def _copy_rows(
    cur: sqlite3.Cursor,
    parts: list[Part],
    attached: list[Path],
    base: int,
    stopped: Callable[[], bool] | None,
    progress: Progress | None = None,
    done: int = 0,
    total: int = 0,
) -> None:
    """Copy the rows of `parts` (their files attached: `_attach`) into the collection:
    every notes row in id order, then every cards row, row by row (a WHERE clause: never
    SQLite's bulk copy, whose result could depend on where one part ends); `done` of
    `total` steps to `progress` after each."""
    for table in ("notes", "cards"):
        for part in parts:
            if stopped is not None and stopped():
                raise AssemblyStopped
            cur.execute(
                f"INSERT INTO main.{table} SELECT * FROM part{attached.index(part.path)}.{table} "
                "WHERE id >= ? AND id < ? ORDER BY id",
                part.bounds(base, table),
            )
            done += 1
            if progress is not None:
                progress(done, total)


def _attach(cur: sqlite3.Cursor, parts: list[Part], attached: list[Path]) -> None:
    """Attach the files of `parts` not yet attached, as part0, part1, ... in `attached`."""
    for path in dict.fromkeys(part.path for part in parts):
        if path in attached:
            continue
        number = len(attached)
        cur.execute(f"ATTACH DATABASE ? AS part{number}", (str(path),))
        attached.append(path)
        if any(part.kept for part in parts if part.path == path):
            # A kept collection is read through a memory map: a fifth less time copying
            # its rows than through read calls (under the folder's build lock). Not a
            # first build's row files: their mapped pages would count in its peak
            # memory, for less.
            cur.execute(f"PRAGMA part{number}.mmap_size = {READ_MAP_SIZE}")


def build_collection(
    db_path: Path,
    deck_name: str,
    deck_key: str,
    description: str,
    notes: list[Note],
    types: dict[str, NoteType],
    stamps: Stamps,
    *,
    subdecks: Mapping[str, tuple[int, str]] | None = None,
    progress: Progress | None = None,
) -> None:
    """Write the collection.anki2 database of `notes` (in position order) into `db_path`."""
    ctx = RowContext(
        id_base(deck_key),
        {kind: nt.model_id for kind, nt in types.items()},
        deck_id_for(deck_key),
        {group: sub_id for group, (sub_id, _) in (subdecks or {}).items()},
    )
    part = db_path.with_suffix(".rows.db")  # a scratch file too (deckgen.atomic.remove_stale)
    rows = RowFile(part)
    try:
        rows.add(*note_rows(notes, [stamps.notes[n.key] for n in notes], ctx))
        rows.close()
        header = CollectionHeader(
            deck_name, deck_key, description, types, stamps.note_types, stamps.newest,
            dict(subdecks or {}),
        )  # fmt: skip
        whole = [Part(part, 0, MAX_SLOTS)]
        assemble_collection(db_path, deck_key, whole, lambda: (header, []), progress=progress)
    finally:
        part.unlink(missing_ok=True)


# --- the zip ------------------------------------------------------------------------------


def _threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(8, cores))


def _deflate_block(window: bytes, block: bytes, last: bool, level: int) -> tuple[bytes, bytes]:
    """(the block, its raw deflate), primed with the window before it, byte-aligned."""
    if window:
        c = DEFLATER.compressobj(level, DEFLATER.DEFLATED, -15, zdict=window)
    else:
        c = DEFLATER.compressobj(level, DEFLATER.DEFLATED, -15)
    # A sync flush ends the output on a byte boundary without the final-block bit, so
    # the next block's deflate data simply follows; the last block finishes the stream.
    flush = DEFLATER.Z_FINISH if last else DEFLATER.Z_SYNC_FLUSH
    return block, c.compress(block) + c.flush(flush)


def deflate_file(
    src: BinaryIO,
    size: int = 0,
    *,
    level: int = COMPRESS_LEVEL,
    threads: int | None = None,
    progress: Progress | None = None,
) -> Iterator[tuple[bytes, bytes]]:
    """The rest of the file `src` as (input block, deflate piece) pairs, in order.

    The pieces joined are one raw deflate stream. zlib releases the GIL while it
    compresses, so the blocks are compressed on all cores at once; the pieces, and so
    the bytes, are the same for any number of threads. `size` (the file's expected
    size) sizes the progress reports, and below THREADS_FROM has the blocks deflated in
    this thread, one after the other.
    """
    workers = threads or (_threads() if size >= THREADS_FROM else 1)
    total = max(1, -(-size // BLOCK))
    done = 0
    with _pool(workers) as pool:
        pending: deque[Future[tuple[bytes, bytes]] | _Done] = deque()
        window = b""
        block = src.read(BLOCK)
        while True:
            following = src.read(BLOCK) if block else b""
            last = not following
            pending.append(pool.submit(_deflate_block, window, block, last, level))
            window = (window + block)[-WINDOW:]
            # Keep a few blocks in flight, not the whole file in memory.
            while len(pending) > 2 * workers or (last and pending):
                yield pending.popleft().result()
                done += 1
                if progress is not None:
                    progress(min(done, total), total)
            if last:
                return
            block = following


class _Done:
    """A block deflated at once, in the calling thread."""

    def __init__(self, value: tuple[bytes, bytes]) -> None:
        self.value = value

    def result(self) -> tuple[bytes, bytes]:
        return self.value


class _InThisThread:
    """A pool of one: each block deflated as it is submitted."""

    def __enter__(self) -> _InThisThread:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(
        self, fn: Callable[[bytes, bytes, bool, int], tuple[bytes, bytes]], *args: Any
    ) -> _Done:
        return _Done(fn(*args))


def _pool(workers: int) -> ThreadPoolExecutor | _InThisThread:
    if workers == 1:
        return _InThisThread()
    from concurrent.futures import ThreadPoolExecutor  # about 10 ms to import, with logging

    return ThreadPoolExecutor(max_workers=workers)


def _deflate_bytes(data: bytes) -> bytes:
    c = DEFLATER.compressobj(COMPRESS_LEVEL, DEFLATER.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _local_header(name: bytes, crc: int, csize: int, usize: int) -> bytes:
    return _LOCAL.pack(
        0x04034B50, _NEEDED, 0, zlib.DEFLATED, _DOS_TIME, _DOS_DATE, crc, csize, usize, len(name), 0
    )


def _central_header(name: bytes, crc: int, csize: int, usize: int, offset: int) -> bytes:
    return _CENTRAL.pack(
        0x02014B50,
        _MADE_BY,
        _NEEDED,
        0,
        zlib.DEFLATED,
        _DOS_TIME,
        _DOS_DATE,
        crc,
        csize,
        usize,
        len(name),
        0,
        0,
        0,
        0,
        _FILE_ATTR,
        offset,
    )


def _too_large(what: str) -> PackageError:
    return PackageError(f"the deck is too large for an .apkg: {what} exceeds 4 GiB")


def _write_zip(fh: BinaryIO, collection: Path, progress: Progress | None) -> None:
    """The .apkg: collection.anki2 and an empty media map, deflated."""
    entries = []  # (name, crc, compressed size, size, offset)
    name = COLLECTION_NAME.encode()
    with open(collection, "rb") as src:
        expected = os.fstat(src.fileno()).st_size
        fh.write(_local_header(name, 0, 0, 0) + name)  # crc and sizes follow the data
        crc = csize = size = 0
        for block, piece in deflate_file(src, expected, progress=progress):
            crc = zlib.crc32(block, crc)
            size += len(block)
            csize += len(piece)
            fh.write(piece)
    if size > _ZIP32_LIMIT:
        raise _too_large("the collection")
    if csize > _ZIP32_LIMIT:
        raise _too_large("the compressed collection")
    end = fh.tell()
    fh.seek(0)
    fh.write(_local_header(name, crc, csize, size))
    fh.seek(end)
    entries.append((name, crc, csize, size, 0))
    media = b"{}"
    packed = _deflate_bytes(media)
    name = MEDIA_NAME.encode()
    entries.append((name, zlib.crc32(media), len(packed), len(media), fh.tell()))
    fh.write(_local_header(*entries[-1][:4]) + name + packed)
    directory = fh.tell()
    for name, crc, csize, size, offset in entries:
        fh.write(_central_header(name, crc, csize, size, offset) + name)
    fh.write(
        _END.pack(0x06054B50, 0, 0, len(entries), len(entries), fh.tell() - directory, directory, 0)
    )


def write_package(
    path: Path,
    collection: Path,
    *,
    before_rename: Callable[[Path], None] | None = None,
    progress: Progress | None = None,
) -> int:
    """Zip the collection file into the .apkg at `path` atomically; return its size."""
    try:
        with replaced_atomically(path, before_rename=before_rename) as fh:
            _write_zip(fh, collection, progress)
    except OSError as exc:
        raise PackageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path.stat().st_size


# Python's thread switch interval while a collection is assembled: a thread that waits
# for the GIL (the assembly, after a SQLite statement) gets it back within 0.2 ms, not 5.
_SWITCH_INTERVAL = 0.0002
_assemblies: list[Assembly] = []  # under way, in this process


class Assembly:
    """A build's collection assembled in a thread of its own while the build goes on:
    SQLite copies rows without holding the GIL, so the two run on two cores.

    Made once the pillar files' rows are written (`early`: deckgen.pillars), it copies
    them at once; `finish` gives it the header and the deck's own parts when the plan
    has them; `zip_into` waits for it and writes the .apkg; `discard` stops it, waits for
    its thread and removes the collection (nothing once `zip_into` has succeeded). It is
    assembled at `keep` (kept for the caller) or in a scratch file beside `path`, which
    `zip_into` removes. Called from the thread that made it.
    """

    def __init__(self, path: Path, deck_key: str, early: list[Part], keep: Path | None) -> None:
        self.path = path
        self.keep = keep
        # A new name (deckgen.incremental.rows_scratch), or a scratch file beside `path`.
        self.db = keep if keep is not None else _scratch_db(path)
        self._deck_key, self._early = deck_key, early
        self._later: tuple[CollectionHeader, list[Part]] | None = None
        self._stop = False
        self._delivered = False
        self._error: BaseException | None = None
        self._progress = (0, 1)
        self._given = threading.Event()  # `finish` or `discard` was called
        self._idle = threading.Event()  # waiting for `finish`, or ended
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name="deckgen-collection", daemon=True)
        if not _assemblies:
            self._interval = sys.getswitchinterval()
            sys.setswitchinterval(_SWITCH_INTERVAL)
        else:
            self._interval = _assemblies[0]._interval
        _assemblies.append(self)
        self._thread.start()

    def _run(self) -> None:
        def count(done: int, total: int) -> None:
            self._progress = (done, total)

        def later() -> tuple[CollectionHeader, list[Part]] | None:
            self._idle.set()
            self._given.wait()
            self._idle.clear()
            return None if self._stop else self._later

        try:
            assemble_collection(
                self.db,
                self._deck_key,
                self._early,
                later,
                progress=count,
                stopped=lambda: self._stop,
            )
        except BaseException as exc:  # the build's thread raises it (zip_into)
            self._error = exc
        finally:
            self._idle.set()
            self._finished.set()

    def finish(self, header: CollectionHeader, late: list[Part]) -> None:
        """The rest of what the collection holds: its header, and the parts of the deck's
        own notes (in the order `assemble_collection` takes them)."""
        self._later = (header, late)
        self._given.set()

    def _wait(self, progress: Progress | None) -> None:
        while not self._finished.wait(0.05):
            if progress is not None:
                progress(*self._progress)
        self._end()
        if progress is not None:
            progress(*self._progress)

    def _end(self) -> None:
        self._thread.join()
        if self in _assemblies:
            _assemblies.remove(self)
            if not _assemblies:
                sys.setswitchinterval(self._interval)

    def zip_into(self, fh: BinaryIO, progress: Callable[[str, int, int], None] | None) -> None:
        """Wait for the collection (`finish` called), then write the .apkg into `fh` (a
        temporary file beside `path`); the scratch collection, if it is one, is removed
        either way."""
        try:
            self._wait(_stage(progress, "Writing notes"))
            if isinstance(self._error, sqlite3.Error):
                raise PackageError(f"cannot write {self.path}: {self._error}") from None
            if self._error is not None:
                raise self._error
            _write_zip(fh, self.db, _stage(progress, "Compressing"))
        except BaseException:
            self.discard()
            raise
        if self.keep is None:
            self.db.unlink(missing_ok=True)
        self._delivered = True

    def discard(self) -> None:
        """Stop the assembly, wait for it to end, and remove the collection (unless it
        was delivered: `zip_into`). Safe to call again."""
        if self._delivered:
            return
        self._stop = True
        self._given.set()
        self._end()
        with contextlib.suppress(OSError):  # best effort: never hides why the build failed
            self.db.unlink(missing_ok=True)


def _scratch_db(path: Path) -> Path:
    """A new empty file beside `path` to build its collection in (SQLite takes an empty
    file for a new database); the build's temporary-file prefix, so that one a killed
    build leaves goes with the next (deckgen.atomic.remove_stale)."""
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path), suffix=".db")
        os.close(fd)
    except OSError as exc:
        raise PackageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return Path(name)


def pause_assemblies() -> None:
    """Wait until no assembly of this process is inside SQLite (each has copied its early
    rows and waits for `finish`, or has ended): a process forked while another thread
    holds SQLite's locks could find them held for ever."""
    for assembly in list(_assemblies):
        assembly._idle.wait()


def package_deck(
    path: Path,
    deck_name: str,
    deck_key: str,
    description: str,
    notes: list[Note],
    types: dict[str, NoteType],
    stamps: Stamps,
    *,
    before_rename: Callable[[Path], None] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """Build the collection in a scratch file beside `path` and write the .apkg; its size."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PackageError(f"cannot write {path}: {exc.strerror or exc}") from None
    db = _scratch_db(path)
    try:
        try:
            build_collection(
                db,
                deck_name,
                deck_key,
                description,
                notes,
                types,
                stamps,
                progress=_stage(progress, "Writing notes"),
            )
        except sqlite3.Error as exc:
            raise PackageError(f"cannot write {path}: {exc}") from None
        return write_package(
            path,
            db,
            before_rename=before_rename,
            progress=_stage(progress, "Compressing"),
        )
    finally:
        db.unlink(missing_ok=True)


def _stage(progress: Callable[[str, int, int], None] | None, label: str) -> Progress | None:
    if progress is None:
        return None
    report = progress
    return lambda done, total: report(label, done, total)


# --- reading a package back ---------------------------------------------------------------
#
# A build reads the package already at its output path when its own records cannot say
# what that package holds: a learner may have imported it, so no note may get a stamp
# older than the one it has there (deckgen.published), and a lost lock is rebuilt from
# it. Only what deckgen writes is read: collection.anki2 with the note types in the col
# table; anything else is an unreadable package.


@dataclass(frozen=True, slots=True)
class PackagedNote:
    guid: str
    model_id: int
    mod: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PackagedType:
    id: int
    name: str
    is_cloze: bool
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]  # (name, front, back)
    css: str
    mod: int


@dataclass(frozen=True)
class PackageContents:
    decks: dict[int, str]
    types: dict[int, PackagedType]
    notes: list[PackagedNote]


def read_package(path: Path) -> PackageContents:
    """The notes, note types and decks of the .apkg at `path`; PackageReadError if it is
    not one deckgen can read."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if COLLECTION_NAME not in names:
                raise PackageReadError(f"it holds no {COLLECTION_NAME}")
            with z.open(COLLECTION_NAME) as src:
                return _read_collection(path, src)
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise PackageReadError(str(exc) or type(exc).__name__) from None


def _read_collection(path: Path, src: IO[bytes]) -> PackageContents:
    fd, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".db"
    )
    db = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(BLOCK):
                out.write(chunk)
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            models_json, decks_json = conn.execute("SELECT models, decks FROM col").fetchone()
            rows = conn.execute("SELECT guid, mid, mod, flds, tags FROM notes").fetchall()
        finally:
            conn.close()
        types = {}
        for model in json.loads(models_json).values():
            types[int(model["id"])] = PackagedType(
                int(model["id"]),
                str(model["name"]),
                int(model.get("type", 0)) == 1,
                tuple(str(f["name"]) for f in model["flds"]),
                tuple((str(t["name"]), str(t["qfmt"]), str(t["afmt"])) for t in model["tmpls"]),
                str(model.get("css", "")),
                int(model.get("mod", 0)),
            )
        decks = {int(d["id"]): str(d["name"]) for d in json.loads(decks_json).values()}
        notes = [
            PackagedNote(
                str(guid), int(mid), int(mod), tuple(flds.split("\x1f")), tuple(tags.split())
            )
            for guid, mid, mod, flds, tags in rows
        ]
        return PackageContents(decks, types, notes)
    except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PackageReadError(str(exc) or type(exc).__name__) from None
    finally:
        db.unlink(missing_ok=True)
