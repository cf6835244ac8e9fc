"""Limits and hygiene (issue 8, part 5): the [ingest] limits are honoured with clear messages, bad
settings fail early, and no route reads outside the database (every route with a path parameter,
found from the app itself, so a new route is covered when it is added)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from narratrace import Narratrace
from narratrace.errors import ConfigError
from narratrace.settings import Settings

from .conftest import news_text, run_cli, write_config, write_corpus


def _settings(**ingest) -> Settings:
    return Settings.load(None, encoder={"backend": "hashing"}, ingest=ingest)


def test_limit_max_file_bytes_names_file_size_and_setting(new_db, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_corpus(folder, 2)
    (folder / "big.txt").write_text(news_text(5) * 20, "utf-8")
    (folder / "lines.jsonl").write_text('{"id": "small", "text": "short text about a strike"}\n'
                                        f'{{"id": "large", "text": "{"x" * 3000}"}}\n', "utf-8")
    with Narratrace(db=new_db("l"), settings=_settings(max_file_bytes=2500)) as nt:
        report = nt.ingest([folder])
        msgs = [str(e) for e in report.errors]
        assert len(msgs) == 2, msgs
        assert re.search(r"big\.txt: file is 1[0-9]\.\d KiB \(\d+ bytes\), over the limit of 2\.4 KiB \(2500 bytes\)",
                         msgs[0]) and "[ingest] max_file_bytes" in msgs[0]
        assert "lines.jsonl:2: line is" in msgs[1] and "2500 bytes" in msgs[1]
        assert sorted(a.id for a in nt.articles()) == ["art000", "art001", "small"]


def test_limit_max_article_chars_cuts_what_is_analysed_and_stored(new_db, tmp_path: Path) -> None:
    text = news_text(1, paragraphs=40)
    with Narratrace(db=new_db("c"), settings=_settings(max_article_chars=1000)) as nt:
        from narratrace.model import RawArticle

        assert nt.add([RawArticle(text=text, id="long", origin="gen")]).ok
        art = nt.article("long")
        assert len(art.text) <= 1000 and text.startswith(art.text)
        assert art.meta["text_truncated_from"] == len(text)
        assert max(p.end for p in art.passages) <= 1000


def test_limit_batch_size_sets_the_transactions(new_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    write_corpus(folder, 10)
    sizes: list[int] = []
    from narratrace.pipeline import IngestPipeline

    original = IngestPipeline._store_batch

    def spy(self, batch, report):
        sizes.append(len(batch))
        in_tx = self.store.in_transaction
        original(self, batch, report)
        assert not in_tx and not self.store.in_transaction  # each batch commits on its own

    monkeypatch.setattr(IngestPipeline, "_store_batch", spy)
    with Narratrace(db=new_db("b"), settings=_settings(batch_size=3)) as nt:
        assert len(nt.ingest([folder]).ingested) == 10
    assert sizes == [3, 3, 3, 1]


@pytest.mark.parametrize("toml, message", [
    ('batch_size = "big"', "[ingest] batch_size = 'big' should be int"),
    ("batch_size = 0", "[ingest] batch_size = 0 must be at least 1"),
    ("max_file_bytes = -1", "[ingest] max_file_bytes = -1 must be at least 1"),
    ("max_article_chars = 1.5", "[ingest] max_article_chars = 1.5 should be int"),
    ("max_file_bytes = true", "should be int"),
    ("max_bytes = 10", "unknown key 'max_bytes' in [ingest]"),
])
def test_limit_bad_settings_fail_early_with_a_message(tmp_path: Path, toml: str, message: str) -> None:
    cfg = write_config(tmp_path, f"[ingest]\n{toml}\n")
    with pytest.raises(ConfigError) as info:
        Settings.load(cfg)
    assert message in str(info.value) and str(cfg) in str(info.value)


def test_limit_bad_settings_exit_code_from_the_command(new_db, tmp_path: Path) -> None:
    write_corpus(tmp_path / "in", 1)
    cfg = write_config(tmp_path, '[ingest]\nbatch_size = "64"\n')
    out = run_cli("ingest", str(tmp_path / "in"), "--db", new_db("x"), "--config", str(cfg))
    assert out.returncode == 3 and "batch_size = '64' should be int" in out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "x.db.faiss").exists()


# ------------------------------------------------------------------ routes

EVIL_IDS = ["../../../../etc/passwd", "..%2F..%2F..%2Fpyproject.toml", "%2e%2e%2f%2e%2e%2fnarratrace.db",
            "..\\..\\pyproject.toml", "....//....//etc/passwd", "%00", "a%00b", "%252e%252e%252fapp.py",
            "/etc/passwd", "C:%5CWindows%5Cwin.ini", "x" * 5000, "' OR 1=1 --", "%F0%9F%98%80", "%ff%fe"]


@pytest.fixture(scope="module")
def small_app(tmp_path_factory):
    from narratrace.present.web.app import create_app, fastapi_app

    tmp = tmp_path_factory.mktemp("routes")
    write_corpus(tmp / "in", 4)
    nt = Narratrace(db=tmp / "routes.db", settings=_settings())
    assert nt.ingest([tmp / "in"]).ok
    app = create_app(project=nt)
    yield app, fastapi_app(app), nt
    nt.close()


def test_routes_with_path_parameters_never_read_files(small_app) -> None:
    app, fast, nt = small_app
    from narratrace.present.web import api_routes, pages

    # the routers' own routes (the app wraps included routers, so their paths are read here)
    routes = [*fast.routes, *api_routes.router.routes, *pages.router.routes]
    templated = sorted({r.path for r in routes if "{" in (getattr(r, "path", None) or "")})
    # article ids may hold "/" (URL-shaped ids, issue 16 M4): their routes take the whole rest of the path
    assert {"/api/stories/{story_id}", "/api/articles/{article_id:path}", "/pair/{a_id}/{b_id}"} <= set(templated)
    secrets = [b"root:", b"[project]", b"import ", b"SQLite format", b"[fonts]"]
    client = TestClient(app, base_url="http://127.0.0.1")
    tried = 0
    for route in templated:
        if route.startswith("/static"):
            continue
        for evil in EVIL_IDS:
            path = re.sub(r"\{[^}]+\}", lambda _m, evil=evil: evil, route)
            r = client.get(path)
            tried += 1
            assert r.status_code in (400, 404, 405), (path, r.status_code, r.text[:200])
            assert not any(s in r.content for s in secrets), path
    for param in ("a", "b"):
        for evil in EVIL_IDS[:6]:
            r = client.get("/api/compare", params={"a": "art000", "b": "art001", param: evil})
            assert r.status_code in (400, 404), (evil, r.status_code)
    assert tried >= 8 * len(EVIL_IDS)  # 8 templated routes today (API and pages)


@pytest.mark.parametrize("path", ["/api/search?q=" + "x" * 2001, "/api/search?q=a&limit=-1",
                                  "/api/search?q=a&limit=10000",
                                  "/api/stories?limit=0", "/api/stories?offset=-5", "/api/stories?sort=evil",
                                  "/search?q=" + "y" * 2001, "/api/search", "/api/search?q=%00%ff"])
def test_routes_reject_bad_queries_without_a_server_error(small_app, path: str) -> None:
    app, _, _ = small_app
    r = TestClient(app, base_url="http://127.0.0.1").get(path)
    assert r.status_code in (200, 400, 404, 422), (path, r.status_code)
