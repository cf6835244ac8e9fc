"""CSV/TSV reader: header, quoting, embedded newlines, record start lines, big fields."""
from __future__ import annotations

import csv
import io

from narratrace.ingest.csv import sniff_delimiter

ARABIC = "أعلنت وزارة الصحة اليوم عن تسجيل حالات جديدة في العاصمة، وقال المتحدث إن الوضع تحت السيطرة."


def to_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def test_csv_fields_aliases_and_meta(write, read_all) -> None:
    path = write("a.csv", to_csv([
        ["ID", "Headline", "Body", "Date", "Source", "Language", "section"],
        ["1", "H1", "Text one.", "2022-01-25", "Purna Warta", "id", "world"],
    ]))
    (a,), errors = read_all(path)
    assert errors == []
    assert (a.id, a.title, a.text, a.published, a.outlet, a.lang) == (
        "1", "H1", "Text one.", "2022-01-25", "Purna Warta", "id")
    assert a.meta == {"section": "world"} and a.origin == f"{path}:2"


def test_csv_embedded_newlines_quotes_and_start_lines(write, read_all) -> None:
    text = 'He said "no",\nthen left.\n\nNew paragraph, with a comma.'
    path = write("q.csv", to_csv([["id", "text"], ["a", text], ["b", ""], ["c", "last"]]))
    articles, errors = read_all(path)
    assert [a.text for a in articles] == [text, "last"]
    assert [a.origin for a in articles] == [f"{path}:2", f"{path}:7"]
    (error,) = errors
    assert error.line == 6 and "record has no text" in error.message


def test_csv_without_text_column(write, read_all) -> None:
    path = write("n.csv", "id,title,author\n1,a,b\n2,c,d\n")
    articles, (error,) = read_all(path)
    assert articles == []
    assert "no text column" in error.message
    assert "columns found: id, title, author" in error.hint and "content" in error.hint


def test_tsv_and_semicolon(write, read_all) -> None:
    (a,), errors = read_all(write("t.tsv", "id\ttext\ttitle\n1\thello, world; yes\tT\n"))
    assert errors == [] and a.text == "hello, world; yes" and a.title == "T"
    (b,), errors = read_all(write("s.csv", "id;text;title\n2;bonjour, monde;T2\n"))
    assert errors == [] and b.text == "bonjour, monde" and b.id == "2"
    assert sniff_delimiter('"a,b";c;d\n1;2;3') == ";"
    assert sniff_delimiter("text") == ","


def test_csv_very_large_field(write, read_all) -> None:
    body = "كلمة " * 60000  # 300k characters, over the csv module's default 128 KiB field limit
    (a,), errors = read_all(write("big.csv", to_csv([["text"], [body]])))
    assert errors == [] and a.text == body.strip()


def test_csv_ragged_rows_and_blank_lines(write, read_all) -> None:
    path = write("r.csv", "text,id\n\nshort\nwith,2,extra,cells\n,,\n")
    articles, errors = read_all(path)
    assert errors == []
    assert [(a.text, a.id) for a in articles] == [("short", None), ("with", "2")]
    assert articles[1].meta == {"_extra": ["extra", "cells"]}
    assert articles[0].origin == f"{path}:3"


def test_csv_windows_1256(write, read_all) -> None:
    (a,), errors = read_all(write("ar.csv", to_csv([["id", "text"], ["1", ARABIC]]).encode("cp1256")))
    assert errors == [] and a.text == ARABIC and a.meta["encoding"] == "cp1256"


def test_csv_utf8_bom_header(write, read_all) -> None:
    (a,), errors = read_all(write("bom.csv", "\ufefftext,id\nhello,1\n".encode("utf-8")))
    assert errors == [] and a.text == "hello" and a.id == "1"


def test_csv_seeds_round_trip(write, read_all, seeds: dict[str, str]) -> None:
    path = write("seeds.csv", to_csv([["id", "text"], *([k, v] for k, v in seeds.items())]))
    articles, errors = read_all(path)
    # \r\n inside fields is normalised to \n, as everywhere else
    assert errors == [] and {a.id: a.text for a in articles} == {k: v.strip() for k, v in seeds.items()}


def test_csv_empty_and_header_only(write, read_all) -> None:
    _, (e,) = read_all(write("e.csv", ""))
    assert "empty file" in e.message
    articles, errors = read_all(write("h.csv", "id,text\n"))
    assert articles == [] and errors == []
