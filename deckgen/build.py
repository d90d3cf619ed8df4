"""`deckgen build`: the stages of a build, each a call into the module that owns it.

For the project (`build_decks`):

1. hold the deck folders, so two builds of one folder never interleave (buildlock);
2. nothing to do when every package is what the last build wrote from the same
   sources (cache);
3. load and check every deck (project, rules).

For each deck (`plan_deck`), before anything is written:

4. the lock (lock), and what a learner may have imported besides it: the package at the
   output path, the last build of the folder (published, cache); a lost lock is rebuilt
   from them, or the build says what it would cost;
5. the deck's note types, with ids of its own (notetypes);
6. the notes, each cloze numbered against the lock (generate, numbering), in the script
   asked for (script), and the notes the cards no longer make, retired (generate);
7. what changed and what it would cost: a loss is refused without --accept-loss
   (changes);
8. the change stamps (changes) and the lock text (lock); --frozen stops here.

Then for each deck (`write_plan`): the package and the lock are written to temporary
files and renamed together (writing), and the build is remembered (cache).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from deckgen import cache
from deckgen.buildlock import holding
from deckgen.changes import (
    LOCK_LABEL,
    MAX_WAIT,
    Changes,
    Loss,
    Stamps,
    assign_stamps,
    compare,
    fresh_stamp,
    lock_state,
)
from deckgen.errors import (
    ContentError,
    DeckgenError,
    Finding,
    FrozenLockError,
    GuardError,
    Location,
    OutputError,
)
from deckgen.gcpause import without_cyclic_gc, without_cyclic_gc_throughout
from deckgen.generate import (
    DECK_GROUP,
    RETIRED_GROUP,
    Note,
    deck_description,
    generate_notes,
    pillar_heading,
    retired_note,
)
from deckgen.load import DECK_FILE, LOCK_FILE, display_path, find_deck_folders, parse_yaml
from deckgen.lock import (
    LOCK_VERSION,
    Lock,
    LockEntry,
    LockError,
    TypeEntry,
    parse_lock,
    read_lock,
    read_lock_bytes,
    render_lock,
)
from deckgen.model import Deck
from deckgen.notetypes import NoteType, derived_ids, note_types, type_names
from deckgen.numbering import ClozeNumbers, first_numbers, number_clozes
from deckgen.options import BuildOptions
from deckgen.package import PackageReadError, file_digest, read_package
from deckgen.project import deck_outputs, default_output, load_decks
from deckgen.published import GitLock, Published, from_lock, lock_from_package, lock_in_git
from deckgen.script import Script
from deckgen.wording import language_for
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

    deck: Deck
    folder: Path
    output: Path
    notes: list[Note]
    types: dict[str, NoteType]
    changes: Changes
    stamps: Stamps
    description: str
    lock_path: Path
    lock_bytes: bytes
    old_lock: bytes | None
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

    @property
    def lock_changes(self) -> bool:
        return self.lock_bytes != self.old_lock


@dataclass(frozen=True)
class BuildResult:
    plan: DeckPlan
    size: int

    @property
    def deck(self) -> Deck:
        return self.plan.deck

    @property
    def notes(self) -> list[Note]:
        return self.plan.notes

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
        return [*self.plan.deck.warnings, *self.plan.warnings]

    @cached_property
    def groups(self) -> list[GroupCount]:
        return count_groups(self.plan.deck, self.plan.notes)

    @property
    def card_count(self) -> int:
        return sum(len(n.card_ords) for n in self.notes)


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
    if notes_by[RETIRED_GROUP]:
        groups.append(
            GroupCount("", notes_by[RETIRED_GROUP], cards_by[RETIRED_GROUP], retired=True)
        )
    return groups


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
        decks = load_decks(folders, options.progress)
        outputs = deck_outputs(
            [deck.key for deck in decks], options.output, folder=options.output_is_folder
        )
        plans = []
        for folder, deck, out in zip(folders, decks, outputs, strict=True):
            try:
                plans.append(plan_deck(deck, folder, out, options))
            except DeckgenError as exc:
                if len(decks) == 1 or isinstance(exc, ContentError):
                    raise  # a content error names its file already
                where = f"deck '{deck.key}' in {display_path(folder)}"
                raise type(exc)(f"{where}: nothing was built: {exc}") from None
        for plan, source in zip(plans, sources, strict=True):
            size = write_plan(plan, source, options)
            yield BuildResult(plan, size)


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


class _Numberer:
    """Cloze numbers of each note against the lock (deckgen.numbering), remembered."""

    def __init__(self, lock: Lock | None) -> None:
        self.lock = lock
        self.results: dict[str, ClozeNumbers] = {}
        self._fold: dict[str, str] = {}

    def fold(self, phrase: str) -> str:
        """A phrase in Simplified characters: the same phrase in either script."""
        if phrase not in self._fold:
            from deckgen.script import converter

            self._fold[phrase] = converter("simplified")(phrase)
        return self._fold[phrase]

    def __call__(self, key: str, phrases: list[str]) -> tuple[int, ...]:
        locked = self.lock.notes.get(key) if self.lock is not None else None
        if locked is None:
            result = first_numbers(len(phrases))
        else:
            result = number_clozes(phrases, locked.clozes, locked.removed_clozes, self.fold)
            self.results[key] = result
        return result.numbers


def deck_note_types(
    deck: Deck, source: Lock | None, tts: bool, language: str
) -> dict[str, NoteType]:
    """The deck's note types: the ids its lock records, else ids derived from its key."""
    ids = derived_ids(deck.key)
    if source is not None and all(kind in source.note_types for kind in ids):
        ids = {kind: source.note_types[kind].id for kind in ids}
    return note_types(tts=tts, ids=ids, names=type_names(deck.key, ids), language=language)


