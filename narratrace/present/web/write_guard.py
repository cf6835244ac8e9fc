"""The guard in front of every write (plain ASGI middleware): a token, CSRF protection and size limits.

- Reads stay as they are (open on loopback; behind ``security.TokenGate`` elsewhere). Every POST, PUT,
  PATCH or DELETE needs the *write token*, also on 127.0.0.1: ``Authorization: Bearer …``, the
  ``X-Narratrace-Token`` header, or the ``narratrace_token`` cookie (HttpOnly, SameSite=Strict), which
  opening any page once with ``?token=…`` sets (``narratrace serve`` prints that address).
- A write authenticated by the cookie alone comes from a browser: it must come from this origin (an
  ``Origin`` header naming another is refused; browsers send "null" under the pages' no-referrer policy),
  and an HTML form post must carry the page's CSRF token in its ``csrf_token`` field, equal to the
  ``narratrace_csrf`` cookie (random per browser session, set on the first page, SameSite=Strict); so must a
  file upload form (``multipart/form-data``, on the upload routes only: multipart.py). Other bodies a page
  elsewhere could send without asking first (``text/plain``, multipart elsewhere) are refused; JSON needs
  that ask (CORS), which is never granted.
- A body longer than ``[web] max_body_bytes`` (``max_upload_bytes`` for the upload routes) gets 413,
  before the route reads any of it.
"""
from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .multipart import MULTIPART, PARTS_SCOPE_KEY, form_fields, parse_multipart
from .security import COOKIE, TOKEN_HEADER, _cookies, same_site_location

Scope = dict[str, Any]
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_COOKIE = "narratrace_csrf"
CSRF_FIELD = "csrf_token"
#: where the guard leaves the page's CSRF token and whether the browser holds the write token (templates read them)
CSRF_SCOPE_KEY = "narratrace.csrf"
WRITER_SCOPE_KEY = "narratrace.writer"
#: bodies a page on another site can post without the browser asking this server first (CORS "simple")
SIMPLE_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
FORM = "application/x-www-form-urlencoded"
_CSRF_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def content_type(headers: dict[bytes, bytes]) -> str:
    return headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()


