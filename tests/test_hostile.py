"""Hostile input never hurts: a corpus of broken, malicious and odd cards folders.

Each case starts from a deck that was built once (its .apkg and its lock in place), breaks
the cards one way, and runs the real `deckgen check` and `deckgen build` in a fresh
process, as a user does (a FIFO must not hang it: every run has a timeout). Each must
print exactly the expected findings, with their locations, and exit 1, without a
traceback; and nothing may change anywhere: the previous deck and lock stay byte for
byte, and no file appears in the output folder, the cards folder, the temporary folder
(TMPDIR points at a private one) or the build cache.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deckgen.cli import cli
from tests.helpers import MINI_DECK, write_cards

TIMEOUT = 60  # seconds for one command; a hang fails the test instead of stalling it


@dataclass(frozen=True)
class Case:
    """One way to break the cards: `edit` breaks them, `findings` is what `deckgen check`
    prints (and `deckgen build` on stderr), in order; `errors` is how many are errors."""

    id: str
    edit: Callable[[Path], object]
    findings: tuple[str, ...]
    root: bool = False  # needs root (mknod)

    @property
    def errors(self) -> int:
        return sum(": error: " in f for f in self.findings)


def replace(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(cards: Path) -> None:
        path = cards / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def write(name: str, data: bytes) -> Callable[[Path], None]:
    def edit(cards: Path) -> None:
        (cards / os.fsdecode(name.encode("utf-8", "surrogateescape"))).write_bytes(data)

    return edit


def both(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(cards: Path) -> None:
        for one in edits:
            one(cards)

    return edit


def fifo(name: str) -> Callable[[Path], None]:
    return lambda cards: os.mkfifo(cards / name)


def link(name: str, target: str) -> Callable[[Path], None]:
    return lambda cards: os.symlink(target, cards / name)


def device(name: str) -> Callable[[Path], None]:
    """A character device like /dev/zero (1, 5), made with mknod in the cards folder."""
    return lambda cards: os.mknod(cards / name, stat.S_IFCHR | 0o600, os.makedev(1, 5))


def remove(name: str) -> Callable[[Path], None]:
    return lambda cards: (cards / name).unlink()


DECK, FIRST, SECOND = "cards/deck.yaml", "cards/1-first.yaml", "cards/2-second.yaml"
REMOVE_TAG = (
    "is not allowed: a cards file holds only text, numbers, true/false, lists and "
    "mappings; remove the tag"
)
TOO_DEEP = (
    "error: lists and mappings are nested more than 32 deep here (cards need 5: a pillar's "
    "principles, a principle, its questions, a question); a cards file holds no deeper "
    "structure"
)
MOVE_IT = (
    "; every *.yaml and *.yml file in a cards folder is read as cards: move it out of the "
    "folder or rename it"
)
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)

CASES = [
    # --- tags -------------------------------------------------------------------------
    Case(
        "timestamp-in-deck",
        replace(
            "deck.yaml", "description: A small", "description: !!timestamp 2020-13-45\nx: A small"
        ),
        (f"{DECK}:3:14: error: YAML tag '!!timestamp' {REMOVE_TAG}",),
    ),
    Case(
        "int-abc",
        replace("deck.yaml", "name: Mini deck", "name: !!int abc"),
        (f"{DECK}:2:7: error: YAML tag '!!int' {REMOVE_TAG}",),
    ),
    Case(
        "float-abc-in-checks",
        replace("deck.yaml", "key: mini", "key: mini\nchecks: {cloze_max_share: !!float abc}"),
        (f"{DECK}:2:27: error: YAML tag '!!float' {REMOVE_TAG}",),
    ),
    Case(
        "bool-maybe-in-checks",
        replace(
            "deck.yaml", "key: mini", "key: mini\nchecks:\n  principle_needs_cloze: !!bool maybe"
        ),
        (f"{DECK}:3:26: error: YAML tag '!!bool' {REMOVE_TAG}",),
    ),
    Case(
        "local-tag",
        replace("1-first.yaml", "title: First pillar", "title: !foo First pillar"),
        (f"{FIRST}:2:8: error: YAML tag '!foo' {REMOVE_TAG}",),
    ),
    Case(
        "tagged-key",
        replace("2-second.yaml", "    title: Beta", "    !!str title: Beta"),
        (
            f"{SECOND}:5:5: error: YAML tag '!!str' {REMOVE_TAG}; write text in quotes instead "
            "if that is what it is for",
        ),
    ),
    # --- aliases ----------------------------------------------------------------------
    Case(
        "alias-before-its-anchor",
        replace(
            "1-first.yaml",
            "title: First pillar",
            "title: First pillar\nquestion: *m\nx: &m {a: 1}",
        ),
        (
            f"{FIRST}:3:11: error: alias '*m' refers to no anchor: write '&m' on a value before "
            "it (an alias repeats a value anchored earlier in the same file)",
        ),
    ),
    Case(
        "alias-to-a-mapping-used-as-text",
        replace(
            "1-first.yaml",
            "    title: Alpha principle",
            "    title: &m {a: 1}\n    note: *m",
        ),
        (
            f"{FIRST}:5:12: error: 'title' of principle 'alpha' must be text, not a mapping",
            f"{FIRST}:6:11: error: 'note' of principle 'alpha' must be text, not a mapping",
        ),
    ),
    Case(
        "alias-number-reported-where-used",
        both(
            replace(
                "2-second.yaml",
                "        answer: clearly",
                "        answer: clearly\n        x: &n 12",
            ),
            replace("2-second.yaml", "answer: early", "answer: *n"),
        ),
        (
            f"{SECOND}:11:9: error: unknown key 'x' in a question of principle 'beta'; "
            "expected one of: answer, id, question, renamed_from",
            f"{SECOND}:18:17: error: 'answer' of question 'when' of principle 'gamma' must be "
            "text, not a number; put it in quotes",
        ),
    ),
    Case(
        "billion-laughs",
        both(remove("1-first.yaml"), write("1-first.yaml", LAUGHS.encode())),
        (
            "cards/1-first.yaml:5:36: error: the aliases of this file stand for more than "
            "100,000 values by alias '*d' (an alias bomb?); write the values out instead",
        ),
    ),
    # --- nesting ----------------------------------------------------------------------
    Case(
        "33-deep",
        replace("1-first.yaml", "title: First pillar", "title: " + "[" * 32 + "]" * 32),
        (f"{FIRST}:2:39: {TOO_DEEP}",),
    ),
    Case(
        "450-deep",
        replace("deck.yaml", "name: Mini deck", "name: " + "[" * 450 + "]" * 450),
        (f"{DECK}:2:38: {TOO_DEEP}",),
    ),
    Case(
        "33-deep-block",
        replace(
            "deck.yaml",
            "key: mini",
            "key: mini\nx:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(32)),
        ),
        (f"{DECK}:34:65: {TOO_DEEP}",),
    ),
    # --- characters -------------------------------------------------------------------
    Case(
        "nul-via-escape",
        replace("1-first.yaml", "title: First pillar", 'title: "First\\0 pillar"'),
        (
            f"{FIRST}:2:14: error: control character U+0000 (the escape '\\0') is not allowed "
            "in a YAML file; delete it",
        ),
    ),
    Case(
        "esc-and-bel-via-escapes",
        replace("2-second.yaml", "answer: clearly", 'answer: "\\e[31mred\\x07"'),
        (
            f"{SECOND}:10:18: error: control character U+001B (the escape '\\e') is not "
            "allowed in a YAML file; delete it",
            f"{SECOND}:10:27: error: control character U+0007 (the escape '\\x07') is not "
            "allowed in a YAML file; delete it",
        ),
    ),
    Case(
        "lone-surrogate-escape",
        replace("2-second.yaml", "answer: clearly", 'answer: "\\ud800"'),
        (
            f"{SECOND}:10:18: error: lone surrogate U+D800 (the escape '\\ud800') is not "
            "allowed in a YAML file; delete it",
        ),
    ),
    Case(
        "raw-control-character",
        replace("2-second.yaml", "Gamma principle", "Gamma\x1bprinciple"),
        (
            f"{SECOND}:12:17: error: control character U+001B is not allowed in a YAML file; "
            "delete it",
        ),
    ),
    Case(
        "invisible-character-in-a-key",
        replace("1-first.yaml", "id: first", "i\u200bd: first"),
        (
            f"{FIRST}:1:1: error: the pillar is missing required key 'id'",
            f"{FIRST}:1:1: error: unknown key 'i\\u200bd' in the pillar (did you mean 'id'?); "
            "expected one of: id, principles, question, renamed_from, title",
        ),
    ),
    Case(
        "bom-then-a-tag",
        lambda cards: (cards / "1-first.yaml").write_bytes(
            b"\xef\xbb\xbf"
            + (cards / "1-first.yaml").read_bytes().replace(b"id: first", b"id: !x first")
        ),
        (f"{FIRST}:1:5: error: YAML tag '!x' {REMOVE_TAG}",),
    ),
    Case(
        "utf16-bom",
        lambda cards: (cards / "1-first.yaml").write_bytes(
            (cards / "1-first.yaml").read_text("utf-8").encode("utf-16")
        ),
        (f"{FIRST}:1:1: error: file is not UTF-8 (byte 0xff); save it as UTF-8 in your editor",),
    ),
    Case(
        "crlf-then-a-tag",
        lambda cards: (cards / "2-second.yaml").write_bytes(
            (cards / "2-second.yaml")
            .read_bytes()
            .replace(b"\n", b"\r\n")
            .replace(b"answer: early", b"answer: !!str early")
        ),
        (
            f"{SECOND}:17:17: error: YAML tag '!!str' {REMOVE_TAG}; write text in quotes "
            "instead if that is what it is for",
        ),
    ),
    # --- the folder -------------------------------------------------------------------
    Case(
        "fifo",
        fifo("5-x.yaml"),
        (
            "cards/5-x.yaml: error: cannot read it: it is a named pipe (FIFO), not a regular file"
            + MOVE_IT,
        ),
    ),
    Case(
        "fifo-as-deck-file",
        both(remove("deck.yaml"), fifo("deck.yaml")),
        (
            f"{DECK}: error: cannot read it: it is a named pipe (FIFO), not a regular file"
            + MOVE_IT,
        ),
    ),
    Case(
        "folder-named-x-yaml",
        lambda cards: (cards / "x.yaml").mkdir(),
        ("cards/x.yaml: error: cannot read it: it is a folder, not a file" + MOVE_IT,),
    ),
    Case(
        "symlink-loop",
        link("3-loop.yaml", "3-loop.yaml"),
        (
            "cards/3-loop.yaml: error: cannot read it: it is a symbolic link that leads back to "
            "itself (a loop)" + MOVE_IT,
        ),
    ),
    Case(
        "dangling-link",
        link("3-gone.yaml", "nowhere.yaml"),
        (
            "cards/3-gone.yaml: error: cannot read it: it is a symbolic link to 'nowhere.yaml', "
            "which does not exist" + MOVE_IT,
        ),
    ),
    Case(
        "link-to-dev-zero",
        link("3-zero.yaml", "/dev/zero"),
        (
            "cards/3-zero.yaml: error: cannot read it: it is a symbolic link to '/dev/zero', "
            "which is a device, not a regular file" + MOVE_IT,
        ),
    ),
    Case(
        "character-device",
        device("5-dev.yaml"),
        ("cards/5-dev.yaml: error: cannot read it: it is a device, not a regular file" + MOVE_IT,),
        root=True,
    ),
    Case(
        "name-not-utf8",
        write("9-\udcff.yaml", b"id: x\n"),
        ("cards/9-\\xff.yaml: error: the file name is not UTF-8 (byte 0xff); rename the file",),
    ),
    Case(
        "larger-than-10-mb",
        write("3-big.yaml", b"# " + b"x" * 10_000_000),
        (
            "cards/3-big.yaml: error: file is larger than 10 MB (10,000,000 bytes), the most "
            "deckgen reads; split it into several pillar files",
        ),
    ),
]

# Skipped on purpose: a note from check, nothing from build (which is up to date).
SKIPPED = [
    (
        "emacs-lock",
        link(".#1-first.yaml", "user@host.4242:1700000000"),
        "cards/.#1-first.yaml: note: skipped: an editor's temporary or backup file, not a "
        "cards file",
    ),
    (
        "hidden-file",
        write(".5-h.yaml", b"id: hidden\ntitle: Hidden\nprinciples: []\n"),
        "cards/.5-h.yaml: note: skipped: a hidden file (its name starts with '.'); rename it "
        "if it holds cards",
    ),
    (
        "backup-file",
        write("1-first.yaml~", b"id: [unclosed\n"),
        "cards/1-first.yaml~: note: skipped: an editor's temporary or backup file, not a cards "
        "file",
    ),
]


@dataclass
class Project:
    """A deck built once: cards (with their lock), the deck, private TMPDIR and cache."""

    root: Path
    cards: Path
    deck: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "deckgen.cli", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )

    def check(self) -> subprocess.CompletedProcess[str]:
        return self.run("check", "--cards", "cards")

    def build(self) -> subprocess.CompletedProcess[str]:
        return self.run("build", "--cards", "cards", "-o", "out/mini.apkg")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "project"
    cards = write_cards(root / "cards", MINI_DECK)
    env = {
        **os.environ,
        "TMPDIR": str(root / "tmp"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    (root / "tmp").mkdir()
    made = Project(root, cards, root / "out" / "mini.apkg", env)
    first = made.build()
    assert first.returncode == 0, first.stderr
    assert made.deck.is_file() and (cards / "deckgen.lock").is_file()
    return made


def snapshot(root: Path) -> dict[bytes, tuple[object, int]]:
    """Every entry under `root`, links not followed: its bytes (a regular file), its
    target (a link) or its type, and its mode."""
    entries: dict[bytes, tuple[object, int]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            info = path.lstat()
            content: object = stat.S_IFMT(info.st_mode)
            if stat.S_ISREG(info.st_mode):
                content = path.read_bytes()
            elif stat.S_ISLNK(info.st_mode):
                content = os.readlink(path)
            entries[os.fsencode(path.relative_to(root))] = (content, info.st_mode)
    return entries


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.process
def test_hostile_input_is_an_error_and_changes_nothing(project: Project, case: Case):
    if case.root and os.geteuid() != 0:
        pytest.skip("mknod needs root")
    case.edit(project.cards)
    before = snapshot(project.root)

    checked = project.check()
    no_traceback(checked)
    total = f"Checked cards: {case.errors} error{'s' if case.errors != 1 else ''}, 0 warnings."
    assert checked.stdout.splitlines() == [*case.findings, total]
    assert checked.returncode == 1

    built = project.build()
    no_traceback(built)
    aborted = (
        f"Aborted with {case.errors} error{'s' if case.errors != 1 else ''}: nothing was written."
    )
    assert built.stderr.splitlines() == [*case.findings, aborted]
    assert built.stdout == ""
    assert built.returncode == 1

    assert snapshot(project.root) == before  # deck, lock, cards, TMPDIR, cache: as they were


@pytest.mark.parametrize(("name", "edit", "note"), SKIPPED, ids=[s[0] for s in SKIPPED])
@pytest.mark.process
def test_files_skipped_on_purpose_change_nothing(project: Project, name: str, edit, note: str):
    edit(project.cards)
    before = snapshot(project.root)

    checked = project.check()
    no_traceback(checked)
    assert checked.stdout.splitlines() == [note, "Checked cards: 0 errors, 0 warnings."]
    assert checked.returncode == 0
    strict = project.run("check", "--cards", "cards", "--strict")
    assert strict.returncode == 0 and strict.stdout == checked.stdout

    built = project.build()
    no_traceback(built)
    assert built.returncode == 0
    assert built.stdout.startswith("No changes since the last build: out/mini.apkg is up to date")
    assert snapshot(project.root) == before


def test_the_corpus_covers_every_case_of_the_issue():
    """Issue 11 lists these; the table must keep them."""
    ids = {c.id for c in CASES} | {s[0] for s in SKIPPED}
    assert {
        "timestamp-in-deck", "int-abc", "float-abc-in-checks", "bool-maybe-in-checks",
        "local-tag", "tagged-key", "alias-to-a-mapping-used-as-text", "33-deep", "450-deep",
        "billion-laughs", "nul-via-escape", "esc-and-bel-via-escapes", "lone-surrogate-escape",
        "invisible-character-in-a-key", "bom-then-a-tag", "crlf-then-a-tag", "fifo",
        "folder-named-x-yaml", "symlink-loop", "link-to-dev-zero", "character-device",
        "name-not-utf8", "larger-than-10-mb", "emacs-lock", "hidden-file",
    } <= ids  # fmt: skip


# --- random YAML: no traceback, nothing changed -----------------------------------------

# Pieces of YAML text, dense in what a composer or a validator can trip on: every scalar
# style, escapes (control characters, surrogates, beyond U+10FFFF), tags (YAML's own,
# local, verbatim, Python's), anchors and aliases (defined or not), controls and
# invisible characters written raw, and the format's own keys.
_KEYS = ("id", "title", "text", "question", "answer", "note", "principles", "questions")
_WORDS = st.sampled_from(
    [*_KEYS, "key", "name", "checks", "cloze_max_share", "alpha", "Keep [[calm]]", "[[x]]",
     "1", "-3", "0x1F", "1e400", "1_000", ".inf", "~", "null", "yes", "maybe", "2020-13-45",
     "服務意識", "😀", "a b", "<b>", "{{c1::x}}", "\\(x\\)", "[sound:x.mp3]"]
)  # fmt: skip
_ODD = st.sampled_from(
    ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\u00a0", "\u200b", "\u202e", "\u2028",
     "\ufeff", "\ufffe", "\t", "\r", "#", ":", "-", "?", "&", "*", "!", "|", ">", "%", "@",
     "`", "'", '"', ",", "[", "]", "{", "}"]
)  # fmt: skip
_ESCAPES = st.sampled_from(
    ["\\0", "\\a", "\\e", "\\x07", "\\x85", "\\xff", "\\ud800", "\\uDFFF", "\\uD83D\\uDE00",
     "\\U0001F600", "\\U0010FFFF", "\\U00110000", "\\N", "\\_", "\\L", "\\P", "\\t", "\\\\",
     '\\"', "\\q", "\\"]
)  # fmt: skip
_TAGS = st.sampled_from(
    ["!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!timestamp ", "!!binary ",
     "!!set ", "!!omap ", "!!seq ", "!!map ", "!!python/object/apply:os.system ", "!foo ",
     "! ", "!<tag:example.org,2024:x> ", "!e!x "]
)  # fmt: skip
_TEXT = st.lists(_WORDS | _ODD | st.characters(), max_size=6).map("".join)


@st.composite
def _scalar(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["plain", "single", "double", "literal"]))
    if kind == "plain":
        return draw(_WORDS | _TEXT)
    if kind == "single":
        return "'" + draw(_TEXT).replace("'", "''") + "'"
    if kind == "double":
        return '"' + "".join(draw(st.lists(_ESCAPES | _WORDS | _ODD, max_size=6))) + '"'
    return "|\n  " + draw(_TEXT).replace("\n", "\n  ")


@st.composite
def _flow(draw: st.DrawFn, depth: int = 0) -> str:
    """One flow node (on one line but for literal blocks), with properties."""
    anchor = draw(st.sampled_from(["", "", "&a ", "&b "]))
    tag = draw(st.just("") | st.just("") | _TAGS)
    if depth < 3 and draw(st.integers(0, 3)) == 0:
        items = draw(st.lists(_flow(depth + 1), max_size=3))
        if draw(st.booleans()):
            return f"{anchor}{tag}[{', '.join(items)}]"
        keys = draw(st.lists(_WORDS, min_size=len(items), max_size=len(items)))
        pairs = ", ".join(f"{k}: {v}" for k, v in zip(keys, items, strict=True))
        return f"{anchor}{tag}{{{pairs}}}"
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(["*a", "*b", "*c"]))
    scalar = draw(_scalar())
    return f"{anchor}{tag}{scalar}" if not scalar.startswith("|") else scalar


def _pillar_with(value: str) -> str:
    return (
        "id: first\ntitle: First pillar\nprinciples:\n  - id: alpha\n    title: Alpha\n"
        f"    text: {value}\n    questions:\n      - id: what\n        question: What?\n"
        f"        answer: {value}\n"
    )


# Where a random node goes: a whole file, or a value of the pillar, or the deck's checks.
_DOCUMENTS = st.one_of(
    st.tuples(st.sampled_from(["deck.yaml", "1-first.yaml"]), _flow()),
    st.tuples(st.just("1-first.yaml"), _flow().map(_pillar_with)),
    st.tuples(
        st.just("deck.yaml"),
        _flow().map(
            lambda v: MINI_DECK["deck.yaml"].replace("key: mini", f"key: mini\nchecks: {v}")
        ),
    ),
    st.tuples(
        st.sampled_from(["deck.yaml", "1-first.yaml"]),
        st.lists(st.tuples(_WORDS, _flow()), max_size=5).map(
            lambda pairs: "".join(f"{k}: {v}\n" for k, v in pairs)
        ),
    ),
)


def _write_document(cards: Path, name: str, text: str) -> None:
    """The document as UTF-8; a raw lone surrogate as the bytes a text editor never
    writes (a file that is not UTF-8)."""
    (cards / name).write_bytes(text.encode("utf-8", "surrogatepass"))


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini deck, built once (deck and lock), to copy for each example."""
    root = tmp_path_factory.mktemp("hostile-base")
    cards = write_cards(root / "cards", MINI_DECK)
    result = CliRunner().invoke(
        cli, ["build", "--cards", str(cards), "-o", str(root / "out" / "mini.apkg")]
    )
    assert result.exit_code == 0, result.output
    return root


