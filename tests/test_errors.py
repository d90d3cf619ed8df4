"""deckgen.errors: how messages show user text (`quoted`, `visible`); that it is the one
home of every exception, and `reports_errors` the one place cli.py handles them."""

from __future__ import annotations

import ast
import errno
import importlib
import io
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deckgen.cli import cli, reports_errors
from deckgen.errors import quoted, visible
from tests.helpers import FINANCE, ROOT, build, edit, run_cli, write_doc


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("plain text 服務意識 😀", "plain text 服務意識 😀", id="printable"),
        pytest.param("a\u200bb", "a\\u200bb", id="zero-width-space"),
        pytest.param("\ufeffkey", "\\ufeffkey", id="bom"),
        pytest.param("abc\u202edef", "abc\\u202edef", id="bidi-override"),
        pytest.param("x\u2066y\u2069", "x\\u2066y\\u2069", id="bidi-isolates"),
        pytest.param(
            "a\x00b\x07c\x1bd\x7fe\x85f\x9f",
            "a\\u0000b\\u0007c\\u001bd\\u007fe\\u0085f\\u009f",
            id="c0-c1",
        ),
        pytest.param("tab\there\nnext\rcr", "tab\\there\\nnext\\rcr", id="short-escapes"),
        pytest.param("no\u00a0break\u3000wide", "no\\u00a0break\\u3000wide", id="other-spaces"),
        pytest.param("line\u2028para\u2029", "line\\u2028para\\u2029", id="separators"),
        pytest.param("tag\U000e0041", "tag\\U000e0041", id="astral-format"),
        pytest.param("lone\ud800", "lone\\ud800", id="surrogate"),
        pytest.param("9-\udcff.yaml", "9-\\xff.yaml", id="undecodable-byte"),
        pytest.param("private\ue000", "private\\ue000", id="private-use"),
    ],
)
def test_visible_escapes_every_invisible_character(text: str, shown: str):
    assert visible(text) == shown


def test_quoted_puts_the_visible_text_in_single_quotes():
    assert quoted("ti\u200btle") == "'ti\\u200btle'"
    assert quoted("") == "''"


# --- one home for errors, one handler (issue 14) ------------------------------------------

DECKGEN = ROOT / "deckgen"


def _is_exception(node: ast.ClassDef, namespace: dict[str, Any]) -> bool:
    """Whether the class `node` defines derives from BaseException: each base is evaluated
    where the class is written (its module's names); a base that is no name of the module
    (a class made inside a function) counts by its name."""
    if node.name.endswith(("Error", "Exception")):
        return True
    for base in node.bases:
        try:
            value = eval(compile(ast.Expression(base), "<base>", "eval"), dict(namespace))
        except Exception:
            value = None
        if isinstance(value, type) and issubclass(value, BaseException):
            return True
        if value is None and ast.unparse(base).endswith(("Error", "Exception", "Exit")):
            return True
    return False


