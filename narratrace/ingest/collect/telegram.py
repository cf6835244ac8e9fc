"""Telegram Desktop exports (``result.json``): one message, one article; forwards become provenance.

Reads a single-chat export (``{"name", "type", "id", "messages"}``) and a full-account export
(``{"chats": {"list": [...]}}``). Service messages and messages without text are skipped.
A forwarded message keeps ``forwarded_from`` (the original channel) in its metadata, and
``forward_links`` turns it into a ``forwarded_from`` link once the articles are stored.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...model import Link, RawArticle
from ..decode import clean
from ..values import checked

__all__ = ["channel_key", "forward_links", "is_telegram_export", "read_telegram", "item_key"]


def is_telegram_export(data: Any) -> bool:
    return isinstance(data, dict) and (isinstance(data.get("messages"), list)
                                       or isinstance(data.get("chats"), dict))


def channel_key(name: str | None, ident: Any = None) -> str:
    """``telegram:<slug>`` for a channel: its id when known, else its name folded to a slug."""
    if ident not in (None, ""):
        return f"telegram:{re.sub(r'^(channel|user|chat)', '', str(ident))}"
    slug = unicodedata.normalize("NFKC", name or "").casefold()
    slug = re.sub(r"[^\w]+", "-", slug).strip("-")
    return f"telegram:{slug or 'unknown'}"


def item_key(chat_id: Any, message_id: Any) -> str:
    return f"tg:{chat_id}/{message_id}"


def _text(value: Any) -> str:
    """Message text: a string, or a list of strings and entity objects ({"type", "text"})."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else str(v.get("text", "")) if isinstance(v, dict) else ""
                       for v in value)
    return ""


def _date(msg: dict[str, Any]) -> str | None:
    unix = msg.get("date_unixtime")
    if unix not in (None, ""):
        try:
            return datetime.fromtimestamp(int(unix), tz=UTC).isoformat().replace("+00:00", "Z")
        except (TypeError, ValueError, OverflowError, OSError):
            pass
    date = msg.get("date")
    return str(date) if date else None


def read_telegram(path: str | Path) -> Iterator[RawArticle | InputError]:
    """Every text message of every chat in the export, oldest first as exported."""
    path = Path(path)
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        yield InputError(str(path), f"cannot read the Telegram export: {exc}")
        return
    if not is_telegram_export(data):
        yield InputError(str(path), "not a Telegram Desktop export",
                         hint="export a channel from Telegram Desktop as JSON (result.json)")
        return
    chats = data["chats"].get("list", []) if isinstance(data.get("chats"), dict) else [data]
    for chat in chats:
        if not isinstance(chat, dict):
            continue
        name, chat_id = chat.get("name"), chat.get("id")
        for n, msg in enumerate(chat.get("messages") or []):
            if not isinstance(msg, dict) or msg.get("type", "message") != "message":
                continue
            text = clean(_text(msg.get("text"))).strip()
            if not text:
                continue
            mid = msg.get("id", n)
            meta: dict[str, Any] = {"telegram_key": item_key(chat_id, mid), "channel": name,
                                    "channel_id": chat_id, "message_id": mid}
            for key in ("forwarded_from", "forwarded_from_id", "saved_from", "reply_to_message_id",
                        "edited", "from", "from_id", "author"):
                if msg.get(key) not in (None, ""):
                    meta[key] = msg[key]
            # checked: a cut emoji's lone surrogate (common in exports) or a bad date is repaired or dropped
            yield checked(RawArticle(
                text=text,
                id=f"tg-{chat_id}-{mid}",
                outlet=name,
                published=_date(msg),
                meta=meta,
                origin=f"{path}#{chat_id}/{mid}",
            ))


def forward_links(records: list[RawArticle]) -> list[Link]:
    """A ``forwarded_from`` link for every forwarded message: article -> the original channel.

    A forward whose text is stored already under another id is stored too, as a copy of it (linked
    ``copy`` by ingest), so the link always starts at the forward's own article.
    """
    out = []
    for rec in records:
        original = rec.meta.get("forwarded_from")
        if not original or not rec.id:
            continue
        evidence = {"channel": original, "forwarded_from_id": rec.meta.get("forwarded_from_id"),
                    "forwarded_by": rec.meta.get("channel"), "message_id": rec.meta.get("message_id"),
                    "date": rec.published, "field": "forwarded_from"}
        target = {"id": channel_key(original, rec.meta.get("forwarded_from_id")), "name": original,
                  "kind": "telegram_channel"}
        out.append(Link(source=rec.id, target=target, kind="forwarded_from", score=1.0,
                        direction="source->target", evidence={k: v for k, v in evidence.items() if v is not None}))
    return out
