"""deckgen: turn the principles of a study text into Anki flashcards.

The package is laid out by stage, each module importing only the ones below it:

    load      YAML files -> nodes that remember their path:line:col
    validate  nodes -> frozen dataclasses (model), every problem collected
    cloze     the [[phrase]] markup inside principle text
    rules     card-quality warnings over the model (`deckgen check`)
    generate  principles -> notes with stable keys, GUIDs and tags
    script    Simplified/Traditional conversion of notes (OpenCC)
    notetypes the two note types, their templates and CSS (files in templates/)
    lock      the lock file: what the last build wrote, change stamps
    package   notes -> a deterministic, compressed .apkg
    project   a project's deck folders, checked together, and where their decks go
    uptodate  the no-op build: every package is what the last build wrote
    history   what a learner may have imported besides the lock
    context   a deck's language, note types and stamps: the inputs of its plan
    pillars   every pillar file of a deck, from the cache or on every core
    deckcheck load and check: the lock, and what only the whole deck shows
    decknotes the deck's own notes: introduction, overview, retired
    guards    compare with the lock: changes, losses, --frozen, the new lock
    deckplan  all a deck's build will write; the rows of its own notes
    build     the pipeline above as one call, for one deck or a project: its stages
    report    human-readable summaries
    preview   every card on one static page
    readers   a document (plain text, Markdown, Word) -> an outline (outline: the
              shape every format shares)
    extract   an outline -> a cards folder to review
    schema    JSON Schema of the cards format

Beside them: errors, spec (the cards format: every key of every kind of file), checks
(the card-quality rules' registry: codes, settings), model, language (the deck's language
tag), chinese (numerals, character classes, punctuation, display width), pinyin, atomic
(files replaced in one step), gcpause, collection (what an Anki collection holds besides
its rows, as genanki writes it: a build does not import genanki).

`cli.py` sits on top; it imports neither yaml nor genanki.
"""

from __future__ import annotations


def _version() -> str:
    """The installed distribution's version; pyproject.toml holds its only literal."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("deckgen")
    except PackageNotFoundError:
        pass
    # A source tree that was never installed (PYTHONPATH=. python -m deckgen.cli): read
    # the version from the pyproject.toml beside the package, if it is there.
    import re
    from pathlib import Path

    try:
        text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text("utf-8")
    except OSError:
        return "0+unknown"
    found = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return found.group(1) if found else "0+unknown"


def __getattr__(name: str) -> str:
    """`deckgen.__version__`, read on first use: importlib.metadata would add about
    40 ms to every start of the command, which needs it only for --version."""
    if name == "__version__":
        version = _version()
        globals()["__version__"] = version
        return version
    raise AttributeError(f"module 'deckgen' has no attribute {name!r}")
