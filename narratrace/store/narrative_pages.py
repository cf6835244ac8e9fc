"""Narrative lists in SQL: which narratives a page shows, and the members and centroids of just those.

``group.narratives.describe`` labels a narrative from its members' passages, which is what a page costs;
here the narratives are counted, ordered and cut to a page first (``narrative_page``), so a page reads and
labels its own twenty narratives, not every one. A narrative's articles are those of its stories (counted
from the story summaries, store/story_pages.py) and those assigned to it one by one whose story is not
one of its stories; the order is ``describe``'s: most articles first, then the earliest date, then the id.
"""
from __future__ import annotations

import json
from collections.abc import Collection

import numpy as np

from .sql import SQLBase, _chunks

#: a narrative's article count and earliest date: its stories' (from their summaries) plus its
#: articles assigned one by one outside those stories
_SIZES = """
WITH st AS (
    SELECT ns.narrative_id AS nid, sum(ss.size) AS n, min(ss.first_seen) AS first
    FROM narrative_stories ns JOIN story_summaries ss ON ss.story_id = ns.story_id GROUP BY ns.narrative_id),
ex AS (
    SELECT na.narrative_id AS nid, count(*) AS n, min(CASE WHEN a.published > '' THEN a.published END) AS first
    FROM narrative_articles na JOIN articles a ON a.id = na.article_id
    WHERE NOT EXISTS (SELECT 1 FROM narrative_stories ns2
                      WHERE ns2.story_id = a.story_id AND ns2.narrative_id = na.narrative_id)
    GROUP BY na.narrative_id),
sized AS (
    SELECT n.id AS id, coalesce(st.n, 0) + coalesce(ex.n, 0) AS size,
           CASE WHEN st.first IS NULL THEN ex.first WHEN ex.first IS NULL OR st.first <= ex.first THEN st.first
                ELSE ex.first END AS first
    FROM narratives n LEFT JOIN st ON st.nid = n.id LEFT JOIN ex ON ex.nid = n.id)
"""


class NarrativePages(SQLBase):
    """The SQL behind paged narrative lists (``trace.pages.Pages.narratives``)."""

    def narrative_page(self, min_articles: int, limit: int, offset: int) -> tuple[int, list[str]]:
        """(narratives with at least ``min_articles`` articles, the ids of ``limit`` of them from ``offset``)
        in ``describe``'s order."""
        rows = self._x(_SIZES + "SELECT id, count(*) OVER () FROM sized WHERE size >= ? "
                       "ORDER BY size DESC, coalesce(first, ''), id LIMIT ? OFFSET ?",
                       (max(1, int(min_articles)), int(limit), int(offset))).fetchall()
        if rows:
            return int(rows[0][1]), [r[0] for r in rows]
        total = self._x(_SIZES + "SELECT count(*) FROM sized WHERE size >= ?", (max(1, int(min_articles)),))
        return int(total.fetchone()[0]), []

    def narrative_members_of(self, narrative_ids: Collection[str]
                             ) -> list[tuple[str, str, str | None, float | None, list[int]]]:
        """``narrative_members`` of these narratives only, in the same order (narratives by creation, then
        articles in storage order), without reading the rest."""
        out: list[tuple[str, str, str | None, float | None, list[int]]] = []
        seen: set[tuple[str, str]] = set()
        for chunk in _chunks(sorted(set(narrative_ids)), 200):
            marks = ",".join("?" * len(chunk))
            rows = self._x(
                "SELECT n.rowid, n.id, a.rowid, a.id, a.story_id, na.score, coalesce(na.passages, '[]') "
                "FROM narratives n JOIN narrative_stories ns ON ns.narrative_id = n.id "
                "JOIN articles a ON a.story_id = ns.story_id LEFT JOIN narrative_articles na ON na.article_id = a.id "
                f"WHERE n.id IN ({marks}) "
                "UNION SELECT n.rowid, n.id, a.rowid, a.id, a.story_id, na.score, na.passages FROM narratives n "
                "JOIN narrative_articles na ON na.narrative_id = n.id JOIN articles a ON a.id = na.article_id "
                f"WHERE n.id IN ({marks})", [*chunk, *chunk]).fetchall()
            for _nr, nid, _ar, aid, sid, score, ps in sorted(rows, key=lambda r: (r[0], r[2])):
                if (nid, aid) not in seen:
                    seen.add((nid, aid))
                    out.append((nid, aid, sid, score, json.loads(ps or "[]")))
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
