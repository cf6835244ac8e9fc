"""A fetched page -> ``RawArticle``: the same trafilatura extraction as saved pages (``ingest.html``).

Metadata priority: what the page itself declares (canonical URL, date, language, site name),
then what the listing said (feed entry, news sitemap, outlet list). A site name that is only
the host name is dropped, so that the text stage can still read the outlet from a dateline.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ...errors import InputError
from ...model import RawArticle
from ..html import read_html
from ..values import check_published, checked
from .fetch import normalise_url

__all__ = ["Item", "article_id", "page_record"]


@dataclass
class Item:
    """A page to collect, with what its listing said about it."""

    url: str
    title: str | None = None
    published: str | None = None
    outlet: str | None = None
    lang: str | None = None
    #: the feed, sitemap or list it came from
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def article_id(url: str) -> str:
    """A stable article id for a page: ``web-`` + 16 hex digits of its canonical URL's hash."""
    return "web-" + hashlib.sha256(normalise_url(url).encode("utf-8")).hexdigest()[:16]


def _is_host_name(name: str, url: str) -> bool:
    host = urlsplit(url).netloc.lower()
    n = name.strip().lower()
    return n == host or n == host.split(":")[0] or n.removeprefix("www.") == host.removeprefix("www.")


def page_record(item: Item, final_url: str, body: bytes) -> RawArticle | InputError:
    """The article of one fetched page, or the InputError saying why there is none."""
    name = PurePosixPath(urlsplit(final_url).path).name or "index.html"
    found = next(iter(read_html(PurePosixPath(name), body)), None)  # type: ignore[arg-type]
    if isinstance(found, InputError):
        msg = found.message.split(": ", 1)[-1]
        return InputError(final_url, msg, hint=found.hint)
    if found is None:
        return InputError(final_url, "no article text found")
    canonical = found.url if found.url and found.url.startswith(("http://", "https://")) else final_url
    canonical = normalise_url(canonical)
    if urlsplit(canonical).netloc != urlsplit(final_url).netloc:
        canonical = normalise_url(final_url)  # a page may not claim another site's address
    outlet = found.outlet if found.outlet and not _is_host_name(found.outlet, final_url) else None
    meta = dict(found.meta)
    meta.update({k: v for k, v in item.meta.items() if v is not None})
    meta["fetched_url"] = final_url
    if item.source:
        meta["collected_from"] = item.source
    if item.url != final_url:
        meta["listed_url"] = item.url
    return checked(replace(  # the listing's title and date meet the same checks as the page's
        found,
        id=article_id(canonical),
        url=canonical,
        title=found.title or item.title,
        outlet=item.outlet or outlet,
        published=check_published(found.published)[0] or item.published,
        lang=found.lang or item.lang,
        meta=meta,
        origin=canonical,
    ))
