"""The whole pipeline as one call: load, validate, generate, compare, package, lock."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from deckgen.atomic import write_text_atomically
from deckgen.errors import (
    ContentError,
    DeckgenError,
    Finding,
    FrozenLockError,
    GuardError,
    quoted,
)
from deckgen.gcpause import without_cyclic_gc, without_cyclic_gc_throughout
from deckgen.generate import DECK_GROUP, Note, deck_description, generate_notes, pillar_heading
from deckgen.load import (
    DECK_FILE,
    LOCK_FILE,
    display_path,
    find_deck_folders,
    list_cards_folder,
    parse_yaml,
    read_cards_bytes,
)
from deckgen.lock import (
    Changes,
    assign_stamps,
    compare,
    read_lock,
    read_lock_bytes,
    render_lock,
)
from deckgen.model import Deck
from deckgen.notetypes import note_types
from deckgen.package import file_digest, package_deck
from deckgen.rules import load_checked_deck
from deckgen.script import Script

# What a build reports as it goes: (what it is doing, done, total). cli.py draws a bar.
BuildProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class UpToDate:
    """A deck whose package already holds what a build would write: nothing was done."""

    folder: Path
    output: Path
    size: int


@dataclass(frozen=True)
class GroupCount:
    """Notes and cards of one pillar (or of the deck-level notes, `title` '')."""

    title: str
    notes: int
    cards: int


@dataclass(frozen=True)
class BuildResult:
    deck: Deck
    notes: list[Note]
    changes: Changes
    output: Path
    size: int
    lock_path: Path
    lock_written: bool
    groups: list[GroupCount]
    script: Script | None = None  # the script the notes were converted to, if any
    # When every note changed because the lock was written in another script: that
    # script (deckgen.script.OWN for a build without --script).
    script_switched_from: str | None = None

    @property
    def card_count(self) -> int:
        return sum(len(n.card_ords) for n in self.notes)


def default_output(deck: Deck) -> Path:
    return Path("dist") / f"{deck.key}.apkg"


def count_groups(deck: Deck, notes: list[Note]) -> list[GroupCount]:
    notes_by = Counter(n.group for n in notes)
    cards_by = Counter({g: 0 for g in notes_by})
    for n in notes:
        cards_by[n.group] += len(n.card_ords)
    groups = [
        GroupCount(pillar_heading(i, p), notes_by[p.id], cards_by[p.id])
        for i, p in enumerate(deck.pillars, start=1)
    ]
    if notes_by[DECK_GROUP]:
        groups.append(GroupCount("", notes_by[DECK_GROUP], cards_by[DECK_GROUP]))
    return groups


@without_cyclic_gc
def build_deck(
    cards: Path,
    output: Path | None = None,
    *,
    frozen: bool = False,
    accept_loss: bool = False,
    tts: bool = False,
    before_rename: Callable[[Path], None] | None = None,
    script: Script | None = None,
    loaded: Deck | None = None,
    project: list[Path] | None = None,
    sources: str | None = None,
    progress: BuildProgress | None = None,
) -> BuildResult:
    """Build the deck in `cards` into `output` (default dist/<deck key>.apkg).

    `script` converts every text to Simplified or Traditional characters (deckgen.script);
    `loaded` is the deck of `cards` when the caller has loaded it already; `project` the
    deck folders of its project (default: just `cards`); `sources` the digest of the
    cards as they were before loading (source_digest; computed here when not given).
    The build is remembered with them, so that the next build_decks can tell when the
    package is up to date. `progress` is told what the build is doing as it goes.

    Raises ContentError for bad content, GuardError for a change that would cost the
    learner progress (unless `accept_loss`), FrozenLockError when `frozen` and the lock
    would change. Nothing is written unless the whole build succeeds.
    """
    if sources is None:
        sources = source_digest(cards, project or [cards], tts=tts, script=script)
    if loaded is None and progress is not None:
        progress("Reading cards", 0, 1)
    deck = loaded if loaded is not None else load_checked_deck(cards)
    if progress is not None:
        progress("Generating notes", 0, 1)
    notes = own_notes = generate_notes(deck)
    types = note_types(tts=tts)
    description = deck_description(deck)  # HTML, as Anki shows it
    if script is not None:
        from deckgen.script import convert_notes, converter

        notes = convert_notes(notes, types, script)
        description = converter(script)(description)
    lock_path = cards / LOCK_FILE
    lock = read_lock(lock_path, display_path(lock_path))
    changes = compare(lock, notes, types, deck.name)
    switched_from = None
    if lock is not None and changes.changed and not changes.unchanged:
        from deckgen.script import locked_script, script_option

        locked = {key: n.hash for key, n in lock.notes.items()}
        switched_from = locked_script(locked, own_notes, types, script)
        if frozen and switched_from is not None:
            raise FrozenLockError(
                f"--frozen: {display_path(lock_path)} was written by a build "
                f"{script_option(switched_from)}, and this build is {script_option(script)}; "
                "give --frozen the --script of the builds you publish"
            )
    if changes.losses and not accept_loss:
        raise GuardError(_guard_message(changes))
    if frozen:
        if lock is None:
            raise FrozenLockError(
                f"--frozen: there is no lock file at {display_path(lock_path)}; "
                "run `deckgen build` without --frozen once and commit the lock"
            )
        if changes.any or changes.losses:
            raise FrozenLockError(_frozen_message(changes, display_path(lock_path)))
    stamps = assign_stamps(lock, changes, types)
    lock_text = render_lock(deck.name, notes, types, stamps)
    old_text = lock.raw if lock is not None else None
    if frozen and lock_text != old_text:
        raise FrozenLockError(_frozen_message(changes, display_path(lock_path)))
    if progress is not None:
        progress("Generating notes", 1, 1)
    out = output if output is not None else default_output(deck)
    size = package_deck(
        out,
        deck.name,
        deck.key,
        description,
        notes,
        types,
        stamps,
        before_rename=before_rename,
        progress=progress,
    )
    lock_written = lock_text != old_text
    if lock_written:
        write_text_atomically(lock_path, lock_text)
    _remember(out, _stamp(sources, lock_text))
    return BuildResult(
        deck,
        notes,
        changes,
        out,
        size,
        lock_path,
        lock_written,
        count_groups(deck, notes),
        script,
        switched_from,
    )


class OutputError(DeckgenError):
    """`-o` names a file where several decks need a directory."""


@without_cyclic_gc_throughout
def build_decks(
    root: Path,
    output: Path | None = None,
    *,
    frozen: bool = False,
    accept_loss: bool = False,
    tts: bool = False,
    script: Script | None = None,
    progress: BuildProgress | None = None,
) -> Iterator[BuildResult | UpToDate]:
    """Build every deck of a project, yielding each result as its deck is written.

    The decks are `root` itself and/or its subfolders `root/<deck>/` with a deck.yaml
    (deckgen.load.find_deck_folders); each keeps its lock in its own folder. `output` is
    the deck file of a single deck, or a directory: the only choice with several decks
    (default dist/), each written as <deck key>.apkg. All decks are loaded and checked
    before anything is written, so a content error anywhere, or two decks sharing a key
    or a name, writes nothing. A guard or --frozen failure stops at its deck; the decks
    yielded before it were written.

    When every deck's package is still exactly what the last build wrote from the very
    same cards, lock, options and deckgen, nothing is loaded or written: one UpToDate per
    deck is yielded instead.
    """
    folders = find_deck_folders(root)
    # Digested before loading: an edit made while the build runs makes the next build
    # see a change, never the other way round.
    sources = [source_digest(f, folders, tts=tts, script=script) for f in folders]
    fresh = _up_to_date(folders, sources, output)
    if fresh is not None:
        yield from fresh
        return
    decks = load_decks(folders, progress)
    outputs = _deck_outputs([deck.key for deck in decks], output)
    for index, (folder, deck, out) in enumerate(zip(folders, decks, outputs, strict=True)):
        try:
            result = build_deck(
                folder,
                out,
                frozen=frozen,
                accept_loss=accept_loss,
                tts=tts,
                script=script,
                loaded=deck,
                project=folders,
                sources=sources[index],
                progress=progress,
            )
        except DeckgenError as exc:
            if len(decks) == 1 or (index == 0 and isinstance(exc, ContentError)):
                raise
            built = ""
            if index:
                built = " (the deck before it was built)"
                if index > 1:
                    built = f" (the {index} decks before it were built)"
            error = DeckgenError if isinstance(exc, ContentError) else type(exc)
            where = f"deck '{deck.key}' in {display_path(folder)}"
            raise error(f"{where} was not built{built}: {exc}") from None
        yield result


@without_cyclic_gc
def load_decks(folders: list[Path], progress: BuildProgress | None = None) -> list[Deck]:
    """Load and validate several deck folders; one ContentError lists the errors of all.

    Two decks may not share a key (it is part of every note's GUID: their notes would
    overwrite each other in Anki) nor a name (Anki matches decks by name: their cards
    would end up in one deck).
    """
    findings: list[Finding] = []
    decks: list[Deck] = []
    for done, folder in enumerate(folders):
        if progress is not None:
            progress("Reading cards", done, len(folders))
        try:
            decks.append(load_checked_deck(folder))
        except ContentError as exc:
            findings.extend(exc.findings)
    first_by_key: dict[str, Deck] = {}
    first_by_name: dict[str, Deck] = {}
    for deck in decks:
        first = first_by_key.setdefault(deck.key, deck)
        if first is not deck:
            findings.append(
                Finding(
                    deck.location,
                    "error",
                    f"deck key {quoted(deck.key)} is also the key of the deck in "
                    f"{first.location.path}; give each deck its own key (the key is part of "
                    "every note's identity: two decks with one key overwrite each other's notes)",
                )
            )
        first = first_by_name.setdefault(deck.name, deck)
        if first is not deck:
            findings.append(
                Finding(
                    deck.location,
                    "error",
                    f"deck name {quoted(deck.name)} is also the name of the deck in "
                    f"{first.location.path}; give each deck its own name (Anki matches decks "
                    "by name: their cards would end up in one deck)",
                )
            )
    if any(f.severity == "error" for f in findings):
        raise ContentError(findings)
    return decks


def _deck_outputs(keys: list[str], output: Path | None) -> list[Path | None]:
    """Where each deck (by key) goes; None: its default, dist/<deck key>.apkg."""
    if len(keys) == 1:
        if output is not None and output.is_dir():
            return [output / f"{keys[0]}.apkg"]
        return [output]
    if output is None:
        return [Path("dist") / f"{key}.apkg" for key in keys]
    if output.suffix == ".apkg" or (output.exists() and not output.is_dir()):
        raise OutputError(
            f"-o {display_path(output)} is a file, but there are {len(keys)} decks to build "
            f"({', '.join(keys)}); give a directory for their .apkg files, e.g. -o dist"
        )
    return [output / f"{key}.apkg" for key in keys]


# --- the no-op rebuild ------------------------------------------------------------------
#
# A build is deterministic in: the files of its deck folder, its lock, the deck.yaml of
# every deck of the project (keys and names are unique across them), the options that
# change the package, deckgen's own code and the libraries it builds with. And a build
# with an up-to-date lock leaves the lock as it is. So after each build, deckgen notes
# in the user's cache a digest of all that (with the lock as the build left it) and the
# SHA-256 of the package it wrote. When both still match, the package is byte for byte
# what a build would write again, and nothing needs doing. The record is kept outside
# the package, which stays the same bytes on every machine, and outside the project.

MAX_RECORDS = 256


def source_digest(folder: Path, project: list[Path], *, tts: bool, script: Script | None) -> str:
    """A digest of what the package of the deck in `folder` is made from, but its lock."""
    h = hashlib.sha256()

    def add(data: bytes) -> None:
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)

    add(_code_identity(script is not None).encode())
    add(json.dumps({"tts": tts, "script": script}, sort_keys=True).encode())
    for deck_folder in project:
        add(_read(deck_folder / DECK_FILE))
    # Exactly the files the loader reads (list_cards_folder), and the entries it would
    # report as unreadable: adding a FIFO named like a cards file makes the build run
    # and fail as `deckgen check` does, an editor's temporary file changes nothing.
    listing = list_cards_folder(folder)
    for path in listing.files:
        add(os.fsencode(path.name))
        add(_read(path))
    for finding in listing.findings:
        if finding.severity == "error":
            add(str(finding).encode())
    return h.hexdigest()


def _read(path: Path) -> bytes:
    """A cards file's bytes, read as the loader reads it: never blocking, never unbounded."""
    try:
        return read_cards_bytes(path)
    except ContentError as exc:
        return b"\0unreadable: " + str(exc).encode()


