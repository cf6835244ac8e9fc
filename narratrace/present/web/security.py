"""Security headers, the access token and the loopback check (plain ASGI middleware).

- Every response carries a strict Content-Security-Policy (scripts, styles, images and
  fetches only from this origin; no inline script; no plugins, frames or ``<base>``),
  ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
- With a token, every request must carry it: ``Authorization: Bearer …``, the
  ``X-Narratrace-Token`` header, or the ``narratrace_token`` cookie. Opening any page once
  with ``?token=…`` sets the cookie (HttpOnly, SameSite=Strict) and redirects to the same
  address without the token, so it stays out of history; ``TokenRedactor`` keeps it out of the
  server's access log. The redirect only ever goes to a path of this server (``//evil.com``,
  ``/\\evil.com`` are not followed off-site) and is percent-encoded (no header injection).
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
COOKIE = "narratrace_token"
TOKEN_HEADER = b"x-narratrace-token"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; every other address needs a token."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SecurityHeaders:
    """Adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _cookies(raw: str) -> dict[str, str]:
    out = {}
    for part in raw.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name] = value
    return out


async def _plain(send: Any, status: int, body: str, headers: list[tuple[bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    data = body.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(data)).encode()),
                            (b"cache-control", b"no-store"), *headers]})
    await send({"type": "http.response.body", "body": data})


class TokenRedactor(logging.Filter):
    """Replaces the value of every ``token=`` in a log record (uvicorn's access log prints each request
    line with its query) by ``***``; ``narratrace serve`` puts it on uvicorn's handlers."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


_TOKEN_PARAM = re.compile(r"((?:^|[?&;])token=)[^&;#\s]*", re.I)


def redact(text: str) -> str:
    """``text`` with every ``token=VALUE`` query parameter shown as ``token=***``."""
    return _TOKEN_PARAM.sub(r"\1***", text) if "token=" in text.lower() else text


def same_site_location(scope: Scope, query: str) -> bytes:
    """Where the token redirect goes: this server's path as the request wrote it (percent-encoded), never
    another host: leading slashes and backslashes are folded to one "/" (``//evil.com/`` is off-site)."""
    raw = scope.get("raw_path") or quote(scope.get("path", "/")).encode()
    path = "/" + raw.decode("latin-1").lstrip("/\\")
    path = quote(path, safe="/%:@!$&'()*+,;=-._~")  # no CR, LF or other byte a header may not hold
    return (scope.get("root_path", "") + path + (f"?{query}" if query else "")).encode("ascii", "replace")


class TokenGate:
    """Rejects (401) any HTTP request that does not carry the access token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token or not token.strip():
            raise ValueError("empty token")
        self.app = app
        self.token = token.encode()

    def _ok(self, value: str | bytes | None) -> bool:
        if not value:
            return False
        if isinstance(value, str):
            value = value.encode()
        return hmac.compare_digest(value, self.token)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [v for k, v in query if k == "token"]
        if given:
            if not self._ok(given[-1]):
                await _plain(send, 401, "wrong access token\n")
                return
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            cookie = f"{COOKIE}={self.token.decode()}; Path=/; HttpOnly; SameSite=Strict"
            await _plain(send, 303, "see other\n", [(b"location", same_site_location(scope, rest)),
                                                    (b"set-cookie", cookie.encode())])
            return
        auth = headers.get(b"authorization", b"")
        bearer = auth[7:].strip() if auth[:7].lower() == b"bearer " else None
        cookie_value = _cookies(headers.get(b"cookie", b"").decode("latin-1")).get(COOKIE)
        if self._ok(bearer) or self._ok(headers.get(TOKEN_HEADER)) or self._ok(cookie_value):
            await self.app(scope, receive, send)
            return
        await _plain(send, 401, "an access token is required: open the address printed by `narratrace serve` "
                                "(it ends in ?token=...) or send the header 'Authorization: Bearer TOKEN'\n",
                     [(b"www-authenticate", b'Bearer realm="narratrace"')])
