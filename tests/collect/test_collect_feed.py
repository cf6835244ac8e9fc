"""The seed articles published as a feed of HTML pages are collected into the same stories and links as
the files (the feed gives no more metadata than the files: no dates); a second poll adds nothing.
The one collect test module with the real encoder; its tests share one database."""
from __future__ import annotations

import json

import pytest

from narratrace import Narratrace
from narratrace.ingest.collect import Source
from narratrace.monitor import WatchConfig, Watcher, Watchlist
from narratrace.monitor.config import Breaking, Outputs

SEED_IDS = ["000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36",
            "003_a1910eebe7f376b6", "004_a999723ac9a858df"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory, module_site, real_encoder, polite):
    """One poll of the feed into a real database, with a cross-lingual term watch and a Sputnik watch."""
    folder = tmp_path_factory.mktemp("feed")
    cfg = WatchConfig(sources=[Source(module_site.base + "/feed.xml")], politeness=polite(),
                      watchlists=[Watchlist("isis-transfer", terms=["American forces moved ISIS prisoners out of "
                                                                   "the Hasakah jail"], literal=False),
                                  Watchlist("sputnik", sources=["Sputnik"])],
                      breaking=Breaking(enabled=False),
                      outputs=Outputs({"jsonl": {"target": str(folder / "alerts.jsonl")}}))
    nt = Narratrace(db=folder / "feed.db", encoder=real_encoder)
    watcher = Watcher(nt, cfg)
    first = watcher.poll()
    yield nt, watcher, first, folder
    watcher.close()
    nt.close()


def _seed_of(nt, article_id):
    url = nt.article(article_id).url or ""
    return url.rsplit("/", 1)[-1].removesuffix(".html")


def test_collect_feed_gives_the_same_stories_and_links_as_files(collected, seeds_project):
    nt, _, first, _ = collected
    files, _ = seeds_project
    assert first.ingest["ingested"] == 5 and not first.errors, first
    seed = {a: _seed_of(nt, a) for a in (x.id for x in nt.articles())}
    assert sorted(seed.values()) == SEED_IDS
    got = sorted(sorted(seed[a] for a in s.article_ids) for s in nt.stories())
    want = sorted(sorted(s.article_ids) for s in files.stories())
    assert got == want

    def triples(project, name):
        out = set()
        for lk in project.links():
            tgt = lk.target["id"] if isinstance(lk.target, dict) else name(lk.target)
            out.add((name(lk.source), tgt, lk.kind, lk.direction, round(lk.score, 3)))
        return out

    assert triples(nt, seed.get) == triples(files, lambda x: x)


def test_collect_page_metadata_and_boilerplate(collected):
    nt, *_ = collected
    by_seed = {_seed_of(nt, a.id): nt.article(a.id) for a in nt.articles()}
    art = by_seed["000_b87142e14614ef64"]
    assert art.url.endswith("/articles/000_b87142e14614ef64.html") and art.id.startswith("web-")
    assert art.lang == "id" and art.outlet == "Purna Warta"  # read from the dateline: the host is no outlet
    assert "Read also" not in art.text and "Football" not in art.text and "tracker" not in art.text
    assert [p.text[:9] for p in art.passages if p.kind == "boilerplate"] == ["Baca Juga"] * 4


def test_collect_second_poll_adds_nothing(collected, module_site):
    nt, watcher, _, _ = collected
    before = (nt.store.count_articles(), len(nt.links()), [s.id for s in nt.stories()])
    pages_before = len(module_site.paths("/articles/"))
    again = watcher.poll()
    assert again.collected["articles"] == 0 and again.collected["not_modified"] == 1
    assert again.ingest["ingested"] == 0 and not again.new_articles and not again.alerts
    assert len(module_site.paths("/articles/")) == pages_before  # no page asked for again
    feed_asks = [h for m, p, h in module_site.requests if p == "/feed.xml"]
    assert "If-None-Match" in feed_asks[-1]  # a conditional request, answered 304
    assert (nt.store.count_articles(), len(nt.links()), [s.id for s in nt.stories()]) == before


def test_watch_sputnik_fires_once_per_article_citing_it(collected):
    nt, _, first, folder = collected
    hits = [a for a in first.alerts if a["watch"] == "sputnik"]
    assert sorted(_seed_of(nt, a["article"]["id"]) for a in hits) == SEED_IDS[:4]
    persian = next(a for a in hits if a["article"]["lang"] == "fa")
    assert persian["match"]["source_id"] == "sputnik" and persian["match"]["surface"] == "اسپوتنیک"
    lines = [json.loads(x) for x in (folder / "alerts.jsonl").read_text("utf-8").splitlines()]
    assert sorted(x["key"] for x in lines) == sorted(a["key"] for a in first.alerts)


def test_watch_english_term_fires_on_persian_arabic_indonesian(collected):
    nt, _, first, _ = collected
    hits = [a for a in first.alerts if a["watch"] == "isis-transfer"]
    assert sorted(_seed_of(nt, a["article"]["id"]) for a in hits) == SEED_IDS[:3]  # story A: id, fa, ar
    assert {a["article"]["lang"] for a in hits} == {"id", "fa", "ar"}
    assert all(a["match"]["how"] == "semantic" and a["score"] >= 0.45 for a in hits)
