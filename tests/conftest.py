"""Fixtures only: cards folders in tmp_path, a real Anki collection, the seed, the private
build cache every test gets, and the markers of tests that are not unit tests.

No test imports this file (tests/test_suite.py checks it): whatever is not a fixture is in
tests/helpers.py.

Markers (see README, "Developing"): `anki` (a real Anki collection), `browser` (headless
Chromium), `process` (deckgen in real processes), `slow` (large synthetic decks). A test
that requests the `collection` or `browser` fixture gets its marker here; the others are
written on the tests. `pytest --fast` (`make test-fast`) leaves all four out, and makes a
test that imports Anki or Playwright, or starts a Python process, without its marker fail.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import MINI_DECK, SHIPPED_CARDS, TEA_DECK, require_seed, write_cards

if TYPE_CHECKING:
    from anki.collection import Collection

# What `--fast` leaves out: each marker, and the fixtures that give a test that marker.
NOT_UNIT = {
    "anki": ("collection",),
    "browser": ("browser",),
    "process": (),
    "slow": (),
}


# --- test selection: pytest --fast ------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fast",
        action="store_true",
        help="unit tests only: leave out the tests marked " + ", ".join(NOT_UNIT),
    )


# The markers of tests that may import these packages.
_IMPORT_MARKERS = {"anki": "anki", "playwright": "browser"}


class _RefusedInFastRun(importlib.abc.MetaPathFinder):
    """Under --fast, importing Anki or Playwright fails the test that does it."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        marker = _IMPORT_MARKERS.get(fullname.partition(".")[0])
        if marker:
            pytest.fail(
                f"pytest --fast: this test imports {fullname}; mark it @pytest.mark.{marker}",
                pytrace=False,
            )
        return None


class _GuardedPopen(subprocess.Popen[Any]):
    """Under --fast, starting a Python process fails the test that does it."""

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        program = args if isinstance(args, (str, Path)) else next(iter(args), "")
        if str(program) == sys.executable:
            pytest.fail(
                "pytest --fast: this test starts a Python process; mark it @pytest.mark.process",
                pytrace=False,
            )
        super().__init__(args, *rest, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--fast"):
        sys.meta_path.insert(0, _RefusedInFastRun())
        subprocess.Popen = _GuardedPopen  # type: ignore[misc]  # for this run's whole life


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for marker, fixtures in NOT_UNIT.items():
            if any(name in getattr(item, "fixturenames", ()) for name in fixtures):
                item.add_marker(marker)
    if not config.getoption("--fast"):
        return
    kept = [item for item in items if not any(item.get_closest_marker(m) for m in NOT_UNIT)]
    deselected = [item for item in items if item not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


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
    """An empty Anki collection (marks the test `anki`)."""
    from anki.collection import Collection

    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()
