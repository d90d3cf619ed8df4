"""Where a deck may be written: `-o FILE.apkg` or `-o DIR/`; nothing that is not ours is
replaced, and a replaced file keeps its permission bits."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.helpers import run_cli


def _refused(cards: Path, target: Path | str, message: str) -> None:
    result = run_cli("build", "--cards", cards, "-o", target)
    assert result.exit_code == 1, result.output
    assert result.output == f"error: {message}\n"
    assert not (cards / "deckgen.lock").exists()


def test_a_fifo_is_refused_and_left_as_it_is(mini_cards: Path, tmp_path: Path):
    fifo = tmp_path / "deck.apkg"
    os.mkfifo(fifo)
    _refused(
        mini_cards,
        fifo,
        f"-o {fifo} is a FIFO, not a deck file; deckgen replaces only regular files: choose "
        "another path",
    )
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device needs root")
def test_a_device_is_refused_and_left_as_it_is(mini_cards: Path, tmp_path: Path):
    device = tmp_path / "null.apkg"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own
    _refused(
        mini_cards,
        device,
        f"-o {device} is a device, not a deck file; deckgen replaces only regular files: "
        "choose another path",
    )
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert device.lstat().st_rdev == os.makedev(1, 3)


def test_a_name_without_apkg_is_refused_with_both_ways_to_say_it(mini_cards: Path, tmp_path):
    target = tmp_path / "dist" / "simplified"
    _refused(
        mini_cards,
        target,
        f"-o {target}: a deck file must end in .apkg; write -o {target}.apkg for a file, or "
        f"-o {target}/ for a folder to write mini.apkg into",
    )
    assert not (tmp_path / "dist").exists()
    zipped = tmp_path / "deck.zip"
    _refused(
        mini_cards,
        zipped,
        f"-o {zipped}: a deck file must end in .apkg; write -o {tmp_path / 'deck'}.apkg for a "
        f"file, or -o {zipped}/ for a folder to write mini.apkg into",
    )


def test_standard_output_is_refused(mini_cards: Path):
    _refused(
        mini_cards,
        "-",
        "-o -: a deck cannot be written to standard output; give a file NAME.apkg or a "
        "folder NAME/",
    )


def test_a_trailing_slash_or_an_existing_folder_is_a_folder(mini_cards: Path, tmp_path: Path):
    result = run_cli("build", "--cards", mini_cards, "-o", f"{tmp_path / 'new'}/")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "mini.apkg").is_file()
    (tmp_path / "old").mkdir()
    result = run_cli("build", "--cards", mini_cards, "-o", tmp_path / "old")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "old" / "mini.apkg").is_file()


def test_a_name_too_long_is_a_clear_error(mini_cards: Path, tmp_path: Path):
    target = tmp_path / ("d" * 300 + ".apkg")
    result = run_cli("build", "--cards", mini_cards, "-o", target)
    assert result.exit_code == 1
    assert result.output == f"error: cannot write {target}: File name too long\n"


def test_a_replaced_file_keeps_its_permission_bits(mini_cards: Path, tmp_path: Path):
    out = tmp_path / "deck.apkg"
    out.write_bytes(b"an old deck")
    out.chmod(0o444)
    result = run_cli("build", "--cards", mini_cards, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK"
    assert stat.S_IMODE(out.stat().st_mode) == 0o444
    lock = mini_cards / "deckgen.lock"
    lock.chmod(0o640)
    before = lock.read_bytes()
    (mini_cards / "1-first.yaml").write_text(
        (mini_cards / "1-first.yaml").read_text().replace("Keep", "Always keep")
    )
    assert run_cli("build", "--cards", mini_cards, "-o", tmp_path / "two.apkg").exit_code == 0
    assert lock.read_bytes() != before  # replaced, with the bits it had
    assert stat.S_IMODE(lock.stat().st_mode) == 0o640


def test_a_new_file_gets_the_usual_permission_bits(mini_cards: Path, tmp_path: Path):
    old = os.umask(0o027)
    try:
        assert run_cli("build", "--cards", mini_cards, "-o", tmp_path / "d.apkg").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "d.apkg").stat().st_mode) == 0o640
    assert stat.S_IMODE((mini_cards / "deckgen.lock").stat().st_mode) == 0o640