def _stamp(sources: str, lock: bytes) -> str:
    return hashlib.sha256(sources.encode() + b"\0" + lock).hexdigest()


@cache
def _code_identity(with_opencc: bool) -> str:
    """deckgen's own files, and which Python, SQLite, zlib, PyYAML and genanki build."""
    h = hashlib.sha256()
    versions = [sys.version, sqlite3.sqlite_version, zlib.ZLIB_RUNTIME_VERSION]
    h.update("\n".join(versions).encode())
    own = Path(__file__).parent
    for path in sorted([*own.glob("*.py"), *own.glob("templates/*")]):
        h.update(path.relative_to(own).as_posix().encode() + b"\0" + path.read_bytes())
    # The libraries: each file's name, size and time (installing another version
    # changes them), without importing them.
    for module in ("yaml", "genanki", *(("opencc",) if with_opencc else ())):
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


def _record_path(output: Path) -> Path | None:
    """Where the user's cache keeps the record of the last build of `output`."""
    try:
        cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        where = str(output.resolve())
    except (OSError, RuntimeError):  # no home folder
        return None
    return cache_root / "deckgen" / "builds" / f"{hashlib.sha256(where.encode()).hexdigest()[:32]}"


def _remember(output: Path, stamp: str) -> None:
    """Record that `output`, as it is now, was built from `stamp` (best effort)."""
    record = _record_path(output)
    digest = file_digest(output)
    if record is None or digest is None:
        return
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(record, f"{stamp} {digest}\n")
        records = sorted(record.parent.iterdir(), key=lambda p: p.stat().st_mtime_ns)
        for old in records[:-MAX_RECORDS]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only makes the next build do the work


