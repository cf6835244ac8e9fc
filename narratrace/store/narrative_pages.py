"""Narrative lists in SQL: which narratives a page shows, and the members and centroids of just those.

``group.narratives.describe`` labels a narrative from its members' passages, which is what a page costs;
here the narratives are counted, filtered, ordered and cut to a page first (``narrative_page``), on the
summary row each narrative keeps (``narrative_summaries.py``: its article count, first and last dates), so
a page reads and labels its own twenty narratives, not every one. A narrative's articles are those of its
stories and those assigned to it one by one; the default order is ``describe``'s: most articles first,
then the earliest date (undated first), then the id.
"""
from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import numpy as np

from ..errors import InputError
from .narrative_summaries import NarrativeSummaries
from .sql import _chunks

#: ORDER BY of each sort; each is an index of narrative_summaries (schema 12); the id breaks ties
NARRATIVE_SORTS = {
    "size": "s.size DESC, s.first_key, s.narrative_id",
    "recent": "s.recent DESC, s.size DESC, s.narrative_id",
}
MAX_LIMIT = 1000


def _date_conds(since: str | None, until: str | None) -> tuple[list[str], list[Any]]:
    """Narratives whose [first, last] date overlaps since..until (partial ISO dates, each compared on its
    own precision, as the story lists do; undated narratives are left out by either bound)."""
    conds: list[str] = []
    args: list[Any] = []
    if (since or "").strip():
        bound = (since or "").strip()
        conds.append("(CASE WHEN length(s.last_seen) >= ? THEN s.last_seen >= CAST(? AS TEXT) "
                     "ELSE s.last_seen >= substr(CAST(? AS TEXT), 1, length(s.last_seen)) END)")
        args += [len(bound), bound, bound]
    if (until or "").strip():
        bound = (until or "").strip()
        conds.append("(CASE WHEN length(s.first_seen) >= ? THEN substr(s.first_seen, 1, ?) <= CAST(? AS TEXT) "
                     "ELSE s.first_seen <= substr(CAST(? AS TEXT), 1, length(s.first_seen)) END)")
        args += [len(bound), len(bound), bound, bound]
    return conds, args


class NarrativePages(NarrativeSummaries):
    """The SQL behind paged narrative lists (``trace.pages.Pages.narratives``)."""

    def narrative_page(self, min_articles: int, limit: int, offset: int, sort: str = "size",
                       since: str | None = None, until: str | None = None) -> tuple[int, list[str]]:
        """(narratives with at least ``min_articles`` articles and dates overlapping ``since``..``until``,
        the ids of ``limit`` of them from ``offset`` in the ``sort`` order: size or recent)."""
        if sort not in NARRATIVE_SORTS:
            raise InputError("narratives", f"unknown sort {sort!r}", hint=f"use one of {', '.join(NARRATIVE_SORTS)}")
        limit, offset = max(0, min(int(limit), MAX_LIMIT)), max(0, int(offset))
        conds, args = _date_conds(since, until)
        where = " WHERE " + " AND ".join(["s.size >= ?", *conds])
        args = [max(1, int(min_articles)), *args]
        total = int(self._x(f"SELECT count(*) FROM narrative_summaries s{where}", args).fetchone()[0])
        if not total or not limit:
            return total, []
        rows = self._x(f"SELECT s.narrative_id FROM narrative_summaries s{where} ORDER BY {NARRATIVE_SORTS[sort]} "
                       "LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
        return total, [r[0] for r in rows]

    def article_heads(self, article_ids: Collection[str]) -> dict[str, tuple[str | None, str | None, str | None]]:
        """article id -> (lang, outlet, published) of these articles (unknown ids left out): what a narrative's
        description counts over all its members, without reading their texts."""
        out: dict[str, tuple[str | None, str | None, str | None]] = {}
        for chunk in _chunks(list(dict.fromkeys(article_ids)), 500):
            for aid, lang, outlet, published in self._x(
                    f"SELECT id, lang, outlet, published FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk).fetchall():
                out[aid] = (lang, outlet, published)
        return out

    def narrative_members_of(self, narrative_ids: Collection[str],
                             heads: dict[str, tuple[str | None, str | None, str | None]] | None = None
                             ) -> list[tuple[str, str, str | None, float | None, list[int]]]:
        """``narrative_members`` of these narratives only, in the same order (narratives by creation, then
        articles in storage order), without reading the rest; ``heads``, when given, gets each member's
        ``article_heads`` entry from the same rows (a page's description reads the articles once)."""
        out: list[tuple[str, str, str | None, float | None, list[int]]] = []
        seen: set[tuple[str, str]] = set()
        parsed: dict[str, list[int]] = {}  # members share a few passage lists ("[0]", "[1, 2]")
        for chunk in _chunks(sorted(set(narrative_ids)), 200):
            marks = ",".join("?" * len(chunk))
            rows = self._x(
                "SELECT n.rowid, n.id, a.rowid, a.id, a.story_id, na.score, coalesce(na.passages, '[]'), a.lang, "
                "a.outlet, a.published FROM narratives n JOIN narrative_stories ns ON ns.narrative_id = n.id "
                "JOIN articles a ON a.story_id = ns.story_id LEFT JOIN narrative_articles na ON na.article_id = a.id "
                f"WHERE n.id IN ({marks}) "  # UNION ALL: a member both ways gives the same row twice, kept once below
                "UNION ALL SELECT n.rowid, n.id, a.rowid, a.id, a.story_id, na.score, na.passages, a.lang, a.outlet, "
                "a.published FROM narratives n JOIN narrative_articles na ON na.narrative_id = n.id "
                f"JOIN articles a ON a.id = na.article_id WHERE n.id IN ({marks})", [*chunk, *chunk]).fetchall()
            for _nr, nid, _ar, aid, sid, score, ps, lang, outlet, published in sorted(rows, key=lambda r: (r[0], r[2])):
                if (nid, aid) not in seen:
                    seen.add((nid, aid))
                    ps = ps or "[]"
                    if ps not in parsed:
                        parsed[ps] = json.loads(ps)
                    out.append((nid, aid, sid, score, list(parsed[ps])))
                    if heads is not None:
                        heads[aid] = (lang, outlet, published)
        return out

    def narrative_centroids_of(self, narrative_ids: Collection[str]) -> tuple[list[str], np.ndarray]:
        """(ids, summed member vectors) of these narratives (``narrative_centroids`` without the rest)."""
        ids: list[str] = []
        vecs: list[np.ndarray] = []
        for chunk in _chunks(sorted(set(narrative_ids)), 500):
            for nid, blob in self._x(f"SELECT id, centroid FROM narratives WHERE id IN ({','.join('?' * len(chunk))})",
                                     chunk).fetchall():
                ids.append(nid)
                vecs.append(np.frombuffer(blob, dtype=np.float32))
        dim = int(self.get_meta("dim") or 0)
        return ids, (np.stack(vecs) if vecs else np.zeros((0, dim), np.float32))
