"""Plain text reader: one article per file, id from the stem; the sample corpus reads back exactly."""
from __future__ import annotations

from pathlib import Path

from narratrace.errors import InputError
from narratrace.ingest.txt import read_txt
from narratrace.model import RawArticle


def test_txt_one_article_per_file(write, read_all) -> None:
    path = write("corpus/2022-01-25_hasakah.txt", "Title line\n\nFirst paragraph.\r\nSecond paragraph.\n")
    (article,), errors = read_all(path)
    assert errors == []
    assert article.id == "2022-01-25_hasakah"
    assert article.text == "Title line\n\nFirst paragraph.\nSecond paragraph."
    assert article.origin == str(path)
    assert article.title is None and article.meta == {}


def test_txt_seeds_read_back_exactly(tmp_path: Path, seeds: dict[str, str], read_all) -> None:
    for stem, text in seeds.items():
        (tmp_path / f"{stem}.txt").write_text(text, "utf-8")
    articles, errors = read_all(tmp_path)
    assert errors == []
    assert [a.id for a in articles] == sorted(seeds)
    for article in articles:
        assert article.text == seeds[article.id].strip()
        assert article.origin.endswith(f"{article.id}.txt")


def test_txt_reader_called_directly_with_bytes() -> None:
    (item,) = read_txt(Path("x/a.txt"), "سلام".encode())
    assert isinstance(item, RawArticle) and item.text == "سلام" and item.id == "a"
    (item,) = read_txt(Path("x/a.txt"), b"")
    assert isinstance(item, InputError)
