"""Turn parsed nodes into the model, collecting every problem before giving up.

Each check reports `path:line:col` of the node it is about and, where there is one,
the fix. `validate_folder` returns everything found (and what the card-quality rules
in `rules` need: every text value with its node); `load_deck` raises one ContentError
listing every error in the folder, or returns the Deck.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import yaml

from deckgen.checks import CHECK_KEYS
from deckgen.cloze import Segment, parse_cloze
from deckgen.errors import At, ClozeSyntaxError, ContentError, Finding, Location, quoted
from deckgen.language import LANGUAGE_TAG, LANGUAGES, known_language, language_instead
from deckgen.load import (
    DECK_FILE,
    CardsFolder,
    SourceFile,
    char_location,
    display_path,
    find_card_files,
    node_at,
    node_location,
    parse_yaml,
    value_location,
)
from deckgen.model import Checks, Deck, Pillar, Principle, Question
from deckgen.spec import DECK, PILLAR, PRINCIPLE, QUESTION
from deckgen.spec import SLUG as SLUG  # what an id looks like; rename and extract use it

STR_TAG = "tag:yaml.org,2002:str"
_tuple_new = tuple.__new__

# The keys of each kind of cards file, and those it must have: declared in deckgen.spec.
DECK_KEYS = DECK.names
DECK_REQUIRED = DECK.required
PILLAR_KEYS = PILLAR.names
PILLAR_REQUIRED = PILLAR.required
PRINCIPLE_KEYS = PRINCIPLE.names
PRINCIPLE_REQUIRED = PRINCIPLE.required
QUESTION_KEYS = QUESTION.names
QUESTION_REQUIRED = QUESTION.required
# Every key `checks:` accepts: each rule's code, old switch and limits (deckgen.checks).
CHECKS_KEYS = set(CHECK_KEYS)
# The YAML keys whose `[[phrase]]` marks become cloze deletions (the cloze note type's
# fields are deckgen.notetypes.CLOZE_NOTE_FIELDS).
CLOZE_KEYS = ("text", "introduction")
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"

_YAML_TYPE_NAMES = {
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:null": "empty",
    "tag:yaml.org,2002:timestamp": "a date",
}


class TextValue(NamedTuple):
    """One text value that passed validation, with where it was written: `Written`'s
    fields, then its own.

    `value` is what goes on the card (NFC-normalised, stripped); `raw` is the text as
    written, for rules that look at the raw text or point inside it. No YAML node is
    kept: a file's node tree is freed once the file is validated.
    """

    display: str
    text: str
    line: int  # 1-based, of the scalar's start
    column: int
    start: int  # character indexes of the scalar in `text`
    end: int
    style: str | None
    raw: str
    key: str
    what: str
    value: str
    # A cloze field's segments as validation parsed them; None when its markup is bad.
    segments: tuple[Segment, ...] | None = None

    @property
    def location(self) -> Location:
        return Location(self.display, self.line, self.column)

    @property
    def at(self) -> At:
        return (self.display, self.line, self.column)

    def location_of(self, offset: int) -> Location:
        """Where the character at `offset` of the raw text is written."""
        return char_location(self, self.raw, offset)


@dataclass(frozen=True)
class PrincipleEntry:
    """A principle as written: where, and how many question items it lists."""

    what: str
    location: Location
    question_items: int


@dataclass
class Validation:
    """Everything `validate_folder` found: the deck (None on errors) and the findings."""

    deck: Deck | None
    findings: list[Finding]
    texts: list[TextValue] = field(default_factory=list)
    principles: list[PrincipleEntry] = field(default_factory=list)
    checks: Checks = field(default_factory=Checks)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


class _Collector:
    """Collects findings (and text values) for one source file."""

    def __init__(self, source: SourceFile, validation: Validation) -> None:
        self.source = source
        self.validation = validation
        self.findings = validation.findings

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
                    f"duplicate key {quoted(key)} in {what} (first at line {first.line}); "
                    "remove one of them",
                )
                continue
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                expected = ", ".join(sorted(allowed))
                self.error(
                    key_node,
                    f"unknown key {quoted(key)} in {what}{hint}; expected one of: {expected}",
                )
                continue
            result[key] = (key_node, value_node)
        missing = [k for k in required if k not in result]
        for key in missing:
            self.error(node, f"{what} is missing required key '{key}'")
        return result

    def text(
        self,
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        key: str,
        what: str,
        *,
        record: bool = True,
    ) -> str | None:
        """A required or optional text value, NFC-normalised; None if absent or bad."""
        found = self._text(fields, key, what)
        if found is None:
            return None
        node, value = found
        if record:
            self.validation.texts.append(self._text_value(node, key, what, value, None))
        return value

    def _text_value(
        self,
        node: yaml.ScalarNode,
        key: str,
        what: str,
        value: str,
        segments: tuple[Segment, ...] | None,
    ) -> TextValue:
        # Written.marks spelled out, and the tuple made by tuple.__new__, not by the named
        # tuple's own __new__ (a Python function): a deck has a TextValue per text.
        start, end = node.start_mark, node.end_mark
        source = self.source
        return _tuple_new(
            TextValue,
            (
                source.display,
                source.text,
                start.line + 1,
                start.column + 1,
                start.index,
                end.index,
                node.style,
                node.value,
                key,
                what,
                value,
                segments,
            ),
        )

    def cloze(
        self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, what: str, owner: str
    ) -> tuple[Segment, ...] | None:
        """A text value with `[[cloze]]` marks, as segments; None if absent or bad.

        A bad mark is reported and the text kept as one plain segment.
        """
        found = self._text(fields, key, what)
        if found is None:
            return None
        node, value = found
        segments = self.cloze_text(node, value, owner)
        self.validation.texts.append(self._text_value(node, key, what, value, segments or None))
        return segments or (Segment(value),)

    def _text(
        self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, what: str
    ) -> tuple[yaml.ScalarNode, str] | None:
        if key not in fields:
            return None
        node = fields[key][1]
        if not isinstance(node, yaml.ScalarNode) or node.tag != STR_TAG:
            if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
                self.error(node, f"'{key}' of {what} is empty; write its text after '{key}:'")
            elif isinstance(node, yaml.SequenceNode) and node.flow_style:
                self.error(
                    node,
                    f"'{key}' of {what} must be text, not a list: a value that starts with '[' "
                    "is read as a YAML list; put the whole text in quotes",
                )
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
        return node, value

    def slug(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, what: str) -> str:
        value = self.text(fields, key, what, record=False)
        if value is None:
            return ""
        if not SLUG.match(value):
            suggestion = slugify(value)
            fix = f" (e.g. '{suggestion}')" if suggestion else ""
            self.error(
                fields[key][1],
                f"'{key}' of {what} must be an ASCII kebab-case slug like 'service-awareness'"
                f"{fix}, not {quoted(value)}",
            )
            return ""
        return value

    def cloze_text(self, node: yaml.ScalarNode, value: str, what: str) -> tuple[Segment, ...]:
        """The segments of the value; () when its markup is bad (reported here)."""
        try:
            return parse_cloze(value)
        except ClozeSyntaxError as exc:
            # The value was normalised and stripped; the raw text fails at the same mark
            # (NFC never touches brackets), and its offset can be traced into the file.
            try:
                parse_cloze(node.value)
                where = self.at(node)
            except ClozeSyntaxError as raw:
                where = value_location(self.source, node, raw.offset)
            self.error(where, f"{what}: {exc.message}")
            return ()

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

    def checks(self, node: yaml.Node) -> Checks:
        """The deck's `checks:` settings; a bad value is reported and left at its default.

        A rule's code and its old switch (`ascii-punctuation`, `cjk_punctuation`) both turn
        it on or off; written both ways, they must agree."""
        defaults = Checks()
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return defaults
        entries = self.mapping(node, "'checks' of the deck", CHECKS_KEYS, ())
        if entries is None:
            return defaults
        values: dict[str, object] = {}
        switched: dict[str, tuple[str, bool, yaml.Node]] = {}
        for name in sorted(entries, key=lambda k: entries[k][0].start_mark.index):
            value_node = entries[name][1]
            setting = CHECK_KEYS[name]
            value = _setting(value_node, setting.kind)
            if value is None:
                self.error(value_node, f"'{name}' of checks must be {setting.values}")
            elif not setting.switch:
                values[name] = value
            elif setting.code not in switched:
                switched[setting.code] = (name, bool(value), value_node)
            elif switched[setting.code][1] != value:
                other, other_value, other_node = switched[setting.code]
                self.error(
                    value_node,
                    f"'{name}: {_yaml_bool(bool(value))}' of checks contradicts "
                    f"'{other}: {_yaml_bool(other_value)}' at line {self.at(other_node).line}; "
                    "keep one of them",
                )
        off = frozenset(code for code, (_, on, _) in switched.items() if not on)
        return dataclasses.replace(defaults, **values, off=off)  # type: ignore[arg-type]

    def flag(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str) -> bool:
        """A true/false setting of the deck (false when absent; a bad value is reported)."""
        if key not in fields:
            return False
        node = fields[key][1]
        value = _setting(node, bool)
        if value is None:
            self.error(node, f"'{key}' of the deck must be true or false, e.g. '{key}: true'")
            return False
        return bool(value)

    def language(self, fields: dict[str, tuple[yaml.Node, yaml.Node]]) -> str | None:
        """The deck's `language:` tag, in its canonical case; None when absent or bad."""
        if "language" not in fields:
            return None
        node = fields["language"][1]
        choices = f"write one of: {', '.join(sorted(LANGUAGES))}"
        detected = "or remove the line to use the language of the cards' script"
        if not isinstance(node, yaml.ScalarNode) or node.tag != STR_TAG:
            kind = _kind(node)
            if kind == "empty":
                self.error(node, f"'language' of the deck is empty; {choices}, {detected}")
            else:
                self.error(
                    node, f"'language' of the deck must be a language tag, not {kind}; {choices}"
                )
            return None
        tag = node.value.strip()
        language = known_language(tag)
        if language is not None:
            return language
        if not LANGUAGE_TAG.match(tag):
            self.error(
                node,
                f"'language' of the deck must be a BCP 47 language tag like 'zh-Hant', not "
                f"'{tag}'; {choices}",
            )
            return None
        instead = language_instead(tag)
        hint = f" (did you mean '{instead}'?)" if instead else ""
        self.error(
            node,
            f"'language' of the deck: deckgen has no settings for '{tag}'{hint}; {choices}, "
            f"{detected}",
        )
        return None


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return _YAML_TYPE_NAMES.get(node.tag, "text")


