"""What runs on Spark executors: read shard bytes with narratrace's readers, then the ingest
pipeline's own analyse and encode services, one ``EncodedArticle`` per record."""
from __future__ import annotations

import io
import json
import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..embed import encoder_from_settings
from ..errors import InputError
from ..ingest import read_file, reader_name
from ..model import EncodedArticle, RawArticle
from ..pipeline import AnalyseService, EncodeService
from ..settings import Settings

#: record kinds in the executor output
RAW, ARTICLE, ERROR, SKIPPED = "raw", "article", "error", "skipped"
SCHEMA = "rank int, file string, seq long, kind string, payload binary, encoder string"


_WORKER: dict[tuple[Any, ...], tuple[AnalyseService, EncodeService]] = {}


def _worker_services(settings: Settings) -> tuple[AnalyseService, EncodeService]:
    """This Python worker's analyse and encode services, built once (loading the encoder and the
    fast-e5 build take seconds), from the settings the driver's pipeline uses.

    With ``[encoder] threads = 0`` the encoder uses the task's CPU share (``spark.task.cpus``, 1 by
    default): Spark already runs one task per core, so more threads would only contend.
    """
    from pyspark import TaskContext

    cfg = settings.encoder
    if not cfg.threads:
        ctx = TaskContext.get()
        cfg = replace(cfg, threads=max(1, int(ctx.cpus())) if ctx is not None else 1)
    key = ("services", repr(settings.as_dict()), cfg.threads)
    if key not in _WORKER:
        _WORKER[key] = (AnalyseService.from_settings(settings.text, settings.ingest),
                        EncodeService(encoder_from_settings(cfg), settings.text))
    return _WORKER[key]


def records_from_bytes(path: Path, data: bytes, max_file_bytes: int) -> Iterator[RawArticle | InputError]:
    """The records of one file's bytes through its registered reader, as ``ingest.read_file`` reads a file.

    Spark hands executors the bytes, not a local path; the reader, its size limit and the
    way its errors are reported are those of ``read_file``.
    """
    from ..errors import ConfigError as _ConfigError
    from ..ingest import _checked
    from ..ingest.decode import check_size
    from ..registry import readers

    name = reader_name(path)
    if name is None:  # read_file's own message for an unknown type
        yield from read_file(path)
        return
    try:
        reader = readers.get(name)
    except _ConfigError as exc:
        yield InputError(str(path), f"no reader for {name!r}: {exc.message}", hint=exc.hint)
        return
    if getattr(reader, "streams", False):
        yield from _checked(path, name, reader(path, io.BytesIO(data), max_file_bytes))
        return
    if (err := check_size(path, len(data), max_file_bytes)) is not None:
        yield err
        return
    yield from _checked(path, name, reader(path, data))


def _error_payload(err: InputError) -> bytes:
    """An InputError as JSON; its message without the "file:line: " prefix the constructor adds back."""
    where = f"{err.path}:{err.line}" if err.line is not None else err.path
    message = err.message[len(where) + 2:] if err.message.startswith(f"{where}: ") else err.message
    return json.dumps({"path": err.path, "line": err.line, "message": message, "hint": err.hint}).encode()


def error_from(payload: bytes) -> InputError:
    d = json.loads(payload)
    return InputError(d["path"], d["message"], line=d["line"], hint=d["hint"])


def _file_key(path: str) -> str:
    """Spark's "file:/a/b" and a local "/a/b" compare equal; other URIs are kept as they are."""
    if path.startswith("file:"):
        return "/" + path[5:].lstrip("/")
    return path


def read_partition(files: dict[str, tuple[int, str]], remote_rank: int, max_file_bytes: int
                    ) -> Callable[[Any], Iterator[tuple[Any, ...]]]:
    """Executor function: one binaryFile row -> the file's records, numbered in file order."""

    def read(row: Any) -> Iterator[tuple[Any, ...]]:
        rank, display = files.get(_file_key(row.path), (remote_rank, row.path))
        path = Path(display)
        if reader_name(path) is None:  # a file met in a remote folder that no reader takes
            yield (rank, display, 0, SKIPPED, None, None)
            return
        for seq, rec in enumerate(records_from_bytes(path, bytes(row.content), max_file_bytes)):
            if isinstance(rec, InputError):
                yield (rank, display, seq, ERROR, _error_payload(rec), None)
            else:
                yield (rank, display, seq, RAW, pickle.dumps(rec, protocol=5), None)

    return read


def analyse_and_encode(settings: Settings, chunk: int) -> Callable[[Iterable[Any]], Iterator[Any]]:
    """Executor function for ``mapInPandas``: RawArticle -> ``EncodedArticle`` (pickled), ``chunk`` at a time.

    A record whose analysis fails goes back as it came: the driver's pipeline analyses it
    again and reports the failure exactly as ``narratrace ingest`` would.
    """

    def run(frames: Iterable[Any]) -> Iterator[Any]:
        import pandas as pd

        analyse, encode = _worker_services(settings)
        enc = encode.encoder
        identity = json.dumps({"name": enc.name, "dim": enc.dim, "vector_space": enc.vector_space,
                               "model_id": enc.model_id})
        for frame in frames:
            for start in range(0, len(frame), chunk):
                part = frame.iloc[start:start + chunk]
                rows: list[dict[str, Any]] = []
                items: list[tuple[int, EncodedArticle]] = []
                for rec in part.itertuples(index=False):
                    row = {"rank": rec.rank, "file": rec.file, "seq": rec.seq, "kind": rec.kind,
                           "payload": rec.payload, "encoder": None}
                    if rec.kind == RAW:
                        item = analyse(pickle.loads(rec.payload))
                        if isinstance(item, EncodedArticle):  # else: reported by the driver, in ingest's words
                            items.append((len(rows), item))
                    rows.append(row)
                encode.encode([it for _, it in items])
                for i, item in items:
                    rows[i].update(kind=ARTICLE, payload=pickle.dumps(item, protocol=5), encoder=identity)
                yield pd.DataFrame(rows, columns=["rank", "file", "seq", "kind", "payload", "encoder"])

    return run
