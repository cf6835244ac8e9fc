"""HTML reader: main text and metadata via trafilatura; active content never reaches the text."""
from __future__ import annotations

import html
from pathlib import Path

from narratrace.errors import InputError
from narratrace.ingest.html import declared_charset, read_html
from narratrace.model import RawArticle

ARABIC = "أعلنت وزارة الصحة اليوم عن تسجيل حالات جديدة في العاصمة، وقال المتحدث إن الوضع تحت السيطرة."

PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head>
<meta charset="utf-8">
<title>Prison break claims | Example News</title>
<meta property="og:title" content="Prison break claims">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2022-01-26T08:30:00+00:00">
<meta name="author" content="Jane Doe">
<link rel="canonical" href="https://news.example.com/2022/01/prison-break">
<script>document.write("SCRIPT_LEAK")</script>
<style>p { color: red } /* STYLE_LEAK */</style>
</head><body onload="alert('ONLOAD_LEAK')">
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article>
<h1>Prison break claims</h1>
<p>Special sources reported that American forces took advantage of the chaos at the prison in al-Hasakah.</p>
<iframe src="https://ads.example.com">IFRAME_LEAK</iframe>
<p>The sources said <script>alert("INLINE_SCRIPT_LEAK")</script>that 750 members were moved to an unknown place.</p>
<img src="x.png" onerror="alert('ONERROR_LEAK')">
<noscript>NOSCRIPT_LEAK</noscript>
<p onclick="steal('ONCLICK_LEAK')">A third paragraph closes the report with a quote from an official.</p>
<object data="x.swf">OBJECT_LEAK</object><svg><text>SVG_LEAK</text></svg>
</article>
<footer>Copyright Example News</footer>
</body></html>"""


def test_html_text_and_metadata(write, read_all) -> None:
    path = write("site/prison-break.html", PAGE)
    (a,), errors = read_all(path)
    assert errors == []
    assert a.id == "prison-break" and a.origin == str(path)
    assert a.title == "Prison break claims"
    assert a.url == "https://news.example.com/2022/01/prison-break"
    assert a.outlet == "Example News"
    assert a.published == "2022-01-26"
    assert a.lang == "en"
    assert a.meta.get("author") == "Jane Doe"
    lines = a.text.split("\n")
    assert any(line.startswith("Special sources reported") for line in lines)
    assert any(line.startswith("A third paragraph") for line in lines)
    assert "that 750 members" in a.text


def test_html_active_content_never_reaches_text(write, read_all) -> None:
    (a,), _ = read_all(write("p.htm", PAGE))
    for leak in ("SCRIPT", "STYLE", "ONLOAD", "IFRAME", "INLINE_SCRIPT", "ONERROR", "NOSCRIPT", "ONCLICK", "OBJECT",
                 "SVG"):
        assert f"{leak}_LEAK" not in a.text, leak
        assert f"{leak}_LEAK" not in (a.title or "")
    assert "alert(" not in a.text and "<" not in a.text


def test_html_declared_windows_1256(write, read_all) -> None:
    page = (
        '<html lang="ar"><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
        f"<title>خبر</title></head><body><article><p>{ARABIC}</p><p>{ARABIC}</p></article></body></html>"
    )
    (a,), errors = read_all(write("ar.html", page.encode("cp1256")))
    assert errors == []
    assert a.text.split("\n")[0] == ARABIC and a.lang == "ar" and a.meta["encoding"] == "cp1256"
    assert declared_charset(page.encode("cp1256")) == "windows-1256"


def test_html_long_paragraph(write, read_all) -> None:
    paragraph = ("Kata " * 20000).strip()  # 100k characters
    (a,), errors = read_all(write("long.html", f"<html><body><article><p>{paragraph}</p></article></body></html>"))
    assert errors == [] and a.text == paragraph


def test_html_no_article_text(write, read_all) -> None:
    _, (e,) = read_all(write("blank.html", "<html><head><script>var a = 1;</script></head><body></body></html>"))
    assert "no article text found" in e.message and e.hint


def test_html_escaped_markup_is_text(write, read_all) -> None:
    html = "<html><body><p>The tag &lt;script&gt; was shown as text in the report.</p></body></html>"
    (a,), _ = read_all(write("esc.html", html))
    assert a.text == "The tag <script> was shown as text in the report."


def test_html_seeds_paragraphs_preserved(write, read_all, seeds: dict[str, str]) -> None:
    for stem, text in seeds.items():
        paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
        body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
        (a,), errors = read_all(write(f"{stem}.html", f"<html><body><article>{body}</article></body></html>"))
        assert errors == []
        assert a.id == stem
        assert a.text.split("\n") == paragraphs


def test_html_reader_direct_on_junk() -> None:
    for data in (b"", b"<html>", b"\x00\x00\x00", "<p>\u200b\u0000</p>".encode(), b"<?xml version='1.0'?>"):
        (item,) = read_html(Path("j.html"), data)
        assert isinstance(item, InputError), data
    (item,) = read_html(Path("j.html"), b"<")
    assert isinstance(item, (InputError, RawArticle))
