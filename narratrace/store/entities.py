"""The entity tables of schema 8: entities, the spellings they are found by, mentions with spans, and one
row per entity and article that the entity and source pages are paged, filtered and counted on.

Every read that can grow with the store goes through an index or a kept count (schema 11,
``entity_counts.py``): an entity's total, facets, chart and spellings are a few dozen kept rows whatever
its number of articles; a page's rows come from the index of its filter and the date, as ids first (the
index alone) and then the page's articles, and from the far end when the page is nearer to it, so the
last page costs what the first does. A page filtered by one facet value has its total and facets from
kept counts too (exact); one filtered by two counts its total on the index and its facets over its newest
``FACET_ARTICLES``. A name goes through ``entity_names(key)`` /
``(skeleton)``, candidates through the partial index on ``entity_mentions(name_key)`` and their kept counts
(schema 16, ``candidate_counts.py``). Written once for SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .candidate_counts import CandidateDeltas
from .entity_counts import EntityCounts
from .sql import _chunks
from .timeline import DatedCounts

_ENTITY_COLS = "e.rowid, e.id, e.kind, e.name, e.origin, e.meta, e.articles, e.cited"
#: facet name -> its SQL expression over entity_articles
FACETS = {"lang": "ea.lang", "outlet": "ea.outlet", "month": "substr(ea.published, 1, 7)"}
#: a page filtered by two facets counts its facets over at most this many of its articles, the newest
#: (``EntityPage.facets_of``): a few microseconds each; other pages' facets are kept counts, exact at any size
FACET_ARTICLES = 20_000


@dataclass
class StoredEntity:
    rowid: int
    id: str
    kind: str
    name: str
    origin: str
    meta: dict[str, Any]
    articles: int
    cited: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "name": self.name, "origin": self.origin, "meta": self.meta,
                "articles": self.articles, "cited": self.cited}


@dataclass
class EntityPage:
    """One page of an entity's articles: ``items`` (dicts), the ``total`` matching the filters, and the facet
    counts of those matching articles ({"lang": {"ar": 3}, "outlet": {...}, "month": {"2022-01": 2}}), of
    the newest ``facets_of`` of them (all ``total`` unless a page filtered twice has more than ``FACET_ARTICLES``)."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    facets_of: int | None = None

    def __post_init__(self) -> None:
        if self.facets_of is None:
            self.facets_of = self.total

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "limit": self.limit, "offset": self.offset, "facets": self.facets,
                "facets_of": self.facets_of, "items": self.items}


def _entity(row: Sequence[Any]) -> StoredEntity:
    return StoredEntity(int(row[0]), row[1], row[2], row[3], row[4], json.loads(row[5] or "{}"), int(row[6]),
                        int(row[7]))


