"""What an Anki collection holds besides its notes and cards, as genanki 0.13 writes it.

The tables and indexes (genanki.apkg_schema), the `col` row a collection starts from
(genanki.apkg_col), and the JSON of a deck and of a note type (genanki.Deck.to_json,
genanki.Model.to_json), spelled here so that a build never imports genanki: its package
imports every module it has, and through its `cached_property` dependency asyncio, some
20 ms of every build. tests/test_collection.py checks, for every note type deckgen
makes, that each of these is genanki's to the byte; a newer genanki that changed them
fails there.
"""

from __future__ import annotations

from typing import Any

from deckgen.errors import PackageError
from deckgen.notetypes import NoteType

# genanki.apkg_schema.APKG_SCHEMA
SCHEMA = """
CREATE TABLE col (
    id              integer primary key,
    crt             integer not null,
    mod             integer not null,
    scm             integer not null,
    ver             integer not null,
    dty             integer not null,
    usn             integer not null,
    ls              integer not null,
    conf            text not null,
    models          text not null,
    decks           text not null,
    dconf           text not null,
    tags            text not null
);
CREATE TABLE notes (
    id              integer primary key,   /* 0 */
    guid            text not null,         /* 1 */
    mid             integer not null,      /* 2 */
    mod             integer not null,      /* 3 */
    usn             integer not null,      /* 4 */
    tags            text not null,         /* 5 */
    flds            text not null,         /* 6 */
    sfld            integer not null,      /* 7 */
    csum            integer not null,      /* 8 */
    flags           integer not null,      /* 9 */
    data            text not null          /* 10 */
);
CREATE TABLE cards (
    id              integer primary key,   /* 0 */
    nid             integer not null,      /* 1 */
    did             integer not null,      /* 2 */
    ord             integer not null,      /* 3 */
    mod             integer not null,      /* 4 */
    usn             integer not null,      /* 5 */
    type            integer not null,      /* 6 */
    queue           integer not null,      /* 7 */
    due             integer not null,      /* 8 */
    ivl             integer not null,      /* 9 */
    factor          integer not null,      /* 10 */
    reps            integer not null,      /* 11 */
    lapses          integer not null,      /* 12 */
    left            integer not null,      /* 13 */
    odue            integer not null,      /* 14 */
    odid            integer not null,      /* 15 */
    flags           integer not null,      /* 16 */
    data            text not null          /* 17 */
);
CREATE TABLE revlog (
    id              integer primary key,
    cid             integer not null,
    usn             integer not null,
    ease            integer not null,
    ivl             integer not null,
    lastIvl         integer not null,
    factor          integer not null,
    time            integer not null,
    type            integer not null
);
CREATE TABLE graves (
    usn             integer not null,
    oid             integer not null,
    type            integer not null
);
CREATE INDEX ix_notes_usn on notes (usn);
CREATE INDEX ix_cards_usn on cards (usn);
CREATE INDEX ix_revlog_usn on revlog (usn);
CREATE INDEX ix_cards_nid on cards (nid);
CREATE INDEX ix_cards_sched on cards (did, queue, due);
CREATE INDEX ix_revlog_cid on revlog (cid);
CREATE INDEX ix_notes_csum on notes (csum);
"""

# genanki.apkg_col.APKG_COL: the `conf` and `dconf` columns keep its layout to the byte.
COL_ROW = r"""
INSERT INTO col VALUES(
    null,
    1411124400,
    1425279151694,
    1425279151690,
    11,
    0,
    0,
    0,
    '{
        "activeDecks": [
            1
        ],
        "addToCur": true,
        "collapseTime": 1200,
        "curDeck": 1,
        "curModel": "1425279151691",
        "dueCounts": true,
        "estTimes": true,
        "newBury": true,
        "newSpread": 0,
        "nextPos": 1,
        "sortBackwards": false,
        "sortType": "noteFld",
        "timeLim": 0
    }',
    '{}',
    '{
        "1": {
            "collapsed": false,
            "conf": 1,
            "desc": "",
            "dyn": 0,
            "extendNew": 10,
            "extendRev": 50,
            "id": 1,
            "lrnToday": [
                0,
                0
            ],
            "mod": 1425279151,
            "name": "Default",
            "newToday": [
                0,
                0
            ],
            "revToday": [
                0,
                0
            ],
            "timeToday": [
                0,
                0
            ],
            "usn": 0
        }
    }',
    '{
        "1": {
            "autoplay": true,
            "id": 1,
            "lapse": {
                "delays": [
                    10
                ],
                "leechAction": 0,
                "leechFails": 8,
                "minInt": 1,
                "mult": 0
            },
            "maxTaken": 60,
            "mod": 0,
            "name": "Default",
            "new": {
                "bury": true,
                "delays": [
                    1,
                    10
                ],
                "initialFactor": 2500,
                "ints": [
                    1,
                    4,
                    7
                ],
                "order": 1,
                "perDay": 20,
                "separate": true
            },
            "replayq": true,
            "rev": {
                "bury": true,
                "ease4": 1.3,
                "fuzz": 0.05,
                "ivlFct": 1,
                "maxIvl": 36500,
                "minSpace": 1,
                "perDay": 100
            },
            "timer": 0,
            "usn": 0
        }
    }',
    '{}'
);
"""

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
    """genanki's `Model._req`: for each template, the fields without which its front
    shows none of the note's content (`[ord, "all", [field ords]]`), or else those of
    which any one gives it some (`[ord, "any", [...]]`). Rendered by chevron, as genanki
    renders them."""
    import chevron

    sentinel = "SeNtInEl"
    fields = nt.fields
    req: list[list[Any]] = []
    for template_ord, template in enumerate(nt.templates):
        front = template.front
        required = []
        for field_ord, name in enumerate(fields):
            values = dict.fromkeys(fields, sentinel)
            values[name] = ""
            if sentinel not in chevron.render(front, values):
                required.append(field_ord)
        if required:
            req.append([template_ord, "all", required])
            continue
        for field_ord, name in enumerate(fields):
            values = dict.fromkeys(fields, "")
            values[name] = sentinel
            if sentinel in chevron.render(front, values):
                required.append(field_ord)
        if not required:
            # genanki raises here too: a front that shows no field is deckgen's own bug.
            raise PackageError(
                f"note type {nt.name!r}: no field shows on the front of {template.name!r}"
            )
        req.append([template_ord, "any", required])
    return req
