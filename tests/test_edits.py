"""Every edit reaches the learner: cloze numbers by phrase, renames, retired notes, reverts.

Each test studies a deck in a real Anki collection (every card answered with Anki's
scheduler), makes an author's edit, rebuilds, imports again, and looks at what the
learner has: cards, histories, fields and tags, as Anki renders them.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from tests.helpers import (
    TEA_NAME,
    answer_all_cards,
    build,
    card_states,
    edit,
    git,
    import_apkg,
    run_cli,
)

COMMA = "\uff0c"
ACTIVE_CLOZE = re.compile(r'<span class="cloze" data-ordinal="(\d+)">(.*?)</span>', re.S)


@pytest.fixture
def studied(tea: Path, tmp_path: Path, collection):
    """The tea deck built, imported and every card answered once."""
    build(tea, tmp_path / "v1.apkg")
    import_apkg(collection, tmp_path / "v1.apkg")
    assert answer_all_cards(collection, TEA_NAME) == collection.card_count()
    return collection


def hidden_phrases(col) -> dict[int, str]:
    """Every cloze card's id -> the phrase it hides, read from Anki's rendering of its back."""
    found = {}
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        if card.note_type()["type"] != 1:
            continue
        active = ACTIVE_CLOZE.findall(card.answer())
        assert len(active) == 1, card.answer()
        assert int(active[0][0]) == card.ord + 1
        found[cid] = active[0][1]
    return found


def note_by_key(col, key: str):
    (nid,) = col.find_notes(f'"Key:tea-craft/{key}"')
    return col.get_note(nid)


def reimport(cards: Path, col, out: Path, *extra: str):
    result = build(cards, out, *extra)
    return result, import_apkg(col, out)


# --- cloze numbers belong to phrases ----------------------------------------------------


def test_a_phrase_inserted_first_adds_one_card_and_every_card_hides_what_it_hid(
    studied, tea: Path, tmp_path: Path
):
    before_states = card_states(studied)
    before = hidden_phrases(studied)
    edit(
        tea / "1-water.yaml", "\u6ce1\u8336\u7528\u6c34\u8981", "\u6ce1\u8336[[\u7528\u6c34]]\u8981"
    )
    result, log = reimport(tea, studied, tmp_path / "v2.apkg")
    assert "refusing" not in result.output
    assert "1 new cards" in result.output
    assert len(log.updated) == 1 and not log.new and not log.conflicting
    after = hidden_phrases(studied)
    assert {cid: after[cid] for cid in before} == before
    (new_card,) = set(after) - set(before)
    assert after[new_card] == "\u7528\u6c34"
    # The new phrase is first in the text and takes the next number, c4.
    assert studied.get_card(new_card).ord == 3
    assert "{{c4::\u7528\u6c34}}" in note_by_key(studied, "principle/fresh-water/cloze")["Text"]
    states = card_states(studied)
    assert {cid: states[cid] for cid in before_states} == before_states


def test_a_phrase_moved_keeps_its_card(studied, tea: Path, tmp_path: Path):
    before = hidden_phrases(studied)
    edit(
        tea / "2-steeping.yaml",
        "\u6ce1\u8336\u524d\u5148\u7528\u71b1\u6c34[[\u6eab\u58fa]]\uff0c\u8336\u9999\u624d\u80fd[[\u767c\u6563]]",
        "\u8336\u9999\u8981[[\u767c\u6563]]\uff0c\u6ce1\u8336\u524d\u5148\u7528\u71b1\u6c34[[\u6eab\u58fa]]",
    )
    result, log = reimport(tea, studied, tmp_path / "v2.apkg")
    assert not log.new and not log.conflicting and len(log.updated) >= 1
    assert "0 new cards" in result.output, result.output
    assert hidden_phrases(studied) == before


def test_an_edited_phrase_keeps_its_number(studied, tea: Path, tmp_path: Path):
    """The first phrase edited, and a new phrase put before it: each card keeps its phrase
    (numbered by position, the edited phrase would move to c2 and hide the wrong text)."""
    before = hidden_phrases(studied)
    edit(
        tea / "1-water.yaml",
        "\u7da0\u8336\u5b9c\u7528[[\u516b\u5341\u5ea6]]",
        "\u7da0\u8336[[\u5b9c\u7528]][[\u516b\u5341\u81f3\u516b\u5341\u4e94\u5ea6]]",
    )
    result, _ = reimport(tea, studied, tmp_path / "v2.apkg")
    assert "1 new cards" in result.output and "refusing" not in result.output
    after = hidden_phrases(studied)
    changed = {cid for cid in before if before[cid] != after[cid]}
    assert [after[cid] for cid in changed] == ["\u516b\u5341\u81f3\u516b\u5341\u4e94\u5ea6"]
    (new,) = set(after) - set(before)
    assert after[new] == "\u5b9c\u7528" and studied.get_card(new).ord == 2


def test_a_removed_phrase_is_refused_then_its_number_is_never_reused(
    studied, tea: Path, tmp_path: Path
):
    water = tea / "1-water.yaml"
    edit(water, "[[\u716e\u6cb8]]", "\u716e\u6cb8")  # the middle one, c2
    refused = build(tea, tmp_path / "v2.apkg", ok=False)
    assert refused.exit_code == 1
    assert "cloze c2 ('\u716e\u6cb8') was removed" in refused.output
    assert "putting the phrase back brings card c2 back" in refused.output
    assert "Add new phrases after the existing ones" not in refused.output
    reimport(tea, studied, tmp_path / "v2.apkg", "--accept-loss")
    lock = (tea / "deckgen.lock").read_text(encoding="utf-8")
    assert '"removed_clozes": [[2, "\u716e\u6cb8"]]' in lock
    # A new phrase gets c4, not the free-looking c2.
    edit(water, "\u4ee5\u514d\u6c34\u4e2d", "\u4ee5\u514d[[\u6c34\u4e2d]]")
    reimport(tea, studied, tmp_path / "v3.apkg")
    text = note_by_key(studied, "principle/fresh-water/cloze")["Text"]
    assert "{{c4::\u6c34\u4e2d}}" in text and "{{c2::" not in text
    # The removed phrase put back gets its old number, and its card shows it again.
    edit(water, "\u53cd\u8986\u716e\u6cb8", "\u53cd\u8986[[\u716e\u6cb8]]")
    result, log = reimport(tea, studied, tmp_path / "v4.apkg")
    assert not log.new and not log.conflicting and len(log.updated) >= 1
    assert "refusing" not in result.output and "0 new cards" in result.output
    assert "{{c2::\u716e\u6cb8}}" in note_by_key(studied, "principle/fresh-water/cloze")["Text"]
    assert "\u716e\u6cb8" in hidden_phrases(studied).values()


def test_cloze_numbers_survive_a_switch_of_the_cards_script(studied, tea: Path, tmp_path: Path):
    """The author converts the YAML itself to Simplified: every card keeps its phrase."""
    import opencc

    to_simplified = opencc.OpenCC("t2s").convert
    before = hidden_phrases(studied)
    for path in tea.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        lines = [ln if ln.lstrip().startswith(("id:", "- id:", "key:", "name:")) else
                 to_simplified(ln) for ln in text.splitlines()]  # fmt: skip
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result, log = reimport(tea, studied, tmp_path / "v2.apkg")
    assert not log.new and not log.conflicting and len(log.updated) >= 1
    assert "refusing" not in result.output and "0 new cards" in result.output, result.output
    after = hidden_phrases(studied)
    assert {cid: to_simplified(p) for cid, p in before.items()} == after


# --- rename -----------------------------------------------------------------------------


def test_rename_keeps_every_note_and_the_files_layout(studied, tea: Path, tmp_path: Path):
    before = card_states(studied)
    water = tea / "1-water.yaml"
    text_before = water.read_text(encoding="utf-8")
    renamed = run_cli("rename", "--cards", tea, "fresh-water", "use-fresh-water")
    assert renamed.exit_code == 0, renamed.output
    assert renamed.output.startswith(
        f"Renamed principle 'fresh-water' to 'use-fresh-water' ({water}:5)."
    )
    expected = text_before.replace(
        "  - id: fresh-water   # a comment after an id\n",
        "  - id: use-fresh-water   # a comment after an id\n    renamed_from: fresh-water\n",
    )
    assert water.read_text(encoding="utf-8") == expected
    result, log = reimport(tea, studied, tmp_path / "v2.apkg")
    assert not log.new and not log.conflicting
    assert "0 added" in result.output and "0 retired" in result.output
    # The tags follow the new id; the notes, their cards and histories are the same.
    note = note_by_key(studied, "principle/fresh-water/cloze")
    assert "tea-craft::water::use-fresh-water" in note.tags
    assert card_states(studied) == before


def test_rename_holds_in_a_fresh_clone_without_cache_and_without_lock(
    studied, tea: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    before = card_states(studied)
    assert run_cli("rename", "--cards", tea, "water", "good-water").exit_code == 0
    assert run_cli("rename", "--cards", tea, "why-fresh", "why-not-reboil").exit_code == 0
    clone = tmp_path / "clone" / "tea"
    shutil.copytree(tea, clone)
    (clone / "deckgen.lock").unlink()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    # Nothing is known of the deck here: a first build stamps with the present second,
    # which must be after the learner's import for the new tags to arrive.
    time.sleep(1.1)
    result, log = reimport(clone, studied, tmp_path / "clone.apkg")
    assert "First build" in result.output
    assert not log.new and not log.conflicting
    assert card_states(studied) == before
    assert "tea-craft::good-water" in note_by_key(studied, "pillar/water").tags


def test_a_question_named_principle_slash_question(tea: Path):
    edit(tea / "2-steeping.yaml", "id: why-warm", "id: first-steep")  # same id, other principle
    ambiguous = run_cli("rename", "--cards", tea, "first-steep", "x")
    assert ambiguous.exit_code == 1
    assert "'first-steep' is the id of more than one item" in ambiguous.output
    assert "name a question as PRINCIPLE/QUESTION" in ambiguous.output
    done = run_cli("rename", "--cards", tea, "warm-pot/first-steep", "why-warm")
    assert done.exit_code == 0, done.output
    assert "Renamed question 'warm-pot/first-steep' to 'why-warm'" in done.output


def test_rename_back_removes_the_record(tea: Path, tmp_path: Path):
    water = tea / "1-water.yaml"
    original = water.read_text(encoding="utf-8")
    assert run_cli("rename", "--cards", tea, "green-tea", "green").exit_code == 0
    assert run_cli("rename", "--cards", tea, "green", "greener").exit_code == 0
    assert "renamed_from: green-tea" in water.read_text(encoding="utf-8")
    assert run_cli("rename", "--cards", tea, "greener", "green-tea").exit_code == 0
    assert water.read_text(encoding="utf-8") == original


def test_rename_refuses_an_id_in_use_and_a_bad_id(tea: Path):
    taken = run_cli("rename", "--cards", tea, "fresh-water", "right-temperature")
    assert taken.exit_code == 1
    assert "'right-temperature' is already the id of principle 'right-temperature'" in taken.output
    bad = run_cli("rename", "--cards", tea, "fresh-water", "Fresh Water")
    assert bad.exit_code == 1 and "not an ASCII kebab-case id" in bad.output
    missing = run_cli("rename", "--cards", tea, "no-such-id", "other")
    assert (
        missing.exit_code == 1 and "no pillar, principle or question has the id" in missing.output
    )
    assert "Traceback" not in taken.output + bad.output + missing.output


def test_an_id_changed_by_hand_is_refused_with_the_exact_command_that_fixes_it(
    studied, tea: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    before = card_states(studied)
    edit(tea / "2-steeping.yaml", "id: steep-time", "id: steeping-time")
    refused = build(tea, tmp_path / "v2.apkg", ok=False)
    assert refused.exit_code == 1
    command = f"deckgen rename --cards {tea} steep-time steeping-time"
    assert f"run `{command}`" in refused.output
    fixed = run_cli(*command.split()[1:])
    assert fixed.exit_code == 0, fixed.output
    assert "Recorded the rename of principle 'steep-time' to 'steeping-time'" in fixed.output
    result, log = reimport(tea, studied, tmp_path / "v2.apkg")
    assert not log.new and "0 retired" in result.output
    assert card_states(studied) == before


# --- retired notes ------------------------------------------------------------------------


NOTICE = "\u6b64\u7b46\u8a18\u5df2\u5f9e\u5361\u7d44\u4e2d\u79fb\u9664"  # "This note was removed"


def test_a_removed_principle_is_retired_with_a_notice_on_both_sides(
    studied, tea: Path, tmp_path: Path
):
    before = card_states(studied)
    steeping = tea / "2-steeping.yaml"
    text = steeping.read_text(encoding="utf-8")
    steeping.write_text(text[: text.index("  - id: warm-pot")], encoding="utf-8")
    result, log = reimport(tea, studied, tmp_path / "v2.apkg")
    assert not log.new and not log.conflicting and len(log.updated) >= 1
    assert "refusing" not in result.output
    assert "2 retired" in result.output
    assert (
        '  - principle/warm-pot/cloze  ("Key:tea-craft/principle/warm-pot/cloze")' in result.output
    )
    assert "tagged tea-craft::retired" in result.output
    assert not log.new and not log.conflicting
    retired = studied.find_notes("tag:tea-craft::retired")
    assert len(retired) == 2
    for nid in retired:
        note = studied.get_note(nid)
        assert note.tags == ["tea-craft::retired"]
        cloze = note.note_type()["type"] == 1
        for card in note.cards():
            for side in (card.question(), card.answer()):
                assert NOTICE in side and "tag:tea-craft::retired" in side
                if cloze:
                    # Its phrases are kept, so the card exists, but hidden by the style.
                    hidden = re.search(r'<div class="retired-clozes">(.*?)</div>', side, re.S)
                    assert hidden is not None and "\u767c\u6563" in hidden.group(1)
                    shown = side.replace(hidden.group(0), "")
                    assert "\u767c\u6563" not in re.sub(
                        r"<style>.*?</style>", "", shown, flags=re.S
                    )
    assert (
        ".card .retired-clozes {\n  display: none;"
        in studied.get_note(retired[0]).note_type()["css"]
    )
    # Nothing is lost: every card keeps its history.
    assert card_states(studied) == before


def test_a_learner_several_builds_behind_still_gets_the_notice_and_a_revived_note_comes_back(
    tea: Path, tmp_path: Path, collection
):
    build(tea, tmp_path / "v1.apkg")
    import_apkg(collection, tmp_path / "v1.apkg")
    answer_all_cards(collection, TEA_NAME)
    before = card_states(collection)
    steeping = tea / "2-steeping.yaml"
    original = steeping.read_text(encoding="utf-8")
    steeping.write_text(original[: original.index("  - id: warm-pot")], encoding="utf-8")
    build(tea, tmp_path / "v2.apkg")  # the learner skips this build
    edit(tea / "1-water.yaml", "\u6c34\u8981\u65b0\u9bae", "\u6c34\u4e00\u5b9a\u8981\u65b0\u9bae")
    build(tea, tmp_path / "v3.apkg")
    import_apkg(collection, tmp_path / "v3.apkg")
    assert len(collection.find_notes("tag:tea-craft::retired")) == 2
    steeping.write_text(original, encoding="utf-8")  # the principle comes back
    result = build(tea, tmp_path / "v4.apkg")
    assert "(back from retirement)" in result.output
    log = import_apkg(collection, tmp_path / "v4.apkg")
    assert not log.new and not log.conflicting
    assert not collection.find_notes("tag:tea-craft::retired")
    assert "\u6eab\u58fa" in note_by_key(collection, "principle/warm-pot/cloze")["Text"]
    assert card_states(collection) == before


# --- reverts ---------------------------------------------------------------------------------


def test_a_git_revert_reaches_the_learner(tea: Path, tmp_path: Path, collection):
    repo = tea
    git(repo, "init", "-q")
    out = tmp_path / "dist" / "tea.apkg"
    build(tea, out)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "A")
    import_apkg(collection, out)
    answer_all_cards(collection, TEA_NAME)
    before = card_states(collection)
    water = tea / "1-water.yaml"
    edit(water, "\u6c34\u8981\u65b0\u9bae", "\u6c34\u5fc5\u9808\u65b0\u9bae")
    build(tea, out)
    git(repo, "commit", "-qam", "B")
    import_apkg(collection, out)  # the learner has B
    assert "\u5fc5\u9808" in note_by_key(collection, "principle/fresh-water/cloze")["Principle"]
    git(repo, "revert", "--no-edit", "HEAD")  # cards and lock back to A
    result = build(tea, out)
    assert "up to date" not in result.output
    assert "(a revert?)" in result.output
    log = import_apkg(collection, out)
    keys = sorted(collection.get_note(u.id.nid)["Key"] for u in log.updated)
    assert keys == [
        "tea-craft/pillar/water",
        "tea-craft/principle/fresh-water/cloze",
        "tea-craft/principle/fresh-water/qa/why-fresh",
    ]
    assert "\u5fc5\u9808" not in note_by_key(collection, "principle/fresh-water/cloze")["Principle"]
    assert card_states(collection) == before
    # The lock the build wrote keeps the stamps that brought A back: committing it and
    # building again changes nothing.
    assert "No changes since the last build" in build(tea, out).output


def test_a_revert_reaches_the_learner_from_another_output_path_too(
    tea: Path, tmp_path: Path, collection
):
    """The package the learner imported is elsewhere: the last build of the folder says."""
    build(tea, tmp_path / "a.apkg")
    lock_a = (tea / "deckgen.lock").read_bytes()
    water_a = (tea / "1-water.yaml").read_bytes()
    import_apkg(collection, tmp_path / "a.apkg")
    edit(tea / "1-water.yaml", "\u6c34\u8981\u65b0\u9bae", "\u6c34\u5fc5\u9808\u65b0\u9bae")
    build(tea, tmp_path / "b.apkg")
    import_apkg(collection, tmp_path / "b.apkg")
    (tea / "deckgen.lock").write_bytes(lock_a)
    (tea / "1-water.yaml").write_bytes(water_a)
    build(tea, tmp_path / "c.apkg")
    log = import_apkg(collection, tmp_path / "c.apkg")
    assert len(log.updated) == 3
    assert "\u5fc5\u9808" not in note_by_key(collection, "principle/fresh-water/cloze")["Principle"]
