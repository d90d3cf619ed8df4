"""Shared fixtures: cards folders in tmp_path, builds, and real Anki collections."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from deckgen.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CARDS = ROOT / "cards"
# The seed essay lives in shared/ beside the checkout (as in CI), not in the repository.
SEED = ROOT.parent / "shared" / "seed" / "000_a1ddf1d21b40ffd2.txt"


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test gets its own build cache: none reads or fills the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


def run_cli(*args: str | Path) -> Result:
    """Run `deckgen ARGS` in-process, the way a user runs it."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def cards_copy(tmp_path: Path) -> Path:
    """A copy of the shipped cards folder, lock included, safe to edit."""
    dest = tmp_path / "cards"
    shutil.copytree(SHIPPED_CARDS, dest)
    return dest


def write_cards(folder: Path, files: dict[str, str]) -> Path:
    """Write a small cards folder: {file name: YAML text (dedented)}."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


MINI_DECK = {
    "deck.yaml": """
        key: mini
        name: Mini deck
        description: A small deck for tests.
        introduction: Serve with [[awareness]] and [[skill]].
        question: What are the two pillars?
        """,
    "1-first.yaml": """
        id: first
        title: First pillar
        principles:
          - id: alpha
            title: Alpha principle
            text: Keep [[calm]] and [[carry on]] with the work.
            questions:
              - id: what
                question: What do you keep?
                answer: calm
        """,
    "2-second.yaml": """
        id: second
        title: Second pillar
        principles:
          - id: beta
            title: Beta principle
            text: Write [[clearly]], speak [[plainly]].
            questions:
              - id: how
                question: How do you write?
                answer: clearly
          - id: gamma
            title: Gamma principle
            text: Plan [[ahead]] and finish [[early]].
            questions:
              - id: when
                question: When do you finish?
                answer: early
        """,
}


@pytest.fixture
def mini_cards(tmp_path: Path) -> Path:
    return write_cards(tmp_path / "mini", MINI_DECK)


# --- real Anki collections ---------------------------------------------------------


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[object]:
    from anki.collection import Collection

    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()


def import_apkg(col: object, apkg: Path) -> object:
    """Import with Anki's default options (as the desktop and AnkiDroid dialogs do)."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    return col.import_anki_package(  # type: ignore[attr-defined]
        ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    ).log


def answer_all_cards(col: object, deck_name: str) -> int:
    """Answer every card of the deck once (Good) with Anki's v3 scheduler."""
    from anki.scheduler.v3 import CardAnswer

    col.decks.set_current(col.decks.id_for_name(deck_name))  # type: ignore[attr-defined]
    # Study every new card today, whatever the deck options' daily limit.
    conf = col.decks.config_dict_for_deck_id(col.decks.id_for_name(deck_name))  # type: ignore[attr-defined]
    conf["new"]["perDay"] = 9999
    conf["rev"]["perDay"] = 9999
    col.decks.update_config(conf)  # type: ignore[attr-defined]
    answered: set[int] = set()
    total = col.card_count()  # type: ignore[attr-defined]
    for _ in range(total * 4):
        queued = col.sched.get_queued_cards(fetch_limit=1).cards  # type: ignore[attr-defined]
        if not queued or len(answered) == total:
            break
        top = queued[0]
        card = col.get_card(top.card.id)  # type: ignore[attr-defined]
        card.start_timer()
        rating = CardAnswer.EASY  # graduate at once so each card is answered once
        col.sched.answer_card(  # type: ignore[attr-defined]
            col.sched.build_answer(card=card, states=top.states, rating=rating)  # type: ignore[attr-defined]
        )
        answered.add(card.id)
    return len(answered)


def card_states(col: object) -> dict[int, tuple[int, int, int, int, int]]:
    """Every card's id -> (note id, due, interval, reps, review-log entries)."""
    states = {}
    for cid in col.find_cards(""):  # type: ignore[attr-defined]
        card = col.get_card(cid)  # type: ignore[attr-defined]
        revlog = col.db.scalar("select count() from revlog where cid = ?", cid)  # type: ignore[attr-defined]
        states[cid] = (card.nid, card.due, card.ivl, card.reps, revlog)
    return states


Builder = Callable[..., Result]


@pytest.fixture
def build(tmp_path: Path) -> Builder:
    """Build a cards folder through the real CLI; fails the test on a non-zero exit."""

    def _build(cards: Path, out: Path | None = None, *extra: str, ok: bool = True) -> Result:
        out = out or tmp_path / "out" / "deck.apkg"
        result = run_cli("build", "--cards", cards, "-o", out, *extra)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return _build
