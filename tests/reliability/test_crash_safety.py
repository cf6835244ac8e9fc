"""Crash safety (issue 8, part 2): SIGKILL an ingest midway, then run it again.

The ingest runs in its own process (hashing encoder, ``[ingest] batch_size = 3`` so that many
transactions commit); the test polls the database and kills the process once some batches are
stored but not all, at several points. After each kill the database must open and pass
``integrity_check``, no article may be half-stored, and the ANN index must agree with the database;
after the final run every article is stored exactly once and found by the index.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import check_store, cli_command, cli_env, ingest_json, run_cli, write_config

pytestmark = pytest.mark.sqlite_only(
    reason="SIGKILL during a write, then the SQLite file, its WAL and the .faiss beside it are checked")

N_ARTICLES = 48
BATCH = 3

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:  # not created yet, or locked by the schema migration
        return 0


def _saved_index_size(db: Path) -> int | None:
    from narratrace.store.ann import PassageIndex

    saved = PassageIndex.load(f"{db}.faiss", 256)
    return None if saved is None else saved.size


def _ingest_and_kill(folder: Path, db: Path, config: Path, at_least: int, timeout: float = 90) -> tuple[int, bool]:
    """Start ``narratrace ingest`` and SIGKILL it once ``at_least`` articles are committed.

    Returns (articles stored when killed, whether it was killed before finishing).
    """
    proc = subprocess.Popen(cli_command("ingest", str(folder), "--db", str(db), "--config", str(config), "--json"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=cli_env())
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            n = _stored(db)
            if n >= at_least:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                return n, True
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    return _stored(db), False


def test_crash_sigkill_midway_then_rerun(tmp_path: Path, corpus) -> None:
    folder, ids = corpus(N_ARTICLES)
    sources = {aid: folder / f"{aid}.txt" for aid in ids}
    config = write_config(tmp_path, f"[ingest]\nbatch_size = {BATCH}\n")
    db = tmp_path / "crash.db"

    kills = []
    for at_least in (1, N_ARTICLES // 3, 2 * N_ARTICLES // 3):
        stored, killed = _ingest_and_kill(folder, db, config, at_least)
        if not killed:
            break  # finished before the kill: still a valid run, checked below
        kills.append((stored, _saved_index_size(db), _stored(db)))
        # the database opens, nothing is half-stored, the index agrees (rebuilt if the kill beat its save)
        state = check_store(db, config, sources)
        assert state["articles"] <= N_ARTICLES
    assert kills, "the ingest finished before it could be killed; the corpus is too small for this machine"
    print("kills (articles seen, index entries on disk, articles after):", kills)

    before = check_store(db, config, sources)["articles"]
    result = run_cli("ingest", str(folder), "--db", str(db), "--config", str(config), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = ingest_json(result)
    # every article is either already stored (unchanged) or stored now; none is stored twice
    assert summary["ingested"] + summary["unchanged"] == N_ARTICLES, summary
    assert summary["unchanged"] == before and summary["copies"] == 0 and summary["errors"] == 0
    final = check_store(db, config, sources)
    assert final["articles"] == N_ARTICLES
    con = sqlite3.connect(str(db))
    try:
        assert sorted(r[0] for r in con.execute("SELECT id FROM articles")) == sorted(ids)
    finally:
        con.close()

    # a third run changes nothing, and the saved index is the one the database expects (no rebuild)
    again = ingest_json(run_cli("ingest", str(folder), "--db", str(db), "--config", str(config), "--json"))
    assert again["ingested"] == 0 and again["unchanged"] == N_ARTICLES
    from narratrace.store.ann import PassageIndex

    saved = PassageIndex.load(f"{db}.faiss", 256)
    assert saved is not None and saved.size == final["index"]


def test_crash_lost_or_corrupt_index_is_rebuilt(tmp_path: Path, corpus) -> None:
    """The index file is a cache: deleted, truncated or stale, the store rebuilds it from the vectors."""
    folder, ids = corpus(9)
    config = write_config(tmp_path, f"[ingest]\nbatch_size = {BATCH}\n")
    db = tmp_path / "idx.db"
    assert run_cli("ingest", str(folder), "--db", str(db), "--config", str(config)).returncode == 0
    # the index a fresh store saves holds each passage once (the first batch once added its first
    # article twice, so every later open found it out of step and rebuilt it)
    con = sqlite3.connect(str(db))
    live = con.execute("SELECT count(*) FROM passages WHERE vector IS NOT NULL").fetchone()[0]
    con.close()
    assert _saved_index_size(db) == live
    index = Path(f"{db}.faiss")
    good = index.read_bytes()
    for damage in (lambda: index.unlink(), lambda: index.write_bytes(good[: len(good) // 2]),
                   lambda: index.write_bytes(b"not an index"), lambda: index.write_bytes(b"")):
        damage()
        assert check_store(db, config, {a: folder / f"{a}.txt" for a in ids})["articles"] == 9
    # stale: an index saved before the last batch (as after a kill between commit and save)
    folder2, _ = corpus(0, name="none")
    more = tmp_path / "more"
    more.mkdir()
    (more / "extra.txt").write_text("A late article about a ferry strike on the islands, with 14 boats idle.\n\n"
                                    "Ferry crews said talks would resume on Friday.", "utf-8")
    old = index.read_bytes()
    assert run_cli("ingest", str(more), "--db", str(db), "--config", str(config)).returncode == 0
    index.write_bytes(old)
    assert check_store(db, config)["articles"] == 10
