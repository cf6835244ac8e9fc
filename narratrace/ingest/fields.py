"""Map a record (JSON object, CSV row) to a ``RawArticle``: field names, aliases, types.

JSON, JSON Lines and CSV share these rules so that the same export reads the
same way whatever its format.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from ..model import RawArticle
from .decode import clean, is_blank
from .values import checked

#: RawArticle field -> accepted names, canonical first. Matched case-insensitively.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "_id", "guid", "doc_id", "article_id"),
    "text": ("text", "content", "body", "maintext", "article", "full_text"),
    "title": ("title", "headline"),
    "url": ("url", "link", "canonical_url"),
    "outlet": ("outlet", "source", "site", "sitename", "publisher"),
    "published": ("published", "date", "published_at", "publishedat", "publish_date", "date_publish", "pubdate"),
    "lang": ("lang", "language"),
}
_LOOKUP: dict[str, tuple[str, int]] = {
    alias: (field, rank) for field, names in ALIASES.items() for rank, alias in enumerate(names)
}
TEXT_NAMES = ", ".join(ALIASES["text"])


_KEYS: dict[str, tuple[str, int] | None] = {}


def field_of(key: str) -> tuple[str, int] | None:
    """(RawArticle field, alias rank) for a record key, or None if it is not one of ours."""
    try:
        return _KEYS[key]
    except KeyError:
        found = _LOOKUP.get(key.strip().lower())
        if len(_KEYS) < 4096:  # memo: a file has few distinct keys; stay bounded if not
            _KEYS[key] = found
        return found


def build(
    record: Mapping[str, Any], path: str, line: int | None, origin: str, where: str = ""
) -> RawArticle | InputError:
    """A RawArticle from one record, or the InputError that says why not.

    When a field appears under several names the canonical one wins and the others
    stay in ``meta``; every key that is not a known field is kept in ``meta`` as is.
    Runs once per record of a million-record file, hence one pass and no helpers.
    """
    chosen: dict[str, tuple[int, str, Any]] = {}
    meta: dict[str, Any] = {}
    for key, value in record.items():
        found = field_of(key) if isinstance(key, str) else None
        if found is None:
            meta[key] = value
            continue
        field, rank = found
        prev = chosen.get(field)
        if prev is None:
            chosen[field] = (rank, key, value)
        elif rank < prev[0]:
            meta[prev[1]] = prev[2]
            chosen[field] = (rank, key, value)
        else:
            meta[key] = value
    text = _text(chosen["text"][2]) if "text" in chosen else None
    if not text or is_blank(text):
        return InputError(
            path, f"{where}record has no text ({'empty' if 'text' in chosen else 'missing'})", line=line,
            hint=f"give the article text in one of: {TEXT_NAMES}",
        )
    get = chosen.get
    published = get("published", _NONE)[2]
    # checked: an impossible date, a lone surrogate or NaN is repaired or dropped here, and recorded
    return checked(RawArticle(
        text=text,
        id=_string(get("id", _NONE)[2]),
        title=_clean_string(get("title", _NONE)[2]),
        url=_string(get("url", _NONE)[2]),
        outlet=_outlet(get("outlet", _NONE)[2]),
        published=_clean_string(published) if isinstance(published, str) else published,
        lang=_string(get("lang", _NONE)[2]),
        meta=meta,
        origin=origin,
    ))


_NONE = (0, "", None)


def _text(value: Any) -> str | None:
    """Article text; a list of paragraphs is joined with blank lines."""
    if isinstance(value, str):
        return clean(value).strip()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return clean("\n\n".join(v.strip() for v in value if v.strip())).strip()
    return None


def _string(value: Any) -> str | None:
    """Ids of any scalar type become strings (1 -> "1"); empty means absent."""
    if type(value) is str:
        return clean(value).strip() or None
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _clean_string(value: Any) -> str | None:
    text = _string(value)
    if text is None:
        return None
    return " ".join(clean(text).split()) or None


def _outlet(value: Any) -> str | None:
    """Outlet name; NewsAPI-style ``{"id": ..., "name": ...}`` objects give their name."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("title") or value.get("id")
    return _clean_string(value)
