"""Issue 16, hostile servers (H3 SSRF, M3 truncated bodies, M6 slow drip, L10 gzip, H1 in watch) through
the real ``narratrace collect`` / ``watch`` commands, on loopback only.

The feed server is on 127.0.0.1 and allowed by its exact host:port (``--allow-host 127.0.0.1:PORT``), the
way a user allows one intranet feed: everything it points to elsewhere (another port on 127.0.0.1,
``localhost``, ``[::1]``, 10.0.0.1, 169.254.169.254, ``file:``, ``ftp:``, ``data:``) must be refused
and named, and nothing internal may be asked for or stored.
"""
from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from narratrace import Narratrace
from narratrace.ingest.collect import Fetcher, FetchError, Politeness
from narratrace.settings import Settings

from .conftest import SAMPLES

ARTICLE = (SAMPLES / "004_a999723ac9a858df.txt").read_text("utf-8")
PAGE = ("<html lang='id'><head><title>Good article</title></head><body><article>"
        + "".join(f"<p>{line}</p>" for line in ARTICLE.splitlines() if line.strip()) + "</article></body></html>")
SECRET = "<html><body><article><p>INTERNAL-ONLY SECRET: the database password is hunter2, do not share it with " \
         "anyone outside the operations team.</p></article></body></html>"

Route = Callable[[BaseHTTPRequestHandler], None]


class Server:
    """A loopback HTTP server with routes given by the test; it records every path asked for."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = routes or {}
        self.asked: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.asked.append(self.path)
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    send(self, 404, b"not found")
                else:
                    route(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(h: BaseHTTPRequestHandler, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
         headers: dict[str, str] | None = None, length: int | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body) if length is None else length))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    try:
        h.wfile.write(body)
        h.wfile.flush()
    except OSError:
        pass


def feed(links: list[str], dates: list[str] | None = None) -> bytes:
    items = "".join(f"<item><title>Item {k}</title><link>{u}</link>"
                    + (f"<pubDate>{dates[k]}</pubDate>" if dates else "") + "</item>" for k, u in enumerate(links))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><link>http://x/</link>'
            f"<description>d</description>{items}</channel></rss>").encode()


@pytest.fixture()
def servers() -> Iterator[Callable[..., Server]]:
    made: list[Server] = []

    def make(routes: dict[str, Route] | None = None) -> Server:
        made.append(Server(routes))
        return made[-1]

    yield make
    for s in made:
        s.close()


@pytest.fixture()
def tcp_listener() -> Iterator[tuple[int, list[bytes]]]:
    """An "FTP server": records every connection and what the client says."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.2)
    got: list[bytes] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            conn.sendall(b"220 ready\r\n")
            conn.settimeout(1)
            try:
                got.append(conn.recv(100) or b"(connected)")
            except OSError:
                got.append(b"(connected)")
            conn.close()

    threading.Thread(target=run, daemon=True).start()
    yield sock.getsockname()[1], got
    stop.set()
    sock.close()


def _collect(tmp_path: Path, url: str, *args: str) -> dict[str, Any]:
    from typer.testing import CliRunner

    from narratrace.present.cli.app import app

    config = tmp_path / "hashing.toml"
    config.write_text('[encoder]\nbackend = "hashing"\n', "utf-8")
    res = CliRunner().invoke(app, ["collect", url, "--db", str(tmp_path / "c.db"), "--config", str(config),
                                   "--delay", "0", "--retries", "1", "--json", *args],
                             env={"NARRATRACE_DB": "", "NARRATRACE_CONFIG": ""})
    assert res.exit_code == 0, res.output
    return {**json.loads(res.stdout), "stderr": res.stderr}


def _texts(tmp_path: Path) -> list[str]:
    with Narratrace(db=str(tmp_path / "c.db"), settings=Settings.load(encoder={"backend": "hashing"})) as nt:
        return [a.text for a in nt.articles()]


