"""Many decks in one project: cards/<deck>/deck.yaml, each built with its own lock."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deckgen.load import find_deck_folders
from tests.helpers import MINI_DECK, SHIPPED_CARDS, import_apkg, run_cli, write_cards


def second_deck(key: str = "mini-two", name: str = "Mini deck two") -> dict[str, str]:
    """MINI_DECK under another key and name, with the very same pillar and principle ids."""
    files = dict(MINI_DECK)
    files["deck.yaml"] = (
        MINI_DECK["deck.yaml"]
        .replace("key: mini", f"key: {key}")
        .replace("name: Mini deck", f"name: {name}")
    )
    return files


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with two decks, cards/one and cards/two, as the working folder."""
    write_cards(tmp_path / "cards" / "one", MINI_DECK)
    write_cards(tmp_path / "cards" / "two", second_deck())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_build_without_arguments_builds_every_deck(project: Path):
    result = run_cli("build")
    assert result.exit_code == 0, result.output
    assert "Built deck 'Mini deck' (mini)" in result.output
    assert "Built deck 'Mini deck two' (mini-two)" in result.output
    assert "Wrote dist/mini.apkg (" in result.output
    assert "Wrote dist/mini-two.apkg (" in result.output
    assert (project / "dist" / "mini.apkg").is_file()
    assert (project / "dist" / "mini-two.apkg").is_file()
    assert (project / "cards" / "one" / "deckgen.lock").is_file()
    assert (project / "cards" / "two" / "deckgen.lock").is_file()
    assert not (project / "cards" / "deckgen.lock").exists()

    again = run_cli("build", "--frozen")
    assert again.exit_code == 0, again.output
    assert again.output.count("No changes since the last build") == 2


def test_two_decks_import_side_by_side_without_guid_collision(project: Path, collection):
    assert run_cli("build").exit_code == 0
    first = import_apkg(collection, project / "dist" / "mini.apkg")
    notes_one = collection.note_count()
    cards_one = collection.card_count()
    second = import_apkg(collection, project / "dist" / "mini-two.apkg")

    assert len(first.new) == notes_one and len(second.new) == notes_one
    for log in (first, second):
        assert not log.updated and not log.duplicate and not log.conflicting
    assert collection.note_count() == 2 * notes_one
    assert collection.card_count() == 2 * cards_one
    guids = {collection.get_note(nid).guid for nid in collection.find_notes("")}
    assert len(guids) == 2 * notes_one
    for name in ("Mini deck", "Mini deck two"):
        deck_id = collection.decks.id_for_name(name)
        in_deck = [c for c in collection.find_cards("") if collection.get_card(c).did == deck_id]
        assert len(in_deck) == cards_one
    keys = {collection.get_note(nid)["Key"] for nid in collection.find_notes("")}
    assert {"mini/principle/alpha/cloze", "mini-two/principle/alpha/cloze"} <= keys


def test_the_shipped_deck_beside_another(tmp_path: Path, monkeypatch, collection):
    shutil.copytree(SHIPPED_CARDS, tmp_path / "cards" / "office")
    write_cards(tmp_path / "cards" / "mini", MINI_DECK)
    monkeypatch.chdir(tmp_path)
    result = run_cli("build", "-o", "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "mini.apkg",
        "office-service.apkg",
    ]
    total = 0
    for apkg in sorted((tmp_path / "out").iterdir()):
        log = import_apkg(collection, apkg)
        assert len(log.new) > 0 and not log.duplicate and not log.conflicting
        total += len(log.new)
    assert collection.note_count() == total


def test_two_decks_with_one_key_are_refused_with_both_paths(project: Path):
    write_cards(project / "cards" / "two", second_deck(key="mini"))
    result = run_cli("build")
    assert result.exit_code == 1
    assert (
        "cards/two/deck.yaml:1:1: error: deck key 'mini' is also the key of the deck in "
        "cards/one/deck.yaml; give each deck its own key"
    ) in result.output
    assert "Aborted with 1 error: nothing was written." in result.output
    assert not (project / "dist").exists()
    assert not (project / "cards" / "one" / "deckgen.lock").exists()


@pytest.mark.parametrize(
    ("deck", "message"),
    [
        (
            {"key": "mini"},
            "cards/two/deck.yaml:1:1: error: deck key 'mini' is also the key of the deck in "
            "cards/one/deck.yaml; give each deck its own key",
        ),
        (
            {"name": "Mini deck"},
            "cards/two/deck.yaml:1:1: error: deck name 'Mini deck' is also the name of the deck "
            "in cards/one/deck.yaml",
        ),
    ],
)
def test_check_reports_decks_sharing_a_key_or_a_name(project: Path, deck, message: str):
    """`deckgen check` reports what `deckgen build` refuses."""
    write_cards(project / "cards" / "two", second_deck(**deck))
    result = run_cli("check")
    assert result.exit_code == 1
    assert message in result.output
    assert result.output.endswith("Checked cards: 1 error, 0 warnings.\n")


