"""Turn a validated deck into notes: stable keys, GUIDs, tags, fields and order.

What is generated from what:

- the deck's introduction, if it marks phrases, becomes one cloze note (key `intro`);
- each principle becomes one cloze note of its text (`principle/<id>/cloze`) and one
  question-answer note per authored question (`principle/<id>/qa/<question id>`);
- each pillar becomes an overview note listing its principles (`pillar/<id>`);
- the deck gets one overview note listing its pillars (`pillars`);
- a note the lock knows but the cards no longer make is *retired* (`retired_note`):
  delivered again with the same GUID, tagged `<deck key>::retired`, showing on both sides
  a notice that it was removed and may be deleted.

A note's GUID is a hash of the deck key and its key: ids, never text, so editing any
text updates the note in place. The ids in keys are identities: an id renamed with
`deckgen rename` keeps its old one (`renamed_from`), so its notes keep their GUIDs.
Notes come in the essay's order, which is also the order in which their new cards are
introduced.

Cloze numbers come from `numbering` (deckgen.numbering, against the lock): a phrase
keeps its number wherever it moves; without one, c1, c2, ... in text order.
"""

from __future__ import annotations

import hashlib
import html
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any, Generic, TypeVar

from deckgen.chinese import chinese_numeral
from deckgen.cloze import Segment, phrases
from deckgen.errors import Location
from deckgen.lock import LockedNote, Numbered
from deckgen.model import Deck, Pillar, Principle
from deckgen.notetypes import CLOZE, QA

DECK_GROUP = ""  # the group of deck-level notes in summaries
RETIRED_GROUP = "\x00retired"  # the group of retired notes (no pillar id can be this)
RETIRED_TAG = "retired"

# Numbers for a cloze note's phrases (text order), given its key: deckgen.numbering.
Numbering = Callable[[str, list[str]], Sequence[int]]

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


_T = TypeVar("_T")


class _computed_once(Generic[_T]):
    """functools.cached_property without its lock: Python 3.11's takes a lock at every
    first access, a cost on each of a large deck's notes. The value goes into the
    instance's __dict__, which then answers every later access."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    def __get__(self, instance: object, owner: type | None = None) -> _T:
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True, init=False)
class Note:
    key: str
    kind: str
    guid: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    # A cloze note's phrases as the cards write them, each with its number, in text order.
    clozes: Numbered
    group: str
    position: int
    retired: bool = False
    # Where the cards write what the note is made from (None for a retired note).
    source: Location | None = None

    def __init__(
        self,
        key: str,
        kind: str,
        guid: str,
        fields: tuple[str, ...],
        tags: tuple[str, ...],
        clozes: Numbered,
        group: str,
        position: int,
        retired: bool = False,
        source: Location | None = None,
    ) -> None:
        # The fields in one step, past the frozen class's __setattr__ (which the generated
        # __init__ goes through once a field): a deck makes a Note per note.
        self.__dict__.update(
            key=key,
            kind=kind,
            guid=guid,
            fields=fields,
            tags=tags,
            clozes=clozes,
            group=group,
            position=position,
            retired=retired,
            source=source,
        )

    @_computed_once
    def card_ords(self) -> tuple[int, ...]:
        if self.kind == CLOZE:
            return tuple(sorted(number - 1 for number, _ in self.clozes))
        return (0,)

    @property
    def phrases(self) -> tuple[str, ...]:
        return tuple(phrase for _, phrase in self.clozes)

    @_computed_once
    def content_hash(self) -> str:
        """Changes exactly when what Anki stores for the note (fields, tags) changes."""
        return content_hash(self.kind, self.fields, self.tags)


def content_hash(kind: str, fields: Sequence[str], tags: Sequence[str]) -> str:
    """The hash of what Anki stores for a note: also of a note read back from a package."""
    # json.dumps([kind, fields, tags], ensure_ascii=False), spelled out for speed.
    enc = encode_basestring
    payload = f"[{enc(kind)}, [{', '.join(map(enc, fields))}], [{', '.join(map(enc, tags))}]]"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


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


def cloze_field(segments: tuple[Segment, ...], numbers: Sequence[int] | None = None) -> str:
    """Segments as Anki cloze text: the i-th marked phrase becomes {{cN::phrase}}, N its
    number (`numbers[i]`; default i + 1)."""
    out: list[str] = []
    index = 0
    for seg in segments:
        if not seg.cloze:
            out.append(escape_field(seg.text))
            continue
        number = numbers[index] if numbers is not None else index + 1
        index += 1
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


def key_field(deck_key: str, key: str) -> str:
    """The Key field of a note: its identity, which Anki's search `"Key:…"` finds."""
    return escape_field(f"{deck_key}/{key}")


