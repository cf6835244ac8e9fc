"""One HTTP exchange, made safe for addresses that feeds and redirects choose (OWASP A10, SSRF).

- Only ``http`` and ``https``: no ``file:``, ``ftp:`` or ``data:`` (urllib's default handlers open them all).
- The host is resolved here and **every** address it resolves to is checked: loopback, private, link-local,
  multicast, reserved and other non-global addresses are refused unless the policy allows them
  (``[collect] allow_private`` / ``allowed_hosts``, ``collect --allow-private`` / ``--allow-host``). The
  connection then goes to an address that was checked, so a DNS answer that changes between the check and
  the connect (DNS rebinding) cannot slip through. Redirects come back to the caller, which checks each hop.
- ``timeout`` bounds the whole request (connect, headers, body), not each read: a server that drips one
  byte a second is cut off by a watchdog that closes the socket.
- A body shorter than its ``Content-Length`` (or a chunked body cut off) is an error to retry, never a page.
- ``Content-Encoding: gzip`` / ``deflate`` (servers that ignore ``Accept-Encoding: identity``) is decoded,
  and refused once it passes ``max_bytes`` decompressed (a gzip bomb costs nothing).
"""
from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["SCHEMES", "Address", "AddressPolicy", "FetchError", "blocked_kind", "exchange"]

SCHEMES = ("http", "https")
#: (socket family, socket address) of one checked address
Address = tuple[int, tuple[Any, ...]]
CHUNK = 65536
ALLOW_HINT = "to fetch it anyway: `--allow-host {where}` (or [collect] allowed_hosts), or --allow-private"


class FetchError(Exception):
    """A URL that could not be fetched; ``retryable`` says whether a later poll may try again;
    ``refused``: the address or scheme is not one narratrace fetches (nothing was sent)."""

    def __init__(self, url: str, reason: str, status: int | None = None, retryable: bool = False,
                 refused: bool = False) -> None:
        self.url, self.reason, self.status, self.retryable, self.refused = url, reason, status, retryable, refused
        self.retry_after = 0.0
        super().__init__(f"{url}: {reason}")


def blocked_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What kind of address ``ip`` is when it is not a public one ("loopback", "private"…), else None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for kind, test in (("loopback", ip.is_loopback), ("unspecified", ip.is_unspecified),
                       ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                       ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if test:
            return kind
    return None if ip.is_global else "non-public"  # shared (100.64/10), documentation, 6to4 relay…


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public addresses may be fetched: none by default."""

    allow_private: bool = False
    #: "host" (any port) or "host:port", compared lower-case, as written in the URL
    allowed_hosts: tuple[str, ...] = ()

    def allows(self, host: str, port: int) -> bool:
        if self.allow_private:
            return True
        names = {h.strip().lower() for h in self.allowed_hosts}
        host = host.lower()
        return bool(names & {host, f"{host}:{port}", f"[{host}]", f"[{host}]:{port}"})

    def resolve(self, url: str, timeout: float) -> list[Address]:
        """The (family, address) pairs to connect to for ``url``, each checked; ``FetchError`` if refused."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            raise FetchError(url, f"refused: the {scheme or 'missing'} scheme is not fetched (only http and "
                                  "https)", refused=True)
        host = parts.hostname
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise FetchError(url, "bad port in the URL", refused=True) from None
        if not host:
            raise FetchError(url, "no host in the URL", refused=True)
        try:
            infos = _getaddrinfo(host, port, timeout)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise FetchError(url, f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}",
                             retryable=True) from None
        allowed = self.allows(host, port)
        out: list[Address] = []
        for family, _type, _proto, _name, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            kind = blocked_kind(ip)
            if kind is not None and not allowed:
                where = f"{host}:{port}"
                raise FetchError(url, f"refused: {host} is {'' if str(ip) == host else f'{ip}, '}a {kind} address "
                                      f"({ALLOW_HINT.format(where=where)})", refused=True)
            out.append((family, sockaddr))
        if not out:
            raise FetchError(url, f"cannot resolve {host}", retryable=True)
        return out


