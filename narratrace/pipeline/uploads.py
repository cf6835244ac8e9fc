"""Records sent as bytes rather than files (the web API's ``POST /api/ingest``), read by the reader their
name's extension picks, exactly as ingest reads a file of that name.

The name is the records' origin (``api.jsonl:12``): a later upload under the same name is the same file, so
an article sent again with another text is stored as its new version, as re-ingesting an edited file does.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path, PureWindowsPath

from ..errors import InputError
from ..ingest import EXTENSIONS, reader_for
from ..ingest.decode import check_size
from ..ingest.values import checked
from ..model import RawArticle
from .report import IngestReport
from .run import EncodingSlot, IngestPipeline, StoreLock

#: what an upload's name keeps of a file name a browser or curl sent (its last path part)
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_NAME = 200


def upload_name(filename: str | None, fallback: str) -> str:
    """The upload name (its records' origin, its extension the reader) of a file sent as ``filename``: the
    last part of the path (``C:\\feeds\\wire.jsonl`` too), other characters than letters, digits and ``_.-``
    made ``_``; ``fallback`` when nothing is left (or only dots), before an extension left alone."""
    base = PureWindowsPath(filename or "").name  # splits on / and \ both
    name = _NAME_UNSAFE.sub("_", base).strip("_")[-MAX_NAME:]
    if not name.strip("."):
        return fallback
    return (fallback + name)[-MAX_NAME:] if name.startswith(".") else name  # "عربی.jsonl": api.jsonl


def read_upload(data: bytes, name: str, max_file_bytes: int) -> Iterator[RawArticle | InputError]:
    """The records of ``data`` as the file ``name`` would give them; errors are yielded, never raised."""
    path = Path(name)
    found = reader_for(path, name, unknown_hint=f"name the upload with one of {', '.join(sorted(EXTENSIONS))}")
    if isinstance(found, InputError):
        yield found
        return
    kind, reader = found
    try:
        if getattr(reader, "streams", False):  # JSON Lines: the size limit applies to each line, as for files
            items = reader(path, io.BytesIO(data), max_file_bytes)
        elif (err := check_size(path, len(data), max_file_bytes)) is not None:
            yield err
            return
        else:
            items = reader(path, data)
        for item in items:
            if isinstance(item, RawArticle):
                yield checked(item)
            elif isinstance(item, InputError):
                yield item
            else:
                yield InputError(name, f"reader {kind!r} produced {type(item).__name__}, not RawArticle")
    except InputError as err:
        yield err
    except Exception as exc:  # a reader bug costs this upload, not the server
        yield InputError(name, f"reader {kind!r} failed: {type(exc).__name__}: {exc}")


def ingest_upload(pipeline: IngestPipeline, data: bytes, name: str, max_file_bytes: int,
                  locked: StoreLock = nullcontext, encoding: EncodingSlot = nullcontext) -> IngestReport:
    """Analyse, encode, group and store the records of one upload; bad records are in the report.

    ``locked`` is held only while the store is read or written, ``encoding`` around each batch's encoder call
    (``IngestPipeline.ingest_encoded``): a server answers other requests while an upload is read and encoded."""
    report = IngestReport(files=1)
    pipeline.ingest(read_upload(data, name, max_file_bytes), report, locked=locked, encoding=encoding)
    with locked():
        pipeline.finish(report)
    return report
