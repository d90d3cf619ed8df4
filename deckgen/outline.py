"""What a document says, whatever its format: the one shape every reader gives extract.

`deckgen extract` reads a document in three steps:

1. a reader (`deckgen/readers/`: plain text, Markdown, Word) walks its format and tells
   an `OutlineBuilder` what it meets, in document order: the deck's title, pillar
   headings, principle titles, paragraphs (with their bold phrases);
2. the builder applies the rules all formats share, and gives an `Outline`: the deck's
   title, the introduction, and the pillars, each with its principles' titles and texts;
3. `extract` turns the Outline into cards: ids, suggestions, questions, YAML.

The shared rules: a heading's numeral (`一、`, optional outside plain text) is read and
checked against the order of the headings; a paragraph without a title of its own gets
one as in the seed (its first sentence, else the clause before its first comma or
colon); a paragraph that is only a title is the title of the next one; list markers
(`-`, `1.`, `(一)`, in ASCII or full-width forms) never stay in a title; pinyin
annotations (`務(wù)`) are removed and `[[`/`]]`, which would be cloze markup, spaced out.
Every finding names the line it is about (for Word, the paragraph: `Outline.unit`).

All punctuation here is written as escapes or taken from `deckgen.chinese`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from deckgen.chinese import (
    COLONS,
    COMMAS,
    ENUMERATION_COMMA,
    NUMERAL_CHARS,
    SENTENCE_ENDS,
    SPACES,
    chinese_numeral,
    parse_numeral,
)
from deckgen.errors import Finding, Location, Severity
from deckgen.pinyin import strip_pinyin

MAX_TITLE = 20  # characters of a principle title
MAX_DOC_TITLE = 30  # characters of a title line, or of a heading after a numeral

Span = tuple[int, int]  # [start, end) of a bold phrase in a paragraph's text

# What may follow a heading's numeral: 、 as it should, or (with a warning) a comma, a
# full stop or a colon, full-width or ASCII, or a space.
_HEADING_SEPARATORS = ENUMERATION_COMMA + COMMAS + ".\uff0e" + COLONS
_NUMBERED = re.compile(
    rf"^(?P<numeral>[{NUMERAL_CHARS}]+)(?P<sep>[{_HEADING_SEPARATORS}]|\s)\s*(?P<rest>.*)$"
)
# Where a principle's title ends inside its first sentence: a comma or a colon.
_TITLE_ENDS = COMMAS + COLONS
# What starts a list item written by hand: a bullet (- * + and the typographic ones), or
# a number (1. 1) 1、 (1) (一) and their full-width forms, circled numbers).
_BULLETS = (
    "\\-*+\u2022\u00b7\u2027\u30fb\u25cf\u25cb\u25e6\u25aa\u25ab\u25a0\u25a1\u25c6\u25c7"
    "\u25ba\u25b8\u2023\u2043"
)
_LIST_MARKER = re.compile(
    rf"^(?:[{_BULLETS}][\s\u3000]*"
    rf"|\d{{1,3}}(?:[.)\uff0e\uff09]|{ENUMERATION_COMMA})(?!\d)[\s\u3000]*"
    rf"|[(\uff08][\s\u3000]*(?:\d{{1,3}}|[{NUMERAL_CHARS}]{{1,3}})[\s\u3000]*[)\uff09][\s\u3000]*"
    rf"|[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf][\s\u3000]*)"
)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph's text (one line of plain text, a Markdown paragraph or list item, a
    Word paragraph) and its bold phrases."""

    line: int
    text: str
    bold: tuple[Span, ...] = ()

    def cut(self, start: int, end: int | None = None) -> Paragraph:
        """The text from `start` to `end`, stripped of spaces, with its bold phrases."""
        end = len(self.text) if end is None else end
        piece = self.text[start:end]
        first = start + len(piece) - len(piece.lstrip(SPACES))
        last = first + len(piece.strip(SPACES))
        bold = tuple(
            (max(s, first) - first, min(e, last) - first)
            for s, e in self.bold
            if min(e, last) > max(s, first)
        )
        return Paragraph(self.line, self.text[first:last], bold)

    @property
    def bold_phrases(self) -> list[str]:
        return [self.text[s:e] for s, e in self.bold]


