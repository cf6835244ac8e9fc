"""Escaping, headers, static files (path traversal), the access token, the Host check and ``serve``."""
from __future__ import annotations

import asyncio
import socket

import pytest
from starlette.testclient import TestClient

from narratrace.present.web.app import create_app
from narratrace.present.web.security import CSP, is_loopback
from narratrace.present.web.testing import ServerThread

from .conftest import EVIL_ID

PAYLOAD_MARKERS = ("<script>window.__pwned", "<script>document.title", "<img src=x onerror", "<svg onload",
                   "<b onmouseover", 'href="javascript:')


def test_web_security_untrusted_text_is_escaped_everywhere(evil_client):
    pages = [f"/articles/{EVIL_ID}", "/", "/?q=Breaking", "/search?q=bridge+closed+cracks+pillars", "/claims"]
    story = evil_client.get(f"/api/articles/{EVIL_ID}").json()["story_id"]
    pages.append(f"/stories/{story}")
    for url in pages:
        html = evil_client.get(url).text
        for marker in PAYLOAD_MARKERS:
            assert marker not in html, (url, marker)
    html = evil_client.get(f"/articles/{EVIL_ID}").text
    assert "&lt;script&gt;document.title=&#39;pwned&#39;" in html
    assert "&lt;img src=x onerror=&#34;window.__pwned=&#39;img&#39;" in html
    assert "&lt;b onmouseover=" in html


def test_web_security_json_keeps_text_verbatim(evil_client):
    art = evil_client.get(f"/api/articles/{EVIL_ID}").json()
    assert art["title"].startswith("<script>")
    assert evil_client.get(f"/api/articles/{EVIL_ID}").headers["content-type"] == "application/json"


@pytest.mark.parametrize("url", ["/", "/api/stories", "/static/app.css", "/static/nope.js", "/api/stories/nope"])
def test_web_security_headers_on_every_response(client, url):
    h = client.get(url).headers
    assert h["content-security-policy"] == CSP
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in CSP
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"


def test_web_security_static_files_ship_in_the_package(client):
    content_type = client.get("/static/app.js").headers["content-type"]
    assert content_type.startswith(("text/javascript", "application/javascript"))
    js = client.get("/static/app.js").text
    for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink
    assert client.get("/static/app.css").status_code == 200


TRAVERSALS = ["/static/../app.py", "/static/..%2fapp.py", "/static/%2e%2e/app.py", "/static/%2e%2e%2fapp.py",
              "/static/../../../pyproject.toml", "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
              "/static//etc/passwd", "/static/..\\app.py", "/static/..%5capp.py", "/static/%252e%252e/app.py",
              "/static/....//app.py", "/static/./../templates/base.html", "/static/%00../app.py",
              "/templates/base.html", "/app.py", "/../pyproject.toml"]


def _asgi_get(app, raw_path: bytes) -> tuple[int, bytes]:
    """Call the ASGI app with a path exactly as given (HTTP clients normalise ``..`` away)."""
    from urllib.parse import unquote_to_bytes

    out: dict = {"body": b""}
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": unquote_to_bytes(raw_path).decode("utf-8", "replace"), "raw_path": raw_path, "root_path": "",
             "query_string": b"", "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 80)}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    return out["status"], out["body"]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_web_security_no_path_traversal_in_app(seeds, path):
    status, body = _asgi_get(create_app(project=seeds), path.encode())
    assert status in (400, 404), (path, status)
    assert b"import" not in body and b"root:" not in body and b"[project]" not in body


def test_web_security_no_path_traversal_over_the_wire(seeds):
    """The same paths sent byte for byte to a real uvicorn server."""
    with ServerThread(create_app(project=seeds)) as srv:
        for path in TRAVERSALS:
            with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
                s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
            status = int(data.split(b" ", 2)[1])
            assert status in (400, 404), (path, data[:200])
            assert b"import " not in data and b"root:" not in data and b"[project]" not in data


def test_web_security_token_required_when_given(seeds):
    app = create_app(project=seeds, token="s3cret-token")
    c = TestClient(app, base_url="http://192.0.2.10")
    assert c.get("/").status_code == 401
    assert c.get("/api/stories").status_code == 401
    assert c.get("/static/app.css").status_code == 401
    assert c.get("/?token=wrong").status_code == 401
    assert c.get("/api/stories", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/api/stories", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert c.get("/api/stories", headers={"X-Narratrace-Token": "s3cret-token"}).status_code == 200
    r = c.get("/?sort=recent&token=s3cret-token", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/?sort=recent"  # the token leaves the address bar
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert r.headers["content-security-policy"] == CSP
    assert c.get("/").status_code == 200  # the cookie now carries the token
    assert c.get("/static/app.css").status_code == 200


def test_web_security_host_header_checked_on_loopback(seeds):
    app = create_app(project=seeds)
    assert TestClient(app, base_url="http://127.0.0.1:8000").get("/api/health").status_code == 200
    assert TestClient(app, base_url="http://localhost:8000").get("/api/health").status_code == 200
    assert TestClient(app, base_url="http://rebind.example").get("/api/health").status_code == 400


def test_web_security_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("[::1]") and is_loopback("localhost")
    assert is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("::")
    assert not is_loopback("example.org")


def test_web_serve_cli_requires_a_token_off_loopback(seeds, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from narratrace.present.cli.app import app as cli

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    res = CliRunner().invoke(cli, ["serve", "--db", str(seeds.db_path), "--host", "0.0.0.0", "--port", "8765"])
    assert res.exit_code == 0, res.output
    assert "?token=" in res.output
    token = res.output.split("?token=")[1].split()[0]
    asgi, kw = calls[0]
    assert kw["host"] == "0.0.0.0" and kw["port"] == 8765
    c = TestClient(asgi, base_url="http://192.0.2.10")
    assert c.get("/api/health").status_code == 401
    assert c.get("/api/health", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    calls.clear()
    res = CliRunner().invoke(cli, ["serve", "--db", str(seeds.db_path)])
    assert res.exit_code == 0 and "access token required" not in res.output  # reads are open on loopback
    write_token = res.output.split("?token=")[1].split()[0]  # writes are not (test_web_write.py)
    asgi, kw = calls[0]
    assert kw["host"] == "127.0.0.1" and kw["port"] == 8000
    assert TestClient(asgi, base_url="http://127.0.0.1").get("/api/health").status_code == 200
    loopback = TestClient(asgi, base_url="http://127.0.0.1")
    assert loopback.post("/api/annotations/delete", json={"id": 1}).status_code == 401
    assert loopback.get(f"/?token={write_token}", follow_redirects=False).status_code == 303  # the printed one
