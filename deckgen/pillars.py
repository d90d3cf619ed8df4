"""Every pillar file of a deck on its own (stage 6 of a build): taken whole from the last
build's cache when nothing it depends on changed (deckgen.incremental), else read,
validated, checked, generated, numbered, converted, stamped and its rows written on
every core (deckgen.pillarfile, deckgen.workers); and where the deck's rows are."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from deckgen import incremental
from deckgen.atomic import missing_folders, remove_files, temp_prefix
from deckgen.changes import Stamper
from deckgen.context import DeckInputs, checking_deck, file_context
from deckgen.errors import WriteError
from deckgen.load import DECK_FILE, display_path
from deckgen.model import Deck
from deckgen.notetypes import NoteType
from deckgen.options import BuildOptions
from deckgen.package import Assembly, Part
from deckgen.pillarfile import FileResult
from deckgen.validate import DeckFile
from deckgen.workers import process_files, worker_count

__all__ = ["PillarFiles", "check_files", "process", "remove_folders"]


@dataclass
class PillarFiles:
    """The pillar files' results, in reading order, and the row files made for them."""

    results: list[FileResult]
    parts: list[Part] = field(default_factory=list)  # where the rows are, in slot order
    scratch: list[Path] = field(default_factory=list)  # the row files made for the plan
    made_folders: list[Path] = field(default_factory=list)  # for the row files, deepest first
    # For deckgen.incremental: the context, each file's result by file key, and each
    # file's key (None: not kept), in reading order.
    context: str = ""
    file_results: dict[str, FileResult | bytes] = field(default_factory=dict)
    file_keys: list[str | None] = field(default_factory=list)
    # The collection, assembled from the pillar files' rows while the build goes on.
    assembly: Assembly | None = None

    def discard(self) -> None:
        """Stop the assembly, remove the row files and the folders made for them (the
        plan failed)."""
        if self.assembly is not None:
            self.assembly.discard()
        remove_files(self.scratch)
        remove_folders(self.made_folders)


def check_files(deck_file: DeckFile, output: Path) -> list[FileResult]:
    """Every pillar file checked, nothing generated: the deck cannot be built, and its
    every error is reported at once."""
    checking = checking_deck(deck_file)
    ctx = file_context(checking, "zh-Hant", None, {}, None, None, Stamper([], 0), False, False)
    pillar_files = list(enumerate(deck_file.listing.pillar_files, 1))
    results, _ = process_files(pillar_files, ctx, _scratch(output), 1)
    return results


def process(inputs: DeckInputs) -> PillarFiles:
    """Each pillar file's result: from the cache, or processed anew; with rows (unless
    `write_rows` is off), in row files beside the output and the head and tail files for
    the deck's own notes (see `discard`)."""
    deck_file, deck, options, ctx = inputs.deck_file, inputs.deck, inputs.options, inputs.ctx
    lock, history, output = inputs.lock, inputs.history, inputs.output
    folder = inputs.folder
    write_rows, keep_notes = options.write_rows, options.keep_notes
    base = ctx.base
    files = deck_file.listing.pillar_files
    context = _incremental_context(deck_file, deck, options, ctx.language, inputs.tts, ctx.types)
    kept = None
    if write_rows and not keep_notes and lock is not None and lock is base and not history.states:
        kept = incremental.load(folder, context, lock.digest, lock.raw)
    # With results to take, each file's key says which; without (a first build), the keys
    # to keep the results under come from the bytes each file was made from, read once.
    keys: list[str | None] = (
        incremental.file_keys(files) if kept is not None else [None] * len(files)
    )
    # The files whose results the cache holds are taken from it; their results are
    # decoded while the collection is assembled from their kept rows and the others'.
    pending = [
        i
        for i, k in enumerate(keys, start=1)
        if kept is not None and k is not None and k in kept.encoded
    ]
    taken = set(pending)
    todo = [(i, p) for i, p in enumerate(files, start=1) if i not in taken]
    reused: dict[int, FileResult] = {}  # by file number
    fresh_results: dict[int, FileResult] = {}
    held: list[tuple[Path, list[int]]] = []
    scratch = _scratch(output)
    made = _make_folder(output.parent) if write_rows else []
    scratch_files: list[Path] = []
    assembly = None
    parts: list[Part] = []
    try:
        while True:
            size = sum(_size(path) for _, path in todo)
            # Row files are numbered on from the ones made before.
            names = _numbered_from(scratch, len(held))
            done, more = process_files(todo, ctx, names, worker_count(size, options.workers))
            held += more
            scratch_files += [path for path, _ in more]
            fresh_results.update(zip((i for i, _ in todo), done, strict=True))
            if write_rows:
                head, tail = scratch(len(held)), scratch(len(held) + 1)
                where = {i: path for path, indexes in held for i in indexes}
                parts = _parts(head, tail, len(files), where, kept.rows if kept else None)
                # The pillar files' rows are all written (or kept): the collection starts
                # from them (the deck's own notes, parts[0] and parts[-1], come with the
                # plan). The cache's folders it makes go with a failed build.
                db = incremental.rows_scratch(folder, made)
                assembly = Assembly(output, deck.key, parts[1:-1], db)
            failed = []
            for i in pending:
                try:
                    reused[i] = kept.result(keys[i - 1])  # type: ignore[union-attr, arg-type]
                except (ValueError, TypeError, EOFError):
                    failed.append(i)
            if not failed:
                break
            # A kept result that cannot be read (rare): that file is processed anew, and
            # the collection started again with its new rows.
            if assembly is not None:
                assembly.discard()
                assembly = None
            todo, pending = [(i, files[i - 1]) for i in failed], []
        if write_rows:
            scratch_files += [head, tail]
        results = [
            fresh_results[i] if i in fresh_results else reused[i] for i in range(1, len(files) + 1)
        ]
    except BaseException:
        if assembly is not None:
            assembly.discard()
        remove_files(scratch_files)
        remove_folders(made)
        raise
    if kept is None and write_rows:
        keys = [
            incremental.digest_key(i, path, r.digest) if r.digest else None
            for i, (path, r) in enumerate(zip(files, results, strict=True), start=1)
        ]
    file_results = {
        k: kept.encoded[k] if kept is not None and i in reused else r
        for i, (k, r) in enumerate(zip(keys, results, strict=True), start=1)
        if k is not None
    }
    return PillarFiles(results, parts, scratch_files, made, context, file_results, keys, assembly)


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
            parts[-1] = Part(path, last.first, index + 1, last.kept)
        else:
            parts.append(Part(path, index, index + 1, path == kept))
    parts.append(Part(tail, pillars + 1, pillars + 3))
    return parts


def _make_folder(folder: Path) -> list[Path]:
    """Make `folder` and its missing parents; return those made, deepest first. Raises
    WriteError if the system refuses."""
    made = missing_folders(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        remove_folders(made)  # the parents made before it failed
        raise WriteError(f"cannot write {display_path(folder)}: {exc.strerror or exc}") from None
    return made


def remove_folders(folders: list[Path]) -> None:
    """Remove the folders a build made, if it left nothing in them (deepest first: they
    may be of several chains, the cache's and the output's, of several decks)."""
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty, gone, or never made
            folder.rmdir()


def _scratch(output: Path) -> Callable[[int], Path]:
    """Names of a build's row files: hidden beside the output, with the builder's pid."""
    token = os.urandom(4).hex()
    return lambda n: output.parent / f"{temp_prefix(output)}{token}.part{n}.db"


def _numbered_from(scratch: Callable[[int], Path], first: int) -> Callable[[int], Path]:
    return lambda n: scratch(first + n)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
