"""Batched reads for exports (``trace.exports``): the articles a filter keeps, the links that touch a batch
of them, and the claims with their fact-check matches.

Every read is one query in keyset order (``rowid > last ORDER BY rowid LIMIT n``), fetched whole: an export
of a million articles holds one batch in memory, and no cursor stays open between batches, so the web app
can answer other requests on the same connection while a download streams. The SQL is what SQLite and
PostgreSQL both accept (``?`` placeholders, translated by the backend).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, NotFound
from .base import SQLStore

#: the narrative an article belongs to: its own assignment, else its story's
_NARRATIVE = ("coalesce((SELECT na.narrative_id FROM narrative_articles na WHERE na.article_id = {a}.id), "
              "(SELECT ns.narrative_id FROM narrative_stories ns WHERE ns.story_id = {a}.story_id))")
_ARTICLE_COLS = ("{a}.rowid, {a}.id, {a}.title, {a}.url, {a}.outlet, {a}.published, {a}.lang, {a}.story_id, "
                 "{a}.provenance, " + _NARRATIVE)
#: the columns of a link's end that an export shows
_END_COLS = "{a}.rowid, {a}.title, {a}.lang, {a}.outlet, {a}.published, {a}.story_id"
_END_KEYS = ("rowid", "title", "lang", "outlet", "published", "story_id")


@dataclass(frozen=True)
class ExportArticle:
    """An article as exports show it (no text, no passages)."""

    rowid: int
    id: str
    title: str | None
    url: str | None
    outlet: str | None
    published: str | None
    lang: str | None
    story_id: str | None
    provenance: dict[str, Any]
    narrative_id: str | None


@dataclass(frozen=True)
class ExportLinkRow:
    """A stored link with the export's view of both ends (``target_end`` None: not an article)."""

    rowid: int
    source: str
    target: str
    kind: str
    score: float
    direction: str
    evidence: str
    story_id: str | None
    source_end: dict[str, Any]
    target_end: dict[str, Any] | None


