"""`deckgen preview`: every card's front and back on one static HTML page.

The cards are rendered here with the deck's own templates and CSS, the way Anki renders
them: `{{Field}}`, `{{#Field}}…{{/Field}}` and `{{^Field}}…{{/Field}}` sections,
`{{cloze:Field}}` and `{{FrontSide}}`, which is all deckgen's templates use. Anything
else raises TemplateError rather than showing something Anki would not;
tests/test_preview.py checks that this rendering equals Anki's own for every card.

The page needs no server and runs no script: the day/night and phone-width switches are
checkboxes styled with CSS, and a Content-Security-Policy keeps it from loading anything.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from deckgen.atomic import write_text_atomically
from deckgen.errors import TemplateError, WriteError
from deckgen.generate import DECK_GROUP, RETIRED_GROUP, Note, deck_description
from deckgen.load import display_path, find_deck_folders
from deckgen.model import Deck
from deckgen.notetypes import CLOZE, NoteType, read_template
from deckgen.wording import Wording, wording

PREVIEW_FILE = "index.html"
NIGHT_CLASSES = "nightMode night_mode"  # what Anki desktop and AnkiDroid add at night

_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
# deckgen writes clozes as {{cN::text}} or {{cN::text::hint}}, with braces escaped.
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
# Anki's test for an empty field: only whitespace and empty <br>/<div> tags.
_EMPTY_FIELD = re.compile(r"^(?:\s|</?(?:br|div) ?/?>)*$", re.I)
_ATTRIBUTE_NAMED = {"&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;"}


def default_output() -> Path:
    return Path("dist") / "preview"


# --- rendering one card, as Anki does -----------------------------------------------


def field_is_empty(text: str) -> bool:
    return _EMPTY_FIELD.match(text) is not None


def _encode_attribute(text: str) -> str:
    """Anki's encoding of the data-cloze attribute: every ASCII character that is not a
    letter or digit as a character reference."""
    out = []
    for ch in text:
        if ch in _ATTRIBUTE_NAMED:
            out.append(_ATTRIBUTE_NAMED[ch])
        elif ch.isascii() and not ch.isalnum():
            out.append(f"&#x{ord(ch):X};")
        else:
            out.append(ch)
    return "".join(out)


def render_cloze(text: str, number: int, question: bool) -> str:
    """The `{{cloze:…}}` filter for card `number` (1-based): the active deletion as
    `[...]` (or `[hint]`) on the front and as the answer on the back, others shown."""

    def replace(m: re.Match[str]) -> str:
        ordinal, content, hint = int(m.group(1)), m.group(2), m.group(3)
        if ordinal != number:
            return f'<span class="cloze-inactive" data-ordinal="{ordinal}">{content}</span>'
        if question:
            shown = f"[{hint}]" if hint else "[...]"
            cloze = _encode_attribute(content)
            return (
                f'<span class="cloze" data-cloze="{cloze}" data-ordinal="{ordinal}">{shown}</span>'
            )
        return f'<span class="cloze" data-ordinal="{ordinal}">{content}</span>'

    return _CLOZE.sub(replace, text)


@dataclass(frozen=True)
class _Section:
    field: str
    inverted: bool
    body: list[_Section | _Tag | str]


@dataclass(frozen=True)
class _Tag:
    text: str


def _parse(template: str) -> list[_Section | _Tag | str]:
    root: list[_Section | _Tag | str] = []
    stack: list[tuple[str, list[_Section | _Tag | str]]] = [("", root)]
    pos = 0
    for m in _TAG.finditer(template):
        if m.start() > pos:
            stack[-1][1].append(template[pos : m.start()])
        pos = m.end()
        tag = m.group(1).strip()
        if tag[:1] in ("#", "^"):
            section = _Section(tag[1:].strip(), tag[0] == "^", [])
            stack[-1][1].append(section)
            stack.append((section.field, section.body))
        elif tag[:1] == "/":
            if len(stack) == 1 or stack[-1][0] != tag[1:].strip():
                raise TemplateError(f"template: {{{{{tag}}}}} closes no open section")
            stack.pop()
        else:
            stack[-1][1].append(_Tag(tag))
    if len(stack) > 1:
        raise TemplateError(f"template: section {{{{#{stack[-1][0]}}}}} is never closed")
    stack[-1][1].append(template[pos:])
    return root


def render_template(
    template: str,
    fields: Mapping[str, str],
    card_ord: int,
    *,
    question: bool,
    front_side: str = "",
) -> str:
    """One side of one card: `card_ord` is Anki's 0-based card ordinal."""

    def field(name: str) -> str:
        if name not in fields:
            raise TemplateError(f"template: unknown field {name!r}")
        return fields[name]

    def render(nodes: list[_Section | _Tag | str]) -> str:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                out.append(node)
            elif isinstance(node, _Section):
                if field_is_empty(field(node.field)) == node.inverted:
                    out.append(render(node.body))
            elif node.text == "FrontSide":
                out.append(front_side)
            elif node.text.startswith("cloze:"):
                out.append(render_cloze(field(node.text[6:]), card_ord + 1, question))
            elif ":" in node.text or " " in node.text:
                raise TemplateError(f"template: {{{{{node.text}}}}} is not supported in previews")
            else:
                out.append(field(node.text))
        return "".join(out)

    return render(_parse(template))


