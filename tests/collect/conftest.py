"""A local news site on 127.0.0.1 for the collect tests: feed, sitemap, pages, robots.txt, traps, webhook.

The five seed articles are published as HTML pages with site chrome and an injected "Read also"
block; the server records every request so that tests can say what was (never) fetched.
"""
from __future__ import annotations

import contextlib
import hashlib
import html
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "narratrace" / "data" / "samples"
SEED_IDS = ["000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36",
            "003_a1910eebe7f376b6", "004_a999723ac9a858df"]
LANGS = {"000": "id", "001": "fa", "002": "ar", "003": "id", "004": "id"}
DATES = {"000": "Thu, 27 Jan 2022 10:00:00 GMT", "001": "Thu, 27 Jan 2022 09:00:00 GMT",
         "002": "Thu, 27 Jan 2022 11:00:00 GMT", "003": "Mon, 15 Feb 2021 08:00:00 GMT",
         "004": "Tue, 14 Nov 2017 12:00:00 GMT"}
LAST_MODIFIED = "Fri, 28 Jan 2022 00:00:00 GMT"


def page_html(text: str, title: str, lang: str, canonical: str) -> str:
    """An article page as news sites make them: nav, the article, a "Read also" block, a footer."""
    paras = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<link rel="canonical" href="{canonical}">
<script>window.tracker = "do not extract me";</script></head>
<body><header><nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav></header>
<main><article>
{paras}
</article>
<aside class="read-also"><h3>Read also</h3><ul>
<li><a href="/other/1.html">Football: the league table after the weekend's matches</a></li>
<li><a href="/other/2.html">Markets close higher as oil prices fall again</a></li>
</ul></aside></main>
<footer><p>© 2022 Example News Network. All rights reserved. Contact us | Privacy policy</p></footer>
</body></html>"""


class Site:
    """Routes and the request log of the local server. Tests may add pages to ``extra``."""

    def __init__(self) -> None:
        self.base = ""
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.hooks: list[dict] = []
        self.hook_fail = 0  # the webhook answers 500 this many times first
        self.extra: list[tuple[str, str, str, str]] = []  # (slug, text, lang, rfc-822 date)
        self.lock = threading.Lock()
        #: the feed gives each item a <pubDate> (off: the pages carry no more metadata than the seed files)
        self.dates = False

    def paths(self, prefix: str = "/") -> list[str]:
        return [p for m, p, _ in self.requests if p.startswith(prefix)]

    def articles(self) -> list[tuple[str, str, str, str]]:
        out = [(sid, (SAMPLES / f"{sid}.txt").read_text("utf-8"), LANGS[sid[:3]], DATES[sid[:3]]) for sid in SEED_IDS]
        return out + list(self.extra)

    def feed(self) -> str:
        items = "".join(
            f"<item><title>Article {slug[:3]}</title><link>{self.base}/articles/{slug}.html</link>"
            f"<guid>{self.base}/articles/{slug}.html</guid>"
            + (f"<pubDate>{date}</pubDate>" if self.dates else "") + "</item>\n"
            for slug, _text, _lang, date in self.articles())
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Example News</title>'
                f"<link>{self.base}/</link><description>test feed</description>\n{items}</channel></rss>")

    def sitemap(self) -> str:
        urls = ["/articles/000_b87142e14614ef64.html", "/private/secret.html", "/missing.html", "/slow.html",
                "/loop/a.html"]
        body = "".join(
            f"<url><loc>{self.base}{u}</loc><news:news><news:publication><news:name>Example News</news:name>"
            f"<news:language>id</news:language></news:publication>"
            f"<news:publication_date>2022-01-27T09:00:00Z</news:publication_date>"
            f"<news:title>Item {u}</news:title></news:news></url>\n" for u in urls)
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{body}</urlset>')


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        def _cached(self, body: bytes, ctype: str) -> None:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, headers={"ETag": etag})
            else:
                self._send(200, body, ctype, {"ETag": etag, "Last-Modified": LAST_MODIFIED})

        def do_POST(self) -> None:
            with site.lock:
                site.requests.append(("POST", self.path, dict(self.headers)))
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/hook":
                self._send(404)
                return
            if site.hook_fail > 0:
                site.hook_fail -= 1
                self._send(500, b"busy")
                return
            site.hooks.append(json.loads(data))
            self._send(204)

        def do_GET(self) -> None:
            with site.lock:
                site.requests.append(("GET", self.path, dict(self.headers)))
            path = self.path.split("?", 1)[0]
            if path == "/robots.txt":
                self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
            elif path == "/feed.xml":
                self._cached(site.feed().encode("utf-8"), "application/rss+xml")
            elif path == "/sitemap.xml":
                self._cached(site.sitemap().encode("utf-8"), "application/xml")
            elif path == "/urls.txt":
                body = "# a plain URL list\n/articles/004_a999723ac9a858df.html\n/missing.html\n"
                self._send(200, body.encode(), "text/plain")
            elif path.startswith("/articles/") and path.endswith(".html"):
                slug = path[len("/articles/"):-5]
                found = [a for a in site.articles() if a[0] == slug]
                if not found:
                    self._send(404, b"<html><body>not found</body></html>")
                    return
                _, text, lang, _date = found[0]
                body = page_html(text, f"Article {slug[:3]} | Example News", lang,
                                 f"{site.base}/articles/{slug}.html")
                self._cached(body.encode("utf-8"), "text/html; charset=utf-8")
            elif path == "/private/secret.html":
                self._send(200, page_html("Secret text that must never be collected.", "secret", "en",
                                          f"{site.base}{path}").encode())
            elif path == "/slow.html":
                time.sleep(1.5)
                with contextlib.suppress(OSError):  # the client may have given up waiting
                    self._send(200, page_html("Slow page text.", "slow", "en", f"{site.base}{path}").encode())
            elif path.startswith("/loop/"):
                nxt = "/loop/b.html" if path == "/loop/a.html" else "/loop/a.html"
                self._send(302, headers={"Location": nxt})
            else:
                self._send(404, b"<html><body>not found</body></html>")

    return Handler


@pytest.fixture()
def site():
    """A fresh local site per test (its own free port)."""
    yield from _serve()


@pytest.fixture(scope="module")
def module_site():
    yield from _serve()


def _serve():
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def quick_politeness(**kw):
    """Fast but still polite settings for the local server (no delay, short timeouts, one retry). The
    server is on 127.0.0.1, a loopback address collect refuses unless allowed: allowed here by host."""
    from narratrace.ingest.collect import Politeness

    values = {"delay": 0.0, "timeout": 0.5, "retries": 1, "backoff": 0.05, "workers": 4,
              "allowed_hosts": ["127.0.0.1"]}
    values.update(kw)
    return Politeness(**values)


@pytest.fixture(scope="session")
def polite():
    return quick_politeness


@pytest.fixture()
def hashing_settings():
    from narratrace.settings import Settings

    return Settings.load(encoder={"backend": "hashing"})
