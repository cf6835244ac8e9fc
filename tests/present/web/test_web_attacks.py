"""Issue 16, the web app (M1, M4, M7, L5, L6, L11 and the CR/LF observation), over real HTTP.

Ids that hold "/", "?", "#" or look like paths open their own pages; a server started before an ingest
searches what the ingest stored; the access token never reaches the server log, its redirect never leaves
the site nor carries a header; a blank token opens nothing; long searches cannot starve other requests.
"""
from __future__ import annotations

import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from starlette.testclient import TestClient

from narratrace import Narratrace
from narratrace.model import RawArticle
from narratrace.present.web.app import create_app
from narratrace.present.web.security import TokenGate
from narratrace.present.web.testing import ServerThread, free_port
from narratrace.settings import Settings

HASHING = Settings.load(encoder={"backend": "hashing"})
ODD_IDS = ["https://news.example/2021/05/story-1", "a/b", "../../../etc/passwd", "[red]markup[/red]",
           "<script>alert(1)</script>", "%2e%2e%2f", "q?x=1#frag", "x/links/more"]
TEXT = ("Officials said on Monday that the bridge over the river was closed after engineers found cracks in "
        "two of its pillars; traffic goes over the old road for three weeks. Report {k}.")


@pytest.fixture()
def odd_project(tmp_path):
    with Narratrace(db=str(tmp_path / "odd.db"), settings=HASHING) as nt:
        report = nt.add([RawArticle(text=TEXT.format(k=k), id=i, origin=f"odd.jsonl:{k}")
                         for k, i in enumerate(ODD_IDS, 1)])
        assert report.ok and len(report.ingested) == len(ODD_IDS), report.summary()
        yield nt


def test_attack_ids_with_slashes_and_markup_open_their_pages(odd_project):
    """M4: the API and the pages answered 404 for every id with "/" (and 307 to "/" for %2e%2e%2f). Over a
    real uvicorn server: Starlette's TestClient decodes a path twice, a server once."""
    with ServerThread(create_app(project=odd_project)) as srv, httpx.Client(base_url=srv.url, timeout=10) as c:
        for aid in ODD_IDS:
            enc = quote(aid, safe="")
            api = c.get(f"/api/articles/{enc}")
            assert api.status_code == 200 and api.json()["id"] == aid, (aid, api.status_code)
            assert c.get(f"/api/articles/{enc}/links").status_code == 200, aid
            page = c.get(f"/articles/{enc}", follow_redirects=False)
            assert page.status_code == 200, (aid, page.status_code)
        # every article link the pages write opens the page of that very article
        story = odd_project.article(ODD_IDS[0]).story_id
        html = c.get(f"/stories/{quote(story, safe='')}").text
        hrefs = set(re.findall(r'href="(/articles/[^"]+)"', html))
        pairs = set(re.findall(r'href="(/pair[^"]+)"', html))
        assert hrefs and pairs
        for href in hrefs:
            assert c.get(href.replace("&amp;", "&")).status_code == 200, href
        for href in pairs:
            assert c.get(href.replace("&amp;", "&")).status_code == 200, href


