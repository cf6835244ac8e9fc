"""Embedded SQLite store: one file, WAL mode, one transaction per batch (the SQL is in ``base``).

The ANN index (``store.index()``) is a rebuildable cache saved beside the database as ``<db>.faiss``.
"""
from __future__ import annotations

import contextlib
import errno
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import StoreError, StoreFull
from .base import SQLStore, StoredPassages

__all__ = ["SYNCHRONOUS", "SQLiteStore", "StoredPassages"]

#: SQLite's page cache per connection, KiB. Its default, 2 MiB, holds less than the inner B-tree pages of
#: a store of a million articles (~25 MB), so grouping's candidate reads asked the OS for them again and
#: again. Filled only as pages are read. bench/scale.py at 1M, 4 alternating runs each: add p95 58-110 ms
#: wall (CPU 42-51) with 128 MiB, 96-247 ms (CPU 46-90) with the default.
PAGE_CACHE_KIB = 131072
#: How often a writing store's checkpointer (``_Checkpointer``) copies the WAL back into the database, s.
CHECKPOINT_SECONDS = 1.0
#: WAL pages past which a commit checkpoints by itself (SQLite's wal_autocheckpoint; its default is 1000). Why:
#: with the default, a commit every ~7 adds at 1M articles (each writes ~150 pages) copied and synced the WAL
#: itself, 25-45 ms inside that add (commit p95 36 ms over 40 adds; with the checkpointer 6 ms). Adds back to back
#: never start after a finished checkpoint, so the WAL is only restarted here: it levels off at this size (64 MB),
#: where one commit in ~200 copies what the checkpointer has not (63 ms once in 200 single adds at 1M).
WAL_AUTOCHECKPOINT_PAGES = 16384
#: ``[store] synchronous`` values (SQLite's PRAGMA synchronous), weakest first
SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
# primary result codes (https://sqlite.org/rescode.html)
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 11, 13, 26
DAMAGED_HINT = ("restore it from a backup, or salvage what is readable with `sqlite3 DB .recover | sqlite3 NEW.db`"
                " and ingest into NEW.db")


class SQLiteStore(SQLStore):
    """All persistent state of a narratrace project in one SQLite file (plus its ANN cache)."""

    def __init__(self, path: str | Path, vector_dtype: str = "float16", ann_ivf_from: int = 1_000_000,
                 ann_nprobe: int = 16) -> None:
        self.path = str(path)
        self.vector_dtype = np.dtype(vector_dtype)
        self.ann_ivf_from, self.ann_nprobe = ann_ivf_from, ann_nprobe
        self._index = None
        self._savepoints = 0
        self._checkpointer: _Checkpointer | None = None  # started by the first commit
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}",
                             hint="is it a narratrace database? use --db to choose another file") from exc

    def _schema_missing(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and "no such table" in str(exc)

    def set_synchronous(self, mode: str) -> None:
        """``[store] synchronous``: NORMAL (the default) may lose the last commits on power loss, never
        the database's consistency; FULL syncs every commit to the disk (docs/reliability.md)."""
        mode = mode.upper()
        if mode not in SYNCHRONOUS:
            raise StoreError(f"[store] synchronous = {mode!r} is not one of {', '.join(SYNCHRONOUS)}")
        self.db.execute(f"PRAGMA synchronous={mode}")

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: a batch is stored whole or not at all.

        IMMEDIATE takes the write lock at BEGIN, so writers from several processes queue here (up to
        the 60 s busy timeout) instead of failing later on a lock upgrade. Nested use joins the outer
        transaction. A full disk or a damaged file comes out as ``StoreFull`` / ``StoreError``.
        """
        if self.db.in_transaction:
            yield self.db
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if self.db.in_transaction:  # SQLite may have rolled back by itself (disk full)
                    self.db.execute("ROLLBACK")
                raise
            else:
                self.db.execute("COMMIT")
        except Exception as exc:
            self._raise_fatal(exc)
            raise
        if self._checkpointer is None and self.path != ":memory:":  # a store that writes checkpoints apart
            self.db.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            self._checkpointer = _Checkpointer(self)
            self._checkpointer.start()

    def close(self) -> None:
        """The checkpointer stops first, so the last connection closed (this one) checkpoints the WAL."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        super().close()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside ``transaction()``: a part (one article of a batch) undone alone when it fails."""
        self._savepoints += 1
        name = f"narratrace_part_{self._savepoints}"
        self.db.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if self.db.in_transaction:
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
            raise
        else:
            self.db.execute(f"RELEASE {name}")

    def fatal_error(self, exc: BaseException) -> StoreError | None:
        """The store's own failure behind ``exc`` (disk full, a damaged or locked file), which no other
        article would escape, or None when ``exc`` is about one article's data."""
        if isinstance(exc, StoreError):
            return exc
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return StoreFull(f"{self.path}: the disk is full ({exc.strerror})", hint=FULL_HINT)
        if not (isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError):
            return None
        code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        text = str(exc)
        if code == _SQLITE_FULL or "disk is full" in text:
            return StoreFull(f"{self.path}: {text}", hint=FULL_HINT)
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text or "not a database" in text:
            return StoreError(f"{self.path} is damaged: {text}", hint=DAMAGED_HINT)
        return StoreError(f"{self.path}: {text}", hint="another program may hold the database; try again")


class _Checkpointer(threading.Thread):
    """Copies the WAL back into the database every ``CHECKPOINT_SECONDS`` from its own connection, beside the
    writer instead of inside its commits. PASSIVE: it never waits for readers or writers (what they still use
    is copied next time), so it never delays an add; SQLite releases the GIL while it runs. It ends with
    ``stop`` (``close``), or once its store is gone (a store never closed leaves no thread behind)."""

    def __init__(self, store: SQLiteStore) -> None:
        super().__init__(name=f"narratrace-checkpoint:{Path(store.path).name}", daemon=True)
        self.path = store.path
        self._store = weakref.ref(store)
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            db = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        except sqlite3.Error:
            return  # the writer's own autocheckpoint still bounds the WAL
        try:
            while not self._stopped.wait(CHECKPOINT_SECONDS) and self._store() is not None:
                with contextlib.suppress(sqlite3.Error):  # busy, or the file went away: try again later
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            db.close()

    def stop(self) -> None:
        self._stopped.set()
        self.join()


FULL_HINT = "free disk space and run the same command again: what was committed is kept, the rest is stored then"
