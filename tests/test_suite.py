"""The tests' own house rules, read from their source (tests/conftest.py, tests/helpers.py):
fixtures live in conftest.py and nothing imports it; whatever else tests share lives once,
in helpers.py; no test module imports another; a test without the seed fails under CI."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import yaml

from tests import helpers
from tests.helpers import ROOT, require_seed

TESTS = ROOT / "tests"
MODULES = sorted(TESTS.glob("*.py"))


def _imported_modules(tree: ast.Module) -> list[tuple[int, str]]:
    """Every module an import statement of `tree` names, with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "tests" if node.level else node.module or ""
            if node.level and node.module:
                base = f"tests.{node.module}"
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_fixture(node: ast.FunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target) == "pytest.fixture":
            return True
    return False


def _top_level_functions(path: Path) -> list[ast.FunctionDef]:
    return [node for node in _tree(path).body if isinstance(node, ast.FunctionDef)]


def test_the_rules_read_every_test_module():
    names = {path.name for path in MODULES}
    assert {"conftest.py", "helpers.py", "browser.py", "test_suite.py"} <= names
    assert len(names) > 25


def test_no_module_imports_conftest_or_another_test_module():
    """pytest loads conftest.py itself; importing it as well runs it twice, and its
    fixtures would be plain functions. Tests share helpers.py (and browser.py) instead."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: imports {module}"
        for path in [*MODULES, *sorted((ROOT / "bench").glob("*.py"))]
        for line, module in _imported_modules(_tree(path))
        if module in ("conftest", "tests.conftest")
        or module.startswith(("tests.conftest.", "tests.test_"))
    ]
    assert found == []


def test_conftest_holds_only_fixtures_and_pytest_hooks():
    plain = [
        f"tests/conftest.py:{node.lineno}: {node.name}"
        for node in _top_level_functions(TESTS / "conftest.py")
        if not _is_fixture(node) and not node.name.startswith("pytest_")
    ]
    assert plain == [], "a helper that is not a fixture belongs in tests/helpers.py"


def test_no_test_module_defines_a_shared_helper_or_fixture_again():
    """One `edit`, one `build`, one `cards` fixture...: a test module that defines a
    function of helpers.py or a fixture of conftest.py has a second copy (or shadows it)."""
    shared = {
        name
        for name, value in vars(helpers).items()
        if inspect.isfunction(value) and value.__module__ == helpers.__name__ and name[0] != "_"
    }
    fixtures = {node.name for node in _top_level_functions(TESTS / "conftest.py")}
    assert {"edit", "build", "run_cli", "write_cards"} <= shared
    assert {"cards", "mini_cards", "tea", "cards_copy", "collection", "seed"} <= fixtures
    again = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.name}"
        for path in MODULES
        if path.name.startswith("test_")
        for node in _top_level_functions(path)
        if node.name in shared | fixtures
    ]
    assert again == []


def test_without_the_seed_tests_skip_with_the_reason_but_fail_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    missing = tmp_path / "shared" / "seed" / "missing.txt"
    reason = f"the seed essay is not beside this checkout ({missing})"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_seed(missing)
    assert skipped.value.msg == reason
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        require_seed(missing)
    assert failed.value.msg == f"CI must run the seed tests: {reason}"
    missing.parent.mkdir(parents=True)
    missing.write_text("seed", encoding="utf-8")
    assert require_seed(missing) == missing


def test_the_pre_commit_hooks_are_local_and_run_what_make_lint_runs():
    """No hook repository to fetch: each hook runs a tool of the project's .venv."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [repo] = config["repos"]
    assert repo["repo"] == "local"
    entries = {hook["id"]: hook["entry"] for hook in repo["hooks"]}
    assert entries == {
        "ruff-check": ".venv/bin/ruff check --force-exclude",
        "ruff-format": ".venv/bin/ruff format --force-exclude",
        "mypy": ".venv/bin/mypy",
    }
    assert all(hook["language"] == "system" for hook in repo["hooks"])
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(BIN)/ruff check deckgen tests bench" in makefile
    assert "$(BIN)/mypy\n" in makefile