# The words of the error about a bad value of each `checks:` key.
CHECK_SETTINGS = {name: key.values for name, key in CHECK_KEYS.items()}


def _yaml_bool(value: bool) -> str:
    return "true" if value else "false"


def _setting(node: yaml.Node, kind: type) -> object | None:
    """A `checks:` value of the expected kind and range, or None."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    if kind is bool:
        return _scalar(node) if node.tag == BOOL_TAG else None
    if kind is int:
        value = _scalar(node) if node.tag == INT_TAG else None
        return value if isinstance(value, int) and value >= 1 else None
    share = _scalar(node) if node.tag in (INT_TAG, FLOAT_TAG) else None
    if not isinstance(share, (int, float)) or isinstance(share, bool):
        return None
    return float(share) if 0 < share <= 1 else None


def _scalar(node: yaml.ScalarNode) -> object:
    """The value of a number or true/false as YAML reads it; None if it cannot be read.

    Only nodes the loader composed reach here, and the loader refuses every tag, so
    `node.tag` is what the value's own spelling says it is.
    """
    try:
        return yaml.constructor.SafeConstructor().construct_object(node)
    except (ValueError, OverflowError, yaml.YAMLError):  # pragma: no cover - see above
        return None


def _listed(keys: tuple[str, ...]) -> str:
    """'id, title and principles'."""
    return f"{', '.join(keys[:-1])} and {keys[-1]}"


def is_slug(value: str) -> bool:
    return SLUG.match(value) is not None


def slugify(value: str) -> str:
    """An ASCII kebab-case slug of `value` ('' when nothing ASCII is left)."""
    ascii_only = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")


@dataclass
class DeckFile:
    """A deck folder's listing and its deck.yaml validated: the deck with no pillars yet
    (None when deck.yaml is broken), and what was found in the folder and deck.yaml."""

    listing: CardsFolder
    deck: Deck | None
    findings: list[Finding]  # the listing's, then deck.yaml's
    texts: list[TextValue]  # deck.yaml's


def validate_deck_file(folder: Path) -> DeckFile:
    """The first step of validating a deck folder (then each of its pillar files).

    Raises ContentError only when there is nothing to validate (no folder, no deck
    file)."""
    listing = find_card_files(folder)
    assert listing.deck_file is not None  # find_card_files raises otherwise
    findings = list(listing.findings)
    try:
        source = parse_yaml(listing.deck_file)
    except ContentError as exc:
        return DeckFile(listing, None, [*findings, *exc.findings], [])
    v = Validation(None, [])
    deck = _validate_deck(source, v, (), folder)
    if not listing.pillar_files:
        v.findings.append(
            Finding(
                Location(display_path(folder)),
                "error",
                f"the deck has no pillar files; add one YAML file per pillar beside {DECK_FILE}",
            )
        )
    return DeckFile(listing, deck, [*findings, *v.findings], v.texts)


def no_principles(deck_file: DeckFile, claims: list[Claim]) -> list[Finding]:
    """The safety net of a deck whose files name no principle at all."""
    if deck_file.deck is None or not deck_file.listing.pillar_files:
        return []
    if any(c.scope == "principle" for c in claims):
        return []
    return [Finding(deck_file.deck.location, "error", "the deck has no principles")]


def validate_folder(folder: Path) -> Validation:
    """Validate one deck folder: every error in it, and the Deck if there is none.

    Raises ContentError only when there is nothing to validate (no folder, no deck
    file); every other problem is a finding of the returned Validation.
    """
    deck_file = validate_deck_file(folder)
    v = Validation(None, list(deck_file.findings))
    pillars: list[Pillar] = []
    claims: list[Claim] = []
    # One file at a time: its node tree is freed before the next file is parsed.
    for path in deck_file.listing.pillar_files:
        try:
            source = parse_yaml(path)
        except ContentError as exc:
            v.findings.extend(exc.findings)
            continue
        done = validate_pillar_file(source)
        v.findings.extend(done.findings)
        v.texts.extend(done.texts)
        v.principles.extend(done.principles)
        claims.extend(done.claims)
        if done.pillar is not None:
            pillars.append(done.pillar)
        del source, done
    v.findings.extend(check_claims(claims))
    v.texts.extend(deck_file.texts)  # after the pillars' (the same-question rule's order)
    deck = deck_file.deck
    if deck is not None:
        deck = dataclasses.replace(deck, pillars=tuple(pillars))
        v.checks = deck.checks
        if not v.errors:
            v.findings.extend(no_principles(deck_file, claims))
    v.deck = None if v.errors else deck
    return v


def load_deck(folder: Path) -> Deck:
    """Load and validate one deck folder; raise ContentError listing every error."""
    v = validate_folder(folder)
    if v.deck is None:
        raise ContentError(v.findings)
    return v.deck


def deck_source_location(source: SourceFile) -> Location:
    return Location(source.display, 1, 1)


def _validate_deck(
    source: SourceFile, v: Validation, pillars: tuple[Pillar, ...], folder: Path
) -> Deck | None:
    c = _Collector(source, v)
    if source.root is None:
        c.error(
            Location(source.display, 1, 1),
            f"deck file is empty; it needs {_listed(DECK_REQUIRED)}",
        )
        return None
    fields = c.mapping(source.root, "the deck", DECK_KEYS, DECK_REQUIRED)
    if fields is None:
        return None
    key = c.slug(fields, "key", "the deck")
    name = c.text(fields, "name", "the deck") or ""
    description = c.text(fields, "description", "the deck") or ""
    intro = c.cloze(fields, "introduction", "the deck", "introduction") or ()
    question = c.text(fields, "question", "the deck") or ""
    checks = c.checks(fields["checks"][1]) if "checks" in fields else Checks()
    language = c.language(fields)
    tts = c.flag(fields, "tts")
    subdecks = c.flag(fields, "subdecks")
    return Deck(
        key=key,
        name=name,
        description=description,
        introduction=intro,
        question=question,
        pillars=pillars,
        folder=folder,
        location=c.at(source.root),
        checks=checks,
        language=language,
        tts=tts,
        subdecks=subdecks,
    )


@dataclass
class PillarFile:
    """What validating one pillar file found: the pillar (None when the file's shape is
    wrong), its findings, its text values and principle entries (for the rules), and its
    claims on ids that must be unique across the whole deck (`check_claims`)."""

    pillar: Pillar | None
    findings: list[Finding]
    texts: list[TextValue]
    principles: list[PrincipleEntry]
    claims: list[Claim]


def validate_pillar_file(source: SourceFile) -> PillarFile:
    """Validate one pillar file on its own: everything but whether its pillar and
    principle ids are used in other files too, which `check_claims` decides over the
    claims of every file, in reading order."""
    v = Validation(None, [])
    claims: list[Claim] = []
    pillar = _validate_pillar(source, v, claims)
    return PillarFile(pillar, v.findings, v.texts, v.principles, claims)


def _validate_pillar(source: SourceFile, v: Validation, claims: list[Claim]) -> Pillar | None:
    c = _Collector(source, v)
    if source.root is None:
        c.error(
            Location(source.display, 1, 1),
            f"pillar file is empty; it needs {_listed(PILLAR_REQUIRED)}",
        )
        return None
    fields = c.mapping(source.root, "the pillar", PILLAR_KEYS, PILLAR_REQUIRED)
    if fields is None:
        return None
    pillar_id = c.slug(fields, "id", "the pillar")
    what = f"pillar '{pillar_id}'" if pillar_id else "the pillar"
    renamed_from = _identity(c, fields, what, pillar_id, "pillar", claims)
    title = c.text(fields, "title", what) or ""
    question = c.text(fields, "question", what) or ""
    items = c.sequence(fields, "principles", what)
    if "principles" in fields and not items and not _is_bad_type(fields["principles"][1]):
        c.error(fields["principles"][1], f"{what} has no principles; add at least one")
    principles = [p for p in (_validate_principle(c, item, claims) for item in items) if p]
    return Pillar(pillar_id, title, tuple(principles), c.at(source.root), question, renamed_from)


def _is_bad_type(node: yaml.Node) -> bool:
    """A node `_Collector.sequence` has already reported as not a list."""
    return not isinstance(node, yaml.SequenceNode) and node.tag != "tag:yaml.org,2002:null"


class Claim(NamedTuple):
    """An item's id (or identity) that no other item of its kind in the deck may have.

    A named tuple of plain values (its locations as (path, line, col)): a deck makes one
    per principle, sent from worker processes and kept in the cache as they are."""

    scope: str  # "pillar" or "principle"
    id: str  # '' when the id itself was bad (reported already)
    id_at: At
    identity: str
    identity_at: At  # of `renamed_from` when there is one, else of `id`
    renamed: bool
    what: str

    @property
    def id_location(self) -> Location:
        return Location(*self.id_at)

    @property
    def identity_location(self) -> Location:
        return Location(*self.identity_at)


def check_claims(claims: list[Claim]) -> list[Finding]:
    """The duplicates among every file's claims, taken in reading order: a duplicate id,
    and an identity (`renamed_from`) that is another item's, each at the later item."""
    findings: list[Finding] = []
    ids: dict[tuple[str, str], At] = {}
    identities: dict[tuple[str, str], tuple[str, At, bool]] = {}
    for claim in claims:
        if claim.id:
            first = ids.setdefault((claim.scope, claim.id), claim.id_at)
            if first is not claim.id_at:
                findings.append(_duplicate(claim.scope, claim.id, claim.id_location, first))
        if claim.identity:
            finding = _unique_identity(claim, identities)
            if finding is not None:
                findings.append(finding)
    return findings


