"""`deckgen build`: the stages of a build, each a call into the module that owns it.

For the project (`build_decks`):

1. hold the deck folders, so two builds of one folder never interleave (buildlock),
   and undo what a build killed between its two renames left (writing);
2. nothing to do when every package is what the last build wrote from the same
   sources (cache);
3. each deck file and the folder's listing (validate), and what must differ between
   decks: keys and names (project).

For each deck (`plan_deck`), before anything is written:

4. the lock (lock), and what a learner may have imported besides it: the package at the
   output path, the last build of the folder (published, cache); a lost lock is rebuilt
   from them, or the build says what it would cost;
5. the deck's language and note types, with ids of its own (wording, notetypes);
6. every pillar file on its own, on every core (pillarfile, workers): read, validated,
   checked, its notes generated, numbered against the lock, converted, classified and
   stamped, its lock lines and rows written;
7. what only the whole deck shows (validate, rules): ids used twice, one question asked
   twice; the deck's introduction and overview notes, and the notes the cards no longer
   make, retired (generate);
8. what changed and what it would cost: a loss is refused without --accept-loss
   (changes); the lock text (lock); --frozen stops here.

Then for each deck (`write_plan`): the collection is assembled from the files' rows
(package), the package and the lock are written to temporary files and renamed
together (writing), and the build is remembered (cache).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from deckgen import cache, incremental
from deckgen.atomic import temp_prefix
from deckgen.buildlock import holding
from deckgen.changes import (
    LOCK_LABEL,
    MAX_WAIT,
    Changes,
    Loss,
    NewNote,
    Stamper,
    classify,
    deck_losses,
    fresh_stamp,
    lock_state,
    newest_of,
    suspected_renames,
)
from deckgen.errors import (
    ContentError,
    DeckgenError,
    Finding,
    FrozenLockError,
    GuardError,
    Location,
    LockError,
    OutputError,
    PackageReadError,
)
from deckgen.gcpause import without_cyclic_gc, without_cyclic_gc_throughout
from deckgen.generate import (
    Note,
    deck_description,
    intro_notes,
    overview_notes,
    pillar_notes,
    position,
    retired_note,
    retired_slot,
)
from deckgen.language import detect_language
from deckgen.load import DECK_FILE, LOCK_FILE, display_path, find_deck_folders, parse_yaml
from deckgen.lock import (
    LOCK_VERSION,
    Lock,
    LockEntry,
    TypeEntry,
    note_line,
    parse_lock,
    read_lock,
    read_lock_bytes,
    render_lock_lines,
)
from deckgen.model import Checks, Deck
from deckgen.notetypes import NoteType, derived_ids, note_types, type_names
from deckgen.numbering import LockNumbering
from deckgen.options import BuildOptions
from deckgen.package import (
    CollectionHeader,
    Part,
    RowContext,
    RowFile,
    deck_id_for,
    file_digest,
    id_base,
    note_rows,
    read_package,
    subdeck_of,
)
from deckgen.pillarfile import FileContext, FileResult, PillarSummary
from deckgen.project import deck_outputs, default_output, load_decks, project_findings
from deckgen.published import GitLock, Published, from_lock, lock_from_package, lock_in_git
from deckgen.rules import asked, same_question_findings, text_findings
from deckgen.script import Script
from deckgen.validate import DeckFile, check_claims, no_principles, validate_deck_file
from deckgen.wording import language_for
from deckgen.workers import process_files, worker_count
from deckgen.writing import recover_interrupted

__all__ = [
    "BuildOptions",
    "BuildResult",
    "UpToDate",
    "build_deck",
    "build_decks",
    "default_output",
    "load_decks",
    "plan_deck",
]

# How much of the pillar files tells a deck's language when deck.yaml names none.
LANGUAGE_SAMPLE = 20_000  # characters


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
    retired: bool = False


@dataclass
class DeckPlan:
    """Everything a build of one deck will write, worked out before anything is."""

    deck: Deck  # the deck file's, without pillars (see `pillars`)
    folder: Path
    output: Path
    types: dict[str, NoteType]
    changes: Changes
    type_stamps: dict[str, int]
    newest: int  # the newest stamp of the build
    restamped: dict[str, str]  # see deckgen.changes.Stamps
    description: str
    lock_path: Path
    lock_bytes: bytes
    old_lock: bytes | None
    pillars: list[PillarSummary]
    groups: list[GroupCount]
    principle_count: int
    script: Script | None = None
    script_switched_from: str | None = None
    recovered_from: str | None = None  # where a lost lock was rebuilt from
    warnings: list[Finding] = field(default_factory=list)
    language: str = "zh-Hant"  # the language the deck was written in (deckgen.wording)
    # With `subdecks: true`: each pillar's id -> (id, name) of the deck its cards go in.
    subdecks: dict[str, tuple[int, str]] = field(default_factory=dict)
    # Subdecks whose name changed since the lock: (old name, new name).
    subdecks_renamed: list[tuple[str, str]] = field(default_factory=list)
    subdecks_new: bool = False  # the lock had none: this build turned them on
    parts: list[Part] = field(default_factory=list)  # where the rows are, in slot order
    scratch: list[Path] = field(default_factory=list)  # the row files made for the plan
    # For deckgen.incremental: the context and each file's result, by file key.
    context: str = ""
    file_results: dict[str, FileResult | bytes] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)  # every note, when asked to keep them
    made_folders: list[Path] = field(default_factory=list)  # for the row files, deepest first

    @property
    def lock_changes(self) -> bool:
        return self.lock_bytes != self.old_lock

    @property
    def note_count(self) -> int:
        return sum(g.notes for g in self.groups if not g.retired)

    @property
    def card_count(self) -> int:
        return sum(g.cards for g in self.groups if not g.retired)

    def discard(self) -> None:
        """Remove the row files (after writing, or when nothing will be), and the
        folders made for them if nothing else is in them."""
        for path in self.scratch:
            path.unlink(missing_ok=True)
        self.scratch = []
        self.parts = []
        _remove_folders(self.made_folders)
        self.made_folders = []


@dataclass(frozen=True)
class BuildResult:
    plan: DeckPlan
    size: int

    @property
    def deck(self) -> Deck:
        return self.plan.deck

    @property
    def changes(self) -> Changes:
        return self.plan.changes

    @property
    def output(self) -> Path:
        return self.plan.output

    @property
    def lock_path(self) -> Path:
        return self.plan.lock_path

    @property
    def lock_written(self) -> bool:
        return self.plan.lock_changes

    @property
    def script(self) -> Script | None:
        return self.plan.script

    @property
    def script_switched_from(self) -> str | None:
        return self.plan.script_switched_from

    @property
    def warnings(self) -> list[Finding]:
        return self.plan.warnings

    @property
    def groups(self) -> list[GroupCount]:
        return self.plan.groups

    @property
    def card_count(self) -> int:
        return self.plan.card_count


# --- the project -------------------------------------------------------------------------


def build_decks(
    root: Path, options: BuildOptions | None = None
) -> Iterator[BuildResult | UpToDate]:
    """Build every deck of a project, yielding each result as its deck is written.

    The decks are `root` itself and/or its subfolders `root/<deck>/` with a deck.yaml
    (deckgen.load.find_deck_folders); each keeps its lock in its own folder.
    `options.output` is the deck file of a single deck, or a folder (the only choice
    with several decks; default dist/), each written as <deck key>.apkg. Every deck is
    loaded, checked and planned before anything is written: a content error, a loss
    or a --frozen failure anywhere, or two decks sharing a key or a name, writes nothing.

    When every deck's package is still exactly what the last build wrote from the very
    same cards, lock, options and deckgen, nothing is loaded or written: one UpToDate per
    deck is yielded instead.
    """
    return _build(root, options or BuildOptions(), shortcut=True)


@without_cyclic_gc_throughout
def _build(
    root: Path, options: BuildOptions, *, shortcut: bool
) -> Iterator[BuildResult | UpToDate]:
    folders = find_deck_folders(root)
    with holding(folders, options.notice):
        for folder in folders:
            for line in recover_interrupted(folder, LOCK_FILE):
                if options.notice is not None:
                    options.notice(line)
        # Digested before loading: an edit made while the build runs makes the next build
        # see a change, never the other way round.
        sources = [_sources(f, folders, options) for f in folders]
        fresh = _up_to_date(folders, sources, options) if shortcut else None
        if fresh is not None:
            yield from fresh
            return
        plans = plan_project(folders, options)
        try:
            for plan, source in zip(plans, sources, strict=True):
                size = write_plan(plan, source, options)
                yield BuildResult(plan, size)
        finally:
            discard(plans)


def plan_project(
    folders: list[Path],
    options: BuildOptions,
    *,
    keep_notes: bool = False,
    write_rows: bool = True,
) -> list[DeckPlan]:
    """Plan every deck of a project (stages 3 to 8): one ContentError lists the content
    errors of all of them; any other refusal names its deck. Nothing is written."""
    if options.progress is not None:
        options.progress("Reading cards", 0, 1)
    findings: list[Finding] = []
    deck_files: list[DeckFile] = []
    for folder in folders:
        try:
            deck_files.append(validate_deck_file(folder))
        except ContentError as exc:
            findings.extend(exc.findings)
    findings.extend(project_findings([d.deck for d in deck_files if d.deck is not None]))
    if not deck_files:
        raise ContentError(findings)
    keys = [d.deck.key if d.deck is not None else "" for d in deck_files]
    try:
        outputs = deck_outputs(keys, options.output, folder=options.output_is_folder)
    except OutputError:
        if any(f.severity == "error" for f in findings) or any(d.deck is None for d in deck_files):
            outputs = [default_output(key or "deck") for key in keys]
        else:
            raise
    plans: list[DeckPlan] = []
    try:
        for deck_file, out in zip(deck_files, outputs, strict=True):
            try:
                plans.append(
                    plan_deck(deck_file, out, options, keep_notes=keep_notes, write_rows=write_rows)
                )
            except ContentError as exc:
                findings.extend(exc.findings)  # every deck's errors are reported at once
            except DeckgenError as exc:
                if len(deck_files) == 1:
                    raise
                key = deck_file.deck.key if deck_file.deck is not None else "?"
                where = f"deck '{key}' in {display_path(deck_file.listing.folder)}"
                raise type(exc)(f"{where}: nothing was built: {exc}") from None
        if any(f.severity == "error" for f in findings):
            raise ContentError(findings)
    except BaseException:
        discard(plans)
        raise
    return plans


def discard(plans: list[DeckPlan]) -> None:
    """Every plan's row files, then the folders made for them (one may hold another's)."""
    folders = [folder for plan in plans for folder in plan.made_folders]
    for plan in plans:
        plan.made_folders = []
        plan.discard()
    _remove_folders(folders)


@without_cyclic_gc
def build_deck(
    cards: Path, output: Path | None = None, options: BuildOptions | None = None
) -> BuildResult:
    """Build the one deck in `cards` (a project of one deck) into `output`, always (no
    up-to-date shortcut)."""
    options = replace(options or BuildOptions(), output=output)
    results = list(_build(cards, options, shortcut=False))
    if len(results) != 1 or not isinstance(results[0], BuildResult):
        raise DeckgenError(f"{display_path(cards)} holds {len(results)} decks, not one")
    return results[0]


def _options_text(options: BuildOptions) -> str:
    return repr({"tts": options.tts, "script": options.script, "opencc": options.script})


def _sources(folder: Path, folders: list[Path], options: BuildOptions) -> str:
    return cache.source_digest(folder, folders, options=_options_text(options))


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
    folders: list[Path], sources: list[str], options: BuildOptions
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
        outputs = deck_outputs(
            [key for key in keys if key is not None],
            options.output,
            folder=options.output_is_folder,
        )
    except OutputError:
        return None
    fresh = []
    for folder, digest, out in zip(folders, sources, outputs, strict=True):
        record = cache.read_record(out)
        try:
            lock = read_lock_bytes(folder / LOCK_FILE)
        except OSError:
            return None
        if record is None or record.stamp != cache.build_stamp(digest, lock):
            return None
        if file_digest(out) != record.package:
            return None
        if _newest_stamp(lock) - int(time.time()) >= MAX_WAIT:
            return None  # stamps ahead of the clock: a build reports them, every time
        fresh.append(UpToDate(folder, out, out.stat().st_size))
    return fresh


def _newest_stamp(lock: bytes) -> int:
    """The newest change stamp in a lock's bytes, without parsing it."""
    return max(map(int, re.findall(rb'"mod": (\d+)', lock)), default=0)


