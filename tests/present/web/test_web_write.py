"""The write API (write_routes.py) behind its guard (write_guard.py): the token on every write, also on
127.0.0.1; CSRF on form posts; size limits; ingest, fact-check import, annotations, merges, splits and reviews,
as JSON and as the pages' forms."""
from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from narratrace import Narratrace
from narratrace.present.web.app import create_app, fastapi_app
from narratrace.settings import Settings

from ...conftest import SEED_IDS

TOKEN = "write-token-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
A0, A1, A2, B, C = SEED_IDS
HASAKAH = {"@context": "https://schema.org", "@type": "ClaimReview", "url": "https://factcheck.example/hasakah",
           "claimReviewed": "US forces freed ISIS prisoners from the Hasakah (Ghuwayran) prison",
           "reviewRating": {"@type": "Rating", "alternateName": "Unproven"},
           "author": {"@type": "Organization", "name": "Example Fact Check"}, "datePublished": "2022-02-01",
           "inLanguage": "en"}
#: every write route with a body it accepts
WRITES = [("/api/annotations", {"target_id": A0, "tag": "t"}), ("/api/annotations/delete", {"id": 1}),
          ("/api/annotations/untag", {"target_id": A0, "tag": "t"}),
          ("/api/stories/merge", {"story_id": "S1", "other_id": "S2"}),
          ("/api/stories/split", {"story_id": "S1", "article_ids": [A0]}),
          ("/api/links/review", {"source": A0, "target": A1, "kind": "translates", "verdict": "confirmed"}),
          ("/api/matches/review", {"article_id": A0, "factcheck_id": "f", "verdict": "confirmed"}),
          ("/api/ingest", {"articles": []}), ("/api/factchecks/import", {"@type": "ClaimReview"})]


@pytest.fixture(scope="module")
def project(seeds_project, real_encoder, tmp_path_factory, test_databases):
    db = test_databases.copy(seeds_project[0].db_path, tmp_path_factory.mktemp("web-write"), "write")
    nt = Narratrace(db=db, encoder=real_encoder)
    yield nt
    nt.close()


@pytest.fixture(scope="module")
def app(project):
    return create_app(project=project, write_token=TOKEN)


def _browser(app) -> TestClient:
    """A browser session that opened the address `serve` prints: it holds the write token's cookie."""
    c = TestClient(app, base_url="http://127.0.0.1")
    r = c.get("/?token=" + TOKEN, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Strict" in r.headers["set-cookie"]
    return c


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _story(client: TestClient, article_id: str) -> str:
    return client.get(f"/api/articles/{article_id}").json()["story_id"]


def test_write_every_route_refuses_without_the_token_also_on_loopback(app):
    c = TestClient(app, base_url="http://127.0.0.1")
    assert c.get("/api/stories").status_code == 200 and c.get("/").status_code == 200  # reads stay open
    for path, body in WRITES:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-Narratrace-Token": TOKEN[:-1]},
                        {"Cookie": "narratrace_token=wrong"}):
            r = c.post(path, json=body, headers=headers)
            assert r.status_code == 401, (path, headers, r.text)
            assert r.json()["error"] == "E401" and "token" in r.json()["message"]
        r = c.post(path, data={"target_id": A0, "tag": "t"})  # an HTML form without the cookie
        assert r.status_code == 401
        assert c.post(path, json=body, headers={"X-Narratrace-Token": TOKEN}).status_code not in (401, 403)
    assert c.get("/?token=wrong", follow_redirects=False).status_code == 401
    assert fastapi_app(app).state.write_token == TOKEN
    # an app made without a write token still guards writes, with a random one
    bare = TestClient(create_app(project=fastapi_app(app).state.service.nt), base_url="http://127.0.0.1")
    assert bare.post("/api/annotations", json=WRITES[0][1]).status_code == 401