def _duplicate(scope: str, value: str, here: Location, first: At) -> Finding:
    return Finding(
        here,
        "error",
        f"duplicate {scope} id {quoted(value)}, also used at {Location(*first)}; ids must be "
        "unique: rename one of them",
    )


def _unique_identity(
    claim: Claim, seen: dict[tuple[str, str], tuple[str, At, bool]]
) -> Finding | None:
    """Two items with one identity would have the same notes (GUIDs) in Anki. Two items
    with the same id and no `renamed_from` are already a duplicate id, reported once."""
    key = (claim.scope, claim.identity)
    if key not in seen:
        seen[key] = (claim.what, claim.identity_at, claim.renamed)
        return None
    other, where_at, other_renamed = seen[key]
    where = Location(*where_at)
    if not claim.renamed and not other_renamed:
        return None  # a duplicate id
    what, identity = claim.what, claim.identity
    if claim.renamed:
        why = f"{what} was renamed from '{identity}', which is the identity of {other} at {where}"
    else:
        why = f"id '{identity}' of {what} is the identity of {other} at {where}"
    return Finding(
        claim.identity_location,
        "error",
        f"{why}: the two would be one note in Anki (the same GUIDs); give {what} another id "
        "(an id renamed with `deckgen rename` keeps its old one as its identity, under "
        "'renamed_from:')",
    )


