"""`deckgen rename OLD_ID NEW_ID`: a new id for a pillar, principle or question, same notes.

A note's identity (its GUID) is made from the ids it was first built under. Renaming an
id by hand makes new notes and retires the old ones, with their history. `rename`
instead edits the one `id:` in the YAML, keeping the file's comments and layout, and
records the old id beside it as `renamed_from:`, the identity the item's notes keep.
That record is in the cards, so it holds in a fresh clone, with an empty cache and
after a lost lock. Renaming again keeps the first identity; renaming back removes the
record.

A question's id is unique only within its principle: `PRINCIPLE/QUESTION` names one
(`OLD_ID` alone does when only one question has it).

When the id was already changed by hand (the build refused: the old id vanished and
a similar one appeared), `rename OLD NEW` just records `renamed_from: OLD` on NEW.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from deckgen.atomic import write_text_atomically
from deckgen.errors import LockError, RenameError
from deckgen.load import (
    DECK_FILE,
    LOCK_FILE,
    display_path,
    find_card_files,
    find_deck_folders,
    parse_yaml,
)
from deckgen.validate import SLUG

RENAMED_FROM = "renamed_from"


@dataclass(frozen=True)
class _Item:
    """One id in the cards: a pillar, principle or question."""

    kind: str  # "pillar", "principle", "question"
    id: str
    identity: str
    principle: str  # the principle's id, for a question
    path: Path
    id_node: yaml.ScalarNode
    mapping: yaml.MappingNode
    renamed_from: tuple[yaml.ScalarNode, yaml.ScalarNode] | None  # key and value nodes
    folder: Path

    @property
    def name(self) -> str:
        return f"{self.principle}/{self.id}" if self.kind == "question" else self.id

    @property
    def line(self) -> int:
        return int(self.id_node.start_mark.line) + 1


@dataclass(frozen=True)
class RenameResult:
    kind: str
    old: str
    new: str
    path: Path
    line: int
    identity: str  # the identity the notes keep
    recorded_only: bool  # the id had been changed by hand; only renamed_from was added


def rename_id(root: Path, old: str, new: str) -> RenameResult:
    """Rename `old` to `new` in the cards under `root` (see the module docstring)."""
    folders = find_deck_folders(root)
    items = [item for folder in folders for item in _items(folder)]
    old_principle, _, old_question = old.rpartition("/")
    new_name = new.rpartition("/")[2]
    if not SLUG.match(new_name):
        raise RenameError(f"'{new}' is not an ASCII kebab-case id like 'service-awareness'")
    if old_principle:
        matches = [
            i
            for i in items
            if i.kind == "question" and i.id == old_question and i.principle == old_principle
        ]
    else:
        matches = [i for i in items if i.id == old]
    if len(matches) > 1:
        named = ", ".join(f"{m.kind} '{m.name}' ({display_path(m.path)}:{m.line})" for m in matches)
        hint = ""
        if any(m.kind == "question" for m in matches):
            hint = "; name a question as PRINCIPLE/QUESTION"
        if len({m.folder for m in matches}) > 1:
            hint += "; pass --cards DIR to name the deck"
        raise RenameError(f"'{old}' is the id of more than one item: {named}{hint}")
    if not matches:
        return _record_by_hand(items, old, new, folders)
    item = matches[0]
    if new.count("/") and item.kind != "question":
        raise RenameError(f"'{new}' is not an id: only a question is named PRINCIPLE/QUESTION")
    if item.kind == "question" and "/" in new and new.rpartition("/")[0] != item.principle:
        raise RenameError(
            f"a question stays in its principle: rename '{old}' to "
            f"'{item.principle}/{new_name}' (to move it, move its YAML)"
        )
    if new_name == item.id:
        raise RenameError(f"{item.kind} '{item.name}' already has the id '{new_name}'")
    _check_free(items, item, new_name)
    text = _edit(item, new_name)
    _write(item, text, new_name)
    return RenameResult(
        item.kind,
        item.name,
        new_name,
        item.path,
        item.line,
        item.identity,
        recorded_only=False,
    )


def _record_by_hand(items: list[_Item], old: str, new: str, folders: list[Path]) -> RenameResult:
    """`old` is no id any more: record it on `new`, if the lock knows it as gone."""
    old_id = old.rpartition("/")[2]
    new_principle, _, new_id = new.rpartition("/")
    candidates = [
        i for i in items if i.id == new_id and (not new_principle or i.principle == new_principle)
    ]
    if len(candidates) != 1:
        raise RenameError(
            f"no pillar, principle or question has the id '{old}' in "
            f"{', '.join(display_path(f) for f in folders)}"
            + ("" if not candidates else f", and '{new}' names {len(candidates)} items")
        )
    item = candidates[0]
    known = _locked_keys(item.folder)
    if not any(_key_has(key, item.kind, old_id) for key in known):
        raise RenameError(
            f"no pillar, principle or question has the id '{old}', and the lock knows no "
            f"{item.kind} '{old_id}' either: nothing to rename"
        )
    if item.renamed_from is not None:
        raise RenameError(
            f"{item.kind} '{item.name}' already records {RENAMED_FROM}: "
            f"'{item.renamed_from[1].value}'"
        )
    _check_free(items, item, item.id, identity=old_id)
    text = _edit(item, item.id, record=old_id)
    _write(item, text, item.id)
    return RenameResult(item.kind, old, item.id, item.path, item.line, old_id, recorded_only=True)


def _key_has(key: str, kind: str, identity: str) -> bool:
    parts = key.split("/")
    if kind == "pillar":
        return parts == ["pillar", identity]
    if kind == "principle":
        return len(parts) >= 3 and parts[0] == "principle" and parts[1] == identity
    return len(parts) == 4 and parts[2] == "qa" and parts[3] == identity


def _locked_keys(folder: Path) -> list[str]:
    from deckgen.lock import read_lock

    try:
        lock = read_lock(folder / LOCK_FILE, display_path(folder / LOCK_FILE))
    except LockError:
        return []
    return list(lock.notes) if lock is not None else []


def _check_free(items: list[_Item], item: _Item, new_id: str, identity: str | None = None) -> None:
    """`new_id` (and the item's identity) must be no other item's id or identity."""
    for other in items:
        if other is item or other.kind != item.kind or other.folder != item.folder:
            continue
        if item.kind == "question" and other.principle != item.principle:
            continue
        if new_id in (other.id, other.identity):
            whose = "id" if new_id == other.id else "identity (renamed_from)"
            raise RenameError(
                f"'{new_id}' is already the {whose} of {other.kind} '{other.name}' at "
                f"{display_path(other.path)}:{other.line}; choose another id"
            )
        if identity is not None and identity in (other.id, other.identity):
            raise RenameError(
                f"'{identity}' is the id of {other.kind} '{other.name}' at "
                f"{display_path(other.path)}:{other.line}"
            )


def _items(folder: Path) -> list[_Item]:
    pillar_files = find_card_files(folder).files
    found: list[_Item] = []
    for path in pillar_files:
        if path.name == DECK_FILE:
            continue
        root = parse_yaml(path).root
        if not isinstance(root, yaml.MappingNode):
            continue
        pillar = _item("pillar", root, "", path, folder)
        if pillar is not None:
            found.append(pillar)
        principles = _value(root, "principles")
        if not isinstance(principles, yaml.SequenceNode):
            continue
        for p_node in principles.value:
            principle = _item("principle", p_node, "", path, folder)
            if principle is None:
                continue
            found.append(principle)
            questions = _value(p_node, "questions")
            if isinstance(questions, yaml.SequenceNode):
                for q_node in questions.value:
                    question = _item("question", q_node, principle.id, path, folder)
                    if question is not None:
                        found.append(question)
    return found


def _value(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            found: yaml.Node = v
            return found
    return None


def _pair(node: yaml.MappingNode, key: str) -> tuple[yaml.ScalarNode, yaml.ScalarNode] | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.ScalarNode):
            return k, v
    return None


def _item(kind: str, node: yaml.Node, principle: str, path: Path, folder: Path) -> _Item | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    id_pair = _pair(node, "id")
    if id_pair is None:
        return None
    renamed = _pair(node, RENAMED_FROM)
    item_id = id_pair[1].value.strip()
    identity = renamed[1].value.strip() if renamed is not None else item_id
    return _Item(kind, item_id, identity, principle, path, id_pair[1], node, renamed, folder)


def _edit(item: _Item, new_id: str, record: str | None = None) -> str:
    """The file's text with the item's id replaced and its renamed_from kept right."""
    text = _read(item.path)[1]
    newline = "\r\n" if "\r\n" in text else "\n"
    node = item.id_node
    start, end = node.start_mark.index, node.end_mark.index
    quote = text[start] if node.style in ("'", '"') else ""
    replacement = f"{quote}{new_id}{quote}"
    edits: list[tuple[int, int, str]] = [(start, end, replacement)]
    identity = record if record is not None else item.identity
    if item.renamed_from is None:
        if identity != new_id:
            edits.append(_insertion(text, item, identity, newline))
    elif item.renamed_from[1].value.strip() == new_id:
        edits.append(_removal(text, item))
    out = text
    for a, b, piece in sorted(edits, reverse=True):
        out = out[:a] + piece + out[b:]
    return out


def _insertion(text: str, item: _Item, identity: str, newline: str) -> tuple[int, int, str]:
    node = item.id_node
    end = node.end_mark.index
    if item.mapping.flow_style:
        return (end, end, f", {RENAMED_FROM}: {identity}")
    key_node = _pair(item.mapping, "id")
    column = key_node[0].start_mark.column if key_node is not None else 0
    line_end = text.find("\n", end)
    if line_end == -1:
        return (len(text), len(text), f"{newline}{' ' * column}{RENAMED_FROM}: {identity}")
    if line_end > 0 and text[line_end - 1] == "\r":
        line_end -= 1
    return (line_end, line_end, f"{newline}{' ' * column}{RENAMED_FROM}: {identity}")


def _removal(text: str, item: _Item) -> tuple[int, int, str]:
    assert item.renamed_from is not None
    key, value = item.renamed_from
    if item.mapping.flow_style:
        before = text.rfind(",", 0, key.start_mark.index)
        return (before if before >= 0 else key.start_mark.index, value.end_mark.index, "")
    line_start = text.rfind("\n", 0, key.start_mark.index) + 1
    line_end = text.find("\n", value.end_mark.index)
    line_end = len(text) if line_end == -1 else line_end + 1
    if text[line_start : key.start_mark.index].strip() not in ("", "-"):
        return (key.start_mark.index, value.end_mark.index, "")  # shares its line
    return (line_start, line_end, "")


def _read(path: Path) -> tuple[bytes, str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RenameError(f"cannot read {display_path(path)}: {exc.strerror or exc}") from None
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    return bom, data[len(bom) :].decode("utf-8")


def _write(item: _Item, text: str, new_id: str) -> None:
    """Write the edited file, after checking it reads back with the item renamed."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:  # pragma: no cover - the edit keeps the YAML valid
        raise RenameError(f"could not edit {display_path(item.path)} safely: {exc}") from None
    ids = _all_ids(root)
    if new_id not in ids:  # pragma: no cover - a safety net
        raise RenameError(f"could not edit {display_path(item.path)} safely; edit it by hand")
    bom = _read(item.path)[0]
    try:
        write_text_atomically(item.path, bom + text.encode("utf-8"))
    except OSError as exc:
        raise RenameError(f"cannot write {display_path(item.path)}: {exc.strerror}") from None


def _all_ids(node: yaml.Node | None) -> set[str]:
    found: set[str] = set()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for k, v in current.value:
                if (
                    isinstance(k, yaml.ScalarNode)
                    and k.value == "id"
                    and isinstance(v, yaml.ScalarNode)
                ):
                    found.add(v.value)
                stack.append(v)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return found
