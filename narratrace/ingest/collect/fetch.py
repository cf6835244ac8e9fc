"""Polite HTTP fetching: robots.txt, per-host concurrency and delay, timeouts, retries, conditional GETs.

Only the standard library (``http.client``, through ``transport.exchange``): redirects are followed by
hand so that every hop is checked against the address policy (no internal addresses, only http and
https: ``transport.AddressPolicy``) and robots.txt, and a loop ends after ``max_redirects`` hops.
Nothing here prints or writes state; callers keep validators (ETag, Last-Modified) and pass them back.
"""
from __future__ import annotations

import email.utils
import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from .transport import Address, AddressPolicy, FetchError, exchange

__all__ = ["AddressPolicy", "FetchError", "Fetcher", "Politeness", "Response", "host_of", "normalise_url"]

_REDIRECTS = {301, 302, 303, 307, 308}
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


@dataclass
class Politeness:
    """How gently to fetch. Every value can be set in a watch config's ``[politeness]`` table."""

    user_agent: str = "narratrace/0.1 (news tracing; +https://github.com/narratrace/narratrace)"
    #: seconds one request may take in all (resolving, connecting, headers and body), not per read
    timeout: float = 15.0
    #: further attempts after a timeout, a connection error, 429 or 5xx
    retries: int = 2
    #: seconds before the first retry; doubled for each further one (Retry-After wins when longer)
    backoff: float = 2.0
    #: requests in flight at once to one host
    per_host: int = 1
    #: seconds between the starts of two requests to one host (a longer robots.txt Crawl-delay wins)
    delay: float = 1.0
    #: requests in flight at once over all hosts
    workers: int = 4
    max_redirects: int = 5
    #: bodies larger than this are refused (bytes)
    max_bytes: int = 10 * 1024 * 1024
    robots: bool = True
    #: seconds a host's robots.txt is trusted before it is read again (a long watch sees changes)
    robots_ttl: float = 86400.0
    #: fetch loopback, private, link-local, multicast and reserved addresses too (``[collect] allow_private``)
    allow_private: bool = False
    #: "host" or "host:port" fetched even when it has such an address (``[collect] allowed_hosts``)
    allowed_hosts: list[str] = field(default_factory=list)

    @property
    def policy(self) -> AddressPolicy:
        return AddressPolicy(self.allow_private, tuple(self.allowed_hosts))

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> Politeness:
        values = dict(values or {})
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown politeness keys: {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(cls.__dataclass_fields__)}")
        return cls(**values)