@without_cyclic_gc
def plan_deck(deck: Deck, folder: Path, output: Path, options: BuildOptions) -> DeckPlan:
    """Stages 4 to 8 for one deck: everything it will write, nothing written yet.

    Raises LockError for a lock that cannot be read, GuardError for a change that would
    cost the learner progress (unless `accept_loss`), FrozenLockError when `frozen` and
    the lock would change.
    """
    lock_path = folder / LOCK_FILE
    lock_display = display_path(lock_path)
    progress = options.progress
    if progress is not None:
        progress("Generating notes", 0, 1)
    lock = read_lock(lock_path, lock_display)
    history = _history(lock, folder, output, deck)
    base = lock if lock is not None else history.recovered
    git_lock = _parsed(history.git.raw) if history.git is not None else None
    source = base if base is not None else git_lock
    tts = options.tts if options.tts is not None else deck.tts
    language = language_for(deck, options.script)
    types = deck_note_types(deck, source, tts, language)
    numberer = _Numberer(source)
    notes = own_notes = generate_notes(deck, numberer, language)
    description = deck_description(deck)  # HTML, as Anki shows it
    if options.script is not None:
        from deckgen.script import convert_notes, converter

        notes = convert_notes(notes, types, options.script)
        description = converter(options.script)(description)
    if source is not None:
        made = {n.key for n in notes}
        retired = [
            retired_note(deck, locked, len(notes) + i, language)
            for i, locked in enumerate(
                (locked for key, locked in source.notes.items() if key not in made), start=1
            )
        ]
        notes = [*notes, *retired]

    def rename_command(old: str, new: str) -> str:
        shown = display_path(folder)
        cards = "" if shown == "cards" else f"--cards {shown} "
        return f"deckgen rename {cards}{old} {new}"

    changes = compare(base, notes, types, deck.key, deck.name, numberer.results, rename_command)
    if lock is None and base is None and (history.git is not None or cache.remembers(folder)):
        changes.losses.append(_lost_lock(lock_display, history.git, len(notes)))
    switched_from = _script_switch(lock, lock_display, changes, own_notes, types, options)
    if changes.losses and not options.accept_loss:
        raise GuardError(_guard_message(changes), _loss_findings(changes.losses, deck))
    if options.frozen and lock is None:
        raise FrozenLockError(
            f"--frozen: there is no lock file at {lock_display}; run `deckgen build` "
            "without --frozen once and commit the lock"
        )
    states = [lock_state(base), *history.states] if base is not None else list(history.states)
    floor = git_lock.newest_stamp if git_lock is not None else 0
    clock = _no_wait if options.dry_run else fresh_stamp
    stamps = assign_stamps(notes, types, states, clock, floor=floor)
    subdecks = subdeck_names(deck) if deck.subdecks else {}
    lock_bytes = render_lock(
        deck.key,
        deck.name,
        _type_entries(types, stamps),
        _lock_entries(notes, stamps, numberer, source),
        {identity: name for identity, (_, name) in subdecks.items()},
    )
    old_lock = lock.raw if lock is not None else None
    if options.frozen and lock_bytes != old_lock:
        raise FrozenLockError(_frozen_message(changes, stamps, lock, lock_display))
    if progress is not None:
        progress("Generating notes", 1, 1)
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
    return DeckPlan(
        deck,
        folder,
        output,
        notes,
        types,
        changes,
        stamps,
        description,
        lock_path,
        lock_bytes,
        old_lock,
        options.script,
        switched_from,
        history.recovered_from if lock is None else None,
        warnings,
        language,
        {pillar.id: subdecks[pillar.identity] for pillar in deck.pillars if subdecks},
        _renamed_subdecks(base, subdecks),
        bool(subdecks) and base is not None and not base.subdecks,
    )


