"""What has been collected: a small SQLite file beside the database (``<db>.collect``).

Kept apart from the article store so that collecting never touches its schema. Items are
marked done only after the caller has stored their articles (``Batch.commit``), and feed
validators (ETag, Last-Modified) are saved at the same moment: a crash in between costs a
re-fetch, never a lost or a duplicated article.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ...paths import cache_dir

__all__ = ["CollectState", "state_path"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, checked_at TEXT);
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,          -- page URL (normalised) or tg:<channel>/<message>
    status TEXT NOT NULL,          -- done | gone | blocked | failed
    article_id TEXT,
    source TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    item TEXT,                     -- what the listing said (JSON), to retry a failed page with it
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS arrivals (article_id TEXT PRIMARY KEY, story_id TEXT, at REAL NOT NULL,
                                     alerted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS arrivals_at ON arrivals(at);
CREATE TABLE IF NOT EXISTS alerts (key TEXT PRIMARY KEY, at TEXT NOT NULL, alert TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, sink TEXT NOT NULL, alert TEXT NOT NULL,
                                   attempts INTEGER NOT NULL DEFAULT 0, error TEXT);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def state_path(db_path: str | Path) -> str:
    """The state file for a database: ``news.db`` -> ``news.db.collect``; in memory for ``:memory:``.

    A PostgreSQL store (``postgresql://…``) has no folder of its own: its state goes in the cache folder
    (``paths.cache_dir()/collect``), named by a hash of the URL without its credentials. Run one collector
    per shared database (the state is per machine)."""
    target = str(db_path)
    if target == ":memory:":
        return target
    if target.lower().startswith(("postgresql://", "postgres://")):
        parts = urlsplit(target)
        query = "&".join(f"{k}={v}" for k, v in parse_qsl(parts.query) if k != "password")
        key = f"{parts.hostname or ''}:{parts.port or ''}{parts.path}?{query}"
        folder = cache_dir() / "collect"
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / f"{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}.collect")
    return f"{target}.collect"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class CollectState:
    """Collected items, HTTP validators, alert keys and the alert outbox."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._lock = threading.RLock()
        if self.path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def _exec(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self.db.execute(sql, tuple(args)).fetchall()

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.executemany(sql, rows)
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # ------------------------------------------------------------ validators
    def validators(self, url: str) -> tuple[str | None, str | None]:
        rows = self._exec("SELECT etag, last_modified FROM validators WHERE url=?", (url,))
        return rows[0] if rows else (None, None)

    def save_validators(self, rows: list[tuple[str, str | None, str | None]]) -> None:
        self._many("INSERT INTO validators(url, etag, last_modified, checked_at) VALUES(?,?,?,?) "
                   "ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified, "
                   "checked_at=excluded.checked_at", [(u, e, m, _now()) for u, e, m in rows])

    # ----------------------------------------------------------------- items
    def status(self, keys: Iterable[str]) -> dict[str, tuple[str, int]]:
        """key -> (status, attempts) for known keys."""
        keys = list(keys)
        out: dict[str, tuple[str, int]] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            q = f"SELECT key, status, attempts FROM items WHERE key IN ({','.join('?' * len(chunk))})"
            out.update((k, (s, a)) for k, s, a in self._exec(q, chunk))
        return out

    def mark(self, rows: list[tuple[str, str, str | None, str | None, str | None]],
             items: dict[str, dict[str, Any]] | None = None) -> None:
        """(key, status, article_id, source, error) rows; a failure counts one more attempt.

        ``items`` (key -> what the listing said) is kept for failed pages, to retry them with it.
        """
        items = items or {}
        self._many(
            "INSERT INTO items(key, status, article_id, source, attempts, error, item, updated_at) "
            "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET status=excluded.status, "
            "article_id=coalesce(excluded.article_id, items.article_id), source=coalesce(excluded.source, "
            "items.source), attempts=items.attempts + excluded.attempts, error=excluded.error, "
            "item=coalesce(excluded.item, items.item), updated_at=excluded.updated_at",
            [(k, s, a, src, 0 if s == "done" else 1, e,
              json.dumps(items[k], ensure_ascii=False, default=str) if s == "failed" and k in items else None,
              _now()) for k, s, a, src, e in rows])

    def retryable(self, sources: Iterable[str], max_attempts: int) -> list[tuple[str, dict[str, Any]]]:
        """(key, listing info) of pages from these listings that failed fewer than ``max_attempts`` times."""
        srcs = list(sources)
        out = []
        for i in range(0, len(srcs), 500):
            chunk = srcs[i : i + 500]
            q = (f"SELECT key, item FROM items WHERE status='failed' AND attempts<? "
                 f"AND source IN ({','.join('?' * len(chunk))}) ORDER BY rowid")
            out += [(k, json.loads(it) if it else {}) for k, it in self._exec(q, [max_attempts, *chunk])]
        return out

    def counts(self) -> dict[str, int]:
        return dict(self._exec("SELECT status, count(*) FROM items GROUP BY status"))

    # -------------------------------------------------------------- arrivals
    def arrived(self, rows: list[tuple[str, str | None]], at: float | None = None, alerted: bool = False) -> None:
        """Articles stored at ``at`` (epoch seconds), with their story: the base of growth detection.

        ``alerted=False`` leaves them for the alert engine (``pending``), which marks them once judged.
        """
        at = time.time() if at is None else at
        self._many("INSERT OR IGNORE INTO arrivals(article_id, story_id, at, alerted) VALUES(?,?,?,?)",
                   [(a, s, at, int(alerted)) for a, s in rows])

    def pending(self) -> list[str]:
        """Arrived articles not yet judged by the alert engine, in arrival order."""
        return [r[0] for r in self._exec("SELECT article_id FROM arrivals WHERE alerted=0 ORDER BY at, rowid")]

    def judged(self, article_ids: list[str]) -> None:
        self._many("UPDATE arrivals SET alerted=1 WHERE article_id=?", [(a,) for a in article_ids])

    def arrivals_since(self, since: float) -> list[tuple[str, float]]:
        return [(a, t) for a, t in self._exec("SELECT article_id, at FROM arrivals WHERE at>=? ORDER BY at",
                                              (since,))]

    def arrival_times(self, article_ids: Iterable[str]) -> dict[str, float]:
        ids = list(article_ids)
        out: dict[str, float] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = f"SELECT article_id, at FROM arrivals WHERE article_id IN ({','.join('?' * len(chunk))})"
            out.update(self._exec(q, chunk))
        return out

    # ---------------------------------------------------------------- alerts
    def fired(self, key: str) -> dict[str, Any] | None:
        rows = self._exec("SELECT alert FROM alerts WHERE key=?", (key,))
        return json.loads(rows[0][0]) if rows else None

    def fire_to(self, key: str, alert: dict[str, Any], sinks: list[str]) -> bool:
        """Remember an alert and queue it for every sink, in one transaction; False if ``key`` had fired."""
        text = json.dumps(alert, ensure_ascii=False, default=str)
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                cur = self.db.execute("INSERT OR IGNORE INTO alerts(key, at, alert) VALUES(?,?,?)", (key, _now(), text))
                fresh = cur.rowcount == 1
                if fresh:
                    self.db.executemany("INSERT INTO outbox(sink, alert) VALUES(?,?)", [(s, text) for s in sinks])
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return fresh

    def queued(self, sink: str) -> list[tuple[int, dict[str, Any]]]:
        return [(i, json.loads(a)) for i, a in
                self._exec("SELECT id, alert FROM outbox WHERE sink=? ORDER BY id", (sink,))]

    def unqueue(self, ids: list[int]) -> None:
        self._many("DELETE FROM outbox WHERE id=?", [(i,) for i in ids])

    def requeue(self, ids: list[int], error: str, max_attempts: int | None = None) -> None:
        """Count a failed delivery; alerts that reached ``max_attempts`` are dropped from the outbox."""
        self._many("UPDATE outbox SET attempts=attempts+1, error=? WHERE id=?", [(error, i) for i in ids])
        if max_attempts is not None:
            self._many("DELETE FROM outbox WHERE id=? AND attempts>=?", [(i, max_attempts) for i in ids])

    # -------------------------------------------------------------------- kv
    def get(self, key: str, default: Any = None) -> Any:
        rows = self._exec("SELECT value FROM kv WHERE key=?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set(self, key: str, value: Any) -> None:
        self._exec("INSERT INTO kv(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                   (key, json.dumps(value)))
