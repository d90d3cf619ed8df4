"""Rebuilds that never cost progress: the lock, change stamps, guards, safe output."""

from __future__ import annotations

import os
import re
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from deckgen import notetypes
from deckgen.build import build_deck
from deckgen.changes import fresh_stamp
from deckgen.errors import GuardError
from deckgen.lock import read_lock
from deckgen.options import BuildOptions
from tests.helpers import (
    SHIPPED_NAME,
    answer_all_cards,
    build,
    card_states,
    edit,
    import_apkg,
    run_cli,
)


def guids_by_key(collection) -> dict[str, int]:
    return {
        collection.get_note(nid)["Key"].split("/", 1)[1]: nid for nid in collection.find_notes("")
    }


@pytest.fixture
def studied(cards_copy: Path, collection, tmp_path):
    """The shipped deck imported and every card answered once."""
    first = tmp_path / "first.apkg"
    build(cards_copy, first)
    import_apkg(collection, first)
    assert answer_all_cards(collection, SHIPPED_NAME) == collection.card_count()
    return collection


def rebuild_and_import(cards: Path, collection, tmp_path: Path, *extra: str):
    out = tmp_path / f"rebuild-{time.monotonic_ns()}.apkg"
    result = run_cli("build", "--cards", cards, "-o", out, *extra)
    assert result.exit_code == 0, result.output
    return result, import_apkg(collection, out)


def test_text_edit_updates_exactly_the_changed_notes(studied, cards_copy: Path, tmp_path):
    before = card_states(studied)
    # A principle title appears on its cloze note and on each of its questions.
    edit(cards_copy / "4-service-ability.yaml", "title: 掌握業務", "title: 掌握各項業務")
    result, log = rebuild_and_import(cards_copy, studied, tmp_path)
    changed = [ln.removeprefix("  ~ ") for ln in result.output.splitlines() if ln.startswith("  ~")]
    # ... and in the pillar's overview, which lists its principles.
    assert sorted(changed) == [
        "pillar/service-ability",
        "principle/know-the-business/cloze",
        "principle/know-the-business/qa/strengthen-study",
    ]
    keys = guids_by_key(studied)
    updated = sorted(studied.get_note(u.id.nid)["Key"].split("/", 1)[1] for u in log.updated)
    assert updated == sorted(changed)
    assert len(log.duplicate) == studied.note_count() - len(changed)
    assert not log.new and not log.conflicting
    assert card_states(studied) == before
    assert (
        "掌握各項業務" in studied.get_note(keys["principle/know-the-business/cloze"])["Principle"]
    )
    assert "0 added, 3 changed, 0 retired" in result.output


def test_learner_tag_on_unchanged_note_survives(studied, cards_copy: Path, tmp_path):
    keys = guids_by_key(studied)
    note = studied.get_note(keys["principle/communication/cloze"])
    note.add_tag("my-own-tag")
    studied.update_note(note)
    edit(cards_copy / "1-service-awareness.yaml", "謀取私利", "謀取個人私利")
    _, log = rebuild_and_import(cards_copy, studied, tmp_path)
    assert len(log.updated) >= 1
    assert "my-own-tag" in studied.get_note(keys["principle/communication/cloze"]).tags


