"""deckgen: turn the principles of a study text into Anki flashcards.

The package is laid out by stage, each module importing only the ones below it:

    load      YAML files -> nodes that remember their path:line:col
    validate  nodes -> frozen dataclasses (model), every problem collected
    cloze     the [[phrase]] markup inside principle text
    generate  principles -> notes with stable keys, GUIDs and tags
    notetypes the two note types, their templates and CSS (files in templates/)
    lock      the lock file: what the last build wrote, change stamps, guards
    package   notes -> a deterministic, compressed .apkg, written atomically
    build     the pipeline above as one call
    report    human-readable summaries

`cli.py` sits on top; it imports neither yaml nor genanki.
"""

from __future__ import annotations

__version__ = "0.1.0"