def test_attack_server_search_sees_what_another_process_ingested(tmp_path):
    """M1: the server's ANN index was loaded once; an ingest by another process was never searched."""
    config = tmp_path / "h.toml"
    config.write_text('[encoder]\nbackend = "hashing"\n', "utf-8")
    db = tmp_path / "s.db"
    with Narratrace(db=str(db), settings=HASHING) as nt:
        nt.add([RawArticle(text="Storm hits the eastern coast, cutting power to thousands.", id="old")])
    with Narratrace(db=str(db), settings=HASHING) as served, \
            TestClient(create_app(project=served), base_url="http://127.0.0.1") as c:
        assert [h["article_id"] for h in c.get("/api/search", params={"q": "storm coast"}).json()["hits"]][:1] == \
            ["old"]
        new = tmp_path / "new.jsonl"
        new.write_text('{"id": "new", "text": "Volcano erupts near the island village; ash closes the airport."}\n',
                       "utf-8")
        res = subprocess.run([sys.executable, "-m", "narratrace.present.cli.app", "ingest", str(new), "--db", str(db),
                              "--config", str(config)], capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        hits = c.get("/api/search", params={"q": "Volcano erupts near the island village", "limit": 1}).json()
        assert hits["hits"][0]["article_id"] == "new"


def _serve(db: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "narratrace.present.cli.app", "serve", "--db", str(db), "--port",
                             str(port), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{base}/api/health", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(proc.stdout.read() if proc.stdout else "no server")


def _raw(base: str, target: bytes) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def test_attack_token_stays_out_of_the_log_and_its_redirect_stays_on_site(tmp_path):
    """M7, L5 and CR/LF: the access log printed ``?token=<TOKEN>``; ``//evil.com/?token=T`` redirected to
    //evil.com/; a CR/LF in the path left an h11 traceback in the log and dropped the connection."""
    import os

    db = tmp_path / "t.db"
    with Narratrace(db=str(db), settings=HASHING) as nt:
        nt.add([RawArticle(text="Storm hits the eastern coast, cutting power to thousands.", id="a")])
    token = "Tok3n-that-must-not-leak-0123456789"
    env = {k: v for k, v in os.environ.items() if k != "NARRATRACE_TOKEN"}
    proc, base = _serve(db, "--token", token, env=env)
    try:
        locations = {}
        for target in [b"/stories?x=1&token=" + token.encode(), b"//evil.com/?token=" + token.encode(),
                       b"/%5Cevil.com?token=" + token.encode(), b"/\\evil.com?token=" + token.encode(),
                       b"/a%0D%0ASet-Cookie:%20pwned=1?token=" + token.encode()]:
            data = _raw(base, target)
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            assert head.startswith("HTTP/1.1 303"), (target, head)
            lines = head.split("\r\n")
            (location,) = [ln.split(": ", 1)[1] for ln in lines if ln.lower().startswith("location:")]
            assert location.startswith("/") and not location.startswith(("//", "/\\")), (target, location)
            assert not any(ln.lower().startswith("set-cookie: pwned") for ln in lines), head
            locations[target] = location
        assert locations[b"/stories?x=1&token=" + token.encode()] == "/stories?x=1"
        assert locations[b"//evil.com/?token=" + token.encode()] == "/evil.com/"
    finally:
        proc.terminate()
        log = proc.communicate(timeout=15)[0]
    assert "GET /stories?x=1&token=***" in log, log
    assert log.count(token) == 1  # only where serve tells the user the address to open
    assert "Traceback" not in log and "LocalProtocolError" not in log, log


def test_attack_blank_token_is_refused_and_never_opens_the_server(tmp_path, monkeypatch):
    """L11: NARRATRACE_TOKEN=" " with --host 0.0.0.0 was accepted, and ``?token=%20`` unlocked everything."""
    import uvicorn
    from typer.testing import CliRunner

    from narratrace.present.cli.app import app as cli

    with pytest.raises(ValueError):
        TokenGate(lambda *a: None, "   ")  # type: ignore[arg-type, return-value]
    db = tmp_path / "b.db"
    with Narratrace(db=str(db), settings=HASHING) as nt:
        nt.add([RawArticle(text="Storm hits the eastern coast.", id="a")])
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(app))
    res = CliRunner().invoke(cli, ["serve", "--db", str(db), "--host", "0.0.0.0"], env={"NARRATRACE_TOKEN": " "})
    assert res.exit_code == 0, res.output
    assert "blank: ignored" in res.output and "?token=" in res.output  # a random token instead
    c = TestClient(calls[0], base_url="http://192.0.2.10")
    assert c.get("/api/health?token=%20", follow_redirects=False).status_code == 401
    assert c.get("/api/health", headers={"Authorization": "Bearer  "}).status_code == 401


class SlowEncoder:
    """Stands in for the real encoder: a query costs 40 ms per 100 characters (a 2,000-character one 0.8 s)."""

    def __init__(self, real):
        self.real = real

    def encode_queries(self, texts):
        time.sleep(0.0004 * sum(len(t) for t in texts))
        return self.real.encode_queries(texts)


def test_attack_long_searches_do_not_starve_other_requests(tmp_path):
    """L6: three clients sending 2,000-character searches cut another client's requests from ~300/s to 2.6/s
    (everything queued behind the encoder under one lock). Encoding now runs outside the lock, one at a time:
    the other client's requests keep their latency, the long searches all succeed, and a query over
    [web] max_query_chars is refused with 422."""
    with Narratrace(db=str(tmp_path / "l.db"), settings=HASHING) as nt:
        nt.add([RawArticle(text=TEXT.format(k=k), id=f"a{k}") for k in range(5)])
        nt._encoder = SlowEncoder(nt.encoder)
        app = create_app(project=nt)
        stop = threading.Event()
        long_status: list[int] = []

        def long_searches() -> None:
            with TestClient(app, base_url="http://127.0.0.1") as c:
                while not stop.is_set():
                    long_status.append(c.get("/api/search", params={"q": ("bridge cracks " * 200)[:2000]}).status_code)

        workers = [threading.Thread(target=long_searches) for _ in range(3)]
        for w in workers:
            w.start()
        time.sleep(0.3)
        latencies = []
        with TestClient(app, base_url="http://127.0.0.1") as c:
            for _ in range(40):
                t0 = time.perf_counter()
                assert c.get("/api/stories").status_code == 200
                latencies.append(time.perf_counter() - t0)
            too_long = c.get("/api/search", params={"q": "x" * 2001})
        stop.set()
        for w in workers:
            w.join()
    assert too_long.status_code == 422 and "max_query_chars" in too_long.text
    assert long_status and set(long_status) == {200}
    p95 = statistics.quantiles(latencies, n=20)[-1]
    assert p95 < 0.3, f"p95 {p95 * 1000:.0f} ms while long searches ran"


def test_attack_search_queue_answers_503_with_retry_after_when_full(tmp_path):
    """A search that waits longer than [web] search_wait_seconds for its turn gets 503 + Retry-After, not a hang."""
    settings = Settings.load(encoder={"backend": "hashing"}, web={"search_wait_seconds": 0.05})
    with Narratrace(db=str(tmp_path / "q.db"), settings=settings) as nt:
        nt.add([RawArticle(text=TEXT.format(k=1), id="a1")])
        nt._encoder = SlowEncoder(nt.encoder)
        app = create_app(project=nt)
        results: list[httpx.Response] = []

        def one() -> None:
            with TestClient(app, base_url="http://127.0.0.1") as c:
                results.append(c.get("/api/search", params={"q": "bridge " * 250}))

        threads = [threading.Thread(target=one) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses[0] == 200 and 503 in statuses, statuses
    busy = next(r for r in results if r.status_code == 503)
    assert busy.headers["retry-after"] and busy.json()["error"] == "E503"


def test_attack_encode_queue_serves_the_shortest_query_first():
    """Waiting searches go cheapest first: a short one queued after long ones starts before them."""
    from narratrace.present.web.encode_queue import EncodeQueue, QueueTimeout

    queue = EncodeQueue(1)
    order: list[int] = []
    started = threading.Event()

    def holder() -> None:
        with queue.slot(cost=2000, timeout=5):
            started.set()
            while queue.waiting < 3:
                time.sleep(0.01)

    def waiter(cost: int) -> None:
        with queue.slot(cost=cost, timeout=5):
            order.append(cost)

    first = threading.Thread(target=holder)
    first.start()
    started.wait(5)
    waiters = []
    for cost in (2000, 1500, 20):
        waiters.append(threading.Thread(target=waiter, args=(cost,)))
        waiters[-1].start()
        time.sleep(0.05)
    for t in [first, *waiters]:
        t.join(10)
    assert order == [20, 1500, 2000]
    with queue.slot(cost=1, timeout=1), pytest.raises(QueueTimeout), queue.slot(cost=1, timeout=0.05):
        pass
