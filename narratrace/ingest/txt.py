"""Plain text: one article per file, id from the file name."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..model import RawArticle
from .decode import decode


def read_txt(path: Path, data: bytes) -> Iterator[RawArticle | InputError]:
    """The whole file is the article text; the file stem is its id."""
    try:
        text, encoding = decode(data, path)
    except InputError as err:
        yield err
        return
    meta = {} if encoding == "utf-8" else {"encoding": encoding}
    yield RawArticle(text=text.strip(), id=path.stem, meta=meta, origin=str(path))