def join_paragraphs(paragraphs: list[Paragraph], sep: str = "\n") -> Paragraph:
    """The paragraphs as one, `sep` between them, at the line of the first."""
    text, bold = "", []
    for i, p in enumerate(paragraphs):
        if i:
            text += sep
        bold += [(s + len(text), e + len(text)) for s, e in p.bold]
        text += p.text
    return Paragraph(paragraphs[0].line, text, tuple(bold))


@dataclass(frozen=True)
class OutlinePrinciple:
    line: int
    title: str
    text: Paragraph  # the principle's text (several paragraphs joined by line breaks)


@dataclass(frozen=True)
class OutlinePillar:
    line: int
    number: int  # its numeral as written, or its position when it has none
    title: str
    principles: tuple[OutlinePrinciple, ...]


@dataclass(frozen=True)
class Outline:
    """A document's deck title, introduction and pillars, and every problem found."""

    source: str
    title: str  # '' when the document has none
    title_line: int
    introduction: tuple[Paragraph, ...]
    pillars: tuple[OutlinePillar, ...]
    findings: tuple[Finding, ...]
    pinyin_removed: int
    unit: str = "line"  # what the numbers of `line` count: "line", or "paragraph" (Word)

    @property
    def principle_count(self) -> int:
        return sum(len(p.principles) for p in self.pillars)


@dataclass
class _Titled:
    """A principle whose title is a heading of its own (Markdown ###, Word Heading 2)."""

    line: int
    title: str
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class _Pillar:
    line: int
    number: int
    title: str
    blocks: list[_Titled | Paragraph] = field(default_factory=list)


