"""Write notes as an .apkg: deterministic, deflate-compressed, atomically replaced.

genanki supplies the collection schema and the note-type and deck JSON; the rows are
written here in one transaction with `executemany`, with per-note change stamps and
ids derived from GUIDs, into an in-memory SQLite database. Its bytes go into a zip
whose entries carry a fixed time, so the same content and lock always give the same
bytes. The zip is written to a temporary file beside the target and renamed into
place: a failed build leaves the previous deck as it was and no temporary file behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from html import unescape
from pathlib import Path

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from deckgen.errors import PackageError
from deckgen.generate import Note
from deckgen.lock import Stamps
from deckgen.notetypes import NoteType

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Note and card ids look like Anki's own (milliseconds since 1970) and lie in the past,
# between 2001-09 and 2023-11, so no client sees an id from the future.
ID_BASE = 1_000_000_000_000
ID_SPAN = 700_000_000_000

_TAG_RE = re.compile(r"<[^>]*>")


def stable_id(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return ID_BASE + int.from_bytes(digest[:8], "big") % ID_SPAN


def deck_id_for(deck_key: str) -> int:
    """A deck id fixed by the deck key (Anki matches decks by name; the id must just be stable)."""
    digest = hashlib.sha256(f"deck\x1f{deck_key}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def _unique_ids(keys: Iterable[tuple[object, ...]]) -> list[int]:
    """Stable ids for `keys`; on the rare hash collision, the next free id."""
    taken: set[int] = set()
    ids = []
    for key in keys:
        value = stable_id(*key)
        while value in taken:
            value += 1
        taken.add(value)
        ids.append(value)
    return ids


def _sort_field(text: str) -> str:
    return unescape(_TAG_RE.sub("", text.replace("<br>", " "))).strip()


def _checksum(sort_field: str) -> int:
    return int(hashlib.sha1(sort_field.encode("utf-8")).hexdigest()[:8], 16)


def build_collection(
    deck_name: str,
    deck_key: str,
    description: str,
    notes: list[Note],
    types: dict[str, NoteType],
    stamps: Stamps,
) -> bytes:
    """The collection.anki2 database, as bytes."""
    deck_id = deck_id_for(deck_key)
    conn = sqlite3.connect(":memory:")
    try:
        cur = conn.cursor()
        cur.executescript(APKG_SCHEMA)
        cur.executescript(APKG_COL)
        deck = genanki.Deck(deck_id, deck_name, description)
        decks = json.loads(cur.execute("SELECT decks FROM col").fetchone()[0])
        decks[str(deck_id)] = deck.to_json()
        models = {}
        for kind, nt in types.items():
            model = genanki.Model(
                nt.model_id,
                nt.name,
                fields=[{"name": f} for f in nt.fields],
                templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in nt.templates],
                css=nt.css,
                model_type=genanki.Model.CLOZE if nt.is_cloze else genanki.Model.FRONT_BACK,
            )
            models[str(nt.model_id)] = model.to_json(stamps.note_types[kind], deck_id)
        newest = stamps.newest
        cur.execute(
            "UPDATE col SET crt = ?, mod = ?, decks = ?, models = ?",
            (
                newest - newest % 86400,
                newest * 1000,
                json.dumps(decks, sort_keys=True),
                json.dumps(models, sort_keys=True),
            ),
        )
        note_ids = _unique_ids((n.guid,) for n in notes)
        card_keys = [(n.guid, ord_) for n in notes for ord_ in n.card_ords]
        card_ids = iter(_unique_ids(card_keys))
        note_rows = []
        card_rows = []
        for note, note_id in zip(notes, note_ids, strict=True):
            mod = stamps.notes[note.key]
            model_id = types[note.kind].model_id
            sfld = _sort_field(note.fields[0])
            tags = " " + " ".join(note.tags) + " " if note.tags else ""
            note_rows.append(
                (
                    note_id,
                    note.guid,
                    model_id,
                    mod,
                    -1,
                    tags,
                    "\x1f".join(note.fields),
                    sfld,
                    _checksum(sfld),
                    0,
                    "",
                )
            )
            for ord_ in note.card_ords:
                card_rows.append(
                    (
                        next(card_ids),
                        note_id,
                        deck_id,
                        ord_,
                        mod,
                        -1,
                        0,
                        0,
                        note.position,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        "",
                    )
                )
        cur.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", note_rows)
        cur.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows)
        conn.commit()
        return conn.serialize()
    finally:
        conn.close()


def _zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever machine builds it
    info.external_attr = 0o644 << 16
    return info


def write_package(
    path: Path,
    collection: bytes,
    *,
    before_rename: Callable[[Path], None] | None = None,
) -> int:
    """Write the .apkg to `path` atomically; return its size in bytes."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise PackageError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
                z.writestr(_zip_entry("collection.anki2"), collection)
                z.writestr(_zip_entry("media"), b"{}")
            fh.flush()
            os.fsync(fh.fileno())
        if before_rename is not None:
            before_rename(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PackageError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path.stat().st_size
