"""The no-op build: nothing to do when every package is what the last build wrote from
the same sources (deckgen.cache keeps the records it compares).

A build that has nothing to do imports only this and the light modules it needs (no
generating, checking or packaging code: deckgen.build imports those once it must
build), so that it costs a fraction of a build (tests/test_cli.py pins what it loads)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from deckgen import cache
from deckgen.cache import file_digest
from deckgen.errors import ContentError, OutputError
from deckgen.load import DECK_FILE, LOCK_FILE, parse_yaml
from deckgen.lock import MAX_WAIT, read_lock_bytes
from deckgen.options import BuildOptions
from deckgen.project import deck_outputs

__all__ = ["UpToDate", "sources_digest", "up_to_date"]


@dataclass(frozen=True)
class UpToDate:
    """A deck whose package already holds what a build would write: nothing was done."""

    folder: Path
    output: Path
    size: int


def _options_text(options: BuildOptions) -> str:
    return repr({"tts": options.tts, "script": options.script, "opencc": options.script})


def sources_digest(folder: Path, folders: list[Path], options: BuildOptions) -> str:
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


def up_to_date(
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
        if record is None or record.stamp != cache.build_stamp(digest, cache.sha256(lock)):
            return None
        if file_digest(out) != record.package:
            return None
        # The record is of this very lock (its stamp digests it): its newest stamp too.
        if record.newest - int(time.time()) >= MAX_WAIT:
            return None  # stamps ahead of the clock: a build reports them, every time
        try:
            size = out.stat().st_size
        except OSError:
            return None  # a package that cannot be looked at is not known to be up to date
        fresh.append(UpToDate(folder, out, size))
    return fresh
