"""Export routes and buttons through starlette's TestClient over the five seeds: attachments with ASCII names,
the media type of each format, errors with their status before anything streams, and an export link on every
list and story page."""
from __future__ import annotations

import csv
import io
import json
import re
import threading

import networkx as nx

from narratrace.trace.exports import iter_locked

A, B, C = "000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36"


def _story(seeds) -> str:
    return seeds.article(A).story_id


def test_web_exports_story_downloads_every_format(client, seeds):
    story = _story(seeds)
    types = {"json": "application/json", "jsonl": "application/x-ndjson", "csv": "text/csv",
             "gexf": "application/gexf+xml"}
    for fmt, media in types.items():
        r = client.get(f"/api/stories/{story}/export", params={"format": fmt})
        assert r.status_code == 200 and r.headers["content-type"].startswith(media), (fmt, r.headers)
        assert r.headers["content-disposition"] == f'attachment; filename="narratrace-graph-{story}.{fmt}"'
    g = nx.read_gexf(io.BytesIO(client.get(f"/api/stories/{story}/export?format=gexf").content))
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "article"} == {f"article:{x}" for x in (A, B, C)}
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/stories/{story}/export?format=csv").text)))
    assert len({frozenset((r["source"], r["target"])) for r in rows}) == len(rows) > 3
    links = json.loads(client.get(f"/api/stories/{story}/export?format=json&kind=translates").text)["links"]
    assert [(e["source"], e["target"]) for e in links] == [(f"article:{A}", f"article:{B}")]


def test_web_exports_corpus_filters_and_names(client, seeds):
    r = client.get("/api/export", params={"format": "json", "lang": ["ar", "fa"], "outlet": "قناة"})
    assert r.status_code == 200 and r.headers["content-disposition"].isascii()
    assert json.loads(r.text)["nodes"] == []  # no outlet holds that text: an empty export, not an error
    data = json.loads(client.get("/api/export", params={"lang": ["ar", "fa"]}).text)
    assert sorted(n["id"] for n in data["nodes"] if n["kind"] == "article") == [f"article:{B}", f"article:{C}"]
    cited = json.loads(client.get("/api/export", params={"source": "Sputnik", "kind": "cites"}).text)
    assert {n["id"][8:] for n in cited["nodes"] if n["kind"] == "article"} >= {A, B, C, "003_a1910eebe7f376b6"}
    # an entity or a cited source in any script (the entity layer resolves it)
    for name in ("al-Hasakah", "الحسكة", "الحسکه"):
        found = json.loads(client.get("/api/export", params={"entity": name, "kind": "published_by"}).text)
        assert {n["id"][8:] for n in found["nodes"] if n["kind"] == "article"} == {A, B, C}, name
    arabic = json.loads(client.get("/api/export", params={"source": "سبوتنيك", "kind": "cites"}).text)
    assert {n["id"][8:] for n in arabic["nodes"] if n["kind"] == "article"} >= {A, B, C, "003_a1910eebe7f376b6"}
    assert client.get("/api/export", params={"entity": "Atlantis-on-Thames"}).status_code == 404
    claims = client.get("/api/export", params={"what": "claims", "format": "csv", "story": [_story(seeds)]})
    assert claims.status_code == 200 and claims.text.startswith("article_id,story_id,")


def test_web_exports_errors_come_before_the_stream(client):
    assert client.get("/api/stories/S000nope/export?format=csv").status_code == 404
    bad_date = client.get("/api/export?format=csv&since=yesterday")
    assert bad_date.status_code == 400 and "YYYY" in bad_date.json()["hint"]
    assert client.get("/api/export?format=xlsx").status_code == 422
    assert client.get("/api/export?format=gexf&what=claims").status_code == 422
    assert client.get("/api/export?format=csv&colour=red").status_code == 200  # unknown query keys are ignored
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/export", "/api/stories/{story_id}/export"} <= set(paths)


def test_web_exports_every_list_and_story_page_has_export_links(client, seeds):
    story = _story(seeds)
    pages = {f"/stories/{story}": f"/api/stories/{story}/export?format=gexf",
             "/?lang=fa&since=2021": "/api/export?lang=fa&amp;since=2021&amp;format=csv",
             "/claims": "/api/export?what=claims&amp;format=csv"}
    features = client.get("/api/health").json()["features"]
    if features.get("narratives"):
        pages["/narratives"] = "/api/export?narrative="
    if features.get("search"):
        pages["/search?q=Sputnik"] = f"/api/export?article={A}"
    for page, href in pages.items():
        html = client.get(page).text
        found = re.findall(r'<a class="export-link export-\w+" href="([^"]+)" download', html)
        assert found and any(h.startswith(href) for h in found), (page, found)



def test_web_exports_entity_source_and_outlet_pages_download_what_they_list(client, seeds):
    """The entity page exports the articles mentioning it, the source page those citing it, the outlet page
    its articles: each button's GEXF holds exactly the page's articles."""
    outlet = seeds.article(B).outlet
    expected = {"/entities/al-Hasakah": {A, B, C}, "/sources/Sputnik": {A, B, C, "003_a1910eebe7f376b6"},
                f"/outlets/{outlet}": {a.id for a in seeds.articles() if a.outlet == outlet}}
    for page, ids in expected.items():
        html = client.get(page).text
        (href,) = re.findall(r'<a class="export-link export-gexf" href="([^"]+)" download', html)
        g = nx.read_gexf(io.BytesIO(client.get(href.replace("&amp;", "&")).content))
        assert {n for n, d in g.nodes(data=True) if d["kind"] == "article"} == {f"article:{x}" for x in ids}, page

def test_web_exports_stream_releases_the_store_lock_between_chunks():
    lock = threading.RLock()

    def other_thread_can_lock() -> bool:
        got = []

        def take() -> None:
            got.append(lock.acquire(timeout=0.5))
            if got[0]:
                lock.release()

        t = threading.Thread(target=take)
        t.start()
        t.join()
        return got[0]

    seen = []
    for chunk in iter_locked(iter(["a", "b", "c"]), lock):
        seen.append((chunk, other_thread_can_lock()))
    assert seen == [("a", True), ("b", True), ("c", True)]

    def locked_inside():
        for x in "ab":
            yield x, other_thread_can_lock()  # made while iter_locked holds the lock: others must wait

    assert [held for _, held in iter_locked(locked_inside(), lock)] == [False, False]