def _identity(
    c: _Collector,
    fields: dict[str, tuple[yaml.Node, yaml.Node]],
    what: str,
    item_id: str,
    scope: str,
    claims: list[Claim] | None = None,
    seen: dict[tuple[str, str], tuple[str, At, bool]] | None = None,
) -> str:
    """The item's `renamed_from` ('' if none); its id and identity (the id its notes were
    first built under: `renamed_from`, else `id`) are claimed in `claims` (pillars and
    principles, checked across the deck by `check_claims`) or checked in `seen` at once
    (questions, unique within their principle)."""
    renamed_from = c.slug(fields, "renamed_from", what) if "renamed_from" in fields else ""
    if renamed_from == item_id:
        renamed_from = ""  # renamed back: the id is the identity again
    identity = renamed_from or item_id
    display = c.source.display
    id_at = node_at(display, fields["id"][1]) if "id" in fields else (display, 0, 0)
    here = node_at(display, fields["renamed_from"][1]) if renamed_from else id_at
    claim = _tuple_new(Claim, (scope, item_id, id_at, identity, here, bool(renamed_from), what))
    if claims is not None:
        claims.append(claim)
    elif seen is not None and identity:
        finding = _unique_identity(claim, seen)
        if finding is not None:
            c.findings.append(finding)
    return renamed_from


