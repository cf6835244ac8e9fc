"""Bounded load test of the web app over loopback: N concurrent clients for T seconds, then stop.

    python bench/load.py --db news.db [--clients 50] [--duration 30]      # starts `narratrace serve` itself
    python bench/load.py --url http://127.0.0.1:8000 [--clients 50] [--duration 30]

Each client loops over a mix of read requests (JSON API and HTML pages: story list, a story, its graph
and links, an article, search, narratives and a narrative, claims) built from the ids the server lists at the start.
Prints requests, errors (transport errors and any status other than 200), requests/s and latency
p50/p95/p99 in milliseconds, and exits 1 when any request failed. Only loopback addresses are
accepted: this is a test of one's own server, not a tool to point at others.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
QUERIES = ["strike at the harbour", "bridge closed", "talks resume next week", "storm", "election results"]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def request_mix(base: str, timeout: float = 30) -> list[str]:
    """Paths to request, from the stories and articles the server has now."""
    with httpx.Client(base_url=base, timeout=timeout) as c:
        stories = c.get("/api/stories", params={"limit": 50}).raise_for_status().json()["stories"]
        # list items are summaries; a story's member ids come with the story itself
        members = {s["id"]: c.get(f"/api/stories/{quote(s['id'], safe='')}").raise_for_status().json()["article_ids"]
                   for s in stories[:10]}
        # narrative list items are summaries too; every member id is at /api/narratives/{id}
        listed = c.get("/api/narratives", params={"limit": 3})
        narratives = [n["id"] for n in listed.json()["narratives"]] if listed.status_code == 200 else []
    paths = ["/api/health", "/api/stories", "/api/stories?sort=recent&limit=20", "/", "/narratives",
             "/narratives?sort=recent", "/api/narratives", "/api/narratives?sort=recent", "/claims"]
    for nid in narratives:
        paths += [f"/api/narratives/{quote(nid, safe='')}", f"/narratives/{quote(nid, safe='')}"]
    paths += [f"/api/search?q={quote(q)}&limit=10" for q in QUERIES[:2]] + [f"/search?q={quote(QUERIES[2])}"]
    for s in stories[:10]:
        sid = quote(s["id"], safe="")
        paths += [f"/api/stories/{sid}", f"/api/stories/{sid}/graph", f"/api/stories/{sid}/links", f"/stories/{sid}"]
        for aid in members[s["id"]][:2]:
            a = quote(aid, safe="")
            paths += [f"/api/articles/{a}", f"/articles/{a}"]
    return paths


async def _client(base: str, paths: list[str], stop: float, seed: int, out: dict[str, Any], timeout: float) -> None:
    rnd = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=timeout) as c:
        while time.monotonic() < stop:
            path = rnd.choice(paths)
            t0 = time.perf_counter()
            try:
                r = await c.get(path)
                await r.aread()
                ok = r.status_code == 200
                what = f"{r.status_code} {path}"
            except httpx.HTTPError as exc:
                ok, what = False, f"{type(exc).__name__} {path}"
            out["latencies"].append(time.perf_counter() - t0)
            if not ok:
                out["errors"] += 1
                if len(out["samples"]) < 10:
                    out["samples"].append(what)


def run(base: str, clients: int = 50, duration: float = 30.0, timeout: float = 30.0,
        paths: list[str] | None = None) -> dict[str, Any]:
    """Run the load; returns requests, errors, error samples, rps and p50/p95/p99 (ms)."""
    host = urlsplit(base).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise SystemExit(f"refusing to load {host!r}: only loopback addresses are allowed")
    paths = paths or request_mix(base, timeout)
    out: dict[str, Any] = {"latencies": [], "errors": 0, "samples": []}

    async def main() -> None:
        stop = time.monotonic() + duration
        await asyncio.gather(*(_client(base, paths, stop, i, out, timeout) for i in range(clients)))

    t0 = time.monotonic()
    asyncio.run(main())
    elapsed = time.monotonic() - t0
    lat = [x * 1000 for x in out["latencies"]]
    return {"clients": clients, "duration_s": round(elapsed, 2), "requests": len(lat), "errors": out["errors"],
            "error_samples": out["samples"], "rps": round(len(lat) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(_percentile(lat, 50), 1), "p95_ms": round(_percentile(lat, 95), 1),
            "p99_ms": round(_percentile(lat, 99), 1), "paths": len(paths)}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, config: str | None = None, port: int | None = None,
                 timeout: float = 60) -> tuple[subprocess.Popen[bytes], str]:
    """``narratrace serve`` on 127.0.0.1 in a child process; returns it and its base URL once it answers."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "narratrace.present.cli.app", "serve", "--db", db, "--port", str(port)]
    if config:
        cmd += ["--config", config]
    env = {k: v for k, v in os.environ.items() if k not in ("NARRATRACE_TOKEN",)}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the server did not answer on {base} within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
    if proc.stderr:
        proc.stderr.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running server on loopback, e.g. http://127.0.0.1:8000")
    where.add_argument("--db", help="a narratrace database: serve it on a free loopback port for the test")
    ap.add_argument("--config", help="settings file for the server started with --db")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds (the run stops by itself)")
    ap.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    if not 1 <= args.clients <= 1000 or not 0 < args.duration <= 3600:
        ap.error("--clients must be 1..1000 and --duration 0..3600 s")
    proc = None
    base = args.url
    if args.db:
        if not Path(args.db).exists():
            ap.error(f"no database at {args.db}")
        proc, base = start_server(args.db, args.config)
    try:
        res = run(base.rstrip("/"), args.clients, args.duration, args.timeout)
    finally:
        if proc is not None:
            stop_server(proc)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print(f"{res['clients']} clients for {res['duration_s']} s over {res['paths']} paths: "
              f"{res['requests']} requests, {res['errors']} errors, {res['rps']} req/s, "
              f"p50 {res['p50_ms']} ms, p95 {res['p95_ms']} ms, p99 {res['p99_ms']} ms")
        for s in res["error_samples"]:
            print(f"  error: {s}")
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
