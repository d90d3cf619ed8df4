"""Load and check (stage 4 of a build, and 7): a deck's lock, read; what only the whole
deck shows (validate, rules). A deck that cannot be built still has every pillar file
checked, for every error at once."""

from __future__ import annotations

import functools
from pathlib import Path

from deckgen import incremental
from deckgen.context import DeckInputs, checking_deck
from deckgen.errors import ContentError, Finding, LockError
from deckgen.load import LOCK_FILE, display_path
from deckgen.lock import Lock, read_lock
from deckgen.model import Checks
from deckgen.pillarfile import FileResult
from deckgen.pillars import check_files
from deckgen.rules import asked, same_question_findings, text_findings
from deckgen.validate import DeckFile, check_claims, no_principles

__all__ = ["check_deck", "deck_wide", "load_and_check"]


def load_and_check(deck_file: DeckFile, output: Path) -> tuple[Lock | None, list[Finding]]:
    """The deck's lock (None when there is none) and the findings of its deck file and
    lock, none of them an error.

    Raises ContentError when the deck cannot be built (a broken deck.yaml, a lock that
    cannot be read), with the errors of every pillar file besides.
    """
    folder = deck_file.listing.folder
    lock_path = folder / LOCK_FILE
    lock_display = display_path(lock_path)
    findings = list(deck_file.findings)
    lock = None
    try:
        lock = read_lock(lock_path, lock_display, functools.partial(incremental.trusted, folder))
    except LockError as exc:
        findings.extend(exc.findings)
    deck = deck_file.deck
    if deck is None or any(f.severity == "error" for f in findings):
        # Nothing to build: the pillar files are still checked, for every error at once.
        checking = checking_deck(deck_file)
        results = check_files(deck_file, output)
        findings += deck_wide(deck_file, results, checking.checks)
        raise ContentError(findings)
    return lock, findings


def check_deck(inputs: DeckInputs, results: list[FileResult]) -> list[Finding]:
    """Every finding of the deck, the whole deck's included; ContentError if one is an
    error."""
    findings = [*inputs.findings, *deck_wide(inputs.deck_file, results, inputs.deck.checks)]
    if any(f.severity == "error" for f in findings):
        raise ContentError(findings)
    return findings


def deck_wide(deck_file: DeckFile, results: list[FileResult], checks: Checks) -> list[Finding]:
    """The findings only the whole deck shows, and every file's."""
    claims = [claim for result in results for claim in result.claims]
    questions = [a for result in results for a in result.asked] + asked(deck_file.texts)
    return [
        *(f for result in results for f in result.findings),
        *check_claims(claims),
        *same_question_findings(questions, checks),
        *text_findings(deck_file.texts, [], checks),
        *no_principles(deck_file, claims),
    ]