def _exception_classes(root: Path) -> list[str]:
    """Every exception class defined under `root` outside errors.py, at any depth, as
    'path:line: Name'."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent)
        if relative.as_posix() == "deckgen/errors.py":
            continue
        module = importlib.import_module(".".join(relative.with_suffix("").parts))
        if module.__name__.endswith(".__init__"):
            module = importlib.import_module(module.__name__.rsplit(".", 1)[0])
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [
            f"{relative.as_posix()}:{node.lineno}: {node.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and _is_exception(node, vars(module))
        ]
    return found


def test_every_exception_class_is_defined_in_errors_py():
    assert _exception_classes(DECKGEN) == []


def test_the_scan_finds_an_exception_class_written_anywhere(tmp_path: Path, monkeypatch):
    """The scan above would pass over nothing it should see: a stray class at module
    level, one nested in a function, one through an import alias or an attribute, one
    derived from another module's exception, all under a package like deckgen/."""
    package = tmp_path / "strays"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "one.py").write_text(
        textwrap.dedent(
            """
            import zipfile
            from deckgen.errors import DeckgenError as Base

            class Plain:
                pass

            class Stray(Base):
                pass

            class Bad(zipfile.BadZipFile):
                pass

            class Abort(KeyboardInterrupt):
                pass

            def f():
                class Local(Stray):
                    pass
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _exception_classes(package) == [
        "strays/one.py:8: Stray",
        "strays/one.py:11: Bad",
        "strays/one.py:14: Abort",
        "strays/one.py:18: Local",
    ]


def _cli_tree() -> ast.Module:
    return ast.parse((DECKGEN / "cli.py").read_text(encoding="utf-8"))


def test_every_command_goes_through_reports_errors():
    """Each command's callback is the wrapper `reports_errors` makes, around the command
    itself: its innermost decorator, so that no code of the command runs outside it."""
    wrapper = reports_errors(lambda: None).__code__
    assert cli.commands  # the group has its commands
    for name, command in cli.commands.items():
        assert command.callback is not None
        assert command.callback.__code__ is wrapper, f"'deckgen {name}' is not wrapped"
    decorated = {}
    for node in ast.walk(_cli_tree()):
        if isinstance(node, ast.FunctionDef) and any(
            "cli.command" in ast.unparse(d) for d in node.decorator_list
        ):
            decorated[node.name] = ast.unparse(node.decorator_list[-1])
    assert set(decorated) == {c.callback.__name__ for c in cli.commands.values() if c.callback}
    assert set(decorated.values()) == {"reports_errors"}


def test_cli_has_no_error_handler_but_reports_errors():
    """No try/except (or contextlib.suppress) in cli.py turns an error into a message
    anywhere but in `reports_errors`."""
    tree = _cli_tree()
    (handler,) = [
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "reports_errors"
    ]
    inside = {id(n) for n in ast.walk(handler)}
    stray = [
        f"cli.py:{n.lineno}: {ast.unparse(n).splitlines()[0]}"
        for n in ast.walk(tree)
        if id(n) not in inside
        and (
            isinstance(n, ast.ExceptHandler)
            or (isinstance(n, ast.Call) and ast.unparse(n.func).endswith("suppress"))
        )
    ]
    assert stray == []
    caught = {
        ast.unparse(n.type)
        for n in ast.walk(handler)
        if isinstance(n, ast.ExceptHandler) and n.type
    }
    assert {"ContentError", "DeckgenError", "OSError"} <= caught


# --- what the system refuses reaches the user typed, with its path -----------------------


def _refuse(
    monkeypatch: pytest.MonkeyPatch, name: str, err: int, when: Callable[[str], bool]
) -> list[str]:
    """`os.<name>` fails with `err` for every path `when` accepts (a failing disk, a folder
    this user may not read, which root cannot be made to see); returns the paths it
    refused, for the test to show the fault was met."""
    real = getattr(os, name)
    refused: list[str] = []

    def fake(path: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(path, (str, os.PathLike)) and when(os.fspath(path)):
            refused.append(os.fspath(path))
            raise OSError(err, os.strerror(err), os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, name, fake)
    return refused


def _called_by(module: str, function: str) -> bool:
    """Whether the call is `function`'s own (of deckgen's `module`, through no other
    function of deckgen but comprehensions): a fault met at one place only, as a passing
    fault of a failing disk is, where every other look at the file sees it."""
    package = ROOT / "deckgen"
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if Path(code.co_filename).parent == package and not code.co_name.startswith("<"):
            return (code.co_name, Path(code.co_filename).name) == (function, module)
        frame = frame.f_back  # type: ignore[assignment]
    return False


def test_a_journal_that_cannot_be_removed_does_not_fail_a_written_build(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: once the deck and lock were in place, a failure to remove the rename journal
    ended the build with 'error: <journal>: Input/output error; nothing was written'."""
    out = tmp_path / "mini.apkg"
    refused = _refuse(monkeypatch, "unlink", errno.EIO, lambda p: p.endswith(".journal.tmp"))
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert refused
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK"
    assert (mini_cards / "deckgen.lock").read_bytes().startswith(b"{")


def test_a_temporary_file_that_cannot_be_removed_does_not_hide_the_error(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bugs: when writing the deck failed (a full disk) and its temporary file could not
    be removed either, the message named the temporary file and its removal, not the deck;
    and a deck whose last flush to disk failed was reported as the lock."""
    out = tmp_path / "mini.apkg"

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    refused = _refuse(monkeypatch, "unlink", errno.EIO, lambda p: p.endswith(".tmp"))
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert refused
    assert result.exit_code == 1
    assert result.output == (
        f"error: cannot write {out}: No space left on device; nothing was changed (the "
        "previous deck and lock are as they were)\n"
    )
    assert not out.exists() and not (mini_cards / "deckgen.lock").exists()


def test_a_collection_that_cannot_be_removed_does_not_hide_the_error(
    mini_cards: Path, tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: when writing the deck failed and the collection it was assembled in (in the
    cache, for the next build) could not be removed either, the build ended in 'error:
    <collection>: Input/output error; nothing was written', hiding why it failed."""
    import deckgen.package as package_module

    out = tmp_path / "mini.apkg"
    cache = str(private_cache)

    def failing_zip(*args: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(package_module, "_write_zip", failing_zip)
    refused = _refuse(
        monkeypatch,
        "unlink",
        errno.EIO,
        lambda p: p.startswith(cache) and ".collection.anki2." in p,
    )
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert refused
    assert (result.exit_code, result.output) == (
        1,
        f"error: cannot write {out}: Input/output error; nothing was changed (the previous "
        "deck and lock are as they were)\n",
    )
    assert not out.exists() and not (mini_cards / "deckgen.lock").exists()


def test_a_cache_that_cannot_be_read_does_not_fail_a_build(
    mini_cards: Path, tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: a cache folder this user may not look into (stat refused) ended the build with
    'error: <cache folder>: Permission denied; nothing was written': the cache is only
    ever a shortcut."""
    out = tmp_path / "mini.apkg"
    cache = str(private_cache)
    refused = _refuse(monkeypatch, "stat", errno.EACCES, lambda p: p.startswith(cache))
    for _ in range(2):
        result = run_cli("build", "--cards", mini_cards, "-o", out)
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:2] == b"PK"
    assert refused


@pytest.mark.parametrize("command", ["build", "check", "preview"])
def test_a_cards_folder_that_cannot_be_looked_at_is_a_located_error(
    command: str, mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: a cards folder whose stat is refused (a parent folder this user may not
    search) ended in 'error: <folder>: Permission denied; nothing was written', unlike
    one that cannot be listed."""
    monkeypatch.chdir(tmp_path)
    refused = _refuse(monkeypatch, "stat", errno.EACCES, lambda p: p in ("mini", str(mini_cards)))
    result = run_cli(command, "--cards", "mini")
    assert refused
    assert result.exit_code == 1
    assert result.output == "mini: error: cannot read the cards folder: Permission denied\n" + (
        "Checked mini: 1 error, 0 warnings.\n"
        if command == "check"
        else "Aborted with 1 error: nothing was written.\n"
    )


def test_a_schemas_folder_that_cannot_be_looked_into_does_not_fail_extract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: looking for deckgen's schemas above the new cards folder, a folder whose
    stat was refused ended extract in 'error: <that folder>: ...; nothing was written'."""
    source = write_doc(tmp_path, FINANCE)
    refused = _refuse(monkeypatch, "stat", errno.EACCES, lambda p: "/schemas/" in p)
    result = run_cli("extract", source, "--key", "money", "-o", tmp_path / "money")
    assert refused
    assert result.exit_code == 0, result.output
    assert (tmp_path / "money" / "deck.yaml").is_file()


def test_an_extract_folder_that_cannot_be_looked_at_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: an output folder whose stat failed (a failing disk) ended extract in
    'error: <folder>: Input/output error; nothing was written'."""
    source = write_doc(tmp_path, FINANCE)
    out = tmp_path / "money"
    refused = _refuse(monkeypatch, "stat", errno.EIO, lambda p: p == str(out))
    result = run_cli("extract", source, "--key", "money", "-o", out)
    assert refused
    assert result.exit_code == 1
    assert result.output == f"error: cannot read {out}: Input/output error\n"
    monkeypatch.undo()
    assert not out.exists()


def test_a_cards_file_rename_cannot_read_is_a_clear_error(
    mini_cards: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: a cards file that could be checked but not read again for the edit ended
    rename in 'error: <file>: Input/output error; nothing was written'."""
    pillar = mini_cards / "1-first.yaml"
    before = pillar.read_bytes()
    real = io.open

    def refuse(path: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(path) == str(pillar):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(pillar))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(io, "open", refuse)
    result = run_cli("rename", "--cards", mini_cards, "alpha", "alpha-two")
    assert result.exit_code == 1
    assert result.output == f"error: cannot read {pillar}: Input/output error\n"
    monkeypatch.undo()
    assert pillar.read_bytes() == before


def test_an_opencc_that_cannot_read_its_files_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: OpenCC's conversion tables unreadable (a damaged install, a failing disk)
    ended every extract, and build --script, in a traceback (RuntimeError)."""
    import opencc

    def unreadable(config: str) -> Any:
        raise RuntimeError(f"{config}.json not found or not accessible.")

    monkeypatch.setattr(opencc, "OpenCC", unreadable)
    result = run_cli(
        "extract", write_doc(tmp_path, FINANCE), "--key", "money", "-o", tmp_path / "m"
    )
    assert result.exit_code == 1
    assert result.output == (
        "error: OpenCC cannot load its 't2s' conversion (t2s.json not found or not "
        "accessible); reinstall it: pip install --force-reinstall opencc\n"
    )
    assert not (tmp_path / "m").exists()


def _is_row_file(path: str) -> bool:
    return ".part" in path and path.endswith(".db")


def test_row_files_that_cannot_be_removed_do_not_fail_a_written_build(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: once the deck and lock were in place, a row file (`.NAME.apkg.PID.X.partN.db`)
    that could not be removed ended the build with 'error: <row file>: Input/output
    error; nothing was written'. A later build removes what is left (remove_stale)."""
    out = tmp_path / "mini.apkg"
    refused = _refuse(monkeypatch, "unlink", errno.EIO, _is_row_file)
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert refused
    assert result.exit_code == 0, result.output
    assert "error" not in result.output
    assert out.read_bytes()[:2] == b"PK"
    assert (mini_cards / "deckgen.lock").read_bytes().startswith(b"{")


def test_row_files_that_cannot_be_removed_do_not_hide_the_error(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: a build that stopped after its row files were made (here --frozen, the lock
    out of date) and could not remove them ended in 'error: <row file>: Input/output
    error; nothing was written' instead of saying why it stopped."""
    out = tmp_path / "mini.apkg"
    expected = run_cli("build", "--cards", mini_cards, "--frozen", "-o", out)
    assert expected.exit_code == 1 and expected.output.startswith("error: --frozen:")
    refused = _refuse(monkeypatch, "unlink", errno.EIO, _is_row_file)
    result = run_cli("build", "--cards", mini_cards, "--frozen", "-o", out)
    assert refused
    assert (result.exit_code, result.output) == (1, expected.output)
    assert not out.exists() and not (mini_cards / "deckgen.lock").exists()


def test_a_deck_check_cannot_look_at_is_a_clear_error(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: `check` (and `preview`) read the package at the deck's path for what a
    learner may have imported; a stat of it that failed (a failing disk) ended in
    'error: dist/mini.apkg: Input/output error; nothing was written'."""
    monkeypatch.chdir(tmp_path)
    refused = _refuse(monkeypatch, "stat", errno.EIO, lambda p: p == "dist/mini.apkg")
    result = run_cli("check", "--cards", "mini")
    assert refused
    assert result.exit_code == 1
    assert result.output == (
        "mini: error: cannot read dist/mini.apkg: Input/output error\n"
        "Checked mini: 1 error, 0 warnings.\n"
    )


def test_a_deck_the_build_cannot_look_at_again_is_a_clear_error(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: the history stage's look at the package at the output path (is it a file?)
    failing after -o was checked ended the build in 'error: <deck>: Input/output error;
    nothing was written'."""
    out = tmp_path / "mini.apkg"
    build(mini_cards, out)
    before = out.read_bytes(), (mini_cards / "deckgen.lock").read_bytes()
    edit(mini_cards / "1-first.yaml", "Keep [[calm]]", "Keep [[calm]] always")
    real = Path.is_file
    refused: list[Path] = []

    def is_file(path: Path) -> bool:
        if path == out:
            refused.append(path)
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))
        return real(path)

    monkeypatch.setattr(Path, "is_file", is_file)
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert refused
    assert (result.exit_code, result.output) == (
        1,
        f"error: cannot read {out}: Input/output error\n",
    )
    monkeypatch.undo()
    assert (out.read_bytes(), (mini_cards / "deckgen.lock").read_bytes()) == before


def test_a_deck_the_no_op_shortcut_cannot_look_at_is_built(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: the no-op shortcut's stat of a package it had just read (for its size) failing
    ended the build in 'error: <deck>: Input/output error; nothing was written'; a
    shortcut that cannot say the deck is up to date builds it."""
    out = tmp_path / "mini.apkg"
    build(mini_cards, out)
    before = out.read_bytes(), (mini_cards / "deckgen.lock").read_bytes()
    refused = _refuse(
        monkeypatch,
        "stat",
        errno.EIO,
        lambda p: p == str(out) and _called_by("uptodate.py", "up_to_date"),
    )
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert refused
    assert result.exit_code == 0, result.output
    assert "up to date" not in result.output and "error" not in result.output
    assert (out.read_bytes(), (mini_cards / "deckgen.lock").read_bytes()) == before


def test_an_output_folder_that_cannot_be_made_is_a_clear_error(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: making the output folder failing (a failing disk, a full one) ended the build
    in 'error: <folder>: Input/output error; nothing was written', and the parents made
    before it stayed."""
    out = tmp_path / "made" / "dist" / "mini.apkg"
    refused = _refuse(  # once its parent is made: the disk fills up in between
        monkeypatch,
        "mkdir",
        errno.ENOSPC,
        lambda p: p == str(out.parent) and out.parent.parent.is_dir(),
    )
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert refused
    assert (result.exit_code, result.output) == (
        1,
        f"error: cannot write {out.parent}: No space left on device\n",
    )
    assert not (tmp_path / "made").exists()
    assert not (mini_cards / "deckgen.lock").exists()


def test_an_output_folder_that_cannot_be_looked_at_is_made(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Bug: the look at whether the output folder and its parents exist (to remove those
    the build made, should it fail) failing ended the build in 'error: <folder>:
    Input/output error; nothing was written'; a folder it cannot tell about is not the
    build's to remove, and making it says whether it can be written."""
    out = tmp_path / "dist" / "mini.apkg"
    refused = _refuse(
        monkeypatch,
        "stat",
        errno.EIO,
        lambda p: p == str(out.parent) and _called_by("atomic.py", "missing_folders"),
    )
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert refused
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK"


@pytest.mark.process
def test_the_last_resort_says_nothing_of_what_was_written(mini_cards: Path, tmp_path: Path):
    """Bug: `deckgen build | head -0` (standard output closed once the deck and lock were
    written) ended in 'error: Broken pipe; nothing was written': the last-resort branch of
    reports_errors cannot know what was written, and says only what failed."""
    out = tmp_path / "mini.apkg"
    read, write = os.pipe()
    os.close(read)  # nobody reads: the first line the build prints fails
    try:
        done = subprocess.run(
            [sys.executable, "-m", "deckgen.cli", "build", "--cards", mini_cards, "-o", out],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (1, "error: Broken pipe\n")
    assert out.read_bytes()[:2] == b"PK"
    assert (mini_cards / "deckgen.lock").read_bytes().startswith(b"{")
