"""The Parquet reader (same fields as JSON Lines, rows as lines) and the encoder that serves executor vectors."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from narratrace.errors import EncoderError, InputError
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


def _identity(enc):
    return {"name": enc.name, "dim": enc.dim, "vector_space": enc.vector_space, "model_id": enc.model_id}


def test_precomputed_encoder_serves_given_vectors_and_delegates_the_rest(real_encoder):
    from narratrace.embed.precomputed import PrecomputedEncoder

    texts = [p for p in (SAMPLES / "000_b87142e14614ef64.txt").read_text("utf-8").split("\n") if p.strip()][:4]
    given = real_encoder.encode_passages(texts[:3])
    loads = []

    def load():
        loads.append(1)
        return real_encoder

    enc = PrecomputedEncoder(_identity(real_encoder), load)
    assert (enc.vector_space, enc.dim, enc.model_id) == (real_encoder.vector_space, real_encoder.dim,
                                                         real_encoder.model_id)
    enc.add(texts[:3], given)
    assert np.array_equal(enc.encode_passages(texts[:3]), given) and not loads and enc.served == 3
    out = enc.encode_passages(texts[::-1])  # one text it was not given: encoded by the real encoder
    assert np.array_equal(out[1:], given[::-1]) and loads == [1] and enc.computed == 1
    assert np.allclose(out[0], real_encoder.encode_passages([texts[3]])[0])
    assert np.allclose(enc.encode_queries(["ISIS"]), real_encoder.encode_queries(["ISIS"]))


def test_precomputed_encoder_forgets_old_articles(real_encoder):
    from narratrace.embed.precomputed import PrecomputedEncoder

    enc = PrecomputedEncoder(_identity(real_encoder), lambda: real_encoder, keep=2)
    vecs = real_encoder.encode_passages(["satu", "dua", "tiga"])
    for text, vec in zip(["satu", "dua", "tiga"], vecs):
        enc.add([text], vec[None, :])
    assert set(enc._vectors) == {"dua", "tiga"}  # memory stays at the last `keep` articles
    with pytest.raises(EncoderError, match="2 passages but 1 vectors"):
        enc.add(["a", "b"], vecs[:1])


def test_precomputed_encoder_refuses_a_driver_encoder_of_another_space(real_encoder):
    from narratrace.embed import make_encoder
    from narratrace.embed.precomputed import PrecomputedEncoder

    enc = PrecomputedEncoder(_identity(real_encoder), lambda: make_encoder("hashing"))
    with pytest.raises(EncoderError, match="differs from the executors'"):
        enc.encode_passages(["a text nobody precomputed"])
