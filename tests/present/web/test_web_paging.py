"""Paged lists in the web app: stories, narratives and search results come a page at a time (``[web]
page_size``) with the total, facet counts and paging controls that keep the filters; the API pages with
limit/offset and says the same as the pages."""
from __future__ import annotations

import re

import numpy as np
import pytest

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.group.stories import story_id_for
from narratrace.model import RawArticle
from narratrace.settings import Settings

PER_PAGE = 4
CITIES = ["Lagos", "Osaka", "Quito", "Bergen", "Lyon", "Accra", "Porto", "Cebu", "Brno", "Pune", "Malmo"]
EVENTS = ["flood", "strike", "fire", "drought", "recount", "heatwave", "spill", "ruling", "blackout"]


def _raws() -> list[RawArticle]:
    """Articles about unrelated events (one story each), in three languages, outlets and months; every
    one says "council", so a search ranks them all."""
    out = []
    for i, (city, event) in enumerate((c, e) for c in CITIES for e in EVENTS[:2]):
        lang = ["en", "id", "de"][i % 3]
        out.append(RawArticle(id=f"p{i:02d}", title=f"{event.title()} in {city}", lang=lang,
                              outlet=["Daily Wire Service", "Kompas", "Der Bote"][i % 3],
                              published=f"2021-{1 + i % 4:02d}-{1 + i:02d}",
                              text=f"{event.title()} in {city}: the council met {i} times about the {event}.\n\n"
                                   f"Residents of {city} number {1000 + 37 * i} and the {event} lasted {i} days.",
                              origin=f"paging:{i}"))
    return out


def paging_project(folder) -> Narratrace:
    """22 one-article stories (and a narrative each) in three languages, outlets and months, with
    ``[web] page_size`` = PER_PAGE: several pages of everything (the browser test uses it too)."""
    settings = Settings.load(None, web={"page_size": PER_PAGE, "narratives_page_size": PER_PAGE},
                             narratives={"min_articles": 1})
    nt = Narratrace(db=folder / "paging.db", settings=settings, encoder=HashingEncoder())
    report = nt.add(_raws())
    assert len(report.ingested) == len(_raws()), report.summary()
    with nt.store.transaction():  # one story per article (the shared wording groups some; moves are tested too)
        for raw in _raws():
            nt.store.set_story(raw.id, story_id_for(raw.id))
    stories = [s.id for s in nt.stories()]
    with nt.store.transaction():  # narratives of one story each, so there are pages of them
        for k, sid in enumerate(stories):
            nt.store.save_narrative(f"N-{k:02d}", sid, np.ones(nt.encoder.dim, np.float32), 1.0)
            nt.store.set_story_narrative(sid, f"N-{k:02d}", None)
    return nt


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    nt = paging_project(tmp_path_factory.mktemp("paging"))
    yield nt
    nt.close()


def _story_ids(html: str) -> list[str]:
    return re.findall(r'<div class="muted small">(S[0-9a-f]{10})</div>', html)


def _pager_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="pager".*?</nav>', html, re.S)
    assert nav, "no paging controls"
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', nav.group(0))]


def test_stories_page_is_paged_with_total_facets_and_controls(web, project):
    total = len(project.stories())
    assert total > 2 * PER_PAGE
    first, second = web.get("/").text, web.get("/?page=2").text
    ids1, ids2 = _story_ids(first), _story_ids(second)
    assert len(ids1) == len(ids2) == PER_PAGE and not set(ids1) & set(ids2)
    assert f"1–{PER_PAGE} of {total} stories" in first and f"{PER_PAGE + 1}–{2 * PER_PAGE} of {total}" in second
    assert "/?sort=size&page=2" in _pager_links(first) and 'rel="prev"' in second
    api = web.get("/api/stories", params={"limit": PER_PAGE, "offset": PER_PAGE}).json()
    assert [s["id"] for s in api["stories"]] == ids2 and api["total"] == total
    langs = {f["value"]: f["count"] for f in api["facets"]["languages"]}
    assert langs == {"en": 8, "id": 7, "de": 7} and sum(f["count"] for f in api["facets"]["months"]) == total
    assert 'class="facet-count">8<' in first  # the counts are shown beside the values


def test_stories_pager_keeps_the_filters(web):
    html = web.get("/", params={"lang": "en", "sort": "recent", "q": "in"}).text
    assert "1–4 of 8 stories" in html
    links = _pager_links(html)
    assert links and all("lang=en" in h and "sort=recent" in h and "q=in" in h for h in links)
    page2 = web.get(links[-2]).text  # the page-number link before "next"
    assert _story_ids(page2) and not set(_story_ids(page2)) & set(_story_ids(html))
    # a facet link changes one filter, keeps the others and goes back to page 1
    facet = re.search(r'href="([^"]*outlet=Kompas[^"]*)"', web.get("/?q=in&page=2").text).group(1)
    assert "q=in" in facet and "page=" not in facet


