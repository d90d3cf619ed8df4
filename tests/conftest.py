"""Fixtures only: cards folders in tmp_path, a real Anki collection, the seed, and the
private build cache every test gets.

No test imports this file (tests/test_suite.py checks it): whatever is not a fixture is in
tests/helpers.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import MINI_DECK, SHIPPED_CARDS, TEA_DECK, require_seed, write_cards

if TYPE_CHECKING:
    from anki.collection import Collection

# --- every test -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets its own build cache (`XDG_CACHE_HOME`): none reads or fills the user's
    ~/.cache. The folder exists; deckgen's records go to `deckgen/` inside it."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


# --- cards folders ----------------------------------------------------------------------------


@pytest.fixture
def cards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The mini deck in `cards/` of the current folder (tmp_path): `Path("cards")`, so
    that messages print paths as `cards/<file>`."""
    monkeypatch.chdir(tmp_path)
    return write_cards(Path("cards"), MINI_DECK)


@pytest.fixture
def mini_cards(tmp_path: Path) -> Path:
    """The mini deck in tmp_path/mini (an absolute path)."""
    return write_cards(tmp_path / "mini", MINI_DECK)


@pytest.fixture
def tea(tmp_path: Path) -> Path:
    """The tea deck (Traditional Chinese, full-width punctuation) in tmp_path/tea."""
    return write_cards(tmp_path / "tea", TEA_DECK)


@pytest.fixture
def cards_copy(tmp_path: Path) -> Path:
    """A copy of the shipped cards folder, lock included, safe to edit."""
    dest = tmp_path / "cards"
    shutil.copytree(SHIPPED_CARDS, dest)
    return dest


@pytest.fixture
def seed() -> Path:
    """The seed essay: skipped without it, with the reason; a failure under CI."""
    return require_seed()


# --- real Anki collections ---------------------------------------------------------------


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    """An empty Anki collection."""
    from anki.collection import Collection

    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()
