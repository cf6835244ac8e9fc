"""The entity tables of schema 8: entities, the spellings they are found by, mentions with spans, and one
row per entity and article that the entity and source pages are paged, filtered and counted on.

Every read that can grow with the store goes through an index: an entity's articles through
``entity_articles(entity_rowid, published DESC, article_rowid)`` (its citing articles through the same
with ``cited``), a name through ``entity_names(key)`` / ``(skeleton)``, candidates through the partial
index on ``entity_mentions(name_key)``. Pages are LIMIT/OFFSET with a total and facet counts by language,
outlet and month, written once for SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .sql import SQLBase, _chunks
from .timeline import DatedCounts

_ENTITY_COLS = "e.rowid, e.id, e.kind, e.name, e.origin, e.meta, e.articles, e.cited"
#: facet name -> its SQL expression over entity_articles
FACETS = {"lang": "ea.lang", "outlet": "ea.outlet", "month": "substr(ea.published, 1, 7)"}


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
    counts of those matching articles ({"lang": {"ar": 3}, "outlet": {...}, "month": {"2022-01": 2}})."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "limit": self.limit, "offset": self.offset, "facets": self.facets,
                "items": self.items}


def _entity(row: Sequence[Any]) -> StoredEntity:
    return StoredEntity(int(row[0]), row[1], row[2], row[3], row[4], json.loads(row[5] or "{}"), int(row[6]),
                        int(row[7]))


class EntityTables(SQLBase):
    """Entities and their mentions; written in the transaction that stores the article."""

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
        surface, script, role, cue, context, name_key); refresh its entity_articles rows. Returns the entity
        rowids whose counts changed. Call inside ``transaction()``: writing again never duplicates."""
        before = {int(r[0]) for r in self._x("SELECT entity_rowid FROM entity_articles WHERE article_rowid=?",
                                             (article_rowid,)).fetchall()}
        self._x("DELETE FROM entity_mentions WHERE article_rowid=?", (article_rowid,))
        self._xmany('INSERT INTO entity_mentions(article_rowid, entity_rowid, passage, start, "end", surface, script, '
                    "role, cue, context, name_key) VALUES(?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                    [(article_rowid, *r) for r in rows])
        self._refresh_entity_articles([article_rowid])
        after = {int(r[0]) for r in self._x("SELECT entity_rowid FROM entity_articles WHERE article_rowid=?",
                                            (article_rowid,)).fetchall()}
        return before | after

    def _refresh_entity_articles(self, article_rowids: list[int], entity_rowid: int | None = None) -> None:
        """entity_articles rows of these articles (of one entity, or all) made again from their mentions."""
        one = " AND entity_rowid=?" if entity_rowid is not None else ""
        for chunk in _chunks(article_rowids, 500):
            marks = ",".join("?" * len(chunk))
            args = [*chunk, *([entity_rowid] if entity_rowid is not None else [])]
            self._x(f"DELETE FROM entity_articles WHERE article_rowid IN ({marks}){one}", args)
            self._x("INSERT INTO entity_articles(entity_rowid, article_rowid, mentions, cited, lang, outlet, "
                    "published) SELECT m.entity_rowid, m.article_rowid, count(*), "
                    "sum(CASE WHEN m.role='cited' THEN 1 ELSE 0 END), coalesce(a.lang, ''), coalesce(a.outlet, ''), "
                    "coalesce(a.published, '') FROM entity_mentions m "
                    f"JOIN articles a ON a.rowid = m.article_rowid WHERE m.article_rowid IN ({marks}) "
                    f"AND m.entity_rowid IS NOT NULL{one.replace('entity_rowid', 'm.entity_rowid')} "
                    "GROUP BY m.entity_rowid, m.article_rowid, a.lang, a.outlet, a.published", args)

    def recount_entities(self, rowids: Iterable[int]) -> None:
        """Articles and citing articles of these entities, counted again (one index range each)."""
        for chunk in _chunks(sorted({int(r) for r in rowids}), 500):
            self._x("UPDATE entities SET articles=(SELECT count(*) FROM entity_articles ea WHERE "
                    "ea.entity_rowid = entities.rowid), cited=(SELECT count(*) FROM entity_articles ea WHERE "
                    "ea.entity_rowid = entities.rowid AND ea.cited > 0) "
                    f"WHERE rowid IN ({','.join('?' * len(chunk))})", chunk)

    def candidate_stats(self, name_keys: Iterable[str]) -> dict[str, tuple[int, int, int]]:
        """name key -> (articles, scripts, multi-word or cited candidates) of candidate names not yet promoted."""
        out: dict[str, tuple[int, int, int]] = {}
        for chunk in _chunks(sorted(set(name_keys)), 500):
            q = ("SELECT name_key, count(DISTINCT article_rowid), count(DISTINCT script), "
                 "sum(CASE WHEN role='cited' OR surface LIKE '% %' THEN 1 ELSE 0 END) FROM entity_mentions "
                 f"WHERE entity_rowid IS NULL AND name_key IN ({','.join('?' * len(chunk))}) GROUP BY name_key")
            out.update({r[0]: (int(r[1]), int(r[2]), int(r[3] or 0)) for r in self._x(q, chunk).fetchall()})
        return out

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
        self._x("UPDATE entity_mentions SET entity_rowid=? WHERE entity_rowid IS NULL AND name_key=?",
                (entity_rowid, name_key))
        self._refresh_entity_articles(arts, entity_rowid)

    def clear_entities(self) -> None:
        """Every entity table emptied (a full rebuild follows). Call inside ``transaction()``."""
        for table in ("entity_articles", "entity_mentions", "entity_names", "entities"):
            self._x(f"DELETE FROM {table}")

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
        seen = {(r[0]): int(r[1]) for r in self._x(
            "SELECT surface, count(*) FROM entity_mentions WHERE entity_rowid=? GROUP BY surface", (rowid,))}
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
        where: list[str] = ["ea.entity_rowid = ?"]
        args: list[Any] = [int(rowid)]
        if cited:
            where.append("ea.cited > 0")
        for col, value in (("lang", lang), ("outlet", outlet)):
            if value:
                where.append(f"ea.{col} = ?")
                args.append(value)
        if month:
            where.append("substr(ea.published, 1, 7) = ?")
            args.append(month)
        cond = " AND ".join(where)
        total = int(self._x(f"SELECT count(*) FROM entity_articles ea WHERE {cond}", args).fetchone()[0])
        facets = {name: {r[0]: int(r[1]) for r in self._x(
            f"SELECT {expr}, count(*) FROM entity_articles ea WHERE {cond} GROUP BY 1 ORDER BY 2 DESC, 1",
            args).fetchall()}
            for name, expr in FACETS.items()}
        rows = self._x("SELECT ea.article_rowid, a.id, a.title, ea.lang, ea.outlet, ea.published, ea.mentions, "
                       f"ea.cited, a.story_id FROM entity_articles ea JOIN articles a ON a.rowid = ea.article_rowid "
                       f"WHERE {cond} ORDER BY ea.published DESC, ea.article_rowid LIMIT ? OFFSET ?",
                       [*args, int(limit), int(offset)]).fetchall()
        items = {int(r[0]): {"article_id": r[1], "title": r[2], "lang": r[3] or None, "outlet": r[4] or None,
                             "published": r[5] or None, "mentions": int(r[6]), "cited": int(r[7]),
                             "story_id": r[8], "spans": []} for r in rows}
        if items:
            marks = ",".join("?" * len(items))
            for r in self._x('SELECT article_rowid, passage, start, "end", surface, role, cue, context FROM '
                             f"entity_mentions WHERE entity_rowid = ? AND article_rowid IN ({marks}) "
                             "ORDER BY article_rowid, passage, start", [int(rowid), *items]).fetchall():
                if cited and r[5] != "cited":
                    continue
                items[int(r[0])]["spans"].append({"passage": r[1], "span": [r[2], r[3]], "surface": r[4],
                                                  "role": r[5], "cue": r[6], "context": r[7]})
        return EntityPage(list(items.values()), total, int(limit), int(offset), facets)

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
        """An entity's articles (citing ones: ``cited``) per publication date, for its volume chart."""
        out = DatedCounts()
        cond = " AND cited > 0" if cited else ""
        for day, n in self._x("SELECT substr(published, 1, 10), count(*) FROM entity_articles WHERE entity_rowid = ?"
                              f"{cond} GROUP BY 1", (int(rowid),)).fetchall():
            out.add(day, n)
        return out
