"""Card-quality rules: warnings about cards that are valid but hard to learn.

After Wozniak's "20 rules of formulating knowledge": keep each answer minimal, leave a
cloze enough context, avoid long enumerations, never ask the same thing twice. Plus three
rules about the text itself: leftover pinyin annotations (`務(wù)`, as the seed's website
inserted them), ASCII punctuation in Chinese text, and text that is not NFC-normalised.

The rules read the validated texts (`validate.TextValue`: the value that goes on the
card and the node it was written as) and return Findings with the exact position, each
with its rule's code. The rules' codes, descriptions and settings are declared once, in
`deckgen.checks.RULES`; their settings (`checks.Checks`) come from `checks:` in the deck
file, where `<code>: false` turns a rule off.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from deckgen.checks import (
    ANSWER_TOO_LONG,
    ASCII_PUNCTUATION,
    CLOZE_HIDES_SENTENCE,
    LEFTOVER_PINYIN,
    NOT_NFC,
    PRINCIPLE_WITHOUT_CLOZE,
    PRINCIPLE_WITHOUT_QUESTION,
    SAME_QUESTION,
    STRAY_CLOZE_MARKS,
    TOO_MANY_CLOZES,
)
from deckgen.chinese import (
    FULL_WIDTH_LEFT_PARENTHESIS,
    SENTENCE_ENDS,
    WIDE,
    ascii_punctuation_in_cjk,
    find_ascii_punctuation,
    full_width,
    unified_ideograph_count,
)
from deckgen.cloze import Segment, mark_offsets
from deckgen.errors import At, ContentError, Finding, Location, quoted, sort_findings
from deckgen.gcpause import without_cyclic_gc
from deckgen.model import Checks, Deck
from deckgen.pinyin import PINYIN_ANNOTATION
from deckgen.validate import (
    CLOZE_KEYS,
    PrincipleEntry,
    TextValue,
    Validation,
    validate_folder,
)

# Characters that count one each (CJK ideographs, kana, Hangul, full-width forms), and
# runs of other letters and digits, which count one per word.
_RECALL_UNITS = re.compile(rf"(?=[^\W_])[{WIDE}]|[^\W_{WIDE}]+")
# Where a sentence ends: Chinese and Western full stops, question and exclamation marks,
# and line breaks. Commas and semicolons join clauses of one sentence.
_SENTENCE_END = re.compile(rf"[{SENTENCE_ENDS}\n]|\.(?=\s|$)")


@dataclass(frozen=True)
class CheckResult:
    """Every finding in a cards folder, and the deck when it has no errors."""

    deck: Deck | None
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


@without_cyclic_gc
def check_cards(folder: Path) -> CheckResult:
    """Validate a cards folder and run every card-quality rule on it.

    Raises ContentError only when there is nothing to check (no folder, no deck file).
    Runs with the cyclic GC paused, as a build does (`gcpause`).
    """
    validation = validate_folder(folder)
    findings = sort_findings([*validation.findings, *quality_findings(validation)])
    return CheckResult(validation.deck, findings)


def load_checked_deck(folder: Path) -> Deck:
    """The deck, its warnings in `Deck.warnings`; raises ContentError (warnings too) on errors.

    What `deckgen build` loads: the same checks as `deckgen check`.
    """
    result = check_cards(folder)
    if result.deck is None or result.errors:
        raise ContentError(result.findings)
    return dataclasses.replace(result.deck, warnings=tuple(result.warnings))


def quality_findings(validation: Validation) -> list[Finding]:
    """The warnings of every rule, in no particular order."""
    return [
        *text_findings(validation.texts, validation.principles, validation.checks),
        *same_question_findings(asked(validation.texts), validation.checks),
    ]


class Asked(NamedTuple):
    """A question's text, for the one rule that looks across files (`same_question_findings`).
    Plain values, like deckgen.validate.Claim: one per question, sent and cached as is."""

    value: str
    what: str
    at: At

    @property
    def location(self) -> Location:
        return Location(*self.at)


def asked(texts: list[TextValue]) -> list[Asked]:
    # tuple.__new__, not the named tuple's own __new__ (a Python function): one a question.
    return [
        _tuple_new(Asked, (t.value, t.what, (t.display, t.line, t.column)))
        for t in texts
        if t.key == "question"
    ]


_tuple_new = tuple.__new__


def text_findings(
    texts: list[TextValue], principles: list[PrincipleEntry], checks: Checks
) -> list[Finding]:
    """The warnings of every rule that looks at one text or one principle at a time: for
    one file (a worker's share of the deck) as well as for all of them."""
    findings: list[Finding] = []
    # Which rules run, decided once per call rather than per text.
    off = checks.off
    pinyin = LEFTOVER_PINYIN not in off
    nfc = NOT_NFC not in off
    clozes = not off.issuperset(_CLOZE_CODES)
    stray = STRAY_CLOZE_MARKS not in off
    punctuation = ASCII_PUNCTUATION not in off
    long_answer = ANSWER_TOO_LONG not in off
    for text in texts:
        raw = text.raw
        # Cheap tests first: most texts have no parenthesis, are NFC, have short answers.
        if pinyin and ("(" in raw or FULL_WIDTH_LEFT_PARENTHESIS in raw):
            findings.extend(_pinyin(text))
        if nfc and not unicodedata.is_normalized("NFC", raw):
            findings.extend(_not_nfc(text))
        if text.key in CLOZE_KEYS:
            if clozes:
                findings.extend(_cloze_rules(text, checks))
        elif stray and ("[[" in raw or "]]" in raw):
            findings.append(_markup_outside_cloze(text))
        if punctuation and find_ascii_punctuation(raw):
            findings.extend(_cjk_punctuation(text))
        # Each recall unit is at least one character: a short answer cannot be too long.
        if long_answer and text.key == "answer" and len(text.value) > checks.answer_max_length:
            findings.extend(_long_answer(text, checks))
    if PRINCIPLE_WITHOUT_QUESTION not in off:
        findings.extend(
            Finding(
                entry.location,
                "warning",
                f"{entry.what} has no question; add one under 'questions:' so the principle "
                f"is also asked, not only clozed {_turn_off(PRINCIPLE_WITHOUT_QUESTION)}",
                PRINCIPLE_WITHOUT_QUESTION,
            )
            for entry in principles
            if entry.question_items == 0
        )
    return findings


# The rules of a cloze text (`_cloze_rules`).
_CLOZE_CODES = frozenset({PRINCIPLE_WITHOUT_CLOZE, TOO_MANY_CLOZES, CLOZE_HIDES_SENTENCE})


def _turn_off(code: str) -> str:
    """How a message says to turn its rule off."""
    return f"(or set '{code}: false' under 'checks:' in deck.yaml)"


def _limit(setting: str, code: str) -> str:
    """How a message says where its rule's limit is, and how to turn the rule off."""
    return f"(limit: {setting} under 'checks:' in deck.yaml, or set '{code}: false' there)"


def recall_length(text: str) -> int:
    """How much there is to recall: each CJK character and each other word counts one."""
    return len(_RECALL_UNITS.findall(text))


def _long_answer(text: TextValue, checks: Checks) -> Iterator[Finding]:
    length = recall_length(text.value)
    if length > checks.answer_max_length:
        yield Finding(
            text.location,
            "warning",
            f"answer of {text.what} is too long to recall in one go ({length} characters or "
            f"words, more than {checks.answer_max_length}); ask for less, or split it into "
            "several questions " + _limit("'answer_max_length'", ANSWER_TOO_LONG),
            ANSWER_TOO_LONG,
        )


def _cloze_rules(text: TextValue, checks: Checks) -> Iterator[Finding]:
    segments = text.segments  # as validation parsed them
    if segments is None:
        return  # bad markup: already an error of validation
    phrases = [s for s in segments if s.cloze]
    owner = "the introduction" if text.key == "introduction" else f"the text of {text.what}"
    off = checks.off
    if not phrases and text.key == "text" and PRINCIPLE_WITHOUT_CLOZE not in off:
        yield Finding(
            text.location,
            "warning",
            f"{text.what} has no cloze: mark a phrase to recall with [[...]] so its text "
            f"becomes a cloze card {_turn_off(PRINCIPLE_WITHOUT_CLOZE)}",
            PRINCIPLE_WITHOUT_CLOZE,
        )
    if len(phrases) > checks.clozes_max_per_note and TOO_MANY_CLOZES not in off:
        yield Finding(
            _mark_location(text, checks.clozes_max_per_note),
            "warning",
            f"{owner} has {len(phrases)} cloze deletions, more than "
            f"{checks.clozes_max_per_note}: a note that long is a list to learn by heart, "
            "not a fact; mark only the key phrases "
            + _limit("'clozes_max_per_note'", TOO_MANY_CLOZES),
            TOO_MANY_CLOZES,
        )
    if CLOZE_HIDES_SENTENCE in off:
        return
    for number, phrase, share in _cloze_shares(segments, checks.cloze_max_share):
        yield Finding(
            _mark_location(text, number - 1),
            "warning",
            f"cloze c{number} {quoted(phrase.text)} in {owner} hides {share:.0%} of its "
            "sentence, leaving too little to recall it from; mark a shorter phrase "
            + _limit(f"'cloze_max_share: {checks.cloze_max_share:g}'", CLOZE_HIDES_SENTENCE),
            CLOZE_HIDES_SENTENCE,
        )


def _mark_location(text: TextValue, index: int) -> Location:
    """Where the `index`-th mark (0 for c1) of a cloze text is written."""
    # The raw text has the same marks as the normalised value: NFC never touches brackets.
    return text.location_of(mark_offsets(text.raw)[index])


def _cloze_shares(
    segments: tuple[Segment, ...], limit: float
) -> Iterator[tuple[int, Segment, float]]:
    """Each marked phrase that hides more than `limit` of its sentence: its number (1
    for c1), the phrase and the share it hides."""
    plain = "".join(s.text for s in segments)
    ends = [m.end() for m in _SENTENCE_END.finditer(plain)]
    # The sentence around a phrase runs from the last end at or before its start to the
    # first end at or after its end; phrases of one sentence share its length.
    lengths: dict[tuple[int, int], int] = {}
    ideographs: dict[tuple[int, int], int] = {}
    pos = number = 0
    for seg in segments:
        start, end = pos, pos + len(seg.text)
        pos = end
        if not seg.cloze:
            continue
        number += 1
        before = bisect_right(ends, start)
        sentence_start = ends[before - 1] if before else 0
        after = bisect_left(ends, end)
        sentence_end = ends[after] if after < len(ends) else len(plain)
        bounds = (sentence_start, sentence_end)
        # Each ideograph is a unit: a sentence has at least as many units as it has
        # ideographs, a count many times cheaper than its units. A phrase no longer than
        # the limit's share of them hides no more than the limit.
        least = ideographs.get(bounds)
        if least is None:
            least = ideographs[bounds] = unified_ideograph_count(plain[sentence_start:sentence_end])
        if least and len(seg.text) / least <= limit:
            continue
        sentence = lengths.get(bounds)
        if sentence is None:
            sentence = lengths[bounds] = recall_length(plain[sentence_start:sentence_end])
        # A phrase counts at most one unit per character: one that short cannot
        # exceed the limit, and needs no count.
        if sentence and len(seg.text) / sentence <= limit:
            continue
        hidden = recall_length(seg.text)
        share = hidden / sentence if sentence else 1.0
        if share > limit:
            yield number, seg, share


def same_question_findings(questions: list[Asked], checks: Checks) -> Iterator[Finding]:
    """Two questions (anywhere in the deck, in reading order) that ask the same."""
    if SAME_QUESTION in checks.off:
        return
    first: dict[str, Asked] = {}
    for text in questions:
        earlier = first.setdefault(text.value, text)
        if earlier is not text:
            yield Finding(
                text.location,
                "warning",
                f"{text.what} asks the same as {earlier.what} at {earlier.location}; "
                "a learner cannot tell which answer is wanted: make one more specific",
                SAME_QUESTION,
            )


def _pinyin(text: TextValue) -> Iterator[Finding]:
    for match in PINYIN_ANNOTATION.finditer(text.raw):
        yield Finding(
            text.location_of(match.start()),
            "warning",
            f"leftover pinyin annotation {quoted(match.group(0))} in {text.key} of "
            f"{text.what}; delete {quoted(match.group(2))}",
            LEFTOVER_PINYIN,
        )


def _cjk_punctuation(text: TextValue) -> Iterator[Finding]:
    for offset, run in ascii_punctuation_in_cjk(text.raw):
        fix = full_width(run)
        codes = " ".join(f"U+{ord(ch):04X}" for ch in fix)
        yield Finding(
            text.location_of(offset),
            "warning",
            f"ASCII '{run}' next to Chinese text in {text.key} of {text.what}; write the "
            f"full-width '{fix}' ({codes}), as Chinese typesetting does "
            + _turn_off(ASCII_PUNCTUATION),
            ASCII_PUNCTUATION,
        )


def _not_nfc(text: TextValue) -> Iterator[Finding]:
    raw = text.raw
    if unicodedata.is_normalized("NFC", raw):
        return
    offset, written = _first_unnormalised(raw)
    shown = unicodedata.normalize("NFC", written)
    yield Finding(
        text.location_of(offset) if offset >= 0 else text.location,
        "warning",
        f"{text.key} of {text.what} is not NFC-normalised: {_describe(written)} goes on the "
        f"card as {_describe(shown)}; write it that way (most editors can save as NFC)",
        NOT_NFC,
    )


def _first_unnormalised(raw: str) -> tuple[int, str]:
    """The offset and text of the first character (with its combining marks) NFC changes."""
    start = 0
    for i in range(1, len(raw) + 1):
        if i < len(raw) and unicodedata.combining(raw[i]):
            continue
        cluster = raw[start:i]
        if not unicodedata.is_normalized("NFC", cluster):
            return start, cluster
        start = i
    return -1, raw  # only a sequence of several base characters composes (Hangul jamo)


def _describe(text: str) -> str:
    codes = " ".join(f"U+{ord(ch):04X}" for ch in text)
    return f"{quoted(text)} ({codes})"


def _markup_outside_cloze(text: TextValue) -> Finding:
    offset = min(i for i in (text.raw.find("[["), text.raw.find("]]")) if i >= 0)
    return Finding(
        text.location_of(offset),
        "warning",
        f"'[[...]]' marks a cloze only in a principle's text and the deck's introduction; in "
        f"{text.key} of {text.what} the brackets show on the card as written",
        STRAY_CLOZE_MARKS,
    )