def test_narratives_page_is_paged(web, project):
    every = project.narratives(min_articles=1)  # all of them described, in describe's order
    api = web.get("/api/narratives", params={"limit": PER_PAGE}).json()
    assert api["total"] == len(every) >= len(project.stories()) and len(api["narratives"]) == PER_PAGE
    page2 = web.get("/api/narratives", params={"limit": PER_PAGE, "offset": PER_PAGE}).json()["narratives"]
    assert [n["id"] for n in api["narratives"] + page2] == [n.id for n in every[: 2 * PER_PAGE]]
    first, whole = api["narratives"][0], every[0]  # a list item is a summary; every member id is one call away
    assert "article_ids" not in first and first["size"] == len(whole.article_ids) > 1
    assert (first["stories"], sorted(first["languages"]), sorted(first["outlets"])) == \
           (len(whole.story_ids), whole.languages, whole.outlets)
    assert (first["first_seen"], first["last_seen"], first["growth"]) == \
           (whole.first_seen, whole.last_seen, whole.growth)
    one = web.get(f"/api/narratives/{whole.id}").json()
    assert one == project.pages.narrative(whole.id).to_dict() and one["article_ids"] == whole.article_ids
    assert web.get("/api/narratives/N-nowhere").status_code == 404
    langs = {f["value"]: f["count"] for f in api["facets"]["languages"]}
    assert langs == {lang: sum(lang in n.languages for n in every) for lang in {x for n in every for x in n.languages}}
    html1, html2 = web.get("/narratives").text, web.get("/narratives?page=2").text
    assert _pager_links(html1) and f"1–{PER_PAGE} of {api['total']} narratives" in html1
    labels = [re.findall(r'<h2 dir="auto"><a href="/narratives/[^"]+">(.*?)</a></h2>', h) for h in (html1, html2)]
    assert len(labels[0]) == len(labels[1]) == PER_PAGE and labels[0] != labels[1]
    page = web.get(f"/narratives/{whole.id}").text  # the narrative's own page lists every article
    assert all(f'href="/articles/{a}"' in page for a in whole.article_ids)


def test_narratives_page_sorts_filters_and_keeps_them_in_its_links(web, project):
    html = web.get("/narratives", params={"sort": "recent", "since": "2021-02", "page": 1}).text
    assert '<option value="recent" selected>' in html and 'name="since" value="2021-02"' in html
    want = project.pages.narratives(sort="recent", since="2021-02", limit=PER_PAGE)
    assert re.findall(r'<h2 dir="auto"><a href="/narratives/([^"]+)">', html) == [n.id for n in want.items]
    assert f"of {want.total} narratives" in html and want.total > 0
    assert want.total > PER_PAGE and all("sort=recent" in u and "since=2021-02" in u for u in _pager_links(html))
    month = re.search(r'href="(/narratives\?[^"]*until=2021-03[^"]*)"', html).group(1)  # a month facet link
    assert "sort=recent" in month and "since=2021-03" in month and "page=" not in month
    assert "languages" in html and "facet-count" in html
    assert web.get("/narratives", params={"sort": "loudest"}).status_code == 200  # an unknown sort: by size


def test_search_page_is_paged_over_the_ranking(web):
    body = web.get("/api/search", params={"q": "council", "limit": PER_PAGE}).json()
    assert body["total"] > PER_PAGE and len(body["hits"]) == PER_PAGE
    rest = web.get("/api/search", params={"q": "council", "limit": PER_PAGE, "offset": PER_PAGE}).json()
    assert not {h["article_id"] for h in rest["hits"]} & {h["article_id"] for h in body["hits"]}
    assert sum(f["count"] for f in body["facets"]["languages"]) == body["total"]
    html = web.get("/search", params={"q": "council", "page": 2}).text
    assert f"of {body['total']} articles" in html and "q=council" in _pager_links(html)[0]
    assert re.findall(r'href="/articles/(p\d\d)"', html)[:PER_PAGE] == [h["article_id"] for h in rest["hits"]]


def test_a_page_past_the_end_is_empty_not_an_error(web):
    html = web.get("/?page=999").text
    assert _story_ids(html) == [] and "No story matches" in html
    assert web.get("/?page=0").status_code == 422


def test_stories_filtered_by_an_entity_named_in_any_spelling(web, project):
    (lagos,) = project.entities.find("Lagos")
    expected = {s.id for s in project.stories() if any(a.startswith(("p00", "p01")) for a in s.article_ids)}
    for name in ("Lagos", lagos.id):
        body = web.get("/api/stories", params={"entity": name}).json()
        assert body["total"] == 2 and {s["id"] for s in body["stories"]} == expected
    html = web.get("/", params={"entity": "Lagos", "sort": "recent"}).text
    assert set(_story_ids(html)) == expected and 'name="entity" value="Lagos"' in html
    assert web.get("/api/stories", params={"entity": "Atlantis"}).json()["total"] == 0


def test_narratives_page_filters_by_language_and_outlet_and_keeps_them(web, project):
    """/narratives?lang=&outlet= lists what ``pages.narratives`` does, pages with the filters kept, and its
    language and outlet facets link to the filters."""
    html = web.get("/narratives", params={"lang": "ID", "sort": "recent"}).text
    want = project.pages.narratives(lang="ID", sort="recent", limit=PER_PAGE)
    assert PER_PAGE < want.total < project.pages.narratives().total
    assert re.findall(r'<h2 dir="auto"><a href="/narratives/([^"]+)">', html) == [n.id for n in want.items]
    assert f"of {want.total} narratives" in html and 'name="lang" value="ID"' in html
    assert all("lang=ID" in u and "sort=recent" in u for u in _pager_links(html))
    outlet = re.search(r'href="(/narratives\?[^"]*outlet=Kompas[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "lang=ID" in outlet and "page=" not in outlet
    both = web.get(outlet).text
    kept = project.pages.narratives(lang="ID", outlet="Kompas", sort="recent", limit=PER_PAGE)
    assert re.findall(r'<h2 dir="auto"><a href="/narratives/([^"]+)">', both) == [n.id for n in kept.items]
    assert re.search(r'href="/narratives\?[^"]*lang=de[&"]', web.get("/narratives").text)  # a language facet link
    assert "No narrative matches these filters." in web.get("/narratives", params={"outlet": "nowhere"}).text
