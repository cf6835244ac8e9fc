"""The Parquet reader: same fields as JSON Lines, rows as lines."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from narratrace.errors import InputError
from narratrace.ingest import read_file
from narratrace.model import RawArticle

SAMPLES = Path(__file__).resolve().parents[2] / "narratrace" / "data" / "samples"


def test_parquet_reads_like_jsonl(tmp_path):
    """The same records as Parquet and as JSON Lines give the same RawArticles (origins aside)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    text = (SAMPLES / "002_52248782f917fa36.txt").read_text("utf-8")
    recs = [{"id": "rt-1", "content": text, "headline": "RT", "source": {"name": "RT Arabic"},
             "date": 1643328000, "lang": "ar", "tags": ["isis", "syria"]},
            {"id": "rt-2", "content": "   ", "headline": None, "source": None, "date": None, "lang": None,
             "tags": []}]
    pq.write_table(pa.Table.from_pylist(recs), tmp_path / "x.parquet")
    (tmp_path / "x.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n", "utf-8")
    got_pq, got_jl = list(read_file(tmp_path / "x.parquet")), list(read_file(tmp_path / "x.jsonl"))
    assert isinstance(got_pq[0], RawArticle) and got_pq[0].origin == f"{tmp_path / 'x.parquet'}:1"
    assert got_pq[0].published == "2022-01-28T00:00:00Z" and got_pq[0].outlet == "RT Arabic"
    for a, b in zip(got_pq, got_jl):
        if isinstance(a, RawArticle):
            a.origin = b.origin
            assert a == b
        else:  # the empty row: same message, numbered like the JSON Lines line
            assert isinstance(b, InputError) and a.line == b.line == 2
            assert a.message.replace("x.parquet", "x.jsonl") == b.message


def test_parquet_timestamps_become_iso_text(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"text": ["Damaskus, Purna Warta – pasukan Amerika"],
                      "published": pa.array([dt.datetime(2022, 1, 27, 9, 30)], pa.timestamp("s", tz="UTC")),
                      "day": pa.array([dt.date(2022, 1, 27)])})
    pq.write_table(table, tmp_path / "t.parquet")
    (art,) = read_file(tmp_path / "t.parquet")
    assert art.published == "2022-01-27T09:30:00Z" and art.meta == {"day": "2022-01-27"}


@pytest.mark.parametrize("content, message", [
    (b"not parquet at all", "not a readable Parquet file"),
    (None, "no text column (columns: body_html)"),
    ("empty", "empty file (no rows)"),
])
def test_parquet_bad_files_are_reported_with_their_name(tmp_path, content, message):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "bad.parquet"
    if content is None:
        pq.write_table(pa.table({"body_html": ["<p>x</p>"]}), path)
    elif content == "empty":
        pq.write_table(pa.table({"text": pa.array([], pa.string())}), path)
    else:
        path.write_bytes(content)
    (err,) = read_file(path)
    assert isinstance(err, InputError) and str(path) in str(err) and message in str(err)


def test_parquet_without_pyarrow_names_the_file_and_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "shard.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    (err,) = read_file(path)
    assert isinstance(err, InputError) and str(path) in str(err)
    assert "pip install 'narratrace[batch]'" in str(err)
