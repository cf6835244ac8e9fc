"""Fact-checks as fact-checkers publish them: ClaimReview, fact-check search answers, CSV, HTML pages.

Four input formats, each record keeping its ``origin``:

* **ClaimReview** (schema.org JSON-LD): a single object, a list, or an ``@graph``; nested objects
  are searched for ``@type`` ClaimReview. The review's ``name`` or ``headline`` is its title.
* **HTML pages** of fact-checkers (.html, .htm, or any file that starts as a page): the ClaimReview
  JSON-LD they embed in ``<script type="application/ld+json">`` blocks; a review without a title of its
  own takes the page's (``og:title``, else ``<title>``).
* **Fact-check search services**: the JSON of the Google Fact Check Tools API
  (``{"claims": [{"text", "claimant", "claimDate", "claimReview": [...]}]}``), one record per review,
  titled by the review's ``title``.
* **CSV** with columns ``id, claim, title, rating, url, language, date, publisher`` (a ``text`` column
  is read as ``claim``, ``headline`` as ``title``); the ``id`` column is kept as ``factcheck_id``.

A ``.jsonl`` file may hold any of the JSON shapes, one per line.
"""
from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from .factchecks import FactCheck

_JSON_LD = re.compile(r"<script\b[^>]*\btype\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script\s*>",
                      re.IGNORECASE | re.DOTALL)
