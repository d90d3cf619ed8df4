"""The command line: help, version, summary, and errors without tracebacks."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

import deckgen
from deckgen import __version__, exiting
from deckgen.cli import cli
from tests.helpers import ROOT, run_cli


def _pyproject_version() -> str:
    found = re.search(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert found, "pyproject.toml has no version"
    return found.group(1)


def test_version():
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.output == f"deckgen, version {_pyproject_version()}\n"
    assert __version__ == importlib.metadata.version("deckgen") == _pyproject_version()


def test_the_version_is_written_once_in_pyproject():
    """deckgen/__init__.py reads it from the installed metadata; no module spells it."""
    literal = re.compile(r"""__version__\s*=\s*['"]""")
    assert [p.name for p in (ROOT / "deckgen").rglob("*.py") if literal.search(p.read_text())] == []


def test_a_source_tree_without_metadata_reads_pyproject(monkeypatch: pytest.MonkeyPatch):
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert deckgen._version() == _pyproject_version()


@pytest.mark.process
def test_starting_the_command_loads_no_heavy_module():
    """`deckgen --help` and every start of the command pay only for what they use: the
    YAML parser, genanki, SQLite and the version's metadata load when a command needs
    them (deckgen/cli.py, deckgen.__getattr__)."""
    heavy = ("yaml", "genanki", "sqlite3", "importlib.metadata", "opencc", "jieba", "anki")
    probe = f"import sys, deckgen.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.process
def test_a_build_with_nothing_to_do_loads_no_building_module(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A no-op build (deckgen.uptodate) reads, digests and compares, and nothing more: it
    loads none of the modules that check, generate or package a deck."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "deck.apkg"
    assert run_cli("build", "--cards", mini_cards, "-o", out).exit_code == 0
    building = (
        "deckgen.validate", "deckgen.rules", "deckgen.pillarfile", "deckgen.generate",
        "deckgen.changes", "deckgen.package", "deckgen.incremental", "genanki", "opencc",
    )  # fmt: skip
    probe = (
        "import sys\n"
        "from deckgen.cli import cli\n"
        f"try:\n    cli(['build', '--cards', {str(mini_cards)!r}, '-o', {str(out)!r}])\n"
        "except SystemExit:\n    pass\n"
        f"print([m for m in {building!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert "No changes since the last build" in done.stdout, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(name: str):
    result = run_cli(name, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output, result.output
    command = cli.commands[name]
    assert isinstance(command, click.Command) and command.help


def test_top_level_help_lists_commands():
    result = run_cli("--help")
    assert result.exit_code == 0
    assert "build" in result.output and "Example" in result.output


def test_build_prints_summary(mini_cards: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths print relative to the working folder
    out = tmp_path / "dist" / "mini.apkg"
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Built deck 'Mini deck' (mini)"
    assert lines[1].split() == ["一、First", "pillar", "3", "notes", "4", "cards"]
    assert lines[2].split() == ["二、Second", "pillar", "5", "notes", "7", "cards"]
    assert lines[3].split() == ["(deck", "overview)", "2", "notes", "3", "cards"]
    assert lines[4] == "  total: 10 notes, 14 cards, 2 pillars, 3 principles"
    assert lines[5] == "First build: no lock yet; all 10 notes are new."
    assert out.stat().st_size > 1024
    assert lines[6:] == [
        f"Wrote dist/mini.apkg ({out.stat().st_size / 1024:.1f} KiB)",
        "Updated mini/deckgen.lock: commit it with the cards.",
    ]


def test_default_output_is_dist_deck_key(mini_cards: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("build", "--cards", mini_cards)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dist" / "mini.apkg").is_file()
    assert "Wrote dist/mini.apkg (" in result.output


def test_content_error_has_location_exit_1_and_keeps_previous_deck(mini_cards: Path, tmp_path):
    out = tmp_path / "deck.apkg"
    assert run_cli("build", "--cards", mini_cards, "-o", out).exit_code == 0
    before = out.read_bytes()
    pillar = mini_cards / "1-first.yaml"
    pillar.write_text(pillar.read_text().replace("    title: Alpha", "    titel: Alpha"))
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert result.exit_code == 1
    assert f"{pillar}:5:5: error: unknown key 'titel' in a principle (did you mean 'title'?)" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert result.output.rstrip().endswith("Aborted with 2 errors: nothing was written.")
    assert out.read_bytes() == before


def test_missing_cards_folder(tmp_path: Path):
    result = run_cli("build", "--cards", tmp_path / "nope", "-o", tmp_path / "d.apkg")
    assert result.exit_code == 1
    assert "nope: error: cards folder not found" in result.output


@pytest.mark.process
def test_a_build_process_ends_at_once_with_everything_it_printed(
    mini_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """deckgen.exiting ends the process without the interpreter's teardown, once its
    output is flushed: written to files (buffered, unlike a terminal), every line a
    build prints is there, as the same build prints them in process, and the status is
    click's."""
    monkeypatch.chdir(tmp_path)
    for name in ("one", "two"):
        shutil.copytree(mini_cards, name)
    expected = run_cli("build", "--cards", "two", "-o", "two.apkg")
    assert exiting._kept == []  # in process, what a build made is freed as usual
    # The interpreter's teardown runs the atexit functions: this one must not run.
    probe = (
        "import atexit, sys\n"
        "atexit.register(print, 'torn down', file=sys.stderr)\n"
        "sys.argv[0] = 'deckgen'\n"
        "from deckgen.cli import main\n"
        "main()\n"
    )
    command = [sys.executable, "-c", probe, "build", "--cards", "one"]
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        done = subprocess.run([*command, "-o", "one.apkg"], stdout=stdout, stderr=stderr)
    assert done.returncode == expected.exit_code == 0
    assert expected.output.startswith("Built deck ")
    assert out.read_text().replace("one", "two") == expected.output
    assert "torn down" not in err.read_text()
    with out.open("w") as stdout, err.open("w") as stderr:
        bad = subprocess.run([*command, "-o", "/dev/null/x.apkg"], stdout=stdout, stderr=stderr)
    assert bad.returncode == 1
    assert err.read_text().startswith("error: "), err.read_text()
    assert "torn down" not in err.read_text()


@pytest.mark.process
def test_real_process_exit_status_and_no_traceback(tmp_path: Path):
    """Through a real process: the console script's exit status and stderr."""
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "deck.yaml").write_text("key: [unclosed\n")
    proc = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "build", "--cards", str(tmp_path / "cards")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("cards/deck.yaml:2:1: error: YAML syntax error:")
    assert "Traceback" not in proc.stderr