# --- one deck: the plan ------------------------------------------------------------------


@dataclass
class _History:
    """What the build knows a learner may have, besides the lock."""

    states: list[Published] = field(default_factory=list)
    recovered: Lock | None = None
    recovered_from: str | None = None
    git: GitLock | None = None
    unreadable_output: str | None = None


def _history(lock: Lock | None, folder: Path, output: Path, deck: Deck) -> _History:
    """The package at the output path and the last build of the folder (stages 4)."""
    history = _History()
    lock_sha = cache.sha256(lock.raw) if lock is not None else None
    last = cache.last_lock(folder)
    seen = {lock_sha}
    if output.is_file():
        package_lock = None
        record = cache.read_record(output)
        digest = file_digest(output)
        if record is not None and record.package == digest:
            if record.lock == lock_sha:
                seen.add(record.lock)  # the package is the lock's: nothing more to know
            elif last is not None and last[0] == record.lock:
                package_lock = _parsed(last[1])
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
    if last is not None and last[0] not in seen:
        last_lock = _parsed(last[1])
        if last_lock is not None:
            history.states.append(from_lock(last_lock, "the last build of this deck"))
            if history.recovered is None and lock is None:
                history.recovered = last_lock
                history.recovered_from = "the last build of this deck on this machine"
    if lock is None and history.recovered is None:
        history.git = lock_in_git(folder / LOCK_FILE)
    return history


