"""Reading a cards folder: the one listing every reader shares, and safe reading of files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import deckgen.load as load_module
from deckgen.cache import source_digest
from deckgen.errors import ContentError
from deckgen.load import (
    MAX_FILE_BYTES,
    compose_text,
    list_cards_folder,
    needs_careful_compose,
    read_cards_bytes,
)
from tests.helpers import SHIPPED_CARDS, run_cli

NOT_UTF8 = os.fsdecode(b"9-\xff.yaml")  # a name with a byte that is not UTF-8
PILLAR = (
    "id: extra\ntitle: Extra\nprinciples:\n  - id: delta\n    title: Delta\n"
    "    text: Be [[brief]].\n    questions: []\n"
)


def names(paths: tuple[Path, ...]) -> list[str]:
    return [p.name for p in paths]


def test_listing_gives_deck_file_then_pillars_in_natural_order(cards: Path):
    (cards / "10-tenth.yml").write_text(PILLAR)
    (cards / "README.md").write_text("not cards")
    (cards / "sub").mkdir()  # another deck's folder, not a cards file
    listing = list_cards_folder(cards)
    assert names(listing.files) == ["deck.yaml", "1-first.yaml", "2-second.yaml", "10-tenth.yml"]
    assert listing.deck_file == cards / "deck.yaml"
    assert names(listing.pillar_files) == ["1-first.yaml", "2-second.yaml", "10-tenth.yml"]
    assert listing.findings == ()


HIDDEN = "skipped: a hidden file (its name starts with '.'); rename it if it holds cards"
TEMPORARY = "skipped: an editor's temporary or backup file, not a cards file"


@pytest.mark.parametrize(
    ("name", "note"),
    [
        (".5-hidden.yaml", HIDDEN),
        (".#1-first.yaml", TEMPORARY),  # Emacs' lock (a dangling link, made below)
        ("#1-first.yaml#", TEMPORARY),  # Emacs' auto-save
        ("1-first.yaml~", TEMPORARY),  # a backup
        (".1-first.yaml.swp", TEMPORARY),  # Vim's swap file
        ("#notes.yaml", TEMPORARY),
    ],
)
def test_hidden_files_and_editor_temporaries_are_skipped_with_a_note(
    cards: Path, name: str, note: str
):
    if name.startswith(".#"):
        os.symlink("user@host.1234:1700000000", cards / name)
    else:
        (cards / name).write_text(PILLAR)
    listing = list_cards_folder(cards)
    assert names(listing.files) == ["deck.yaml", "1-first.yaml", "2-second.yaml"]
    assert [(f.severity, f.location.path, f.message) for f in listing.findings] == [
        ("note", f"cards/{name}", note)
    ]


def test_a_note_never_fails_check_not_even_strict(cards: Path):
    (cards / ".5-hidden.yaml").write_text(PILLAR)
    result = run_cli("check", "--cards", "cards", "--strict")
    assert result.output.splitlines() == [
        f"cards/.5-hidden.yaml: note: {HIDDEN}",
        "Checked cards: 0 errors, 0 warnings.",
    ]
    assert result.exit_code == 0


MOVE_IT = (
    "; every *.yaml and *.yml file in a cards folder is read as cards: move it out of the "
    "folder or rename it"
)


def _fifo(cards: Path) -> str:
    os.mkfifo(cards / "5-pipe.yaml")
    return "5-pipe.yaml"


def _folder(cards: Path) -> str:
    (cards / "x.yaml").mkdir()
    return "x.yaml"


def _loop(cards: Path) -> str:
    os.symlink("3-loop.yaml", cards / "3-loop.yaml")
    return "3-loop.yaml"


def _dangling(cards: Path) -> str:
    os.symlink("gone.yaml", cards / "3-gone.yaml")
    return "3-gone.yaml"


def _dev_zero(cards: Path) -> str:
    os.symlink("/dev/zero", cards / "3-zero.yaml")
    return "3-zero.yaml"


def _not_utf8(cards: Path) -> str:
    (cards / NOT_UTF8).write_text(PILLAR)
    return NOT_UTF8


@pytest.mark.parametrize(
    ("make", "shown", "message"),
    [
        (_fifo, "5-pipe.yaml", "it is a named pipe (FIFO), not a regular file" + MOVE_IT),
        (_folder, "x.yaml", "it is a folder, not a file" + MOVE_IT),
        (
            _loop,
            "3-loop.yaml",
            "it is a symbolic link that leads back to itself (a loop)" + MOVE_IT,
        ),
        (
            _dangling,
            "3-gone.yaml",
            "it is a symbolic link to 'gone.yaml', which does not exist" + MOVE_IT,
        ),
        (
            _dev_zero,
            "3-zero.yaml",
            "it is a symbolic link to '/dev/zero', which is a device, not a regular file" + MOVE_IT,
        ),
        (_not_utf8, "9-\\xff.yaml", None),
    ],
    ids=["fifo", "folder", "link-loop", "dangling-link", "link-to-dev-zero", "name-not-utf8"],
)
def test_entries_that_cannot_be_cards_files_are_errors_with_their_path(
    cards: Path, make, shown: str, message: str | None
):
    """Regression: a FIFO hung the build, /dev/zero ended in MemoryError, a folder or a
    link loop passed `build` and failed `check`, a non-UTF-8 name was a traceback."""
    make(cards)
    listing = list_cards_folder(cards)
    assert names(listing.files) == ["deck.yaml", "1-first.yaml", "2-second.yaml"]
    expected = (
        f"cannot read it: {message}"
        if message
        else "the file name is not UTF-8 (byte 0xff); rename the file"
    )
    assert [(f.severity, f.location.path, f.message) for f in listing.findings] == [
        ("error", f"cards/{shown}", expected)
    ]


def test_reading_a_fifo_never_blocks(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.yaml")
    with pytest.raises(ContentError) as err:
        read_cards_bytes(tmp_path / "pipe.yaml", "pipe.yaml")  # no writer: would block
    assert "named pipe (FIFO)" in str(err.value)


def test_reading_a_device_reads_nothing(tmp_path: Path):
    with pytest.raises(ContentError) as err:
        read_cards_bytes(Path("/dev/zero"), "zero.yaml")
    assert str(err.value) == (
        "zero.yaml: error: cannot read it: it is a device, not a regular file" + MOVE_IT
    )


def test_a_file_larger_than_the_limit_is_refused(tmp_path: Path):
    big = tmp_path / "3-big.yaml"
    big.write_bytes(b"# " + b"x" * (MAX_FILE_BYTES - 1))  # one byte over
    with pytest.raises(ContentError) as err:
        read_cards_bytes(big, "3-big.yaml")
    assert str(err.value) == (
        "3-big.yaml: error: file is larger than 10 MB (10,000,000 bytes), the most deckgen "
        "reads; split it into several pillar files"
    )
    big.write_bytes(b"# " + b"x" * (MAX_FILE_BYTES - 2))  # exactly the limit
    assert len(read_cards_bytes(big)) == MAX_FILE_BYTES


def test_a_file_that_grows_while_read_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """fstat said small, but more came: only the limit and one byte are ever read."""
    path = tmp_path / "3-grows.yaml"
    path.write_bytes(b"x" * 20)
    monkeypatch.setattr(load_module, "MAX_FILE_BYTES", 10)
    real_fstat = os.fstat
    monkeypatch.setattr(
        os,
        "fstat",
        lambda fd: os.stat_result((*real_fstat(fd)[:6], 5, *real_fstat(fd)[7:])),
    )
    with pytest.raises(ContentError, match="file is larger than"):
        read_cards_bytes(path)


def test_the_largest_synthetic_pillar_is_far_below_the_limit(tmp_path: Path):
    """The limit leaves room: a full pillar of bench/synth.py (50 principles) is 44 kB."""
    from bench.synth import write_cards as write_synthetic

    folder = write_synthetic(tmp_path / "synth", 400)
    largest = max(p.stat().st_size for p in folder.glob("*.yaml"))
    assert 30_000 < largest < MAX_FILE_BYTES // 100


# --- build and check agree on what the deck is ------------------------------------------


def test_digest_ignores_what_the_loader_skips(cards: Path):
    """Regression: the digest skipped hidden files the loader read: '.5-h.yaml' made the
    build say 'up to date' while a cold build added its notes. Now neither reads it."""
    before = source_digest(cards, [cards], options="")
    (cards / ".5-hidden.yaml").write_text(PILLAR)
    (cards / "1-first.yaml~").write_text(PILLAR)
    (cards / "README.md").write_text("notes for myself")
    assert source_digest(cards, [cards], options="") == before


@pytest.mark.parametrize("make", [_fifo, _folder, _loop, _dangling, _not_utf8])
def test_digest_changes_with_an_entry_the_loader_reports(cards: Path, make):
    before = source_digest(cards, [cards], options="")
    make(cards)
    assert source_digest(cards, [cards], options="") != before


@pytest.mark.parametrize("make", [_fifo, _folder, _loop, _dangling, _dev_zero, _not_utf8])
def test_build_after_a_build_fails_as_check_does(cards: Path, tmp_path: Path, make):
    """The up-to-date shortcut never hides an entry `check` reports."""
    out = tmp_path / "out" / "mini.apkg"
    assert run_cli("build", "--cards", "cards", "-o", out).exit_code == 0
    name = make(cards)
    built = run_cli("build", "--cards", "cards", "-o", out)
    checked = run_cli("check", "--cards", "cards")
    assert built.exit_code == checked.exit_code == 1
    shown = "9-\\xff.yaml" if name == NOT_UTF8 else name
    error = next(line for line in checked.output.splitlines() if ": error: " in line)
    assert error.startswith(f"cards/{shown}: error: ")
    assert error in built.output.splitlines()


def test_a_fifo_named_deck_yaml_is_reported_not_read(cards: Path, tmp_path: Path):
    (cards / "deck.yaml").unlink()
    os.mkfifo(cards / "deck.yaml")
    result = run_cli("check", "--cards", "cards")
    assert result.output.splitlines() == [
        "cards/deck.yaml: error: cannot read it: it is a named pipe (FIFO), not a regular "
        "file" + MOVE_IT,
        "Checked cards: 1 error, 0 warnings.",
    ]
    built = run_cli("build", "--cards", "cards", "-o", tmp_path / "x.apkg")
    assert built.exit_code == 1 and "cards/deck.yaml: error: cannot read it" in built.output


# --- YAML as data only -----------------------------------------------------------------


def compose(text: str) -> yaml.Node | None:
    return compose_text(text, "f.yaml")


def refused(text: str) -> list[str]:
    """The findings of composing `text`, as printed."""
    with pytest.raises(ContentError) as err:
        compose(text)
    return [str(f) for f in err.value.findings]


def tag_error(where: str, tag: str, advice: str = "") -> str:
    return (
        f"f.yaml:{where}: error: YAML tag '{tag}' is not allowed: a cards file holds only "
        f"text, numbers, true/false, lists and mappings; remove the tag{advice}"
    )


AS_TEXT = "; write text in quotes instead if that is what it is for"


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        pytest.param(
            "x: !!timestamp 2020-13-45\n", [tag_error("1:4", "!!timestamp")], id="timestamp"
        ),
        pytest.param("x: !!int abc\n", [tag_error("1:4", "!!int")], id="int"),
        pytest.param("x: !!float abc\n", [tag_error("1:4", "!!float")], id="float"),
        pytest.param("x: !!bool maybe\n", [tag_error("1:4", "!!bool")], id="bool"),
        pytest.param("x: !foo 1\n", [tag_error("1:4", "!foo")], id="local"),
        pytest.param("x: !<tag:a,1:b> 1\n", [tag_error("1:4", "!<tag:a,1:b>")], id="verbatim"),
        pytest.param("x: ! 12\n", [tag_error("1:4", "!", AS_TEXT)], id="non-specific"),
        pytest.param("x: !!str 12\n", [tag_error("1:4", "!!str", AS_TEXT)], id="str"),
        pytest.param("!!str x: 1\n", [tag_error("1:1", "!!str", AS_TEXT)], id="on-a-key"),
        pytest.param("x: &a !foo 1\n", [tag_error("1:7", "!foo")], id="after-an-anchor"),
        pytest.param("x: !!seq [1]\n", [tag_error("1:4", "!!seq")], id="on-a-list"),
        pytest.param("x: !!map\n  a: 1\n", [tag_error("1:4", "!!map")], id="on-a-mapping"),
        pytest.param(
            "checks: {cloze_max_share: !!float abc}\n",
            [tag_error("1:27", "!!float")],
            id="inside-checks",
        ),
        pytest.param(
            "a: !x 1\nb: [!y 2]\n",
            [tag_error("1:4", "!x"), tag_error("2:5", "!y")],
            id="every-tag-at-once",
        ),
    ],
)
def test_a_tag_is_refused_where_it_is_written(text: str, errors: list[str]):
    """Regression: `!!timestamp 2020-13-45` was a traceback, `!!bool maybe` silently
    true, and a tagged value was told to "put it in quotes", which keeps the tag."""
    assert refused(text) == errors


def control(where: str, what: str, escape: str) -> str:
    return (
        f"f.yaml:{where}: error: {what} (the escape '{escape}') is not allowed in a YAML "
        "file; delete it"
    )


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        (r'x: "a\0b"', [control("1:6", "control character U+0000", "\\0")]),
        (r'x: "a\eb"', [control("1:6", "control character U+001B", "\\e")]),
        (r'x: "\x07"', [control("1:5", "control character U+0007", "\\x07")]),
        (
            r'x: "\u0085 is NEL, \x9f is not"',
            [control("1:20", "control character U+009F", "\\x9f")],
        ),
        (r'x: "\uFFFE"', [control("1:5", "character U+FFFE", "\\uFFFE")]),
        (r'x: "\ud800"', [control("1:5", "lone surrogate U+D800", "\\ud800")]),
        (r'"k\b": 1', [control("1:3", "control character U+0008", "\\b")]),
        (
            r'x: "\a and \v"',
            [
                control("1:5", "control character U+0007", "\\a"),
                control("1:12", "control character U+000B", "\\v"),
            ],
        ),
    ],
    ids=["nul", "esc", "bel", "c1", "non-character", "surrogate", "on-a-key", "two"],
)
def test_an_escape_that_makes_a_control_character_is_refused_as_the_raw_one(
    text: str, errors: list[str]
):
    """Regression: "\\0" or "\\e" went into fields, while the same characters written raw
    were refused."""
    assert refused(text) == errors


def test_escapes_of_allowed_characters_are_kept():
    node = compose(r'x: "tab\there, \"quoted\", \\ \u00e9 \U0001F600 \N \_ \L"')
    assert isinstance(node, yaml.MappingNode)
    assert node.value[0][1].value == 'tab\there, "quoted", \\ \u00e9 \U0001f600 \x85 \xa0 \u2028'


def test_a_utf16_surrogate_pair_is_told_to_be_one_escape():
    assert refused(r'x: "\uD83D\uDE00"') == [
        "f.yaml:1:5: error: lone surrogate U+D83D (the escape '\\uD83D') is not allowed in a "
        "YAML file: YAML writes U+1F600 as one escape, '\\U0001F600', not as a UTF-16 pair"
    ]


def test_a_raw_control_character_is_refused_as_before():
    assert refused("x: a\x07b\n") == [
        "f.yaml:1:5: error: control character U+0007 is not allowed in a YAML file; delete it"
    ]


TOO_DEEP = (
    "error: lists and mappings are nested more than 32 deep here (cards need 5: a pillar's "
    "principles, a principle, its questions, a question); a cards file holds no deeper "
    "structure"
)


def flow(depth: int) -> str:
    return "[" * depth + "]" * depth + "\n"


def block(depth: int) -> str:
    """`depth` mappings, each indented two more than its parent."""
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "end\n"


def indentless(depth: int) -> str:
    """Each mapping's value a list at the key's own column: two levels for every two
    columns, the most nesting a narrow file can hold."""
    lines = ["k:"]
    while depth - 2 * len(lines) + 1 >= 2:
        lines.append("  " * (len(lines) - 1) + "- k:")
    if depth % 2 == 0:
        lines.append("  " * (len(lines) - 1) + "- x")
    return "\n".join(lines) + "\n"


def tightest(depth: int) -> str:
    """A list at its key's column, its item one column further right, and so on: two
    levels for every column, the least indentation YAML allows for deep nesting (the
    33rd level starts at column 17, where needs_careful_compose begins to look)."""
    lines = []
    for level in range(depth):
        lines.append(" " * (level // 2) + ("k:" if level % 2 == 0 else "-"))
    if depth % 2 == 0:
        lines.append(" " * (depth // 2) + "x")
    return "\n".join(lines) + "\n"


def compact(depth: int) -> str:
    return "- " * depth + "x\n"


@pytest.mark.parametrize(
    ("make", "where", "far"),
    [
        (flow, "1:33", "1:1001"),  # libyaml stops at 1,000 levels of brackets by itself
        (block, "33:65", "33:65"),
        (indentless, "17:33", "17:33"),
        (tightest, "33:17", "33:17"),
        (compact, "1:65", "1:65"),
    ],
    ids=["flow", "block", "indentless", "tightest", "compact"],
)
def test_nesting_deeper_than_32_is_refused_at_the_33rd_level(make, where: str, far: str):
    """Regression: about 450 levels ended in a RecursionError."""
    assert compose(make(32)) is not None
    assert refused(make(33)) == [f"f.yaml:{where}: {TOO_DEEP}"]
    assert refused(make(5000)) == [f"f.yaml:{far}: {TOO_DEEP}"]


def test_nesting_made_by_an_alias_counts():
    """The root mapping, 11 lists, then the alias: 20 more lists, 32 in all."""
    deep = "[" * 20 + "]" * 20

    def aliased(around: int) -> str:
        return f"a: &deep {deep}\nb: " + "[" * around + "*deep" + "]" * around + "\n"

    assert compose(aliased(11)) is not None
    assert refused(aliased(12)) == [f"f.yaml:2:16: {TOO_DEEP}"]


def laughs(levels: int) -> str:
    """A billion laughs: each level lists ten aliases of the one before."""
    lines = ["l0: &l0 [ha, ha, ha, ha, ha, ha, ha, ha, ha, ha]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_the_alias_that_passes_the_limit():
    # The aliases of l1 stand for 10 x 11 values, those of l2 for 10 x 111, and so on:
    # 12,330 up to l3, and the 8th alias of l4 brings them to 12,330 + 8 x 11,111.
    assert compose(laughs(3)) is not None
    assert refused(laughs(9)) == [
        "f.yaml:5:45: error: the aliases of this file stand for more than 100,000 values by "
        "alias '*l3' (an alias bomb?); write the values out instead"
    ]


def test_the_alias_limit_counts_every_value_an_alias_stands_for():
    items = ", ".join(["x"] * 999)  # a list and 999 scalars: 1,000 values per alias
    uses = ", ".join(["*a"] * 100)
    assert compose(f"a: &a [{items}]\nb: [{uses}]\n") is not None  # exactly 100,000
    assert refused(f"a: &a [{items}]\nb: [{uses}, *a]\n")[0].startswith("f.yaml:2:")


def test_every_aliased_value_is_placed_where_the_alias_is():
    """Regression: an error about an aliased value was reported at its anchor."""
    node = compose("a: &m {k: [v, {w: 1}]}\nb: *m\n")
    assert isinstance(node, yaml.MappingNode)
    anchored, alias = node.value[0][1], node.value[1][1]
    assert yaml.serialize(anchored) == yaml.serialize(alias)  # the same value
    inside = [alias]
    while inside:
        current = inside.pop()
        assert (current.start_mark.line, current.start_mark.column) == (1, 3)
        if isinstance(current, yaml.SequenceNode):
            inside.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            inside.extend(n for pair in current.value for n in pair)
    assert anchored.start_mark.line == 0  # the anchor's nodes stay where they are


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "a: *nope\n",
            "f.yaml:1:4: error: alias '*nope' refers to no anchor: write '&nope' on a value "
            "before it (an alias repeats a value anchored earlier in the same file)",
        ),
        (
            "a: &r [1, *r]\n",
            "f.yaml:1:11: error: alias '*r' is used inside the value it stands for, which "
            "would make that value endless; remove the alias",
        ),
        (
            "a: &x 1\nb: &x 2\n",
            "f.yaml:2:4: error: anchor '&x' is defined twice (first at line 1); rename one of them",
        ),
    ],
    ids=["undefined", "recursive", "duplicate-anchor"],
)
def test_alias_mistakes_are_located(text: str, error: str):
    assert refused(text) == [error]


def test_two_documents_are_refused_by_either_composer():
    message = (
        "f.yaml:2:1: error: YAML syntax error: but found another document (expected a "
        "single document in the stream)"
    )
    assert refused("a: 1\n---\nb: 2\n") == [message]  # the fast path
    assert refused("a: !x 1\n---\nb: 2\n")[-1] == message  # the careful one


@pytest.mark.parametrize(
    "text",
    [
        "x: !!int 3\n",
        "!t x: 1\n",
        "- !t x\n",
        "x:\n  !t y\n",
        "--- !t x\n",
        "x: &a 1\n",
        "x: *a\n",
        "? &a k\n: v\n",
        'x: "\\0"\n',
        "x: [a]\n",
        "x:   {a: 1}\n",
        "x:\n  - [a]\n",
        "[a]\n",
        " {a: 1}\n",
        block(16),
        compact(16),
        indentless(33),
        tightest(33),
        "x:\r  [a]\r",  # old Mac line breaks
        "x:\u2028  [a]\n",
        "x:\t[a]\n",
    ],
)
def test_every_file_that_uses_more_than_data_goes_the_careful_way(text: str):
    assert needs_careful_compose(text)


# A pillar indented four spaces a level: its deepest run ('            - ') is 14.
FOUR_SPACES = """id: first
title: First pillar
principles:
    - id: alpha
      title: Alpha
      text: Keep [[calm]].
      questions:
            - id: what
              question: What?
              answer: calm
