"""present/web/entity_routes.py over the seeds: entity and source pages and their JSON, any script, paging."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

A, B, C, D = "000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36", "003_a1910eebe7f376b6"


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-article="([^"]+)"', html)


@pytest.mark.parametrize("name", ["الحسكة", "الحسکه", "al-Hasakah", "al_hasakah"])
def test_web_entity_page_in_any_script(client, name):
    r = client.get("/entities/" + quote(name, safe=""))
    assert r.status_code == 200
    assert sorted(_rows(r.text)) == [A, B, C]
    assert '<figure class="chart"' in r.text and "<svg" in r.text
    assert 'dir="rtl" lang="fa"' in r.text and 'dir="rtl" lang="ar"' in r.text  # Persian and Arabic titles


def test_web_source_page_lists_citing_articles_with_cue_sentences(client):
    r = client.get("/sources/Sputnik")
    assert r.status_code == 200
    assert sorted(_rows(r.text)) == [A, B, C, D]
    sentences = re.findall(r'<blockquote class="cue-sentence"[^>]*>([^<]+)</blockquote>', r.text)
    assert len(sentences) >= 4
    assert any("Sputnik" in s for s in sentences) and any("سبوتنيك" in s for s in sentences)


def test_web_entity_json_routes(client):
    found = client.get("/api/entities", params={"q": "داعش"}).json()
    assert [e["id"] for e in found["items"]] == ["isis"]
    page = client.get("/api/entities/Daesh/articles", params={"limit": 2, "offset": 0}).json()
    assert page["total"] == 5 and len(page["items"]) == 2 and page["facets"]["lang"]["id"] == 3
    rest = client.get("/api/entities/ISIS/articles", params={"limit": 2, "offset": 4}).json()
    assert len(rest["items"]) == 1
    cited = client.get("/api/sources/اسپوتنیک/cited_by").json()
    assert sorted(i["article_id"] for i in cited["items"]) == [A, B, C, D]
    listed = client.get("/api/entities", params={"kind": "place", "limit": 5}).json()
    assert listed["total"] > 5 and len(listed["items"]) == 5 and {e["kind"] for e in listed["items"]} == {"place"}
    assert client.get("/api/entities/no-such-name").status_code == 404


def test_web_entity_page_filters_and_pages(client):
    only_ar = client.get("/entities/isis", params={"lang": "ar"})
    assert _rows(only_ar.text) == [C]
    first = client.get("/entities/isis", params={"per_page": 2})
    second = client.get("/entities/isis", params={"per_page": 2, "page": 2})
    assert len(_rows(first.text)) == len(_rows(second.text)) == 2
    assert not set(_rows(first.text)) & set(_rows(second.text))
    assert 'rel="next"' in first.text and "per_page=2" in first.text
    assert client.get("/entities/isis", params={"month": "bad"}).status_code == 422


def test_web_entities_list_and_find(client):
    r = client.get("/entities")
    assert r.status_code == 200 and 'href="/entities/sputnik"' in r.text
    found = client.get("/entities", params={"q": "الحسکه"})
    assert 'href="/entities/al_hasakah"' in found.text


def test_web_entity_page_shows_its_annotations(client, seeds):
    """Entities take tags and notes like stories and articles; the entity page shows them with its panel."""
    tag = seeds.annotations.tag("entity", "al_hasakah", "watched-place")
    try:
        html = client.get("/entities/الحسكة").text
        assert 'data-target-kind="entity" data-target-id="al_hasakah"' in html
        assert '<span class="user-tag" dir="auto">watched-place</span>' in html
    finally:
        seeds.annotations.delete(tag["id"])
    assert "watched-place" not in client.get("/entities/al-Hasakah").text
