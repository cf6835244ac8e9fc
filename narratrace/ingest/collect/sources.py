"""What to collect: outlet lists (OPML, YAML) and the listings they point at (feeds, sitemaps, URL lists).

``read_outlets(path)`` gives ``Source`` entries; ``parse_listing(body, url)`` turns a fetched
listing into ``Item`` values (pages to fetch) and, for a sitemap index, further listings.
"""
from __future__ import annotations

import calendar
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ...errors import InputError
from .fetch import normalise_url
from .page import Item

__all__ = ["KINDS", "Listing", "Source", "parse_listing", "read_outlets", "source_of"]

#: kind of a source: auto (sniffed from the content), feed, sitemap, urls (one URL a line),
#: page (the URL is an article), telegram (a Telegram Desktop export, result.json)
KINDS = ("auto", "feed", "sitemap", "urls", "page", "telegram")


@dataclass
class Source:
    """One thing to poll: a URL or a local file, with what the outlet list says about it."""

    url: str
    kind: str = "auto"
    outlet: str | None = None
    lang: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(self.url, f"unknown source kind {self.kind!r}", hint=f"kinds: {', '.join(KINDS)}")


@dataclass
class Listing:
    """What a listing held: pages to fetch and, for a sitemap index, more listings."""

    kind: str
    items: list[Item] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    title: str | None = None


def source_of(spec: str) -> list[Source]:
    """Sources named on the command line: a URL, or a local file (outlet list, URL list, feed, export)."""
    if spec.startswith(("http://", "https://")):
        return [Source(spec)]
    path = Path(spec)
    if not path.is_file():
        raise InputError(spec, "neither a URL nor a readable file", hint="give http(s) URLs or local files")
    suffix = path.suffix.lower()
    if suffix in (".opml", ".yaml", ".yml"):
        return read_outlets(path)
    if suffix == ".json":
        return [Source(str(path), "telegram")]
    return [Source(str(path))]