def test_attack_ssrf_feed_links_and_redirects_to_internal_addresses_are_refused(tmp_path, servers, tcp_listener):
    """H3: only the good article is fetched; every internal link and redirect is refused, each one named."""
    ftp_port, ftp_log = tcp_listener
    internal = servers({"/secret": lambda h: send(h, 200, SECRET.encode())})
    hostile = servers()
    inside = f"http://127.0.0.1:{internal.port}/secret"
    links = {
        "good": f"{hostile.base}/good.html",
        "other port": inside,
        "localhost": f"http://localhost:{internal.port}/secret",
        "ipv6 loopback": f"http://[::1]:{internal.port}/secret",
        "unspecified": f"http://0.0.0.0:{internal.port}/secret",
        "redirect to loopback": f"{hostile.base}/redir-internal",
        "redirect to private": f"{hostile.base}/redir-private",
        "redirect to link-local": f"{hostile.base}/redir-metadata",
        "private": "http://10.0.0.1/admin",
        "decimal loopback": f"http://2130706433:{internal.port}/secret",
        "file": "file:///etc/passwd",
        "ftp": f"ftp://127.0.0.1:{ftp_port}/pub",
        "data": "data:text/html,<p>hi</p>",
    }
    hostile.routes.update({
        "/ssrf-feed.xml": lambda h: send(h, 200, feed(list(links.values())), "application/rss+xml"),
        "/good.html": lambda h: send(h, 200, PAGE.encode()),
        "/redir-internal": lambda h: send(h, 302, headers={"Location": inside}),
        "/redir-private": lambda h: send(h, 302, headers={"Location": "http://192.168.1.1/router"}),
        "/redir-metadata": lambda h: send(h, 302, headers={"Location": "http://169.254.169.254/latest/meta-data"}),
    })
    out = _collect(tmp_path, f"{hostile.base}/ssrf-feed.xml", "--allow-host", f"127.0.0.1:{hostile.port}")
    assert out["ingest_ingested"] == 1 and out["articles"] == 1
    assert internal.asked == [] and ftp_log == []  # nothing internal was even asked
    assert not any("SECRET" in t for t in _texts(tmp_path))
    refusals = [e for e in out["errors"] if "refused:" in e]
    assert len(refusals) == len(links) - 1, out["errors"]
    for name, url in links.items():
        if name in ("file", "data"):  # the feed parser tidies these URLs: named by their scheme
            assert any(e.startswith(f"{name}:") for e in refusals), (name, refusals)
        elif name != "good":
            assert any(e.startswith(url) or (name.startswith("redirect") and "refused" in e) for e in refusals), \
                (name, refusals)
    assert any("a loopback address" in e and "--allow-host" in e for e in refusals)
    assert any("192.168.1.1 is a private address" in e for e in refusals)
    assert any("169.254.169.254 is a link-local address" in e for e in refusals)
    assert any("the file scheme is not fetched" in e for e in refusals)
    assert any("the ftp scheme is not fetched" in e for e in refusals)


