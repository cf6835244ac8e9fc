"""JSON Lines and JSON readers: fields, aliases, meta, ids, per-line errors and limits."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from narratrace.errors import InputError
from narratrace.ingest.jsonl import read_json, read_jsonl
from narratrace.model import RawArticle

ARABIC = "أعلنت وزارة الصحة اليوم عن تسجيل حالات جديدة في العاصمة، وقال المتحدث إن الوضع تحت السيطرة."


def jsonl(*records: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)


def test_jsonl_fields_and_meta(write, read_all) -> None:
    path = write("a.jsonl", jsonl({
        "id": "x1", "text": "Body text.", "title": "Title", "url": "https://e.com/1", "outlet": "E",
        "published": "2022-01-25", "lang": "en", "section": "world", "tags": ["a", "b"],
    }))
    (a,), errors = read_all(path)
    assert errors == []
    assert (a.id, a.text, a.title, a.url, a.outlet, a.published, a.lang) == (
        "x1", "Body text.", "Title", "https://e.com/1", "E", "2022-01-25", "en")
    assert a.meta == {"section": "world", "tags": ["a", "b"]}
    assert a.origin == f"{path}:1"


def test_jsonl_aliases(write, read_all) -> None:
    path = write("a.ndjson", jsonl(
        {"content": "c", "date": "2021-02", "language": "fa", "source": "Defa Press", "headline": "H"},
        {"body": "b", "published_at": "2022-01-25T10:00:00+03:00", "site": "S", "Link": "u"},
        {"Text": "t", "content": "kept in meta", "source": {"id": "bbc", "name": "BBC News"}},
    ))
    (a, b, c), errors = read_all(path)
    assert errors == []
    assert (a.text, a.published, a.lang, a.outlet, a.title) == ("c", "2021-02", "fa", "Defa Press", "H")
    assert (b.text, b.published, b.outlet, b.url) == ("b", "2022-01-25T10:00:00+03:00", "S", "u")
    assert c.text == "t" and c.meta == {"content": "kept in meta"} and c.outlet == "BBC News"


def test_jsonl_ids(write, read_all) -> None:
    path = write("ids.jsonl",
                 jsonl({"text": "a"}, {"id": 7, "text": "b"}, {"id": 7.0, "text": "c"}, {"id": "", "text": "d"}))
    articles, _ = read_all(path)
    assert [a.id for a in articles] == [None, "7", "7", None]


def test_jsonl_invalid_line_reported_others_yielded(write, read_all) -> None:
    path = write("mixed.jsonl",
                 jsonl({"text": "one"}, '{"text": "two",', "", {"title": "no text"}, "[1, 2]", {"text": "five"}))
    items = list(read_jsonl(path, path.read_bytes()))
    assert [i.text for i in items if isinstance(i, RawArticle)] == ["one", "five"]
    errors = [i for i in items if isinstance(i, InputError)]
    assert [e.line for e in errors] == [2, 4, 5]
    assert "invalid JSON" in errors[0].message and f"{path}:2" in str(errors[0])
    assert "record has no text" in errors[1].message and "text, content" in errors[1].hint
    assert "expected a JSON object" in errors[2].message
    assert items[-1].origin == f"{path}:6"


def test_jsonl_per_line_limit_streams(write, read_all) -> None:
    big = "x" * 5000
    path = write("big.jsonl", jsonl({"text": "small"}, {"text": big}, {"text": "after"}))
    articles, errors = read_all(path, max_file_bytes=1000)
    assert [a.text for a in articles] == ["small", "after"]
    (error,) = errors
    assert error.line == 2 and "over the limit of" in error.message and "1000 bytes" in error.message
    assert "[ingest] max_file_bytes" in error.hint


def test_jsonl_file_larger_than_limit_is_fine_when_lines_are_small(write, read_all) -> None:
    path = write("many.jsonl", jsonl(*({"id": i, "text": f"article {i}"} for i in range(500))))
    articles, errors = read_all(path, max_file_bytes=100)
    assert errors == [] and len(articles) == 500 and articles[-1].origin.endswith(":500")


def test_jsonl_windows_1256_and_utf16(write, read_all) -> None:
    text = jsonl({"id": 1, "text": ARABIC}, {"id": 2, "text": ARABIC[:20]})
    (a, b), errors = read_all(write("ar.jsonl", text.encode("cp1256")))
    assert errors == [] and a.text == ARABIC and a.meta["encoding"] == "cp1256"
    (a, b), errors = read_all(write("ar16.jsonl", text.encode("utf-16")))
    assert errors == [] and b.text == ARABIC[:20]


def test_jsonl_control_characters_in_strings(write, read_all) -> None:
    path = write("ctl.jsonl", '{"text": "a\\u0000b\u200bc\tdone\\r\\nnext", "title": " T\\n i t l e "}\n')
    (a,), errors = read_all(path)
    assert errors == [] and a.text == "abc\tdone\nnext" and a.title == "T i t l e"


def test_jsonl_empty_and_binary(write, read_all) -> None:
    _, (e1,) = read_all(write("e.jsonl", "\n\n  \n"))
    _, (e2,) = read_all(write("p.jsonl", b"\x89PNG\r\n\x1a\n\x00\x00\x00"))
    assert "empty file" in e1.message and "PNG image" in e2.message


def test_jsonl_reader_accepts_bytes_or_stream(tmp_path: Path) -> None:
    data = jsonl({"text": "a"}, {"text": "b"}).encode()
    path = tmp_path / "s.jsonl"
    path.write_bytes(data)
    with path.open("rb") as f:
        streamed = [i.text for i in read_jsonl(path, f)]
    assert streamed == [i.text for i in read_jsonl(path, data)] == ["a", "b"]


@pytest.mark.parametrize("doc", [
    [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}],
    {"status": "ok", "articles": [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}]},
    {"data": [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}]},
    {"items": [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}]},
])
def test_json_list_shapes(write, read_all, doc: object) -> None:
    path = write("a.json", json.dumps(doc))
    articles, errors = read_all(path)
    assert errors == [] and [(a.id, a.text) for a in articles] == [("1", "a"), ("2", "b")]
    assert articles[1].origin == f"{path}:2"


def test_json_single_object(write, read_all) -> None:
    path = write("one.json", json.dumps({"headline": "H", "body": "B", "extra": 1}))
    (a,), errors = read_all(path)
    assert (a.title, a.text, a.meta, a.id, a.origin) == ("H", "B", {"extra": 1}, None, str(path))


def test_json_errors_name_the_index(write, read_all) -> None:
    path = write("bad.json", json.dumps([{"text": "a"}, {"title": "no text"}, "str", {"text": "d"}]))
    articles, errors = read_all(path)
    assert [a.text for a in articles] == ["a", "d"]
    assert [(e.line, e.message.split(": ", 2)[1]) for e in errors] == [(2, "item 2"), (3, "item 3")]


def test_json_invalid_and_wrong_shape(write, read_all) -> None:
    _, (e1,) = read_all(write("x.json", '[\n{"text": "a"},\n{"text": }\n]'))
    assert "invalid JSON" in e1.message and e1.line == 3
    _, (e2,) = read_all(write("y.json", "42"))
    assert "expected a JSON object or a list" in e2.message


def test_json_file_holding_json_lines(write, read_all) -> None:
    articles, errors = read_all(write("lines.json", jsonl({"text": "a"}, {"text": "b"})))
    assert errors == [] and [a.origin.rsplit(":", 1)[1] for a in articles] == ["1", "2"]


def test_json_seeds_round_trip(write, read_all, seeds: dict[str, str]) -> None:
    path = write("seeds.json", json.dumps([{"id": k, "text": v} for k, v in seeds.items()], ensure_ascii=False))
    articles, errors = read_all(path)
    assert errors == [] and {a.id: a.text for a in articles} == {k: v.strip() for k, v in seeds.items()}
    path = write("seeds.jsonl", jsonl(*({"id": k, "text": v} for k, v in seeds.items())))
    articles, errors = read_all(path)
    assert errors == [] and {a.id: a.text for a in articles} == {k: v.strip() for k, v in seeds.items()}


def test_json_unix_timestamps_become_iso(write, read_all) -> None:
    articles, _ = read_all(write("t.jsonl",
                                 jsonl({"text": "a", "date": 1643104800}, {"text": "b", "date": 1643104800000})))
    assert [a.published for a in articles] == ["2022-01-25T10:00:00Z"] * 2


def test_json_reader_direct_never_raises_on_junk() -> None:
    for data in (b"", b"{", b"[[[[", b"[" * 100000, b'"text"'):
        for item in read_json(Path("j.json"), data):
            assert isinstance(item, InputError)


def test_jsonl_utf16_is_limited_as_a_whole_file(write, read_all) -> None:
    path = write("w.jsonl", jsonl(*({"text": f"article {i}"} for i in range(100))).encode("utf-16"))
    _, (error,) = read_all(path, max_file_bytes=1000)
    assert f"({path.stat().st_size} bytes), over the limit" in error.message
