"""Embedded SQLite store: one file, WAL mode, one transaction per batch (the SQL is in ``base``).

The ANN index (``store.index()``) is a rebuildable cache saved beside the database as ``<db>.faiss``.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import StoreError
from .base import SQLStore, StoredPassages

__all__ = ["SQLiteStore", "StoredPassages"]


class SQLiteStore(SQLStore):
    """All persistent state of a narratrace project in one SQLite file (plus its ANN cache)."""

    def __init__(self, path: str | Path, vector_dtype: str = "float16", ann_ivf_from: int = 1_000_000,
                 ann_nprobe: int = 16) -> None:
        self.path = str(path)
        self.vector_dtype = np.dtype(vector_dtype)
        self.ann_ivf_from, self.ann_nprobe = ann_ivf_from, ann_nprobe
        self._index = None
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}",
                             hint="is it a narratrace database? use --db to choose another file") from exc

    def _schema_missing(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and "no such table" in str(exc)

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: a batch is stored whole or not at all.

        IMMEDIATE takes the write lock at BEGIN, so writers from several processes queue here (up to
        the 60 s busy timeout) instead of failing later on a lock upgrade. Nested use joins the outer
        transaction.
        """
        if self.db.in_transaction:
            yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
