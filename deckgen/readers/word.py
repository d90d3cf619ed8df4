"""Word documents (.docx), read with python-docx.

The styles mean what Markdown's marks mean: Title is `#` (the deck's name), Heading 1
is `##` (a pillar), Heading 2 is `###` (a principle's title); any other paragraph is
text, and a list paragraph (a List style, or Word's own numbering) at the top level is
an item: a principle of its own, like a Markdown list item. A nested item belongs to
the item above it. Bold runs are `**bold**`: the principle's cloze marks. A style
derived from one of these (a custom "My Heading" based on Heading 1) counts as it.

Word has no lines: findings name the paragraph, counting every paragraph of the body
(empty ones too) from 1. Tables, text boxes, headers and footers are not read.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deckgen.errors import ExtractError
from deckgen.outline import Outline, OutlineBuilder, Paragraph, join_paragraphs
from deckgen.readers import FORMATS

if TYPE_CHECKING:
    from docx.styles.style import CharacterStyle
    from docx.text.paragraph import Paragraph as WordParagraph
    from docx.text.run import Run


@dataclass(frozen=True)
class _Block:
    number: int  # the paragraph's number in the body, from 1
    kind: str  # "title", "heading 1", "heading 2", "list" or "text"
    level: int  # a list item's level, 0 at the top
    text: str
    bold: tuple[tuple[int, int], ...]


def read(data: bytes, source: str) -> Outline:
    builder = OutlineBuilder(
        source,
        unit="paragraph",
        no_heading="a pillar is a paragraph in the 'Heading 1' style",
    )
    item: list[Paragraph] = []  # the top-level list item being read, with its sub-items

    def end_item() -> None:
        if item:
            builder.paragraph(join_paragraphs(item))
            item.clear()

    for block in _blocks(data, source):
        paragraph = _cleaned(block, builder)
        if block.kind == "list":
            if block.level == 0:
                end_item()
            item.append(paragraph)
            continue
        end_item()
        if block.kind == "title":
            builder.title(paragraph.text, block.number)
        elif block.kind == "heading 1":
            builder.heading(paragraph.text, block.number)
        elif block.kind == "heading 2":
            builder.principle_title(paragraph.text, block.number)
        else:
            builder.paragraph(paragraph)
    end_item()
    return builder.outline()


def _cleaned(block: _Block, builder: OutlineBuilder) -> Paragraph:
    """The block's text cleaned as `OutlineBuilder.clean` does, bold spans kept in place."""
    text, bold, pos = "", [], 0
    edges = sorted({0, len(block.text), *(i for span in block.bold for i in span)})
    moved: dict[int, int] = {}
    for start, end in itertools.pairwise(edges):
        moved[start] = len(text)
        text += builder.clean(block.text[start:end], block.number)
        pos = end
    moved[pos] = len(text)
    bold = [(moved[s], moved[e]) for s, e in block.bold if moved[e] > moved[s]]
    return Paragraph(block.number, text, tuple(bold))


def _blocks(data: bytes, source: str) -> list[_Block]:
    """Every body paragraph that has text, with its kind and bold runs."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = []
        for number, paragraph in enumerate(document.paragraphs, start=1):
            text, bold = _runs(paragraph)
            if text.strip():
                kind, level = _kind(paragraph)
                blocks.append(_Block(number, kind, level, text, tuple(bold)))
        return blocks
    except Exception as exc:
        # python-docx raises its own errors, zipfile's, lxml's, KeyError and ValueError
        # for the many ways a file can be broken: the user gets one message, not a trace.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExtractError(
            f"{source} cannot be read as a Word document ({reason}); open it in Word and save "
            f"it again as a Word Document (.docx), or give deckgen extract {FORMATS}"
        ) from None


def _runs(paragraph: WordParagraph) -> tuple[str, list[tuple[int, int]]]:
    """The paragraph's text (hyperlinks' text included) and where its bold runs are."""
    from docx.text.hyperlink import Hyperlink

    text = ""
    bold: list[tuple[int, int]] = []
    for content in paragraph.iter_inner_content():
        runs = content.runs if isinstance(content, Hyperlink) else [content]
        for run in runs:
            piece = run.text.replace("\t", " ")
            if piece and _is_bold(run):
                if bold and bold[-1][1] == len(text):  # one phrase in several runs
                    bold[-1] = (bold[-1][0], len(text) + len(piece))
                else:
                    bold.append((len(text), len(text) + len(piece)))
            text += piece
    return text, bold


def _is_bold(run: Run) -> bool:
    if run.bold is not None:
        return run.bold
    style: CharacterStyle | None = run.style
    while style is not None:
        font = getattr(style, "font", None)
        if font is not None and font.bold is not None:
            return bool(font.bold)
        style = style.base_style
    return False


_KINDS = {"title": "title", "heading 1": "heading 1", "heading 2": "heading 2"}


def _kind(paragraph: WordParagraph) -> tuple[str, int]:
    """What a paragraph's style makes it, and its list level."""
    style: CharacterStyle | None = paragraph.style
    seen = 0
    while style is not None and seen < 10:  # a style's base chain, loops cut short
        name = (style.name or "").lower()
        if name in _KINDS:
            return _KINDS[name], 0
        if name.startswith("list"):
            last = name.rsplit(" ", 1)[-1]
            return "list", int(last) - 1 if last.isdigit() else _numbering_level(paragraph)
        style = style.base_style
        seen += 1
    if _numbering(paragraph) is not None:
        return "list", _numbering_level(paragraph)
    return "text", 0


def _numbering(paragraph: WordParagraph) -> Any:
    """The paragraph's own numbering (`w:numPr`, Word's lists), or None."""
    properties = paragraph._p.pPr
    return None if properties is None else getattr(properties, "numPr", None)


def _numbering_level(paragraph: WordParagraph) -> int:
    level = getattr(_numbering(paragraph), "ilvl", None)
    return 0 if level is None else int(level.val)
