"""The baseline: a plain genanki script writing the same notes with Package.write_to_file.

    python bench/genanki_baseline.py NOTES.marshal OUT.apkg

NOTES.marshal (written by run.py, untimed, from deckgen's own generated notes) holds the
deck, both note types and every note's GUID, type, fields and tags: the script does what
a genanki user would do with that content, nothing more. marshal is the cheapest way
for a Python script to get its data, so the comparison is not skewed by reading it.
"""

from __future__ import annotations

import marshal
import sys

import genanki


def main(data_path: str, out: str) -> None:
    with open(data_path, "rb") as fh:
        data = marshal.load(fh)
    models = {}
    for kind, (model_id, name, fields, templates, css, is_cloze) in data["types"].items():
        models[kind] = genanki.Model(
            model_id,
            name,
            fields=[{"name": f} for f in fields],
            templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in templates],
            css=css,
            model_type=genanki.Model.CLOZE if is_cloze else genanki.Model.FRONT_BACK,
        )
    deck = genanki.Deck(data["deck_id"], data["deck_name"], data["description"])
    for guid, kind, fields, tags in data["notes"]:
        deck.add_note(genanki.Note(models[kind], fields=fields, guid=guid, tags=tags))
    genanki.Package(deck).write_to_file(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
