"""Decoding: binary refusal, BOMs, legacy code pages, control characters, size limits."""
from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from narratrace.ingest.decode import clean, decode, human_bytes, sniff_binary

ARABIC = "أعلنت وزارة الصحة اليوم عن تسجيل حالات جديدة في العاصمة، وقال المتحدث إن الوضع تحت السيطرة."
FRENCH = "Le café de la gare était fermé; déjà l'été, naïve « œuvre » – très coûteux, dit-il."
ENGLISH_QUOTES = "He said “it’s done” — the deal cost €5 million."
PERSIAN = "به گزارش خبرگزاری، وزیر امور خارجه می‌گوید مذاکرات ادامه دارد."

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document>hello</w:document>")
    return buf.getvalue()


@pytest.mark.parametrize(
    "data, kind",
    [
        (PNG, "PNG image"),
        (_zip(), "ZIP archive"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF document"),
        (gzip.compress(b"hello world"), "GZIP archive"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "JPEG image"),
        (b"\x00\x01\x02\x03" * 100 + b"abc", "binary data"),
    ],
)
def test_decode_binary_given_as_text_is_refused(write, read_all, data: bytes, kind: str) -> None:
    articles, errors = read_all(write("article.txt", data))
    assert articles == []
    assert len(errors) == 1
    assert f"binary file ({kind}) given as text" in str(errors[0])
    assert "article.txt" in str(errors[0]) and errors[0].hint


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  "])
def test_decode_empty_file(write, read_all, data: bytes) -> None:
    _, errors = read_all(write("empty.txt", data))
    assert [e.message.split(": ", 1)[1] for e in errors] == ["empty file"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_decode_boms(write, read_all, encoding: str) -> None:
    text = f"{ARABIC}\n{PERSIAN}\nplain ascii line"
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    elif encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    (article,), errors = read_all(write("bom.txt", data))
    assert errors == []
    assert article.text == text
    if encoding == "utf-8-sig":
        assert "encoding" not in article.meta
    else:
        assert article.meta["encoding"].startswith("utf-")


def test_decode_bomless_utf16_ascii() -> None:
    text, enc = decode("Plain English text from a spreadsheet export.\n".encode("utf-16-le"), "x.txt")
    assert text.strip() == "Plain English text from a spreadsheet export."
    assert enc == "utf-16-le"


def test_decode_windows_1256_arabic(write, read_all) -> None:
    (article,), errors = read_all(write("ar.txt", ARABIC.encode("cp1256")))
    assert errors == []
    assert article.text == ARABIC
    assert article.meta["encoding"] == "cp1256"


@pytest.mark.parametrize("text", [FRENCH, ENGLISH_QUOTES])
def test_decode_windows_1252(write, read_all, text: str) -> None:
    (article,), errors = read_all(write("latin.txt", text.encode("cp1252")))
    assert errors == []
    assert article.text == text
    assert article.meta["encoding"] == "cp1252"


def test_decode_utf8_records_no_encoding(write, read_all) -> None:
    (article,), _ = read_all(write("fa.txt", PERSIAN))
    assert article.meta == {}


def test_decode_declared_charset_wins_over_guess() -> None:
    text, enc = decode(ARABIC.encode("cp1256"), "x.html", declared="windows-1256")
    assert (text, enc) == (ARABIC, "cp1256")


def test_clean_control_and_zero_width_spam() -> None:
    spam = "\u200b\u200b\x00\x07\x1b\ufeff\u2060"
    raw = f"Hello{spam} world\r\nsecond\rthird\x0cfourth\tcol\x85fifth\u2028sixth"
    assert clean(raw) == "Hello world\nsecond\nthird\nfourth\tcol\nfifth\nsixth"


def test_clean_keeps_persian_zwnj_and_collapses_runs() -> None:
    assert clean("می\u200cگوید") == "می\u200cگوید"
    assert clean("می\u200c\u200c\u200cگوید") == "می\u200cگوید"
    assert clean("👩\u200d💻") == "👩\u200d💻"


def test_decode_spam_file_is_cleaned_not_refused(write, read_all) -> None:
    body = "".join(f"word{i}\u200b\u200b\x01 " for i in range(2000)) + "\x00end"
    (article,), errors = read_all(write("spam.txt", body))
    assert errors == []
    assert "\u200b" not in article.text and "\x00" not in article.text and "\x01" not in article.text
    assert article.text.startswith("word0 word1 ") and article.text.endswith("end")


def test_decode_only_control_characters_is_empty(write, read_all) -> None:
    _, (error,) = read_all(write("ctrl.txt", "\u200b\u200b\ufeff\u2060" * 50))
    assert "empty file" in str(error)


def test_sniff_binary_lets_text_through() -> None:
    assert sniff_binary(ARABIC.encode("utf-8")) is None
    assert sniff_binary(b"ID3 tags and BZh are words too") is None
    assert sniff_binary("plain".encode("cp1252")) is None


def test_human_bytes() -> None:
    assert human_bytes(500) == "500 bytes"
    assert human_bytes(1536) == "1.5 KiB (1536 bytes)"
    assert human_bytes(100 * 1024 * 1024) == "100.0 MiB (104857600 bytes)"


def test_decode_declared_latin1_is_read_as_windows_1252() -> None:
    text, enc = decode(ENGLISH_QUOTES.encode("cp1252"), "x.html", declared="ISO-8859-1")
    assert (text, enc) == (ENGLISH_QUOTES, "cp1252")
