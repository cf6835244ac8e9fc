"""The counts behind the entity and source pages (schema 11), kept right in the transactions that write
mentions, so a page of an entity in a million articles reads a few dozen rows instead of its million.

Per entity, of its articles (``cited`` 0) and of those citing it (``cited`` 1): how many there are
(kind ``total``, value ""), and how many have each language, outlet, month (``substr(published, 1, 7)``)
and day (``substr(published, 1, 10)``, the chart's bars), and each pair of language, outlet and month
(kinds ``lang+outlet``, ``lang+month``, ``month+outlet``, the two values joined by ``SEP``: the facets of a
page filtered by one of them): ``entity_facets``. Per entity, how often each
spelling was seen: ``entity_spellings``. Every change of ``entity_articles`` or ``entity_mentions`` goes
through a method here that subtracts the rows it removes and adds the rows it writes (one ``INSERT ... ON
CONFLICT DO UPDATE`` per changed count), so the counts always equal a ``GROUP BY`` of those tables; a
bulk loader that writes those tables itself calls ``rebuild_entity_counts`` afterwards.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from .candidate_counts import CandidateCounts, CandidateDeltas
from .sql import _chunks

#: the schema version whose migration adds the counts (filled from what is stored by ``_build_entity_counts``)
ENTITY_COUNTS_VERSION = 11
#: what joins the two values of a pair count ("ar" SEP "RT Arabic"; split at its first occurrence)
SEP = "\x1f"
#: facet kind -> its SQL expression over entity_articles (the same cut ``_facet_keys`` makes in Python)
COUNTED = {"total": "''", "lang": "lang", "outlet": "outlet", "month": "substr(published, 1, 7)",
           "day": "substr(published, 1, 10)", "lang+outlet": f"lang || '{SEP}' || outlet",
           "lang+month": f"lang || '{SEP}' || substr(published, 1, 7)",
           "month+outlet": f"substr(published, 1, 7) || '{SEP}' || outlet"}
#: a page filtered by one facet -> for each other facet, the pair kind that counts it and the filter's side
PAIRS = {"lang": {"outlet": ("lang+outlet", 0), "month": ("lang+month", 0)},
         "outlet": {"lang": ("lang+outlet", 1), "month": ("month+outlet", 1)},
         "month": {"lang": ("lang+month", 1), "outlet": ("month+outlet", 0)}}
_EA_COLS = "entity_rowid, cited, lang, outlet, published"


def _facet_keys(entity_rowid: int, cited: int, lang: str, outlet: str, published: str
                ) -> list[tuple[int, int, str, str]]:
    """The (entity, cited, kind, value) counts one entity_articles row is in: its entity's, and when it
    cites the entity also its citing articles'."""
    month = published[:7]
    values = [("total", ""), ("lang", lang), ("outlet", outlet), ("month", month), ("day", published[:10]),
              ("lang+outlet", f"{lang}{SEP}{outlet}"), ("lang+month", f"{lang}{SEP}{month}"),
              ("month+outlet", f"{month}{SEP}{outlet}")]
    flags = (0, 1) if cited else (0,)
    return [(int(entity_rowid), c, kind, value) for c in flags for kind, value in values]


