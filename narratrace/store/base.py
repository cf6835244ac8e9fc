"""The SQL both stores share: articles, passages (with float16 vectors), stories, links; with the
ANN cache (index_cache.py) and the claims, narratives and fact-checks tables (claims.py) mixed in.

Queries are written once, in SQL that SQLite and PostgreSQL both accept apart from the
parameter placeholder (``?``), which a backend's ``_sql`` translates; the schema is
``migrations.MIGRATIONS`` in SQLite's dialect, translated by ``schema.to_postgres`` for PostgreSQL.
A backend supplies the connection (``db``), ``transaction()`` and the hooks of ``sql.SQLBase``.

The ANN index (``index()``) is a rebuildable cache of the stored vectors: a file beside an
SQLite database, in memory for a PostgreSQL one (``index_path`` is None).
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import NotFound, StoreError
from ..model import Article, Link, Passage, Story
from .ann import PassageIndex
from .annotations import AnnotationTables
from .claims import ClaimTables
from .entities import EntityTables
from .entity_counts import ENTITY_COUNTS_VERSION, EntityCounts
from .index_cache import IndexCache
from .member_reads import MemberReads
from .migrations import MIGRATIONS, SCHEMA_VERSION
from .narrative_facets import NARRATIVE_FACETS_VERSION
from .narrative_pages import NarrativePages
from .narrative_summaries import NARRATIVE_PAGES_VERSION
from .outlets import OutletSummaries
from .site_lines import SiteLineTables
from .sql import _chunks, _split_sql
from .story_ids import StoryIds
from .story_pages import STORY_PAGES_VERSION
from .story_summaries import ENTITY_STORIES_VERSION

_ARTICLE_COLS = 'rowid, id, content_hash, title, url, outlet, published, lang, origin, text, meta, provenance, story_id'


@dataclass
class StoredPassages:
    """Matchable passages of one stored article, as the grouping stage needs them."""

    article_id: str
    lang: str | None
    published: str | None
    story_id: str | None
    indices: list[int]
    texts: list[str]
    langs: list[str | None]
    vectors: np.ndarray
    clues: list[dict[str, Any] | None] = field(default_factory=list)  # per passage, as written (may be None)


class SQLStore(IndexCache, ClaimTables, StoryIds, SiteLineTables, AnnotationTables, NarrativePages, EntityTables,
               OutletSummaries, MemberReads):
    """All persistent state of a narratrace project, over a DB-API connection ``db``.

    Subclasses set ``path`` (shown in messages; never a password), ``db``, ``vector_dtype`` and
    ``_index``, then call ``_migrate()``; they implement ``transaction()`` and may override the hooks.
    """

    path: str
    db: Any
    vector_dtype: np.dtype
    _index: PassageIndex | None

    # ----------------------------------------------------------------- schema
    def _stored_version(self) -> int:
        try:
            row = self._x("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except Exception as exc:
            if self._schema_missing(exc):
                return 0
            raise
        return int(row[0]) if row else 0

    def _check_version(self, current: int) -> None:
        if current > SCHEMA_VERSION:
            raise StoreError(f"{self.path} has schema version {current}, newer than this narratrace ({SCHEMA_VERSION})",
                             hint="upgrade narratrace")

    def _migrate(self) -> None:
        """Bring the schema to ``SCHEMA_VERSION`` in one write transaction.

        Checked first without the write lock, so opening an up-to-date store never waits for a
        writer; checked again inside the transaction, where two processes opening a new database at
        once are serialised and the second finds the work done.
        """
        current = self._stored_version()
        self._check_version(current)
        if current == SCHEMA_VERSION:
            return
        with self.transaction():
            self._before_migrations()
            self._x(self._ddl("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"))
            current = self._stored_version()
            self._check_version(current)
            for version in sorted(v for v in MIGRATIONS if v > current):
                for stmt in _split_sql(self._ddl(MIGRATIONS[version])):
                    self._x(stmt)
                self._after_migration(version)  # what SQL cannot do (lexical.py: index what is stored)
                self._set_meta("schema_version", str(version))

    @property
    def schema_version(self) -> int:
        return int(self.get_meta("schema_version") or 0)

    def bind_encoder(self, model_id: str, dim: int) -> None:
        """Vectors of different models are not comparable: a store keeps one encoder for life."""
        stored = self.get_meta("encoder")
        if stored is None:
            with self.transaction():
                self._set_meta("encoder", model_id)
                self._set_meta("dim", str(dim))
        elif stored != model_id or int(self.get_meta("dim") or dim) != dim:
            raise StoreError(
                f"{self.path} holds vectors of encoder {stored!r}, not {model_id!r}",
                hint="use the same [encoder] settings as when the store was made, or a new --db",
            )

    # ---------------------------------------------------------------- lookups
    def existing(self, ids: Iterable[str], hashes: Iterable[str]
                 ) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
        """(id -> (content_hash, origin)) for known ids, (content_hash -> id) for known hashes (the first
        stored article of a text, when copies share it)."""
        by_id: dict[str, tuple[str, str]] = {}
        by_hash: dict[str, str] = {}
        for chunk in _chunks(list(ids), 500):
            q = f"SELECT id, content_hash, origin FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            by_id.update((i, (h, o or "")) for i, h, o in self._x(q, chunk).fetchall())
        for chunk in _chunks(list(hashes), 500):
            q = (f"SELECT content_hash, id FROM articles WHERE content_hash IN ({','.join('?' * len(chunk))}) "
                 "ORDER BY rowid DESC")  # the first stored is assigned last, so it wins
            by_hash.update(dict(self._x(q, chunk).fetchall()))
        return by_id, by_hash

    def count_articles(self) -> int:
        return int(self._x("SELECT count(*) FROM articles").fetchone()[0])

    def next_passage_rowid(self) -> int:
        return int(self._x("SELECT coalesce(max(rowid), 0) + 1 FROM passages").fetchone()[0])

    def get_article(self, article_id: str, with_passages: bool = True) -> Article:
        row = self._x(f"SELECT {_ARTICLE_COLS} FROM articles WHERE id=?", (article_id,)).fetchone()
        if row is None:
            raise NotFound(f"no article with id {article_id!r}", hint="list ids with `narratrace stories --json`")
        return self._article(row, with_passages)

    def articles(self, ids: Iterable[str] | None = None, with_passages: bool = False) -> list[Article]:
        if ids is None:
            rows = self._x(f"SELECT {_ARTICLE_COLS} FROM articles ORDER BY rowid").fetchall()
        else:
            rows = []
            for chunk in _chunks(list(ids), 500):
                rows += self._x(
                    f"SELECT {_ARTICLE_COLS} FROM articles WHERE id IN ({','.join('?' * len(chunk))}) ORDER BY rowid",
                    chunk).fetchall()
        return [self._article(r, with_passages) for r in rows]

    def _after_migration(self, version: int) -> None:
        super()._after_migration(version)  # the lexical index (lexical.py)
        if version == STORY_PAGES_VERSION:
            self._build_story_summaries()
        if version == ENTITY_COUNTS_VERSION:  # the entity and outlet pages' counts (entity_counts.py, outlets.py);
            EntityCounts._build_entity_counts(self)  # not entity_stories yet: migration 15 makes and fills it
            self._build_outlet_summaries()
        if version == NARRATIVE_PAGES_VERSION:  # the narrative lists' summaries (narrative_summaries.py)
            self._build_narrative_summaries()
        if version == NARRATIVE_FACETS_VERSION:  # and their items' facets (narrative_facets.py)
            self._build_narrative_facets()
        if version == ENTITY_STORIES_VERSION:  # the stories list's entity filter (story_summaries.py)
            self._build_entity_stories()

    def _article(self, row: tuple[Any, ...], with_passages: bool) -> Article:
        rowid, aid, _h, title, url, outlet, published, lang, origin, text, meta, prov, story_id = row
        art = Article(id=aid, text=text, title=title, url=url, outlet=outlet, published=published, lang=lang,
                      meta=json.loads(meta), origin=origin or "", provenance=json.loads(prov), story_id=story_id)
        if with_passages:
            for r in self._x(
                'SELECT idx, text, start, "end", kind, lang, key, sentences, reason FROM passages '
                "WHERE article_rowid=? ORDER BY idx", (rowid,)):
                art.passages.append(Passage(index=r[0], text=r[1], start=r[2], end=r[3], kind=r[4], lang=r[5],
                                            key=r[6], sentences=[tuple(s) for s in json.loads(r[7])], reason=r[8]))
        return art

    def passage_vectors(self, article_id: str) -> StoredPassages:
        """The encoded passages of a stored article (what grouping and tracing compare)."""
        found = self.passage_vectors_many([article_id])
        if article_id not in found:
            raise NotFound(f"no article with id {article_id!r}")
        return found[article_id]

    def passage_vectors_many(self, article_ids: Iterable[str], clues: bool = True) -> dict[str, StoredPassages]:
        """``passage_vectors`` of several articles in two queries (grouping reads its candidates and their
        stories' members at once); unknown ids are left out. ``clues=False``: without the grouping clues
        (a narrative's label needs none, and parsing them is most of the cost of reading a large narrative)."""
        ids = list(dict.fromkeys(article_ids))
        heads: dict[int, tuple[Any, ...]] = {}
        for chunk in _chunks(ids, 500):
            q = f"SELECT rowid, id, lang, published, story_id FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            heads.update((int(r[0]), r) for r in self._x(q, chunk).fetchall())
        rows: dict[int, list[tuple[Any, ...]]] = {r: [] for r in heads}
        for chunk in _chunks(list(heads), 500):
            q = (f"SELECT article_rowid, idx, text, lang, vector, {'clues' if clues else 'NULL'} FROM passages "
                 "WHERE vector IS NOT NULL AND "
                 f"article_rowid IN ({','.join('?' * len(chunk))}) ORDER BY article_rowid, idx")
            for r in self._x(q, chunk).fetchall():
                rows[int(r[0])].append(r)
        # one decode of every vector and one JSON parse of every clue, sliced per article (a quarter less
        # CPU than one per passage for grouping's ~70 candidates at 1M; the same values); each article its own copy,
        # so a kept one does not hold the whole read
        flat = [r for ps in rows.values() for r in ps]
        vecs = (np.frombuffer(b"".join([r[4] for r in flat]), dtype=self.vector_dtype).reshape(len(flat), -1)
                .astype(np.float32) if flat else np.zeros((0, int(self.get_meta("dim") or 0)), np.float32))
        parsed = json.loads("[" + ",".join([r[5] or "null" for r in flat]) + "]")
        out: dict[str, StoredPassages] = {}
        end = 0
        for arowid, (_, aid, lang, published, story_id) in heads.items():
            ps = rows[arowid]
            start, end = end, end + len(ps)
            out[aid] = StoredPassages(aid, lang, published, story_id, [r[1] for r in ps], [r[2] for r in ps],
                                      [r[3] for r in ps], vecs[start:end].copy(), parsed[start:end])
        return out

    def passage_owners(self, passage_rowids: Iterable[int]) -> dict[int, str]:
        """passage rowid -> article id (rowids no longer stored are left out)."""
        out: dict[int, str] = {}
        for chunk in _chunks([int(i) for i in passage_rowids], 500):
            q = (f"SELECT p.rowid, a.id FROM passages p JOIN articles a ON a.rowid = p.article_rowid "
                 f"WHERE p.rowid IN ({','.join('?' * len(chunk))})")
            out.update(dict(self._x(q, chunk).fetchall()))
        return out

    # ----------------------------------------------------------------- writes
    def write_article(self, art: Article, rowids: dict[int, int], vectors: dict[int, np.ndarray],
                      replace: bool = False, clues: dict[int, dict[str, Any]] | None = None) -> None:
        """Insert (or replace) one article with its passages.

        ``rowids`` maps every passage index to its rowid (the ANN id); ``vectors`` the encoded ones;
        ``clues`` the grouping clues of encoded passages (stored as JSON, read back by ``passage_vectors``).

        Call inside ``transaction()``.
        """
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        narratives = self._narrative_memberships(art.id) if replace else (frozenset(), None)
        if replace:
            old = self._x("SELECT rowid, story_id, lang, outlet, published FROM articles WHERE id=?",
                          (art.id,)).fetchone()
            if old:
                n_old = self._x("SELECT count(*) FROM passages WHERE article_rowid=? AND vector IS NOT NULL",
                                        (old[0],)).fetchone()[0]
                self._set_meta("ann_tombstones", str(int(self.get_meta("ann_tombstones") or 0) + n_old))
                self._x("DELETE FROM passages WHERE article_rowid=?", (old[0],))
                self._x("DELETE FROM links WHERE source=? OR target=?", (art.id, art.id))
                self._entity_article_removed(old[0])  # its mentions leave with their counts
                self._x("DELETE FROM articles WHERE rowid=?", (old[0],))
                self._outlet_article_removed(*old[2:])
                if old[1]:
                    self._member_removed(old[1], old[0], *old[2:])
        if art.story_id:
            self._x("INSERT INTO stories(id, created_at) VALUES(?, ?) ON CONFLICT DO NOTHING", (art.story_id, now))
        cur = self._x(
            "INSERT INTO articles(id, content_hash, title, url, outlet, published, lang, origin, text, meta, "
            "provenance, story_id, added_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING rowid",
            (art.id, art.content_hash, art.title, art.url, art.outlet, art.published, art.lang, art.origin, art.text,
             json.dumps(art.meta, ensure_ascii=False, default=str), json.dumps(art.provenance, ensure_ascii=False),
             art.story_id, now))
        arowid = cur.fetchone()[0]
        self._outlet_article_added(art.lang, art.outlet, art.published)
        if art.story_id:
            self._member_added(art.story_id, arowid, art.title, art.lang, art.outlet, art.published)
        rows = []
        clues = clues or {}
        for p in art.passages:
            rowid, vec = rowids.get(p.index), vectors.get(p.index)
            blob = None if vec is None else np.asarray(vec, dtype=self.vector_dtype).tobytes()
            clue = clues.get(p.index)
            rows.append((rowid, arowid, p.index, p.kind, p.lang, p.start, p.end, p.text, p.key,
                         json.dumps(p.sentences), p.reason, blob,
                         None if clue is None else json.dumps(clue, ensure_ascii=False)))
        self._xmany(
            'INSERT INTO passages(rowid, article_rowid, idx, kind, lang, start, "end", text, key, sentences, reason, '
            "vector, clues) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        self.write_passage_terms((rowids[p.index], p) for p in art.passages if p.index in rowids)
        self._narrative_article_changed(art.id, narratives)  # the narrative lists (narrative_summaries.py)

    def set_story(self, article_id: str, story_id: str) -> None:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._x("INSERT INTO stories(id, created_at) VALUES(?, ?) ON CONFLICT DO NOTHING", (story_id, now))
        old = self._x("SELECT rowid, story_id, title, lang, outlet, published FROM articles WHERE id=?",
                      (article_id,)).fetchone()
        narratives = self._narrative_memberships(article_id)
        self._x("UPDATE articles SET story_id=? WHERE id=?", (story_id, article_id))
        if old and old[1] != story_id:  # the story lists' summaries follow (store/story_pages.py)
            if old[1]:
                self._member_removed(old[1], old[0], *old[3:])
            self._member_added(story_id, old[0], *old[2:])
            self._narrative_article_changed(article_id, narratives)  # and the narrative lists'

    def write_links(self, links: Iterable[Link], story_id: str | None = None) -> None:
        """Upsert links (unique on source, target, kind). Call inside ``transaction()``."""
        self._xmany(
            "INSERT INTO links(source, target, kind, score, direction, evidence, story_id) VALUES(?,?,?,?,?,?,?) "
            "ON CONFLICT(source, target, kind) DO UPDATE SET score=excluded.score, direction=excluded.direction, "
            "evidence=excluded.evidence, story_id=excluded.story_id",
            [(lk.source, lk.target if isinstance(lk.target, str) else json.dumps(lk.target, ensure_ascii=False),
              lk.kind, float(lk.score), lk.direction, json.dumps(lk.evidence, ensure_ascii=False, default=str),
              story_id) for lk in links])

    def delete_link(self, source: str, target: str, kind: str) -> None:
        self._x("DELETE FROM links WHERE source=? AND target=? AND kind=?", (source, target, kind))

    # ---------------------------------------------------------------- stories
    _STORY_ROWS = ("SELECT s.id, a.id, a.title, a.lang, a.outlet, a.published FROM stories s "
                   "JOIN articles a ON a.story_id = s.id")

    def stories(self) -> list[Story]:
        rows = self._x(self._STORY_ROWS + " ORDER BY s.created_at, s.rowid, a.rowid").fetchall()
        return list(_stories_from_rows(rows).values())

    def story(self, story_id: str) -> Story:
        """One story, read through the story index: the cost does not grow with the store. A retired id
        (the story was renamed after an earlier member arrived, or merged) gives the story it became."""
        story_id = self.resolve_story_id(story_id)
        rows = self._x(self._STORY_ROWS + " WHERE s.id = ? ORDER BY a.rowid", (story_id,)).fetchall()
        if not rows:
            raise NotFound(f"no story with id {story_id!r}", hint="list stories with `narratrace stories`")
        return _stories_from_rows(rows)[story_id]

    def story_article_ids(self, story_id: str, limit: int | None = None) -> list[str]:
        """The first ``limit`` articles of a story, in the order they were stored (a bounded read through
        the story index: tracing a new article does not read every member of a large story)."""
        q = "SELECT id FROM articles WHERE story_id=? ORDER BY rowid"
        args: list[Any] = [story_id]
        if limit is not None:
            q, args = q + " LIMIT ?", args + [int(limit)]
        return [r[0] for r in self._x(q, args).fetchall()]

    def links(self, story_id: str | None = None, article_id: str | None = None,
              kind: str | None = None) -> list[Link]:
        """Links of a story, or of an article (either end); ``kind`` with ``article_id``: only the
        article's outgoing links of that kind (read through the source index, e.g. its ``cites``)."""
        q, args = "SELECT source, target, kind, score, direction, evidence FROM links", []
        if story_id:
            q, args = q + " WHERE story_id=?", [self.resolve_story_id(story_id)]
        elif article_id and kind:
            q, args = q + " WHERE source=? AND kind=?", [article_id, kind]
        elif article_id:
            q, args = q + " WHERE source=? OR target=?", [article_id, article_id]
        out = []
        for s, t, k, sc, d, ev in self._x(q + " ORDER BY rowid", args):
            target: Any = json.loads(t) if t.startswith("{") else t
            out.append(Link(source=s, target=target, kind=k, score=sc, direction=d, evidence=json.loads(ev)))
        return out

    def close(self) -> None:
        self.db.close()

    def passages_by_rowid(self, rowids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """passage rowid -> passage and article fields, for search results (missing rowids left out)."""
        out: dict[int, dict[str, Any]] = {}
        for chunk in _chunks([int(i) for i in rowids], 500):
            q = ("SELECT p.rowid, a.id, p.idx, p.kind, coalesce(p.lang, a.lang), p.text, a.title, a.outlet, "
                 f"a.published, a.lang, a.story_id FROM passages p JOIN articles a ON a.rowid = p.article_rowid "
                 f"WHERE p.rowid IN ({','.join('?' * len(chunk))})")
            for r in self._x(q, chunk):
                out[r[0]] = {"article_id": r[1], "passage": r[2], "kind": r[3], "lang": r[4], "text": r[5],
                             "title": r[6], "outlet": r[7], "published": r[8], "article_lang": r[9],
                             "story_id": r[10]}
        return out


def _stories_from_rows(rows: list[tuple[Any, ...]]) -> dict[str, Story]:
    out: dict[str, Story] = {}
    for sid, aid, title, lang, outlet, published in rows:
        st = out.setdefault(sid, Story(id=sid, article_ids=[], title=title))
        st.article_ids.append(aid)
        if lang and lang not in st.languages:
            st.languages.append(lang)
        if outlet and outlet not in st.outlets:
            st.outlets.append(outlet)
        if published:
            st.first_seen = min(filter(None, [st.first_seen, published]))
            st.last_seen = max(filter(None, [st.last_seen, published]))
    return out
