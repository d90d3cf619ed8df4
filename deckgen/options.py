"""What a build is asked to do: one frozen object instead of keyword arguments threaded
through every stage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deckgen.script import Script

# What a build reports as it goes: (what it is doing, done, total). cli.py draws a bar.
BuildProgress = Callable[[str, int, int], None]
# A line for the person waiting (another build holds the cards folder, ...).
Notice = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    output: Path | None = None  # a deck file, or a folder for <deck key>.apkg files
    output_is_folder: bool = False  # `-o` was written NAME/
    frozen: bool = False  # fail instead of changing a lock
    accept_loss: bool = False  # build even if a change costs review history
    tts: bool | None = None  # None: each deck's own `tts:` setting
    script: Script | None = None  # convert every text to this script
    progress: BuildProgress | None = None
    notice: Notice | None = None
    # Sees each finished temporary file just before it is renamed into place (the lock,
    # then the deck): tests interrupt a build there.
    before_rename: Callable[[Path], None] | None = None
    # Plan only (`deckgen check`): never wait for the clock to give a stamp.
    dry_run: bool = False
    workers: int | None = None  # processes for the pillar files (default: deckgen.workers)
    # For a plan that is never written (`deckgen check`, `deckgen preview`):
    keep_notes: bool = False  # keep every Note in the plan (the preview renders them)
    write_rows: bool = True  # False: no row files (`deckgen check` needs none)
