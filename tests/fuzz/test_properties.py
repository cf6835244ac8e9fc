"""Property tests (issue 8, part 4) that tests/text and tests/ingest do not already have.

Already elsewhere: normalisation is idempotent (tests/text/test_normalise.py), segmentation loses no
character (tests/text/test_segment.py), readers never raise on arbitrary bytes or files
(tests/ingest/test_ingest_files.py). Here: cleaning is idempotent and leaves no control character;
any text survives a JSON Lines or CSV round trip exactly as cleaned (quotes, delimiters and line
breaks included, so no record swallows another); analysis is deterministic; ingesting the same
records twice stores nothing new.
"""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narratrace.errors import InputError
from narratrace.ingest.csv import read_csv
from narratrace.ingest.decode import clean, is_blank
from narratrace.ingest.jsonl import read_jsonl
from narratrace.model import RawArticle

#: text as scraped: any character except surrogates, with the ones that break formats made common
TRICKY = list('",;\t\n\r\'\\{}[]:\u200b\u200c\u200d\u2028\u2029\u0085\ufeff\x00\x07\x1b ') + ["\r\n", '""', "\\n"]
SCRAPED = st.lists(st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(TRICKY),
                             st.sampled_from(list("abc ابت سلام ۱۲ 😀"))), max_size=80).map("".join)
#: what a file of records may hold without looking like a binary file (few C0 controls)
RECORD_TEXT = st.lists(st.one_of(st.characters(blacklist_categories=("Cs", "Cc")), st.sampled_from(TRICKY[:-10]),
                                 st.sampled_from(list("abc ابت سلام ۱۲ 😀"))), min_size=1, max_size=60).map("".join)


def _expected(text: str) -> str | None:
    out = clean(text).strip()
    return None if not out or is_blank(out) else out


@settings(max_examples=400, deadline=None)
@given(SCRAPED)
def test_clean_is_idempotent_and_removes_controls(text: str) -> None:
    once = clean(text)
    assert clean(once) == once
    assert "\r" not in once and "\x00" not in once
    assert all(ch in "\n\t" or unicodedata.category(ch) != "Cc" for ch in once)


@settings(max_examples=150, deadline=None)
@given(st.lists(RECORD_TEXT, min_size=1, max_size=6))
def test_jsonl_round_trip_keeps_every_record(texts: list[str]) -> None:
    lines = [json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=k % 2 == 0)
             for k, (i, t) in enumerate(enumerate(texts))]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    out = list(read_jsonl(Path("rt.jsonl"), data))
    _check_round_trip(texts, out)


@settings(max_examples=150, deadline=None)
@given(st.lists(RECORD_TEXT, min_size=1, max_size=6), st.sampled_from([",", ";", "\t"]))
def test_csv_round_trip_keeps_every_record(texts: list[str], delimiter: str) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(["id", "text"])
    for i, t in enumerate(texts):
        writer.writerow([f"r{i}", t])
    path = Path("rt.tsv" if delimiter == "\t" else "rt.csv")
    out = list(read_csv(path, buf.getvalue().encode("utf-8")))
    _check_round_trip(texts, out)


def _check_round_trip(texts: list[str], out: list[RawArticle | InputError]) -> None:
    got = {r.id: r.text for r in out if isinstance(r, RawArticle)}
    errors = [e for e in out if isinstance(e, InputError)]
    want = {f"r{i}": _expected(t) for i, t in enumerate(texts)}
    assert got == {k: v for k, v in want.items() if v is not None}, (got, want, [str(e) for e in errors])
    # a record without visible text is reported (never silently dropped, never merged into another)
    assert len(errors) == sum(v is None for v in want.values()), [str(e) for e in errors]
    assert all("no text" in e.message for e in errors)


@settings(max_examples=60, deadline=None)
@given(SCRAPED.filter(lambda t: _expected(t) is not None))
def test_analysis_is_deterministic(text: str) -> None:
    from narratrace.text import TextPipeline

    raw = RawArticle(text=_expected(text) or "", id="d")
    a, b = TextPipeline(max_passage_chars=50).transform(raw), TextPipeline(max_passage_chars=50).transform(raw)
    assert a.content_hash == b.content_hash and a.to_dict() == b.to_dict()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), RECORD_TEXT), min_size=1, max_size=6))
def test_ingesting_twice_stores_nothing_new(records: list[tuple[str, str]]) -> None:
    """Idempotence: the second run of the same records reports each as unchanged, duplicate or an error."""
    from narratrace import Narratrace
    from narratrace.settings import Settings

    raws = [RawArticle(text=t, id=i, origin=f"gen.jsonl:{n + 1}") for n, (i, t) in enumerate(records)
            if _expected(t) is not None]
    nt = Narratrace(db=":memory:", settings=Settings.load(None, encoder={"backend": "hashing"},
                                                          ingest={"batch_size": 2}))
    try:
        first = nt.add(list(raws))
        stored = {a.id: a.text for a in nt.articles()}
        second = nt.add(list(raws))
        assert second.ingested == [] and second.updated == []
        assert {a.id: a.text for a in nt.articles()} == stored
        assert len(stored) == len(set(first.ingested))
        assert nt.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        nt.close()
