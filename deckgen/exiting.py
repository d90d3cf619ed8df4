"""The end of a `deckgen` process: at once, once what it printed is out.

A command run as the process (`deckgen.cli.main`) ends right after it returns, so what it
made need not be freed: a 100,000-note build's objects, freed one by one and then by the
interpreter's teardown, took 0.15 s after its last line was printed, for nothing (the
cyclic collector is off throughout: deckgen.gcpause, deckgen.cli.main). Under a test's
CliRunner nothing here applies: `ends_process` is never entered and `keep` keeps nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_ending = False
_kept: list[object] = []


def keep(value: object) -> None:
    """Leave `value` alive until the process ends, when the command is the process."""
    if _ending:
        _kept.append(value)


@contextmanager
def ends_process() -> Iterator[None]:
    """Run a command as the process: its SystemExit (click's, in standalone mode) ends the
    process at once with the same status, once standard output and error are flushed.

    Anything unusual lets the exit go on the usual way, as without this: a status that is
    not a number (Python prints it), an output that cannot be flushed (a closed pipe, which
    the interpreter then reports as it always did), or any other exception.
    """
    global _ending
    _ending = True
    try:
        yield
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code
        if isinstance(code, int) and _flushed():
            os._exit(code)
        raise
    finally:
        _ending = False


def _flushed() -> bool:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or file
        return False
    return True
