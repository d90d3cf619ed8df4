"""The cloze markup authors write inside text: `[[phrase]]` or `[[phrase::hint]]`.

Phrases become Anki's `{{c1::phrase}}`, `{{c2::...}}` ... in text order. The markup is
not part of the text: stripping it gives the author's sentence verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass

OPEN = "[["
CLOSE = "]]"
HINT = "::"


@dataclass(frozen=True)
class Segment:
    """A run of plain text, or (when `cloze` is true) one marked phrase."""

    text: str
    cloze: bool = False
    hint: str = ""


class ClozeSyntaxError(ValueError):
    """Bad markup; `offset` is the index in the text where the problem starts."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def parse_cloze(text: str) -> tuple[Segment, ...]:
    """Split text into plain and cloze segments.

    Raises ClozeSyntaxError for a `[[` without `]]`, a `]]` without `[[`, a `[[`
    inside a phrase, or an empty phrase.
    """
    segments: list[Segment] = []
    pos = 0
    while True:
        start = text.find(OPEN, pos)
        stray_close = text.find(CLOSE, pos)
        if stray_close != -1 and (start == -1 or stray_close < start):
            raise ClozeSyntaxError(
                "']]' closes no cloze; open the phrase with '[[' or remove the ']]'",
                stray_close,
            )
        if start == -1:
            if pos < len(text):
                segments.append(Segment(text[pos:]))
            return tuple(segments)
        if start > pos:
            segments.append(Segment(text[pos:start]))
        end = text.find(CLOSE, start + len(OPEN))
        nested = text.find(OPEN, start + len(OPEN))
        if end == -1:
            raise ClozeSyntaxError("'[[' is never closed; end the phrase with ']]'", start)
        if nested != -1 and nested < end:
            raise ClozeSyntaxError(
                "cloze phrases cannot be nested; close the first '[[' before opening another",
                nested,
            )
        inner = text[start + len(OPEN) : end]
        phrase, _, hint = inner.partition(HINT)
        if not phrase.strip():
            raise ClozeSyntaxError("empty cloze '[[]]'; put the phrase to hide inside", start)
        segments.append(Segment(phrase, cloze=True, hint=hint))
        pos = end + len(CLOSE)


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
