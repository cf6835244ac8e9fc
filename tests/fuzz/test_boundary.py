"""Property tests of the input boundary (issue 16): every value a reader hands on can be stored and compared.

Classes, not examples: any publication date (strings in ISO shape with any numbers, RFC 2822, words,
numbers of any size) is kept as a real calendar date or dropped with a reason, and the grouping stage's
``days_between`` never raises on anything, stored or not; lone UTF-16 surrogates anywhere in a record (text, title,
id, outlet, metadata keys and values) and NaN/Infinity in its metadata are repaired and named, so the record
encodes as UTF-8 and as strict JSON.
"""
from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from narratrace.group.features import days_between
from narratrace.ingest.decode import clean, replace_surrogates
from narratrace.ingest.jsonl import read_jsonl
from narratrace.ingest.values import MAX_YEAR, MIN_YEAR, WARNINGS_KEY, check_published, checked
from narratrace.model import RawArticle

NUMBER = st.integers(min_value=0, max_value=10**12).map(str)
#: dates in ISO shape with any numbers in them: 2021-02-30, 0000-00-00, 2099-13-45, 9999-12, 1-1-1 …
ISO_SHAPED = st.builds(
    lambda y, m, d, sep, rest: sep.join(x for x in (y, m, d) if x is not None) + rest,
    st.one_of(NUMBER, st.integers(0, 10000).map(lambda n: f"{n:04d}")),
    st.one_of(st.none(), st.integers(0, 99).map(lambda n: f"{n:02d}"), NUMBER),
    st.one_of(st.none(), st.integers(0, 99).map(lambda n: f"{n:02d}")),
    st.sampled_from(["-", "/", "."]),
    st.sampled_from(["", " 00:00:00", "T10:00:00Z", "T25:99", "T10:00:00+03:00", " yesterday"]))
RFC_2822 = st.builds(lambda d, mon, y: f"Thu, {d} {mon} {y} 10:00:00 GMT", st.integers(0, 40),
                     st.sampled_from(["Jan", "Feb", "Dec", "Foo"]), st.integers(0, 99999))
ANY_TEXT = st.text(max_size=40)
ANY_NUMBER = st.one_of(st.integers(min_value=-(10**30), max_value=10**30), st.floats(allow_nan=True,
                                                                                       allow_infinity=True))
ANY_DATE = st.one_of(ISO_SHAPED, RFC_2822, ANY_TEXT, ANY_NUMBER, st.booleans(), st.none())


def _calendar_date(kept: str) -> None:
    """A kept date is a real one in the accepted years: its date part builds a ``date``, its time parses."""
    head = kept[:10].split("-")
    parts = [int(x) for x in head]
    assert MIN_YEAR <= parts[0] <= MAX_YEAR, kept
    if len(parts) == 3:
        date(*parts)
        if len(kept) > 10:
            datetime.fromisoformat(kept.replace("Z", "+00:00").replace(" ", "T", 1))
    elif len(parts) == 2:
        assert 1 <= parts[1] <= 12, kept


@settings(max_examples=600, deadline=None)
@given(ANY_DATE)
def test_published_is_a_real_date_or_dropped_with_a_reason(value: object) -> None:
    kept, why = check_published(value)
    if kept is not None:
        _calendar_date(kept)
        assert check_published(kept) == (kept, None)  # idempotent: a kept date passes again unchanged
    elif value is not None and not (isinstance(value, str) and not clean(replace_surrogates(value)).split()):
        assert why, f"{value!r} dropped without a reason"  # only an empty (or invisible) value goes unnamed


@settings(max_examples=600, deadline=None)
@given(st.one_of(ANY_DATE, ISO_SHAPED), st.one_of(ANY_DATE, ISO_SHAPED))
def test_days_never_raises_on_any_pair_of_stored_values(a: object, b: object) -> None:
    """Stores made before dates were checked hold anything: the scorer treats what is not a date as undated."""
    days = days_between(a, b)  # type: ignore[arg-type]
    assert days is None or (days >= 0 and math.isfinite(days))
    kept_a, kept_b = check_published(a)[0], check_published(b)[0]
    if kept_a and kept_b:
        assert days_between(kept_a, kept_b) is not None  # two kept dates always compare


SURROGATE = st.integers(0xD800, 0xDFFF).map(chr)
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")  # a high + low pair is one character to a JSON decoder
#: text holding at least one unpaired surrogate, as a cut emoji leaves it
WITH_SURROGATE = st.lists(st.one_of(st.characters(blacklist_categories=("Cs", "Cc")), SURROGATE),
                          min_size=1, max_size=30).map("".join).filter(
    lambda s: any("\ud800" <= c <= "\udfff" for c in s) and not _PAIR.search(s))
FIELDS = st.sampled_from(["text", "title", "id", "outlet", "url", "lang", "meta value", "meta key", "nested"])


@settings(max_examples=300, deadline=None)
@given(FIELDS, WITH_SURROGATE, st.booleans())
def test_lone_surrogates_anywhere_in_a_record_are_repaired_and_named(field: str, bad: str, ascii_json: bool
                                                                     ) -> None:
    record: dict[str, object] = {"id": "r1", "text": "Storm hits the coast.", "note": "ok"}
    if field == "meta value":
        record["note"] = bad
    elif field == "meta key":
        record[bad] = "value"
    elif field == "nested":
        record["tags"] = [{"x": bad}]
    else:
        record[field] = "Storm " + bad if field == "text" else bad
    # as exports write them: "\ud83d" escapes (a raw surrogate is not UTF-8), other characters raw or escaped
    line = re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}",
                  json.dumps(record, ensure_ascii=ascii_json))
    data = line.encode("utf-8")
    (item,) = list(read_jsonl(Path("s.jsonl"), data))
    assert isinstance(item, RawArticle), item
    for name in ("text", "title", "id", "outlet", "url", "lang", "origin"):
        value = getattr(item, name)
        if value is not None:
            value.encode("utf-8")  # storable
    json.dumps(item.meta, ensure_ascii=False, allow_nan=False).encode("utf-8")
    warnings = item.meta.get(WARNINGS_KEY, [])
    assert warnings and all(w["action"] == "repaired" for w in warnings)
    if field in ("text", "title", "id", "outlet", "url", "lang"):
        assert field in {w["field"] for w in warnings}
    elif field != "nested":
        assert any(w["field"].startswith("meta") for w in warnings)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.one_of(st.floats(), st.text(max_size=10), st.integers(),
                                                        st.lists(st.floats(), max_size=3)), max_size=5))
def test_metadata_becomes_strict_json_and_checking_twice_changes_nothing(meta: dict[str, object]) -> None:
    raw = checked(RawArticle(text="Storm hits the coast.", id="a", meta=dict(meta)))
    json.dumps(raw.meta, allow_nan=False)
    again = checked(RawArticle(text=raw.text, id=raw.id, meta=json.loads(json.dumps(raw.meta))))
    assert again.meta == raw.meta