class EntityTables(EntityCounts):
    """Entities and their mentions; written in the transaction that stores the article, with their counts."""

    # ------------------------------------------------------------------ writes
    def upsert_entity(self, entity_id: str, kind: str, name: str, origin: str, meta: dict[str, Any],
                      names: Iterable[tuple[str, str, str, str]]) -> int:
        """The rowid of entity ``entity_id``, inserted when new; ``names``: (key, form, skeleton, script) of
        its spellings, added when missing. Call inside ``transaction()``."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        row = self._x("SELECT rowid FROM entities WHERE id=?", (entity_id,)).fetchone()
        if row is None:
            row = self._x("INSERT INTO entities(id, kind, name, origin, meta, added_at) VALUES(?,?,?,?,?,?) "
                          "RETURNING rowid", (entity_id, kind, name, origin, json.dumps(meta, ensure_ascii=False),
                                              now)).fetchone()
        rowid = int(row[0])
        self.add_entity_names(rowid, names)
        return rowid

    def add_entity_names(self, rowid: int, names: Iterable[tuple[str, str, str, str]]) -> None:
        self._xmany("INSERT INTO entity_names(entity_rowid, key, form, skeleton, script) VALUES(?,?,?,?,?) "
                    "ON CONFLICT DO NOTHING", [(rowid, *n) for n in {n[0]: n for n in names if n[0]}.values()])

    def article_rowid(self, article_id: str) -> int | None:
        row = self._x("SELECT rowid FROM articles WHERE id=?", (article_id,)).fetchone()
        return int(row[0]) if row else None

    def article_entity_rowids(self, article_ids: Iterable[str]) -> set[int]:
        """The entities the stored versions of these articles mention (their counts change on replacement)."""
        out: set[int] = set()
        for chunk in _chunks(list(article_ids), 500):
            q = ("SELECT ea.entity_rowid FROM entity_articles ea JOIN articles a ON a.rowid = ea.article_rowid "
                 f"WHERE a.id IN ({','.join('?' * len(chunk))})")
            out.update(int(r[0]) for r in self._x(q, chunk).fetchall())
        return out

    def write_mentions(self, article_rowid: int, rows: Sequence[tuple[Any, ...]]) -> set[int]:
        """Replace the mentions of one article with ``rows`` of (entity rowid or None, passage, start, end,
        surface, script, role, cue, context, name_key); refresh its entity_articles rows and their counts.
        Returns the entity rowids whose counts changed. Call inside ``transaction()``: writing again never
        duplicates."""
        spellings: Counter[Any] = Counter()
        candidates = CandidateDeltas()
        mine = "article_rowid = ? AND entity_rowid IS NOT NULL"
        self._count_spelling_rows(mine, [article_rowid], -1, spellings)
        self._count_candidates(article_rowid, -1, candidates)
        self._x("DELETE FROM entity_mentions WHERE article_rowid=?", (article_rowid,))
        self._xmany('INSERT INTO entity_mentions(article_rowid, entity_rowid, passage, start, "end", surface, script, '
                    "role, cue, context, name_key) VALUES(?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                    [(article_rowid, *r) for r in rows])
        self._count_spelling_rows(mine, [article_rowid], +1, spellings)
        self._count_candidates(article_rowid, +1, candidates)
        self._apply_entity_counts(Counter(), spellings)
        self._apply_candidate_counts(candidates)
        return self._refresh_entity_articles([article_rowid])

    def _refresh_entity_articles(self, article_rowids: list[int], entity_rowid: int | None = None) -> set[int]:
        """entity_articles rows of these articles (of one entity, or all) made again from their mentions, their
        counts moved with them; returns the entities of the rows before and after."""
        one = " AND entity_rowid=?" if entity_rowid is not None else ""
        facets: Counter[Any] = Counter()
        touched: set[int] = set()
        for chunk in _chunks(article_rowids, 500):
            marks = ",".join("?" * len(chunk))
            args = [*chunk, *([entity_rowid] if entity_rowid is not None else [])]
            touched |= self._count_entity_rows(f"article_rowid IN ({marks}){one}", args, -1, facets)
            self._x(f"DELETE FROM entity_articles WHERE article_rowid IN ({marks}){one}", args)
            self._x("INSERT INTO entity_articles(entity_rowid, article_rowid, mentions, cited, lang, outlet, "
                    "published) SELECT m.entity_rowid, m.article_rowid, count(*), "
                    "sum(CASE WHEN m.role='cited' THEN 1 ELSE 0 END), coalesce(a.lang, ''), coalesce(a.outlet, ''), "
                    "coalesce(a.published, '') FROM entity_mentions m "
                    f"JOIN articles a ON a.rowid = m.article_rowid WHERE m.article_rowid IN ({marks}) "
                    f"AND m.entity_rowid IS NOT NULL{one.replace('entity_rowid', 'm.entity_rowid')} "
                    "GROUP BY m.entity_rowid, m.article_rowid, a.lang, a.outlet, a.published", args)
            touched |= self._count_entity_rows(f"article_rowid IN ({marks}){one}", args, +1, facets)
        self._apply_entity_counts(facets)
        return touched

    def candidate_surfaces(self, name_key: str) -> list[tuple[str, str, int, int]]:
        """(surface, script, times, times cited) of the candidate mentions of a name key, most written first."""
        return [(r[0], r[1], int(r[2]), int(r[3] or 0)) for r in self._x(
            "SELECT surface, script, count(*), sum(CASE WHEN role='cited' THEN 1 ELSE 0 END) FROM entity_mentions "
            "WHERE entity_rowid IS NULL AND name_key=? GROUP BY surface, script ORDER BY count(*) DESC, surface",
            (name_key,)).fetchall()]

    def promote_candidates(self, name_key: str, entity_rowid: int) -> None:
        """The candidate mentions of ``name_key`` become mentions of the entity (a recurring name)."""
        arts = [int(r[0]) for r in self._x("SELECT DISTINCT article_rowid FROM entity_mentions WHERE "
                                           "entity_rowid IS NULL AND name_key=?", (name_key,)).fetchall()]
        spellings: Counter[Any] = Counter()
        self._count_spelling_rows("entity_rowid IS NULL AND name_key = ?", [name_key], +1, spellings, entity_rowid)
        self._apply_entity_counts(Counter(), spellings)
        self._x("UPDATE entity_mentions SET entity_rowid=? WHERE entity_rowid IS NULL AND name_key=?",
                (entity_rowid, name_key))
        self._candidates_promoted(name_key)
        self._refresh_entity_articles(arts, entity_rowid)

    def clear_entities(self) -> None:
        """Every entity table emptied (a full rebuild follows). Call inside ``transaction()``."""
        for table in ("entity_facets", "entity_spellings", "entity_articles", "entity_mentions", "entity_names",
                      "entities"):
            self._x(f"DELETE FROM {table}")
        self._clear_candidate_counts()

    # ------------------------------------------------------------------ reads
    def entities_by_ids(self, ids: Iterable[str]) -> dict[str, StoredEntity]:
        out: dict[str, StoredEntity] = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), 500):
            q = f"SELECT {_ENTITY_COLS} FROM entities e WHERE e.id IN ({','.join('?' * len(chunk))})"
            out.update({(e := _entity(r)).id: e for r in self._x(q, chunk).fetchall()})
        return out

    def entities_named(self, keys: Sequence[str], column: str = "key") -> list[StoredEntity]:
        """Entities with a spelling of one of these keys (``column``: "key", or "skeleton"), most cited first."""
        if column not in ("key", "skeleton"):
            raise ValueError(f"column must be key or skeleton, not {column!r}")
        keys = [k for k in dict.fromkeys(keys) if k]
        if not keys:
            return []
        q = (f"SELECT DISTINCT {_ENTITY_COLS} FROM entity_names n JOIN entities e ON e.rowid = n.entity_rowid "
             f"WHERE n.{column} IN ({','.join('?' * len(keys))}) ORDER BY e.articles DESC, e.rowid")
        return [_entity(r) for r in self._x(q, keys).fetchall()]

    def entity_list(self, kind: str | None = None, limit: int = 50, offset: int = 0, min_articles: int = 1
                    ) -> tuple[list[StoredEntity], int, dict[str, int]]:
        """Entities with at least ``min_articles`` articles, most mentioned first: (page, total, count by kind)."""
        where, args = "WHERE e.articles >= ?", [int(min_articles)]  # type: tuple[str, list[Any]]
        kinds = {r[0]: int(r[1]) for r in self._x(
            f"SELECT e.kind, count(*) FROM entities e {where} GROUP BY e.kind", args).fetchall()}
        if kind:
            where, args = where + " AND e.kind = ?", args + [kind]
        total = int(self._x(f"SELECT count(*) FROM entities e {where}", args).fetchone()[0])
        rows = self._x(f"SELECT {_ENTITY_COLS} FROM entities e {where} ORDER BY e.articles DESC, e.rowid "
                       "LIMIT ? OFFSET ?", [*args, int(limit), int(offset)]).fetchall()
        return [_entity(r) for r in rows], total, kinds

    def entity_names(self, rowid: int) -> list[dict[str, Any]]:
        """The spellings of an entity: the listed ones and those seen, with how often each was seen."""
        seen = self.entity_spelling_counts(rowid)
        rows = self._x("SELECT form, script FROM entity_names WHERE entity_rowid=? ORDER BY script, form",
                       (rowid,)).fetchall()
        out = {form: {"form": form, "script": script, "seen": 0} for form, script in rows}
        for form, n in seen.items():
            out.setdefault(form, {"form": form, "script": "", "seen": 0})["seen"] += n
        return sorted(out.values(), key=lambda d: (-d["seen"], d["script"], d["form"]))

    def entity_articles(self, rowid: int, limit: int = 50, offset: int = 0, cited: bool = False,
                        lang: str | None = None, outlet: str | None = None, month: str | None = None
                        ) -> EntityPage:
        """The articles mentioning an entity (``cited``: citing it), newest first, undated last; each with
        its mentions on the page (surface, role, cue, context, passage, span)."""
        rowid, limit, offset = int(rowid), max(0, int(limit)), max(0, int(offset))
        filters = [(kind, value) for kind, value in (("lang", lang), ("outlet", outlet), ("month", month)) if value]
        where: list[str] = ["ea.entity_rowid = ?"]
        args: list[Any] = [rowid]
        if cited:
            where.append("ea.cited > 0")  # the partial index entity_articles_citing
        for kind, value in filters:
            where.append(f"{FACETS[kind]} = ?")
            args.append(value)
        cond = " AND ".join(where)
        if len(filters) <= 1:
            total = self.entity_facet_count(rowid, cited, *(filters[0] if filters else ("total", "")))
        else:
            total = int(self._x(f"SELECT count(*) FROM entity_articles ea WHERE {cond}", args).fetchone()[0])
        if len(filters) == 1:
            facets, of = self.entity_facets_within(rowid, cited, *filters[0]), total
        elif filters:
            facets, of = self._newest_facets(cond, args, total)
        else:
            facets, of = self.entity_facet_counts(rowid, cited), total
        ids = self._page_rowids(cond, args, total, limit, offset)
        return EntityPage(self._page_items(rowid, ids, cited), total, limit, offset, facets, of)

    def _newest_facets(self, cond: str, args: list[Any], total: int) -> tuple[dict[str, dict[str, int]], int]:
        """(facets, how many articles they count) of a page filtered twice: of its newest ``FACET_ARTICLES``."""
        counts: dict[str, Counter[str]] = {kind: Counter() for kind in FACETS}
        rows = self._x(f"SELECT {', '.join(FACETS.values())} FROM entity_articles ea WHERE {cond} "
                       "ORDER BY ea.published DESC, ea.article_rowid LIMIT ?", [*args, FACET_ARTICLES]).fetchall()
        for row in rows:
            for kind, value in zip(FACETS, row):
                counts[kind][value or ""] += 1
        return ({kind: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for kind, c in counts.items()},
                min(total, FACET_ARTICLES))

    def _page_rowids(self, cond: str, args: list[Any], total: int, limit: int, offset: int) -> list[int]:
        """The article rowids of one page, read from the index alone; a page nearer the end is read from the
        end (the order reversed), so no page skips more than half of the entity's articles."""
        n = min(limit, total - offset)
        if n <= 0:
            return []
        from_end = total - offset - n
        order, skip = ("ea.published ASC, ea.article_rowid DESC", from_end) if from_end < offset else \
            ("ea.published DESC, ea.article_rowid", offset)
        ids = [int(r[0]) for r in self._x(f"SELECT ea.article_rowid FROM entity_articles ea WHERE {cond} "
                                          f"ORDER BY {order} LIMIT ? OFFSET ?", [*args, n, skip]).fetchall()]
        return ids[::-1] if from_end < offset else ids

    def _page_items(self, rowid: int, ids: list[int], cited: bool) -> list[dict[str, Any]]:
        """The page's articles (in the order of ``ids``) with their mentions of the entity."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._x("SELECT ea.article_rowid, a.id, a.title, ea.lang, ea.outlet, ea.published, ea.mentions, "
                       "ea.cited, a.story_id FROM entity_articles ea JOIN articles a ON a.rowid = ea.article_rowid "
                       f"WHERE ea.entity_rowid = ? AND ea.article_rowid IN ({marks})", [rowid, *ids]).fetchall()
        found = {int(r[0]): {"article_id": r[1], "title": r[2], "lang": r[3] or None, "outlet": r[4] or None,
                             "published": r[5] or None, "mentions": int(r[6]), "cited": int(r[7]),
                             "story_id": r[8], "spans": []} for r in rows}
        items = {i: found[i] for i in ids if i in found}
        for r in self._x('SELECT article_rowid, passage, start, "end", surface, role, cue, context FROM '
                         f"entity_mentions WHERE entity_rowid = ? AND article_rowid IN ({marks}) "
                         "ORDER BY article_rowid, passage, start", [rowid, *ids]).fetchall():
            if (cited and r[5] != "cited") or int(r[0]) not in items:
                continue
            items[int(r[0])]["spans"].append({"passage": r[1], "span": [r[2], r[3]], "surface": r[4],
                                              "role": r[5], "cue": r[6], "context": r[7]})
        return list(items.values())

    def article_entities(self, article_id: str) -> list[tuple[StoredEntity, int, int]]:
        """(entity, mentions, cited) of the entities one article mentions, most mentioned first."""
        rows = self._x(f"SELECT {_ENTITY_COLS}, ea.mentions, ea.cited FROM entity_articles ea "
                       "JOIN entities e ON e.rowid = ea.entity_rowid JOIN articles a ON a.rowid = ea.article_rowid "
                       "WHERE a.id = ? ORDER BY ea.mentions DESC, e.name", (article_id,)).fetchall()
        return [(_entity(r[:8]), int(r[8]), int(r[9])) for r in rows]

    def count_entity_mentions(self) -> tuple[int, int, int]:
        """(entities, mentions, candidate mentions) stored."""
        e = int(self._x("SELECT count(*) FROM entities").fetchone()[0])
        m = int(self._x("SELECT count(*) FROM entity_mentions WHERE entity_rowid IS NOT NULL").fetchone()[0])
        c = int(self._x("SELECT count(*) FROM entity_mentions WHERE entity_rowid IS NULL").fetchone()[0])
        return e, m, c

    def article_ids_after(self, rowid: int, limit: int) -> list[tuple[int, str]]:
        """(rowid, id) of the next ``limit`` articles after ``rowid``, in storage order (a rebuild's pages)."""
        return [(int(r[0]), r[1]) for r in self._x("SELECT rowid, id FROM articles WHERE rowid > ? ORDER BY rowid "
                                                   "LIMIT ?", (int(rowid), int(limit))).fetchall()]

    def entity_dates(self, rowid: int, cited: bool = False) -> DatedCounts:
        """An entity's articles (citing ones: ``cited``) per publication date, for its volume chart (kept
        counts: a row per day whatever the number of articles)."""
        out = DatedCounts()
        for day, n in self.entity_facet_counts(rowid, cited, kinds=("day",))["day"].items():
            out.add(day, n)
        return out
