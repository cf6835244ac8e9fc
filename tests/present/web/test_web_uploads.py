"""The upload routes take ``multipart/form-data`` files too (an HTML file input, ``curl -F file=@wire.jsonl``)
under the same guard as raw bodies: the write token (a header, or a browser's cookie with this session's CSRF
token in the form), the upload size limit; the file's name is the upload's name; documented in OpenAPI."""
from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.errors import NotFound
from narratrace.present.web.app import create_app
from narratrace.settings import Settings

TOKEN = "upload-token-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = "Engineers closed the old bridge over the river on Monday after finding cracks in two pillars."
CLAIM = {"@context": "https://schema.org", "@type": "ClaimReview", "url": "https://factcheck.example/bridge",
         "claimReviewed": "The old bridge was closed because of cracks", "inLanguage": "en",
         "reviewRating": {"@type": "Rating", "alternateName": "True"}}


def jsonl(*ids: str, extra: str = "") -> bytes:
    return "".join(json.dumps({"id": i, "text": f"{TEXT} {extra}Part {i}.", "lang": "en"}) + "\n"
                   for i in ids).encode()


@pytest.fixture
def project(tmp_path):
    settings = Settings.load(None, web={"max_upload_bytes": 20_000})
    with Narratrace(db=tmp_path / "uploads.db", settings=settings, encoder=HashingEncoder()) as nt:
        yield nt


@pytest.fixture
def client(project):
    return TestClient(create_app(project=project, write_token=TOKEN), base_url="http://127.0.0.1")


def test_a_file_sent_as_curl_f_is_ingested_under_its_name(client, project):
    r = client.post("/api/ingest", files={"file": ("wire.jsonl", jsonl("u1", "u2"), "application/octet-stream")},
                    headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["ingested"] == ["u1", "u2"] and project.article("u1").origin.startswith("wire.jsonl:")
    again = client.post("/api/ingest", files={"file": ("C:\\feeds\\wire.jsonl", jsonl("u1", extra="Again. "))},
                        headers=AUTH)
    assert again.json()["updated"] == ["u1"]  # the same file name: a new version of the same article
    named = client.post("/api/ingest?name=other.jsonl", files={"file": ("wire.jsonl", jsonl("u3"))}, headers=AUTH)
    assert named.json()["ingested"] == ["u3"] and project.article("u3").origin.startswith("other.jsonl:")
    csv = b"id,text,lang\nu4," + TEXT.encode() + b",en\n"
    typed = client.post("/api/ingest", files={"file": ("export", csv, "text/csv")}, headers=AUTH)
    assert typed.json()["ingested"] == ["u4"]  # no extension: the part's content type picks the reader


def test_an_upload_form_is_refused_when_it_cannot_be_read(client):
    unknown = client.post("/api/ingest", files={"file": ("notes.bin", b"\x00\x01", "application/octet-stream")},
                          headers=AUTH)
    assert unknown.status_code == 415 and "name the file" in unknown.json()["message"]
    no_file = client.post("/api/ingest", data={"text": TEXT}, files={"other": ("x.jsonl", jsonl("u9"))},
                          headers=AUTH)
    assert no_file.status_code == 422 and "named file" in no_file.json()["message"]
    assert client.post("/api/ingest", files={"file": ("w.jsonl", jsonl("u9"))}).status_code == 401  # no token
    big = client.post("/api/ingest", files={"file": ("big.jsonl", jsonl(*[f"b{i}" for i in range(200)]))},
                      headers=AUTH)
    assert big.status_code == 413


def test_a_browser_form_needs_its_csrf_token_and_returns_to_its_page(client, project):
    assert client.get("/?token=" + TOKEN, follow_redirects=False).status_code == 303  # the write cookie
    client.get("/")
    csrf = client.cookies.get("narratrace_csrf")
    files = {"file": ("desk.jsonl", jsonl("f1"), "application/x-ndjson")}
    assert client.post("/api/ingest", files=files, data={"next": "/"}).status_code == 403  # no CSRF field
    assert client.post("/api/ingest", files=files, data={"csrf_token": "x" * 43}).status_code == 403
    cross = client.post("/api/ingest", files=files, data={"csrf_token": csrf}, headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403
    # a file form is taken by the upload routes only
    assert client.post("/api/annotations", files=files, data={"csrf_token": csrf}).status_code == 415
    with pytest.raises(NotFound):  # nothing refused was stored
        project.article("f1")
    done = client.post("/api/ingest", files=files, data={"csrf_token": csrf, "next": "/search"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/search"
    assert project.article("f1").origin.startswith("desk.jsonl:")
    away = client.post("/api/ingest", files={"file": ("desk.jsonl", jsonl("f2"))},
                       data={"csrf_token": csrf, "next": "//evil.example/"}, follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == "/"  # never another host
    fc = client.post("/api/factchecks/import", files={"file": ("checks.json", json.dumps(CLAIM).encode())},
                     data={"csrf_token": csrf})
    assert fc.status_code == 200 and fc.json()["imported"] == 1, fc.text


def test_uploads_are_documented_as_forms_in_the_openapi_schema(client):
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/ingest", "/api/factchecks/import"):
        form = schema["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert form["required"] == ["file"] and form["properties"]["file"]["format"] == "binary"
        assert "csrf_token" in form["properties"]