class OutlineBuilder:
    """What a reader fills in, in document order; `outline()` gives the result."""

    def __init__(self, source: str, *, no_heading: str, unit: str = "line") -> None:
        self.source = source
        self.unit = unit
        self._no_heading = no_heading  # how a pillar heading is written in this format
        self._findings: list[Finding] = []
        self._title = ""
        self._title_line = 0
        self._introduction: list[Paragraph] = []
        self._pillars: list[_Pillar] = []
        self._pinyin_removed = 0
        self._read_anything = False

    @property
    def has_pillars(self) -> bool:
        return bool(self._pillars)

    @property
    def has_title(self) -> bool:
        return bool(self._title)

    def report(self, line: int, severity: Severity, message: str) -> None:
        self._findings.append(Finding(Location(self.source, line, 1), severity, message))

    def clean(self, text: str, line: int) -> str:
        """A piece of the document's text, NFC, without pinyin annotations, and with any
        `[[` or `]]` (cloze markup in deckgen) spaced out."""
        text, removed = strip_pinyin(unicodedata.normalize("NFC", text))
        self._pinyin_removed += removed
        if "[[" in text or "]]" in text:
            text = text.replace("[[", "[ [").replace("]]", "] ]")
            self.report(line, "warning", "'[[' or ']]' is cloze markup in deckgen; spaced it out")
        if text.strip(SPACES):
            self._read_anything = True
        return text

    def title(self, text: str, line: int) -> None:
        """The deck's title (plain text's title line, Markdown's #, Word's Title style)."""
        text = text.strip(SPACES)
        if not text:
            return
        if self._title:
            self.report(
                line,
                "warning",
                f"a second title '{text}' (the first is at {self.unit} {self._title_line}): "
                "read it as a pillar heading",
            )
            self.heading(text, line)
            return
        self._title, self._title_line = text, line

    def heading(self, text: str, line: int, *, numeral_required: bool = False) -> bool:
        """A pillar heading: `一、title`, or (unless `numeral_required`) just `title`.

        Returns whether the text was taken as a heading: with `numeral_required` (plain
        text, where a heading is known by its numeral), a line without one is not.
        """
        text = text.strip(SPACES)
        match = _NUMBERED.match(text)
        expected = len(self._pillars) + 1
        if match is None or not self._numbered_heading(match, text, line):
            if numeral_required:
                return False
            title = _strip_list_marker(text)
            if not title:
                self.report(line, "warning", f"heading '{text}' has no title: skipped it")
                return True
            self._pillars.append(_Pillar(line, expected, title))
            return True
        numeral, title = match["numeral"], match["rest"].strip(SPACES)
        if not title:
            self.report(line, "warning", f"heading '{text}' has no title: skipped it")
            return True
        number = parse_numeral(numeral)
        if number is None:
            self.report(
                line,
                "warning",
                f"cannot read '{numeral}' as a number: read the {self.unit} as pillar {expected}",
            )
            number = expected
        elif number != expected:
            self.report(
                line,
                "warning",
                f"heading {numeral}{ENUMERATION_COMMA} where {chinese_numeral(expected)}"
                f"{ENUMERATION_COMMA} was expected: the pillars are numbered in the order "
                "they come",
            )
        self._pillars.append(_Pillar(line, number, title))
        return True

    def _numbered_heading(self, match: re.Match[str], text: str, line: int) -> bool:
        """Whether a text starting with a numeral is a numbered heading (warning when its
        numeral is followed by something other than 、)."""
        numeral, sep, rest = match["numeral"], match["sep"], match["rest"].strip(SPACES)
        if sep == ENUMERATION_COMMA:
            return True
        if not rest or len(rest) > MAX_DOC_TITLE or any(c in rest for c in SENTENCE_ENDS):
            return False  # a sentence that happens to start with a numeral
        shown = "a space" if sep.isspace() else f"'{sep}'"
        self.report(
            line,
            "warning",
            f"heading '{text}' has {shown} after its numeral: read it as pillar {numeral}; "
            f"write '{numeral}{ENUMERATION_COMMA}{rest}' in the document",
        )
        return True

    def principle_title(self, text: str, line: int) -> None:
        """A principle's title written as a heading of its own; its text follows."""
        title = _strip_list_marker(text.strip(SPACES)).rstrip(SENTENCE_ENDS + SPACES)
        if not title:
            return
        if not self._pillars:
            self.report(
                line,
                "warning",
                f"principle title '{title}' comes before the first pillar heading: read it "
                "as part of the introduction",
            )
            self._introduction.append(Paragraph(line, title))
            return
        self._pillars[-1].blocks.append(_Titled(line, title))

    def paragraph(self, paragraph: Paragraph) -> None:
        """A paragraph: of the introduction before the first heading, else of a principle."""
        paragraph = paragraph.cut(0)
        if not paragraph.text:
            return
        if not self._pillars:
            self._introduction.append(paragraph)
            return
        blocks = self._pillars[-1].blocks
        if blocks and isinstance(blocks[-1], _Titled):
            blocks[-1].paragraphs.append(paragraph)
        else:
            blocks.append(paragraph)

    def outline(self) -> Outline:
        pillars = []
        for pillar in self._pillars:
            principles = self._principles(pillar.blocks)
            if not principles:
                self.report(
                    pillar.line,
                    "error",
                    f"pillar {chinese_numeral(pillar.number)}{ENUMERATION_COMMA}{pillar.title} "
                    "has no principles: add its paragraphs below the heading, or remove the "
                    "heading",
                )
            pillars.append(OutlinePillar(pillar.line, pillar.number, pillar.title, principles))
        if not self._read_anything:
            self.report(1, "error", "the document is empty")
        elif not pillars:
            self.report(1, "error", f"no pillar heading found: {self._no_heading}")
        return Outline(
            source=self.source,
            title=self._title,
            title_line=self._title_line,
            introduction=tuple(self._introduction),
            pillars=tuple(pillars),
            findings=tuple(sorted(self._findings)),
            pinyin_removed=self._pinyin_removed,
            unit=self.unit,
        )

    def _principles(self, blocks: list[_Titled | Paragraph]) -> tuple[OutlinePrinciple, ...]:
        principles: list[OutlinePrinciple] = []
        pending: Paragraph | None = None  # a paragraph that is only a title
        for block in blocks:
            if isinstance(block, _Titled):
                if pending is not None:
                    self._orphan_title(pending)
                    pending = None
                if block.paragraphs:
                    text = join_paragraphs(block.paragraphs)
                    principles.append(OutlinePrinciple(block.line, block.title, text))
                else:
                    self.report(
                        block.line,
                        "warning",
                        f"principle title '{block.title}' has no text below it: skipped it",
                    )
                continue
            paragraph = _without_list_marker(block)
            if pending is not None:
                title = pending.text.rstrip(SENTENCE_ENDS)
                principles.append(OutlinePrinciple(pending.line, title, paragraph))
                pending = None
                continue
            title, text = self._split(paragraph)
            if not title:
                self.report(
                    paragraph.line,
                    "warning",
                    "the paragraph starts with punctuation: skipped it",
                )
            elif not text.text:
                pending = paragraph
            else:
                principles.append(OutlinePrinciple(paragraph.line, title, text))
        if pending is not None:
            self._orphan_title(pending)
        return tuple(principles)

    def _orphan_title(self, pending: Paragraph) -> None:
        self.report(
            pending.line,
            "warning",
            f"'{pending.text}' looks like a title, but no paragraph follows it: skipped it",
        )

    def _split(self, paragraph: Paragraph) -> tuple[str, Paragraph]:
        """The paragraph's title and the rest of its text; a warning when the title is long."""
        found = split_title(paragraph.text)
        if found is not None:
            end, rest = found
            return paragraph.text[:end].strip(SPACES), paragraph.cut(rest)
        text = paragraph.text
        ends = [text.find(c) for c in SENTENCE_ENDS + _TITLE_ENDS if c in text]
        cut = min(ends) if ends else len(text)
        self.report(
            paragraph.line,
            "warning",
            f"no title of at most {MAX_TITLE} characters at the start of the paragraph (the "
            f"first clause has {cut}): took the first clause; shorten it",
        )
        return text[:cut].strip(SPACES), paragraph.cut(cut + 1)


