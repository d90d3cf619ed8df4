"""The two note types deckgen writes, with ids and fields fixed for good.

Anki matches note types by id, and any change to their fields or templates' names
makes a second note type on the learner's side (see ../shared/ANKI.md): the ids and
field lists below must never change. Templates and CSS live as files in templates/;
`{{> name}}` includes templates/name.html (resolved here, Anki has no partials).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

CLOZE = "cloze"
QA = "qa"

# Generated once at random and hard-coded: never change them.
CLOZE_MODEL_ID = 2064603721
QA_MODEL_ID = 1489188409

CLOZE_FIELDS = ("Text", "Extra", "Pillar", "Principle", "Key")
QA_FIELDS = ("Question", "Answer", "Extra", "Pillar", "Principle", "Key")

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
        names = [self.fields, [t.name for t in self.templates], self.is_cloze]
        return _sha(json.dumps(names, ensure_ascii=False))

    @property
    def style_hash(self) -> str:
        """Changes when templates or CSS change: a note-type update Anki applies in place."""
        body = [[t.front, t.back] for t in self.templates] + [self.css, self.name]
        return _sha(json.dumps(body, ensure_ascii=False))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@cache
def read_template(name: str) -> str:
    text = resources.files("deckgen").joinpath("templates", name).read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda m: read_template(m.group(1) + ".html").strip(), text)


def tts_tag(source: str, lang: str = "zh_TW") -> str:
    """Anki's text-to-speech tag for a field, with its filters (`{{tts zh_TW:cloze:Text}}`)."""
    return f"{{{{tts {lang}:{source}}}}}"


def fill_tts_slots(template: str, tts: bool) -> str:
    """Put a TTS tag where a back template marks a slot (`<!-- tts cloze:Text -->`), or
    drop the slot. The slot sits right after the text it reads, so the play button Anki
    shows in its place is next to that text. On a cloze card `cloze:Text` reads the
    whole principle with the answer filled in."""
    return _TTS_SLOT.sub(lambda m: " " + tts_tag(m.group(1)) if tts else "", template)


def note_types(tts: bool = False) -> dict[str, NoteType]:
    """Both note types; with `tts`, the back of each card reads its text aloud."""
    css = read_template("style.css")
    cloze_back = fill_tts_slots(read_template("cloze-back.html"), tts)
    qa_back = fill_tts_slots(read_template("qa-back.html"), tts)
    return {
        CLOZE: NoteType(
            CLOZE,
            CLOZE_MODEL_ID,
            "deckgen cloze",
            CLOZE_FIELDS,
            (Template("Cloze", read_template("cloze-front.html"), cloze_back),),
            css,
            is_cloze=True,
        ),
        QA: NoteType(
            QA,
            QA_MODEL_ID,
            "deckgen question-answer",
            QA_FIELDS,
            (Template("Card 1", read_template("qa-front.html"), qa_back),),
            css,
            is_cloze=False,
        ),
    }