def test_attack_ssrf_allow_private_fetches_internal_addresses_when_asked(tmp_path, servers):
    """The refusal is a default, not a wall: --allow-private (or [collect] allow_private) lifts it."""
    internal = servers({"/secret": lambda h: send(h, 200, SECRET.encode())})
    listing = servers()
    listing.routes["/feed.xml"] = lambda h: send(h, 200, feed([f"{internal.base}/secret"]), "application/rss+xml")
    refused = _collect(tmp_path, f"{listing.base}/feed.xml")  # neither allowed: the feed itself is refused
    assert refused["ingest_ingested"] == 0 and listing.asked == [] and internal.asked == []
    assert any("refused: 127.0.0.1 is a loopback address" in e for e in refused["errors"])
    config = tmp_path / "allow.toml"
    config.write_text('[encoder]\nbackend = "hashing"\n[collect]\nallow_private = true\n', "utf-8")
    from typer.testing import CliRunner

    from narratrace.present.cli.app import app

    res = CliRunner().invoke(app, ["collect", f"{listing.base}/feed.xml", "--db", str(tmp_path / "c.db"),
                                   "--config", str(config), "--delay", "0", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["ingest_ingested"] == 1, res.output
    assert internal.asked == ["/robots.txt", "/secret"]


def test_attack_truncated_body_is_retried_never_stored_as_complete(tmp_path, servers):
    """M3: the server closes the connection halfway through its Content-Length: the page is retried and
    left for the next poll (state "failed"), never stored cut off; once whole, it is stored."""
    srv = servers()
    whole = PAGE.replace("</article>", "<p>THE END of the article.</p></article>").encode()
    state = {"cut": True}

    def page(h: BaseHTTPRequestHandler) -> None:
        if state["cut"]:
            send(h, 200, whole[: len(whole) // 2], length=len(whole))
            h.close_connection = True
        else:
            send(h, 200, whole)

    srv.routes.update({"/feed.xml": lambda h: send(h, 200, feed([f"{srv.base}/page.html"]), "application/rss+xml"),
                       "/page.html": page})
    out = _collect(tmp_path, f"{srv.base}/feed.xml", "--allow-host", "127.0.0.1")
    assert out["ingest_ingested"] == 0 and srv.asked.count("/page.html") == 2  # the first try and one retry
    assert any("truncated: got" in e for e in out["errors"])
    assert _texts(tmp_path) == []
    state["cut"] = False
    again = _collect(tmp_path, f"{srv.base}/feed.xml", "--allow-host", "127.0.0.1")
    assert again["ingest_ingested"] == 1
    assert "THE END" in _texts(tmp_path)[0]


def test_attack_slow_drip_server_is_cut_off_by_the_total_deadline(tmp_path, servers):
    """M6: a server dripping a byte a second (headers or body) costs --timeout per attempt, not forever."""
    srv = servers()

    def drip(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(40):
            try:
                h.wfile.write(b"<")
                h.wfile.flush()
            except OSError:
                return
            time.sleep(1)

    def drip_headers(h: BaseHTTPRequestHandler) -> None:
        try:
            for ch in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 40:
                h.wfile.write(bytes([ch]))
                h.wfile.flush()
                time.sleep(0.5)
        except OSError:
            return

    srv.routes.update({"/feed.xml": lambda h: send(h, 200, feed([f"{srv.base}/slow.html", f"{srv.base}/hdr.html"]),
                                                   "application/rss+xml"),
                       "/slow.html": drip, "/hdr.html": drip_headers})
    started = time.monotonic()
    out = _collect(tmp_path, f"{srv.base}/feed.xml", "--allow-host", "127.0.0.1", "--timeout", "2",
                   "--retries", "0")
    took = time.monotonic() - started
    assert took < 12, took  # two pages x 2 s, plus the feed and robots.txt; it was 40+ s per page
    assert sum("timed out after 2 s" in e for e in out["errors"]) == 2, out["errors"]


def test_attack_gzip_encoded_feed_is_decoded_and_a_gzip_bomb_refused(tmp_path, servers):
    """L10: a server that ignores Accept-Encoding: identity; its gzip feed is read, its 60 MB bomb is not."""
    srv = servers()
    bomb = gzip.compress(b"<" * (60 * 1024 * 1024), compresslevel=9)
    srv.routes.update({
        "/feed.xml": lambda h: send(h, 200, gzip.compress(feed([f"{srv.base}/good.html", f"{srv.base}/bomb.html"])),
                                    "application/rss+xml", headers={"Content-Encoding": "gzip"}),
        "/good.html": lambda h: send(h, 200, gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"}),
        "/bomb.html": lambda h: send(h, 200, bomb, headers={"Content-Encoding": "gzip"}),
    })
    out = _collect(tmp_path, f"{srv.base}/feed.xml", "--allow-host", "127.0.0.1")
    assert out["discovered"] == 2 and out["ingest_ingested"] == 1, out
    assert any("bomb.html" in e and "once decompressed" in e for e in out["errors"])


def test_attack_watch_goes_on_when_a_sitemap_has_an_impossible_date(tmp_path, servers):
    """H1 in watch: a news sitemap with 2021-02-30 next to an unrelated feed: both are stored, every poll."""
    import yaml

    from narratrace.monitor import Watcher, load_config

    srv = servers()
    sitemap = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
               'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>'
               f"<loc>{srv.base}/a.html</loc><news:news><news:publication><news:name>N</news:name>"
               "</news:publication><news:publication_date>2021-02-30</news:publication_date>"
               "<news:title>T</news:title></news:news></url></urlset>")
    other = PAGE.replace("<title>Good article</title>", "<title>Other</title>").replace(
        ARTICLE.splitlines()[0], "Flood waters rose in the river delta on Monday.")
    srv.routes.update({"/sitemap.xml": lambda h: send(h, 200, sitemap.encode(), "application/xml"),
                       "/feed.xml": lambda h: send(h, 200, feed([f"{srv.base}/b.html"], ["Thu, 30 Feb 2021 10:00:00 "
                                                                                         "GMT"]),
                                                   "application/rss+xml"),
                       "/a.html": lambda h: send(h, 200, PAGE.encode()),
                       "/b.html": lambda h: send(h, 200, other.encode())})
    path = tmp_path / "watch.yaml"
    path.write_text(yaml.safe_dump({"interval": 0, "sitemaps": [f"{srv.base}/sitemap.xml"],
                                    "feeds": [f"{srv.base}/feed.xml"], "breaking": False,
                                    "politeness": {"delay": 0, "timeout": 2, "retries": 0,
                                                   "allowed_hosts": [f"127.0.0.1:{srv.port}"]},
                                    "alerts": {"console": False}}), "utf-8")
    with Narratrace(db=str(tmp_path / "w.db"), settings=Settings.load(encoder={"backend": "hashing"})) as nt:
        watcher = Watcher(nt, load_config(path), alerts=False)
        (first,) = watcher.run(max_polls=1)
        watcher.close()
        assert first.ingest["ingested"] == 2 and not first.errors, first
        by_url = {a.url: a for a in nt.articles()}
        dropped = by_url[f"{srv.base}/a.html"]
        assert dropped.meta["input_warnings"][0] == {"field": "published", "action": "dropped",
                                                     "value": "2021-02-30", "reason": "February 2021 has no day 30 "
                                                                                     "(it has 28)"}
        assert dropped.provenance["published"] == "text"  # the date the text gives took its place


def test_fetcher_refuses_before_connecting_and_names_the_address():
    """The policy is checked on the resolved address itself, before robots.txt or any connection."""
    f = Fetcher(Politeness(timeout=2, retries=0, robots=True))
    with pytest.raises(FetchError) as err:
        f.get("http://127.0.0.1:9/x")
    assert err.value.refused and "127.0.0.1 is a loopback address" in err.value.reason
    with pytest.raises(FetchError, match="the gopher scheme is not fetched"):
        f.get("gopher://example.org/")
