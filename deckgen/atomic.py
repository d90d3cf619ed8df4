"""Files replaced in one step: written beside the target, then renamed into place.

An interrupted or failed write leaves the previous file as it was and no temporary
file behind. The deck, the lock, the preview page and extracted cards all go this way.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def replaced_atomically(
    path: Path, *, before_rename: Callable[[Path], None] | None = None
) -> Iterator[BinaryIO]:
    """A binary file to write; on success it replaces `path`, on any error it is removed.

    `before_rename` sees the finished temporary file just before the rename (tests use
    it to interrupt a build at the last moment).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w+b") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if before_rename is not None:
            before_rename(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomically(path: Path, text: str | bytes) -> None:
    """Replace `path` with `text`: as UTF-8 with \\n line ends, or bytes as they are."""
    with replaced_atomically(path) as fh:
        fh.write(text.encode("utf-8") if isinstance(text, str) else text)
