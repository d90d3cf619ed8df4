"""The cloze markup authors write inside text: `[[phrase]]` or `[[phrase::hint]]`.

Phrases become Anki's `{{c1::phrase}}`, `{{c2::...}}` ... in text order. The markup is
not part of the text: stripping it gives the author's sentence verbatim.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from deckgen.errors import ClozeSyntaxError, quoted

OPEN = "[["
CLOSE = "]]"
HINT = "::"


class Segment(NamedTuple):
    """A run of plain text, or (when `cloze` is true) one marked phrase. A named tuple:
    a deck makes several per principle."""

    text: str
    cloze: bool = False
    hint: str = ""


def parse_cloze(text: str) -> tuple[Segment, ...]:
    """Split text into plain and cloze segments.

    Raises ClozeSyntaxError for a `[[` without `]]`, a `]]` without `[[`, a `[[`
    inside a phrase, an empty phrase, or a phrase of only spaces and punctuation
    (hiding it would test nothing).
    """
    if OPEN not in text and CLOSE not in text:
        return (Segment(text),) if text else ()
    # Well-formed markup, the usual case, in one split: its marks alternate '[[', ']]'.
    parts = _MARKS.split(text)
    marks = parts[1::2]
    if len(marks) % 2 == 0 and "".join(marks) == OPEN_CLOSE * (len(marks) // 2):
        segments = []
        # Segments made by tuple.__new__, not by the named tuple's own __new__ (a Python
        # function): a deck has several per principle.
        for i in range(0, len(parts), 4):
            if parts[i]:
                segments.append(_tuple_new(Segment, (parts[i], False, "")))
            if i + 2 < len(parts):
                phrase, _, hint = parts[i + 2].partition(HINT)
                if not phrase.strip() or not (_counts(phrase[0]) or any(map(_counts, phrase))):
                    break  # a bad phrase: scan_cloze says where
                segments.append(_tuple_new(Segment, (phrase, True, hint)))
        else:
            return tuple(segments)
    return tuple(segment for segment, _ in scan_cloze(text))


_MARKS = re.compile(r"(\[\[|\]\])")
_tuple_new = tuple.__new__
OPEN_CLOSE = OPEN + CLOSE


def mark_offsets(text: str) -> list[int]:
    """Where each marked phrase's `[[` starts in well-formed markup: [c1, c2, ...]."""
    return [start for segment, start in scan_cloze(text) if segment.cloze]


def scan_cloze(text: str) -> list[tuple[Segment, int]]:
    """The segments of the text, each with the offset where it starts in the markup."""
    segments: list[tuple[Segment, int]] = []
    pos = 0
    while True:
        start = text.find(OPEN, pos)
        # Only a ']]' before the next '[[' is stray (a ']]' cannot overlap a '[[').
        stray_close = text.find(CLOSE, pos) if start == -1 else text.find(CLOSE, pos, start)
        if stray_close != -1:
            raise ClozeSyntaxError(
                "']]' closes no cloze; open the phrase with '[[' or remove the ']]'",
                stray_close,
            )
        if start == -1:
            if pos < len(text):
                segments.append((Segment(text[pos:]), pos))
            return segments
        if start > pos:
            segments.append((Segment(text[pos:start]), pos))
        end = text.find(CLOSE, start + len(OPEN))
        if end == -1:
            raise ClozeSyntaxError("'[[' is never closed; end the phrase with ']]'", start)
        nested = text.find(OPEN, start + len(OPEN), end)
        if nested != -1:
            raise ClozeSyntaxError(
                "cloze phrases cannot be nested; close the first '[[' before opening another",
                nested,
            )
        inner = text[start + len(OPEN) : end]
        phrase, _, hint = inner.partition(HINT)
        if not phrase.strip():
            raise ClozeSyntaxError("empty cloze '[[]]'; put the phrase to hide inside", start)
        if not any(_counts(ch) for ch in phrase):
            raise ClozeSyntaxError(
                f"cloze {quoted(OPEN + phrase + CLOSE)} hides only spaces and punctuation, so "
                "its card tests "
                "nothing; mark a word or phrase instead",
                start,
            )
        segments.append((Segment(phrase, cloze=True, hint=hint), start))
        pos = end + len(CLOSE)


def _counts(ch: str) -> bool:
    """A character worth recalling: a letter, digit, ideograph, mark or symbol."""
    return unicodedata.category(ch)[0] in "LNMS"


def plain_text(segments: tuple[Segment, ...]) -> str:
    """The text without markup, as the author wrote it."""
    return "".join(s.text for s in segments)


def phrases(segments: tuple[Segment, ...]) -> list[str]:
    """The marked phrases in text order: phrases[0] becomes c1."""
    return [s.text for s in segments if s.cloze]


def to_markup(segments: tuple[Segment, ...]) -> str:
    """Inverse of parse_cloze for well-formed markup."""
    out = []
    for s in segments:
        if s.cloze:
            out.append(OPEN + s.text + (HINT + s.hint if s.hint else "") + CLOSE)
        else:
            out.append(s.text)
    return "".join(out)
