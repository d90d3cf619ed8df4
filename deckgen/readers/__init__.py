"""Readers of document formats for `deckgen extract`, one module per format.

Each module has `read(data: bytes, source: str) -> Outline` (see `deckgen.outline`): it
walks its format and leaves every rule the formats share to `OutlineBuilder`. A new
format is one new module and one line in READERS. A reader's module is imported only
when a document of its format is read, so its library (markdown-it-py, python-docx)
loads only then.
"""

from __future__ import annotations

import importlib
from pathlib import PurePath

from deckgen.errors import ExtractError
from deckgen.outline import Outline

# A file's suffix (lower case) -> the module that reads it. Any other suffix is read as
# plain text. A zip archive is read as a Word document whatever its suffix.
READERS = {
    ".txt": "deckgen.readers.plain",
    ".md": "deckgen.readers.markdown",
    ".markdown": "deckgen.readers.markdown",
    ".docx": "deckgen.readers.word",
}
DEFAULT_READER = "deckgen.readers.plain"

FORMATS = "plain text (.txt), Markdown (.md) or Word (.docx)"
_ZIP = b"PK\x03\x04"
# Formats deckgen does not read, by suffix or by their first bytes, and what to do.
_OTHERS = {
    ".doc": "a Word 97-2003 document: open it in Word and save it as a Word Document (.docx)",
    ".odt": "an OpenDocument text: save it as a Word Document (.docx)",
    ".rtf": "a Rich Text document: save it as a Word Document (.docx) or as plain text",
    ".pdf": "a PDF: copy its text into a plain text (.txt) file",
}
_MAGIC = {
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": ".doc",
    b"%PDF-": ".pdf",
    b"{\\rtf": ".rtf",
}


def reader_for(path: PurePath, data: bytes) -> str:
    """The module that reads a document, by its suffix and its first bytes."""
    suffix = path.suffix.lower()
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            suffix = kind
    if suffix in _OTHERS:
        raise ExtractError(f"{path} is {_OTHERS[suffix]}; deckgen extract reads {FORMATS}")
    if suffix == ".docx" and not data.startswith(_ZIP):
        raise ExtractError(
            f"{path} is not a Word document (a .docx file is a zip archive, and this one is "
            "not): save it again from Word as a Word Document (.docx)"
        )
    if data.startswith(_ZIP):  # never text: a Word document, whatever its name
        return READERS[".docx"]
    return READERS.get(suffix, DEFAULT_READER)


def read_outline(path: PurePath, data: bytes, source: str) -> Outline:
    """The outline of a document; `source` is the path shown in findings."""
    module = importlib.import_module(reader_for(path, data))
    outline: Outline = module.read(data, source)
    return outline


def decode_text(data: bytes, source: str) -> str:
    """A text document's bytes as text: UTF-8, with or without a byte-order mark."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ExtractError(
            f"{source}:{line}: the document is not UTF-8; convert it first, e.g. "
            f"`iconv -f GB18030 -t UTF-8 {source} > utf8.txt`"
        ) from None