class EntityCounts(CandidateCounts):
    """Upkeep and reads of entity_facets and entity_spellings (writes: call inside ``transaction()``)."""

    # ------------------------------------------------------------------ upkeep
    def _count_entity_rows(self, where: str, args: list[Any], sign: int, deltas: Counter[Any]) -> set[int]:
        """Count the entity_articles rows ``where`` selects into ``deltas`` (``sign`` +1 or -1); their entities."""
        seen: set[int] = set()
        for e, cited, lang, outlet, published in self._x(f"SELECT {_EA_COLS} FROM entity_articles WHERE {where}",
                                                         args).fetchall():
            seen.add(int(e))
            for key in _facet_keys(e, int(cited or 0), lang or "", outlet or "", published or ""):
                deltas[key] += sign
        return seen

    def _count_spelling_rows(self, where: str, args: list[Any], sign: int, deltas: Counter[Any],
                             entity_rowid: int | None = None) -> None:
        """Count the spellings of the mentions ``where`` selects into ``deltas`` (under ``entity_rowid`` when
        given: candidates about to become its mentions)."""
        rows = self._x(f"SELECT entity_rowid, surface, count(*) FROM entity_mentions WHERE {where} "
                       "GROUP BY entity_rowid, surface", args).fetchall()
        for e, surface, n in rows:
            owner = entity_rowid if entity_rowid is not None else e
            if owner is not None:
                deltas[(int(owner), surface)] += sign * int(n)

    def _apply_entity_counts(self, facets: Counter[Any], spellings: Counter[Any] | None = None) -> None:
        """Add these changes to the kept counts (a count that reaches 0 is removed) and to the entities' own
        ``articles`` and ``cited``, which the entity list is sorted by."""
        totals: dict[int, list[int]] = {}
        for (e, cited, kind, _value), n in facets.items():
            if kind == "total" and n:
                totals.setdefault(e, [0, 0])[cited] += n
        self._xmany("UPDATE entities SET articles = articles + ?, cited = cited + ? WHERE rowid = ?",
                    [(a, c, e) for e, (a, c) in sorted(totals.items())])
        for table, key_cols, count_col, deltas in (
                ("entity_facets", "entity_rowid, cited, kind, value", "articles", facets),
                ("entity_spellings", "entity_rowid, surface", "mentions", spellings or Counter())):
            changed = [(*k, n) for k, n in sorted(deltas.items()) if n]
            marks = ",".join("?" * (len(key_cols.split(",")) + 1))
            self._xmany(f"INSERT INTO {table}({key_cols}, {count_col}) VALUES({marks}) ON CONFLICT({key_cols}) "
                        f"DO UPDATE SET {count_col} = {table}.{count_col} + excluded.{count_col}", changed)
            cond = " AND ".join(f"{c.strip()} = ?" for c in key_cols.split(","))
            self._xmany(f"DELETE FROM {table} WHERE {cond} AND {count_col} <= 0",
                        [tuple(r[:-1]) for r in changed if r[-1] < 0])

    def _entity_article_removed(self, article_rowid: int) -> None:
        """A stored article is about to be deleted (replaced by a new version): its mentions and
        entity_articles rows leave with their counts, before the row that would take them along."""
        facets: Counter[Any] = Counter()
        spellings: Counter[Any] = Counter()
        candidates = CandidateDeltas()
        self._count_entity_rows("article_rowid = ?", [int(article_rowid)], -1, facets)
        self._count_spelling_rows("article_rowid = ? AND entity_rowid IS NOT NULL", [int(article_rowid)], -1,
                                  spellings)
        self._count_candidates(article_rowid, -1, candidates)
        self._x("DELETE FROM entity_articles WHERE article_rowid = ?", (int(article_rowid),))
        self._x("DELETE FROM entity_mentions WHERE article_rowid = ?", (int(article_rowid),))
        self._apply_entity_counts(facets, spellings)
        self._apply_candidate_counts(candidates)

    def _build_entity_counts(self, rowids: Iterable[int] | None = None) -> None:
        """The counts of these entities (None: of all) made again with ``GROUP BY`` from entity_articles and
        entity_mentions (migration 11 runs it; linear in the entities' articles)."""
        if rowids is None:
            self._x("DELETE FROM entity_facets")
            self._x("DELETE FROM entity_spellings")
            self._insert_counts("", [])
            return
        for chunk in _chunks(sorted({int(r) for r in rowids}), 500):
            cond = f"entity_rowid IN ({','.join('?' * len(chunk))})"
            self._x(f"DELETE FROM entity_facets WHERE {cond}", chunk)
            self._x(f"DELETE FROM entity_spellings WHERE {cond}", chunk)
            self._insert_counts(f" AND {cond}", chunk)

    def _insert_counts(self, cond: str, args: list[Any]) -> None:
        for cited, citing in ((0, ""), (1, " AND cited > 0")):
            for kind, expr in COUNTED.items():
                group = "entity_rowid" if kind == "total" else f"entity_rowid, {expr}"
                self._x("INSERT INTO entity_facets(entity_rowid, cited, kind, value, articles) "
                        f"SELECT entity_rowid, {cited}, '{kind}', {expr}, count(*) FROM entity_articles "
                        f"WHERE 1 = 1{citing}{cond} GROUP BY {group}", args)
        self._x("INSERT INTO entity_spellings(entity_rowid, surface, mentions) SELECT entity_rowid, surface, count(*) "
                f"FROM entity_mentions WHERE entity_rowid IS NOT NULL{cond} GROUP BY entity_rowid, surface", args)

    def rebuild_entity_counts(self, rowids: Iterable[int] | None = None) -> None:
        """For a bulk loader that wrote entity_articles and entity_mentions rows itself: the counts of these
        entities (None: all) made again from those rows, and ``entities.articles`` / ``cited`` from them."""
        with self.transaction():
            self._build_entity_counts(rowids)
            if rowids is None:
                rowids = [int(r[0]) for r in self._x("SELECT rowid FROM entities").fetchall()]
            self.recount_entities(rowids)

    def recount_entities(self, rowids: Iterable[int]) -> None:
        """``entities.articles`` and ``entities.cited`` of these entities set from their kept totals (a row
        each; the writes above keep them current, a bulk loader's rows need ``rebuild_entity_counts``)."""
        total = ("coalesce((SELECT f.articles FROM entity_facets f WHERE f.entity_rowid = entities.rowid AND "
                 "f.cited = {} AND f.kind = 'total' AND f.value = ''), 0)")
        for chunk in _chunks(sorted({int(r) for r in rowids}), 500):
            self._x(f"UPDATE entities SET articles = {total.format(0)}, cited = {total.format(1)} "
                    f"WHERE rowid IN ({','.join('?' * len(chunk))})", chunk)

    # ------------------------------------------------------------------ reads
    def entity_facet_counts(self, rowid: int, cited: bool = False, kinds: Iterable[str] = ("lang", "outlet", "month")
                            ) -> dict[str, dict[str, int]]:
        """kind -> {value: articles} of an entity's articles (``cited``: of those citing it), most first."""
        kinds = list(kinds)
        out: dict[str, dict[str, int]] = {k: {} for k in kinds}
        rows = self._x(f"SELECT kind, value, articles FROM entity_facets WHERE entity_rowid = ? AND cited = ? AND "
                       f"kind IN ({','.join('?' * len(kinds))})", [int(rowid), int(cited), *kinds]).fetchall()
        for kind, value, n in sorted(rows, key=lambda r: (-int(r[2]), r[1])):
            out[kind][value] = int(n)
        return out

    def entity_facets_within(self, rowid: int, cited: bool, kind: str, value: str) -> dict[str, dict[str, int]]:
        """The facets of an entity's (citing) articles that have one facet value (``kind`` lang, outlet or
        month), from the kept pair counts: exact, and a few hundred rows to read."""
        out = {kind: {value: n} if (n := self.entity_facet_count(rowid, cited, kind, value)) else {}}
        for other, (pair, side) in PAIRS[kind].items():
            literal = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"{literal}{SEP}%" if side == 0 else f"%{SEP}{literal}"
            counts: dict[str, int] = {}
            for joined, n in self._x("SELECT value, articles FROM entity_facets WHERE entity_rowid = ? AND cited = ? "
                                     "AND kind = ? AND value LIKE ? ESCAPE '\\'",
                                     (int(rowid), int(cited), pair, pattern)).fetchall():
                first, _, second = joined.partition(SEP)
                if (first, second)[side] == value:  # LIKE ignores ASCII case in SQLite: compared exactly here
                    counts[(first, second)[1 - side]] = int(n)
            out[other] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return {k: out[k] for k in ("lang", "outlet", "month")}

    def entity_facet_count(self, rowid: int, cited: bool, kind: str, value: str) -> int:
        """How many of an entity's (citing) articles have this facet value (kind "total", value "": all)."""
        row = self._x("SELECT articles FROM entity_facets WHERE entity_rowid = ? AND cited = ? AND kind = ? AND "
                      "value = ?", (int(rowid), int(cited), kind, value)).fetchone()
        return int(row[0]) if row else 0

    def entity_spelling_counts(self, rowid: int) -> dict[str, int]:
        """surface -> mentions of an entity written so."""
        rows = self._x("SELECT surface, mentions FROM entity_spellings WHERE entity_rowid = ?", (int(rowid),))
        return {r[0]: int(r[1]) for r in rows.fetchall()}
