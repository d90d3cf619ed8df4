"""The two note types of a deck, with fields fixed for good and ids of the deck's own.

Anki matches note types by id, and any change to their fields or templates' names
makes a second note type on the learner's side (see ../shared/ANKI.md): the field lists
below must never change, and neither may a deck's note type ids once it was built.

Each deck has note types of its own, so that building or importing one deck (with its
own language, voice or style) never changes another deck's cards. Their ids are
recorded in the deck's lock; a deck without a lock gets ids derived from its key, so a
fresh clone gets the same ones. deckgen 0.1 gave every deck the same two ids: the
decks built then keep them (their learners' notes use them), as recorded in their
locks, and the shipped deck keeps them even without a lock.

Templates and CSS live as files in templates/; `{{> name}}` includes
templates/name.html (resolved here, Anki has no partials).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

CLOZE = "cloze"
QA = "qa"

# The ids every deck had in deckgen 0.1 (generated once at random): never change them.
CLOZE_MODEL_ID = 2064603721
QA_MODEL_ID = 1489188409
LEGACY_IDS = {CLOZE: CLOZE_MODEL_ID, QA: QA_MODEL_ID}
LEGACY_NAMES = {CLOZE: "deckgen cloze", QA: "deckgen question-answer"}
# Decks known to have been built with the legacy ids: they keep them even if their lock
# is lost (the shipped deck).
LEGACY_DECK_KEYS = frozenset({"office-service"})
KINDS = (CLOZE, QA)

# The Anki fields of the two note types (never changed: Anki keeps reviews by note type).
CLOZE_NOTE_FIELDS = ("Text", "Extra", "Pillar", "Principle", "Key")
QA_NOTE_FIELDS = ("Question", "Answer", "Extra", "Pillar", "Principle", "Key")

_INCLUDE = re.compile(r"\{\{>\s*([a-z0-9-]+)\s*\}\}")
_TTS_SLOT = re.compile(r"<!--\s*tts\s+([A-Za-z:-]+)\s*-->")


@dataclass(frozen=True)
class Template:
    name: str
    front: str
    back: str


@dataclass(frozen=True)
class NoteType:
    """A note type as deckgen defines it; `kind` is CLOZE or QA."""

    kind: str
    model_id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[Template, ...]
    css: str
    is_cloze: bool

    @property
    def fields_hash(self) -> str:
        """Changes only when the field list changes: what Anki cannot update in place."""
        return fields_hash(self.fields, [t.name for t in self.templates], self.is_cloze)

    @property
    def style_hash(self) -> str:
        """Changes when templates or CSS change: a note-type update Anki applies in place."""
        return style_hash([(t.front, t.back) for t in self.templates], self.css, self.name)


def fields_hash(fields: Sequence[str], template_names: Sequence[str], is_cloze: bool) -> str:
    """What a note type's schema hashes to (also of a note type read from a package)."""
    return _sha(json.dumps([list(fields), list(template_names), is_cloze], ensure_ascii=False))


def style_hash(templates: Sequence[tuple[str, str]], css: str, name: str) -> str:
    body = [[front, back] for front, back in templates] + [css, name]
    return _sha(json.dumps(body, ensure_ascii=False))


def derived_ids(deck_key: str) -> dict[str, int]:
    """The note type ids of a deck that has none recorded: fixed by its key.

    In Anki's range of random model ids (31 bits), and never the legacy ids."""
    if deck_key in LEGACY_DECK_KEYS:
        return dict(LEGACY_IDS)
    ids: dict[str, int] = {}
    for kind in KINDS:
        digest = hashlib.sha256(f"deckgen note type\x1f{deck_key}\x1f{kind}".encode()).digest()
        value = (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)
        while value in LEGACY_IDS.values() or value in ids.values():
            value += 1
        ids[kind] = value
    return ids


def type_names(deck_key: str, ids: Mapping[str, int]) -> dict[str, str]:
    """Names of a deck's note types: the deck key in them, so a learner with several decks
    tells them apart; the legacy ids keep the names they had (decks may share them)."""
    return {
        kind: LEGACY_NAMES[kind]
        if ids[kind] == LEGACY_IDS[kind]
        else f"{LEGACY_NAMES[kind]} ({deck_key})"
        for kind in KINDS
    }


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@cache
def read_template(name: str) -> str:
    text = resources.files("deckgen").joinpath("templates", name).read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda m: read_template(m.group(1) + ".html").strip(), text)


def tts_tag(source: str, voice: str = "zh_TW") -> str:
    """Anki's text-to-speech tag for a field, with its filters (`{{tts zh_TW:cloze:Text}}`)."""
    return f"{{{{tts {voice}:{source}}}}}"


def fill_tts_slots(template: str, tts: bool, voice: str = "zh_TW") -> str:
    """Put a TTS tag where a back template marks a slot (`<!-- tts cloze:Text -->`), or
    drop the slot. The slot sits right after the text it reads, so the play button Anki
    shows in its place is next to that text. On a cloze card `cloze:Text` reads the
    whole principle with the answer filled in."""
    return _TTS_SLOT.sub(lambda m: " " + tts_tag(m.group(1), voice) if tts else "", template)


def localised(template: str, language: str) -> str:
    """A template in `language`: its lang attribute (style.css picks the fonts by it)."""
    return template.replace("@lang@", language)


def note_types(
    tts: bool = False,
    ids: Mapping[str, int] | None = None,
    names: Mapping[str, str] | None = None,
    language: str = "zh-Hant",
) -> dict[str, NoteType]:
    """Both note types of a deck (default: the legacy ids and names) in `language` (the
    cards' lang attribute, fonts and voice); with `tts`, the back of each card reads its
    text aloud."""
    from deckgen.wording import wording

    ids = ids if ids is not None else LEGACY_IDS
    names = names if names is not None else LEGACY_NAMES
    voice = wording(language).voice

    def template(name: str, back: bool = False) -> str:
        text = localised(read_template(name), language)
        return fill_tts_slots(text, tts, voice) if back else text

    css = read_template("style.css")
    cloze_back = template("cloze-back.html", back=True)
    qa_back = template("qa-back.html", back=True)
    return {
        CLOZE: NoteType(
            CLOZE,
            ids[CLOZE],
            names[CLOZE],
            CLOZE_NOTE_FIELDS,
            (Template("Cloze", template("cloze-front.html"), cloze_back),),
            css,
            is_cloze=True,
        ),
        QA: NoteType(
            QA,
            ids[QA],
            names[QA],
            QA_NOTE_FIELDS,
            (Template("Card 1", template("qa-front.html"), qa_back),),
            css,
            is_cloze=False,
        ),
    }
