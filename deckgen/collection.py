"""What an Anki collection holds besides its notes and cards, as genanki 0.13 writes it.

The tables and indexes (genanki.apkg_schema) and the `col` row a collection starts
from (genanki.apkg_col) are read from genanki's own files, run alone; the JSON of a deck
and of a note type (genanki.Deck.to_json, genanki.Model.to_json) is made here. So a build
never imports genanki's package, which imports every module it has, and through its
`cached_property` dependency asyncio: some 20 ms of every build. tests/test_collection.py
checks, for every note type deckgen makes, that each of these is genanki's to the byte; a
newer genanki that changed them fails there.
"""

from __future__ import annotations

from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from deckgen.errors import PackageError
from deckgen.notetypes import NoteType


def _genanki_constant(module: str, name: str) -> str:
    """A text constant of one of genanki's modules that define only constants
    (genanki/apkg_schema.py, genanki/apkg_col.py), read from its file as a literal:
    importing it as `genanki.<module>` would run genanki's package first."""
    import ast

    spec = find_spec("genanki")
    folders = spec.submodule_search_locations if spec is not None else None
    if not folders:
        raise PackageError("genanki is not installed: pip install genanki")
    path = Path(next(iter(folders))) / f"{module}.py"
    try:
        tree = ast.parse(path.read_bytes(), str(path))
    except (OSError, SyntaxError, ValueError) as exc:
        raise PackageError(f"cannot read genanki's {path.name}: {exc}") from None
    for statement in tree.body:
        if (
            isinstance(statement, ast.Assign)
            and [getattr(t, "id", None) for t in statement.targets] == [name]
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        ):
            return statement.value.value
    raise PackageError(f"genanki's {path.name} has no {name}: another genanki?")


@cache
def schema() -> str:
    """The tables and indexes of a collection (genanki.apkg_schema.APKG_SCHEMA)."""
    return _genanki_constant("apkg_schema", "APKG_SCHEMA")


@cache
def col_row() -> str:
    """The statement that writes the `col` row a collection starts from
    (genanki.apkg_col.APKG_COL): its `conf` and `dconf` as genanki lays them out."""
    return _genanki_constant("apkg_col", "APKG_COL")


# genanki.Model.DEFAULT_LATEX_PRE and DEFAULT_LATEX_POST
LATEX_PRE = (
    "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n"
    "\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n"
    "\\begin{document}\n"
)
LATEX_POST = "\\end{document}"


def deck_json(deck_id: int, name: str, description: str) -> dict[str, Any]:
    """A deck's entry in the `decks` column: genanki.Deck(...).to_json()."""
    return {
        "collapsed": False,
        "conf": 1,
        "desc": description,
        "dyn": 0,
        "extendNew": 0,
        "extendRev": 50,
        "id": deck_id,
        "lrnToday": [163, 2],
        "mod": 1425278051,
        "name": name,
        "newToday": [163, 2],
        "revToday": [163, 0],
        "timeToday": [163, 23598],
        "usn": -1,
    }


def note_type_json(nt: NoteType, stamp: int, deck_id: int) -> dict[str, Any]:
    """A note type's entry in the `models` column: what genanki.Model(nt.model_id,
    nt.name, fields, templates, css=nt.css, model_type=...).to_json(stamp, deck_id) gives,
    with the first field as the sort field."""
    fields = [
        {
            "name": name,
            "ord": ord_,
            "font": "Liberation Sans",
            "media": [],
            "rtl": False,
            "size": 20,
            "sticky": False,
        }
        for ord_, name in enumerate(nt.fields)
    ]
    templates = [
        {
            "name": t.name,
            "qfmt": t.front,
            "afmt": t.back,
            "ord": ord_,
            "bafmt": "",
            "bqfmt": "",
            "bfont": "",
            "bsize": 0,
            "did": None,
        }
        for ord_, t in enumerate(nt.templates)
    ]
    return {
        "css": nt.css,
        "did": deck_id,
        "flds": fields,
        "id": str(nt.model_id),
        "latexPost": LATEX_POST,
        "latexPre": LATEX_PRE,
        "latexsvg": False,
        "mod": int(stamp),
        "name": nt.name,
        "req": required_fields(nt),
        "sortf": 0,
        "tags": [],
        "tmpls": templates,
        "type": 1 if nt.is_cloze else 0,
        "usn": -1,
        "vers": [],
    }


def required_fields(nt: NoteType) -> list[list[Any]]:
    """The `req` of a note type as genanki computes it (`Model._req`), for each template:
    `[ord, "all", fields]`, the fields without any one of which its front shows nothing of
    the note, when there are such; else `[ord, "any", fields]`, the fields any one of which
    shows something. Fronts rendered by chevron, as genanki renders them."""
    import chevron

    names = list(nt.fields)
    marker = "\x00deckgen-field\x00"

    def shows(front: str, filled: set[str]) -> bool:
        """Whether the front shows anything of a note whose `filled` fields have text."""
        return marker in chevron.render(front, {n: marker if n in filled else "" for n in names})

    every = set(names)
    req: list[list[Any]] = []
    for number, template in enumerate(nt.templates):
        front = template.front
        needed = [i for i, name in enumerate(names) if not shows(front, every - {name})]
        if needed:
            req.append([number, "all", needed])
            continue
        enough = [i for i, name in enumerate(names) if shows(front, {name})]
        if not enough:
            # genanki refuses such a note type too: one would be deckgen's own bug.
            raise PackageError(
                f"note type {nt.name!r}: no field shows on the front of {template.name!r}"
            )
        req.append([number, "any", enough])
    return req
