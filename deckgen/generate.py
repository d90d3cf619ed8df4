"""Turn a validated deck into notes: stable keys, GUIDs, tags, fields and order.

What is generated from what:

- the deck's introduction, if it marks phrases, becomes one cloze note (key `intro`);
- each principle becomes one cloze note of its text (`principle/<id>/cloze`) and one
  question-answer note per authored question (`principle/<id>/qa/<question id>`);
- each pillar becomes an overview note listing its principles (`pillar/<id>`);
- the deck gets one overview note listing its pillars (`pillars`).

A note's GUID is a hash of the deck key and its key: ids, never text, so editing any
text updates the note in place. Notes come in the essay's order, which is also the
order in which their new cards are introduced.
"""

from __future__ import annotations

import hashlib
import html
import re
import string
from dataclasses import dataclass
from functools import cached_property
from json.encoder import encode_basestring

from deckgen.cloze import Segment, phrases
from deckgen.model import Deck, Pillar, Principle
from deckgen.notetypes import CLOZE, QA

DECK_GROUP = ""  # the group of deck-level notes in summaries

_NUMERALS = "零一二三四五六七八九"
_UNITS = ("", "十", "百", "千")
_TO_ESCAPE = re.compile(r"[&<>{}\[\n\\]")  # every character escape_field may change
# A backslash before a MathJax delimiter's bracket (once '[' is an entity), or at the end,
# where Anki may put a bracket after it (the ']' of a cloze's '[hint]'): see escape_field.
_MATHJAX_DELIMITER = re.compile(r"\\(?=[()\]]|&#91;|\Z)")
# What breaks a delimiter: an element with nothing in it, which shows nothing.
MATHJAX_BREAK = "<span></span>"
# Anki's base-91 alphabet for GUIDs (genanki.util.BASE91_TABLE; tests/test_package.py
# checks they agree). Spelled here so that generating notes does not import genanki.
BASE91_TABLE = string.ascii_letters + string.digits + "!#$%&()*+,-./:;<=>?@[]^_`{|}~"
_BASE91_PAIRS: list[str] = [a + b for a in BASE91_TABLE for b in BASE91_TABLE]
_BASE91_BASE = len(BASE91_TABLE) ** 2


