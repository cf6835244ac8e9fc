"""Turns a ``RawArticle`` into an ``Article`` with typed passages.

PROVISIONAL: a minimal version so that later stages can run; the text stage
replaces the internals (language id, normalisation, boilerplate, sentences,
metadata) without changing this signature.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from ..model import BODY, Article, Passage, RawArticle


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


class TextPipeline:
    """Parameters in the constructor; ``transform`` does the work."""

    def __init__(self, max_passage_chars: int = 1500, max_article_chars: int = 200_000, **_: object) -> None:
        self.max_passage_chars = max_passage_chars
        self.max_article_chars = max_article_chars

    def transform(self, raw: RawArticle) -> Article:
        text = raw.text[: self.max_article_chars]
        passages: list[Passage] = []
        for m in re.finditer(r"[^\n]+", text):
            if not m.group().strip():
                continue
            passages.append(Passage(index=len(passages), text=m.group(), start=m.start(), end=m.end(),
                                    kind=BODY, key=_key(m.group())))
        art_id = raw.id or hashlib.sha256(_key(text).encode()).hexdigest()[:16]
        return Article(id=art_id, text=raw.text, title=raw.title, url=raw.url, outlet=raw.outlet,
                       published=raw.published, lang=raw.lang, meta=dict(raw.meta), origin=raw.origin,
                       passages=passages)


def analyse(raw: RawArticle) -> Article:
    """Convenience for notebooks: analyse one record with default settings."""
    return TextPipeline().transform(raw)