def _parsed(raw: bytes) -> Lock | None:
    try:
        return parse_lock(raw, "cache")
    except LockError:
        return None


# --- one deck: the plan ------------------------------------------------------------------


def deck_note_types(
    deck: Deck, source: Lock | None, tts: bool, language: str
) -> dict[str, NoteType]:
    """The deck's note types: the ids its lock records, else ids derived from its key."""
    ids = derived_ids(deck.key)
    if source is not None and all(kind in source.note_types for kind in ids):
        ids = {kind: source.note_types[kind].id for kind in ids}
    return note_types(tts=tts, ids=ids, names=type_names(deck.key, ids), language=language)


def deck_language(deck_file: DeckFile) -> str:
    """The deck's language: `language:` of deck.yaml, else the language of its text,
    read from deck.yaml's values and the start of the pillar files (deckgen.language)."""
    deck = deck_file.deck
    if deck is not None and deck.language is not None:
        return deck.language
    texts = [t.value for t in deck_file.texts]
    left = LANGUAGE_SAMPLE
    for path in deck_file.listing.pillar_files:
        if left <= 0:
            break
        try:
            text = path.read_bytes()[: left * 4].decode("utf-8", "replace")[:left]
        except OSError:
            continue
        texts.append(text)
        left -= len(text)
    return detect_language(texts)