def _like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (with ``ESCAPE '\\'``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _marks(values: Iterable[Any]) -> str:
    return ",".join("?" for _ in values)


@dataclass(frozen=True)
class ArticleFilter:
    """Which articles an export keeps; every field given must hold (empty: no condition).

    ``stories``, ``articles``, ``narratives``: ids; ``langs``: language codes; ``outlet``: text the outlet
    contains (case-insensitive for Latin letters); ``since`` / ``until``: ISO dates, partial allowed, compared
    at the shorter of the two precisions (``2021-02`` is on or after ``2021-02-15``), undated articles left
    out; ``sources``: articles citing one of these sources (registry id or name, or an entity the entity layer
    saw cited: ``source_rowids``); ``entities``: articles mentioning one of these entities (in any script; the
    names as given, resolved to ``entity_rowids`` by ``trace.exports``)."""

    stories: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    outlet: str | None = None
    since: str | None = None
    until: str | None = None
    narratives: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    entity_rowids: tuple[int, ...] = ()
    source_rowids: tuple[int, ...] = ()

    def where(self, a: str) -> tuple[str, list[Any]]:
        """The SQL condition on the articles table under alias ``a`` and its parameters."""
        parts: list[str] = []
        params: list[Any] = []
        if self.stories:
            parts.append(f"{a}.story_id IN ({_marks(self.stories)})")
            params += self.stories
        if self.articles:
            parts.append(f"{a}.id IN ({_marks(self.articles)})")
            params += self.articles
        if self.langs:
            parts.append(f"lower({a}.lang) IN ({_marks(self.langs)})")
            params += [x.lower() for x in self.langs]
        if self.outlet:
            parts.append(f"lower({a}.outlet) LIKE ? ESCAPE '\\'")
            params.append(f"%{_like(self.outlet.lower())}%")
        for bound, op in ((self.since, ">="), (self.until, "<=")):
            if bound:
                n = len(bound)
                p = f"{a}.published"
                parts.append(f"({p} IS NOT NULL AND {p} <> '' AND ((length({p}) >= ? AND substr({p}, 1, ?) {op} ?) "
                             f"OR (length({p}) < ? AND {p} {op} substr(?, 1, length({p})))))")
                params += [n, n, bound, n, bound]
        if self.narratives:
            m = _marks(self.narratives)
            parts.append(f"({a}.story_id IN (SELECT story_id FROM narrative_stories WHERE narrative_id IN ({m})) "
                         f"OR {a}.id IN (SELECT article_id FROM narrative_articles WHERE narrative_id IN ({m})))")
            params += [*self.narratives, *self.narratives]
        if self.sources:
            cond = " OR ".join("c.target LIKE ? ESCAPE '\\' OR lower(c.target) LIKE ? ESCAPE '\\'"
                               for _ in self.sources)
            # correlated: read through the links' source index per article, not a scan of every link per batch
            cited = f"EXISTS (SELECT 1 FROM links c WHERE c.source = {a}.id AND c.kind = 'cites' AND ({cond}))"
            for s in self.sources:
                params += [f'%"id": {_like(json.dumps(s, ensure_ascii=False))}%',
                           f'%"name": {_like(json.dumps(s.lower(), ensure_ascii=False))}%']
            if self.source_rowids:
                cited += (f" OR EXISTS (SELECT 1 FROM entity_articles ea WHERE ea.article_rowid = {a}.rowid AND "
                          f"ea.entity_rowid IN ({_marks(self.source_rowids)}) AND ea.cited > 0)")
                params += self.source_rowids
            parts.append(f"({cited})")
        if self.entities:
            ids = self.entity_rowids or (-1,)  # names that resolved to nothing keep nothing
            parts.append(f"EXISTS (SELECT 1 FROM entity_articles ee WHERE ee.article_rowid = {a}.rowid AND "
                         f"ee.entity_rowid IN ({_marks(ids)}))")
            params += ids
        return (" AND ".join(parts) or "1=1"), params


class ExportReads:
    """The reads of one export over ``store``: ``filt`` picks the articles, ``kinds`` (empty: all) the links."""

    def __init__(self, store: SQLStore, filt: ArticleFilter, kinds: Iterable[str] = (), batch_size: int = 1000):
        if batch_size < 1:
            raise InputError("[export] batch_size", f"must be at least 1, not {batch_size}")
        self.store = store
        self.kinds = tuple(kinds)
        self.batch_size = batch_size
        self.filter = self._resolved(filt)

    def _resolved(self, filt: ArticleFilter) -> ArticleFilter:
        """``filt`` with retired story ids replaced by the stories they became; an unknown story is an error."""
        if not filt.stories:
            return filt
        current = []
        for sid in filt.stories:
            sid = self.store.resolve_story_id(sid)
            if self.store._x("SELECT 1 FROM stories WHERE id=?", (sid,)).fetchone() is None:
                raise NotFound(f"no story with id {sid!r}", hint="list stories with `narratrace stories`")
            current.append(sid)
        return ArticleFilter(**{**filt.__dict__, "stories": tuple(dict.fromkeys(current))})

    def _kind_sql(self, alias: str) -> tuple[str, list[Any]]:
        if not self.kinds:
            return "", []
        return f" AND {alias}.kind IN ({_marks(self.kinds)})", list(self.kinds)

    def count_articles(self) -> int:
        where, params = self.filter.where("a")
        return int(self.store._x(f"SELECT count(*) FROM articles a WHERE {where}", params).fetchone()[0])

    def article_batches(self) -> Iterator[list[ExportArticle]]:
        """The kept articles in storage order, ``batch_size`` at a time."""
        where, params = self.filter.where("a")
        q = (f"SELECT {_ARTICLE_COLS.format(a='a')} FROM articles a WHERE a.rowid > ? AND {where} "
             "ORDER BY a.rowid LIMIT ?")
        last = -1
        while True:
            rows = self.store._x(q, [last, *params, self.batch_size]).fetchall()
            if not rows:
                return
            yield [ExportArticle(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8] or "{}"), r[9])
                   for r in rows]
            if len(rows) < self.batch_size:
                return
            last = int(rows[-1][0])

    def cited_targets(self, batch: list[ExportArticle]) -> list[tuple[str, str, str]]:
        """(article id, target JSON, kind) of the links from ``batch`` to something that is not an article
        (a cited source, a Telegram channel)."""
        kind, kparams = self._kind_sql("l")
        q = (f"SELECT l.source, l.target, l.kind FROM links l JOIN articles sa ON sa.id = l.source "
             f"WHERE sa.rowid IN ({_marks(batch)}) AND l.target LIKE '{{%'{kind} ORDER BY l.rowid")
        return [(r[0], r[1], r[2]) for r in self.store._x(q, [a.rowid for a in batch] + kparams).fetchall()]

    def links_touching(self, batch: list[ExportArticle]) -> list[ExportLinkRow]:
        """Every kept link with an end in ``batch`` whose other end is kept too (or is not an article)."""
        kind, kparams = self._kind_sql("l")
        rowids = [a.rowid for a in batch]
        cols = (f"l.rowid, l.source, l.target, l.kind, l.score, l.direction, l.evidence, l.story_id, "
                f"{_END_COLS.format(a='sa')}, {_END_COLS.format(a='ta')}")
        t_where, t_params = self.filter.where("ta")
        s_where, s_params = self.filter.where("sa")
        from_source = (f"SELECT {cols} FROM links l JOIN articles sa ON sa.id = l.source "
                       f"LEFT JOIN articles ta ON ta.id = l.target WHERE sa.rowid IN ({_marks(rowids)}){kind} "
                       f"AND ((ta.rowid IS NULL AND l.target LIKE '{{%') OR (ta.rowid IS NOT NULL AND {t_where})) "
                       "ORDER BY l.rowid")
        to_target = (f"SELECT {cols} FROM links l JOIN articles ta ON ta.id = l.target "
                     f"JOIN articles sa ON sa.id = l.source WHERE ta.rowid IN ({_marks(rowids)}){kind} "
                     f"AND {s_where} ORDER BY l.rowid")
        seen: set[int] = set()
        out = []
        for q, params in ((from_source, [*rowids, *kparams, *t_params]), (to_target, [*rowids, *kparams, *s_params])):
            for r in self.store._x(q, params).fetchall():
                if int(r[0]) in seen:
                    continue
                seen.add(int(r[0]))
                source_end = dict(zip(_END_KEYS, r[8:14]))
                target_end = dict(zip(_END_KEYS, r[14:20])) if r[14] is not None else None
                out.append(ExportLinkRow(int(r[0]), r[1], r[2], r[3], float(r[4]), r[5], r[6], r[7],
                                         source_end, target_end))
        return out

    def claim_batches(self) -> Iterator[list[dict[str, Any]]]:
        """Claims of the kept articles, one row per claim and matched fact-check (a claim without a match:
        one row without one), best match first, ``batch_size`` claims at a time."""
        where, params = self.filter.where("a")
        ids_q = (f"SELECT c.rowid FROM claims c JOIN articles a ON a.id = c.article_id WHERE c.rowid > ? AND {where} "
                 "ORDER BY c.rowid LIMIT ?")
        last = -1
        while True:
            ids = [int(r[0]) for r in self.store._x(ids_q, [last, *params, self.batch_size]).fetchall()]
            if not ids:
                return
            q = ('SELECT c.rowid, c.article_id, a.story_id, a.outlet, a.published, c.passage, c.start, c."end", '
                 "c.lang, c.text, c.score, m.factcheck_id, m.score, m.status, r.verdict, r.note, f.claim, f.rating, "
                 "f.url, f.publisher, f.lang FROM claims c JOIN articles a ON a.id = c.article_id "
                 "LEFT JOIN claim_matches m ON m.claim_rowid = c.rowid "
                 "LEFT JOIN match_reviews r ON r.article_id = c.article_id AND r.factcheck_id = m.factcheck_id "
                 f"LEFT JOIN factchecks f ON f.id = m.factcheck_id WHERE c.rowid IN ({_marks(ids)}) "
                 "ORDER BY c.rowid, m.score DESC, m.factcheck_id")
            keys = ("claim_rowid", "article_id", "story_id", "outlet", "published", "passage", "start", "end", "lang",
                    "claim", "claim_score", "factcheck_id", "match_score", "status", "verdict", "note",
                    "factcheck_claim", "rating", "factcheck_url", "publisher", "factcheck_lang")
            yield [dict(zip(keys, r)) for r in self.store._x(q, ids).fetchall()]
            if len(ids) < self.batch_size:
                return
            last = ids[-1]
