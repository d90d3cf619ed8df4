"""Simplified or Traditional characters: OpenCC over every text a learner reads.

`deckgen build --script simplified|traditional` converts the generated notes' fields
(everything but the Key field, which is ASCII identity), their cloze phrases and the
deck description. The notes are converted rather than the cards' YAML model because
the generator adds text of its own (the pillar overview question, the deck name shown
as context) that must be in the learner's script too. Fields are HTML-escaped by then,
which is harmless: entities and markup are ASCII, and OpenCC only changes Han text.

What is *not* converted: ids, GUIDs, the deck key and the deck's name in Anki. Anki
matches notes by GUID and decks by name, so a learner who switches script imports the
new build over the old one and every note is updated in place, in the same deck, with
all its cards' history. For the lock, switching script is an edit of every note: each
gets a new change stamp, newer than any before, so the switch (and a switch back) is
imported as an update.

OpenCC is imported only when a conversion is asked for, so other commands never load it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Literal

from deckgen.chinese import is_han
from deckgen.errors import ScriptError

if TYPE_CHECKING:  # only for annotations: `deckgen extract` uses this module without genanki
    from deckgen.generate import Note
    from deckgen.notetypes import NoteType

Script = Literal["simplified", "traditional"]
SCRIPTS: tuple[Script, ...] = ("simplified", "traditional")

# OpenCC configurations. Traditional is s2tw: the character forms standard in Taiwan and
# most Traditional print (為, 眾, 裡), which are the forms the shipped deck is written in;
# plain s2t would give 爲 and 衆. Not s2twp: its phrase tables swap vocabulary (信息 ->
# 資訊, 支持 -> 支援, 運行 -> 執行), a change of wording the author never wrote. Simplified
# is t2s, which reads either Traditional standard (為 and 爲 both become 为).
OPENCC_CONFIGS: dict[Script, str] = {"simplified": "t2s", "traditional": "s2tw"}

SCRIPT_NAMES: dict[Script, str] = {
    "simplified": "Simplified Chinese",
    "traditional": "Traditional Chinese",
}

KEY_FIELD = "Key"


def converter(script: Script) -> Callable[[str], str]:
    """OpenCC's conversion to `script`, as a function of one string."""
    import opencc

    config = OPENCC_CONFIGS[script]
    try:
        convert: Callable[[str], str] = opencc.OpenCC(config).convert
    except RuntimeError as exc:  # how OpenCC says it cannot read its own files
        raise ScriptError(
            f"OpenCC cannot load its '{config}' conversion ({str(exc).rstrip('.')}); "
            "reinstall it: pip install --force-reinstall opencc"
        ) from None
    return convert


def convert_notes(notes: list[Note], types: dict[str, NoteType], script: Script) -> list[Note]:
    """The notes with every field but Key in `script`.

    Key, GUID and everything else that makes a note's identity stay as they are, and so
    do the cloze phrases the lock numbers (as the cards write them: deckgen.numbering).
    """
    convert = converter(script)
    key_index = {kind: nt.fields.index(KEY_FIELD) for kind, nt in types.items()}
    converted = []
    for note in notes:
        keep = key_index[note.kind]
        fields = tuple(
            value if i == keep else convert(value) for i, value in enumerate(note.fields)
        )
        converted.append(dataclasses.replace(note, fields=fields))
    return converted


def detect_script(texts: Iterable[str]) -> Script | None:
    """Which script the Han characters of `texts` are mostly in; None if undecided.

    Counts the characters OpenCC would change when converting each one on its own to
    Simplified (so, Traditional-only characters) and to Traditional (Simplified-only
    ones). Characters common to both scripts count for neither.
    """
    counts = Counter(ch for text in texts for ch in text if is_han(ch))
    if not counts:
        return None
    chars = "".join(counts)
    # One conversion call per script over all distinct characters, separated by a
    # character OpenCC leaves alone, keeps them from forming phrases.
    to_simplified = converter("simplified")("\n".join(chars)).split("\n")
    to_traditional = converter("traditional")("\n".join(chars)).split("\n")
    if len(to_simplified) != len(chars) or len(to_traditional) != len(chars):
        return None  # pragma: no cover - OpenCC keeps line breaks
    traditional_only = sum(
        counts[ch] for ch, simp in zip(chars, to_simplified, strict=True) if simp != ch
    )
    simplified_only = sum(
        counts[ch] for ch, trad in zip(chars, to_traditional, strict=True) if trad != ch
    )
    if traditional_only > simplified_only:
        return "traditional"
    if simplified_only > traditional_only:
        return "simplified"
    return None


def conversion_summary(script: Script) -> str:
    """One line for the build summary."""
    return (
        f"Converted to {SCRIPT_NAMES[script]} with OpenCC ({OPENCC_CONFIGS[script]}); "
        "the deck name and note identities are unchanged."
    )


OWN = "own"  # the cards' own script: a build without --script


def script_option(script: str | None) -> str:
    """How a build in `script` is asked for, for messages."""
    return f"with --script {script}" if script in SCRIPTS else "without --script"


def locked_script(
    locked: Mapping[str, str],
    notes: list[Note],
    types: dict[str, NoteType],
    current: Script | None,
    sample: int = 10,
) -> str | None:
    """The script of the build that wrote the lock, if not `current`: one of SCRIPTS, or
    OWN for a build without --script; None when no script explains the locked content.

    `locked` maps note keys to the lock's content hashes; `notes` are in the cards' own
    script. Judged on a sample of notes, by majority, so that a few edited notes do not
    hide a switch of script.
    """
    picked = [n for n in notes if n.key in locked][:sample]
    if not picked:
        return None

    def matches(script: Script | None) -> int:
        converted = picked if script is None else convert_notes(picked, types, script)
        return sum(locked[n.key] == n.content_hash for n in converted)

    # A script explains the lock when it matches most of the sample, and more of it than
    # this build does (s2tw leaves most of a Traditional text as it is, for instance).
    this_build = matches(current)
    builds: list[tuple[str, Script | None]] = [(OWN, None), *((s, s) for s in SCRIPTS)]
    for name, script in builds:
        if script != current and matches(script) > max(len(picked) // 2, this_build):
            return name
    return None


def switch_summary(previous: str, current: Script | None) -> str:
    """Why every note changed, for the build summary."""
    return (
        f"Every note changed because the last build was {script_option(previous)} and this "
        f"one is {script_option(current)}: importing updates every note in place, reviews "
        f"kept. Build {script_option(previous)} to stay in its script."
    )