def _checking_deck(deck_file: DeckFile) -> Deck:
    """A deck to validate the pillar files with when deck.yaml is broken."""
    if deck_file.deck is not None:
        return deck_file.deck
    return Deck("", "", "", (), "", (), deck_file.listing.folder, Location(""), checks=Checks())


@without_cyclic_gc
def plan_deck(
    deck_file: DeckFile,
    output: Path,
    options: BuildOptions,
    *,
    keep_notes: bool = False,
    write_rows: bool = True,
) -> DeckPlan:
    """Stages 4 to 8 for one deck: everything it will write, nothing written yet (but
    its row files, which the plan's `discard` removes).

    Raises ContentError for bad content or a lock that cannot be read, GuardError for a
    change that would cost the learner progress (unless `accept_loss`), FrozenLockError
    when `frozen` and the lock would change.
    """
    folder = deck_file.listing.folder
    lock_path = folder / LOCK_FILE
    lock_display = display_path(lock_path)
    progress = options.progress
    findings = list(deck_file.findings)
    lock = None
    try:
        lock = read_lock(lock_path, lock_display, functools.partial(incremental.wrote_lock, folder))
    except LockError as exc:
        findings.extend(exc.findings)
    deck = deck_file.deck
    if deck is None or any(f.severity == "error" for f in findings):
        # Nothing to build: the pillar files are still checked, for every error at once.
        checking = _checking_deck(deck_file)
        ctx = _context(checking, "zh-Hant", None, {}, None, None, Stamper([], 0), False, False)
        pillar_files = list(enumerate(deck_file.listing.pillar_files, 1))
        results, _ = process_files(pillar_files, ctx, _scratch(output), 1)
        findings += _deck_wide(deck_file, results, checking.checks)
        raise ContentError(findings)
    if progress is not None:
        progress("Generating notes", 0, 1)
    history = _history(lock, folder, output, deck)
    base = lock if lock is not None else history.recovered
    git_lock = _parsed(history.git.raw) if history.git is not None else None
    source = base if base is not None else git_lock
    deck = dataclasses.replace(deck, language=deck_language(deck_file))
    language = language_for(deck, options.script)
    tts = options.tts if options.tts is not None else deck.tts
    types = deck_note_types(deck, source, tts, language)
    states = [lock_state(base), *history.states] if base is not None else list(history.states)
    clock = _no_wait if options.dry_run else fresh_stamp
    stamper = Stamper(states, clock(newest_of(states, git_lock.newest_stamp if git_lock else 0)))
    ctx = _context(
        deck, language, options.script, types, source, base, stamper, keep_notes, write_rows
    )
    files = deck_file.listing.pillar_files
    keys: list[str | None] = incremental.file_keys(files) if write_rows else [None] * len(files)
    context = _incremental_context(deck_file, deck, options, language, tts, types)
    kept = None
    if write_rows and not keep_notes and lock is not None and lock is base and not history.states:
        kept = incremental.load(folder, context, lock.raw)
    reused: dict[int, FileResult] = {}  # by file number
    for i, k in enumerate(keys, start=1):
        if kept is not None and k is not None and k in kept.encoded:
            with contextlib.suppress(ValueError, TypeError, EOFError):  # else processed anew
                reused[i] = kept.result(k)
    todo = [(i, p) for i, p in enumerate(files, start=1) if i not in reused]
    scratch = _scratch(output)
    made = _make_folder(output.parent) if write_rows else []
    scratch_files: list[Path] = []
    try:
        size = sum(_size(path) for _, path in todo)
        done, held = process_files(todo, ctx, scratch, worker_count(size, options.workers))
        scratch_files = [path for path, _ in held]
        fresh_results = dict(zip((i for i, _ in todo), done, strict=True))
        results = [
            fresh_results[i] if i in fresh_results else reused[i] for i in range(1, len(files) + 1)
        ]
        parts: list[Part] = []
        if write_rows:
            head, tail = scratch(len(held)), scratch(len(held) + 1)
            scratch_files += [head, tail]
            where = {i: path for path, indexes in held for i in indexes}
            parts = _parts(head, tail, len(files), where, kept.rows if kept else None)
        plan = _plan(
            deck_file, deck, output, options, ctx, results, parts, lock, history, git_lock,
            findings,
        )  # fmt: skip
    except BaseException:
        for path in scratch_files:
            path.unlink(missing_ok=True)
        _remove_folders(made)
        raise
    plan.made_folders = made
    plan.scratch = scratch_files
    plan.context = context
    plan.file_results = {
        k: kept.encoded[k] if kept is not None and i in reused else r
        for i, (k, r) in enumerate(zip(keys, results, strict=True), start=1)
        if k is not None
    }
    return plan