def subdeck_names(deck: Deck) -> dict[str, tuple[int, str]]:
    """Each pillar's identity -> the (id, name) of its subdeck: `<deck name>::<heading>`.

    A `::` in a heading would nest one more deck: it is written `:`."""
    from deckgen.package import deck_id_for

    return {
        pillar.identity: (
            deck_id_for(f"{deck.key}::{pillar.identity}"),
            f"{deck.name}::{pillar_heading(i, pillar).replace('::', ':').strip()}",
        )
        for i, pillar in enumerate(deck.pillars, start=1)
    }


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


def _lock_entries(
    notes: list[Note], stamps: Stamps, numberer: _Numberer, source: Lock | None
) -> list[LockEntry]:
    entries = []
    for note in notes:
        result = numberer.results.get(note.key)
        if result is not None:
            removed = result.removed
        else:
            locked = source.notes.get(note.key) if source is not None else None
            removed = locked.removed_clozes if locked is not None else ()
        entries.append(
            LockEntry(
                note.key,
                note.guid,
                note.kind,
                note.content_hash,
                stamps.notes[note.key],
                note.clozes,
                removed,
                note.retired,
            )
        )
    return entries


def _type_entries(types: dict[str, NoteType], stamps: Stamps) -> list[TypeEntry]:
    return [
        TypeEntry(
            kind, nt.model_id, nt.name, nt.fields_hash, nt.style_hash, stamps.note_types[kind]
        )
        for kind, nt in types.items()
    ]


def _script_switch(
    lock: Lock | None,
    lock_display: str,
    changes: Changes,
    own_notes: list[Note],
    types: dict[str, NoteType],
    options: BuildOptions,
) -> str | None:
    """The script the lock was written in, when every note changed because of it."""
    if lock is None or not changes.changed or changes.unchanged:
        return None
    from deckgen.script import locked_script, script_option

    locked = {key: n.hash for key, n in lock.notes.items()}
    switched_from = locked_script(locked, own_notes, types, options.script)
    if options.frozen and switched_from is not None:
        raise FrozenLockError(
            f"--frozen: {lock_display} was "
            f"written by a build {script_option(switched_from)}, and this build is "
            f"{script_option(options.script)}; give --frozen the --script of the builds you "
            "publish"
        )
    return switched_from


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


def _loss_findings(losses: list[Loss], deck: Deck) -> list[Finding]:
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


def _frozen_message(changes: Changes, stamps: Stamps, lock: Lock | None, lock_display: str) -> str:
    parts = []
    if changes.added:
        parts.append(f"{len(changes.added)} added")
    if changes.changed:
        parts.append(f"{len(changes.changed)} changed")
    if changes.retired:
        parts.append(f"{len(changes.retired)} retired")
    if stamps.restamped:
        parts.append(f"{len(stamps.restamped)} restamped")
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
    """Write the deck and its lock together (deckgen.writing); remember the build."""
    from deckgen.package import write_deck_file
    from deckgen.writing import write_together

    def write(fh: object) -> None:
        write_deck_file(
            fh,  # type: ignore[arg-type]
            plan.output,
            plan.deck.name,
            plan.deck.key,
            plan.description,
            plan.notes,
            plan.types,
            plan.stamps,
            subdecks=plan.subdecks,
            progress=options.progress,
        )

    size, package_sha = write_together(
        plan.output,
        write,
        plan.lock_path,
        plan.lock_bytes if plan.lock_changes else None,
        plan.old_lock,
        before_rename=options.before_rename,
    )
    record = cache.Record(
        cache.build_stamp(sources, plan.lock_bytes), package_sha, cache.sha256(plan.lock_bytes)
    )
    cache.remember(plan.output, plan.folder, record, plan.lock_bytes)
    return size