# ----------------------------------------------------------------- outlet lists
def read_outlets(path: str | Path) -> list[Source]:
    """Sources from an OPML file (``<outline xmlUrl=...>``) or a YAML file (see docs/collect.md)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read the outlet list: {exc.strerror or exc}") from exc
    if path.suffix.lower() == ".opml" or data.lstrip()[:5] in (b"<?xml", b"<opml"):
        return _opml(path, data)
    return outlets_from_yaml(path, data)


def _opml(path: Path, data: bytes) -> list[Source]:
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise InputError(str(path), f"not an OPML file: {exc}") from exc
    out = []
    for node in root.iter("outline"):
        url = node.get("xmlUrl") or node.get("xmlurl") or node.get("url")
        if not url:
            continue
        kind = (node.get("type") or "").lower()
        kind = {"rss": "feed", "atom": "feed", "sitemap": "sitemap", "link": "page"}.get(kind, "auto")
        out.append(Source(url.strip(), kind, node.get("title") or node.get("text") or None,
                          node.get("language") or None))
    return out


def outlets_from_yaml(path: Path | str, data: bytes | str | dict[str, Any] | list[Any]) -> list[Source]:
    """``outlets:`` entries, each with a name, lang and one or more of feed/feeds, sitemap, urls, telegram.

    A bare URL string counts as an auto-detected source.
    """
    import yaml

    if isinstance(data, (bytes, str)):
        try:
            data = yaml.safe_load(data)
        except yaml.YAMLError as exc:
            raise InputError(str(path), f"not a YAML file: {exc}") from exc
    entries = data.get("outlets", []) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise InputError(str(path), "expected a list of outlets", hint="outlets: [{name: ..., feed: URL}]")
    out: list[Source] = []
    base = Path(path).parent
    for n, entry in enumerate(entries, 1):
        if isinstance(entry, str):
            out.append(Source(entry))
            continue
        if not isinstance(entry, dict):
            raise InputError(str(path), f"outlet {n}: expected a mapping or a URL")
        name, lang = entry.get("name"), entry.get("lang")
        for key, kind in (("feed", "feed"), ("feeds", "feed"), ("sitemap", "sitemap"), ("sitemaps", "sitemap"),
                          ("urls", "urls"), ("pages", "page"), ("url", "auto"), ("telegram", "telegram")):
            values = entry.get(key)
            if values is None:
                continue
            for value in values if isinstance(values, list) else [values]:
                value = str(value)
                if kind == "telegram" and not value.startswith(("http://", "https://")):
                    value = str((base / value) if not Path(value).is_absolute() else Path(value))
                out.append(Source(value, kind, name, lang))
    return out


# --------------------------------------------------------------------- listings
def parse_listing(body: bytes, url: str, kind: str = "auto", max_items: int = 500) -> Listing:
    """Pages listed by a feed, a sitemap (or sitemap index) or a URL list; ``page`` lists itself."""
    if kind == "auto":
        kind = _sniff(body)
    if kind == "page":
        return Listing("page", [Item(normalise_url(url), source=url)])
    if kind == "sitemap":
        return _sitemap(body, url, max_items)
    if kind == "feed":
        return _feed(body, url, max_items)
    return _url_list(body, url, max_items)


def _sniff(body: bytes) -> str:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "page"
    if head.startswith(b"<"):
        for tag, kind in ((b"<urlset", "sitemap"), (b"<sitemapindex", "sitemap"), (b"<rss", "feed"),
                          (b"<feed", "feed"), (b"<rdf:rdf", "feed"), (b"<html", "page")):
            if tag in head:
                return kind
        return "feed"
    if head.startswith((b"{", b"[")):
        return "urls"
    return "urls"


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _sitemap(body: bytes, url: str, max_items: int) -> Listing:
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True,
                                                             recover=True, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise InputError(url, f"not a sitemap: {exc}") from exc
    if root is None:
        raise InputError(url, "not a sitemap: empty document")
    listing = Listing("sitemap")
    if _local(root.tag) == "sitemapindex":
        for sm in root:
            loc = next((c.text for c in sm if _local(c.tag) == "loc" and c.text), None)
            if loc:
                listing.children.append(normalise_url(loc, base=url))
        return listing
    for node in root:
        if _local(node.tag) != "url":
            continue
        fields: dict[str, str] = {}
        for el in node.iter():
            name = _local(el.tag)
            if el.text and el.text.strip() and name not in fields:
                fields[name] = el.text.strip()
        if "loc" not in fields:
            continue
        listing.items.append(Item(
            normalise_url(fields["loc"], base=url), title=fields.get("title"),
            published=fields.get("publication_date") or fields.get("lastmod"),
            outlet=fields.get("name"), lang=fields.get("language"), source=url))
        if len(listing.items) >= max_items:
            break
    return listing


def _feed(body: bytes, url: str, max_items: int) -> Listing:
    import feedparser

    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if parsed.bozo and not parsed.entries:
        raise InputError(url, f"not a feed: {parsed.get('bozo_exception')}")
    feed = parsed.get("feed", {})
    lang = feed.get("language")
    listing = Listing("feed", title=feed.get("title"))
    for entry in parsed.entries[:max_items]:
        link = entry.get("link") or next((lk.get("href") for lk in entry.get("links", []) if lk.get("href")), None)
        if not link:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        listing.items.append(Item(
            normalise_url(link, base=url), title=entry.get("title") or None,
            published=_iso(when), lang=lang, source=url,
            meta={"feed_title": listing.title, "guid": entry.get("id")}))
    return listing


def _iso(when: time.struct_time | None) -> str | None:
    if not when:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(when)))


def _url_list(body: bytes, url: str, max_items: int) -> Listing:
    text = body.decode("utf-8", "replace")
    if text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
            urls = data if isinstance(data, list) else data.get("urls", [])
            text = "\n".join(str(u) for u in urls)
        except (json.JSONDecodeError, AttributeError):
            pass
    items = []
    base = url if url.startswith(("http://", "https://")) else None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("http://", "https://")) or (base and line.startswith("/")):
            items.append(Item(normalise_url(line, base=base), source=url))
        if len(items) >= max_items:
            break
    return Listing("urls", items)
