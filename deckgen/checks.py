"""The card-quality rules as one registry: each rule's code, what it warns about, its settings.

`deckgen/rules.py` runs the rules; everything else about them is read from `RULES`: what
`checks:` in deck.yaml accepts and the words of a bad value (`CHECK_KEYS`, used by
`validate`), the schema's `checks` properties (`schema`), and the README's table and
`checks:` block (`markdown`; `python tools/readme.py` writes them into the README, and
tests/test_readme.py keeps the two equal).

Every rule has a kebab-case code, shown at the end of each of its warnings
(`[answer-too-long]`, `errors.Finding.code`), and `<code>: false` under `checks:` turns
it off. Some rules also have a limit (`answer_max_length: 20`), and three kept the
true/false switch they had before they had codes (`cjk_punctuation: false`): both
spellings stay accepted, for good.

A leaf module: it imports nothing of deckgen, so the model and every stage can use it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

# The codes, as rules.py names them.
ANSWER_TOO_LONG = "answer-too-long"
CLOZE_HIDES_SENTENCE = "cloze-hides-sentence"
TOO_MANY_CLOZES = "too-many-clozes"
SAME_QUESTION = "same-question"
PRINCIPLE_WITHOUT_CLOZE = "principle-without-cloze"
PRINCIPLE_WITHOUT_QUESTION = "principle-without-question"
LEFTOVER_PINYIN = "leftover-pinyin"
ASCII_PUNCTUATION = "ascii-punctuation"
NOT_NFC = "not-nfc"
STRAY_CLOZE_MARKS = "stray-cloze-marks"


@dataclass(frozen=True, slots=True)
class Checks:
    """The deck's settings of the rules (`checks:` in deck.yaml): their limits, and the
    codes of the rules it turned off."""

    # An answer longer than this (counting each CJK character and each other word as
    # one) is hard to recall in one go.
    answer_max_length: int = 20
    # A cloze phrase hiding more than this share of its sentence leaves too little context.
    cloze_max_share: float = 0.5
    # More cloze deletions than this on one note make it a list to learn, not a fact.
    clozes_max_per_note: int = 5
    # The codes of the rules that do not run (`<code>: false`, or an old switch).
    off: frozenset[str] = frozenset()

    def on(self, code: str) -> bool:
        return code not in self.off


@dataclass(frozen=True, slots=True)
class Limit:
    """A threshold of a rule: a field of `Checks`, whose default is the limit's."""

    name: str
    description: str  # for the schema and the README
    example: int | float  # a value shown in the message about a bad one


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    # What the README's table says, in Markdown: when it fires (defaults included) and a
    # message it writes (shortened with an ellipsis).
    fires: str
    example: str
    description: str  # for the schema: "Warn when ..."
    limits: tuple[Limit, ...] = ()
    # The true/false key that turned the rule off before it had a code; still accepted.
    switch: str = ""


RULES: tuple[Rule, ...] = (
    Rule(
        ANSWER_TOO_LONG,
        "an answer is longer than `answer_max_length` (20), counting each CJK character and "
        "each other word as one",
        "answer of question 'how' of principle 'beta' is too long to recall in one go (21 "
        "characters or words, more than 20); ask for less, or split it into several "
        "questions (\u2026)",
        "Warn about an answer too long to recall in one go.",
        (
            Limit(
                "answer_max_length",
                "Warn when an answer is longer than this, counting each CJK character and "
                "each other word as one.",
                30,
            ),
        ),
    ),
    Rule(
        CLOZE_HIDES_SENTENCE,
        "a phrase is more than `cloze_max_share` (0.5) of its sentence (up to "
        "`\u3002\uff01\uff1f!?` or a line end)",
        "cloze c1 'Finish early' in the text of principle 'gamma' hides 100% of its sentence, "
        "leaving too little to recall it from; mark a shorter phrase (\u2026)",
        "Warn about a cloze phrase that hides most of its sentence.",
        (
            Limit(
                "cloze_max_share",
                "Warn when a cloze phrase hides more than this share of its sentence.",
                0.6,
            ),
        ),
    ),
    Rule(
        TOO_MANY_CLOZES,
        "a text marks more than `clozes_max_per_note` (5) phrases",
        "the text of principle 'alpha' has 6 cloze deletions, more than 5: a note that long is "
        "a list to learn by heart, not a fact; mark only the key phrases (\u2026)",
        "Warn about a text that marks too many cloze phrases.",
        (
            Limit(
                "clozes_max_per_note",
                "Warn when a text marks more cloze phrases than this.",
                8,
            ),
        ),
    ),
    Rule(
        SAME_QUESTION,
        "two questions (anywhere in the deck) have the same text",
        "question 'when' of principle 'gamma' asks the same as question 'how' of principle "
        "'beta' at cards/2-second.yaml:9:19; \u2026",
        "Warn about two questions with the same text.",
    ),
    Rule(
        PRINCIPLE_WITHOUT_CLOZE,
        "a principle's text marks no phrase",
        "principle 'gamma' has no cloze: mark a phrase to recall with [[...]] \u2026",
        "Warn about a principle whose text marks no cloze phrase.",
        switch="principle_needs_cloze",
    ),
    Rule(
        PRINCIPLE_WITHOUT_QUESTION,
        "no `questions:`, or an empty list",
        "principle 'gamma' has no question; add one under 'questions:' \u2026",
        "Warn about a principle without a question.",
        switch="principle_needs_question",
    ),
    Rule(
        LEFTOVER_PINYIN,
        "a Han character followed by a parenthesised, tone-marked syllable",
        "leftover pinyin annotation '\u52d9(w\u00f9)' in text of principle 'alpha'; delete "
        "'(w\u00f9)'",
        "Warn about a leftover pinyin annotation after a Han character.",
    ),
    Rule(
        ASCII_PUNCTUATION,
        "an ASCII `,` `?` `!` `:` `;` next to a Chinese character or mark, looking through "
        "`[[`, `]]` and quotation marks",
        "ASCII ',' next to Chinese text in text of principle 'alpha'; write the full-width "
        "'\uff0c' (U+FF0C), as Chinese typesetting does (\u2026)",
        "Warn about an ASCII , ? ! : ; next to Chinese text (write it full-width).",
        switch="cjk_punctuation",
    ),
    Rule(
        NOT_NFC,
        "the text as written is not in Unicode NFC",
        "answer of question 'when' of principle 'gamma' is not NFC-normalised: '\uf900' "
        "(U+F900) goes on the card as '\u8c48' (U+8C48); write it that way \u2026",
        "Warn about text that is not NFC-normalised.",
    ),
    Rule(
        STRAY_CLOZE_MARKS,
        "`[[` or `]]` in a title, question, answer or note",
        "'[[...]]' marks a cloze only in a principle's text and the deck's introduction; in "
        "answer of question 'what' of principle 'alpha' the brackets show on the card as "
        "written",
        "Warn about [[ or ]] where they mark no cloze (a title, question, answer or note).",
    ),
)