class WriteGuard:
    """Refuses writes without the token (401), cross-site or CSRF-less browser writes (403), bodies a form
    cannot be (415) and bodies over the limit (413); hands each page its CSRF token."""

    def __init__(self, app: Callable[..., Awaitable[None]], token: str, max_body_bytes: int, max_upload_bytes: int,
                 upload_paths: Iterable[str] = (), token_param: bool = True) -> None:
        if not token or not token.strip():
            raise ValueError("empty write token")
        self.app = app
        self.token = token.encode()
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.upload_paths = frozenset(upload_paths)
        self.token_param = token_param  # False behind a TokenGate, which takes ?token= itself

    def _ok(self, value: str | bytes | None) -> bool:
        if not value:
            return False
        return hmac.compare_digest(value.encode() if isinstance(value, str) else value, self.token)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        cookies = _cookies(headers.get(b"cookie", b"").decode("latin-1"))
        if scope["method"] not in WRITE_METHODS:
            await self._read(scope, receive, send, cookies)
            return
        auth = headers.get(b"authorization", b"")
        by_header = self._ok(auth[7:].strip() if auth[:7].lower() == b"bearer " else None) or \
            self._ok(headers.get(TOKEN_HEADER))
        if not by_header and not self._ok(cookies.get(COOKIE)):
            await _refuse(scope, send, 401, "E401", "writes need the write token, also on this machine",
                          "open the address `narratrace serve` printed (it ends in ?token=...) or send the header "
                          "'Authorization: Bearer TOKEN'", [(b"www-authenticate", b'Bearer realm="narratrace"')])
            return
        limit = self.max_upload_bytes if scope.get("path") in self.upload_paths else self.max_body_bytes
        body = await _read_body(headers, receive, limit)
        if body is None:
            await _refuse(scope, send, 413, "E413", f"the body is larger than {limit} bytes",
                          "send less at once, or raise [web] max_body_bytes / max_upload_bytes")
            return
        kind = content_type(headers)
        if not by_header:  # the cookie alone: a browser, maybe made to post by a page elsewhere
            upload = scope.get("path") in self.upload_paths
            refusal = _browser_refusal(scope, headers, kind, body, cookies.get(CSRF_COOKIE), upload)
            if refusal:
                await _refuse(scope, send, refusal[0], f"E{refusal[0]}", refusal[1],
                              "reload the page and submit its form again")
                return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, scope: Scope, receive: Any, send: Any, cookies: dict[str, str]) -> None:
        """A read: takes ``?token=`` (sets the cookie, redirects without it) and hands the page its CSRF token."""
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [v for k, v in query if k == "token"]
        if given and self.token_param:
            if not self._ok(given[-1]):
                await _refuse(scope, send, 401, "E401", "wrong access token", None)
                return
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            cookie = f"{COOKIE}={self.token.decode()}; Path=/; HttpOnly; SameSite=Strict"
            await _respond(send, 303, b"text/plain; charset=utf-8", b"see other\n",
                           [(b"location", same_site_location(scope, rest)), (b"set-cookie", cookie.encode())])
            return
        csrf = cookies.get(CSRF_COOKIE, "")
        fresh = not _CSRF_SHAPE.match(csrf)
        if fresh:
            csrf = secrets.token_urlsafe(32)
        scope[CSRF_SCOPE_KEY] = csrf
        scope[WRITER_SCOPE_KEY] = self._ok(cookies.get(COOKIE))
        if not fresh:
            await self.app(scope, receive, send)
            return
        set_cookie = f"{CSRF_COOKIE}={csrf}; Path=/; HttpOnly; SameSite=Strict".encode()

        async def send_with_cookie(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", set_cookie)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _browser_refusal(scope: Scope, headers: dict[bytes, bytes], kind: str, body: bytes,
                     csrf_cookie: str | None, upload: bool = False) -> tuple[int, str] | None:
    """(status, why) a cookie-authenticated write is refused, or None: another origin (403), a body a form
    cannot be (415), or a form (a file upload form on an ``upload`` route) without this session's CSRF
    token (403)."""
    origin = headers.get(b"origin")
    if origin is not None and origin != b"null":  # "null": the pages' no-referrer policy hides it (CSRF decides)
        here = f"{scope.get('scheme', 'http')}://{headers.get(b'host', b'').decode('latin-1')}"
        if origin.decode("latin-1").rstrip("/").lower() != here.lower():
            return 403, "a write from another site is refused"
    if kind == MULTIPART and upload:
        parts = parse_multipart(body, headers.get(b"content-type", b"").decode("latin-1"))
        scope[PARTS_SCOPE_KEY] = parts  # the route reads its file from these
        given = [v for k, v in form_fields(parts).items() if k == CSRF_FIELD]
        if not csrf_cookie or not given or not hmac.compare_digest(given[-1].encode(), csrf_cookie.encode()):
            return 403, "the form's CSRF token is missing or does not match this browser session"
        return None
    if kind in SIMPLE_TYPES and kind != FORM:
        return 415, f"send forms as {FORM} and API calls as application/json, not {kind}"
    if kind == FORM:
        given = [v for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True) if k == CSRF_FIELD]
        if not csrf_cookie or not given or not hmac.compare_digest(given[-1].encode(), csrf_cookie.encode()):
            return 403, "the form's CSRF token is missing or does not match this browser session"
    return None


async def _read_body(headers: dict[bytes, bytes], receive: Any, limit: int) -> bytes | None:
    """The whole body, or None when it is (or says it is) longer than ``limit``."""
    declared = headers.get(b"content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _respond(send: Any, status: int, ctype: bytes, data: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(data)).encode()),
                            (b"cache-control", b"no-store"), *headers]})
    await send({"type": "http.response.body", "body": data})


async def _refuse(scope: Scope, send: Any, status: int, code: str, message: str, hint: str | None,
                  headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """The refusal as the app's errors look: JSON under /api, plain text elsewhere."""
    if str(scope.get("path", "")).startswith("/api"):
        data = json.dumps({"error": code, "message": message, "hint": hint}).encode()
        ctype = b"application/json"
    else:
        data = (message + (f" ({hint})" if hint else "") + "\n").encode()
        ctype = b"text/plain; charset=utf-8"
    await _respond(send, status, ctype, data, headers or [])
