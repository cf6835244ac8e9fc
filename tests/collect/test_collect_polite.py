"""Politeness and traps on the local site: robots.txt, 404, a slow host, a redirect loop; sitemaps, URL lists,
outlet lists and conditional requests. Hashing encoder: grouping quality is not under test here."""
from __future__ import annotations

import time

from narratrace import Narratrace
from narratrace.ingest.collect import Collector, CollectState, Fetcher, FetchError, Source, read_outlets, state_path


def _collect(nt, sources, politeness):
    state = CollectState(state_path(nt.db_path))
    batch = Collector(state, Fetcher(politeness)).poll(sources)
    report = nt.add(batch.records)
    batch.commit()
    return state, batch, report


def test_collect_sitemap_robots_404_slow_and_loop(new_db, tmp_path, site, polite, hashing_settings):
    with Narratrace(db=new_db("s"), settings=hashing_settings) as nt:
        state, batch, report = _collect(nt, [Source(site.base + "/sitemap.xml")], polite())
        assert report.ingested and len(batch.records) == 1  # only the real article
        art = nt.article(batch.records[0].id)
        assert art.outlet == "Example News" and art.published == "2022-01-27T09:00:00Z"  # news sitemap metadata
        assert "/private/secret.html" not in site.paths()  # robots.txt forbids it: never asked for
        assert any(u.endswith("/private/secret.html") for u in batch.blocked)
        reasons = dict(batch.failed)
        assert reasons[site.base + "/missing.html"] == "HTTP 404"
        assert "timed out" in reasons[site.base + "/slow.html"]
        assert "redirect loop" in reasons[site.base + "/loop/a.html"]
        assert site.paths().count("/slow.html") == 2  # one retry after the timeout
        assert site.paths().count("/robots.txt") == 1
        assert state.status([site.base + "/missing.html"])[site.base + "/missing.html"][0] == "gone"

        # the second poll asks for nothing that was collected, forbidden or gone; the slow page is tried again
        before = list(site.paths())
        _, again, report2 = _collect(nt, [Source(site.base + "/sitemap.xml")], polite())
        new = site.paths()[len(before):]
        assert not again.records and not report2.ingested and again.not_modified == 1
        assert "/slow.html" in new and not {"/missing.html", "/private/secret.html", "/loop/a.html"} & set(new)
        assert not any(p.startswith("/articles/") for p in new)


def test_collect_url_list_and_outlet_lists(new_db, tmp_path, site, polite, hashing_settings):
    (tmp_path / "outlets.yaml").write_text(
        f"outlets:\n  - name: Example News\n    lang: id\n    urls: {site.base}/urls.txt\n"
        f"  - {site.base}/feed.xml\n", "utf-8")
    (tmp_path / "outlets.opml").write_text(
        f'<?xml version="1.0"?><opml version="2.0"><body><outline text="News">'
        f'<outline type="rss" text="Example feed" xmlUrl="{site.base}/feed.xml"/></outline></body></opml>', "utf-8")
    yaml_sources = read_outlets(tmp_path / "outlets.yaml")
    assert [(s.kind, s.outlet) for s in yaml_sources] == [("urls", "Example News"), ("auto", None)]
    assert [(s.kind, s.outlet, s.url) for s in read_outlets(tmp_path / "outlets.opml")] == \
        [("feed", "Example feed", site.base + "/feed.xml")]
    with Narratrace(db=new_db("u"), settings=hashing_settings) as nt:
        _, batch, report = _collect(nt, yaml_sources[:1], polite())
        assert len(report.ingested) == 1 and nt.article(report.ingested[0]).outlet == "Example News"
        # the feed lists the same page again: it is not fetched a second time
        asked = site.paths("/articles/").count("/articles/004_a999723ac9a858df.html")
        _, batch2, report2 = _collect(nt, yaml_sources[1:], polite())
        assert len(report2.ingested) == 4 and batch2.already == 1
        assert site.paths("/articles/").count("/articles/004_a999723ac9a858df.html") == asked


def test_collect_feed_dates_become_published(new_db, tmp_path, site, polite, hashing_settings):
    site.dates = True
    with Narratrace(db=new_db("d"), settings=hashing_settings) as nt:
        _, batch, report = _collect(nt, [Source(site.base + "/feed.xml")], polite())
        dates = sorted(nt.article(a).published for a in report.ingested)
        assert dates[0] == "2017-11-14T12:00:00Z" and dates[-1] == "2022-01-27T11:00:00Z"


def test_fetcher_per_host_delay_and_conditional_get(site, polite):
    f = Fetcher(polite(delay=0.3))
    start = time.monotonic()
    first = f.get(site.base + "/feed.xml")
    again = f.get(site.base + "/feed.xml", etag=first.etag)
    assert first.status == 200 and again.not_modified
    assert time.monotonic() - start >= 0.6  # robots.txt, then two feed requests, 0.3 s apart
    sent = [h for m, p, h in site.requests if p == "/feed.xml"]
    assert sent[-1].get("If-None-Match") == first.etag and "narratrace" in sent[-1].get("User-Agent")


def test_fetcher_robots_blocks_redirect_into_forbidden_path(site, polite):
    f = Fetcher(polite())
    try:
        f.get(site.base + "/private/secret.html")
    except FetchError as exc:
        assert exc.reason == "forbidden by robots.txt" and not exc.retryable
    else:
        raise AssertionError("fetched a forbidden path")
    assert "/private/secret.html" not in site.paths()


def test_fetcher_unreachable_host_is_retryable(polite):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    f = Fetcher(polite(robots=False))
    try:
        f.get(f"http://127.0.0.1:{port}/feed.xml")
    except FetchError as exc:
        assert exc.retryable and "connection failed" in exc.reason
    else:
        raise AssertionError("expected a connection error")
