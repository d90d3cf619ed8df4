"""Markdown, read with a CommonMark parser (markdown-it-py), never with patterns.

- `#` names the deck; the text before the first `##` is the introduction.
- Each `##` heading is a pillar (a leading numeral with 、 is optional: `## 一、…`).
- Under it, either `###` principle titles, each followed by its text (paragraphs and
  list items, up to the next heading), or paragraphs and top-level list items, each a
  principle whose title is found as in plain text. A nested list belongs to its item.
- `**bold**` (or `__bold__`) phrases in a principle's text become its cloze marks. Other
  inline markup is stripped: a link keeps its text, code its text; images and HTML tags
  go. Code blocks and HTML blocks are skipped, with a warning.

CommonMark does not close `**` after punctuation followed by a letter, which Chinese
writes all the time (`**「服務」**的` stays literal): `**` pairs left in a text are read
as bold too, as Chinese Markdown editors show them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from deckgen.chinese import is_cjk
from deckgen.outline import Outline, OutlineBuilder, Paragraph, Span, join_paragraphs
from deckgen.readers import decode_text

if TYPE_CHECKING:
    from markdown_it.token import Token

_LEFT_STRONG = re.compile(r"\*\*|__")


def read(data: bytes, source: str) -> Outline:
    from markdown_it import MarkdownIt

    text = decode_text(data, source)
    builder = OutlineBuilder(source, no_heading="a pillar starts with a '## title' heading")
    tokens = MarkdownIt("commonmark").parse(text)
    depth = 0  # of nested lists
    item: list[Paragraph] = []  # the paragraphs of the top-level list item being read
    i = 0
    while i < len(tokens):
        token = tokens[i]
        line = token.map[0] + 1 if token.map else 1
        kind = token.type
        if kind == "heading_open":
            heading = _inline(tokens[i + 1], line, builder)
            level = int(token.tag[1:])
            if level == 1:
                builder.title(heading.text, line)
            elif level == 2:
                builder.heading(heading.text, line)
            elif level == 3:
                builder.principle_title(heading.text, line)
            else:  # a heading inside a principle's text: read as a paragraph of it
                builder.paragraph(heading)
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif kind == "list_item_close" and depth == 1 and item:
            builder.paragraph(join_paragraphs(item))
            item = []
        elif kind == "inline":
            paragraph = _inline(token, line, builder)
            if depth:
                item.append(paragraph)
            else:
                builder.paragraph(paragraph)
        elif kind in ("fence", "code_block"):
            builder.report(line, "warning", "a code block is not part of a principle: skipped it")
        elif kind == "html_block":
            builder.report(line, "warning", "an HTML block is not read: skipped it")
        i += 1
    return builder.outline()


def _inline(token: Token, line: int, builder: OutlineBuilder) -> Paragraph:
    """An inline token's text, markup stripped, and its bold phrases."""
    text = ""
    bold: list[Span] = []
    strong = 0
    opened = 0
    for child in token.children or ():
        kind = child.type
        if kind == "text":
            piece, spans = _unparsed_bold(builder.clean(child.content, line))
            bold += [(s + len(text), e + len(text)) for s, e in spans]
            text += piece
        elif kind == "code_inline":
            text += builder.clean(child.content, line)
        elif kind == "softbreak":
            # A line break inside a paragraph: nothing between Chinese characters, a space
            # between words.
            text += "" if text and is_cjk(text[-1]) else " "
        elif kind == "hardbreak":
            text += "\n"
        elif kind == "strong_open":
            strong += 1
            if strong == 1:
                opened = len(text)
        elif kind == "strong_close":
            strong -= 1
            if strong == 0 and len(text) > opened:
                bold.append((opened, len(text)))
        # em, links, images, HTML: their markup goes; a link's text comes as text tokens
    return Paragraph(line, text, tuple(bold))


def _unparsed_bold(text: str) -> tuple[str, list[Span]]:
    """`**` pairs CommonMark left in a text, as bold spans, the asterisks removed."""
    marks = list(_LEFT_STRONG.finditer(text))
    if len(marks) < 2:
        return text, []
    out, spans, pos = "", [], 0
    for start, end in zip(marks[0::2], marks[1::2], strict=False):
        out += text[pos : start.start()]
        opened = len(out)
        out += text[start.end() : end.start()]
        if len(out) > opened:
            spans.append((opened, len(out)))
        pos = end.end()
    return out + text[pos:], spans
