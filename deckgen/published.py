"""What a learner may already have: the states of a deck that were published.

Anki updates a note on import only when the package's stamp is newer than the one in the
collection. The lock holds the stamps of the last build, but a learner may have imported
another build: the package still at the output path (a revert restores an older lock,
whose stamps are older than that package's), or the last build of the deck that this
machine remembers. A build reads those states here, so that a note whose content differs
from any of them gets a stamp newer than all of them (deckgen.changes.assign_stamps):
stamps never go back on what the learner may have.

The same states rebuild a lost lock: the package at the output path holds every note's
GUID, stamp and cloze numbers and the note type ids, so the rebuilt lock makes a build
that changes nothing on import.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from deckgen.lock import LazyNotes, Lock, LockedNote, LockedNoteType, LockStamps, Numbered
from deckgen.notetypes import CLOZE, CLOZE_NOTE_FIELDS, QA, QA_NOTE_FIELDS, fields_hash, style_hash
from deckgen.package import PackageContents

# A cloze as deckgen writes it in a field: {{c3::phrase}} or {{c3::phrase::hint}}.
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::.*?)?\}\}", re.S)


@dataclass(frozen=True)
class Published:
    """One state of the deck a learner may have imported."""

    label: str  # for messages: where it was seen
    notes: Mapping[str, tuple[str, int]]  # note key -> (content hash, stamp)
    note_types: Mapping[str, tuple[str, int]]  # kind -> (fields and style hashes, stamp)

    @property
    def newest_stamp(self) -> int:
        notes = self.notes
        newest = (
            notes.newest()
            if isinstance(notes, LockStamps)
            else max((mod for _, mod in notes.values()), default=0)
        )
        return max([newest, *(mod for _, mod in self.note_types.values())])


def from_lock(lock: Lock, label: str) -> Published:
    notes = lock.notes
    return Published(
        label,
        notes.stamps()
        if isinstance(notes, LazyNotes)
        else {key: (n.hash, n.mod) for key, n in notes.items()},
        {kind: (t.fields + t.style, t.mod) for kind, t in lock.note_types.items()},
    )


def lock_from_package(contents: PackageContents, deck_key: str) -> Lock | None:
    """The lock a package of the deck `deck_key` was built from, as far as it tells it:
    every note's key, GUID, hash, stamp and cloze numbers, and the note types. None when
    the package holds no note of this deck (another deck's, or not deckgen's)."""
    from deckgen.generate import RETIRED_TAG, content_hash

    prefix = f"{deck_key}/"
    kinds: dict[int, str] = {}
    types: dict[str, LockedNoteType] = {}
    for t in contents.types.values():
        kind = CLOZE if t.is_cloze and t.fields == CLOZE_NOTE_FIELDS else None
        if kind is None and not t.is_cloze and t.fields == QA_NOTE_FIELDS:
            kind = QA
        if kind is None or kind in types:
            continue
        kinds[t.id] = kind
        names = [name for name, _, _ in t.templates]
        style = style_hash([(front, back) for _, front, back in t.templates], t.css, t.name)
        types[kind] = LockedNoteType(
            kind, t.id, t.name, fields_hash(t.fields, names, t.is_cloze), style, t.mod // 1
        )
    notes: dict[str, LockedNote] = {}
    for n in contents.notes:
        kind_ = kinds.get(n.model_id)
        identity = unescape(n.fields[-1]) if n.fields else ""
        if kind_ is None or not identity.startswith(prefix):
            continue
        key = identity[len(prefix) :]
        clozes: Numbered = ()
        if kind_ == CLOZE:
            clozes = tuple(
                (int(m.group(1)), unescape(m.group(2))) for m in _CLOZE.finditer(n.fields[0])
            )
        notes[key] = LockedNote(
            key,
            n.guid,
            kind_,
            content_hash(kind_, n.fields, n.tags),
            n.mod,
            clozes,
            (),
            f"{deck_key}::{RETIRED_TAG}" in n.tags,
        )
    if not notes:
        return None
    deck_names = sorted(contents.decks.values(), key=len)
    name = next((d for d in deck_names if d != "Default"), deck_names[0] if deck_names else "")
    return Lock(deck_key, name.split("::", 1)[0], types, notes, b"", 0)


@dataclass(frozen=True)
class GitLock:
    """A lock that git history holds for a deck whose lock file is missing."""

    commit: str  # where it can be restored from
    raw: bytes


def lock_in_git(lock_path: Path) -> GitLock | None:
    """The last version of `lock_path` that git history holds, if the folder is in a
    repository and the file was ever committed (None otherwise, or without git)."""
    folder = lock_path.parent

    def git(*args: str) -> bytes | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), *args],
                capture_output=True,
                timeout=20,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout if done.returncode == 0 else None

    name = f"./{lock_path.name}"
    last = git("rev-list", "-1", "HEAD", "--", name)
    commit = last.decode().strip() if last else ""
    if not commit:
        return None
    for source in (commit, f"{commit}^"):  # the last commit deleted it, or changed it
        raw = git("show", f"{source}:{name}")
        if raw is not None:
            short = git("rev-parse", "--short", source)
            return GitLock(short.decode().strip() if short else source, raw)
    return None
