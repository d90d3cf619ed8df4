"""Turn parsed nodes into the model, collecting every problem before giving up.

Each check reports `path:line:col` of the node it is about and, where there is one,
the fix. `load_deck` is the entry point: it raises one ContentError listing every
error in the folder, or returns the Deck.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import yaml

from deckgen.cloze import ClozeSyntaxError, Segment, parse_cloze
from deckgen.errors import ContentError, Finding, Location
from deckgen.load import SourceFile, display_path, find_card_files, node_location, parse_yaml
from deckgen.model import Deck, Pillar, Principle, Question

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STR_TAG = "tag:yaml.org,2002:str"

DECK_KEYS = {"key", "name", "description", "introduction", "question"}
DECK_REQUIRED = ("key", "name", "introduction", "question")
PILLAR_KEYS = {"id", "title", "question", "principles"}
PILLAR_REQUIRED = ("id", "title", "principles")
PRINCIPLE_KEYS = {"id", "title", "text", "questions", "note"}
PRINCIPLE_REQUIRED = ("id", "title", "text", "questions")
QUESTION_KEYS = {"id", "question", "answer"}
QUESTION_REQUIRED = ("id", "question", "answer")

_YAML_TYPE_NAMES = {
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:null": "empty",
    "tag:yaml.org,2002:timestamp": "a date",
}


class _Collector:
    """Collects findings for one source file."""

    def __init__(self, source: SourceFile, findings: list[Finding]) -> None:
        self.source = source
        self.findings = findings

    def at(self, node: yaml.Node) -> Location:
        return node_location(self.source.display, node)

    def error(self, node: yaml.Node | Location, message: str) -> None:
        loc = node if isinstance(node, Location) else self.at(node)
        self.findings.append(Finding(loc, "error", message))

    def mapping(
        self,
        node: yaml.Node,
        what: str,
        allowed: set[str],
        required: tuple[str, ...],
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """Check a mapping's keys: unknown (with a suggestion), duplicate, missing."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of 'key: value' lines, not {_kind(node)}")
            return None
        result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, f"{what} has a key that is not text")
                continue
            key = key_node.value
            if key in result:
                first = self.at(result[key][0])
                self.error(
                    key_node,
                    f"duplicate key '{key}' in {what} (first at line {first.line}); "
                    "remove one of them",
                )
                continue
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                expected = ", ".join(sorted(allowed))
                self.error(
                    key_node,
                    f"unknown key '{key}' in {what}{hint}; expected one of: {expected}",
                )
                continue
            result[key] = (key_node, value_node)
        missing = [k for k in required if k not in result]
        for key in missing:
            self.error(node, f"{what} is missing required key '{key}'")
        return result

    def text(
        self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, what: str
    ) -> str | None:
        """A required or optional text value, NFC-normalised; None if absent or bad."""
        if key not in fields:
            return None
        node = fields[key][1]
        if not isinstance(node, yaml.ScalarNode) or node.tag != STR_TAG:
            if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
                self.error(node, f"'{key}' of {what} is empty; write its text after '{key}:'")
            else:
                kind = _kind(node)
                self.error(
                    node,
                    f"'{key}' of {what} must be text, not {kind}"
                    + ("; put it in quotes" if isinstance(node, yaml.ScalarNode) else ""),
                )
            return None
        value = unicodedata.normalize("NFC", node.value).strip()
        if not value:
            self.error(node, f"'{key}' of {what} is empty; write its text after '{key}:'")
            return None
        return value

    def slug(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, what: str) -> str:
        value = self.text(fields, key, what)
        if value is None:
            return ""
        if not SLUG.match(value):
            suggestion = _slugify(value)
            fix = f" (e.g. '{suggestion}')" if suggestion else ""
            self.error(
                fields[key][1],
                f"'{key}' of {what} must be an ASCII kebab-case slug like 'service-awareness'"
                f"{fix}, not '{value}'",
            )
            return ""
        return value

    def cloze_text(self, node: yaml.Node, value: str, what: str) -> tuple[Segment, ...]:
        try:
            return parse_cloze(value)
        except ClozeSyntaxError as exc:
            self.error(_offset_location(self.at(node), node, exc.offset), f"{what}: {exc.message}")
            return (Segment(value),)

    def sequence(
        self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, what: str
    ) -> list[yaml.Node]:
        if key not in fields:
            return []
        node = fields[key][1]
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"'{key}' of {what} must be a list of '- ' items, not {_kind(node)}")
            return []
        return list(node.value)


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return _YAML_TYPE_NAMES.get(node.tag, "text")


def _slugify(value: str) -> str:
    ascii_only = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")


def _offset_location(base: Location, node: yaml.Node, offset: int) -> Location:
    """Point inside a one-line plain or quoted scalar; elsewhere at the scalar's start."""
    style = getattr(node, "style", None)
    if node.start_mark.line == node.end_mark.line and style in (None, "'", '"'):
        quote = 0 if style is None else 1
        return Location(base.path, base.line, base.col + quote + offset)
    return base


