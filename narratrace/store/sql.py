"""The SQL layer both stores share: dialect hooks, the ``meta`` table, and small helpers.

``SQLStore`` (base.py) is built from this plus the ANN cache (``index_cache.py``) and the claims,
narratives and fact-checks tables (``claims.py``); a backend (sqlite.py, postgres.py) supplies
the connection, ``transaction()`` and the dialect.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..errors import StoreError
from .ann import PassageIndex


class SQLBase:
    """What every part of a store needs: a DB-API connection ``db`` and SQL written once."""

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

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside ``transaction()``: a part (one article of a batch) undone alone when it fails, so a bad
        record never leaves half an article nor costs the batch (standard SQL; a backend may override)."""
        self._savepoint_count = getattr(self, "_savepoint_count", 0) + 1
        name = f"narratrace_part_{self._savepoint_count}"
        self._x(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._x(f"ROLLBACK TO SAVEPOINT {name}")
            self._x(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            self._x(f"RELEASE SAVEPOINT {name}")

    def fatal_error(self, exc: BaseException) -> StoreError | None:
        """The store's own failure behind ``exc`` (disk full, a lost connection, a damaged file), which
        every later article would meet too, or None when ``exc`` is about one article's data."""
        return exc if isinstance(exc, StoreError) else None

    def _raise_fatal(self, exc: Exception) -> None:
        """In a transaction's ``except``: raise the store's own failure behind ``exc`` in its place (the
        caller re-raises ``exc`` when there is none)."""
        fatal = self.fatal_error(exc)
        if fatal is not None and fatal is not exc:
            raise fatal from exc

    def set_synchronous(self, mode: str) -> None:
        """``[store] synchronous`` (OFF, NORMAL, FULL, EXTRA): how hard a commit waits for the disk.
        A backend without the choice keeps its own behaviour."""

    def _schema_missing(self, exc: Exception) -> bool:
        """Whether ``exc`` (raised reading the schema version) means: no tables yet."""
        return False

    def _before_migrations(self) -> None:
        """Run inside the migration transaction before the first statement (PostgreSQL: the schema)."""

    def _set_meta(self, key: str, value: str) -> None:
        self._x("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value))

    def get_meta(self, key: str) -> str | None:
        row = self._x("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None


def _chunks(items: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
