"""Narrative lists in SQL: which narratives a page shows, and the members and centroids of just those.

``group.narratives.describe`` labels a narrative from its members' passages, which is what a page costs;
here the narratives are counted, filtered, ordered and cut to a page first (``narrative_page``), on the
summary row each narrative keeps (``narrative_summaries.py``: its article count, first and last dates), so
a page reads and labels its own twenty narratives, not every one. A narrative's articles are those of its
stories and those assigned to it one by one; the default order is ``describe``'s: most articles first,
then the earliest date (undated first), then the id.

A list item reads a bounded number of rows whatever the narrative's size: its summary, its facet rows
(``narrative_facets_of``: articles per language, outlet and month, its number of stories) and its
``label_members`` best-scored members (``narrative_label_members``, from an index of the assigned
members' scores). The list's facets (narratives per language, outlet and month) come from the kept
counts per size class when only the least size filters (``narrative_list_facets``), else from the facet
rows of the first ``FACET_NARRATIVES`` narratives that pass.

A language filter keeps the narratives with an article in it, an outlet filter those with an article from an
outlet whose name contains it (both case folded, as the story lists compare): the kept values that match are
found in ``narrative_facet_counts`` (a few rows per value), their narratives through the facet rows' value
index (schema 17). A filter is gathered (its narratives looked up, then sorted) unless it keeps so many that a
page is found sooner by reading the sort's index and testing each narrative met, the story lists' rule
(``story_pages.UNSELECTIVE``); one matched value with no other filter is counted from the kept counts.
"""
from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from .narrative_facets import COUNTED, SIZE_CLASSES, size_class
from .narrative_summaries import NarrativeSummaries
from .sql import _chunks
from .story_pages import UNSELECTIVE, _ordered
from .story_summaries import fold

#: ORDER BY of each sort; each is an index of narrative_summaries (schema 12); the id breaks ties
NARRATIVE_SORTS = {
    "size": "s.size DESC, s.first_key, s.narrative_id",
    "recent": "s.recent DESC, s.size DESC, s.narrative_id",
}
MAX_LIMIT = 1000
#: facets of a list filtered by dates (or by a least size above ``SIZE_CLASSES``) are counted over at most
#: this many of its narratives, the first in the list's order (``Page.facets_of`` says how many)
FACET_NARRATIVES = 1000
#: a member (article id, its score for the narrative or None, its claim passages) as labels read it
Member = tuple[str, float | None, list[int]]


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


@dataclass
class NarrativeWhere:
    """A narrative list's filters as SQL over ``narrative_summaries s``: ``gather`` looks up the fewest
    narratives of a value filter and tests the rest, ``probe`` tests every filter on each narrative met."""

    gather: list[str] = field(default_factory=list)
    gather_args: list[Any] = field(default_factory=list)
    probe: list[str] = field(default_factory=list)
    probe_args: list[Any] = field(default_factory=list)
    #: narratives the value filters keep at most (their fewest), of ``every`` with the least size; -1: no filter
    estimate: int = -1
    every: int = 0
    #: the list's length when the kept counts give it (one value matched, nothing else filters), else None
    exact: int | None = None

    def sql(self, probed: bool = False) -> tuple[str, list[Any]]:
        conds, args = (self.probe, self.probe_args) if probed else (self.gather, self.gather_args)
        return " WHERE " + " AND ".join(conds), list(args)

    def probed(self, rows: int) -> bool:
        """Whether the first ``rows`` narratives are found sooner along the sort's index, testing each."""
        return self.estimate >= 0 and self.estimate * UNSELECTIVE > self.every and \
            rows * self.every <= self.estimate ** 2