@dataclass(frozen=True)
class Note:
    key: str
    kind: str
    guid: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    clozes: tuple[str, ...]
    group: str
    position: int

    @property
    def card_ords(self) -> tuple[int, ...]:
        if self.kind == CLOZE:
            return tuple(range(len(self.clozes)))
        return (0,)

    @cached_property
    def content_hash(self) -> str:
        """Changes exactly when what Anki stores for the note (fields, tags) changes."""
        # json.dumps([kind, fields, tags], ensure_ascii=False), spelled out for speed.
        enc = encode_basestring
        payload = (
            f"[{enc(self.kind)}, [{', '.join(map(enc, self.fields))}], "
            f"[{', '.join(map(enc, self.tags))}]]"
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 15 -> 十五, 42 -> 四十二, 105 -> 一百零五, 12000 -> 一萬二千."""
    if n >= 10_000:
        high, low = divmod(n, 10_000)
        head = chinese_numeral(high) + "萬"
        if not low:
            return head
        return head + ("零" if low < 1000 else "") + _below_ten_thousand(low)
    text = _below_ten_thousand(n) or _NUMERALS[0]
    return text[1:] if 10 <= n < 20 else text  # 十五, not 一十五


def _below_ten_thousand(n: int) -> str:
    out: list[str] = []
    zero = False
    digits = str(n)
    for i, digit in enumerate(digits):
        if digit == "0":
            zero = True
            continue
        if zero and out:
            out.append(_NUMERALS[0])
        zero = False
        out.append(_NUMERALS[int(digit)] + _UNITS[len(digits) - 1 - i])
    return "".join(out)


def guid_for(*values: object) -> str:
    """genanki.guid_for(*values), faster: two base91 digits at a time (GUIDs must not change).

    The GUID is the first 8 bytes of the SHA-256 of the values joined by '__', written
    in base 91 without leading zeros ('a'). 91**10 > 2**64: five pairs of digits.
    """
    joined = "__".join(map(str, values)).encode("utf-8")
    n = int.from_bytes(hashlib.sha256(joined).digest()[:8], "big")
    n, p0 = divmod(n, _BASE91_BASE)
    n, p1 = divmod(n, _BASE91_BASE)
    n, p2 = divmod(n, _BASE91_BASE)
    p4, p3 = divmod(n, _BASE91_BASE)
    pairs = _BASE91_PAIRS
    return (pairs[p4] + pairs[p3] + pairs[p2] + pairs[p1] + pairs[p0]).lstrip(BASE91_TABLE[0])


def escape_field(text: str) -> str:
    """Text as written, safe in an Anki field: HTML-escaped, no template or cloze syntax,
    no media or speech directive, no MathJax."""
    if _TO_ESCAPE.search(text) is None:  # most text: nothing to change
        return text
    escaped = html.escape(text, quote=False).replace("{", "&#123;").replace("}", "&#125;")
    # Anki reads `[sound:…]` and `[anki:…]` in a field as media and speech directives.
    escaped = escaped.replace("[", "&#91;")
    if "\\" in escaped:
        # Anki typesets `\(...\)` and `\[...\]` in any field with MathJax 3: desktop's
        # config (ankitects/anki ts/mathjax/index.ts) keeps MathJax's inline `\(` `\)`,
        # sets display `\[` `\]`, no `$`, no environments; AnkiDroid ships the same file
        # (assets/mathjax/conf.js). MathJax looks for delimiters in the text of the page,
        # so an entity (`&#92;(`) does not hide one. But it reads the text of one element
        # at a time (HTMLDomStrings: only <br>, <wbr> and comments are read through), so
        # an empty element between the backslash and its bracket leaves two strings,
        # neither a delimiter, and shows nothing. A backslash at the end is broken off
        # too: Anki shows a cloze's hint as '[' + hint + ']', so a hint ending in '\\'
        # would make '\\]'. AnkiDroid then does not even load
        # MathJax: it looks for `\(` or `\[` in the card's HTML (textContainsMathjax). The
        # other way, the class MathJax skips, is 'mathjax_ignore' since MathJax 3.1 and
        # was 'tex2jax_ignore' before (ignoreHtmlClass): it would wrap every field, and
        # its name depends on the version a client bundles; the break needs neither.
        escaped = _MATHJAX_DELIMITER.sub(lambda _: "\\" + MATHJAX_BREAK, escaped)
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


def deck_description(deck: Deck) -> str:
    """The deck's description as the package stores it: escaped as a field is.

    Anki desktop's deck overview shows the description as HTML, without escaping it
    (aqt/overview.py `_desc`), so `<img src=x onerror=...>` written in deck.yaml would run
    there; AnkiDroid shows it as HTML text too.
    """
    return escape_field(deck.description)


def cloze_field(segments: tuple[Segment, ...]) -> str:
    """Segments as Anki cloze text: the n-th marked phrase becomes {{cn::phrase}}."""
    out: list[str] = []
    number = 0
    for seg in segments:
        if not seg.cloze:
            out.append(escape_field(seg.text))
            continue
        number += 1
        hint = f"::{escape_field(seg.hint)}" if seg.hint else ""
        out.append(f"{{{{c{number}::{escape_field(seg.text)}{hint}}}}}")
    return "".join(out)


def pillar_heading(index: int, pillar: Pillar) -> str:
    return f"{chinese_numeral(index)}、{pillar.title}"


def pillar_tag(deck: Deck, pillar: Pillar) -> str:
    return f"{deck.key}::{pillar.id}"


def principle_tag(deck: Deck, pillar: Pillar, principle: Principle) -> str:
    return f"{deck.key}::{pillar.id}::{principle.id}"


def _list_html(items: list[str]) -> str:
    return "<ol>" + "".join(f"<li>{escape_field(i)}</li>" for i in items) + "</ol>"


def _lines_html(items: list[str]) -> str:
    """Items that carry their own numbering (一、…), one per line."""
    return "<br>".join(escape_field(i) for i in items)


class _Builder:
    def __init__(self, deck: Deck) -> None:
        self.deck = deck
        self.notes: list[Note] = []

    def add(
        self,
        key: str,
        kind: str,
        fields: tuple[str, ...],
        tags: tuple[str, ...],
        group: str,
        clozes: tuple[str, ...] = (),
    ) -> None:
        self.notes.append(
            Note(
                key=key,
                kind=kind,
                guid=guid_for(self.deck.key, key),
                fields=(*fields, escape_field(f"{self.deck.key}/{key}")),
                tags=tags,
                clozes=clozes,
                group=group,
                position=len(self.notes) + 1,
            )
        )


def generate_notes(deck: Deck) -> list[Note]:
    """Every note of the deck, in study order."""
    b = _Builder(deck)
    deck_tag = f"{deck.key}::deck"
    intro_phrases = tuple(phrases(deck.introduction))
    if intro_phrases:
        b.add(
            "intro",
            CLOZE,
            (cloze_field(deck.introduction), "", escape_field(deck.name), ""),
            (deck_tag,),
            DECK_GROUP,
            intro_phrases,
        )
    for index, pillar in enumerate(deck.pillars, start=1):
        heading = escape_field(pillar_heading(index, pillar))
        ptag = pillar_tag(deck, pillar)
        for principle in pillar.principles:
            tags = (ptag, principle_tag(deck, pillar, principle))
            title = escape_field(principle.title)
            extra = escape_field(principle.note)
            clozes = tuple(phrases(principle.text))
            if clozes:
                b.add(
                    f"principle/{principle.id}/cloze",
                    CLOZE,
                    (cloze_field(principle.text), extra, heading, title),
                    tags,
                    pillar.id,
                    clozes,
                )
            for q in principle.questions:
                b.add(
                    f"principle/{principle.id}/qa/{q.id}",
                    QA,
                    (escape_field(q.question), escape_field(q.answer), extra, heading, title),
                    tags,
                    pillar.id,
                )
        question = pillar.question or f"「{pillar_heading(index, pillar)}」包含哪些原則?"
        b.add(
            f"pillar/{pillar.id}",
            QA,
            (
                escape_field(question),
                _list_html([p.title for p in pillar.principles]),
                "",
                heading,
                "",
            ),
            (ptag,),
            pillar.id,
        )
    b.add(
        "pillars",
        QA,
        (
            escape_field(deck.question),
            _lines_html([pillar_heading(i, p) for i, p in enumerate(deck.pillars, start=1)]),
            "",
            escape_field(deck.name),
            "",
        ),
        (deck_tag,),
        DECK_GROUP,
    )
    return b.notes
