"""One poll: listings -> new page URLs -> polite fetches -> ``RawArticle`` records.

The collector never stores articles: the caller hands ``Batch.records`` to
``Narratrace.add`` and then calls ``Batch.commit()``, which marks the items done and saves
the listings' validators. A poll that dies before ``commit`` is simply done again.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...model import Link, RawArticle
from .fetch import Fetcher, FetchError, normalise_url
from .page import Item, page_record
from .sources import Listing, Source, parse_listing
from .state import CollectState
from .telegram import forward_links, read_telegram

__all__ = ["Batch", "Collector"]

#: HTTP statuses after which a page is not asked for again
_GONE = {400, 401, 403, 404, 405, 410, 451}


@dataclass
class Batch:
    """What one poll found. Store ``records``, then ``commit()``."""

    state: CollectState
    records: list[RawArticle] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    listings: int = 0
    not_modified: int = 0
    discovered: int = 0
    already: int = 0
    fetched: int = 0
    blocked: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    _done: list[tuple[str, str, str | None, str | None, str | None]] = field(default_factory=list)
    _marks: list[tuple[str, str, str | None, str | None, str | None]] = field(default_factory=list)
    _validators: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    _items: dict[str, dict[str, Any]] = field(default_factory=dict)
    _listing_urls: list[str] = field(default_factory=list)

    def links(self) -> list[Link]:
        """Provenance links the records carry (Telegram forwards)."""
        return forward_links(self.records)

    def commit(self) -> None:
        """The records are stored: never fetch them again; remember the listings' validators."""
        self.state.mark(self._done + self._marks, self._items)
        self.state.save_validators(self._validators)
        self._done, self._marks, self._validators = [], [], []

    def summary(self) -> dict[str, Any]:
        return {"listings": self.listings, "not_modified": self.not_modified, "discovered": self.discovered,
                "already_collected": self.already, "fetched": self.fetched, "articles": len(self.records),
                "blocked": len(self.blocked), "failed": len(self.failed), "errors": len(self.errors)}


