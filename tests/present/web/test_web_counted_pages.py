"""Entity and outlet pages say when what they count is a part (store/entities.py FACET_ARTICLES, store/outlets.py
PROFILE_ARTICLES, schema 11), and the last page of an entity, read from the end, holds the articles the first
pages leave."""
from __future__ import annotations

from narratrace.store import entities as entities_mod
from narratrace.store import outlets as outlets_mod


def test_entity_page_filtered_twice_says_its_facets_count_the_newest(client, monkeypatch):
    once = client.get("/api/entities/isis/articles", params={"lang": "id"}).json()
    assert (once["total"], once["facets_of"], once["facets"]["lang"]) == (3, 3, {"id": 3})  # kept counts: exact
    outlet = next(it["outlet"] for it in once["items"] if it["outlet"])
    twice = {"lang": "id", "outlet": outlet}
    assert "counted over the newest" not in client.get("/entities/isis", params=twice).text
    monkeypatch.setattr(entities_mod, "FACET_ARTICLES", 0)
    assert "counted over the newest 0 of them" in client.get("/entities/isis", params=twice).text
    got = client.get("/api/entities/isis/articles", params=twice).json()
    assert (got["total"], got["facets_of"], got["facets"]["lang"]) == (1, 0, {})


def test_outlet_page_says_its_links_count_its_latest_articles(client, monkeypatch):
    assert "of its latest" not in client.get("/outlets/RT").text
    monkeypatch.setattr(outlets_mod, "PROFILE_ARTICLES", 0)
    page = client.get("/outlets/RT")
    assert "of its latest 0 stored articles" in page.text
    got = client.get("/api/outlets/RT").json()
    assert (got["articles"], got["counted_articles"], got["cites"], got["stories"]) == (1, 0, [], [])


def test_entity_pages_from_both_ends_hold_every_article_once(client):
    every = client.get("/api/entities/isis/articles", params={"limit": 100}).json()["items"]
    paged = [it for offset in range(0, 5, 2) for it in client.get(
        "/api/entities/isis/articles", params={"limit": 2, "offset": offset}).json()["items"]]
    assert [it["article_id"] for it in paged] == [it["article_id"] for it in every] and len(every) == 5
