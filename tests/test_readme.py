"""The README's generated blocks are what their declarations render (tools/readme.py).

Each block sits between `<!-- NAME: written by ... -->` and `<!-- /NAME -->`; when one
differs, `python tools/readme.py` writes it again.
"""

from __future__ import annotations

import re

import pytest

from deckgen import checks, spec
from tests.helpers import ROOT

BLOCKS = {"rules": checks.markdown, "keys": spec.markdown}


def block(name: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(rf"<!-- {name}: [^\n]*-->\n(.*?)<!-- /{name} -->", readme, re.DOTALL)
    assert len(found) == 1, f"README.md needs one block '{name}'"
    return str(found[0])


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_readme_block_is_the_rendered_declaration(name: str):
    assert block(name) == BLOCKS[name](), (
        f"README.md's block '{name}' is out of date: run `python tools/readme.py`"
    )


def test_the_keys_table_has_a_row_per_key_of_each_kind():
    text = block("keys")
    for kind in spec.KINDS.values():
        table = text.split(f"{kind.file}:\n\n", 1)[1].split("\n\n", 1)[0]
        assert [row.split(" | ")[0] for row in table.splitlines()[2:]] == [
            f"| `{key.name}`" for key in kind.keys
        ]


def test_the_rules_table_has_a_row_and_a_checks_line_per_rule():
    text = block("rules")
    for rule in checks.RULES:
        assert text.count(f"| `{rule.code}` |") == 1
        assert text.count(f"\n  {rule.code}: true\n") == 1
    for limit in ("answer_max_length: 20", "cloze_max_share: 0.5", "clozes_max_per_note: 5"):
        assert f"\n  {limit} " in text