"""


@pytest.mark.parametrize(
    "text",
    [
        "text: Keep [[calm]] and [[carry on]]!\n",
        "text: 要樹立正確的[[價值觀]]\u3001[[苦樂觀]]\n",
        "answer: 'A & B *and* C'\n",
        "note: |\n  line one\n  line two\n",
        "a: b\r\nc: d\r\n",
        FOUR_SPACES,
    ],
)
def test_cards_written_as_data_take_the_fast_way(text: str):
    assert not needs_careful_compose(text)


def test_the_shipped_and_synthetic_cards_all_take_the_fast_way(tmp_path: Path):
    from bench.synth import write_cards as write_synthetic

    folders = [SHIPPED_CARDS, write_synthetic(tmp_path / "synth", 2_000)]
    files = [p for folder in folders for p in folder.glob("*.yaml")]
    assert len(files) > 10
    assert [p.name for p in files if needs_careful_compose(p.read_text("utf-8"))] == []


# --- the careful composer composes what libyaml's does -----------------------------------


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


# libyaml's composer, deckgen's own for files that need no careful reading.
LIBYAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Text without the characters a YAML file may not hold (which the dumper would escape).
_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\ufffe\uffff").filter(
        lambda c: c in "\t\n" or not load_module._NOT_ALLOWED.match(c)
    ),
    max_size=12,
)
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT


def _nested(leaves: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
        max_leaves=20,
    )


# Any scalar in the dumper's own choice of style, or only text in a style of ours (a
# style forced on a number or null would need a tag).
_DOCUMENTS = st.tuples(_nested(_SCALARS), st.just(None)) | st.tuples(
    _nested(_TEXT), st.sampled_from(['"', "'", "|", ">"])
)


def _tree(node: yaml.Node | None) -> object:
    """Everything a node tree says: kinds, tags, values, styles and every mark."""
    if node is None:
        return None
    marks = (
        (node.start_mark.index, node.start_mark.line, node.start_mark.column),
        (node.end_mark.index, node.end_mark.line, node.end_mark.column),
    )
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", node.tag, node.value, node.style, marks)
    if isinstance(node, yaml.SequenceNode):
        return ("seq", node.tag, node.flow_style, marks, [_tree(n) for n in node.value])
    assert isinstance(node, yaml.MappingNode)
    pairs = [(_tree(k), _tree(v)) for k, v in node.value]
    return ("map", node.tag, node.flow_style, marks, pairs)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(_DOCUMENTS, st.sampled_from([None, True, False]), st.booleans())
def test_the_careful_composer_gives_libyamls_nodes(
    document: tuple[object, str | None], flow_style: bool | None, unicode: bool
):
    data, style = document
    text = yaml.dump(
        data,
        Dumper=_NoAliasDumper,
        default_flow_style=flow_style,
        allow_unicode=unicode,
        default_style=style,
    )
    fast = yaml.compose(text, Loader=LIBYAML)
    careful = load_module._CarefulComposer(text, "f.yaml").compose()
    assert _tree(careful) == _tree(fast)


_RESOLVED = (
    "", "~", "null", "Null", "NULL", "yes", "No", "ON", "off", "y", "n", "true", "False",
    "1", "-1", "+1", "0x1F", "0o7", "0b101", "1_000", "1:20", "1.5", "-.5", ".inf", "-.Inf",
    ".nan", "1e3", "6.8523015e+5", "190:20:30.15", "2020-01-01", "2001-12-14t21:59:43.10-05:00",
    "<<", "=", "-x", "0", "01", "1a", "'1'", '"yes"', "\u4e2d\u6587", "\u4e00\u3001x",
    "service-awareness", "[[\u7a31\u547c]]",
)  # fmt: skip


@pytest.mark.parametrize("value", _RESOLVED)
def test_the_fast_resolver_gives_pyyaml_s_tags(value: str):
    """deckgen.load._DataLoader resolves every scalar, plain or quoted, as a key or a
    value, to the tag PyYAML's own loader gives it."""
    from deckgen.load import _DataLoader

    key = value or "k"  # an empty key is not written plain
    text = f"{key}: {value}\nlist:\n  - {value}\n"
    ours = yaml.compose(text, Loader=_DataLoader)
    pyyaml = yaml.compose(text, Loader=yaml.CSafeLoader)

    def tags(node: yaml.Node) -> list[str]:
        if isinstance(node, yaml.ScalarNode):
            return [node.tag]
        children = node.value
        out = [node.tag]
        for child in children:
            for part in child if isinstance(child, tuple) else (child,):
                out += tags(part)
        return out

    assert ours is not None and pyyaml is not None
    assert _DataLoader is not yaml.CSafeLoader
    assert tags(ours) == tags(pyyaml)


def test_a_file_is_read_whole_up_to_the_limit_even_if_it_grew_since_it_was_looked_at(
    tmp_path: Path,
):
    from deckgen.load import _read_up_to

    path = tmp_path / "grown.yaml"
    path.write_bytes(b"0123456789" * 20_000)  # 200,000 bytes: several reads past the first
    for expected, limit, wanted in [
        (200_000, 10**6, 200_000),
        (3, 10**6, 200_000),
        (0, 10**6, 200_000),
        (3, 70_001, 70_001),
        (10**6, 5, 5),
    ]:
        fd = os.open(path, os.O_RDONLY)
        try:
            assert _read_up_to(fd, expected, limit) == path.read_bytes()[:wanted]
        finally:
            os.close(fd)
