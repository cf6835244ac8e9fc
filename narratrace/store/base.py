"""The SQL both stores share: articles, passages (with float16 vectors), stories, links, narratives, claims.

Queries are written once, in SQL that SQLite and PostgreSQL both accept apart from the
parameter placeholder (``?``), which a backend's ``_sql`` translates; the schema is
``schema.MIGRATIONS`` in SQLite's dialect, translated by ``schema.to_postgres`` for PostgreSQL.
A backend supplies the connection (``db``), ``transaction()`` and the hooks marked below.

The ANN index (``index()``) is a rebuildable cache of the stored vectors: a file beside an
SQLite database, in memory for a PostgreSQL one (``index_path`` is None).
"""
from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import NotFound, StoreError
from ..model import Article, Link, Passage, Story
from .ann import PassageIndex
from .schema import MIGRATIONS, SCHEMA_VERSION

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


class SQLStore:
    """All persistent state of a narratrace project, over a DB-API connection ``db``.

    Subclasses set ``path`` (shown in messages; never a password), ``db``, ``vector_dtype`` and
    ``_index``, then call ``_migrate()``; they implement ``transaction()`` and may override the hooks.
    """

    path: str
    db: Any
    vector_dtype: np.dtype
    _index: PassageIndex | None

    # ---------------------------------------------------------- dialect hooks
    def _sql(self, query: str) -> str:
        """A query in this backend's dialect (SQLite: as written)."""
        return query

    def _ddl(self, script: str) -> str:
        """A migration script in this backend's dialect (SQLite: as written)."""
        return script

    def _x(self, query: str, params: Iterable[Any] = ()) -> Any:
        """Run one statement; returns a cursor (fetchone, fetchall, fetchmany, iteration)."""
        return self.db.execute(self._sql(query), tuple(params))

    def _scan(self, query: str, params: Iterable[Any] = (), size: int = 20000) -> Iterator[list[Any]]:
        """Rows of a long read in batches of ``size`` (a backend may stream them from the server)."""
        cur = self._x(query, params)
        while batch := cur.fetchmany(size):
            yield batch

    def _xmany(self, query: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.db.executemany(self._sql(query), rows)

    def transaction(self) -> contextlib.AbstractContextManager[Any]:
        """A write transaction: stored whole or not at all; nested use joins the outer one."""
        raise NotImplementedError

    def _schema_missing(self, exc: Exception) -> bool:
        """Whether ``exc`` (raised reading the schema version) means: no tables yet."""
        return False

    def _before_migrations(self) -> None:
        """Run inside the migration transaction before the first statement (PostgreSQL: the schema)."""

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
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for stmt in _split_sql(self._ddl(MIGRATIONS[version])):
                    self._x(stmt)
                self._set_meta("schema_version", str(version))

    def _set_meta(self, key: str, value: str) -> None:
        self._x("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        (key, value))

    def get_meta(self, key: str) -> str | None:
        row = self._x("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

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
        """(id -> (content_hash, origin)) for known ids, (content_hash -> id) for known hashes."""
        by_id: dict[str, tuple[str, str]] = {}
        by_hash: dict[str, str] = {}
        for chunk in _chunks(list(ids), 500):
            q = f"SELECT id, content_hash, origin FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            by_id.update((i, (h, o or "")) for i, h, o in self._x(q, chunk).fetchall())
        for chunk in _chunks(list(hashes), 500):
            q = f"SELECT content_hash, id FROM articles WHERE content_hash IN ({','.join('?' * len(chunk))})"
            by_hash.update(dict(self._x(q, chunk).fetchall()))
        return by_id, by_hash

    def count_articles(self) -> int:
        return int(self._x("SELECT count(*) FROM articles").fetchone()[0])

    def count_passages(self, with_vectors: bool = False) -> int:
        where = " WHERE vector IS NOT NULL" if with_vectors else ""
        return int(self._x(f"SELECT count(*) FROM passages{where}").fetchone()[0])

    def has_vectors(self) -> bool:
        """Whether any passage is encoded: stops at the first one (``count_passages`` scans them all)."""
        if self._index is not None and self._index.size:
            return True
        return self._x("SELECT 1 FROM passages WHERE vector IS NOT NULL LIMIT 1").fetchone() is not None

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

    def passage_vectors_many(self, article_ids: Iterable[str]) -> dict[str, StoredPassages]:
        """``passage_vectors`` of several articles in two queries (grouping reads its ~24 candidates at once);
        unknown ids are left out."""
        ids = list(dict.fromkeys(article_ids))
        heads: dict[int, tuple[Any, ...]] = {}
        for chunk in _chunks(ids, 500):
            q = f"SELECT rowid, id, lang, published, story_id FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            heads.update((int(r[0]), r) for r in self._x(q, chunk).fetchall())
        rows: dict[int, list[tuple[Any, ...]]] = {r: [] for r in heads}
        for chunk in _chunks(list(heads), 500):
            q = ("SELECT article_rowid, idx, text, lang, vector, clues FROM passages WHERE vector IS NOT NULL AND "
                 f"article_rowid IN ({','.join('?' * len(chunk))}) ORDER BY article_rowid, idx")
            for r in self._x(q, chunk).fetchall():
                rows[int(r[0])].append(r)
        dim = int(self.get_meta("dim") or 0)
        out: dict[str, StoredPassages] = {}
        for arowid, (_, aid, lang, published, story_id) in heads.items():
            ps = rows[arowid]
            vecs = (np.stack([np.frombuffer(r[4], dtype=self.vector_dtype) for r in ps]).astype(np.float32)
                    if ps else np.zeros((0, dim), np.float32))
            out[aid] = StoredPassages(aid, lang, published, story_id, [r[1] for r in ps], [r[2] for r in ps],
                                      [r[3] for r in ps], vecs, [json.loads(r[5]) if r[5] else None for r in ps])
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
        if replace:
            old = self._x("SELECT rowid FROM articles WHERE id=?", (art.id,)).fetchone()
            if old:
                n_old = self._x("SELECT count(*) FROM passages WHERE article_rowid=? AND vector IS NOT NULL",
                                        (old[0],)).fetchone()[0]
                self._set_meta("ann_tombstones", str(int(self.get_meta("ann_tombstones") or 0) + n_old))
                self._x("DELETE FROM passages WHERE article_rowid=?", (old[0],))
                self._x("DELETE FROM links WHERE source=? OR target=?", (art.id, art.id))
                self._x("DELETE FROM articles WHERE rowid=?", (old[0],))
        if art.story_id:
            self._x("INSERT INTO stories(id, created_at) VALUES(?, ?) ON CONFLICT DO NOTHING", (art.story_id, now))
        cur = self._x(
            "INSERT INTO articles(id, content_hash, title, url, outlet, published, lang, origin, text, meta, "
            "provenance, story_id, added_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING rowid",
            (art.id, art.content_hash, art.title, art.url, art.outlet, art.published, art.lang, art.origin, art.text,
             json.dumps(art.meta, ensure_ascii=False, default=str), json.dumps(art.provenance, ensure_ascii=False),
             art.story_id, now))
        arowid = cur.fetchone()[0]
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

    def set_story(self, article_id: str, story_id: str) -> None:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._x("INSERT INTO stories(id, created_at) VALUES(?, ?) ON CONFLICT DO NOTHING", (story_id, now))
        self._x("UPDATE articles SET story_id=? WHERE id=?", (story_id, article_id))

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
        """One story, read through the story index: the cost does not grow with the store."""
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
            q, args = q + " WHERE story_id=?", [story_id]
        elif article_id and kind:
            q, args = q + " WHERE source=? AND kind=?", [article_id, kind]
        elif article_id:
            q, args = q + " WHERE source=? OR target=?", [article_id, article_id]
        out = []
        for s, t, k, sc, d, ev in self._x(q + " ORDER BY rowid", args):
            target: Any = json.loads(t) if t.startswith("{") else t
            out.append(Link(source=s, target=target, kind=k, score=sc, direction=d, evidence=json.loads(ev)))
        return out

    # -------------------------------------------------------------------- ANN
    @property
    def index_path(self) -> str | None:
        return None if self.path == ":memory:" else f"{self.path}.faiss"

    def store_uid(self) -> str:
        """A random id made once per store: tells a store from another one made later at the same place."""
        uid = self.get_meta("store_uid")
        if uid is None:
            with self.transaction():
                uid = self.get_meta("store_uid")  # another process may have made it meanwhile
                if uid is None:
                    uid = uuid.uuid4().hex
                    self._set_meta("store_uid", uid)
        return uid

    # IVF for stores rebuilt with this many encoded passages or more, and its lists probed per query
    # (``[store] ann_ivf_from``, ``[store] ann_nprobe``, given to the subclass's constructor; store/ann.py)
    ann_ivf_from: int
    ann_nprobe: int

    def index(self) -> PassageIndex:
        """The ANN index, loaded or rebuilt from the database when missing or out of step."""
        if self._index is None:
            dim = int(self.get_meta("dim") or 0)
            if not dim:
                raise StoreError("the store has no encoder yet", hint="ingest articles first")
            idx = PassageIndex.load(self.index_path, dim, nprobe=self.ann_nprobe) if self.index_path else None
            if idx is not None:
                # compared by the largest encoded rowid (an index read backwards), not by counting every
                # passage: opening a store of millions must not scan it
                top = self._x("SELECT rowid FROM passages WHERE vector IS NOT NULL ORDER BY rowid DESC "
                              "LIMIT 1").fetchone()
                top_id = int(top[0]) if top else 0
                if idx.max_id() > top_id:
                    idx = None  # holds passages the database does not (an index of another state): rebuild
                elif idx.max_id() < top_id:
                    self._catch_up(idx)  # saved before the last batches: add only what came after
            if idx is None:
                idx = self.rebuild_index(dim)
            self._index = idx
        return self._index

    def sync_index(self) -> None:
        """Add to the loaded index the passages other processes stored since (call inside a write
        transaction: writers are serialised and rowids grow in commit order, so nothing is skipped).
        A range read on the primary key: nothing when no other process wrote."""
        if self._index is not None:
            self._catch_up(self._index)

    def _catch_up(self, idx: PassageIndex) -> None:
        """Add the passages stored after the index was saved (rowids only grow), instead of a rebuild."""
        self._add_stored(idx, "SELECT rowid, vector FROM passages WHERE rowid > ? AND vector IS NOT NULL "
                              "ORDER BY rowid", (idx.max_id(),))

    def _add_stored(self, idx: PassageIndex, query: str, params: Iterable[Any] = ()) -> None:
        """Add to ``idx`` the (rowid, vector) rows ``query`` returns, a batch at a time."""
        for batch in self._scan(query, params):
            ids = np.array([r[0] for r in batch], dtype=np.int64)
            vecs = np.stack([np.frombuffer(r[1], dtype=self.vector_dtype) for r in batch]).astype(np.float32)
            idx.add(ids, vecs)

    def _vector_sample(self, n_total: int, size: int) -> np.ndarray:
        """About ``size`` stored vectors spread over the whole store (every k-th rowid), to train IVF."""
        step = max(1, n_total // size)
        rows = self._x("SELECT vector FROM passages WHERE vector IS NOT NULL AND rowid % ? = 0",
                       (step,)).fetchall()
        return np.stack([np.frombuffer(r[0], dtype=self.vector_dtype) for r in rows]).astype(np.float32)

    def rebuild_index(self, dim: int | None = None) -> PassageIndex:
        """Re-create the ANN index from the stored vectors (after a crash, a lost file, or many updates).

        A store of ``ann_ivf_from`` encoded passages or more gets an IVF index trained on a sample:
        building HNSW over millions of passages takes hours on two cores."""
        dim = dim or int(self.get_meta("dim") or 0)
        n = self.count_passages(with_vectors=True)
        sample = self._vector_sample(n, 160_000) if n >= self.ann_ivf_from else None
        idx = PassageIndex.create(dim, n, sample, ivf_from=self.ann_ivf_from, nprobe=self.ann_nprobe)
        self._add_stored(idx, "SELECT rowid, vector FROM passages WHERE vector IS NOT NULL ORDER BY rowid")
        with self.transaction():
            self._set_meta("ann_tombstones", "0")
        if self.index_path:
            idx.save(self.index_path)
        self._index = idx
        return idx

    def discard_index(self) -> None:
        """Forget the in-memory index; the next use reloads or rebuilds it from the database."""
        self._index = None

    def save_index(self) -> None:
        if self._index is not None and self.index_path:
            self._index.save(self.index_path)

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------- narratives, claims, fact-checks (schema 2)
    def _vec(self, blob: bytes) -> np.ndarray:
        return np.frombuffer(blob, dtype=self.vector_dtype).astype(np.float32)

    def narrative_centroids(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(ids, summed member vectors (n, dim) float32, member weights) of every narrative."""
        rows = self._x("SELECT id, centroid, weight FROM narratives ORDER BY rowid").fetchall()
        dim = int(self.get_meta("dim") or 0)
        if not rows:
            return [], np.zeros((0, dim), np.float32), np.zeros(0, np.float32)
        return ([r[0] for r in rows], np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows]),
                np.array([r[2] for r in rows], np.float32))

    def save_narrative(self, narrative_id: str, founded_by: str, centroid_sum: np.ndarray, weight: float) -> None:
        """Insert or update a narrative's running centroid (a float32 sum of member vectors)."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._x(
            "INSERT INTO narratives(id, founded_by, centroid, weight, created_at, updated_at) VALUES(?,?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET centroid=excluded.centroid, weight=excluded.weight, "
            "updated_at=excluded.updated_at",
            (narrative_id, founded_by, np.asarray(centroid_sum, np.float32).tobytes(), float(weight), now, now))

    def story_narrative(self, story_id: str) -> str | None:
        row = self._x("SELECT narrative_id FROM narrative_stories WHERE story_id=?", (story_id,)).fetchone()
        return row[0] if row else None

    def set_story_narrative(self, story_id: str, narrative_id: str, score: float | None) -> None:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._x("INSERT INTO narrative_stories(story_id, narrative_id, score, added_at) VALUES(?,?,?,?) "
                        "ON CONFLICT(story_id) DO UPDATE SET narrative_id=excluded.narrative_id",
                        (story_id, narrative_id, score, now))

    def set_article_narrative(self, article_id: str, narrative_id: str, score: float | None,
                              passages: list[int]) -> None:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._x(
            "INSERT INTO narrative_articles(article_id, narrative_id, score, passages, added_at) VALUES(?,?,?,?,?) "
            "ON CONFLICT(article_id) DO UPDATE SET narrative_id=excluded.narrative_id, score=excluded.score, "
            "passages=excluded.passages", (article_id, narrative_id, score, json.dumps(passages), now))

    def narrative_members(self) -> list[tuple[str, str, str | None, float | None, list[int]]]:
        """(narrative id, article id, story id, score, claim passage indices), narratives in creation order.

        An article belongs to the narrative it was assigned, and to the narrative of its story."""
        rows = self._x(
            "SELECT n.id, a.id, a.story_id, na.score, coalesce(na.passages, '[]') FROM narratives n "
            "JOIN narrative_stories ns ON ns.narrative_id = n.id "
            "JOIN articles a ON a.story_id = ns.story_id "
            "LEFT JOIN narrative_articles na ON na.article_id = a.id "
            "UNION SELECT n.id, a.id, a.story_id, na.score, na.passages FROM narratives n "
            "JOIN narrative_articles na ON na.narrative_id = n.id JOIN articles a ON a.id = na.article_id "
            "ORDER BY 1").fetchall()
        order = {r[0]: i for i, r in enumerate(self._x("SELECT id FROM narratives ORDER BY rowid"))}
        arts = {r[0]: i for i, r in enumerate(self._x("SELECT id FROM articles ORDER BY rowid"))}
        seen: set[tuple[str, str]] = set()
        out = []
        for nid, aid, sid, score, ps in sorted(rows, key=lambda r: (order.get(r[0], 0), arts.get(r[1], 0))):
            if (nid, aid) not in seen:
                seen.add((nid, aid))
                out.append((nid, aid, sid, score, json.loads(ps or "[]")))
        return out

    def write_claims(self, article_id: str, claims: list[dict[str, Any]]) -> None:
        """Replace the claims of one article (dicts with passage, start, end, text, lang, score, features)."""
        self._x("DELETE FROM claims WHERE article_id=?", (article_id,))
        self._xmany(
            'INSERT INTO claims(article_id, passage, start, "end", text, lang, score, features) '
            "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            [(article_id, c["passage"], c["start"], c["end"], c["text"], c.get("lang"), float(c["score"]),
              json.dumps(c.get("features", {}), ensure_ascii=False)) for c in claims])

    def claims(self, article_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        q = ('SELECT c.rowid, c.article_id, c.passage, c.start, c."end", c.text, c.lang, c.score, c.features '
             "FROM claims c JOIN articles a ON a.id = c.article_id")
        rows: list[tuple[Any, ...]] = []
        if article_ids is None:
            rows = self._x(q + " ORDER BY a.rowid, c.passage, c.start").fetchall()
        else:
            for chunk in _chunks(list(article_ids), 500):
                rows += self._x(q + f" WHERE c.article_id IN ({','.join('?' * len(chunk))}) "
                                        "ORDER BY a.rowid, c.passage, c.start", chunk).fetchall()
        return [{"rowid": r[0], "article_id": r[1], "passage": r[2], "start": r[3], "end": r[4], "text": r[5],
                 "lang": r[6], "score": r[7], "features": json.loads(r[8])} for r in rows]

    def claims_without_vectors(self) -> list[tuple[int, str]]:
        """Claims not yet encoded (read through a partial index: the cost follows the new claims only)."""
        return self._x("SELECT rowid, text FROM claims WHERE vector IS NULL ORDER BY rowid").fetchall()

    def claims_by_rowid(self, rowids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """claim rowid -> {text, lang}: what matching needs, without reading every stored claim."""
        out: dict[int, dict[str, Any]] = {}
        for chunk in _chunks([int(r) for r in rowids], 500):
            q = f"SELECT rowid, text, lang FROM claims WHERE rowid IN ({','.join('?' * len(chunk))})"
            out.update({r[0]: {"rowid": r[0], "text": r[1], "lang": r[2]} for r in self._x(q, chunk)})
        return out

    def set_claim_vectors(self, rowids: list[int], vectors: np.ndarray) -> None:
        self._xmany("UPDATE claims SET vector=? WHERE rowid=?",
                            [(np.asarray(v, self.vector_dtype).tobytes(), int(r)) for r, v in zip(rowids, vectors)])

    def claim_vectors(self, rowids: Iterable[int] | None = None) -> tuple[list[int], np.ndarray]:
        q = "SELECT rowid, vector FROM claims WHERE vector IS NOT NULL"
        rows: list[tuple[Any, ...]] = []
        if rowids is None:
            rows = self._x(q + " ORDER BY rowid").fetchall()
        else:
            for chunk in _chunks([int(r) for r in rowids], 500):
                rows += self._x(q + f" AND rowid IN ({','.join('?' * len(chunk))}) ORDER BY rowid",
                                        chunk).fetchall()
        dim = int(self.get_meta("dim") or 0)
        vecs = np.stack([self._vec(r[1]) for r in rows]) if rows else np.zeros((0, dim), np.float32)
        return [r[0] for r in rows], vecs

    def upsert_factchecks(self, records: list[dict[str, Any]], vectors: np.ndarray) -> None:
        """Insert or update fact-checks by id (dicts with the ``FactCheck`` fields)."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._xmany(
            "INSERT INTO factchecks(id, claim, rating, url, lang, date, publisher, claimant, title, origin, format, "
            "vector, added_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET claim=excluded.claim, "
            "rating=excluded.rating, url=excluded.url, lang=excluded.lang, date=excluded.date, "
            "publisher=excluded.publisher, claimant=excluded.claimant, title=excluded.title, "
            "origin=excluded.origin, format=excluded.format, vector=excluded.vector",
            [(r["factcheck_id"], r["claim"], r.get("rating"), r.get("url"), r.get("lang"), r.get("date"),
              r.get("publisher"), r.get("claimant"), r.get("title"), r.get("origin", ""), r.get("format", ""),
              np.asarray(v, self.vector_dtype).tobytes(), now) for r, v in zip(records, vectors)])
        self.bump_revision("factchecks")

    def factchecks(self, with_vectors: bool = False) -> tuple[list[dict[str, Any]], np.ndarray]:
        rows = self._x("SELECT id, claim, rating, url, lang, date, publisher, claimant, title, origin, "
                               "format, vector FROM factchecks ORDER BY rowid").fetchall()
        keys = ("factcheck_id", "claim", "rating", "url", "lang", "date", "publisher", "claimant", "title",
                "origin", "format")
        recs = [dict(zip(keys, r[:-1])) for r in rows]
        dim = int(self.get_meta("dim") or 0)
        vecs = (np.stack([self._vec(r[-1]) for r in rows]) if rows and with_vectors
                else np.zeros((0, dim), np.float32))
        return recs, vecs

    def count_factchecks(self) -> int:
        return int(self._x("SELECT count(*) FROM factchecks").fetchone()[0])

    def has_factchecks(self) -> bool:
        """Whether any fact-check is stored: stops at the first (``count_factchecks`` counts them all)."""
        return self._x("SELECT 1 FROM factchecks LIMIT 1").fetchone() is not None

    def revision(self, name: str) -> int:
        """A counter bumped by every write of ``name`` (narratives, factchecks), by any process.

        Caches of those tables (the narrative centroids, the fact-check vectors) compare it with the
        revision they loaded: equal means nothing changed, so they skip a reload that grows with the store."""
        return int(self.get_meta(f"rev_{name}") or 0)

    def bump_revision(self, name: str) -> int:
        """Call inside ``transaction()`` after writing ``name``; returns the new revision."""
        rev = self.revision(name) + 1
        self._set_meta(f"rev_{name}", str(rev))
        return rev

    def replace_matches(self, claim_rowids: list[int], rows: list[tuple[int, str, float, str, dict[str, Any]]]) -> None:
        """Replace the matches of these claims with (claim rowid, factcheck id, score, status, evidence) rows."""
        for chunk in _chunks([int(r) for r in claim_rowids], 500):
            self._x(f"DELETE FROM claim_matches WHERE claim_rowid IN ({','.join('?' * len(chunk))})", chunk)
        self._xmany("INSERT INTO claim_matches(claim_rowid, factcheck_id, score, status, evidence) "
                    "VALUES(?,?,?,?,?) ON CONFLICT(claim_rowid, factcheck_id) DO UPDATE SET score=excluded.score, "
                    "status=excluded.status, evidence=excluded.evidence",
                    [(c, f, float(s), st, json.dumps(ev, ensure_ascii=False)) for c, f, s, st, ev in rows])

    def claim_matches(self) -> list[dict[str, Any]]:
        rows = self._x(
            "SELECT c.article_id, c.passage, c.text, m.factcheck_id, m.score, m.status, m.evidence "
            "FROM claim_matches m JOIN claims c ON c.rowid = m.claim_rowid JOIN articles a ON a.id = c.article_id "
            "ORDER BY a.rowid, c.passage, c.start, m.score DESC").fetchall()
        return [{"article_id": r[0], "passage": r[1], "claim": r[2], "factcheck_id": r[3], "score": r[4],
                 "status": r[5], "evidence": json.loads(r[6])} for r in rows]

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


def _chunks(items: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