def _incremental_context(
    deck_file: DeckFile,
    deck: Deck,
    options: BuildOptions,
    language: str,
    tts: bool,
    types: dict[str, NoteType],
) -> str:
    """What every file's result depends on beyond the file (deckgen.incremental)."""
    try:
        deck_bytes = (deck_file.listing.folder / DECK_FILE).read_bytes()
    except OSError:
        deck_bytes = b""
    type_ids = sorted((k, t.model_id, t.fields_hash, t.style_hash) for k, t in types.items())
    return incremental.context_digest(
        deck_bytes, deck.language, language, options.script, tts, type_ids
    )


def _parts(
    head: Path, tail: Path, pillars: int, fresh: dict[int, Path], kept: Path | None
) -> list[Part]:
    """Where the rows of each slot are, in runs: the introduction's, each pillar file's
    (a new row file, or the kept collection), the overview's and the retired notes'."""
    parts = [Part(head, 0, 1)]
    for index in range(1, pillars + 1):
        path = fresh.get(index, kept)
        assert path is not None  # a file not processed was kept
        last = parts[-1]
        if last.path == path and last.end == index:
            parts[-1] = Part(path, last.first, index + 1)
        else:
            parts.append(Part(path, index, index + 1))
    parts.append(Part(tail, pillars + 1, pillars + 3))
    return parts


def _make_folder(folder: Path) -> list[Path]:
    """Make `folder` and its missing parents; return those made, deepest first."""
    made = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return made


def _remove_folders(folders: list[Path]) -> None:
    """Remove the folders a build made, if it left nothing in them."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _context(
    deck: Deck,
    language: str,
    script: Script | None,
    types: dict[str, NoteType],
    source: Lock | None,
    base: Lock | None,
    stamper: Stamper,
    keep_notes: bool,
    write_rows: bool,
) -> FileContext:
    rows = RowContext(
        id_base(deck.key),
        {kind: nt.model_id for kind, nt in types.items()},
        deck_id_for(deck.key),
        {},
    )
    return FileContext(
        deck, language, script, types, rows, source, base, stamper, keep_notes, write_rows,
        generate=bool(types),
    )  # fmt: skip


def _scratch(output: Path) -> Callable[[int], Path]:
    """Names of a build's row files: hidden beside the output, with the builder's pid."""
    token = os.urandom(4).hex()
    return lambda n: output.parent / f"{temp_prefix(output)}{token}.part{n}.db"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _deck_wide(deck_file: DeckFile, results: list[FileResult], checks: Checks) -> list[Finding]:
    """The findings only the whole deck shows, and every file's."""
    claims = [claim for result in results for claim in result.claims]
    questions = [a for result in results for a in result.asked] + asked(deck_file.texts)
    return [
        *(f for result in results for f in result.findings),
        *check_claims(claims),
        *same_question_findings(questions, checks),
        *text_findings(deck_file.texts, [], checks),
        *no_principles(deck_file, claims),
    ]


