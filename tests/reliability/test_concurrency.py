"""Concurrency and load on the server (issue 8, part 3).

``narratrace serve`` runs in its own process on 127.0.0.1 and a free port; an ingest in another
process writes to the same database while threads read every kind of route. No read may fail, and
the server sees the new articles once they are committed. A short run of bench/load.py (the bounded
load test) must show zero errors; timings are printed, not asserted (the machine is shared).
"""
from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import threading
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from .conftest import REPO, check_store, cli_command, cli_env, run_cli, write_config, write_corpus

BASE_ARTICLES = 12
NEW_ARTICLES = 30


def _load_bench():
    spec = importlib.util.spec_from_file_location("narratrace_bench_load", REPO / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def bench():
    return _load_bench()


@pytest.fixture(scope="module")
def served(tmp_path_factory, bench):
    """A database with a base corpus, served by ``narratrace serve`` in a child process."""
    tmp = tmp_path_factory.mktemp("served")
    write_corpus(tmp / "base", BASE_ARTICLES)
    config = write_config(tmp, "[ingest]\nbatch_size = 3\n")
    db = tmp / "served.db"
    assert run_cli("ingest", str(tmp / "base"), "--db", str(db), "--config", str(config)).returncode == 0
    proc, base = bench.start_server(str(db), str(config))
    try:
        yield {"db": db, "config": config, "base": base, "tmp": tmp, "proc": proc}
    finally:
        bench.stop_server(proc)


def _count(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()


def test_server_answers_reads_while_an_ingest_writes(served, bench) -> None:
    base, db, config = served["base"], served["db"], served["config"]
    new = served["tmp"] / "new"
    write_corpus(new, NEW_ARTICLES, start=100)
    paths = bench.request_mix(base)
    writer = subprocess.Popen(cli_command("ingest", str(new), "--db", str(db), "--config", str(config)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=cli_env())
    failures: list[str] = []
    done = {"n": 0}
    stop = threading.Event()

    def reader(seed: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            k = seed
            while not stop.is_set():
                # fresh story ids too, so that stories being written right now are read
                path = paths[k % len(paths)] if k % 5 else "/api/stories?sort=recent&limit=5"
                k += 1
                try:
                    r = c.get(path)
                    if r.status_code != 200:
                        failures.append(f"{r.status_code} {path} {r.text[:200]}")
                    elif path.startswith("/api/stories?sort=recent"):
                        for s in r.json()["stories"][:2]:
                            g = c.get(f"/api/stories/{quote(s['id'], safe='')}/graph")
                            if g.status_code != 200:
                                failures.append(f"{g.status_code} graph of new story {s['id']}")
                except httpx.HTTPError as exc:
                    failures.append(f"{type(exc).__name__} {path}")
                done["n"] += 1

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    try:
        err = writer.communicate(timeout=180)[1].decode(errors="replace")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == 0, err[-2000:]
    assert not failures, failures[:10]
    assert done["n"] > 20, done
    # the server sees what the writer committed
    total = _count(db)
    assert total == BASE_ARTICLES + NEW_ARTICLES
    stories = httpx.get(f"{base}/api/stories", params={"limit": 1000}, timeout=30).json()
    assert sum(s["size"] for s in stories["stories"]) == total  # list items are summaries with their size
    r = httpx.get(f"{base}/api/articles/art{100 + NEW_ARTICLES - 1:03d}", timeout=30)
    assert r.status_code == 200 and r.json()["passages"]
    assert served["proc"].poll() is None
    check_store(db, config)


def test_load_short_run_has_no_errors(served, bench) -> None:
    """bench/load.py for 10 clients x 5 s against the served database: zero errors."""
    res = bench.run(served["base"], clients=10, duration=5, timeout=30)
    print(f"load: {res}")
    assert res["errors"] == 0, res["error_samples"]
    assert res["requests"] >= 10


def test_load_refuses_other_hosts(bench) -> None:
    with pytest.raises(SystemExit):
        bench.run("http://192.0.2.1:8000", clients=1, duration=0.1, paths=["/"])


def test_load_script_command_line(served) -> None:
    """The script as a user runs it, against the running server, for one second."""
    import sys

    out = subprocess.run([sys.executable, str(REPO / "bench" / "load.py"), "--url", served["base"], "--clients", "3",
                          "--duration", "1"], capture_output=True, text=True, timeout=120, env=cli_env())
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 errors" in out.stdout and "p50" in out.stdout and "p95" in out.stdout
