"""Saved web pages: main text and metadata through trafilatura, never the network.

Active and embedded content (scripts, styles, iframes, objects, SVG, forms) is cut
from the tree before extraction, so none of it can reach the article text.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree
from trafilatura import bare_extraction
from trafilatura.settings import Document, use_config

from ..errors import InputError
from ..model import RawArticle
from .decode import clean, decode

#: Elements whose content is never article text.
DROP_TAGS = (
    "script", "style", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet",
    "template", "svg", "math", "canvas", "audio", "video", "button", "select", "textarea", "input",
)
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.I)
_LANG = re.compile(r"^[A-Za-z]{2,3}$")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_CONFIG = use_config()
# The file size limit is ours ([ingest] max_file_size); trafilatura's own limits are lifted.
_CONFIG.set("DEFAULT", "MAX_FILE_SIZE", str(2**62))
_CONFIG.set("DEFAULT", "MIN_FILE_SIZE", "1")
# Dates found only in running text are guesses; the text stage does that with provenance.
_DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%d"}


def read_html(path: Path, data: bytes) -> Iterator[RawArticle | InputError]:
    """One article per page; id is the file stem, outlet the site name."""
    try:
        text, encoding = decode(data, path, declared=declared_charset(data))
        tree = _parse(text, path)
    except InputError as err:
        yield err
        return
    lang = page_language(tree)
    try:
        doc = bare_extraction(
            tree, with_metadata=True, include_comments=False, include_tables=True,
            date_extraction_params=_DATE_PARAMS, config=_CONFIG,
        )
    except Exception as exc:  # trafilatura bug on odd markup: report, go on
        yield InputError(str(path), f"could not extract the page text: {type(exc).__name__}: {exc}")
        return
    # bare_extraction gives a Document (a dict only with as_dict=True), or None when it finds nothing
    body = clean(doc.text or "").strip() if isinstance(doc, Document) else ""
    if not isinstance(doc, Document) or not body:
        yield InputError(
            str(path), "no article text found",
            hint="the page may be an index or a script-rendered page; save the article page itself",
        )
        return
    meta: dict[str, Any] = {} if encoding == "utf-8" else {"encoding": encoding}
    for key in ("author", "description", "hostname"):
        if value := getattr(doc, key, None):
            meta[key] = value
    for key in ("categories", "tags"):
        if value := getattr(doc, key, None):
            meta[key] = list(value)
    yield RawArticle(
        text=body,
        id=path.stem,
        title=_one_line(doc.title),
        url=doc.url or None,
        outlet=_one_line(doc.sitename),
        published=doc.date or None,
        lang=lang or _short_lang(doc.language),
        meta=meta,
        origin=str(path),
    )


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KiB (meta tag or XML declaration)."""
    head = data[:4096]
    m = _XML_DECL.search(head) or _CHARSET.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


def page_language(tree: Any) -> str | None:
    """Primary language subtag from <html lang>, Content-Language or og:locale ("en-US" -> "en")."""
    candidates = [tree.get("lang"), tree.get(_XML_LANG)]
    candidates += tree.xpath("//meta[translate(@http-equiv,'CONTENTLAGU','contentlagu')='content-language']/@content")
    candidates += tree.xpath("//meta[@property='og:locale']/@content")
    for value in candidates:
        if lang := _short_lang(value):
            return lang
    return None


def _short_lang(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    primary = re.split(r"[-_,;\s]", value.strip(), maxsplit=1)[0]
    return primary.lower() if _LANG.match(primary) else None


def _one_line(value: str | None) -> str | None:
    if not value:
        return None
    return " ".join(clean(value).split()) or None


def _parse(text: str, path: Path) -> Any:
    """Parse the decoded page and cut out everything that is not readable content."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        tree = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(str(path), f"not an HTML page: {exc}") from None
    if tree is None:
        raise InputError(str(path), "not an HTML page")
    etree.strip_elements(tree, *DROP_TAGS, with_tail=False)
    return tree