class Collector:
    """Polls sources politely; remembers what it has collected in a ``CollectState``."""

    def __init__(self, state: CollectState, fetcher: Fetcher | None = None, max_items: int = 500,
                 max_attempts: int = 3, max_sitemaps: int = 20,
                 on_event: Callable[[str, str], None] | None = None) -> None:
        self.state = state
        self.fetcher = fetcher or Fetcher()
        self.max_items = max_items
        self.max_attempts = max_attempts
        self.max_sitemaps = max_sitemaps
        self.on_event = on_event or (lambda what, detail: None)

    def poll(self, sources: list[Source]) -> Batch:
        batch = Batch(self.state)
        items: list[Item] = []
        for src in sources:
            if src.kind == "telegram":
                self._telegram(src, batch)
                continue
            try:
                items.extend(self._listing(src, batch))
            except InputError as err:
                batch.errors.append(err)
        # pages that failed before (a timeout, a 503) are tried again even when their listing has not changed
        listed = {it.url for it in items}
        for url, info in self.state.retryable(batch._listing_urls, self.max_attempts):
            if url not in listed:
                items.append(Item(**{**info, "url": url}) if info else Item(url))
        self._pages(items, batch)
        return batch

    # -------------------------------------------------------------- listings
    def _listing(self, src: Source, batch: Batch) -> list[Item]:
        todo = [(src.url, src.kind)]
        seen: set[str] = set()
        items: list[Item] = []
        while todo and len(seen) < self.max_sitemaps:
            url, kind = todo.pop(0)
            if url in seen:
                continue
            seen.add(url)
            batch._listing_urls.append(url)
            # a local file only when the user named it; what a listing points to goes through the fetcher
            body = self._read_listing(url, batch, local_ok=url == src.url)
            if body is None:
                continue
            listing: Listing = parse_listing(body, url, kind, self.max_items)
            batch.listings += 1
            todo.extend((child, "sitemap") for child in listing.children)
            for it in listing.items:
                it.outlet = src.outlet or it.outlet
                it.lang = it.lang or src.lang
            items.extend(listing.items)
        return items

    def _read_listing(self, url: str, batch: Batch, local_ok: bool = True) -> bytes | None:
        if local_ok and not url.startswith(("http://", "https://")) and "://" not in url:
            try:
                return Path(url).read_bytes()
            except OSError as exc:
                batch.errors.append(InputError(url, f"cannot read: {exc.strerror or exc}"))
                return None
        etag, modified = self.state.validators(url)
        try:
            resp = self.fetcher.get(url, etag=etag, last_modified=modified)
        except FetchError as exc:
            self._failed(exc, batch)
            return None
        if resp.not_modified:
            batch.not_modified += 1
            self.on_event("not_modified", url)
            return None
        self.on_event("listing", url)
        if resp.etag or resp.last_modified:
            batch._validators.append((url, resp.etag, resp.last_modified))
        return resp.body

    def _failed(self, exc: FetchError, batch: Batch) -> None:
        """Robots.txt refusals are "blocked"; the rest, refused addresses included, "failed" with the reason."""
        if exc.reason == "forbidden by robots.txt":
            batch.blocked.append(exc.url)
        else:
            batch.failed.append((exc.url, exc.reason))
        what = "blocked" if exc.reason == "forbidden by robots.txt" else "refused" if exc.refused else "failed"
        self.on_event(what, str(exc))

    # ----------------------------------------------------------------- pages
    def _pages(self, items: list[Item], batch: Batch) -> None:
        unique: dict[str, Item] = {}
        for it in items:
            unique.setdefault(it.url, it)
        batch.discovered = len(unique)
        known = self.state.status(unique)
        todo = []
        for url, it in unique.items():
            status, attempts = known.get(url, ("", 0))
            if status in ("done", "gone", "blocked") or (status == "failed" and attempts >= self.max_attempts):
                batch.already += 1
                continue
            todo.append(it)
        if not todo:
            return
        workers = max(1, min(self.fetcher.p.workers, len(todo)))
        with ThreadPoolExecutor(workers, thread_name_prefix="collect") as pool:
            results = list(pool.map(self._fetch_page, todo))
        canonical_seen = self.state.status(r.url for r in results if isinstance(r, RawArticle) and r.url)
        for it, res in zip(todo, results):
            if isinstance(res, FetchError):
                self._failed(res, batch)
                status = ("blocked" if res.reason == "forbidden by robots.txt" else
                          "gone" if res.status in _GONE or not res.retryable else "failed")
                batch._marks.append((it.url, status, None, it.source, res.reason))
                if status == "failed":
                    batch._items[it.url] = asdict(it)
                continue
            batch.fetched += 1
            if isinstance(res, InputError):
                batch.errors.append(res)
                batch._marks.append((it.url, "gone", None, it.source, res.message))
                continue
            if res.url and res.url != it.url and canonical_seen.get(res.url, ("",))[0] == "done":
                batch._done.append((it.url, "done", res.id, it.source, None))  # listed under another address
                batch.already += 1
                continue
            batch.records.append(res)
            batch._done.append((it.url, "done", res.id, it.source, None))
            if res.url and res.url != it.url:
                batch._done.append((res.url, "done", res.id, it.source, None))

    def _fetch_page(self, item: Item) -> RawArticle | InputError | FetchError:
        try:
            resp = self.fetcher.get(item.url)
        except FetchError as exc:
            return exc
        if resp.not_modified:
            return FetchError(item.url, "not modified", 304)
        self.on_event("page", item.url)
        return page_record(item, normalise_url(resp.url), resp.body)

    # -------------------------------------------------------------- telegram
    def _telegram(self, src: Source, batch: Batch) -> None:
        batch.listings += 1
        records = []
        for rec in read_telegram(src.url):
            if isinstance(rec, InputError):
                batch.errors.append(rec)
            else:
                records.append(rec)
        batch.discovered += len(records)
        known = self.state.status(r.meta["telegram_key"] for r in records)
        for rec in records:
            key = rec.meta["telegram_key"]
            if known.get(key, ("",))[0] == "done":
                batch.already += 1
                continue
            rec.outlet = src.outlet or rec.outlet
            rec.lang = rec.lang or src.lang
            batch.records.append(rec)
            batch._done.append((key, "done", rec.id, src.url, None))