def _plan(
    deck_file: DeckFile,
    deck: Deck,
    output: Path,
    options: BuildOptions,
    ctx: FileContext,
    results: list[FileResult],
    parts: list[Part],
    lock: Lock | None,
    history: _History,
    git_lock: Lock | None,
    findings: list[Finding],
) -> DeckPlan:
    folder = deck_file.listing.folder
    lock_display = display_path(folder / LOCK_FILE)
    findings += _deck_wide(deck_file, results, deck.checks)
    if any(f.severity == "error" for f in findings):
        raise ContentError(findings)
    base, source, types, stamper = ctx.base, ctx.numbering_lock, ctx.types, ctx.stamper
    pillars = [r.pillar for r in results if r.pillar is not None]
    numbering = LockNumbering(source)
    head = intro_notes(deck, numbering)
    tail = overview_notes(deck, [p.heading for p in pillars])
    description = deck_description(deck)  # HTML, as Anki shows it
    if options.script is not None:
        from deckgen.script import convert_notes, converter

        head = convert_notes(head, types, options.script)
        tail = convert_notes(tail, types, options.script)
        description = converter(options.script)(description)
    made = {n.key for r in results for n in r.notes} | {n.key for n in (*head, *tail)}
    retired = []
    if source is not None:
        gone = (source.notes[key] for key in source.notes if key not in made)  # LazyNotes
        retired = [
            retired_note(deck, locked, position(retired_slot(len(pillars)), i), ctx.language)
            for i, locked in enumerate(gone)
        ]

    changes = Changes(first_build=base is None)
    restamped: dict[str, str] = {}
    new: dict[str, NewNote] = {}
    newest = 0
    head_lines, head_mods = _deck_level(head, ctx, numbering, changes, restamped, new)
    tail_lines, tail_mods = _deck_level(tail, ctx, numbering, changes, restamped, new)
    for result in results:
        for info in result.notes:
            changes.count(info.key, info.status, info.cards_added)
            if info.restamped is not None:
                restamped[info.key] = info.restamped
        changes.losses += result.losses
        new.update((n.key, n) for n in result.new)
        newest = max(newest, result.newest)
    retired_lines, retired_mods = [], []
    for note in retired:
        old = base.notes.get(note.key) if base is not None else None
        if old is not None:
            if old.retired:
                changes.still_retired += 1
            else:
                changes.retired.append(note.key)
        mod, _ = stamper.note(note.key, note.content_hash)
        retired_mods.append(mod)
        locked = source.notes[note.key] if source is not None else None
        removed = locked.removed_clozes if locked is not None else ()
        entry = LockEntry(
            note.key, note.guid, note.kind, note.content_hash, mod, note.clozes, removed, True
        )
        retired_lines.append(note_line(entry).encode("utf-8"))
    newest = max([newest, *head_mods, *tail_mods, *retired_mods])

    def rename_command(old: str, new_id: str) -> str:
        shown = display_path(folder)
        cards = "" if shown == "cards" else f"--cards {shown} "
        return f"deckgen rename {cards}{old} {new_id}"

    if base is not None:
        live = made
        changes.losses += suspected_renames(base, live, changes.retired, new, rename_command)
    losses, changes.note_types_changed = deck_losses(base, types, deck.key, deck.name)
    changes.losses += losses
    if lock is None and base is None and (history.git is not None or cache.remembers(folder)):
        changes.losses.append(_lost_lock(lock_display, history.git, len(made)))
    switched_from = _script_switch(lock, lock_display, changes, deck_file, ctx, options)
    if changes.losses and not options.accept_loss:
        raise GuardError(_guard_message(changes), loss_findings(changes.losses, deck))
    if options.frozen and lock is None:
        raise FrozenLockError(
            f"--frozen: there is no lock file at {lock_display}; run `deckgen build` "
            "without --frozen once and commit the lock"
        )
    type_stamps = {kind: stamper.note_type(kind, nt) for kind, nt in types.items()}
    newest = max([newest, *type_stamps.values()])
    subdecks = (
        {p.identity: subdeck_of(deck.key, deck.name, p.identity, p.heading) for p in pillars}
        if deck.subdecks
        else {}
    )
    lines = [
        *head_lines,
        *(info.line for result in results for info in result.notes),
        *tail_lines,
        *retired_lines,
    ]
    lock_bytes = render_lock_lines(
        deck.key,
        deck.name,
        _type_entries(types, type_stamps),
        lines,
        {identity: name for identity, (_, name) in subdecks.items()},
    )
    old_lock = lock.raw if lock is not None else None
    if options.frozen and lock_bytes != old_lock:
        raise FrozenLockError(_frozen_message(changes, len(restamped), lock, lock_display))
    if ctx.write_rows:
        _write_rows(parts[0].path, head, head_mods, ctx.rows)
        _write_rows(parts[-1].path, [*tail, *retired], [*tail_mods, *retired_mods], ctx.rows)
    if options.progress is not None:
        options.progress("Generating notes", 1, 1)
    warnings = [f for f in findings if f.severity != "error"]
    warnings += _clock_and_output_warnings(
        lock, lock_display, stamper.states, history, output, deck
    )
    groups = [GroupCount(p.heading, p.notes, p.cards) for p in pillars]
    deck_level = [*head, *tail]
    if deck_level:
        groups.append(GroupCount("", len(deck_level), sum(len(n.card_ords) for n in deck_level)))
    if retired:
        groups.append(
            GroupCount("", len(retired), sum(len(n.card_ords) for n in retired), retired=True)
        )
    notes: list[Note] = []
    if ctx.keep_notes:
        notes = [*head, *(n for r in results for n in r.kept), *tail, *retired]
    return DeckPlan(
        deck,
        folder,
        output,
        types,
        changes,
        type_stamps,
        newest,
        restamped,
        description,
        folder / LOCK_FILE,
        lock_bytes,
        old_lock,
        pillars,
        groups,
        sum(p.principles for p in pillars),
        options.script,
        switched_from,
        history.recovered_from if lock is None else None,
        warnings,
        ctx.language,
        {p.id: subdecks[p.identity] for p in pillars} if subdecks else {},
        _renamed_subdecks(base, subdecks),
        bool(subdecks) and base is not None and not base.subdecks,
        parts=parts,
        notes=notes,
    )