def _check_unique(
    c: _Collector, node: yaml.Node, what: str, value: str, seen: dict[str, yaml.Node]
) -> None:
    first = seen.get(value)
    if first is not None:
        c.error(
            node,
            f"duplicate {what} id {quoted(value)}, also used at {c.at(first)}; ids must be "
            "unique: rename one of them",
        )
    else:
        seen[value] = node


def _validate_principle(c: _Collector, node: yaml.Node, claims: list[Claim]) -> Principle | None:
    fields = c.mapping(node, "a principle", PRINCIPLE_KEYS, PRINCIPLE_REQUIRED)
    if fields is None:
        return None
    principle_id = c.slug(fields, "id", "the principle")
    what = f"principle '{principle_id}'" if principle_id else "the principle"
    renamed_from = _identity(c, fields, what, principle_id, "principle", claims)
    title = c.text(fields, "title", what) or ""
    text = c.cloze(fields, "text", what, f"text of {what}") or ()
    note = c.text(fields, "note", what) or ""
    questions: list[Question] = []
    seen_q: dict[str, yaml.Node] = {}
    seen_q_identities: dict[tuple[str, str], tuple[str, At, bool]] = {}
    items = c.sequence(fields, "questions", what)
    for item in items:
        q = _validate_question(c, item, what, seen_q, seen_q_identities)
        if q is not None:
            questions.append(q)
    location = c.at(node)
    c.validation.principles.append(PrincipleEntry(what, location, len(items)))
    return _tuple_new(
        Principle, (principle_id, title, text, tuple(questions), note, location, renamed_from)
    )


def _validate_question(
    c: _Collector,
    node: yaml.Node,
    owner: str,
    seen: dict[str, yaml.Node],
    seen_identities: dict[tuple[str, str], tuple[str, At, bool]],
) -> Question | None:
    fields = c.mapping(node, f"a question of {owner}", QUESTION_KEYS, QUESTION_REQUIRED)
    if fields is None:
        return None
    qid = c.slug(fields, "id", f"a question of {owner}")
    if qid:
        _check_unique(c, fields["id"][1], f"question (in {owner})", qid, seen)
    what = f"question '{qid}' of {owner}" if qid else f"a question of {owner}"
    renamed_from = _identity(c, fields, what, qid, "question", seen=seen_identities)
    question = c.text(fields, "question", what) or ""
    answer = c.text(fields, "answer", what) or ""
    return _tuple_new(Question, (qid, question, answer, c.at(node), renamed_from))


def iter_principles(deck: Deck) -> Iterator[tuple[Pillar, Principle]]:
    for pillar in deck.pillars:
        for principle in pillar.principles:
            yield pillar, principle