class NarrativePages(NarrativeSummaries):
    """The SQL behind paged narrative lists (``trace.pages.Pages.narratives``)."""

    def narrative_page(self, min_articles: int, limit: int, offset: int, sort: str = "size",
                       since: str | None = None, until: str | None = None, lang: str | None = None,
                       outlet: str | None = None) -> tuple[int, list[str]]:
        """(narratives with at least ``min_articles`` articles, dates overlapping ``since``..``until``, an
        article in ``lang`` and one from an outlet whose name contains ``outlet``; the ids of ``limit`` of them
        from ``offset`` in the ``sort`` order: size or recent)."""
        if sort not in NARRATIVE_SORTS:
            raise InputError("narratives", f"unknown sort {sort!r}", hint=f"use one of {', '.join(NARRATIVE_SORTS)}")
        limit, offset = max(0, min(int(limit), MAX_LIMIT)), max(0, int(offset))
        where = self._narrative_where(min_articles, since, until, lang, outlet)
        if where is None:
            return 0, []
        total = where.exact if where.exact is not None else self._count_narratives_where(where)
        if not total or not limit:
            return total, []
        return total, self._narrative_ids(where, sort, limit, offset)

    def _count_narratives_where(self, where: NarrativeWhere) -> int:
        sql, args = where.sql()
        return int(self._x(f"SELECT count(*) FROM narrative_summaries s{sql}", args).fetchone()[0])

    def _narrative_ids(self, where: NarrativeWhere, sort: str, limit: int, offset: int) -> list[str]:
        sql, args = where.sql(probed=where.probed(offset + limit))
        return [r[0] for r in self._x(f"SELECT s.narrative_id FROM narrative_summaries s{sql} ORDER BY "
                                      f"{NARRATIVE_SORTS[sort]} LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()]

    def _narrative_where(self, min_articles: int, since: str | None, until: str | None, lang: str | None,
                         outlet: str | None) -> NarrativeWhere | None:
        """The list's filters (None: a language or outlet no narrative has)."""
        least = max(1, int(min_articles))
        conds, args = _date_conds(since, until)
        out = NarrativeWhere(["s.size >= ?", *conds], [least, *args], ["s.size >= ?", *conds], [least, *args])
        sets: list[tuple[int, bool, str, list[str]]] = []  # (narratives at most, exact, kind, matched values)
        for kind, needle in (("lang", fold(lang)), ("outlet", fold(outlet))):
            if needle:
                counts = self._matched_values(kind, needle, least)
                if not counts:
                    return None
                sets.append((sum(counts.values()), len(counts) == 1 and least <= SIZE_CLASSES, kind, sorted(counts)))
        if not sets:
            return out
        out.every = int(self._x("SELECT count(*) FROM narrative_summaries WHERE size >= ?", (least,)).fetchone()[0])
        sets = sorted(x for x in sets if not (x[1] and x[0] == out.every))  # a value every narrative has: none
        if not sets and not conds:
            out.exact = out.every
        for k, (n, exact, kind, values) in enumerate(sets):
            marks = ",".join("?" * len(values))
            probe = (f"EXISTS (SELECT 1 FROM narrative_facets f WHERE f.narrative_id = s.narrative_id "
                     f"AND f.kind = ? AND f.value IN ({marks}))")
            out.gather.append(probe if k else f"s.narrative_id IN (SELECT narrative_id FROM narrative_facets "
                                              f"WHERE kind = ? AND value IN ({marks}))")
            out.probe.append(probe)
            out.gather_args += [kind, *values]
            out.probe_args += [kind, *values]
            if not k:
                out.estimate = n
                out.exact = n if exact and len(sets) == 1 and not conds else None
        return out

    def _matched_values(self, kind: str, needle: str, least: int) -> dict[str, int]:
        """value -> its narratives of ``least`` articles or more (by size class, so at most that many when
        ``least`` is above ``SIZE_CLASSES``) of the kept values equal to ``needle`` (languages) or containing it
        (outlets), case folded."""
        rows = self._x("SELECT value, sum(narratives) FROM narrative_facet_counts WHERE kind = ? AND size_class >= ? "
                       "GROUP BY value", (kind, size_class(least))).fetchall()
        if kind == "outlet":
            return {v: int(n) for v, n in rows if needle in fold(v)}
        return {v: int(n) for v, n in rows if fold(v) == needle}

    def narrative_spans(self, narrative_ids: Collection[str]) -> dict[str, tuple[int, str | None, str | None]]:
        """narrative id -> (articles, first, last date) from its summary (narratives without one left out)."""
        out: dict[str, tuple[int, str | None, str | None]] = {}
        for chunk in _chunks(sorted(set(narrative_ids)), 500):
            for nid, size, first, last in self._x(
                    "SELECT narrative_id, size, first_seen, last_seen FROM narrative_summaries WHERE narrative_id "
                    f"IN ({','.join('?' * len(chunk))})", chunk).fetchall():
                out[nid] = (int(size), first or None, last or None)
        return out

    def narrative_list_facets(self, min_articles: int, sort: str = "size", since: str | None = None,
                              until: str | None = None, size: int = 30, total: int | None = None,
                              lang: str | None = None, outlet: str | None = None
                              ) -> tuple[dict[str, list[tuple[str, int]]], int]:
        """(facets: kind -> [(value, narratives with an article with it)], how many narratives they count) of
        the list ``narrative_page`` pages with these filters (``total``: its length, when counted already)."""
        least = max(1, int(min_articles))
        counts: dict[str, dict[str, int]] = {k: {} for k in COUNTED}
        where = self._narrative_where(least, since, until, lang, outlet)
        if where is None:
            return _ordered(counts, size), 0
        if total is None:
            total = where.exact if where.exact is not None else self._count_narratives_where(where)
        if len(where.gather) == 1 and least <= SIZE_CLASSES:  # the least size alone filters
            for kind, value, n in self._x("SELECT kind, value, sum(narratives) FROM narrative_facet_counts "
                                          "WHERE size_class >= ? GROUP BY kind, value", (least,)).fetchall():
                counts[kind][value] = int(n)
            return _ordered(counts, size), total
        sql, args = where.sql(probed=where.probed(FACET_NARRATIVES))
        picked = f"SELECT s.narrative_id FROM narrative_summaries s{sql} ORDER BY {NARRATIVE_SORTS[sort]} LIMIT ?"
        # CROSS JOIN: SQLite reads the picked narratives' rows (primary key), not every row of a kind (value index)
        rows = self._x(f"SELECT f.kind, f.value, count(*) FROM ({picked}) p CROSS JOIN narrative_facets f "
                       "WHERE f.narrative_id = p.narrative_id AND f.kind IN ('lang', 'outlet', 'month') "
                       "GROUP BY f.kind, f.value", [*args, FACET_NARRATIVES]).fetchall()
        for kind, value, n in rows:
            counts[kind][value] = int(n)
        return _ordered(counts, size), min(total, FACET_NARRATIVES)

    def narrative_label_members(self, narrative_ids: Collection[str], k: int) -> dict[str, list[Member]]:
        """narrative id -> the ``k`` members to label it from, in this order: those assigned to it with a
        score, best first (ties by id); then its stories' other members, by story id and storage order; then
        those assigned to it unscored outside its stories, by id (claim passages: those of the assignment to
        it, else none). Each part is read from an index and stops at ``k``, so a narrative costs a few dozen
        rows whatever its size (``narrative_members_of`` reads every member)."""
        out: dict[str, list[Member]] = {}
        for nid in sorted(set(narrative_ids)):
            found: list[Member] = [(aid, float(score), json.loads(ps or "[]")) for aid, score, ps in self._x(
                "SELECT article_id, score, passages FROM narrative_articles WHERE narrative_id = ? AND score IS NOT "
                "NULL ORDER BY score DESC, article_id LIMIT ?", (nid, k)).fetchall()]
            if len(found) < k:
                found += [(aid, None, json.loads(ps or "[]")) for aid, ps in self._x(
                    "SELECT a.id, CASE WHEN na.narrative_id = ? THEN na.passages END FROM narrative_stories ns "
                    "JOIN articles a ON a.story_id = ns.story_id "
                    "LEFT JOIN narrative_articles na ON na.article_id = a.id WHERE ns.narrative_id = ? "
                    "AND (na.narrative_id IS NULL OR na.narrative_id <> ? OR na.score IS NULL) "
                    "ORDER BY ns.story_id, a.rowid LIMIT ?", (nid, nid, nid, k - len(found))).fetchall()]
            if len(found) < k:
                found += [(aid, None, json.loads(ps or "[]")) for aid, ps in self._x(
                    "SELECT na.article_id, na.passages FROM narrative_articles na "
                    "JOIN articles a ON a.id = na.article_id WHERE na.narrative_id = ? AND na.score IS NULL "
                    "AND NOT EXISTS (SELECT 1 FROM narrative_stories ns WHERE ns.story_id = a.story_id "
                    "AND ns.narrative_id = ?) ORDER BY na.article_id LIMIT ?", (nid, nid, k - len(found))).fetchall()]
            out[nid] = found
        return out

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
                "AND na.narrative_id = n.id "  # its score and passages for this narrative (none for another's)
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
