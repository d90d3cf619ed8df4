"""Every exception deckgen defines, and the findings and locations its messages show.

Every error a user can cause derives from `DeckgenError`; the CLI turns it into a
message and exit status 1 (`deckgen.cli.reports_errors`). Anything else is a bug in
deckgen. No other module defines an exception (`tests/test_errors.py` checks it), and
this one imports nothing heavy: `cli.py` imports it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

# A note says what deckgen did without judging the cards (a file it skipped); it never
# fails a check, not even with --strict.
Severity = Literal["error", "warning", "note"]

# What a message shows as an escape rather than as itself: characters that are invisible
# or change how the text around them reads (controls, format characters such as U+200B,
# U+FEFF and the bidi controls, line and paragraph separators, every space but ' '), and
# code points that are no characters (surrogates, private use, unassigned).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})
_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


At = tuple[str, int, int]  # a Location as plain values: (path, line, col)


class Location(NamedTuple):
    """Where in the cards a finding points: 1-based line and column.

    A named tuple (ordered by path, line, column): a deck makes one per principle and
    question, and a tuple is made twice as fast as a frozen dataclass."""

    path: str
    line: int = 0
    col: int = 0

    @property
    def at(self) -> At:
        """As plain values (a tuple itself, not this class: marshal takes only those)."""
        return (self.path, self.line, self.col)

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{max(self.col, 1)}"


@dataclass(frozen=True, order=True, slots=True)
class Finding:
    """One problem in the content: an error stops a build, a warning does not.

    A card-quality warning has its rule's `code` (deckgen.checks), shown after the message
    as `[answer-too-long]`; every other finding has none."""

    location: Location
    severity: Severity
    message: str
    code: str = ""

    def __str__(self) -> str:
        if self.code:
            return f"{self.location}: {self.severity}: {self.message} [{self.code}]"
        return f"{self.location}: {self.severity}: {self.message}"


def visible(text: str) -> str:
    """`text` with every invisible or control character as an escape (`\\u200b`).

    A lone surrogate U+DC80..U+DCFF is how Python spells a byte of a file name that is
    not UTF-8; it shows as that byte (`\\xff`). Everything else prints as itself.
    """
    if text.isprintable():  # exactly: no character of those categories but ' '
        return text
    out = []
    for ch in text:
        if ch == " " or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES:
            out.append(ch)
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ord(ch) > 0xFFFF:
            out.append(f"\\U{ord(ch):08x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out)


def quoted(text: str) -> str:
    """User text as a message quotes it: in single quotes, invisible characters escaped.

    Every message that quotes content (an id, a key, a phrase, a value) goes through
    this, so that a U+200B or a bidi control in the cards cannot hide in the output.
    """
    return f"'{visible(text)}'"


class DeckgenError(Exception):
    """Base class of every error caused by input the user controls."""


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by file, line and column; files in the order deckgen reads them.

    That is folder by folder, each folder's own findings first, then its deck.yaml,
    then its other files in natural name order (2-x.yaml before 10-x.yaml).
    """
    return sorted(findings, key=lambda f: (_path_key(f.location.path), f.location, f.message))


def _path_key(path: str) -> tuple[tuple[int, tuple[tuple[int, int | str], ...]], ...]:
    parts = path.replace("\\", "/").split("/")
    return tuple((0 if part == "deck.yaml" else 1, natural_key(part)) for part in parts)


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """A file name's key in natural order: 2-x.yaml before 10-x.yaml (the order deckgen
    reads files in, deckgen.load, and reports findings in, `sort_findings`)."""
    return tuple(
        (0, int(piece)) if piece.isdigit() else (1, piece)
        for piece in re.split(r"(\d+)", name)
        if piece
    )


class ContentError(DeckgenError):
    """The cards folder has errors; `findings` lists every one of them (and any warnings)."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.findings = sort_findings(findings)
        errors = [f for f in self.findings if f.severity == "error"]
        super().__init__("\n".join(str(f) for f in self.findings))
        self.error_count = len(errors)
        self.warning_count = sum(1 for f in self.findings if f.severity == "warning")


class GuardError(DeckgenError):
    """A build would cost the learner progress; it needs an explicit flag.

    `findings` locate each loss in the cards (for `deckgen check`)."""

    def __init__(self, message: str, findings: Iterable[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = list(findings)


class FrozenLockError(DeckgenError):
    """`--frozen` was given and the build would change the lock file."""


class PackageError(DeckgenError):
    """The package could not be written (disk full, permissions, ...)."""


class WriteError(DeckgenError):
    """A file deckgen writes could not be written; nothing was replaced."""


class OutputError(DeckgenError):
    """`-o` names something a deck cannot be written to."""


class LockError(ContentError):
    """The lock file cannot be read: its one finding says where and what to do."""

    def __init__(self, display: str, line: int, col: int, message: str) -> None:
        super().__init__([Finding(Location(display, line, col), "error", message)])


class LockConflictError(LockError):
    """The lock holds a merge's conflict markers."""


class ExtractError(DeckgenError):
    """The document cannot be read, or the output would overwrite files."""


class TemplateError(DeckgenError):
    """A card template uses something the preview cannot render as Anki would."""


class RenameError(DeckgenError):
    """The rename cannot be made as asked."""


class WorkerError(DeckgenError):
    """A worker process failed; nothing was written."""


class ScriptError(DeckgenError):
    """OpenCC cannot load a conversion it ships (its files missing or unreadable)."""


# --- raised and caught inside the library ---------------------------------------------
# These never reach the CLI: the module that raises them catches them and raises one of
# the errors above (or carries on), so they are not DeckgenErrors.


class ClozeSyntaxError(ValueError):
    """Bad markup; `offset` is the index in the text where the problem starts."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class PackageReadError(Exception):
    """The file is not a package this deckgen can read."""


class NotALockFile(OSError):
    """Something is at the lock's path, but it is not a regular file."""


class LockNumberError(ValueError):
    """A number in the lock's JSON that deckgen never writes; `token` is it as written."""

    def __init__(self, token: str, message: str) -> None:
        super().__init__(message)
        self.token = token


class AssemblyStopped(Exception):
    """The build no longer needs the collection being assembled (deckgen.package.Assembly:
    its plan failed or was interrupted); never reaches the user."""
