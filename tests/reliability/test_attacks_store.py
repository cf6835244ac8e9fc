"""Issue 16, the store under faults (part 3, M5, M8, L8, L13, [store] synchronous), through the real command.

One article that fails while grouping, writing, tracing or narrating costs that article (or only the part
that failed), never the batch: it is undone alone (a savepoint) and reported with its file and line. The
store's own failures stop: disk full is exit 7 with a summary of what was committed; a damaged file is E300.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narratrace import Narratrace
from narratrace.present.cli.app import app
from narratrace.settings import Settings
from narratrace.store.sqlite import SQLiteStore

from .conftest import check_store, integrity, news_text, run_cli, write_config, write_corpus

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, list(args), env={"NARRATRACE_DB": "", "NARRATRACE_CONFIG": ""})


def _records(path: Path, ids: list[str], start: int = 0) -> Path:
    path.write_text("".join(json.dumps({"id": a, "text": news_text(start + k)}) + "\n" for k, a in enumerate(ids)),
                    "utf-8")
    return path


def _fail_for(article_id: str, original, *, after: bool = False):
    """``original`` (a method), but raising for one article: before it runs, or after it wrote (``after``)."""
    def step(self, item, *args, **kwargs):
        if item.id == article_id and not after:
            raise ValueError(f"boom on {item.id}")
        out = original(self, item, *args, **kwargs)
        if item.id == article_id:
            raise ValueError(f"boom on {item.id} after writing")
        return out
    return step


@pytest.mark.parametrize("where", ["group", "write", "trace", "narrate"])
def test_attack_one_article_failing_costs_only_that_article(tmp_path, new_db, monkeypatch, where):
    """A bug met by one record (here: an exception injected for article "bad") is reported as FILE:LINE and
    undone alone; every other article of the batch and of the next file is stored; exit 2."""
    from narratrace.pipeline.group import GroupService
    from narratrace.pipeline.narrate import NarrateService
    from narratrace.pipeline.trace import TraceService
    from narratrace.pipeline.write import WriteService

    target = {"group": (GroupService, "assign", False), "write": (WriteService, "write", True),
              "trace": (TraceService, "_trace_one", True), "narrate": (NarrateService, "_narrate_one", True)}
    cls, name, after = target[where]
    monkeypatch.setattr(cls, name, _fail_for("bad", getattr(cls, name), after=after))
    config = write_config(tmp_path)
    first = _records(tmp_path / "a.jsonl", ["a1", "bad", "a3"])
    second = _records(tmp_path / "b.jsonl", ["b1", "b2"], start=3)
    db = new_db(f"fail-{where}")
    res = _invoke("ingest", str(first), str(second), "--db", db, "--config", str(config), "--json")
    assert res.exit_code == 2, res.output
    out = json.loads(res.stdout)
    (message,) = out["error_messages"]
    assert message.startswith(f"[E100] {first}:2: bad: ") and "ValueError: boom on bad" in message
    with Narratrace(db=db, settings=Settings.load(config)) as nt:
        stored = {a.id for a in nt.articles()}
        others = {"a1", "a3", "b1", "b2"}
        if where in ("group", "write"):  # not stored, and nothing of it: no half article
            assert stored == others and out["ingested"] == 4 and "not stored" in message
            rows = nt.store._x("SELECT count(*) FROM passages p JOIN articles a ON a.rowid = p.article_rowid"
                               ).fetchone()[0]
            assert rows == nt.store.count_passages()
        else:  # stored, without the part that failed
            assert stored == others | {"bad"} and out["ingested"] == 5
            assert "stored without" in message
            if where == "trace":
                assert nt.links(article_id="bad") == [] or all(lk.kind == "same_story"
                                                                for lk in nt.links(article_id="bad"))
            else:
                assert nt.claims(["bad"]) == [] and nt.claims(["a1"])
        assert nt.store.index().size == nt.store.count_passages(with_vectors=True)


@pytest.mark.sqlite_only("fills the SQLite file up to PRAGMA max_page_count")
def test_attack_disk_full_stops_with_exit_7_and_says_what_was_committed(tmp_path, corpus, monkeypatch):
    """M8: the database cannot grow (a real SQLITE_FULL, from PRAGMA max_page_count): exit 7, a summary of
    the committed batches, no traceback, no .tmp file; the database is intact and a rerun completes."""
    folder, ids = corpus(30)
    config = write_config(tmp_path, "[ingest]\nbatch_size = 3\n")
    db = tmp_path / "full.db"
    original = SQLiteStore.set_synchronous

    def limited(self, mode):
        original(self, mode)
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {pages + 25}")

    monkeypatch.setattr(SQLiteStore, "set_synchronous", limited)
    res = _invoke("ingest", str(folder), "--db", str(db), "--config", str(config), "--json")
    assert res.exit_code == 7, res.output
    out = json.loads(res.stdout)
    assert out["stopped"].endswith("database or disk is full") and 0 < out["ingested"] < 30
    assert out["ingested"] % 3 == 0  # whole batches only
    assert any("[E100]" in m and "stopped:" in m for m in out["error_messages"])
    assert not list(tmp_path.glob("*.tmp"))
    assert integrity(db) == "ok" and check_store(db, config)["articles"] == out["ingested"]
    monkeypatch.setattr(SQLiteStore, "set_synchronous", original)
    again = _invoke("ingest", str(folder), "--db", str(db), "--config", str(config), "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["ingested"] == 30 - out["ingested"]


@pytest.mark.sqlite_only("the ANN index file beside an SQLite database")
def test_attack_index_file_cannot_be_written_is_a_warning_not_a_failure(tmp_path, corpus, monkeypatch):
    """M8 (2 MB free: every article committed, then the index write fails) and L13 (the .faiss path is a
    folder): exit 0 with a warning that nothing is lost, no partial .tmp; search works; the next run saves it."""
    import faiss

    folder, ids = corpus(6)
    config = write_config(tmp_path)
    db = tmp_path / "f.db"
    real_write = faiss.write_index

    def disk_full(index, path):
        Path(path).write_bytes(b"partial")
        raise RuntimeError("Error in faiss::FileIOWriter: write error (No space left on device)")

    monkeypatch.setattr(faiss, "write_index", disk_full)
    res = _invoke("ingest", str(folder), "--db", str(db), "--config", str(config), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["ingested"] == 6 and any("[W100]" in w and "could not be saved" in w and "No space left" in w
                                        for w in out["warning_messages"])
    assert not list(tmp_path.glob("*.tmp")) and not (tmp_path / "f.db.faiss").exists()
    monkeypatch.setattr(faiss, "write_index", real_write)

    (tmp_path / "f.db.faiss").mkdir()  # L13: a folder where the index file goes
    found = _invoke("search", "dock workers strike", "--db", str(db), "--config", str(config), "--json")
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout)
    more = _records(tmp_path / "more.jsonl", ["m1"], start=9)
    res = _invoke("ingest", str(more), "--db", str(db), "--config", str(config), "--json")
    assert res.exit_code == 0, res.output
    assert any("could not be saved" in w and "not a file" in w for w in json.loads(res.stdout)["warning_messages"])
    (tmp_path / "f.db.faiss").rmdir()
    res = _invoke("ingest", str(_records(tmp_path / "last.jsonl", ["m2"], start=10)), "--db", str(db),
                  "--config", str(config), "--json")
    assert res.exit_code == 0 and not json.loads(res.stdout)["warnings"]
    assert (tmp_path / "f.db.faiss").is_file()


@pytest.mark.sqlite_only("damages the SQLite file")
def test_attack_damaged_database_is_an_e300_not_a_traceback(tmp_path, corpus):
    """L8: pages overwritten with garbage: ingest exits 4 with E300 and a hint, never a traceback."""
    folder, _ = corpus(30)
    config = write_config(tmp_path)
    db = tmp_path / "bad.db"
    assert run_cli("ingest", str(folder), "--db", str(db), "--config", str(config)).returncode == 0
    size = db.stat().st_size
    with db.open("r+b") as fh:  # the second half of the file, every other page
        for page in range(size // 4096 // 2, size // 4096, 2):
            fh.seek(page * 4096)
            fh.write(bytes(range(256)) * 16)
    more = tmp_path / "more"
    write_corpus(more, 3, start=30)
    res = run_cli("ingest", str(more), "--db", str(db), "--config", str(config))
    assert res.returncode == 4 and "[E300]" in res.stderr and "malformed" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and ".recover" in res.stderr
    # readers answer from the pages they can read (a full check on every open would cost O(store)), and
    # stop with the same E300 when they meet a damaged one: never a traceback
    for args in (["stories"], ["search", "dock workers"], ["show", "art001"], ["show", "art029"]):
        res = run_cli(*args, "--db", str(db), "--config", str(config))
        assert "Traceback" not in res.stderr, (args, res.stderr)
        assert res.returncode == 0 or (res.returncode == 4 and "[E300]" in res.stderr), (args, res.stderr)


@pytest.mark.sqlite_only("swaps SQLite files under one index file")
def test_attack_index_of_another_store_is_never_used(tmp_path, corpus):
    """M5: the database swapped for another store's, its .faiss kept: the index is rebuilt from the database
    it reads instead of answering with the other store's passages."""
    import shutil

    config = write_config(tmp_path)
    a_folder, _ = corpus(3, name="a")
    b_first = tmp_path / "b1"
    b_first.mkdir()
    (b_first / "other.txt").write_text("Volcano erupts near the island village; ash closes the airport.", "utf-8")
    b_more = tmp_path / "b2"
    write_corpus(b_more, 8, start=20)
    a_db, b_db = tmp_path / "A.db", tmp_path / "B.db"
    assert run_cli("ingest", str(a_folder), "--db", str(a_db), "--config", str(config)).returncode == 0
    # B holds more passages than A, its first ones where A's index has A's: an index compared by its largest
    # rowid alone looked merely behind, was "caught up" and answered with A's vectors under B's rowids
    for folder in (b_first, b_more):
        assert run_cli("ingest", str(folder), "--db", str(b_db), "--config", str(config)).returncode == 0
    assert (tmp_path / "A.db.faiss").exists()
    shutil.copy(b_db, a_db)  # "swap the database, forget the .faiss"
    for extra in ("-wal", "-shm"):
        Path(f"{a_db}{extra}").unlink(missing_ok=True)

    res = run_cli("search", "Volcano erupts near the island village", "--db", str(a_db), "--config", str(config),
                  "--json")
    assert res.returncode == 0 and json.loads(res.stdout), res.stderr
    # the index the search used is B's own: every stored passage vector finds its own passage (the other
    # store's index answered the exact volcano passage with 0.198 instead of 0.753)
    assert check_store(a_db, config)["articles"] == 9