def test_two_decks_with_one_name_are_refused(project: Path):
    write_cards(project / "cards" / "two", second_deck(name="Mini deck"))
    result = run_cli("build")
    assert result.exit_code == 1
    assert (
        "cards/two/deck.yaml:1:1: error: deck name 'Mini deck' is also the name of the deck in "
        "cards/one/deck.yaml"
    ) in result.output
    assert not (project / "dist").exists()


def test_a_content_error_in_one_deck_writes_no_deck(project: Path):
    pillar = project / "cards" / "two" / "1-first.yaml"
    pillar.write_text(pillar.read_text().replace("title: Alpha", "titel: Alpha"))
    result = run_cli("build")
    assert result.exit_code == 1
    assert "cards/two/1-first.yaml:5:5: error: unknown key 'titel'" in result.output
    assert not (project / "dist").exists()
    assert not (project / "cards" / "one" / "deckgen.lock").exists()


def test_a_guard_in_the_second_deck_names_the_deck_and_nothing_is_written(project: Path):
    assert run_cli("build").exit_code == 0
    first = project / "cards" / "one" / "1-first.yaml"
    first.write_text(first.read_text().replace("Keep [[calm]]", "Stay [[calm]]"))
    written = {p: p.read_bytes() for p in (project / "dist").iterdir()}
    locks = {p: p.read_bytes() for p in (project / "cards").glob("*/deckgen.lock")}
    pillar = project / "cards" / "two" / "2-second.yaml"
    pillar.write_text(pillar.read_text().replace("id: gamma", "id: delta"))
    result = run_cli("build")
    assert result.exit_code == 1
    assert "Built deck" not in result.output
    assert (
        "error: deck 'mini-two' in cards/two: nothing was built: refusing to build"
    ) in result.output
    assert "run `deckgen rename --cards cards/two gamma delta`" in result.output
    # Every deck is planned before any is written: the first deck's edit waits too.
    assert {p: p.read_bytes() for p in (project / "dist").iterdir()} == written
    assert {p: p.read_bytes() for p in (project / "cards").glob("*/deckgen.lock")} == locks


@pytest.mark.parametrize("out", ["deck.apkg", "existing-file"])
def test_o_must_be_a_directory_with_several_decks(project: Path, out: str):
    (project / "existing-file").write_text("")
    result = run_cli("build", "-o", out)
    assert result.exit_code == 1
    assert result.output == (
        f"error: -o {out} is a file, but there are 2 decks to build (mini, mini-two); give a "
        "folder for their .apkg files, e.g. -o dist/\n"
    )
    assert not (project / "deck.apkg").exists()


def test_o_directory_with_several_decks(project: Path):
    result = run_cli("build", "-o", "build/decks")
    assert result.exit_code == 0, result.output
    assert (project / "build" / "decks" / "mini.apkg").is_file()
    assert (project / "build" / "decks" / "mini-two.apkg").is_file()


def test_single_deck_o_may_be_an_existing_directory(mini_cards: Path, tmp_path: Path):
    (tmp_path / "here").mkdir()
    result = run_cli("build", "--cards", mini_cards, "-o", tmp_path / "here")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "here" / "mini.apkg").is_file()


def test_a_deck_at_the_root_and_decks_in_subfolders(tmp_path: Path, monkeypatch):
    write_cards(tmp_path / "cards", MINI_DECK)
    write_cards(tmp_path / "cards" / "other", second_deck())
    monkeypatch.chdir(tmp_path)
    result = run_cli("build")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cards" / "deckgen.lock").is_file()
    assert (tmp_path / "cards" / "other" / "deckgen.lock").is_file()
    assert (tmp_path / "dist" / "mini.apkg").is_file()
    assert (tmp_path / "dist" / "mini-two.apkg").is_file()


def test_find_deck_folders(tmp_path: Path):
    root = tmp_path / "cards"
    assert find_deck_folders(root) == [root]  # missing: loading it says so
    for name in ("deck-10", "deck-2", ".hidden", "notes"):
        (root / name).mkdir(parents=True)
    for name in ("deck-10", "deck-2", ".hidden"):
        (root / name / "deck.yaml").write_text("key: x\n")
    assert find_deck_folders(root) == [root / "deck-2", root / "deck-10"]
    (root / "deck.yaml").write_text("key: x\n")
    assert find_deck_folders(root) == [root, root / "deck-2", root / "deck-10"]


def test_an_empty_project_says_what_is_missing(tmp_path: Path, monkeypatch):
    (tmp_path / "cards" / "empty").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    result = run_cli("build")
    assert result.exit_code == 1
    assert result.output.startswith("cards: error:")