def test_write_form_posts_need_this_sessions_csrf_token(app, project):
    c = _browser(app)
    story = _story(c, A0)
    page = c.get(f"/stories/{story}")
    token = _csrf(page.text)
    assert c.cookies.get("narratrace_csrf") == token
    form = {"target_kind": "story", "target_id": story, "tag": "csrf-checked", "next": f"/stories/{story}"}
    assert c.post("/api/annotations", data=form).status_code == 403  # no CSRF field
    assert c.post("/api/annotations", data={**form, "csrf_token": "x" * 43}).status_code == 403
    other = _browser(app)  # another session's token does not match this session's cookie
    other_token = _csrf(other.get(f"/stories/{story}").text)
    assert other_token != token
    assert c.post("/api/annotations", data={**form, "csrf_token": other_token}).status_code == 403
    cross = c.post("/api/annotations", data={**form, "csrf_token": token}, headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403
    for kind in ("text/plain", "multipart/form-data; boundary=x"):  # what a page elsewhere could send
        r = c.post("/api/annotations", content=b"tag=x", headers={"content-type": kind})
        assert r.status_code == 415, kind
    assert "csrf-checked" not in c.get(f"/stories/{story}").text
    done = c.post("/api/annotations", data={**form, "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/stories/{story}"
    assert '<span class="user-tag" dir="auto">csrf-checked</span>' in c.get(f"/stories/{story}").text
    # JSON from the browser's own page is allowed (another site could not send it without asking: CORS)
    assert c.post("/api/annotations", json={"target_id": A1, "note": "from the page"}).status_code == 200
    assert [a["value"] for a in project.annotations.of("article", A1)] == ["from the page"]


def test_write_bodies_over_the_limits_get_413(project):
    small = Settings.load(web={"max_body_bytes": 2000, "max_upload_bytes": 6000})
    nt = Narratrace(db=project.db_path, settings=small, encoder=project.encoder)
    try:
        c = TestClient(create_app(project=nt, write_token=TOKEN), base_url="http://127.0.0.1")
        big = {"target_id": A0, "note": "x" * 2100}
        r = c.post("/api/annotations", json=big, headers=AUTH)
        assert r.status_code == 413 and r.json()["error"] == "E413"

        def chunks():  # no Content-Length: counted as it arrives
            yield b'{"target_id": "' + A0.encode() + b'", "note": "'
            for _ in range(30):
                yield b"y" * 100
            yield b'"}'

        r = c.post("/api/annotations", content=chunks(), headers={**AUTH, "content-type": "application/json"})
        assert r.status_code == 413
        upload = json.dumps({"articles": [{"id": "too-big", "text": "z " * 1600}]})  # 3.2 kB: an upload may
        assert len(upload) > 2000 and c.post("/api/ingest?name=limits", content=upload,
                                              headers={**AUTH, "content-type": "application/json"}).status_code == 200
        upload = json.dumps({"articles": [{"id": "too-big", "text": "z " * 3100}]})
        assert c.post("/api/ingest", content=upload, headers={**AUTH, "content-type": "application/json"}
                      ).status_code == 413
    finally:
        nt.close()


def test_write_ingest_json_and_json_lines_then_a_new_version(app, project):
    c = TestClient(app, base_url="http://127.0.0.1", headers=AUTH)
    text = "Engineers closed the old bridge over the river on Monday after finding cracks in two pillars."
    r = c.post("/api/ingest?name=wire", json={"articles": [{"id": "web-1", "text": text, "lang": "en"}]})
    assert r.status_code == 200, r.text
    assert r.json()["ingested"] == ["web-1"] and r.json()["summary"]["errors"] == 0
    lines = "\n".join(json.dumps({"id": f"web-{i}", "text": f"{text} Day {i} of the repairs.", "lang": "en"})
                      for i in (2, 3)) + "\n{not json\n"
    r = c.post("/api/ingest?name=feed", content=lines, headers={"content-type": "application/x-ndjson"})
    assert r.json()["ingested"] == ["web-2", "web-3"] and len(r.json()["errors"]) == 1
    assert "feed.jsonl:3" in r.json()["errors"][0]
    again = c.post("/api/ingest?name=wire", json=[{"id": "web-1", "text": text + " Traffic was diverted."}])
    assert again.json()["updated"] == ["web-1"]  # the same upload name: a new version, not an id clash
    assert project.article("web-1").text.endswith("Traffic was diverted.")
    clash = c.post("/api/ingest?name=other", json=[{"id": "web-1", "text": "another text"}])
    assert clash.json()["updated"] == [] and "already used" in clash.json()["errors"][0]
    assert c.post("/api/ingest", content="x", headers={"content-type": "text/plain"}).status_code == 415


def test_write_match_confirmed_with_the_web_button_survives_a_rematch(app, project, real_encoder):
    c = _browser(app)
    r = c.post("/api/factchecks/import?name=hasakah", content=json.dumps({"@graph": [HASAKAH]}),
               headers={**AUTH, "content-type": "application/ld+json"})
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    fc = r.json()["ids"][0]
    page = c.get("/claims").text
    forms = re.findall(r'<form class="review match-review".*?</form>', page, re.S)
    mine = [f for f in forms if f'value="{A1}"' in f and f'value="{fc}"' in f]
    assert mine, "a confirm/reject button on each match"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', mine[0]))
    done = c.post("/api/matches/review", data={**fields, "verdict": "confirmed", "note": "checked by hand"},
                  follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/claims"
    statuses = {m["status"] for m in project.matches() if m["article_id"] == A1 and m["factcheck_id"] == fc}
    assert statuses == {"confirmed"}
    strict = Settings.load(factchecks={"suggested": 0.99, "confirmed": 0.995})
    with Narratrace(db=project.db_path, settings=strict, encoder=real_encoder) as again:
        again.pipeline.factchecks.match_new_claims(rematch_all=True)
        kept = [m for m in again.matches() if m["factcheck_id"] == fc]
        assert {m["status"] for m in kept if m["article_id"] == A1} == {"confirmed"}
        assert {m["article_id"] for m in kept} == {A1}  # the unreviewed suggestions went
    page = c.get("/claims").text
    assert re.search(r'value="confirmed" class="confirm" aria-pressed="true"', page)


def test_write_merge_split_and_link_review_from_the_story_page(app, project):
    c = _browser(app)
    b, cc = _story(c, B), _story(c, C)
    token = _csrf(c.get(f"/stories/{b}").text)
    merged = c.post("/api/stories/merge", data={"story_id": b, "other_id": cc, "csrf_token": token,
                                                "next": f"/stories/{b}"}, follow_redirects=False)
    assert merged.status_code == 303
    page = c.get(merged.headers["location"]).text
    assert f'name="article_ids" value="{B}"' in page and f'name="article_ids" value="{C}"' in page
    sid = merged.headers["location"].rsplit("/", 1)[1]
    split = c.post("/api/stories/split", data={"story_id": sid, "article_ids": [B], "csrf_token": token,
                                               "next": f"/stories/{sid}"}, follow_redirects=False)
    assert split.status_code == 303 and _story(c, B) != _story(c, C)
    bad = c.post("/api/stories/split", data={"story_id": _story(c, C), "article_ids": [A0], "csrf_token": token})
    assert bad.status_code == 400 and "does not hold" in bad.text and "<html" in bad.text  # an HTML page for forms
    story = _story(c, A0)
    page = c.get(f"/stories/{story}").text
    rows = re.findall(r'<tr class="kind-[^"]+" data-source="([^"]+)" data-target="([^"]+)" data-kind="([^"]+)">',
                      page)
    assert rows, "each link of the story has review buttons"
    source, target, kind = rows[0]
    r = c.post("/api/links/review", data={"source": source, "target": target, "kind": kind, "verdict": "rejected",
                                          "note": "same wire", "csrf_token": token, "next": f"/stories/{story}"})
    assert r.status_code == 200 and "verdict-rejected" in r.text  # followed the redirect back to the story page
    api = TestClient(app, base_url="http://127.0.0.1", headers=AUTH)
    assert api.post("/api/links/review", json={"source": source, "target": "nope", "kind": kind,
                                                "verdict": "confirmed"}).status_code == 404
    assert api.post("/api/annotations", json={"target_id": A0}).status_code == 422  # neither a tag nor a note


def test_write_routes_are_documented_in_the_openapi_schema(app):
    schema = TestClient(app, base_url="http://127.0.0.1").get("/api/openapi.json").json()
    assert "Read-only" not in schema["info"]["description"] and "write token" in schema["info"]["description"]
    for path, _ in WRITES:
        op = schema["paths"][path]["post"]
        assert op["summary"] and "write" in op["tags"]
        assert {"401", "403", "413", "415", "422"} <= set(op["responses"]), path
        assert op["requestBody"]["content"] and op["security"], path
    forms = schema["paths"]["/api/stories/split"]["post"]["requestBody"]["content"]
    assert forms["application/x-www-form-urlencoded"]["schema"]["properties"]["csrf_token"]
    assert forms["application/json"]["schema"]["properties"]["article_ids"]["type"] == "array"