def test_attack_synchronous_setting_reaches_the_store(tmp_path, new_db):
    """Part 4: [store] synchronous = "FULL" is what the store runs with (SQLite: PRAGMA synchronous = 2);
    a value that is not a mode is refused before anything is opened."""
    full = tmp_path / "full.toml"
    full.write_text('[encoder]\nbackend = "hashing"\n[store]\nsynchronous = "FULL"\n', "utf-8")
    with Narratrace(db=new_db("sync"), settings=Settings.load(full)) as nt:
        if isinstance(nt.store, SQLiteStore):
            assert nt.store.db.execute("PRAGMA synchronous").fetchone()[0] == 2
        else:  # PostgreSQL keeps the server's setting unless OFF
            assert nt.store.db.execute("SHOW synchronous_commit").fetchone()[0] == "on"
    bad = tmp_path / "bad.toml"
    bad.write_text('[store]\nsynchronous = "SOMETIMES"\n', "utf-8")
    res = run_cli("ingest", str(tmp_path), "--db", str(tmp_path / "x.db"), "--config", str(bad))
    assert res.returncode == 3 and "synchronous" in res.stderr
    assert not (tmp_path / "x.db").exists()


def test_attack_vector_dtype_of_another_store_is_refused(tmp_path):
    """L4: vector_dtype = "float32" on a float16 store used to fail with a broadcast traceback."""
    config = write_config(tmp_path)
    db = tmp_path / "v.db"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(news_text(1), "utf-8")
    assert _invoke("ingest", str(folder), "--db", str(db), "--config", str(config)).exit_code == 0
    wide = tmp_path / "wide.toml"
    wide.write_text('[encoder]\nbackend = "hashing"\n[store]\nvector_dtype = "float32"\n', "utf-8")
    res = run_cli("search", "dock workers", "--db", str(db), "--config", str(wide))
    assert res.returncode == 4 and "holds float16 vectors" in res.stderr and "Traceback" not in res.stderr


