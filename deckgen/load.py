"""Read the cards folder: YAML files into nodes that remember where they came from.

Only PyYAML's safe composer is used (libyaml's C version when present): no tag in a
cards file can construct a Python object. Nothing is interpreted here beyond YAML
syntax; `validate` turns the nodes into the model.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from deckgen.errors import ContentError, Finding, Location, visible

try:  # libyaml's C parser is several times faster on large decks.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

DECK_FILE = "deck.yaml"
LOCK_FILE = "deckgen.lock"


@dataclass(frozen=True)
class SourceFile:
    """One parsed YAML file: its root node (None when the file is empty) and its text."""

    path: Path
    display: str
    root: yaml.Node | None
    text: str = ""


def display_path(path: Path) -> str:
    """The path as the user should see it: relative to the working folder if inside it,
    with a byte that is not UTF-8 (`9-\\xff.yaml`) or an invisible character escaped."""
    try:
        rel = os.path.relpath(path)
    except (ValueError, OSError):  # another drive on Windows; no working folder
        rel = str(path)
    return visible(str(path) if rel.startswith("..") else rel)


def node_location(display: str, node: yaml.Node) -> Location:
    mark = node.start_mark
    return Location(display, mark.line + 1, mark.column + 1)


def index_location(display: str, text: str, index: int) -> Location:
    """The 1-based line and column of a character index into the file's text."""
    line_start = text.rfind("\n", 0, index) + 1
    return Location(display, text.count("\n", 0, index) + 1, index - line_start + 1)


def value_location(source: SourceFile, node: yaml.Node, offset: int) -> Location:
    """Where the character at `offset` of a scalar's value is written in the file.

    Works for every scalar style (plain, quoted, literal `|`, folded `>`, over several
    lines) by walking the value and the file's text side by side: YAML only drops
    indentation, quotes and line breaks, and folds a line break into a space. Falls
    back to the scalar's start when the two cannot be matched (escape sequences).
    """
    if not isinstance(node, yaml.ScalarNode):
        return node_location(source.display, node)
    return Written(*Written.marks(source, node)).char_location(node.value, offset)


@dataclass(frozen=True, slots=True)
class Written:
    """Where a scalar is written: enough to point into it once its node tree is gone.

    Keeps the file's text (one string shared by every scalar of the file) and the
    scalar's marks, not the node: a deck's node trees are many times its text.
    `validate.TextValue` extends it (one object per text value, not two).
    """

    display: str
    text: str
    line: int  # 1-based, of the scalar's start
    column: int
    start: int  # character indexes of the scalar in `text`
    end: int
    style: str | None

    @staticmethod
    def marks(
        source: SourceFile, node: yaml.ScalarNode
    ) -> tuple[str, str, int, int, int, int, str | None]:
        """The fields of a Written for `node` of `source`, in order."""
        start, end = node.start_mark, node.end_mark
        return (
            source.display,
            source.text,
            start.line + 1,
            start.column + 1,
            start.index,
            end.index,
            node.style,
        )

    @property
    def location(self) -> Location:
        return Location(self.display, self.line, self.column)

    def char_location(self, value: str, offset: int) -> Location:
        """Where the character at `offset` of the scalar's `value` is written
        (see `value_location`)."""
        start = self.location
        text = self.text
        if not text or not 0 <= offset < len(value):
            return start
        pos, end = self.start, min(self.end, len(text))
        if self.style in ("|", ">"):
            pos = text.find("\n", pos, end) + 1  # the content starts below the header line
            if pos == 0:
                return start
        found = -1
        for ch in value[: offset + 1]:
            while pos < end and text[pos] != ch and not (ch in " \n" and text[pos] == "\n"):
                pos += 1
            if pos >= end:
                return start
            found = pos
            pos += 1
        return index_location(self.display, text, found)


