"""JSON Lines (streamed, one object per line) and JSON documents.

JSON Lines is the format for millions of records, so it is read line by line
from the open file: memory stays at one line, and the size limit applies to
each line rather than to the file.
"""
from __future__ import annotations

import codecs
import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InputError
from ..model import RawArticle
from .decode import (
    CONVERT_HINT,
    DEFAULT_MAX_BYTES,
    bom_encoding,
    check_size,
    decode,
    decode_record,
    guess_encoding,
    sniff_binary,
)
from .fields import build

_DECODER = json.JSONDecoder(strict=False)  # one decoder: json.loads builds a new one per call
#: Keys under which a JSON document may hold its list of articles.
LIST_KEYS = ("articles", "data", "items")
_HEAD = 65536


def read_jsonl(
    path: Path, data: bytes | BinaryIO, max_line_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[RawArticle | InputError]:
    """One article per line; a bad line is reported with its number and the rest still read.

    ``data`` is the file's bytes or, to stream, the file opened in binary mode.
    """
    stream: BinaryIO = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
    if not stream.seekable():
        stream = io.BytesIO(stream.read())
    start = stream.tell()
    head = stream.read(_HEAD)
    bom = bom_encoding(head)
    if bom is not None and bom[0] != "utf-8":
        # UTF-16/32: a newline byte is not a line break there; decode the whole file.
        rest = stream.read(max(0, max_line_bytes + 1 - len(head)))
        whole = head + rest
        if len(whole) > max_line_bytes:
            yield check_size(path, _size(stream, len(whole)), max_line_bytes)  # type: ignore[misc]
            return
        try:
            text, encoding = decode(whole, path)
        except InputError as err:
            yield err
            return
        yield from _read_lines(path, _split(text, encoding))
        return
    if kind := sniff_binary(head):
        yield InputError(str(path), f"binary file ({kind}) given as text", hint=CONVERT_HINT)
        return
    skip = bom[1] if bom else 0
    stream.seek(start + skip)
    yield from _read_lines(path, _decoded_lines(stream, path, _stream_encoding(head[skip:]), max_line_bytes))


read_jsonl.streams = True  # type: ignore[attr-defined]  # iter_records passes the open file


def read_json(path: Path, data: bytes) -> Iterator[RawArticle | InputError]:
    """A list of objects, one object, or an object holding the list under articles/data/items."""
    try:
        text, encoding = decode(data, path)
    except InputError as err:
        yield err
        return
    try:
        doc = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            # A .json file that is really JSON Lines: read it as such.
            yield from _read_lines(path, _split(text, encoding))
            return
        yield InputError(str(path), f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno)
        return
    except RecursionError:
        yield InputError(str(path), "invalid JSON: nested too deeply")
        return
    items = _items(doc)
    if items is None:
        if isinstance(doc, dict):
            yield _finish(build(doc, str(path), None, str(path)), encoding)
        else:
            yield InputError(
                str(path), f"expected a JSON object or a list of objects, found {_kind(doc)}",
                hint=f"put the articles in a list, or under one of: {', '.join(LIST_KEYS)}",
            )
        return
    for n, item in enumerate(items, 1):  # items are numbered from 1, as lines and rows are: origin "path:n"
        if not isinstance(item, dict):
            yield InputError(str(path), f"item {n}: expected a JSON object, found {_kind(item)}", line=n)
            continue
        yield _finish(build(item, str(path), n, f"{path}:{n}", where=f"item {n}: "), encoding)


def _size(stream: BinaryIO, at_least: int) -> int:
    """The file's real size for the message, when the stream is a file."""
    try:
        return max(os.fstat(stream.fileno()).st_size, at_least)
    except (OSError, AttributeError, io.UnsupportedOperation):
        return at_least


def _items(doc: Any) -> list[Any] | None:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in LIST_KEYS:
            if isinstance(doc.get(key), list):
                return doc[key]
    return None


def _stream_encoding(head: bytes) -> str:
    """UTF-8 if the first 64 KiB are UTF-8 (a character cut at the end is fine), else a guess."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return guess_encoding(head) or "utf-8"


Line = tuple[int, str | InputError, str | None]


def _decoded_lines(stream: BinaryIO, path: Path, encoding: str, limit: int) -> Iterator[Line]:
    """(line number, text or error, encoding) per line, never holding more than ``limit`` bytes."""
    number = 0
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            size = len(raw)
            while not raw.endswith(b"\n"):  # skip the rest of the line without keeping it
                raw = stream.readline(1 << 20)
                if not raw:
                    break
                size += len(raw)
            size -= raw.endswith(b"\n")
            yield number, check_size(path, size, limit, "line", line=number), None  # type: ignore[misc]
            continue
        if not raw.strip():
            continue
        try:
            text, used = decode_record(raw, path, number, encoding)
        except InputError as err:
            yield number, err, None
            continue
        yield number, text, used


def _read_lines(path: Path, lines: Iterable[Line]) -> Iterator[RawArticle | InputError]:
    """Parse each line as one JSON object; an empty file is an error."""
    seen = 0
    where = str(path)
    for number, line, encoding in lines:
        if isinstance(line, InputError):
            seen += 1
            yield line
            continue
        if not line.strip():
            continue
        seen += 1
        try:
            obj = _DECODER.decode(line)
        except json.JSONDecodeError as exc:
            yield InputError(where, f"invalid JSON: {exc.msg} (column {exc.colno})", line=number)
            continue
        except RecursionError:
            yield InputError(where, "invalid JSON: nested too deeply", line=number)
            continue
        if not isinstance(obj, dict):
            yield InputError(where, f"expected a JSON object, found {_kind(obj)}", line=number)
            continue
        yield _finish(build(obj, where, number, f"{where}:{number}"), encoding)
    if not seen:
        yield InputError(where, "empty file")


def _split(text: str, encoding: str) -> Iterator[Line]:
    for number, line in enumerate(text.split("\n"), 1):
        yield number, line, encoding


def _finish(item: RawArticle | InputError, encoding: str | None) -> RawArticle | InputError:
    if isinstance(item, RawArticle) and encoding and encoding != "utf-8":
        item.meta["encoding"] = encoding
    return item


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
