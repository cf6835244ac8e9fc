"""Parquet shards: one article per row, the same columns as JSON Lines fields.

Data teams keep article dumps as Parquet (Spark, DuckDB, pandas write it), so
``narratrace ingest`` and ``narratrace batch`` read it with the same field rules
as JSON Lines (``fields.build``). Rows are numbered from 1 and the number plays
the part of a line number in origins and messages ("shard.parquet:12").
pyarrow is an optional dependency (the ``batch`` extra); without it the file is
reported, not the batch stopped.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import RawArticle
from .fields import TEXT_NAMES, build, field_of

INSTALL_HINT = "pip install 'narratrace[batch]'"
#: rows converted to Python per step: bounds memory on wide shards
_BATCH_ROWS = 1024


def read_parquet(path: Path, data: bytes) -> Iterator[RawArticle | InputError]:
    """Every row of a Parquet file as a ``RawArticle``; a bad row is reported with its number."""
    where = str(path)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield InputError(where, "reading Parquet needs pyarrow, which is not installed", hint=INSTALL_HINT)
        return
    try:
        pf = pq.ParquetFile(io.BytesIO(data))
        names = pf.schema_arrow.names
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ValueError… on junk
        yield InputError(where, f"not a readable Parquet file: {_short(exc)}",
                         hint="check that the file is Parquet and complete (not still being written)")
        return
    if not any((found := field_of(n)) is not None and found[0] == "text" for n in names):
        yield InputError(where, f"no text column (columns: {', '.join(names) or 'none'})",
                         hint=f"give the article text in a column named one of: {TEXT_NAMES}")
        return
    number = 0
    try:
        for batch in pf.iter_batches(batch_size=_BATCH_ROWS):
            for row in batch.to_pylist():
                number += 1
                yield build({k: _plain(v) for k, v in row.items()}, where, number, f"{where}:{number}")
    except Exception as exc:  # a corrupt row group: report it, keep the rows read before it
        yield InputError(where, f"cannot read row {number + 1} onwards: {_short(exc)}", line=number + 1,
                         hint="the file may be truncated; rewrite it")
        return
    if not number:
        yield InputError(where, "empty file (no rows)")


def _plain(value: Any) -> Any:
    """JSON-like Python values, as a JSON Lines record would hold them (metadata is stored as JSON)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and value.utcoffset() == dt.timedelta(0):
            return value.replace(tzinfo=None).isoformat() + "Z"
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(raw).decode("ascii")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        # pyarrow gives a map column as a list of (key, value) pairs
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return {str(k): _plain(v) for k, v in value}
        return [_plain(v) for v in value]
    return str(value)


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "…"
