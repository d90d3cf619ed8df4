"""Plain text of the seed's shape, line by line.

- A heading is a line that starts with a Chinese numeral and 、 (`一、明確定位…`); a
  numeral and another mark (a comma, a colon or a full stop, full-width or ASCII, or a
  space) make a heading too, with a warning, unless the line reads as a sentence.
- Before the first heading: an optional title line (short, no sentence in it), which
  names the deck, then the introduction.
- Under a heading, each line is a principle, its title found as `outline` says.
"""

from __future__ import annotations

from deckgen.chinese import SPACES
from deckgen.outline import Outline, OutlineBuilder, Paragraph, is_title_line
from deckgen.readers import decode_text


def read(data: bytes, source: str) -> Outline:
    text = decode_text(data, source)
    builder = OutlineBuilder(
        source,
        no_heading="a pillar starts with a line like '一\u3001title' (a Chinese numeral and "
        "'\u3001')",
    )
    first = True
    for number, raw in enumerate(text.split("\n"), start=1):
        line = builder.clean(raw, number).strip(SPACES)
        if not line:
            continue
        if builder.heading(line, number, numeral_required=True):
            pass
        elif first and is_title_line(line):
            builder.title(line, number)
        else:
            builder.paragraph(Paragraph(number, line))
        first = False
    return builder.outline()