def _deck_level(
    notes: list[Note],
    ctx: FileContext,
    numbering: LockNumbering,
    changes: Changes,
    restamped: dict[str, str],
    new: dict[str, NewNote],
) -> tuple[list[bytes], list[int]]:
    """The introduction's and the overview's notes, as a pillar file's are
    (deckgen.pillarfile): classified, stamped, their lock lines."""
    base = ctx.base.notes if ctx.base is not None else {}
    lines, mods = [], []
    for note in notes:
        old = base.get(note.key)
        status, cards_added, losses = classify(
            old, note, numbering.results.get(note.key) if old is not None else None
        )
        changes.count(note.key, status, cards_added)
        changes.losses += losses
        mod, differs = ctx.stamper.note(note.key, note.content_hash)
        if differs is not None:
            restamped[note.key] = differs
        if old is None:
            new[note.key] = NewNote(note.key, note.phrases, note.source)
        mods.append(mod)
        entry = LockEntry(
            note.key,
            note.guid,
            note.kind,
            note.content_hash,
            mod,
            note.clozes,
            numbering.removed(note.key),
            False,
        )
        lines.append(note_line(entry).encode("utf-8"))
    return lines, mods


def _write_rows(path: Path, notes: list[Note], mods: list[int], ctx: RowContext) -> None:
    rows = RowFile(path)
    try:
        rows.add(*note_rows(notes, mods, ctx))
    finally:
        rows.close()


def _clock_and_output_warnings(
    lock: Lock | None,
    lock_display: str,
    states: list[Published],
    history: _History,
    output: Path,
    deck: Deck,
) -> list[Finding]:
    warnings = []
    ahead = max([s.newest_stamp for s in states], default=0) - int(time.time())
    if ahead >= MAX_WAIT:
        warnings.append(_future_warning(lock, lock_display, states, ahead))
    if history.unreadable_output is not None and output.exists():
        warnings.append(
            Finding(
                Location(display_path(output)),
                "warning",
                f"this is not a package of deck '{deck.key}' that deckgen can read "
                f"({history.unreadable_output}); the build replaces it",
            )
        )
    return warnings


def _script_switch(
    lock: Lock | None,
    lock_display: str,
    changes: Changes,
    deck_file: DeckFile,
    ctx: FileContext,
    options: BuildOptions,
) -> str | None:
    """The script the lock was written in, when every note changed because of it."""
    if lock is None or not changes.changed or changes.unchanged:
        return None
    from deckgen.script import locked_script, script_option

    own = _own_sample(deck_file, ctx)
    locked = {key: n.hash for key, n in lock.notes.items()}
    switched_from = locked_script(locked, own, ctx.types, options.script)
    if options.frozen and switched_from is not None:
        raise FrozenLockError(
            f"--frozen: {lock_display} was written by a build {script_option(switched_from)}, "
            f"and this build is {script_option(options.script)}; give --frozen the --script "
            "of the builds you publish"
        )
    return switched_from


def _own_sample(deck_file: DeckFile, ctx: FileContext) -> list[Note]:
    """Some notes as the cards write them, in no other script: the first pillar file's."""
    from deckgen.validate import validate_pillar_file

    for path in deck_file.listing.pillar_files[:1]:
        checked = validate_pillar_file(parse_yaml(path))
        if checked.pillar is not None:
            numbering = LockNumbering(ctx.numbering_lock)
            return pillar_notes(ctx.deck, 1, checked.pillar, numbering, ctx.language)
    return []


def _renamed_subdecks(
    base: Lock | None, subdecks: dict[str, tuple[int, str]]
) -> list[tuple[str, str]]:
    if base is None:
        return []
    return [
        (base.subdecks[identity], name)
        for identity, (_, name) in subdecks.items()
        if identity in base.subdecks and base.subdecks[identity] != name
    ]


def _no_wait(newest: int) -> int:
    return max(int(time.time()), newest + 1)


def _type_entries(types: dict[str, NoteType], stamps: dict[str, int]) -> list[TypeEntry]:
    return [
        TypeEntry(kind, nt.model_id, nt.name, nt.fields_hash, nt.style_hash, stamps[kind])
        for kind, nt in types.items()
    ]


