"""Outlet pages and their JSON (present/web/outlet_routes.py) on the seeds, plus an outlet whose name is markup."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

from narratrace.present.web.outlet_routes import outlet_url

from .conftest import EVIL_ID, EVIL_OUTLET

A, B = "000_b87142e14614ef64", "001_1466ee4cbd6c5b37"


def test_outlet_api_lists_the_seed_outlets(client):
    got = client.get("/api/outlets").json()
    assert got["total"] == 4
    assert sorted(o["name"] for o in got["outlets"]) == ["Defa Press", "Islam Times", "Purna Warta", "RT"]
    assert all(o["articles"] == 1 and o["languages"] == 1 for o in got["outlets"])
    page = client.get("/api/outlets", params={"limit": 3, "offset": 3}).json()
    assert page["total"] == 4 and len(page["outlets"]) == 1
    assert [o["name"] for o in client.get("/api/outlets", params={"q": "press"}).json()["outlets"]] == ["Defa Press"]
    assert "/api/outlets/{name}" in client.get("/api/openapi.json").json()["paths"]


def test_outlet_api_profile_of_the_translating_outlet(client):
    p = client.get("/api/outlets/Purna%20Warta").json()
    assert p["articles"] == 1 and p["languages"] == [{"lang": "id", "articles": 1}]
    assert p["volume"] == {"dates": {}, "undated": 1, "total": 1}  # 000 has no date: counted, not dropped
    assert {c["source_id"] for c in p["cites"]} >= {"sputnik"}
    assert [(d["outlet"], d["kind"]) for d in p["derives_from"]] == [("Defa Press", "translates")]
    assert (p["derives_from"][0]["examples"][0]["source"], p["derives_from"][0]["examples"][0]["target"]) == (A, B)
    d = client.get("/api/outlets/Defa%20Press").json()
    assert [(x["outlet"], x["kind"], x["links"]) for x in d["derived_by"]] == [("Purna Warta", "translates", 1)]
    assert [s["story_articles"] for s in d["stories"]] == [3]
    r = client.get("/api/outlets/Nobody%20Here")
    assert r.status_code == 404 and "Nobody Here" in r.json()["message"]


def test_outlet_page_shows_chart_links_and_stories(client):
    r = client.get("/outlets/Purna%20Warta")
    assert r.status_code == 200
    html = r.text
    svg = re.search(r"<svg[^>]*class=\"chart-svg\".*?</svg>", html, re.S).group(0)
    root = ET.fromstring(svg)
    assert root.get("data-undated") == "1" and "undated" in "".join(root.itertext())
    assert 'href="/outlets/Defa%20Press"' in html  # whom it translates, linked to its page
    assert f'href="/pair/{A}/{B}"' in html
    assert "/stories/" in html and 'href="/sources/sputnik"' in html  # whom it cites, linked to the source page
    assert client.get("/outlets/nobody").status_code == 404
    listing = client.get("/outlets").text
    assert listing.count('class="outlet-link"') == 4 and 'href="/outlets/Islam%20Times"' in listing


def test_story_and_article_pages_link_outlets(client):
    story = client.get(f"/api/articles/{A}").json()["story_id"]
    html = client.get(f"/stories/{story}").text
    for name in ("Purna Warta", "Defa Press", "RT"):
        assert f'href="{outlet_url(name)}"' in html
    assert 'class="chart"' in html and 'data-undated="3"' in html
    assert 'href="/outlets/Purna%20Warta"' in client.get(f"/articles/{A}").text


def test_outlet_named_with_markup_and_slashes(evil_client):
    url = outlet_url(EVIL_OUTLET)
    assert url == "/outlets/" + quote(EVIL_OUTLET, safe="") and "/" not in url[len("/outlets/"):]
    r = evil_client.get(url)
    assert r.status_code == 200
    assert "<b onmouseover" not in r.text and "&lt;b onmouseover=" in r.text
    svg = re.search(r"<svg[^>]*class=\"chart-svg\".*?</svg>", r.text, re.S).group(0)
    ET.fromstring(svg)  # the escaped name keeps the chart well-formed
    api = evil_client.get("/api" + url).json()
    assert api["name"] == EVIL_OUTLET and api["volume"]["dates"] == {"2024-05-06": 1}
    assert f'href="{url}"' in evil_client.get(f"/articles/{EVIL_ID}").text
