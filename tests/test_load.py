"""Reading a cards folder: the one listing every reader shares, and safe reading of files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import deckgen.load as load_module
from deckgen.build import source_digest
from deckgen.errors import ContentError
from deckgen.load import MAX_FILE_BYTES, list_cards_folder, read_cards_bytes
from tests.conftest import MINI_DECK, run_cli, write_cards

NOT_UTF8 = os.fsdecode(b"9-\xff.yaml")  # a name with a byte that is not UTF-8
PILLAR = (
    "id: extra\ntitle: Extra\nprinciples:\n  - id: delta\n    title: Delta\n"
    "    text: Be [[brief]].\n    questions: []\n"
)


@pytest.fixture
def cards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_cards(Path("cards"), MINI_DECK)


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
        load_module.os,
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
    before = source_digest(cards, [cards], tts=False, script=None)
    (cards / ".5-hidden.yaml").write_text(PILLAR)
    (cards / "1-first.yaml~").write_text(PILLAR)
    (cards / "README.md").write_text("notes for myself")
    assert source_digest(cards, [cards], tts=False, script=None) == before


@pytest.mark.parametrize("make", [_fifo, _folder, _loop, _dangling, _not_utf8])
def test_digest_changes_with_an_entry_the_loader_reports(cards: Path, make):
    before = source_digest(cards, [cards], tts=False, script=None)
    make(cards)
    assert source_digest(cards, [cards], tts=False, script=None) != before


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