def _lost_lock(lock_display: str, git: GitLock | None, count: int) -> Loss:
    if git is not None:
        restore = f"restore it from git history: `git checkout {git.commit} -- {lock_display}`"
        known = "git history holds it"
    else:
        restore = "restore it from your backup or version control"
        known = "this machine built this deck before"
    return Loss(
        "lock-lost",
        "lock",
        f"there is no lock file at {lock_display}, but this deck was built before ({known}) "
        "and there is no package at the output path to rebuild the lock from. Without it, "
        f"every one of the {count} notes gets a new change stamp: importing the build "
        "overwrites every note in the learner's collection, with the tags the learner added "
        f"and their own edits. Best: {restore}, then build again; or pass --accept-loss to "
        "publish anyway (cloze numbers and note type ids are taken from git history where "
        "it has them).",
        Location(lock_display),
    )


def loss_findings(losses: list[Loss], deck: Deck) -> list[Finding]:
    return [
        Finding(
            loss.location if loss.location is not None else deck.location,
            "error",
            f"{loss.message} (`deckgen build` refuses this without --accept-loss)",
        )
        for loss in losses
    ]


def _future_warning(
    lock: Lock | None, lock_display: str, states: list[Published], ahead: int
) -> Finding:
    newest = max(s.newest_stamp for s in states)
    where = Location(lock_display)
    if lock is not None:
        text = lock.raw.decode("utf-8", "replace")
        at = text.find(f'"mod": {newest}')
        if at >= 0:
            where = Location(lock_display, text.count("\n", 0, at) + 1, 1)
    source = next(s.label for s in states if s.newest_stamp == newest)
    whose = "the lock's" if source == LOCK_LABEL else f"{source}'s"
    return Finding(
        where,
        "warning",
        f"{whose} newest change stamp is {_duration(ahead)} ahead of this machine's clock "
        "(written on a machine whose clock ran fast?); changed notes get stamps after it, "
        "so importing still updates them. Check the clocks; the stamps catch up with time.",
    )


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"


def _guard_message(changes: Changes) -> str:
    lines = [
        "refusing to build: these changes would cost the learner study progress:",
        *(f"  - {loss.message}" for loss in changes.losses),
        "Undo them, or pass --accept-loss if you mean it (the lock then records the new state).",
    ]
    return "\n".join(lines)


def _frozen_message(changes: Changes, restamped: int, lock: Lock | None, lock_display: str) -> str:
    parts = []
    if changes.added:
        parts.append(f"{len(changes.added)} added")
    if changes.changed:
        parts.append(f"{len(changes.changed)} changed")
    if changes.retired:
        parts.append(f"{len(changes.retired)} retired")
    if restamped:
        parts.append(f"{restamped} restamped")
    if changes.note_types_changed:
        parts.append(f"note types changed: {', '.join(changes.note_types_changed)}")
    if lock is not None and lock.version != LOCK_VERSION and not parts:
        parts.append(f"the lock is in the format of an older deckgen (version {lock.version})")
    what = ", ".join(parts) or "the lock would be rewritten"
    return (
        f"--frozen: the build would change {lock_display} ({what}); run `deckgen build` and "
        "commit the updated lock with the cards"
    )


# --- one deck: writing ---------------------------------------------------------------------


def write_plan(plan: DeckPlan, sources: str, options: BuildOptions) -> int:
    """Assemble the collection from the plan's row files, write the deck and its lock
    together (deckgen.writing); remember the build."""
    from deckgen.package import write_collection_zip
    from deckgen.writing import write_together

    # Assembled where deckgen.incremental can keep it for the next build.
    db = incremental.rows_scratch(plan.folder)

    header = CollectionHeader(
        plan.deck.name,
        plan.deck.key,
        plan.description,
        plan.types,
        plan.type_stamps,
        plan.newest,
        plan.subdecks,
    )

    def write(fh: BinaryIO) -> None:
        write_collection_zip(fh, plan.output, header, plan.parts, db, progress=options.progress)

    try:
        size, package_sha = write_together(
            plan.output,
            write,
            plan.lock_path,
            plan.lock_bytes if plan.lock_changes else None,
            plan.old_lock,
            before_rename=options.before_rename,
        )
    except BaseException:
        if db is not None:
            db.unlink(missing_ok=True)
        raise
    plan.discard()
    if db is not None:
        incremental.save(plan.folder, plan.context, plan.lock_bytes, plan.file_results, db)
    record = cache.Record(
        cache.build_stamp(sources, plan.lock_bytes), package_sha, cache.sha256(plan.lock_bytes)
    )
    cache.remember(plan.output, plan.folder, record, plan.lock_bytes)
    return size
