"""Search under load (issue 16, L6): N clients on loopback for T seconds, some of them sending long searches.

    python bench/search_load.py --db news.db [--clients 20] [--long 3] [--duration 20] [--query-chars 2000]
    python bench/search_load.py --url http://127.0.0.1:8000 ...

``--long`` clients loop over searches of ``--query-chars`` characters (the longest the API accepts by
default, ``[web] max_query_chars``); the other clients loop over the ordinary mix of ``bench/load.py``
(story list, stories, graphs, articles, pages, short searches). Prints, for each group, requests, errors,
requests/s and latency p50/p95/p99 in ms, then the server's CPU time (when this script started it), the
machine's cores and its load average before and after. Exits 1 when any request failed. Timings are
printed, not asserted: the numbers depend on the machine and on what else runs on it. Only loopback
addresses are accepted, and the run stops by itself after ``--duration`` seconds.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

HERE = Path(__file__).resolve().parent
LONG_TEXT = ("Iraq. Second day of protests outside the US embassy in Baghdad as supporters of the militia gather "
             "at the gates, chanting and setting fires, while the embassy staff stay inside and officials in "
             "Washington say more troops are on their way to protect the compound. ")


def _load_bench() -> Any:
    spec = importlib.util.spec_from_file_location("narratrace_bench_load", HERE / "load.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


load = _load_bench()


def long_query(chars: int, seed: int) -> str:
    """A legal search of exactly ``chars`` characters, different per client (no cache can help)."""
    words = LONG_TEXT.split()
    random.Random(seed).shuffle(words)
    text = " ".join(words)
    while len(text) < chars:
        text += " " + text
    return text[:chars]


async def _client(base: str, paths: list[str], stop: float, seed: int, out: dict[str, Any], timeout: float) -> None:
    rnd = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=timeout) as c:
        while time.monotonic() < stop:
            path = rnd.choice(paths)
            t0 = time.perf_counter()
            try:
                r = await c.get(path)
                await r.aread()
                ok, what = r.status_code == 200, f"{r.status_code} {path[:80]}"
            except httpx.HTTPError as exc:
                ok, what = False, f"{type(exc).__name__} {path[:80]}"
            out["latencies"].append(time.perf_counter() - t0)
            if not ok:
                out["errors"] += 1
                if len(out["samples"]) < 5:
                    out["samples"].append(what)


def _summary(out: dict[str, Any], elapsed: float) -> dict[str, Any]:
    lat = [x * 1000 for x in out["latencies"]]
    return {"requests": len(lat), "errors": out["errors"], "error_samples": out["samples"],
            "rps": round(len(lat) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(load._percentile(lat, 50), 1), "p95_ms": round(load._percentile(lat, 95), 1),
            "p99_ms": round(load._percentile(lat, 99), 1)}


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run(base: str, clients: int = 20, long_clients: int = 3, duration: float = 20.0, query_chars: int = 2000,
        timeout: float = 30.0, server_pid: int | None = None) -> dict[str, Any]:
    host = urlsplit(base).hostname or ""
    if host not in load.LOOPBACK and not host.startswith("127."):
        raise SystemExit(f"refusing to load {host!r}: only loopback addresses are allowed")
    if not 0 <= long_clients <= clients:
        raise SystemExit("--long must be between 0 and --clients")
    mix = load.request_mix(base, timeout)
    longs = [f"/api/search?q={quote(long_query(query_chars, k))}&limit=10" for k in range(long_clients)]
    others: dict[str, Any] = {"latencies": [], "errors": 0, "samples": []}
    heavy: dict[str, Any] = {"latencies": [], "errors": 0, "samples": []}

    async def main() -> None:
        stop = time.monotonic() + duration
        tasks = [_client(base, [longs[k]], stop, 1000 + k, heavy, timeout) for k in range(long_clients)]
        tasks += [_client(base, mix, stop, k, others, timeout) for k in range(clients - long_clients)]
        await asyncio.gather(*tasks)

    load_before = os.getloadavg()
    cpu_before = _cpu_seconds(server_pid) if server_pid else None
    t0 = time.monotonic()
    asyncio.run(main())
    elapsed = time.monotonic() - t0
    cpu_after = _cpu_seconds(server_pid) if server_pid else None
    res: dict[str, Any] = {"clients": clients, "long_clients": long_clients, "query_chars": query_chars,
                           "duration_s": round(elapsed, 2), "others": _summary(others, elapsed),
                           "long_searches": _summary(heavy, elapsed), "cores": os.cpu_count(),
                           "loadavg_before": [round(x, 2) for x in load_before],
                           "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
    if cpu_before is not None and cpu_after is not None:
        res["server_cpu_s"] = round(cpu_after - cpu_before, 1)
        res["server_cpu_share"] = round((cpu_after - cpu_before) / elapsed, 2)  # 1.0 = one core all the time
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running server on loopback, e.g. http://127.0.0.1:8000")
    where.add_argument("--db", help="a narratrace database: serve it on a free loopback port for the test")
    ap.add_argument("--config", help="settings file for the server started with --db")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--long", type=int, default=3, help="how many of the clients send long searches")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds (the run stops by itself)")
    ap.add_argument("--query-chars", type=int, default=2000, help="length of the long searches")
    ap.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    if not 1 <= args.clients <= 1000 or not 0 < args.duration <= 3600:
        ap.error("--clients must be 1..1000 and --duration 0..3600 s")
    proc, base = None, args.url
    if args.db:
        if not Path(args.db).exists():
            ap.error(f"no database at {args.db}")
        proc, base = load.start_server(args.db, args.config)
        # the encoder loads on the first search; warm it so the run measures searching, not loading
        httpx.get(f"{base}/api/search", params={"q": "warm up"}, timeout=120)
    try:
        res = run(base.rstrip("/"), args.clients, args.long, args.duration, args.query_chars, args.timeout,
                  proc.pid if proc else None)
    finally:
        if proc is not None:
            load.stop_server(proc)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print(f"{res['clients']} clients for {res['duration_s']} s, {res['long_clients']} of them sending "
              f"{res['query_chars']}-character searches")
        for name in ("others", "long_searches"):
            g = res[name]
            print(f"  {name:13}: {g['requests']} requests, {g['errors']} errors, {g['rps']} req/s, "
                  f"p50 {g['p50_ms']} ms, p95 {g['p95_ms']} ms, p99 {g['p99_ms']} ms")
            for s in g["error_samples"]:
                print(f"    error: {s}")
        cpu = (f"server CPU {res['server_cpu_s']} s ({res['server_cpu_share']} cores busy on average); "
               if "server_cpu_s" in res else "")
        print(f"  {cpu}{res['cores']} cores, load average {res['loadavg_before']} before, {res['loadavg_after']} "
              "after")
    return 1 if res["others"]["errors"] or res["long_searches"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