def _getaddrinfo(host: str, port: int, timeout: float) -> list[tuple[Any, ...]]:
    """getaddrinfo with a time limit (it has none of its own): a stuck resolver costs ``timeout``, not a poll."""
    found: list[object] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the caller
            found.append(exc)
        done.set()

    threading.Thread(target=lookup, daemon=True, name="collect-dns").start()
    if not done.wait(timeout):
        raise OSError(f"no DNS answer within {timeout:g} s")
    result = found[0]
    if isinstance(result, BaseException):
        raise result
    return result  # type: ignore[return-value]


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to addresses checked beforehand; the Host header and TLS name stay the host's."""

    def __init__(self, host: str, port: int, addresses: list[Address], timeout: float,
                 tls: bool) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses, self._tls = addresses, tls

    def connect(self) -> None:
        error: OSError | None = None
        for family, sockaddr in self._addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            self.sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host) \
                if self._tls else sock
            return
        raise error or OSError("no address to connect to")

    def abort(self) -> None:
        """The watchdog: wake a blocked read at the deadline."""
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def exchange(url: str, headers: dict[str, str], addresses: list[Address], timeout: float,
             max_bytes: int) -> tuple[int, dict[str, str], bytes]:
    """GET ``url`` from checked ``addresses``: (status, lower-cased headers, decoded body).

    Raises ``FetchError`` on timeouts (the whole request), truncated or oversized bodies and failed
    connections; statuses are returned, not raised."""
    parts = urlsplit(url)
    tls = parts.scheme.lower() == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if tls else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + timeout
    conn = _PinnedConnection(host, port, addresses, timeout, tls)
    watchdog = threading.Timer(timeout, conn.abort)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request("GET", target, headers=headers)
        resp = conn.getresponse()
        status = resp.status
        hdrs: dict[str, str] = {}
        for key, value in resp.getheaders():
            key = key.lower()
            hdrs[key] = f"{hdrs[key]}, {value}" if key in hdrs and key != "location" else value
        body = _read_body(url, resp, max_bytes, deadline, timeout) if status in (200, 203) else b""
    except FetchError:
        raise
    except http.client.IncompleteRead as exc:
        if time.monotonic() >= deadline:
            raise _timed_out(url, timeout) from None
        raise FetchError(url, f"truncated: the connection closed after {len(exc.partial)} bytes of the body",
                         retryable=True) from None
    except TimeoutError:
        raise _timed_out(url, timeout) from None
    except ssl.SSLError as exc:
        raise FetchError(url, f"TLS failed: {exc.reason or exc}", retryable=False) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if time.monotonic() >= deadline:
            raise _timed_out(url, timeout) from None
        raise FetchError(url, f"connection failed: {type(exc).__name__}: {exc}",
                         retryable=isinstance(exc, (OSError, http.client.HTTPException))) from None
    finally:
        watchdog.cancel()
        conn.close()
    if time.monotonic() >= deadline:
        raise _timed_out(url, timeout)
    length = hdrs.get("content-length", "").strip()
    if body and length.isdigit() and "chunked" not in hdrs.get("transfer-encoding", "").lower() \
            and len(body) < int(length):
        raise FetchError(url, f"truncated: got {len(body)} of {int(length)} bytes", retryable=True)
    return status, hdrs, _decoded(url, body, hdrs.get("content-encoding", ""), max_bytes)


def _read_body(url: str, resp: http.client.HTTPResponse, max_bytes: int, deadline: float, timeout: float
               ) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() >= deadline:
            raise _timed_out(url, timeout)
        chunk = resp.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, f"larger than {max_bytes} bytes", resp.status)
        chunks.append(chunk)


def _decoded(url: str, body: bytes, encoding: str, max_bytes: int) -> bytes:
    """The body without its Content-Encoding, at most ``max_bytes`` of it."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip().lower() != "identity"]
    for coding in reversed(codings):  # applied in order: undone last first
        if coding in ("gzip", "x-gzip", "deflate"):
            body = _inflate(url, body, coding, max_bytes)
        else:
            raise FetchError(url, f"content encoding {coding!r} is not supported (asked for identity)")
    return body


def _inflate(url: str, data: bytes, coding: str, max_bytes: int) -> bytes:
    # gzip header (31); "deflate" is zlib-wrapped (15) or, from some servers, raw (-15)
    for wbits in ((31,) if coding != "deflate" else (15, -15)):
        inflater = zlib.decompressobj(wbits)
        try:
            out = inflater.decompress(data, max_bytes + 1)
        except zlib.error:
            continue
        if len(out) > max_bytes or inflater.unconsumed_tail:
            raise FetchError(url, f"larger than {max_bytes} bytes once decompressed ({coding})")
        if not inflater.eof:
            raise FetchError(url, f"truncated {coding} body", retryable=True)
        return out
    raise FetchError(url, f"not valid {coding} data")


def _timed_out(url: str, timeout: float) -> FetchError:
    return FetchError(url, f"timed out after {timeout:g} s (the whole request: --timeout)", retryable=True)