# What a bad value of each kind of setting must be instead, and the README's comment.
_VALUES = {
    bool: ("true or false", ""),
    int: ("a whole number of at least 1", "a whole number, at least 1"),
    float: ("a share above 0 and at most 1", "above 0, at most 1 (1: never warn)"),
}


@dataclass(frozen=True, slots=True)
class CheckKey:
    """One key `checks:` accepts: a rule's code, its old switch, or one of its limits."""

    name: str
    code: str  # the rule's
    kind: type  # bool, int or float: what validation reads the value as
    default: bool | int | float
    values: str  # the words of the error about a bad value
    description: str
    switch: bool  # true/false turns the rule on or off; otherwise a limit


def _defaults() -> dict[str, object]:
    return {f.name: f.default for f in fields(Checks) if f.name != "off"}


def _check_keys() -> dict[str, CheckKey]:
    defaults = _defaults()
    keys: dict[str, CheckKey] = {}
    for rule in RULES:
        keys[rule.code] = CheckKey(
            rule.code,
            rule.code,
            bool,
            True,
            f"true or false, e.g. '{rule.code}: false'",
            f"{rule.description} false turns it off.",
            True,
        )
        if rule.switch:
            keys[rule.switch] = CheckKey(
                rule.switch,
                rule.code,
                bool,
                True,
                "true or false",
                f"{rule.description} The same as '{rule.code}' (its spelling before codes).",
                True,
            )
        for limit in rule.limits:
            default = defaults[limit.name]
            assert isinstance(default, (int, float))
            kind = type(default)
            keys[limit.name] = CheckKey(
                limit.name,
                rule.code,
                kind,
                default,
                f"{_VALUES[kind][0]}, e.g. '{limit.name}: {limit.example}'",
                limit.description,
                False,
            )
    return keys


# Every key `checks:` accepts, by name, in the order of RULES.
CHECK_KEYS: dict[str, CheckKey] = _check_keys()
CODES: tuple[str, ...] = tuple(rule.code for rule in RULES)


def _tuned_by(rule: Rule) -> str:
    names = [f"`{limit.name}`" for limit in rule.limits]
    if rule.switch:
        names.append(f"`{rule.switch}: false` (its spelling before codes)")
    return ", ".join(names) or "\u2014"


def markdown() -> str:
    """The README's table of the rules and its `checks:` block (tools/readme.py)."""
    rows = [
        "| code | fires when (default) | other settings | example message |",
        "| --- | --- | --- | --- |",
        *(f"| `{r.code}` | {r.fires} | {_tuned_by(r)} | `{r.example}` |" for r in RULES),
    ]
    width = max(len(f"  {k.name}: {k.default}") for k in CHECK_KEYS.values() if not k.switch)
    block = ["```yaml", "checks:"]
    for rule in RULES:
        for limit in rule.limits:
            key = CHECK_KEYS[limit.name]
            line = f"  {key.name}: {key.default}"
            block.append(f"{line.ljust(width + 7)}# {_VALUES[key.kind][1]}")
    block += [f"  {code}: true" for code in CODES]
    block.append("```")
    return "\n".join([*rows, "", *block]) + "\n"