@pytest.mark.slow
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=_DOCUMENTS)
def test_random_yaml_in_process(built_once: Path, tmp_path: Path, document: tuple[str, str]):
    """Any YAML document, anywhere in a deck: check and build end in a message and an
    exit status (an exception would fail the test), agree, and a failed build changes
    nothing."""
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    shutil.copytree(built_once, work, dirs_exist_ok=True)
    cards, out = work / "cards", work / "out" / "mini.apkg"
    _write_document(cards, *document)
    before = snapshot(work)
    checked = CliRunner().invoke(cli, ["check", "--cards", str(cards)], catch_exceptions=False)
    assert checked.exit_code in (0, 1), checked.output
    built = CliRunner().invoke(
        cli, ["build", "--cards", str(cards), "-o", str(out)], catch_exceptions=False
    )
    assert built.exit_code in (0, 1), built.output
    # A deck check refuses, build refuses too; build may refuse more (a change that costs
    # progress). Either way a refused build changes nothing.
    assert built.exit_code >= checked.exit_code, (checked.output, built.output)
    if built.exit_code:
        assert snapshot(work) == before


@settings(max_examples=6, deadline=None, derandomize=True)
@given(documents=st.lists(_DOCUMENTS, min_size=12, max_size=12))
@pytest.mark.process
def test_random_yaml_in_real_processes(
    built_once: Path, tmp_path_factory: pytest.TempPathFactory, documents: list[tuple[str, str]]
):
    """The same, through the real command in a fresh process, twelve decks at a time:
    `deckgen check` and `deckgen build` each read every deck of a project."""
    root = tmp_path_factory.mktemp("random")
    project = Project(root, root / "cards", root / "out", {
        **os.environ, "TMPDIR": str(root / "tmp"), "XDG_CACHE_HOME": str(root / "cache"),
    })  # fmt: skip
    (root / "tmp").mkdir()
    for number, (name, text) in enumerate(documents):
        deck = project.cards / f"deck-{number}"
        shutil.copytree(built_once / "cards", deck)
        (deck / "deck.yaml").write_text(
            MINI_DECK_FILE.replace("key: mini", f"key: mini-{number}").replace(
                "Mini deck", f"Mini deck {number}"
            ),
            encoding="utf-8",
        )
        (root / "out").mkdir(exist_ok=True)
        shutil.copy(built_once / "out" / "mini.apkg", root / "out" / f"mini-{number}.apkg")
        _write_document(deck, name, text)
    before = snapshot(root)
    checked = project.run("check", "--cards", "cards")
    no_traceback(checked)
    assert checked.returncode in (0, 1)
    built = project.run("build", "--cards", "cards", "-o", "out")
    no_traceback(built)
    assert built.returncode in (0, 1)
    assert built.returncode >= checked.returncode, (checked.stdout, built.stderr)
    if built.returncode:
        assert snapshot(root) == before


MINI_DECK_FILE = textwrap.dedent(MINI_DECK["deck.yaml"]).lstrip("\n")