def _deck_key(folder: Path) -> str | None:
    """The `key` in the folder's deck.yaml, read without validating (None if unclear)."""
    import yaml

    try:  # the loader's own reading: a tag, deep nesting or a FIFO is no traceback here
        root = parse_yaml(folder / DECK_FILE).root
    except ContentError:
        return None
    if not isinstance(root, yaml.MappingNode):
        return None
    keys = [v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "key"]
    key = keys[0].value if keys and isinstance(keys[0], yaml.ScalarNode) else None
    return key.strip() if isinstance(key, str) and key.strip() else None


def _up_to_date(
    folders: list[Path], sources: list[str], output: Path | None
) -> list[UpToDate] | None:
    """One UpToDate per deck when every deck's package is as its last build left it.

    Where the packages are depends on the deck keys, read here without validating: a
    wrong key can only point at a package without a matching record, and then the
    whole build runs, validating everything.
    """
    keys = [_deck_key(folder) for folder in folders]
    if any(key is None for key in keys):
        return None
    try:
        outputs = _deck_outputs([key for key in keys if key is not None], output)
    except OutputError:
        return None
    fresh = []
    for folder, key, digest, out in zip(folders, keys, sources, outputs, strict=True):
        path = out if out is not None else Path("dist") / f"{key}.apkg"
        record = _record_path(path)
        try:
            lock = read_lock_bytes(folder / LOCK_FILE)
            if record is None:
                return None
            stamp, package = record.read_text(encoding="utf-8").split()
        except (OSError, ValueError):
            return None
        if stamp != _stamp(digest, lock) or file_digest(path) != package:
            return None
        fresh.append(UpToDate(folder, path, path.stat().st_size))
    return fresh


def _guard_message(changes: Changes) -> str:
    lines = [
        "refusing to build: these changes would cost the learner study progress:",
        *(f"  - {loss.message}" for loss in changes.losses),
        "Undo them, or pass --accept-loss if you mean it (the lock then records the new state).",
    ]
    return "\n".join(lines)


def _frozen_message(changes: Changes, lock: str) -> str:
    parts = []
    if changes.added:
        parts.append(f"{len(changes.added)} added")
    if changes.changed:
        parts.append(f"{len(changes.changed)} changed")
    if changes.removed:
        parts.append(f"{len(changes.removed)} removed")
    if changes.note_types_changed:
        parts.append(f"note types changed: {', '.join(changes.note_types_changed)}")
    what = ", ".join(parts) or "the lock would be rewritten"
    return (
        f"--frozen: the build would change {lock} ({what}); run `deckgen build` and commit "
        "the updated lock with the cards"
    )