def test_attack_sqlite_errors_are_the_stores_not_the_articles(tmp_path):
    """The split the savepoints rely on: an integrity problem is one article's, an I/O or full disk is the store's."""
    from narratrace.errors import StoreError, StoreFull

    store = SQLiteStore(tmp_path / "e.db")
    full = sqlite3.OperationalError("database or disk is full")
    assert isinstance(store.fatal_error(full), StoreFull)
    assert isinstance(store.fatal_error(sqlite3.DatabaseError("database disk image is malformed")), StoreError)
    assert store.fatal_error(sqlite3.IntegrityError("UNIQUE constraint failed")) is None
    assert store.fatal_error(ValueError("x")) is None
    store.close()


def test_attack_postgres_disk_full_and_lost_connection_stop_the_run(pg_db):
    """The same split on PostgreSQL: class 53 (disk full, out of memory) is StoreFull (exit 7), a lost
    connection a StoreError; a data error is one article's."""
    import psycopg

    from narratrace.errors import StoreError, StoreFull
    from narratrace.store.postgres import PostgresStore

    store = PostgresStore(pg_db("fatal"))
    try:
        assert isinstance(store.fatal_error(psycopg.errors.DiskFull("could not extend file")), StoreFull)
        assert type(store.fatal_error(psycopg.OperationalError("server closed the connection"))) is StoreError
        assert store.fatal_error(psycopg.errors.UniqueViolation("duplicate key")) is None
        with store.transaction():  # a failed part leaves the transaction usable (a savepoint)
            with pytest.raises(psycopg.errors.UndefinedTable), store.savepoint():
                store._x("SELECT * FROM no_such_table")
            assert store._x("SELECT count(*) FROM articles").fetchone()[0] == 0
    finally:
        store.close()