@dataclass
class Response:
    url: str
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: every URL asked for, first to last (redirect hops)
    chain: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def host_of(url: str) -> str:
    """scheme://host:port, the unit of politeness and of robots.txt."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def normalise_url(url: str, base: str | None = None) -> str:
    """Absolute URL without fragment, host lower-cased: the key under which a page is remembered."""
    url = urljoin(base, url.strip()) if base else url.strip()
    p = urlsplit(url)
    return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path or "/", p.query, ""))


class _Host:
    def __init__(self, slots: int) -> None:
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(max(1, slots))
        self.next_start = 0.0
        self.robots: urllib.robotparser.RobotFileParser | None = None
        self.robots_state = ""  # "", "rules", "allow", "deny"
        self.robots_at = 0.0
        self.robots_error = ""
        self.robots_lock = threading.Lock()


class Fetcher:
    """Fetch URLs politely. Thread-safe: one ``Fetcher`` serves a whole poll."""

    def __init__(self, politeness: Politeness | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.p = politeness or Politeness()
        self._sleep = sleep
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def _host(self, url: str) -> _Host:
        key = host_of(url)
        with self._lock:
            if key not in self._hosts:
                self._hosts[key] = _Host(self.p.per_host)
            return self._hosts[key]

    # ------------------------------------------------------------------ robots
    def allowed(self, url: str) -> bool:
        """robots.txt allows our user agent to fetch ``url`` (fetched once per host, politely).

        As RFC 9309 says: a robots.txt that is missing (4xx) allows everything; one that cannot be
        reached (5xx, network error) forbids everything for this run.
        """
        if not self.p.robots or urlsplit(url).path == "/robots.txt":
            return True
        host = self._host(url)
        with host.robots_lock:
            ttl = self.p.robots_ttl if host.robots_state != "deny" else min(self.p.robots_ttl, 300.0)
            if not host.robots_state or time.monotonic() - host.robots_at > ttl:
                host.robots_at = time.monotonic()
                self._load_robots(url, host)
        if host.robots_state == "allow":
            return True
        if host.robots_state == "deny" or host.robots is None:
            return False
        return host.robots.can_fetch(self.p.user_agent, url)

    def _load_robots(self, url: str, host: _Host) -> None:
        robots_url = host_of(url) + "/robots.txt"
        try:
            resp = self.get(robots_url, _check_robots=False)
        except FetchError as exc:
            host.robots_state = "allow" if exc.status is not None and 400 <= exc.status < 500 else "deny"
            host.robots_error = exc.reason
            return
        rp = urllib.robotparser.RobotFileParser(robots_url)
        rp.parse(resp.body.decode("utf-8", "replace").splitlines())
        host.robots, host.robots_state = rp, "rules"
        crawl_delay = rp.crawl_delay(self.p.user_agent)
        if crawl_delay:
            host.crawl_delay = min(float(crawl_delay), 60.0)  # type: ignore[attr-defined]

    # ---------------------------------------------------------------- requests
    def get(self, url: str, etag: str | None = None, last_modified: str | None = None,
            _check_robots: bool = True) -> Response:
        """GET with redirects (robots checked at each hop), retries and back-off.

        Returns 200 or 304 responses; raises ``FetchError`` for everything else.
        """
        chain: list[str] = []
        current = url
        policy = self.p.policy
        for _hop in range(self.p.max_redirects + 1):
            if current in chain:
                raise FetchError(url, f"redirect loop via {current}")
            chain.append(current)
            # every hop: only http(s), and only addresses the policy allows (checked after DNS resolution;
            # the connection goes to these very addresses)
            addresses = policy.resolve(current, self.p.timeout)
            if _check_robots and not self.allowed(current):
                host = self._host(current)
                if host.robots_state == "deny":  # robots.txt could not be read: try again later
                    raise FetchError(current, f"robots.txt unreachable ({host.robots_error})", retryable=True)
                raise FetchError(current, "forbidden by robots.txt", status=None, retryable=False)
            resp = self._attempts(current, addresses, etag if len(chain) == 1 else None,
                                  last_modified if len(chain) == 1 else None)
            if resp.status in _REDIRECTS:
                target = resp.headers.get("location")
                if not target:
                    raise FetchError(current, f"redirect ({resp.status}) without a Location", resp.status)
                current = normalise_url(target, base=current)
                continue
            resp.chain = chain
            return resp
        raise FetchError(url, f"more than {self.p.max_redirects} redirects")

    def _attempts(self, url: str, addresses: list[Address], etag: str | None, last_modified: str | None) -> Response:
        delay = self.p.backoff
        for attempt in range(self.p.retries + 1):
            try:
                return self._once(url, addresses, etag, last_modified)
            except FetchError as exc:
                if not exc.retryable or attempt == self.p.retries:
                    raise
                wait = max(delay, exc.retry_after)
                self._sleep(min(wait, 300.0))
                delay *= 2
        raise AssertionError("unreachable")

    def _once(self, url: str, addresses: list[Address], etag: str | None, last_modified: str | None) -> Response:
        host = self._host(url)
        headers = {"User-Agent": self.p.user_agent, "Accept-Encoding": "identity",
                   "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        with host.slots:
            with host.lock:
                now = time.monotonic()
                start = max(now, host.next_start)
                host.next_start = start + max(self.p.delay, getattr(host, "crawl_delay", 0.0))
            if start > now:
                self._sleep(start - now)
            status, hmap, body = exchange(url, headers, addresses, self.p.timeout, self.p.max_bytes)
        if status in (200, 203, 304) or status in _REDIRECTS:
            return Response(url, status, body, hmap)
        err = FetchError(url, f"HTTP {status}", status, retryable=status in _RETRY_STATUS)
        err.retry_after = _retry_after(hmap.get("retry-after"))
        raise err


def _retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when.timestamp() - time.time())
