"""A project: its deck folders, loaded and checked together, and where their decks go.

A project is a cards folder holding a deck (`cards/deck.yaml`) and/or one folder per deck
(`cards/<deck>/deck.yaml`). Its decks are loaded and checked together, because two decks
may not share a key (it is part of every note's identity) nor a name (Anki matches decks
by name).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import TYPE_CHECKING

from deckgen.errors import ContentError, Finding, OutputError, quoted
from deckgen.gcpause import without_cyclic_gc
from deckgen.load import display_path, find_deck_folders
from deckgen.model import Deck
from deckgen.options import BuildOptions, BuildProgress

if TYPE_CHECKING:
    from deckgen.validate import DeckFile

# Checking and validating are imported where they are used: the no-op build asks this
# module only where its decks go (deck_outputs), and loads nothing else (deckgen.uptodate).

DEFAULT_OUTPUT_DIR = Path("dist")
SUFFIX = ".apkg"

__all__ = [
    "deck_outputs",
    "default_output",
    "find_deck_folders",
    "load_decks",
    "project_findings",
    "project_outputs",
    "validate_project",
]


def default_output(deck_key: str) -> Path:
    return DEFAULT_OUTPUT_DIR / f"{deck_key}{SUFFIX}"


@without_cyclic_gc
def load_decks(folders: list[Path], progress: BuildProgress | None = None) -> list[Deck]:
    """Load and validate several deck folders; one ContentError lists the errors of all,
    those between decks included (`project_findings`)."""
    from deckgen import rules

    findings: list[Finding] = []
    decks: list[Deck] = []
    for done, folder in enumerate(folders):
        if progress is not None:
            progress("Reading cards", done, len(folders))
        try:
            decks.append(rules.load_checked_deck(folder))
        except ContentError as exc:
            findings.extend(exc.findings)
    findings.extend(project_findings(decks))
    if any(f.severity == "error" for f in findings):
        raise ContentError(findings)
    return decks


def project_findings(decks: list[Deck]) -> list[Finding]:
    """Two decks that share a key (their notes would overwrite each other in Anki) or a
    name (their cards would end up in one deck), each at the later deck's file."""
    findings: list[Finding] = []
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
    return findings


def deck_outputs(keys: list[str], output: Path | None, *, folder: bool = False) -> list[Path]:
    """Where each deck (by key) goes: `output` names a file (NAME.apkg) for one deck, or a
    folder (`folder`: it was written NAME/; or a folder that exists) for one or several;
    default dist/.

    Raises OutputError for anything else: no extension, standard output, a target that
    is not a regular file (a device, a FIFO: left as it is), a file for several decks.
    """
    if output is None:
        return [default_output(key) for key in keys]
    text = str(output)
    if text == "-":
        raise OutputError(
            "-o -: a deck cannot be written to standard output; give a file NAME.apkg or a "
            "folder NAME/"
        )
    mode = _mode(output)
    as_folder = folder or text.endswith(("/", "\\")) or (mode is not None and stat.S_ISDIR(mode))
    if not as_folder and len(keys) > 1:
        if output.suffix.lower() == SUFFIX or mode is not None:
            raise OutputError(
                f"-o {display_path(output)} is a file, but there are {len(keys)} decks to "
                f"build ({', '.join(keys)}); give a folder for their .apkg files, e.g. -o dist/"
            )
        as_folder = True  # several decks: a name without extension can only be a folder
    if as_folder:
        targets = [output / f"{key}{SUFFIX}" for key in keys]
    else:
        if output.suffix.lower() != SUFFIX:
            shown = display_path(output)
            stem = shown[: -len(output.suffix)] if output.suffix else shown
            raise OutputError(
                f"-o {shown}: a deck file must end in {SUFFIX}; write -o {stem}{SUFFIX} for a "
                f"file, or -o {shown}/ for a folder to write {keys[0]}{SUFFIX} into"
            )
        targets = [output]
    for target in targets:
        check_target(target)
    return targets


def _mode(path: Path) -> int | None:
    """The path's mode (following links), None if nothing is there; OutputError if the
    system cannot even look (a name too long, a file where a folder should be, ...)."""
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"cannot write {display_path(path)}: {exc.strerror or exc}") from None


def check_target(target: Path) -> None:
    """Refuse a target that is there but is not a regular file (or a link to one)."""
    mode = _mode(target)
    if mode is None or stat.S_ISREG(mode):
        return
    what = (
        "a folder"
        if stat.S_ISDIR(mode)
        else "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a regular file"
    )
    raise OutputError(
        f"-o {display_path(target)} is {what}, not a deck file; deckgen replaces only regular "
        "files: choose another path"
    )


def validate_project(folders: list[Path]) -> tuple[list[DeckFile], list[Finding]]:
    """Each deck file and the folder's listing (validate), and what must differ between
    decks (`project_findings`): the deck files that could be read, and every finding.
    Raises ContentError when none could be."""
    from deckgen.validate import validate_deck_file

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
    return deck_files, findings


def project_outputs(
    deck_files: list[DeckFile], findings: list[Finding], options: BuildOptions
) -> list[Path]:
    """Where each deck goes (`deck_outputs`); when the decks have errors, their default
    paths rather than an error about `-o`, so that the content errors are what is said."""
    keys = [d.deck.key if d.deck is not None else "" for d in deck_files]
    try:
        outputs = deck_outputs(keys, options.output, folder=options.output_is_folder)
    except OutputError:
        if any(f.severity == "error" for f in findings) or any(d.deck is None for d in deck_files):
            outputs = [default_output(key or "deck") for key in keys]
        else:
            raise
    return outputs