def test_principle_moved_to_another_pillar_keeps_history(studied, cards_copy: Path, tmp_path):
    before = card_states(studied)
    first, fourth = cards_copy / "1-service-awareness.yaml", cards_copy / "4-service-ability.yaml"
    d1 = yaml.safe_load(first.read_text(encoding="utf-8"))
    d4 = yaml.safe_load(fourth.read_text(encoding="utf-8"))
    d1["principles"].append(d4["principles"].pop())  # know-the-business -> pillar 一
    first.write_text(yaml.safe_dump(d1, allow_unicode=True, sort_keys=False), encoding="utf-8")
    fourth.write_text(yaml.safe_dump(d4, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result, log = rebuild_and_import(cards_copy, studied, tmp_path)
    assert "refusing" not in result.output
    assert not log.new and not log.conflicting
    keys = guids_by_key(studied)
    tags = studied.get_note(keys["principle/know-the-business/cloze"]).tags
    assert sorted(tags) == [
        "office-service::service-awareness",
        "office-service::service-awareness::know-the-business",
    ]
    assert card_states(studied) == before


def test_cloze_added_after_existing_ones_adds_one_card(studied, cards_copy: Path, tmp_path):
    before = card_states(studied)
    edit(cards_copy / "4-service-ability.yaml", "提高工作效率", "提高[[工作效率]]")
    result, log = rebuild_and_import(cards_copy, studied, tmp_path)
    assert "1 new cards" in result.output
    assert len(log.updated) == 1 and not log.new
    after = card_states(studied)
    assert len(after) == len(before) + 1
    assert {cid: after[cid] for cid in before} == before
    (new_cid,) = set(after) - set(before)
    new_card = studied.get_card(new_cid)
    assert new_card.ord == 4 and new_card.type == 0  # c5, a new card
    assert "[...]" in new_card.question()


# --- guards ---------------------------------------------------------------------


def _rename_principle(cards: Path) -> None:
    edit(cards / "1-service-awareness.yaml", "id: high-spirits", "id: keep-spirits-high")


def _cloze_removed(cards: Path) -> None:
    edit(cards / "1-service-awareness.yaml", "[[以苦為樂、奉獻為榮]]", "以苦為樂、奉獻為榮")


def _deck_renamed(cards: Path) -> None:
    edit(cards / "deck.yaml", "name: 辦公室服務工作", "name: 辦公室服務")


def _deck_key_changed(cards: Path) -> None:
    edit(cards / "deck.yaml", "key: office-service", "key: office-work")


GUARDED = {
    "principle id changed by hand": (
        _rename_principle,
        "principle id 'high-spirits' is gone and principle 'keep-spirits-high' appeared in its "
        "place: if you renamed it, run `deckgen rename --cards {cards} high-spirits "
        "keep-spirits-high`",
    ),
    "cloze removed": (_cloze_removed, "cloze c3 ('以苦為樂、奉獻為榮') was removed"),
    "deck renamed": (_deck_renamed, "the deck name changed from '辦公室服務工作' to '辦公室服務'"),
    "deck key changed": (
        _deck_key_changed,
        "the deck key changed from 'office-service' to 'office-work'",
    ),
}


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_guarded_change_refused_without_flag(name: str, cards_copy: Path, tmp_path: Path):
    change, message = GUARDED[name]
    message = message.format(cards=cards_copy)
    out = tmp_path / "deck.apkg"
    assert run_cli("build", "--cards", cards_copy, "-o", out).exit_code == 0
    lock_before = (cards_copy / "deckgen.lock").read_bytes()
    deck_before = out.read_bytes()
    change(cards_copy)
    result = run_cli("build", "--cards", cards_copy, "-o", out)
    assert result.exit_code == 1
    assert result.output.startswith("error: refusing to build: these changes would cost")
    assert message in result.output
    assert "--accept-loss" in result.output
    assert "Traceback" not in result.output
    assert out.read_bytes() == deck_before
    assert (cards_copy / "deckgen.lock").read_bytes() == lock_before
    # `deckgen check` reports the same refusal, as an error.
    checked = run_cli("check", "--cards", cards_copy)
    assert checked.exit_code == 1
    assert message in checked.output and "error:" in checked.output

    accepted = run_cli("build", "--cards", cards_copy, "-o", out, "--accept-loss")
    assert accepted.exit_code == 0, accepted.output
    accepted_lines = [ln for ln in accepted.output.splitlines() if "accepted loss: " in ln]
    assert any(message in ln for ln in accepted_lines), accepted.output
    # The lock now records the new state: the next build needs no flag.
    again = run_cli("build", "--cards", cards_copy, "-o", out)
    assert again.exit_code == 0, again.output
    assert "No changes since the last build" in again.output


def test_note_type_field_change_is_guarded(cards_copy: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "deck.apkg"
    build_deck(cards_copy, out)
    monkeypatch.setattr(
        notetypes, "QA_NOTE_FIELDS", (*notetypes.QA_NOTE_FIELDS[:-1], "Source", "Key")
    )
    with pytest.raises(GuardError, match="the fields of note type 'deckgen question-answer'"):
        build_deck(cards_copy, out)


def test_deck_rename_with_flag_splits_deck_as_warned(studied, cards_copy: Path, tmp_path):
    _deck_renamed(cards_copy)
    rebuild_and_import(cards_copy, studied, tmp_path, "--accept-loss")
    # Existing cards stay in the old deck, which is exactly why it is guarded.
    assert studied.decks.id_for_name(SHIPPED_NAME)
    assert len(studied.find_cards(f'"deck:{SHIPPED_NAME}"')) == studied.card_count()


# --- reproducible, frozen, safe output ------------------------------------------


def test_builds_seconds_apart_are_byte_identical(cards_copy: Path, tmp_path: Path):
    a, b = tmp_path / "a.apkg", tmp_path / "b.apkg"
    build_deck(cards_copy, a)
    time.sleep(1.1)
    build_deck(cards_copy, b)
    assert a.read_bytes() == b.read_bytes()


def test_fresh_copy_of_cards_builds_the_same_bytes(cards_copy: Path, tmp_path: Path):
    """Same content and lock, another folder (as on another machine): same bytes."""
    import shutil

    other = tmp_path / "elsewhere" / "cards"
    shutil.copytree(cards_copy, other)
    a, b = tmp_path / "a.apkg", tmp_path / "b.apkg"
    build_deck(cards_copy, a)
    build_deck(other, b)
    assert a.read_bytes() == b.read_bytes()


def test_frozen_fails_after_an_edit(cards_copy: Path, tmp_path: Path):
    out = tmp_path / "deck.apkg"
    assert run_cli("build", "--cards", cards_copy, "--frozen", "-o", out).exit_code == 0
    edit(cards_copy / "2-service-image.yaml", "規範著裝", "規範地著裝")
    lock_before = (cards_copy / "deckgen.lock").read_bytes()
    result = run_cli("build", "--cards", cards_copy, "--frozen", "-o", tmp_path / "new.apkg")
    assert result.exit_code == 1
    assert "--frozen: the build would change" in result.output
    assert "(1 changed)" in result.output
    assert (cards_copy / "deckgen.lock").read_bytes() == lock_before
    assert not (tmp_path / "new.apkg").exists()


def test_failed_write_keeps_previous_deck_and_leaves_no_temp_files(
    cards_copy: Path, tmp_path: Path, monkeypatch
):
    out_dir = tmp_path / "dist"
    out = out_dir / "deck.apkg"
    build_deck(cards_copy, out)
    before = out.read_bytes()
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    edit(cards_copy / "2-service-image.yaml", "規範著裝", "規範地著裝")
    lock_before = (cards_copy / "deckgen.lock").read_bytes()

    def crash(partial: Path) -> None:
        assert partial.exists()
        if partial.parent == out_dir:  # the lock was renamed already: it is put back
            raise RuntimeError("killed half-way")

    with pytest.raises(RuntimeError, match="killed half-way"):
        build_deck(cards_copy, out, BuildOptions(before_rename=crash))
    assert out.read_bytes() == before
    assert os.listdir(out_dir) == ["deck.apkg"]
    assert os.listdir(temp_root) == []
    assert (cards_copy / "deckgen.lock").read_bytes() == lock_before
    # And a normal build leaves nothing behind either.
    build_deck(cards_copy, out)
    assert os.listdir(out_dir) == ["deck.apkg"]
    assert os.listdir(temp_root) == []
    assert sorted(os.listdir(cards_copy)) == sorted(
        [p.name for p in cards_copy.iterdir() if not p.name.startswith(".")]
    )


def test_unwritable_output_is_a_clear_error(cards_copy: Path, tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_cli("build", "--cards", cards_copy, "-o", blocker / "deck.apkg")
    assert result.exit_code == 1
    assert result.output.startswith(f"error: cannot write {blocker / 'deck.apkg'}")
    assert "Traceback" not in result.output


def test_package_is_deflated_and_imports(cards_copy: Path, tmp_path: Path, collection):
    out = tmp_path / "deck.apkg"
    build_deck(cards_copy, out)
    with zipfile.ZipFile(out) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["collection.anki2", "media"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        assert infos[0].compress_size < infos[0].file_size / 3
    log = import_apkg(collection, out)
    assert len(log.new) == collection.note_count() > 0


# --- stamps ---------------------------------------------------------------------


def test_stamps_move_only_for_changed_notes_and_never_into_the_future(cards_copy: Path, tmp_path):
    out = tmp_path / "deck.apkg"
    lock_path = cards_copy / "deckgen.lock"
    old = read_lock(lock_path, "lock")
    assert old is not None
    edit(cards_copy / "2-service-image.yaml", "規範著裝", "規範地著裝")
    build_deck(cards_copy, out)
    now = time.time()
    new = read_lock(lock_path, "lock")
    assert new is not None
    moved = {k for k in new.notes if new.notes[k].mod != old.notes[k].mod}
    assert moved == {"principle/outward-image/cloze"}
    stamp = new.notes["principle/outward-image/cloze"].mod
    assert old.newest_stamp < stamp <= now
    assert new.note_types == old.note_types


def test_fresh_stamp_waits_past_the_lock_rather_than_lying():
    ticks = iter([100.2, 100.7, 101.1])
    slept: list[float] = []
    assert fresh_stamp(100, clock=lambda: next(ticks), sleep=slept.append) == 101
    assert len(slept) == 2


def test_fresh_stamp_goes_past_a_lock_far_in_the_future_without_waiting():
    """A lock stamped ahead of this clock never blocks: the next stamp is still newer."""
    slept: list[float] = []
    assert fresh_stamp(1000, clock=lambda: 100.0, sleep=slept.append) == 1001
    assert slept == []


# --- a lock that is not one ----------------------------------------------------------------


def _nth_mod_line(lock: str, n: int) -> int:
    return [i for i, line in enumerate(lock.splitlines(), start=1) if '"mod": ' in line][n]


DAMAGED_LOCKS = {
    # name: (the damage, (line, col) of the error, what the message says)
    "a float stamp": (
        lambda t: re.sub(r'"mod": (\d+)', r'"mod": 1e400', t, count=3),
        lambda t: (_nth_mod_line(t, 0), t.splitlines()[_nth_mod_line(t, 0) - 1].index("1e400") + 1),
        "the lock file is damaged (1e400 is not a whole number)",
    ),
    "a stamp no clock reaches": (
        lambda t: re.sub(r'"mod": (\d+)', r'"mod": 100000000000000000000', t, count=3).replace(
            '"mod": 100000000000000000000', '"mod": 1', 2
        ),
        lambda t: (_nth_mod_line(t, 2), 1),
        "the lock file is damaged (the stamp is not a whole number from 0 to 1099511627775)",
    ),
    "NaN": (
        lambda t: re.sub(r'"mod": (\d+)', r'"mod": NaN', t, count=1),
        lambda t: (_nth_mod_line(t, 0), t.splitlines()[_nth_mod_line(t, 0) - 1].index("NaN") + 1),
        "the lock file is damaged (NaN is not a number deckgen writes)",
    ),
    "deep nesting": (
        lambda t: "[" * 100_000 + "]" * 100_000,
        lambda t: (1, 1),
        "the lock file is damaged (it nests too deeply)",
    ),
    "not an object": (
        lambda t: "[]\n",
        lambda t: (1, 1),
        "the lock file is damaged (the file is not an object)",
    ),
    "a later version": (
        lambda t: t.replace('"deckgen_lock": 2', '"deckgen_lock": 99'),
        lambda t: (1, 1),
        "lock file version 99 is not one this deckgen reads (1, 2); upgrade deckgen",
    ),
    "no notes": (
        lambda t: t[: t.index(' "notes"')].rstrip().rstrip(",") + "\n}\n",
        lambda t: (1, 1),
        "the lock file is damaged ('notes' is not an object)",
    ),
    "not UTF-8": (
        lambda t: t.replace("guid", "gu\udcffid", 1),
        lambda t: (10, 1),
        "the lock file is damaged (it is not UTF-8)",
    ),
}


@pytest.mark.parametrize("name", sorted(DAMAGED_LOCKS))
def test_a_damaged_lock_is_a_located_error_and_nothing_is_written(
    name: str, mini_cards: Path, tmp_path: Path
):
    damage, where, message = DAMAGED_LOCKS[name]
    out = tmp_path / "deck.apkg"
    assert run_cli("build", "--cards", mini_cards, "-o", out).exit_code == 0
    lock = mini_cards / "deckgen.lock"
    text = lock.read_text(encoding="utf-8")
    damaged = damage(text)
    lock.write_bytes(damaged.encode("utf-8", "surrogateescape"))
    before, deck = lock.read_bytes(), out.read_bytes()
    (mini_cards / "1-first.yaml").write_text(
        (mini_cards / "1-first.yaml").read_text().replace("Keep", "Always keep")
    )
    line, col = where(damaged)
    for args in (("build", "--cards", mini_cards, "-o", out), ("check", "--cards", mini_cards)):
        result = run_cli(*args)
        assert result.exit_code == 1, result.output
        assert f"{lock}:{line}:{col}: error: {message}" in result.output
        assert "Traceback" not in result.output
    assert lock.read_bytes() == before and out.read_bytes() == deck


def test_a_lock_that_is_a_folder(mini_cards: Path, tmp_path: Path):
    (mini_cards / "deckgen.lock").mkdir()
    result = run_cli("build", "--cards", mini_cards, "-o", tmp_path / "d.apkg")
    assert result.exit_code == 1
    assert f"{mini_cards / 'deckgen.lock'}: error: the lock is a folder, not a file; remove it" in (
        result.output
    )


def test_a_lock_that_is_a_fifo_is_refused_without_waiting(mini_cards: Path, tmp_path: Path):
    os.mkfifo(mini_cards / "deckgen.lock")
    for args in (
        ("build", "--cards", mini_cards, "-o", tmp_path / "d.apkg"),
        ("check", "--cards", mini_cards),
    ):
        result = run_cli(*args)
        assert result.exit_code == 1
        assert (
            f"{mini_cards / 'deckgen.lock'}: error: the lock is not a regular file (a FIFO, a "
            "device?); remove it"
        ) in result.output