def render_card(note_type: NoteType, fields: Mapping[str, str], card_ord: int) -> tuple[str, str]:
    """Front and back of one card, as Anki's question_text and answer_text."""
    template = note_type.templates[0 if note_type.is_cloze else card_ord]
    front = render_template(template.front, fields, card_ord, question=True)
    back = render_template(template.back, fields, card_ord, question=False, front_side=front)
    return front, back


# --- the page ----------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewCard:
    note: Note
    card_ord: int
    front: str
    back: str


@dataclass(frozen=True)
class DeckPreview:
    deck: Deck
    notes: list[Note]
    cards: list[PreviewCard]
    words: Wording  # in the deck's language
    css: str
    headings: dict[str, str]  # pillar id -> its numbered heading


@dataclass(frozen=True)
class PreviewResult:
    decks: list[DeckPreview]
    output: Path

    @property
    def card_count(self) -> int:
        return sum(len(d.cards) for d in self.decks)

    @property
    def note_count(self) -> int:
        return sum(len(d.notes) for d in self.decks)


def preview_cards(notes: list[Note], types: dict[str, NoteType]) -> list[PreviewCard]:
    cards = []
    for note in notes:
        note_type = types[note.kind]
        fields = dict(zip(note_type.fields, note.fields, strict=True))
        for card_ord in note.card_ords:
            front, back = render_card(note_type, fields, card_ord)
            cards.append(PreviewCard(note, card_ord, front, back))
    return cards


def _card_label(card: PreviewCard, words: Wording) -> str:
    if card.note.kind == CLOZE:
        kind = f"{words.cloze} c{card.card_ord + 1}"
    else:
        kind = words.question_answer
    return (
        f'<span class="pv-kind">{html.escape(kind)}</span> '
        f'<code class="pv-key">{html.escape(card.note.key)}</code>'
    )


def _side(card: PreviewCard, side: str, content: str, words: Wording) -> str:
    classes = f"card card{card.card_ord + 1}"
    caption = words.front if side == "front" else words.back
    return (
        f'<figure class="pv-side pv-{side}">'
        f"<figcaption>{caption}</figcaption>"
        f'<div class="pv-frame pv-day"><div class="{classes}">{content}</div></div>'
        f'<div class="pv-frame pv-night"><div class="{classes} {NIGHT_CLASSES}">'
        f"{content}</div></div>"
        "</figure>"
    )


def _card_html(card: PreviewCard, anchor: str, number: int, words: Wording) -> str:
    return (
        f'<article class="pv-card" id="{anchor}">'
        f'<h4 class="pv-label"><a href="#{anchor}">{number}</a> {_card_label(card, words)}</h4>'
        f'<div class="pv-sides">{_side(card, "front", card.front, words)}'
        f"{_side(card, 'back', card.back, words)}</div>"
        "</article>"
    )