def _decode(path: Path, display: str, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise ContentError(
            [
                Finding(
                    Location(display, line, col),
                    "error",
                    f"file is not UTF-8 (byte 0x{data[exc.start]:02x}); "
                    "save it as UTF-8 in your editor",
                )
            ]
        ) from None


def parse_yaml(path: Path, display: str | None = None) -> SourceFile:
    """Parse one file into a node tree, or raise ContentError with the exact position."""
    shown = display if display is not None else display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(
            [Finding(Location(shown), "error", f"cannot read file: {exc.strerror}")]
        ) from None
    text = _decode(path, shown, data)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{problem} ({exc.context})"
        loc = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        first = exc.context_mark.line if exc.context_mark else loc.line - 1
        hint = _syntax_hint(text, problem, first, loc.line - 1, mark.index if mark else -1)
        message = f"YAML syntax error: {problem}{hint}"
        raise ContentError([Finding(loc, "error", message)]) from None
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow in a file (a control character). libyaml gives
        # its position in UTF-8 bytes, PyYAML in characters: find the character instead.
        bad = chr(exc.character) if isinstance(exc.character, int) else ""
        index = text.find(bad) if bad else -1
        loc = index_location(shown, text, index) if index >= 0 else Location(shown)
        message = (
            f"control character U+{ord(bad):04X} is not allowed in a YAML file; delete it"
            if bad
            else f"YAML error: {exc.reason}"
        )
        raise ContentError([Finding(loc, "error", message)]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error is one of the above
        raise ContentError([Finding(Location(shown), "error", f"YAML error: {exc}")]) from None
    return SourceFile(path, shown, root, text)


_CLOZE_FIRST = re.compile(r"^\s*(?:-\s+)*(?:[\w-]+:\s+)?\[\[")


def _syntax_hint(text: str, problem: str, first: int, last: int, index: int) -> str:
    """The likely fix for the YAML mistakes authors of cards make most."""
    lines = text.splitlines()
    if any(_CLOZE_FIRST.match(line) for line in lines[max(first, 0) : last + 1]):
        return (
            "; a value that starts with '[[' is read as a YAML list: put the whole text "
            "in quotes, or use a block scalar ('|')"
        )
    if 0 <= index < len(text) and text[index] == "\t":
        return "; indent with spaces, not tabs"
    if problem.startswith("mapping values are not allowed"):
        return "; a ': ' inside a value needs the whole value in quotes"
    return ""


def find_card_files(folder: Path) -> tuple[Path, list[Path]]:
    """The deck file and the pillar files of one deck folder, pillar files in name order.

    Raises ContentError when the folder or its deck file is missing.
    """
    shown = display_path(folder)
    if not folder.is_dir():
        raise ContentError(
            [
                Finding(
                    Location(shown),
                    "error",
                    "cards folder not found; pass --cards DIR or create it with a deck.yaml",
                )
            ]
        )
    deck_file = folder / DECK_FILE
    if not any(p.suffix in (".yaml", ".yml") for p in folder.iterdir()):
        raise ContentError(
            [
                Finding(
                    Location(shown),
                    "error",
                    f"the cards folder has no YAML files; create {DECK_FILE} and one YAML file "
                    "per pillar (see README: 'The cards format')",
                )
            ]
        )
    if not deck_file.is_file():
        misnamed = folder / "deck.yml"
        raise ContentError(
            [
                Finding(
                    Location(shown),
                    "error",
                    f"no {DECK_FILE} in the cards folder; rename deck.yml to {DECK_FILE}"
                    if misnamed.is_file()
                    else f"no {DECK_FILE} in the cards folder; every deck needs one "
                    "(see README: 'The cards format')",
                )
            ]
        )
    pillar_files = sorted(
        (p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.name != DECK_FILE),
        key=lambda p: _natural_key(p.name),
    )
    return deck_file, pillar_files


def _natural_key(name: str) -> list[object]:
    """Sort 2-x.yaml before 10-x.yaml."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def find_deck_folders(root: Path) -> list[Path]:
    """The deck folders of a project: `root` itself when it holds a deck.yaml, then each
    direct subfolder that holds one (`cards/<deck>/deck.yaml`), in natural name order.

    When there is none, returns [root], so that loading it reports what is missing.
    """
    found = [root] if (root / DECK_FILE).is_file() else []
    if root.is_dir():
        subfolders = (
            p
            for p in root.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / DECK_FILE).is_file()
        )
        found.extend(sorted(subfolders, key=lambda p: _natural_key(p.name)))
    return found or [root]