# A note's position: its slot (0 the deck file's introduction, 1..N the pillar files in
# reading order, N + 1 the deck overview, N + 2 the retired notes) and its place in the
# slot. Positions order notes as the essay does (new cards are introduced in that order)
# and a file's positions depend on nothing but the file and its slot, so that files can
# be generated apart (deckgen.pillarfile) and package ids come from positions.
SLOT_BITS = 17
MAX_IN_SLOT = 1 << SLOT_BITS
MAX_SLOTS = 1 << 13


def position(slot: int, index: int) -> int:
    """The position of the `index`-th note (0-based) of `slot`."""
    if index >= MAX_IN_SLOT or slot >= MAX_SLOTS:
        raise ValueError(f"more than {MAX_IN_SLOT} notes in a file, or {MAX_SLOTS} files")
    return (slot << SLOT_BITS) | index


def slot_of(position_: int) -> int:
    return position_ >> SLOT_BITS


def intro_slot() -> int:
    return 0


def pillar_slot(index: int) -> int:
    """The slot of the `index`-th pillar (1-based, in reading order)."""
    return index


def overview_slot(pillars: int) -> int:
    return pillars + 1


def retired_slot(pillars: int) -> int:
    return pillars + 2


class _Builder:
    def __init__(self, deck: Deck, numbering: Numbering | None, slot: int) -> None:
        self.deck = deck
        self.numbering = numbering
        self.slot = slot
        self.notes: list[Note] = []

    def add(
        self,
        key: str,
        kind: str,
        fields: tuple[str, ...],
        tags: tuple[str, ...],
        group: str,
        source: Location,
        clozes: Numbered = (),
    ) -> None:
        deck_key = self.deck.key
        self.notes.append(
            Note(
                key,
                kind,
                guid_for(deck_key, key),
                (*fields, key_field(deck_key, key)),
                tags,
                clozes,
                group,
                position(self.slot, len(self.notes)),
                False,
                source,
            )
        )

    def add_cloze(
        self,
        key: str,
        segments: tuple[Segment, ...],
        other_fields: tuple[str, str, str],
        tags: tuple[str, ...],
        group: str,
        source: Location,
    ) -> None:
        """A cloze note of `segments`, when they mark any phrase."""
        marked = phrases(segments)
        if not marked:
            return
        numbers = (
            list(self.numbering(key, marked))
            if self.numbering is not None
            else list(range(1, len(marked) + 1))
        )
        text = cloze_field(segments, numbers)
        clozes = tuple(zip(numbers, marked, strict=True))
        self.add(key, CLOZE, (text, *other_fields), tags, group, source, clozes)


def generate_notes(
    deck: Deck, numbering: Numbering | None = None, language: str | None = None
) -> list[Note]:
    """Every note of the deck, in study order; cloze numbers from `numbering`, the words
    deckgen adds in `language` (default: the deck's, deckgen.language)."""
    from deckgen.wording import language_for

    language = language or language_for(deck)
    notes = intro_notes(deck, numbering)
    for index, pillar in enumerate(deck.pillars, start=1):
        notes += pillar_notes(deck, index, pillar, numbering, language)
    headings = [pillar_heading(i, p) for i, p in enumerate(deck.pillars, start=1)]
    notes += overview_notes(deck, headings)
    return notes


