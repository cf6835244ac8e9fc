"""CSV and TSV exports: a header row, then one article per record.

The csv module handles quoted fields with embedded newlines and quotes; errors
name the physical line on which the record starts, as a spreadsheet shows it.
"""
from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..model import RawArticle
from .decode import decode
from .fields import TEXT_NAMES, build, field_of
from .values import WARNINGS_KEY

DELIMITERS = ",;\t|"


def _raise_field_limit() -> None:
    """Article bodies are long: lift the csv module's 128 KiB field limit (process-wide)."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2


_raise_field_limit()


def read_csv(path: Path, data: bytes) -> Iterator[RawArticle | InputError]:
    """One article per record; columns other than the known fields go to ``meta``."""
    where = str(path)
    try:
        text, encoding = decode(data, path, keep_line_breaks=True)
    except InputError as err:
        yield err
        return
    delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text)
    raw: list[str] = []  # the physical lines of the record being read

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            raw.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    header: list[str] | None = None
    while header is None:
        try:
            row = next(reader)
        except StopIteration:
            yield InputError(where, "empty file")
            return
        except csv.Error as exc:
            yield InputError(where, f"invalid CSV header: {exc}", line=reader.line_num)
            return
        if any(cell.strip() for cell in row):
            header, renamed = _columns(row)
            header_line = reader.line_num
    if not any((found := field_of(name)) and found[0] == "text" for name in header):
        yield InputError(
            where, "no text column in the header",
            line=reader.line_num,
            hint=f"columns found: {', '.join(header)}; name the article text column one of: {TEXT_NAMES}",
        )
        return
    meta = {} if encoding == "utf-8" else {"encoding": encoding}
    while True:
        start = reader.line_num + 1
        raw.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield InputError(where, f"invalid CSV: {exc}", line=start)
            if reader.line_num < start:  # the reader did not move on: stop rather than loop
                return
            continue
        if not any(cell.strip() for cell in row):
            continue
        if (problem := _broken_quotes(raw, delimiter)) is not None:
            # the csv module reads a badly closed quote on into the next lines, swallowing the records
            # there into this one: report it rather than store a merged record
            yield InputError(where, problem, line=start,
                             hint='close the quote; a quote inside a quoted field is written twice ("")')
            continue
        record: dict[str, object] = dict(zip(header, row))  # names are unique (_columns): no cell is lost
        if len(row) > len(header):
            record["_extra"] = row[len(header):]
        item = build(record, where, start, f"{where}:{start}")
        if isinstance(item, RawArticle):
            item.meta.update(meta)
            if renamed:  # said once, on the file's first record
                item.meta.setdefault(WARNINGS_KEY, []).extend(
                    {"field": f"header line {header_line}", "action": "repaired", "value": old,
                     "reason": f"column {k} repeats the name {old!r}: its cells are kept as {new!r}"}
                    for k, old, new in renamed)
                renamed = []
        yield item


def _broken_quotes(raw: list[str], delimiter: str) -> str | None:
    """What is wrong with a record whose quotes swallowed the lines after it, or None.

    A quoted field may span lines; the lenient csv module then also accepts a quote that is never
    closed (the field runs to the end of the file) or closed in the wrong place (``"text"more``),
    which merges the following records into this one. A record spanning lines must parse strictly.
    """
    if len(raw) < 2 and not (raw and raw[-1].count('"') % 2):
        return None
    text = "".join(raw)
    try:
        for _ in csv.reader(io.StringIO(text if text.endswith(("\n", "\r")) else text + "\n", newline=""),
                            delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return "a quoted field is never closed: the record runs to the end of the file"
        if len(raw) > 1:
            return f"a quoted field is not closed properly: the record runs over {len(raw)} lines ({exc})"
    return None


def sniff_delimiter(text: str) -> str:
    """The delimiter used most often in the header line (outside quotes); comma by default."""
    line = text[: text.find("\n")] if "\n" in text else text
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _columns(row: list[str]) -> tuple[list[str], list[tuple[int, str, str]]]:
    """(header names, renamed): names stripped, blank ones become column1, column2…, and a name given again
    (``id,title,text,title``) becomes ``title_2`` (the first one keeps its meaning), so no cell is lost.
    ``renamed``: (column number, name, new name) of every repeat."""
    names: list[str] = []
    renamed: list[tuple[int, str, str]] = []
    seen = {name.strip().lower() for name in row if name.strip()}
    taken: set[str] = set()
    for i, cell in enumerate(row, 1):
        name = cell.strip() or f"column{i}"
        if name.lower() in taken:
            n = 2
            while f"{name}_{n}".lower() in taken | seen:
                n += 1
            renamed.append((i, name, f"{name}_{n}"))
            name = f"{name}_{n}"
        taken.add(name.lower())
        names.append(name)
    return names, renamed
