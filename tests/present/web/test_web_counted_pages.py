"""Entity and outlet pages say when what they count is a part (store/entities.py FACET_ARTICLES, store/outlets.py
PROFILE_ARTICLES, schema 11), and the last page of an entity, read from the end, holds the articles the first
pages leave."""
from __future__ import annotations

from narratrace.store import entities as entities_mod
from narratrace.store import outlets as outlets_mod


def test_filtered_entity_page_says_its_facets_count_the_newest(client, monkeypatch):
    full = client.get("/entities/isis", params={"lang": "id"})
    assert full.status_code == 200 and "counted over the newest" not in full.text
    monkeypatch.setattr(entities_mod, "FACET_ARTICLES", 2)
    part = client.get("/entities/isis", params={"lang": "id"})
    assert "counted over the newest 2 of them" in part.text
    got = client.get("/api/entities/isis/articles", params={"lang": "id"}).json()
    assert (got["total"], got["facets_of"], sum(got["facets"]["lang"].values())) == (3, 2, 2)


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