def intro_notes(deck: Deck, numbering: Numbering | None = None) -> list[Note]:
    """The introduction's cloze note, when it marks phrases (slot 0)."""
    b = _Builder(deck, numbering, intro_slot())
    b.add_cloze(
        "intro",
        deck.introduction,
        ("", escape_field(deck.name), ""),
        (f"{deck.key}::deck",),
        DECK_GROUP,
        deck.location,
    )
    return b.notes


def pillar_notes(
    deck: Deck,
    index: int,
    pillar: Pillar,
    numbering: Numbering | None,
    language: str,
) -> list[Note]:
    """The notes of the `index`-th pillar (1-based): each principle's cloze and question
    notes, and the pillar's overview. They depend on the deck only through its key."""
    from deckgen.wording import wording

    words = wording(language)
    b = _Builder(deck, numbering, pillar_slot(index))
    heading = escape_field(pillar_heading(index, pillar))
    ptag = pillar_tag(deck, pillar)
    for principle in pillar.principles:
        tags = (ptag, principle_tag(deck, pillar, principle))
        title = escape_field(principle.title)
        extra = escape_field(principle.note)
        b.add_cloze(
            f"principle/{principle.identity}/cloze",
            principle.text,
            (extra, heading, title),
            tags,
            pillar.id,
            principle.location,
        )
        for q in principle.questions:
            b.add(
                f"principle/{principle.identity}/qa/{q.identity}",
                QA,
                (escape_field(q.question), escape_field(q.answer), extra, heading, title),
                tags,
                pillar.id,
                q.location,
            )
    question = pillar.question or words.pillar_question.format(
        heading=pillar_heading(index, pillar)
    )
    b.add(
        f"pillar/{pillar.identity}",
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
        pillar.location,
    )
    return b.notes


def overview_notes(deck: Deck, headings: list[str]) -> list[Note]:
    """The deck's overview note, its question answered by the pillars' `headings`
    (slot N + 1: after every pillar's notes)."""
    b = _Builder(deck, None, overview_slot(len(headings)))
    b.add(
        "pillars",
        QA,
        (
            escape_field(deck.question),
            _lines_html(headings),
            "",
            escape_field(deck.name),
            "",
        ),
        (f"{deck.key}::deck",),
        DECK_GROUP,
        deck.location,
    )
    return b.notes


def retired_tag(deck_key: str) -> str:
    return f"{deck_key}::{RETIRED_TAG}"


def retired_note(deck: Deck, locked: LockedNote, position: int, language: str) -> Note:
    """The note `locked` as a build delivers it once the cards no longer make it.

    Same GUID, so it replaces the learner's note in place (import never deletes); on
    both sides of each of its cards, a notice that it was removed and may be deleted,
    with the search that finds every retired note. A cloze note keeps its numbered
    phrases, hidden (`.retired-clozes` in style.css), so every card it had still has
    its cloze and Anki shows the notice rather than an empty card.
    """
    from deckgen.wording import wording

    notice = escape_field(wording(language).retired_notice.format(tag=retired_tag(deck.key)))
    shown = f'<div class="retired">{notice}</div>'
    if locked.kind == CLOZE:
        hidden = "".join(
            f"{{{{c{number}::{escape_field(phrase)}}}}}" for number, phrase in locked.clozes
        )
        fields: tuple[str, ...] = (
            shown + f'<div class="retired-clozes">{hidden}</div>',
            "",
            "",
            "",
        )
    else:
        fields = (shown, "", "", "", "")
    return Note(
        key=locked.key,
        kind=locked.kind,
        guid=locked.guid,
        fields=(*fields, key_field(deck.key, locked.key)),
        tags=(retired_tag(deck.key),),
        clozes=locked.clozes,
        group=RETIRED_GROUP,
        position=position,
        retired=True,
    )