_OG_TITLE = re.compile(r"<meta\b[^>]*\bproperty\s*=\s*[\"']og:title[\"'][^>]*>", re.IGNORECASE)
_CONTENT = re.compile(r"\bcontent\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.IGNORECASE)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_PAGE = re.compile(r"\s*(?:<!doctype\s+html|<html\b|<head\b|<meta\b|<!--|<script\b)", re.IGNORECASE)
_CDATA = re.compile(r"^\s*(?:<!\[CDATA\[|<!--)|(?:\]\]>|-->)\s*$")


def _derived_id(*parts: str | None) -> str:
    return "FC" + hashlib.sha1("|".join(p or "" for p in parts).encode("utf-8")).hexdigest()[:12]


def _text(value: Any) -> str | None:
    """A schema.org value that may be a string, a list or an object with a name."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return next((t for t in (_text(v) for v in value) if t), None)
    if isinstance(value, dict):
        for k in ("name", "alternateName", "@value", "text", "url", "@id"):
            if value.get(k):
                return _text(value[k])
    return None


def _lang(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    t = _text(value)
    return t.split("-")[0].lower() if t else None


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    items = t if isinstance(t, list) else [t]
    return {str(x).rsplit("/", 1)[-1] for x in items if x}


def _walk(obj: Any) -> Iterator[dict[str, Any]]:
    """Every ClaimReview object in a JSON-LD document (single, list, @graph, nested)."""
    if isinstance(obj, list):
        for x in obj:
            yield from _walk(x)
    elif isinstance(obj, dict):
        if "ClaimReview" in _types(obj):
            yield obj
            return
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and k not in ("@context",):
                yield from _walk(v)


def from_claimreview(obj: dict[str, Any], origin: str = "") -> FactCheck:
    """One schema.org ClaimReview object."""
    claim = _text(obj.get("claimReviewed"))
    item: dict[str, Any] = obj["itemReviewed"] if isinstance(obj.get("itemReviewed"), dict) else {}
    if not claim:
        claim = _text(item.get("name")) or _text(item.get("text"))
    if not claim:
        raise InputError(origin, "ClaimReview without claimReviewed", hint="the claim text is required")
    rating_obj: dict[str, Any] = obj["reviewRating"] if isinstance(obj.get("reviewRating"), dict) else {}
    rating = _text(rating_obj.get("alternateName")) or _text(rating_obj.get("ratingValue"))
    url = _text(obj.get("url"))
    fid = _text(obj.get("@id")) or _text(obj.get("identifier")) or _derived_id(url, claim)
    lang = _lang(obj.get("inLanguage")) or _lang(item.get("inLanguage"))
    claimant = _text(item.get("author"))
    return FactCheck(fid, claim, rating, url, lang, _text(obj.get("datePublished")), _text(obj.get("author")),
                     claimant, _text(obj.get("name")) or _text(obj.get("headline")), origin, "claimreview")


def from_factcheck_tools(doc: dict[str, Any], origin: str = "") -> Iterator[FactCheck]:
    """A Google Fact Check Tools ``claims:search`` answer (or one of its ``claims`` entries)."""
    entries: list[Any] = doc["claims"] if isinstance(doc.get("claims"), list) else [doc]
    for i, entry in enumerate(entries):
        claim = _text(entry.get("text"))
        if not claim:
            continue
        for j, rev in enumerate(entry.get("claimReview") or [{}]):
            publisher = rev.get("publisher") or {}
            url = _text(rev.get("url"))
            yield FactCheck(_derived_id(url, claim), claim, _text(rev.get("textualRating")), url,
                            _lang(rev.get("languageCode")),
                            _text(rev.get("reviewDate")) or _text(entry.get("claimDate")),
                            _text(publisher.get("name")) or _text(publisher.get("site")), _text(entry.get("claimant")),
                            _text(rev.get("title")), f"{origin}#claims[{i}].claimReview[{j}]", "factcheck-tools")


def from_json(doc: Any, origin: str = "") -> Iterator[FactCheck]:
    """Any of the JSON shapes: ClaimReview(s) or a fact-check search answer."""
    if isinstance(doc, dict) and ("claims" in doc or "claimReview" in doc):
        yield from from_factcheck_tools(doc, origin)
        return
    found = False
    for k, obj in enumerate(_walk(doc)):
        found = True
        yield from_claimreview(obj, f"{origin}#{k}")
    if not found and isinstance(doc, dict) and ("claim" in doc or "text" in doc):
        yield _from_row(doc, origin)
    elif not found:
        raise InputError(origin, "no ClaimReview or fact-check claims found",
                         hint="expected schema.org ClaimReview JSON-LD or a Fact Check Tools 'claims' answer")


_CSV_ALIASES = {"claim": ("claim", "text", "claimreviewed", "claim_text"), "id": ("id", "factcheck_id"),
                "title": ("title", "headline", "review_title", "article_title"),
                "rating": ("rating", "verdict", "textualrating"), "url": ("url", "link"),
                "language": ("language", "lang", "languagecode"), "date": ("date", "datepublished", "reviewdate"),
                "publisher": ("publisher", "author", "source")}


def _from_row(row: dict[str, Any], origin: str) -> FactCheck:
    low = {str(k).strip().lower(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}

    def get(name: str) -> str | None:
        for k in _CSV_ALIASES[name]:
            if low.get(k):
                return str(low[k])
        return None

    claim = get("claim")
    if not claim:
        raise InputError(origin, "row without a claim", hint="a 'claim' column is required")
    url = get("url")
    lang = get("language")
    return FactCheck(get("id") or _derived_id(url, claim), claim, get("rating"), url,
                     lang.split("-")[0].lower() if lang else None, get("date"), get("publisher"),
                     title=get("title"), origin=origin, format="csv")


def read_csv(text: str, origin: str) -> Iterator[FactCheck | InputError]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames or not any(f and f.strip().lower() in _CSV_ALIASES["claim"] for f in reader.fieldnames):
        yield InputError(origin, "CSV without a claim column",
                         hint="columns: id, claim, title, rating, url, language, date, publisher")
        return
    for row in reader:
        line = reader.line_num
        try:
            yield _from_row(row, f"{origin}:{line}")
        except InputError as exc:
            yield exc


def read_html(text: str, origin: str) -> Iterator[FactCheck | InputError]:
    """The ClaimReview records a fact-check page embeds as JSON-LD (a review without a title of its own
    takes the page's); a page without one is an error that says so."""
    page_title = _page_title(text)
    found = 0
    for k, m in enumerate(_JSON_LD.finditer(text)):
        block = _CDATA.sub("", m.group(1)).strip()
        if not block:
            continue
        where = f"{origin}#script[{k}]"
        try:
            doc = json.loads(block)
        except json.JSONDecodeError as exc:
            yield InputError(where, f"invalid JSON-LD: {exc.msg}")
            continue
        for j, obj in enumerate(_walk(doc)):
            found += 1
            try:
                fc = from_claimreview(obj, f"{where}#{j}")
            except InputError as exc:
                yield exc
                continue
            fc.title = fc.title or page_title
            yield fc
    if not found:
        yield InputError(origin, "no ClaimReview in this page",
                         hint="the page must embed schema.org ClaimReview JSON-LD "
                              '(<script type="application/ld+json">); save it from the fact-checker\'s site as HTML')


def _page_title(text: str) -> str | None:
    og = _OG_TITLE.search(text)
    content = _CONTENT.search(og.group(0)) if og else None
    value = (content.group(1) or content.group(2)) if content else None
    if not value:
        m = _TITLE.search(text)
        value = m.group(1) if m else None
    value = " ".join(html.unescape(value).split()) if value else None
    return value or None


def read_factchecks(path: str | Path) -> Iterator[FactCheck | InputError]:
    """Fact-checks from a .json / .jsonld / .jsonl / .csv / .tsv / .html file; bad records are reported, not
    fatal. A file whose suffix does not tell is read as a page if it starts like one, else as JSON or CSV."""
    path = Path(path)
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        yield InputError(str(path), f"cannot read: {exc}", hint="fact-check files are read as UTF-8 text")
        return
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".xhtml") or (suffix not in (".json", ".jsonld", ".jsonl", ".csv", ".tsv")
                                                   and _PAGE.match(text)):
        yield from read_html(text, str(path))
        return
    if suffix in (".csv", ".tsv"):
        yield from read_csv(text, str(path))
        return
    if suffix == ".jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            origin = f"{path}:{n}"
            try:
                yield from from_json(json.loads(line), origin)
            except json.JSONDecodeError as exc:
                yield InputError(origin, f"invalid JSON: {exc.msg}")
            except InputError as exc:
                yield exc
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if suffix in (".json", ".jsonld"):
            yield InputError(str(path), f"invalid JSON: {exc.msg} (line {exc.lineno})")
            return
        yield from read_csv(text, str(path))  # no telling suffix: try CSV
        return
    try:
        yield from from_json(doc, str(path))
    except InputError as exc:
        yield exc


__all__ = ["from_claimreview", "from_factcheck_tools", "from_json", "read_csv", "read_factchecks", "read_html"]
