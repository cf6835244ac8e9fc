"""What the trace stage reads of the story members a new article is compared with, for all of them at once.

Provenance compares each new article with up to ``[stories] trace_members`` members of its story. Of a
stored member it needs the article's header (id, outlet, date, language: the relation's direction and its
reasons) and the attributions of its ``cites`` links, never its text, meta or provenance: those are the
largest columns of an article row and, one member at a time, were most of the pass's reads at 1M articles.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..model import Article, Link
from .sql import SQLBase, _chunks


class MemberReads(SQLBase):
    """Batched reads of story members' headers and citations (SQLite and PostgreSQL alike)."""

    def article_headers(self, article_ids: Iterable[str]) -> dict[str, Article]:
        """id -> the article without its text, meta and provenance (empty), and without passages; unknown
        ids are left out."""
        out: dict[str, Article] = {}
        for chunk in _chunks(list(dict.fromkeys(article_ids)), 500):
            rows = self._x("SELECT id, title, url, outlet, published, lang, origin, story_id FROM articles "
                           f"WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            for aid, title, url, outlet, published, lang, origin, story_id in rows:
                out[aid] = Article(id=aid, text="", title=title, url=url, outlet=outlet, published=published,
                                   lang=lang, origin=origin or "", story_id=story_id)
        return out

    def cites_links_of(self, article_ids: Iterable[str]) -> dict[str, list[Link]]:
        """id -> the article's outgoing ``cites`` links in storage order (as ``links(article_id=, kind="cites")``
        reads them one article at a time); every asked id is a key."""
        ids = list(dict.fromkeys(article_ids))
        out: dict[str, list[Link]] = {aid: [] for aid in ids}
        for chunk in _chunks(ids, 500):
            rows = self._x("SELECT source, target, kind, score, direction, evidence FROM links "
                           f"WHERE kind = 'cites' AND source IN ({','.join('?' * len(chunk))}) ORDER BY rowid",
                           chunk).fetchall()
            for s, t, k, sc, d, ev in rows:
                target: Any = json.loads(t) if t.startswith("{") else t
                out[s].append(Link(source=s, target=target, kind=k, score=sc, direction=d, evidence=json.loads(ev)))
        return out