def split_title(paragraph: str) -> tuple[int, int] | None:
    """Where a principle paragraph's title ends and its text starts; None when no title of
    MAX_TITLE characters fits.

    The title is the first sentence (up to SENTENCE_ENDS: 。 and a full-width or ASCII
    ! or ?) when that is short enough, else the clause before the first comma or colon
    (full-width or ASCII) of that sentence.
    """
    ends = [paragraph.find(c) for c in SENTENCE_ENDS if c in paragraph]
    end = min(ends) if ends else len(paragraph)
    if end <= MAX_TITLE:
        return end, end + 1
    marks = [paragraph.find(c, 0, end) for c in _TITLE_ENDS if c in paragraph[:end]]
    mark = min(marks) if marks else -1
    if 0 < mark <= MAX_TITLE:
        return mark, mark + 1
    return None


def is_title_line(text: str) -> bool:
    """Whether a line could be a document's title: short, and no sentence in it."""
    return len(text) <= MAX_DOC_TITLE and not any(c in text for c in SENTENCE_ENDS)


def _strip_list_marker(text: str) -> str:
    match = _LIST_MARKER.match(text)
    return text[match.end() :].strip(SPACES) if match else text


def _without_list_marker(paragraph: Paragraph) -> Paragraph:
    """The paragraph without a list marker written by hand at its start (`- `, `1.`)."""
    match = _LIST_MARKER.match(paragraph.text)
    if match is None or match.end() == len(paragraph.text):
        return paragraph
    return paragraph.cut(match.end())
