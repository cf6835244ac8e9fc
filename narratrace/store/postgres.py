"""PostgreSQL store for shared deployments: ``--db postgresql://user@host/dbname[?schema=NAME]``.

The SQL is ``base.SQLStore``'s and the schema is ``migrations.MIGRATIONS`` translated by
``schema.to_postgres``; this module adds the connection, the URL handling and the write lock.

Several writers: every write transaction takes one transaction-level advisory lock right after
BEGIN, so batches from several processes are serialised as SQLite's BEGIN IMMEDIATE serialises
them, and passage rowids (``next_passage_rowid``, max + 1) are allocated under it: commit order
is rowid order. Isolation stays READ COMMITTED on purpose: each statement sees what was committed
before it started, so statements run after the lock is granted see every earlier batch. Under
REPEATABLE READ or SERIALIZABLE the snapshot would be taken by the lock statement itself, before
the wait, and a batch would miss the one it waited for (duplicate rowids, serialization failures).
Readers take no lock and never wait.

The ANN index is per process, in memory (``index_path`` is None), built from the stored vectors
on first use; see docs/postgresql.md for its cost.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from ..errors import StoreError, StoreFull
from ..paths import cache_dir
from .base import SQLStore
from .lexical_postgres import PostgresLexical
from .schema import to_postgres

SCHEMES = ("postgresql://", "postgres://")
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_INSTALL_HINT = "install the driver: pip install 'narratrace[postgresql]'"


def is_postgres_url(target: str | None) -> bool:
    """Whether a --db value names a PostgreSQL database rather than an SQLite file."""
    return bool(target) and str(target).lower().startswith(SCHEMES)


def mask_url(url: str) -> str:
    """The URL with its password (in the user part or a ``password=`` parameter) replaced by ***."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{hostport}"
    query = "&".join(f"{k}=***" if k == "password" else f"{k}={v}"
                     for k, v in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def parse_url(url: str) -> tuple[str, str | None]:
    """(libpq connection URL, schema or None): ``?schema=NAME`` is narratrace's, libpq would refuse it."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [v for k, v in query if k == "schema"]
    rest = [(k, v) for k, v in query if k != "schema"]
    schema = schemas[-1] if schemas else None
    if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
        raise StoreError(f"bad schema name {schema!r} in {mask_url(url)}",
                         hint="use lower-case letters, digits and _ (at most 63), starting with a letter or _")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), parts.fragment)), schema


def _lock_key(schema: str | None) -> int:
    """The advisory-lock key of one narratrace schema (locks are per database: schemas must not share one)."""
    digest = hashlib.blake2b(f"narratrace:{schema or ''}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _scrub(message: str, url: str) -> str:
    """A driver message without the password, should libpq ever echo it."""
    password = urlsplit(url).password
    for k, v in parse_qsl(urlsplit(url).query):
        if k == "password":
            password = v
    return message.replace(password, "***") if password else message


def _driver() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise StoreError("PostgreSQL databases need the psycopg driver, which is not installed",
                         hint=_INSTALL_HINT) from exc
    return psycopg


def connect(url: str) -> tuple[Any, str | None]:
    """(autocommit connection with the URL's schema first on the search path, schema), or a StoreError
    that names host and port, says what to do, and never shows the password."""
    psycopg = _driver()
    conninfo, schema = parse_url(url)
    options = {"options": f"-c search_path={schema}"} if schema else {}
    try:
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=10, application_name="narratrace",
                               **options), schema
    except psycopg.Error as exc:
        raise _connect_error(exc, url) from None
    except Exception as exc:  # a malformed URL (bad port...) is refused before any connection
        raise StoreError(f"cannot use {mask_url(url)}: {_scrub(str(exc), url)}",
                         hint="the form is postgresql://user[:password]@host[:port]/dbname[?schema=NAME]") from None


def _connect_error(exc: Exception, url: str) -> StoreError:
    """A refused or failed connection, naming host and port and how to start a local server."""
    parts = urlsplit(url)
    try:
        where = f"{parts.hostname or 'localhost (socket)'}:{parts.port or 5432}"
    except ValueError:
        where = parts.hostname or "?"
    msg = _scrub(str(exc).strip(), url)
    if "refused" in msg or "No such file" in msg or "timeout" in msg:
        hint = ("is PostgreSQL running there? start a local one with `pg_ctlcluster 15 main start` "
                "(Debian) or `service postgresql start`, or fix host and port in --db")
    elif "password" in msg or "authentication" in msg:
        hint = "check the user and password (or ~/.pgpass / PGPASSWORD) in --db"
    elif "does not exist" in msg:
        hint = "create it first: createdb -O USER DBNAME (narratrace creates tables, not databases)"
    else:
        hint = "check --db: postgresql://user[:password]@host[:port]/dbname[?schema=NAME]"
    return StoreError(f"cannot connect to PostgreSQL at {where} ({mask_url(url)}): {msg}", hint=hint)


def store_exists(url: str) -> bool:
    """Whether the database (or ``?schema=``) at ``url`` holds a narratrace store, without creating one:
    commands that only read check this where they check an SQLite file exists."""
    db, _schema = connect(url)
    try:
        return db.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]
    finally:
        db.close()


class PostgresStore(PostgresLexical, SQLStore):
    """All persistent state of a narratrace project in a PostgreSQL database (or one schema of it)."""

    def __init__(self, url: str, vector_dtype: str = "float16", ann_ivf_from: int = 1_000_000,
                 ann_nprobe: int = 16) -> None:
        self._psycopg = _driver()
        self.url = url
        self.path = mask_url(url)  # what messages show
        self.vector_dtype = np.dtype(vector_dtype)
        self.ann_ivf_from, self.ann_nprobe = ann_ivf_from, ann_nprobe
        self._index = None
        self._index_file: str | None = None
        self._scans = 0
        self.db, self.schema = connect(url)
        self._lock = _lock_key(self.schema)
        try:
            self._migrate()
        except self._psycopg.Error as exc:
            self.db.close()
            raise StoreError(f"cannot open database {self.path}: {_scrub(str(exc).strip(), url)}",
                             hint="the user needs CREATE rights on the database (or the schema)") from exc

    # ---------------------------------------------------------------- dialect
    def _sql(self, query: str) -> str:
        return _pg_sql(query)

    def _ddl(self, script: str) -> str:
        return to_postgres(script)

    def _xmany(self, query: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with self.db.cursor() as cur:
                cur.executemany(self._sql(query), rows)

    def _scan(self, query: str, params: Iterable[Any] = (), size: int = 20000) -> Iterator[list[Any]]:
        """A server-side cursor: rebuilding the index of millions of passages keeps one batch in memory,
        not the whole result (a plain cursor fetches it all at once)."""
        self._scans += 1
        # a named cursor lives in a transaction (a savepoint when nested)
        with self.db.transaction(), self.db.cursor(name=f"narratrace_scan_{self._scans}") as cur:
            cur.itersize = size
            cur.execute(self._sql(query), tuple(params))
            while batch := cur.fetchmany(size):
                yield batch

    def _schema_missing(self, exc: Exception) -> bool:
        errors = self._psycopg.errors
        return isinstance(exc, (errors.UndefinedTable, errors.InvalidSchemaName))

    def _before_migrations(self) -> None:
        if self.schema:
            self._x(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")

    @property
    def index_path(self) -> str | None:
        """The ANN index cached on this machine (``paths.cache_dir()/pg-index``), one file per database,
        schema and store: several hosts may share the database, so the index cannot live beside it.

        The name hashes the URL without credentials, the schema and the store's ``store_uid`` (made when
        the store was created), so a database dropped and made again under the same URL never meets the
        old file. On open the file is caught up with the passages stored since (rowids grow in commit
        order under the write lock) instead of rebuilt: a restart costs a file read, not a rebuild."""
        if self._index_file is None:
            parts = urlsplit(self.url)
            key = f"{parts.hostname or ''}:{parts.port or ''}{parts.path}|{self.schema or 'public'}|{self.store_uid()}"
            folder = cache_dir() / "pg-index"
            folder.mkdir(parents=True, exist_ok=True)
            self._index_file = str(folder / f"{hashlib.sha1(key.encode('utf-8')).hexdigest()[:20]}.faiss")
        return self._index_file

    @property
    def in_transaction(self) -> bool:
        return self.db.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """BEGIN, the project's advisory write lock, ... COMMIT (ROLLBACK on any error).

        The lock is released by COMMIT or ROLLBACK, also when the process dies (the server ends
        the session). Nested use joins the outer transaction.
        """
        if self.in_transaction:
            yield self.db
            return
        try:
            with self.db.transaction():
                self.db.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock,))
                yield self.db
        except Exception as exc:
            self._raise_fatal(exc)
            raise

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside ``transaction()``: a part (one article of a batch) undone alone when it fails; without it
        one failed statement would abort the whole transaction."""
        with self.db.transaction():  # nested: psycopg makes it a SAVEPOINT
            yield

    def fatal_error(self, exc: BaseException) -> StoreError | None:
        """Disk full (class 53: insufficient resources) and lost connections stop the run; a data error
        in one article does not."""
        if isinstance(exc, StoreError):
            return exc
        psycopg = self._psycopg
        sqlstate = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "diag", None), "sqlstate", None) or ""
        if isinstance(exc, psycopg.Error) and sqlstate.startswith("53"):
            return StoreFull(f"{self.path}: {_scrub(str(exc).strip(), self.url)}",
                             hint="free disk space on the database server (or raise its quota) and run the "
                                  "same command again: what was committed is kept")
        if isinstance(exc, psycopg.OperationalError):
            return StoreError(f"{self.path}: {_scrub(str(exc).strip(), self.url)}",
                              hint="is the PostgreSQL server still running? run the same command again")
        return None

    def set_synchronous(self, mode: str) -> None:
        """``[store] synchronous``: OFF sets ``synchronous_commit = off`` for this session (commits return
        before the server's WAL is flushed: the last ones may be lost in a server crash, never corrupted);
        the other values keep the server's own setting (on by default, as safe as SQLite's FULL)."""
        if mode.upper() == "OFF":
            self.db.execute("SET synchronous_commit = off")


@lru_cache(maxsize=4096)
def _pg_sql(query: str) -> str:
    """``?`` placeholders as psycopg's ``%s``, a literal % doubled (cached: the same queries recur)."""
    return query.replace("%", "%%").replace("?", "%s")
