"""`deckgen build`: the stages of a build, each a call into the module that owns it.

For the project (`build_decks`):

1. hold the deck folders, so two builds of one folder never interleave (buildlock),
   and undo what a build killed between its two renames left (writing);
2. nothing to do when every package is what the last build wrote from the same
   sources (uptodate, cache);
3. each deck file and the folder's listing (validate), and what must differ between
   decks: keys and names; where each deck goes (project).

For each deck (`plan_deck`), before anything is written:

4. load and check: the lock (deckcheck, lock), and what a learner may have imported
   besides it: the package at the output path, the last build of the folder (history,
   published, cache); a lost lock is rebuilt from them, or the build says what it would
   cost;
5. the deck's language and note types, with ids of its own, and the build's stamps
   (context, wording, notetypes);
6. generate: every pillar file on its own, on every core, or as the last build kept it
   (pillars, pillarfile, workers, incremental): read, validated, checked, its notes
   generated, numbered against the lock, converted, classified and stamped, its lock
   lines and rows written;
7. what only the whole deck shows (deckcheck: validate, rules): ids used twice, one
   question asked twice; the deck's introduction and overview notes, and the notes the
   cards no longer make, retired (decknotes, generate), converted to the build's script
   (script);
8. compare with the lock: what changed and what it would cost: a loss is refused
   without --accept-loss (guards, changes); the lock text (lock); --frozen stops here;
   the rows of the deck's own notes (deckplan, package).

Then for each deck (`write_plan`): the collection is assembled from the files' rows
(package), the package and the lock are written to temporary files and renamed
together (writing), and the build is remembered (incremental, cache).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from deckgen import uptodate
from deckgen.buildlock import holding
from deckgen.errors import ContentError, DeckgenError
from deckgen.gcpause import without_cyclic_gc, without_cyclic_gc_throughout
from deckgen.load import LOCK_FILE, display_path, find_deck_folders
from deckgen.options import BuildOptions
from deckgen.uptodate import UpToDate
from deckgen.writing import recover_interrupted

if TYPE_CHECKING:
    from deckgen.changes import Changes
    from deckgen.deckplan import DeckPlan, GroupCount
    from deckgen.errors import Finding
    from deckgen.model import Deck
    from deckgen.script import Script
    from deckgen.validate import DeckFile

# The stages' modules (checking, generating, packaging) are imported by the functions
# that run them: a build with nothing to do (stages 1 and 2) never loads them, and takes
# a fraction of a build's time (deckgen.uptodate; tests/test_cli.py pins what it loads).

__all__ = [
    "BuildOptions",
    "BuildResult",
    "UpToDate",
    "build_deck",
    "build_decks",
    "plan_deck",
    "plan_project",
]


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
        sources = [uptodate.sources_digest(f, folders, options) for f in folders]
        fresh = uptodate.up_to_date(folders, sources, options) if shortcut else None
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


def plan_project(folders: list[Path], options: BuildOptions) -> list[DeckPlan]:
    """Plan every deck of a project (stages 3 to 8): one ContentError lists the content
    errors of all of them; any other refusal names its deck. Nothing is written."""
    from deckgen import project

    if options.progress is not None:
        options.progress("Reading cards", 0, 1)
    deck_files, findings = project.validate_project(folders)
    outputs = project.project_outputs(deck_files, findings, options)
    plans: list[DeckPlan] = []
    try:
        for deck_file, out in zip(deck_files, outputs, strict=True):
            try:
                plans.append(plan_deck(deck_file, out, options))
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
    from deckgen.pillars import remove_folders

    folders = [folder for plan in plans for folder in plan.made_folders]
    for plan in plans:
        plan.made_folders = []
        plan.discard()
    remove_folders(folders)


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


# --- one deck ----------------------------------------------------------------------------


@without_cyclic_gc
def plan_deck(deck_file: DeckFile, output: Path, options: BuildOptions) -> DeckPlan:
    """Stages 4 to 8 for one deck: everything it will write, nothing written yet (but
    its row files, which the plan's `discard` removes).

    Raises ContentError for bad content or a lock that cannot be read, GuardError for a
    change that would cost the learner progress (unless `accept_loss`), FrozenLockError
    when `frozen` and the lock would change.
    """
    from deckgen import context, deckcheck, decknotes, deckplan, guards, pillars

    lock, findings = deckcheck.load_and_check(deck_file, output)
    if options.progress is not None:
        options.progress("Generating notes", 0, 1)
    inputs = context.deck_inputs(deck_file, output, options, lock, findings)
    files = pillars.process(inputs)  # the pillar files' results, and row files
    try:
        findings = deckcheck.check_deck(inputs, files.results)
        notes = decknotes.deck_notes(inputs, files.results)
        notes = decknotes.convert_script(notes, inputs.ctx.types, options.script)
        compared = guards.compare_with_lock(inputs, files.results, notes)
        deckplan.write_deck_rows(inputs, files, notes, compared)
        if options.progress is not None:
            options.progress("Generating notes", 1, 1)
        return deckplan.assemble(inputs, files, notes, compared, findings)
    except BaseException:
        files.discard()
        raise


# --- one deck: writing ---------------------------------------------------------------------


def write_plan(plan: DeckPlan, sources: str, options: BuildOptions) -> int:
    """Assemble the collection from the plan's row files, write the deck and its lock
    together (deckgen.writing); remember the build."""
    from deckgen import cache, incremental
    from deckgen.package import CollectionHeader
    from deckgen.writing import write_together

    header = CollectionHeader(
        plan.deck.name,
        plan.deck.key,
        plan.description,
        plan.types,
        plan.type_stamps,
        plan.newest,
        plan.subdecks,
    )

    # Under way since the pillar files' rows were written (deckgen.pillars), where
    # deckgen.incremental can keep it for the next build.
    assembly = plan.assembly
    assert assembly is not None, "a plan made with write_rows has its collection under way"
    db = assembly.keep
    kept: incremental.StagedResults | None = None
    try:
        assembly.finish(header, [plan.parts[0], plan.parts[-1]])
        # While the collection is assembled in its thread: what the cache keeps.
        lock_sha = cache.sha256(plan.lock_bytes)
        if db is not None:
            encoded = incremental.encode_results(plan.file_results)
            lock = incremental.WrittenLock(lock_sha, plan.lock_keys, plan.notes_newest)
            kept = incremental.stage(plan.folder, plan.context, lock, encoded, plan.lock_spans)

        def write(fh: BinaryIO) -> None:
            assembly.zip_into(fh, options.progress)

        size, package_sha = write_together(
            plan.output,
            write,
            plan.lock_path,
            plan.lock_bytes if plan.lock_changes else None,
            plan.old_lock,
            before_rename=options.before_rename,
        )
    except BaseException:
        assembly.discard()
        if kept is not None:
            kept.discard()
        raise
    plan.discard()
    if db is not None:
        incremental.save(plan.folder, kept, db)
    record = cache.Record(cache.build_stamp(sources, lock_sha), package_sha, lock_sha, plan.newest)
    cache.remember(plan.output, plan.folder, record, plan.lock_bytes)
    if plan.detected is not None:
        cache.remember_language(*plan.detected)
    return size