def load_deck(folder: Path) -> Deck:
    """Load and validate one deck folder; raise ContentError listing every error."""
    deck_file, pillar_files = find_card_files(folder)
    findings: list[Finding] = []
    sources: list[SourceFile] = []
    for path in [deck_file, *pillar_files]:
        try:
            sources.append(parse_yaml(path))
        except ContentError as exc:
            findings.extend(exc.findings)
    deck_source = sources[0] if sources and sources[0].path == deck_file else None
    pillar_sources = [s for s in sources if s.path != deck_file]

    pillars: list[Pillar] = []
    seen_pillars: dict[str, Location] = {}
    seen_principles: dict[str, Location] = {}
    for source in pillar_sources:
        pillar = _validate_pillar(source, findings, seen_pillars, seen_principles)
        if pillar is not None:
            pillars.append(pillar)

    deck = None
    if deck_source is not None:
        deck = _validate_deck(deck_source, findings, tuple(pillars), folder)
        if not pillar_files:
            findings.append(
                Finding(
                    Location(display_path(folder)),
                    "error",
                    "the deck has no pillar files; add one YAML file per pillar beside deck.yaml",
                )
            )
        elif not seen_principles and not any(f.severity == "error" for f in findings):
            findings.append(
                Finding(deck_source_location(deck_source), "error", "the deck has no principles")
            )
    errors = [f for f in findings if f.severity == "error"]
    if errors or deck is None:
        raise ContentError(findings)
    return deck


def deck_source_location(source: SourceFile) -> Location:
    return Location(source.display, 1, 1)


def _validate_deck(
    source: SourceFile, findings: list[Finding], pillars: tuple[Pillar, ...], folder: Path
) -> Deck | None:
    c = _Collector(source, findings)
    if source.root is None:
        c.error(
            Location(source.display, 1, 1),
            "deck file is empty; it needs key, name, introduction and question",
        )
        return None
    fields = c.mapping(source.root, "the deck", DECK_KEYS, DECK_REQUIRED)
    if fields is None:
        return None
    key = c.slug(fields, "key", "the deck")
    name = c.text(fields, "name", "the deck") or ""
    description = c.text(fields, "description", "the deck") or ""
    intro_text = c.text(fields, "introduction", "the deck")
    intro: tuple[Segment, ...] = ()
    if intro_text is not None:
        intro = c.cloze_text(fields["introduction"][1], intro_text, "introduction")
    question = c.text(fields, "question", "the deck") or ""
    return Deck(
        key=key,
        name=name,
        description=description,
        introduction=intro,
        question=question,
        pillars=pillars,
        folder=folder,
        location=c.at(source.root),
    )


def _validate_pillar(
    source: SourceFile,
    findings: list[Finding],
    seen_pillars: dict[str, Location],
    seen_principles: dict[str, Location],
) -> Pillar | None:
    c = _Collector(source, findings)
    if source.root is None:
        c.error(
            Location(source.display, 1, 1),
            "pillar file is empty; it needs id, title and principles",
        )
        return None
    fields = c.mapping(source.root, "the pillar", PILLAR_KEYS, PILLAR_REQUIRED)
    if fields is None:
        return None
    pillar_id = c.slug(fields, "id", "the pillar")
    if pillar_id:
        _check_unique(c, fields["id"][1], "pillar", pillar_id, seen_pillars)
    title = c.text(fields, "title", "the pillar") or ""
    question = c.text(fields, "question", "the pillar") or ""
    items = c.sequence(fields, "principles", "the pillar")
    if "principles" in fields and not items:
        c.error(fields["principles"][1], "the pillar has no principles; add at least one")
    principles = [p for p in (_validate_principle(c, item, seen_principles) for item in items) if p]
    return Pillar(pillar_id, title, tuple(principles), c.at(source.root), question)


def _check_unique(
    c: _Collector, node: yaml.Node, what: str, value: str, seen: dict[str, Location]
) -> None:
    here = c.at(node)
    if value in seen:
        c.error(
            node, f"duplicate {what} id '{value}', also used at {seen[value]}; ids must be unique"
        )
    else:
        seen[value] = here


def _validate_principle(
    c: _Collector, node: yaml.Node, seen: dict[str, Location]
) -> Principle | None:
    fields = c.mapping(node, "a principle", PRINCIPLE_KEYS, PRINCIPLE_REQUIRED)
    if fields is None:
        return None
    principle_id = c.slug(fields, "id", "the principle")
    if principle_id:
        _check_unique(c, fields["id"][1], "principle", principle_id, seen)
    what = f"principle '{principle_id}'" if principle_id else "the principle"
    title = c.text(fields, "title", what) or ""
    raw = c.text(fields, "text", what)
    text = c.cloze_text(fields["text"][1], raw, f"text of {what}") if raw is not None else ()
    note = c.text(fields, "note", what) or ""
    questions: list[Question] = []
    seen_q: dict[str, Location] = {}
    for item in c.sequence(fields, "questions", what):
        q = _validate_question(c, item, what, seen_q)
        if q is not None:
            questions.append(q)
    return Principle(principle_id, title, text, tuple(questions), note, c.at(node))


def _validate_question(
    c: _Collector, node: yaml.Node, owner: str, seen: dict[str, Location]
) -> Question | None:
    what = f"a question of {owner}"
    fields = c.mapping(node, what, QUESTION_KEYS, QUESTION_REQUIRED)
    if fields is None:
        return None
    qid = c.slug(fields, "id", what)
    if qid:
        _check_unique(c, fields["id"][1], f"question (in {owner})", qid, seen)
    question = c.text(fields, "question", what) or ""
    answer = c.text(fields, "answer", what) or ""
    return Question(qid, question, answer, c.at(node))


def iter_principles(deck: Deck) -> Iterator[tuple[Pillar, Principle]]:
    for pillar in deck.pillars:
        for principle in pillar.principles:
            yield pillar, principle
