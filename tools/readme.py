"""Write the README's generated blocks again: `python tools/readme.py` (no make needed).

A block sits between `<!-- NAME: written by ... -->` and `<!-- /NAME -->`; its text is
rendered from the declaration it documents, never written by hand:

- `rules`: the card-quality rules and the `checks:` block (deckgen/checks.py, `markdown`)
- `keys`: the keys of every cards file (deckgen/spec.py, `markdown`)

tests/test_readme.py fails while a block differs from what this writes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deckgen import checks, spec  # noqa: E402


def blocks() -> dict[str, str]:
    return {"rules": checks.markdown(), "keys": spec.markdown()}


def render(readme: str) -> str:
    for name, text in blocks().items():
        pattern = re.compile(rf"(<!-- {name}: [^\n]*-->\n)(.*?)(<!-- /{name} -->)", re.DOTALL)
        found = pattern.search(readme)
        if found is None:
            sys.exit(f"README.md has no block '{name}' (<!-- {name}: ... --> ... <!-- /{name} -->)")
        readme = readme[: found.start(2)] + text + readme[found.end(2) :]
    return readme


def main() -> None:
    path = ROOT / "README.md"
    before = path.read_text(encoding="utf-8")
    after = render(before)
    if after != before:
        path.write_text(after, encoding="utf-8")
        print("README.md: generated blocks written again")
    else:
        print("README.md: up to date")


if __name__ == "__main__":
    main()
