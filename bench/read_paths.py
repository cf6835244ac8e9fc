"""The read paths of bench/scale.py (issue 17): what the web app's pages and the paged Python API cost on a
store of N articles, and the synthetic entity mentions the bulk load writes so entity pages have thousands of
articles at 1M. Imported by scale.py (run that)."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scale_data import CITIES, EVENTS, PEOPLE, TopicEncoder

from narratrace import Narratrace
from narratrace.model import Article
from narratrace.store.sqlite import SQLiteStore


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q)) if xs else float("nan")


def bench_entities(store: SQLiteStore) -> dict[str, int]:
    """The synthetic entities (people and cities of the texts): name -> entity rowid."""
    with store.transaction():
        return {name: store.upsert_entity(f"bench-{kind}-{k}", kind, name, "bench/scale.py", {}, [])
                for kind, names in (("person", PEOPLE), ("place", CITIES)) for k, name in enumerate(names)}


def write_bench_mentions(store: SQLiteStore, arts: list[Article], rowid_of: dict[str, int]) -> None:
    """Each occurrence of a synthetic person or city in these stored articles, as a mention, and their
    entity_articles rows (as ``write_mentions`` leaves them), in two bulk inserts (inside a transaction)."""
    ids = [a.id for a in arts]
    arowid = dict(store.db.execute(f"SELECT id, rowid FROM articles WHERE id IN ({','.join('?' * len(ids))})",
                                   ids).fetchall())
    mentions, per_article = [], []
    for a in arts:
        seen: dict[int, int] = {}
        for p in a.passages:
            for name, rowid in rowid_of.items():
                at = p.text.find(name)
                if at >= 0:
                    mentions.append((arowid[a.id], rowid, p.index, at, at + len(name), name, "Latn", "mention",
                                     None, None, ""))
                    seen[rowid] = seen.get(rowid, 0) + 1
        per_article += [(rowid, arowid[a.id], n, 0, a.lang or "", a.outlet or "", a.published or "")
                        for rowid, n in seen.items()]
    store._xmany('INSERT INTO entity_mentions(article_rowid, entity_rowid, passage, start, "end", surface, script, '
                 "role, cue, context, name_key) VALUES(?,?,?,?,?,?,?,?,?,?,?)", mentions)
    store._xmany("INSERT INTO entity_articles(entity_rowid, article_rowid, mentions, cited, lang, outlet, published) "
                 "VALUES(?,?,?,?,?,?,?)", per_article)


def _search_query(k: int) -> str:
    return f"{EVENTS[k % len(EVENTS)]} in {CITIES[(k * 7) % len(CITIES)]}: residents affected, districts closed"


def time_reads(nt: Narratrace, enc: TopicEncoder, reads: int, seed: int) -> dict[str, list[float]]:
    """Milliseconds of each read path, ``reads`` requests each after one warm-up (web pages through the
    ASGI app, as a browser gets them; search also at the Python API, its encoding excluded)."""
    from starlette.testclient import TestClient

    from narratrace.present.web.app import create_app

    rng = np.random.default_rng(seed)
    app = create_app(project=nt)
    out: dict[str, list[float]] = {}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        per_page = nt.settings.web.page_size
        total = client.get("/api/stories", params={"limit": 1}).json()["total"]
        stories = [r[0] for r in nt.store.db.execute("SELECT story_id FROM story_summaries").fetchall()]
        entities = [r[0] for r in nt.store.db.execute("SELECT id FROM entities ORDER BY rowid").fetchall()]
        month = [f"2024-{1 + k % 12:02d}" for k in range(12)]
        paths: dict[str, Callable[[int], str]] = {
            "stories, first page (`/`)": lambda k: "/",
            "stories, outlet + month (`/?outlet=outlet7.example&since=2024-03&until=2024-03`)":
                lambda k: f"/?outlet=outlet{k % 50}.example&since={month[k % 12]}&until={month[k % 12]}",
            "stories, text in titles (`/?q=Lagos`)": lambda k: f"/?q={CITIES[k % len(CITIES)]}",
            "stories, a language every story has (`/?lang=en`: facets over all)": lambda k: "/?lang=en",
            "stories, deepest page (`/?page=LAST`)": lambda k: f"/?page={-(-total // per_page)}",
            "stories, one outlet, recent, page 5 (`/?outlet=outlet7.example&sort=recent&page=5`)":
                lambda k: f"/?outlet=outlet{k % 50}.example&sort=recent&page=5",
            "stories, one month, recent (`/?since=2024-03&until=2024-03&sort=recent`)":
                lambda k: f"/?since={month[k % 12]}&until={month[k % 12]}&sort=recent",
            "stories, since a month, spread (`/?since=2024-06&sort=spread`)":
                lambda k: f"/?since={month[k % 12]}&sort=spread",
            "stories, language + text + month (`/?lang=en&q=Lagos&until=2024-06`)":
                lambda k: f"/?lang=en&q={CITIES[k % len(CITIES)]}&until={month[k % 12]}",
            "stories, an entity (`/?entity=ID`: a person or a city)":
                lambda k: f"/?entity={entities[k % len(entities)]}",
            "stories JSON, 100 a page, deep (`/api/stories?offset=…`)":
                lambda k: f"/api/stories?offset={int(rng.integers(0, max(1, total - 100)))}",
            "story page (`/stories/ID`)": lambda k: f"/stories/{stories[int(rng.integers(0, len(stories)))]}",
            "entity page (`/entities/ID`: a person or a city)": lambda k: f"/entities/{entities[k % len(entities)]}",
            "search page (`/search?q=…`, TopicEncoder encoding included)": lambda k: f"/search?q={_search_query(k)}",
            "narratives page (`/narratives`)": lambda k: "/narratives",
            "narratives JSON, 20 a page (`/api/narratives`)": lambda k: "/api/narratives",
        }
        for label, url in paths.items():
            first = client.get(url(0))
            assert first.status_code == 200, (url(0), first.status_code, first.text[:300])
            times, cpu = [], []
            for k in range(1, reads + 1):
                t0, c0 = time.perf_counter(), time.process_time()
                r = client.get(url(k))
                times.append((time.perf_counter() - t0) * 1e3)
                cpu.append((time.process_time() - c0) * 1e3)
                assert r.status_code == 200, (url(k), r.status_code)
            out[label] = times
            if label.startswith("search page"):  # CPU time too: the 2 cores are shared, wall time swells
                out["search page, CPU time of this process (ms)"] = cpu
            if label.startswith(("narratives", "stories")):
                out[label.split(" (")[0] + ", CPU time of this process (ms)"] = cpu
        times, cpu = [], []
        nt.pages.search(_search_query(0), query_vector=enc.encode_queries([_search_query(0)]))
        for k in range(1, reads + 1):
            vec = enc.encode_queries([_search_query(k)])
            t0, c0 = time.perf_counter(), time.process_time()
            nt.pages.search(_search_query(k), query_vector=vec)
            times.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
        out["search, Python API (`nt.pages.search(q, query_vector=…)`: encoding excluded)"] = times
        out["search, Python API, CPU time (ms)"] = cpu
    return out


def read_table(reads: list[tuple[int, dict[str, list[float]]]], top: dict[str, Any], n_reads: int) -> list[str]:
    """The markdown lines of the read-path table and the summary line (``top``: the adds at the largest N)."""
    out = ["Read paths (ms per request, p50 / p95 over the requests, warm; pages are the web app's HTML through "
           f"its ASGI app, {n_reads} requests each after one warm-up; the last column is p95 at the largest N "
           "divided by p95 at the smallest, measured in this run):", "",
           "| read path | " + " | ".join(f"N = {n:,}" for n, _ in reads) + " | p95 ratio |",
           "|---|" + "---|" * (len(reads) + 1)]
    for label in reads[0][1]:
        cells = [f"{pct(r[label], 50):.1f} / {pct(r[label], 95):.1f}" for _, r in reads]
        ratio = pct(reads[-1][1][label], 95) / max(pct(reads[0][1][label], 95), 1e-9)
        out.append(f"| {label} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    n_top, last = reads[-1]
    slowest = max(last, key=lambda lb: pct(last[lb], 95))
    out += ["", f"At N = {n_top:,}: slowest read path p95 **{pct(last[slowest], 95):.0f} ms** ({slowest}; target "
            f"< 300 ms); add p95 **{top['p95']:.1f} ms** wall, {top['cpu_p95']:.1f} ms CPU, excluding encoding "
            "(target < 50 ms).", ""]
    return out
