"""Every registered reader keeps the reader contract (``narratrace.testing.contracts``): a small file of its
type reads back as the records written, origins are "path" or "path:line", and binary, empty or
malformed files give InputError values, never an exception."""
from __future__ import annotations

import io
from typing import Any

import pytest

from narratrace import registry
from narratrace.testing.contracts import ReaderSample, check_id, reader_checks

PAGE = (b"<html><head><title>Prisoners moved</title></head><body><nav><a href='/'>Home</a></nav><article>"
        b"<h1>Prisoners moved</h1><p>US forces moved ISIS prisoners out of the prison in Hasakah on Tuesday, "
        b"officials said.</p><p>The transfer took place at night.</p></article></body></html>")
TWO = [{"id": "a", "title": "T", "text": "Body one."}, {"id": "b", "title": None, "text": "Body two."}]


def _parquet() -> ReaderSample:
    pa = pytest.importorskip("pyarrow", reason="install the batch extra (pyarrow) for Parquet")
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"id": ["a", "b"], "title": ["T", None], "text": ["Body one.", "Body two."]}), buf)
    return ReaderSample("sample.parquet", buf.getvalue(), TWO, bad=b"PAR1 not really parquet PAR1", many=True)


#: a sample file per built-in reader (a plugin's tests give theirs)
SAMPLES = {
    "txt": lambda: ReaderSample("sample.txt", "First paragraph, «ویژه».\n\nSecond one.\n".encode(),
                                [{"id": "sample", "text": "First paragraph, «ویژه».\n\nSecond one."}]),
    "html": lambda: ReaderSample("sample.html", PAGE, [{"id": "sample", "title": "Prisoners moved", "text": (
        "Prisoners moved\nUS forces moved ISIS prisoners out of the prison in Hasakah on Tuesday, officials "
        "said.\nThe transfer took place at night.")}]),
    "jsonl": lambda: ReaderSample("sample.jsonl", b'{"id": "a", "title": "T", "text": "Body one."}\n'
                                  b'{"id": "b", "text": "Body two."}\n', TWO, bad=b'{"text": "unterminated\n',
                                  many=True),
    "json": lambda: ReaderSample("sample.json", b'[{"id": "a", "title": "T", "text": "Body one."}, '
                                 b'{"id": "b", "text": "Body two."}]', TWO, bad=b'[{"text": }]', many=True),
    "csv": lambda: ReaderSample("sample.csv", b"id,title,text\na,T,Body one.\nb,,Body two.\n", TWO,
                                bad=b"id,title\na,no text column\n", many=True),
    "parquet": _parquet,
}

CASES = [(name, check) for name in registry.readers.names() for check in reader_checks()]


@pytest.mark.parametrize(("name", "check"), CASES, ids=[f"{n}-{check_id(c)}" for n, c in CASES])
def test_reader_contract(name: str, check: Any, tmp_path) -> None:
    if name not in SAMPLES:
        pytest.skip(f"no sample file for the reader {name!r} here: its own package tests it with one")
    check(registry.readers.get(name), SAMPLES[name](), tmp_path)


def test_reader_contract_covers_the_builtins() -> None:
    assert set(SAMPLES) == set(registry.BUILTINS["readers"])