def _deck_html(preview: DeckPreview, deck_number: int, named: bool) -> str:
    """One deck (`named`: headed by its name): its cards grouped by pillar, in study order
    within each pillar, and the deck-level notes last (as in the build summary)."""
    deck, words = preview.deck, preview.words
    titles = dict(preview.headings)
    titles[DECK_GROUP] = words.deck_overview
    titles[RETIRED_GROUP] = words.retired
    groups = [*preview.headings, DECK_GROUP, RETIRED_GROUP]
    sections, links = [], []
    number = 0
    for index, group in enumerate(groups, start=1):
        members = [c for c in preview.cards if c.note.group == group]
        if not members:
            continue
        body = []
        for card in members:
            number += 1
            body.append(_card_html(card, f"d{deck_number}-card-{number}", number, words))
        anchor = f"d{deck_number}-group-{index}"
        title = html.escape(titles[group])
        count = html.escape(words.cards.format(n=len(members)))
        sections.append(
            f'<section class="pv-group" id="{anchor}">'
            f'<h3>{title} <span class="pv-count">{count}</span></h3>'
            f"{''.join(body)}</section>"
        )
        links.append(f'<a href="#{anchor}">{title}</a>')
    heading = ""
    if named:
        summary = _summary(words, len(preview.cards), len(preview.notes))
        heading = (
            f'<h2>{html.escape(deck.name)}</h2><p class="pv-summary">{html.escape(summary)}</p>'
        )
    return (
        f'<section class="pv-deck" id="deck-{deck_number}" lang="{words.language}">{heading}'
        f'<p class="pv-description">{deck_description(deck)}</p>'
        f'<nav class="pv-nav">{"".join(links)}</nav>'
        f"{''.join(sections)}</section>"
    )


def _summary(words: Wording, cards: int, notes: int) -> str:
    return f"{words.cards.format(n=cards)} \u00b7 {words.notes.format(n=notes)}"


def render_page(decks: list[DeckPreview]) -> str:
    """The whole page: every deck of the project, one after the other, its labels in the
    language of the first deck (each deck's own in its section)."""
    words = decks[0].words
    if len(decks) == 1:
        title = decks[0].deck.name
    else:
        title = f"{len(decks)} decks: " + ", ".join(d.deck.name for d in decks)
    cards = sum(len(d.cards) for d in decks)
    notes = sum(len(d.notes) for d in decks)
    page = string.Template(read_template("preview.html"))
    return page.substitute(
        lang=words.language,
        title=html.escape(title),
        summary=html.escape(_summary(words, cards, notes)),
        night=html.escape(words.night),
        wide=html.escape(words.wide),
        footer=html.escape(words.footer),
        decks="\n".join(
            _deck_html(d, i, named=len(decks) > 1) for i, d in enumerate(decks, start=1)
        ),
        # Every deck's note types share one style sheet (fonts follow the lang attribute).
        card_css="\n".join(dict.fromkeys(d.css for d in decks)),
        page_css=read_template("preview.css"),
    )


def write_preview(root: Path, out_dir: Path | None = None) -> PreviewResult:
    """Check every deck under `root` as a build does and write `out_dir`/index.html
    (default dist/preview/) with all their cards, exactly as a build would write them:
    the same note types, language, cloze numbers (from the lock) and retired notes.

    Raises ContentError for bad content, like a build; nothing is written then.
    """
    from deckgen.build import plan_project
    from deckgen.options import BuildOptions

    options = BuildOptions(accept_loss=True, dry_run=True, keep_notes=True, write_rows=False)
    plans = plan_project(find_deck_folders(root), options)
    previews = [
        DeckPreview(
            plan.deck,
            plan.notes,
            preview_cards(plan.notes, plan.types),
            wording(plan.language),
            plan.types[CLOZE].css,
            {p.id: p.heading for p in plan.pillars},
        )
        for plan in plans
    ]
    page = render_page(previews)
    output = (out_dir if out_dir is not None else default_output()) / PREVIEW_FILE
    try:
        write_text_atomically(output, page)
    except OSError as exc:
        raise WriteError(f"cannot write {display_path(output)}: {exc.strerror or exc}") from None
    return PreviewResult(previews, output)
