"""Entity, source and outlet pages at a million stored articles (issue 17): p50 / p95 per page, warm.

    python bench/entity_scale.py [--n 1000000] [--workdir DIR] [--db URL] [--reads 40] [--write docs/benchmarks.md]

SYNTHETIC DATA, no vectors. Articles are ``bench/scale.py``'s (``make_article``: three short English passages
with people and cities shared within a story), written through ``SQLStore.write_article`` (so the story and
outlet summaries are kept as an ingest keeps them), 5,000 per transaction, with a language, an outlet and a
date of their own: 500 outlets of very unequal size (the largest holds about an eighth of the articles), six
languages mostly tied to the outlet, three years of days, 1% undated. Their mentions are written in bulk,
as ``scale.write_bench_mentions`` does (24 people and 29 cities, each in tens of thousands of articles), plus
one entity in every article ("Syria", written in four scripts, cited in every tenth: its source page lists
100,000 at 1M) and one in every 5,000th (200 at 1M); then ``rebuild_entity_counts`` counts them, as a bulk
loader must.
Links (``write_links``): three articles in ten cite one of six sources, one in five copies or translates an
earlier article, one in twenty shares text with one (undetermined direction).

Then the web app (``create_app`` over a ``Narratrace`` on the store, starlette's TestClient: routing, SQL and
the rendered HTML) is timed: ``--reads`` requests per page after one warm-up, on the pages an analyst walks
(first page, a random page anywhere among all of them, each facet link, two filters at once, the JSON) and the
outlet pages. A store built by an earlier run with the same --workdir (or --db) and --n is reused.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # noqa: E402  (bench/scale.py: its synthetic articles and entities)

from narratrace import Narratrace  # noqa: E402
from narratrace.embed.hashing import HashingEncoder  # noqa: E402
from narratrace.group.stories import story_id_for  # noqa: E402
from narratrace.model import Link  # noqa: E402
from narratrace.store import SQLStore, mask_url, open_store  # noqa: E402
from narratrace.text.entity_keys import form_key  # noqa: E402
from narratrace.text.gazetteer import script_of  # noqa: E402
from narratrace.trace.entities import name_skeleton  # noqa: E402

LANGS = ["en", "ar", "fa", "id", "ru", "fr"]
N_OUTLETS = 500
SYRIA = ["Syria", "سوريا", "سوریه", "Сирия"]
SOURCES = ["sputnik", "sohr", "reuters", "ria", "afp", "irna"]
SECTION = "## Entity, source and outlet pages at scale (bench/entity_scale.py)"


def shape(a: Any, i: int, rng: random.Random) -> None:
    """Give article ``i`` its outlet (a few large, many small), language (mostly its outlet's) and date."""
    k = int(N_OUTLETS * rng.random() ** 3)
    a.outlet = f"outlet{k}.example"
    a.lang = LANGS[k % len(LANGS)] if rng.random() < 0.9 else rng.choice(LANGS)
    a.published = None if rng.random() < 0.01 else (dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(1096))
                                                    ).isoformat()
    for p in a.passages:
        p.lang = a.lang


def write_named(store: SQLStore, arts: list[Any], syria: int, rare: int, first: int, arowid: dict[str, int]) -> None:
    """Mentions of the frequent entity (every article, cited in every tenth) and the rare one (every 5,000th)."""
    mentions, rows = [], []
    for k, a in enumerate(arts):
        i = first + k
        cited = i % 10 == 0
        surface = SYRIA[i % len(SYRIA)]
        mentions.append((arowid[a.id], syria, 9, 0, len(surface), surface, "latin" if i % 4 == 0 else "other",
                         "cited" if cited else "mention", "according to" if cited else None,
                         "a sentence" if cited else None, ""))
        rows.append((syria, arowid[a.id], 1, int(cited), a.lang or "", a.outlet or "", a.published or ""))
        if i % 5000 == 7:
            mentions.append((arowid[a.id], rare, 8, 0, 6, "Qamishli", "latin", "mention", None, None, ""))
            rows.append((rare, arowid[a.id], 1, 0, a.lang or "", a.outlet or "", a.published or ""))
    _insert_entity_rows(store, mentions, rows)


def write_people_places(store: SQLStore, arts: list[Any], rowid_of: dict[str, int], arowid: dict[str, int]) -> None:
    """Each occurrence of ``scale.py``'s people and cities in these articles as a mention, and their
    entity_articles rows (``scale.write_bench_mentions``, written for any backend)."""
    mentions, rows = [], []
    for a in arts:
        seen: dict[int, int] = {}
        for p in a.passages:
            for name, rowid in rowid_of.items():
                at = p.text.find(name)
                if at >= 0:
                    mentions.append((arowid[a.id], rowid, p.index, at, at + len(name), name, "latin", "mention", None,
                                     None, ""))
                    seen[rowid] = seen.get(rowid, 0) + 1
        rows += [(rowid, arowid[a.id], n, 0, a.lang or "", a.outlet or "", a.published or "")
                 for rowid, n in seen.items()]
    _insert_entity_rows(store, mentions, rows)


def _insert_entity_rows(store: SQLStore, mentions: list[tuple[Any, ...]], rows: list[tuple[Any, ...]]) -> None:
    store._xmany('INSERT INTO entity_mentions(article_rowid, entity_rowid, passage, start, "end", surface, script, '
                 "role, cue, context, name_key) VALUES(?,?,?,?,?,?,?,?,?,?,?)", mentions)
    store._xmany("INSERT INTO entity_articles(entity_rowid, article_rowid, mentions, cited, lang, outlet, published) "
                 "VALUES(?,?,?,?,?,?,?)", rows)


def links_of(i: int, rng: random.Random) -> list[Link]:
    """Article ``i``'s links: three in ten cite a source, one in five copies or translates an earlier article,
    one in twenty shares text with one in an undetermined direction (so outlet pages have links to count)."""
    out = []
    if rng.random() < 0.3:
        sid = rng.choice(SOURCES)
        out.append(Link(f"bulk-{i}", {"id": sid, "name": sid.upper()}, "cites", 1.0, "source->target"))  # type: ignore[arg-type]
    if i > 10 and rng.random() < 0.2:
        out.append(Link(f"bulk-{i}", f"bulk-{rng.randrange(max(0, i - 5000), i)}", rng.choice(["copy", "translates"]),
                        0.9, "source->target"))
    if i > 10 and rng.random() < 0.05:
        out.append(Link(f"bulk-{i}", f"bulk-{rng.randrange(max(0, i - 5000), i)}", "rewrites", 0.6, "undetermined"))
    return out


def build(store: SQLStore, n: int, chunk: int = 5000) -> float:
    rng = random.Random(17)
    t0 = time.perf_counter()
    people_places = scale.bench_entities(store)  # type: ignore[arg-type]
    with store.transaction():
        syria = store.upsert_entity("bench-syria", "place", "Syria", "bench/entity_scale.py", {},
                                    [(form_key(f), f, name_skeleton(f), script_of(f)) for f in SYRIA])
        rare = store.upsert_entity("bench-qamishli", "place", "Qamishli", "bench/entity_scale.py", {},
                                   [(form_key("Qamishli"), "Qamishli", name_skeleton("Qamishli"), "latin")])
    n_stories = max(1, n // 10)
    next_rowid = store.next_passage_rowid()
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        arts = []
        for i in range(lo, hi):
            s = rng.randrange(n_stories)
            a = scale.make_article(f"bulk-{i}", s, s % 300, i)
            shape(a, i, rng)
            a.story_id = story_id_for(f"seed-story-{s}")
            arts.append(a)
        with store.transaction():
            for a in arts:
                store.write_article(a, {p.index: next_rowid + k for k, p in enumerate(a.passages)}, {})
                next_rowid += len(a.passages)
            ids = [a.id for a in arts]
            arowid = {i: int(r) for i, r in store._x(f"SELECT id, rowid FROM articles WHERE id IN "
                                                     f"({','.join('?' * len(ids))})", ids).fetchall()}
            write_people_places(store, arts, people_places, arowid)
            write_named(store, arts, syria, rare, lo, arowid)
            store.write_links([lk for i in range(lo, hi) for lk in links_of(i, rng)])
        if (hi // chunk) % 20 == 0:
            print(f"[build] {hi:,} articles, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    t1 = time.perf_counter()
    store.rebuild_entity_counts()
    print(f"[build] entity counts rebuilt in {time.perf_counter() - t1:.0f} s", file=sys.stderr, flush=True)
    with store.transaction():
        store._set_meta("entity_bench_done", str(n))
    return time.perf_counter() - t0


def copy_from_sqlite(store: SQLStore, source: str) -> float:
    """Fill an empty PostgreSQL store with the tables of an SQLite one built by this script (COPY, in
    migration order; passages and their terms are left out: no page here reads them), then VACUUM ANALYZE
    it as one does after a bulk load (index-only scans need the visibility map it sets)."""
    import re
    import sqlite3

    from narratrace.store.migrations import MIGRATIONS

    t0 = time.perf_counter()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    skip = {"meta", "passages", "passage_terms", "factcheck_terms"}
    tables = [t for v in sorted(MIGRATIONS) for t in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", MIGRATIONS[v])]
    with store.transaction():
        for table in dict.fromkeys(tables):
            if table in skip:
                continue
            cols = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
            with store.db.cursor().copy(f"COPY {table} ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in cols)}) "
                                        "FROM STDIN") as copy:
                for row in src.execute(f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in cols)} FROM {table}"):
                    copy.write_row(row)
            if "rowid" in cols:
                store._x(f"SELECT setval(pg_get_serial_sequence('{table}', 'rowid'), coalesce(max(rowid), 0) + 1, "
                         f"false) FROM {table}")
            print(f"[copy] {table} in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        store._set_meta("entity_bench_done", src.execute("SELECT value FROM meta WHERE key = 'entity_bench_done'"
                                                          ).fetchone()[0])
    store.db.execute("VACUUM ANALYZE")  # the store's connection is in autocommit between transactions
    return time.perf_counter() - t0


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q))


def time_pages(nt: Narratrace, reads: int) -> list[tuple[str, list[float]]]:
    from starlette.testclient import TestClient

    from narratrace.present.web.app import create_app

    store = nt.store
    rng = random.Random(5)
    per_page = 50
    syria = nt.entities.get("bench-syria", facets=False)
    pages, cited_pages = -(-syria["articles"] // per_page), -(-syria["cited"] // per_page)
    mid = store._x("SELECT id, articles FROM entities WHERE id LIKE 'bench-person-%' ORDER BY articles DESC "
                   "LIMIT 1").fetchone()
    top = store._x("SELECT outlet, articles FROM outlet_summaries ORDER BY articles DESC, outlet LIMIT 1").fetchone()
    median = store._x("SELECT outlet, articles FROM outlet_summaries ORDER BY articles DESC, outlet LIMIT 1 OFFSET ?",
                      (store._x("SELECT count(*) FROM outlet_summaries").fetchone()[0] // 2,)).fetchone()
    n_outlets = store._x("SELECT count(*) FROM outlet_summaries").fetchone()[0]
    months = [f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)]
    e = "/entities/bench-syria"
    paths = [
        (f"entity in every article ({syria['articles']:,}), first page (`{e}`)", lambda k: e),
        (f"same, a random page of {pages:,} (`?page=…`)", lambda k: f"{e}?page={rng.randrange(1, pages + 1)}"),
        ("same, the middle page (the deepest: half its articles skipped in the index)",
         lambda k: f"{e}?page={pages // 2}"),
        ("same, a language facet (`?lang=ar`)", lambda k: f"{e}?lang={LANGS[k % len(LANGS)]}"),
        (f"same, the largest outlet's facet (`?outlet={top[0]}`)", lambda k: f"{e}?outlet={top[0]}"),
        ("same, a month facet (`?month=2023-05`)", lambda k: f"{e}?month={months[k % len(months)]}"),
        ("same, two filters (`?lang=fa&month=…`: total counted on the index)",
         lambda k: f"{e}?lang={LANGS[k % len(LANGS)]}&month={months[k % len(months)]}"),
        ("same, JSON with every facet (`/api/entities/ID`)", lambda k: "/api/entities/bench-syria"),
        ("same, JSON page deep (`/api/entities/ID/articles?offset=…`)",
         lambda k: f"/api/entities/bench-syria/articles?offset={rng.randrange(syria['articles'])}"),
        (f"source cited by {syria['cited']:,}, a random page (`/sources/ID?page=…`)",
         lambda k: f"/sources/bench-syria?page={rng.randrange(1, cited_pages + 1)}"),
        (f"entity in {mid[1]:,} articles (a person), a random page", lambda k: f"/entities/{mid[0]}?page="
                                                                               f"{rng.randrange(1, -(-mid[1] // 50))}"),
        ("entity in 200 articles, first page (`/entities/bench-qamishli`)", lambda k: "/entities/bench-qamishli"),
        ("entity by a name in another script (`/entities/سوريا`)", lambda k: "/entities/سوريا"),
        (f"outlet page, the largest ({top[1]:,} articles)", lambda k: f"/outlets/{top[0]}"),
        (f"outlet page, the median ({median[1]:,} articles)", lambda k: f"/outlets/{median[0]}"),
        (f"outlet list, first page ({n_outlets} outlets)", lambda k: "/outlets"),
        ("outlet list, last page, and a name filter (`?q=outlet4`)",
         lambda k: "/outlets?page=10" if k % 2 else "/outlets?q=outlet4"),
        ("outlet list JSON (`/api/outlets?limit=1000`)", lambda k: "/api/outlets?limit=1000"),
    ]
    out = []
    with TestClient(create_app(project=nt), base_url="http://127.0.0.1") as client:
        for label, url in paths:
            first = client.get(url(0))
            assert first.status_code == 200, (url(0), first.status_code, first.text[:300])
            times = []
            for k in range(1, reads + 1):
                t0 = time.perf_counter()
                r = client.get(url(k))
                times.append((time.perf_counter() - t0) * 1e3)
                assert r.status_code == 200, (url(k), r.status_code)
            out.append((label, times))
            print(f"[read] {label}: p50 {pct(times, 50):.1f} p95 {pct(times, 95):.1f} ms", file=sys.stderr, flush=True)
    return out


def time_old_path(store: SQLStore, reads: int) -> list[float]:
    """What the entity page's counts cost before schema 11: the total, three facet GROUP BYs, the chart's day
    GROUP BY and the spellings' GROUP BY over the entity's rows (the queries it ran, on this store)."""
    rowid = store._x("SELECT rowid FROM entities WHERE id = 'bench-syria'").fetchone()[0]
    queries = ["SELECT count(*) FROM entity_articles ea WHERE ea.entity_rowid = ?",
               *[f"SELECT {e}, count(*) FROM entity_articles ea WHERE ea.entity_rowid = ? GROUP BY 1 ORDER BY 2 DESC, 1"
                 for e in ("ea.lang", "ea.outlet", "substr(ea.published, 1, 7)")],
               "SELECT substr(published, 1, 10), count(*) FROM entity_articles WHERE entity_rowid = ? GROUP BY 1",
               "SELECT surface, count(*) FROM entity_mentions WHERE entity_rowid = ? GROUP BY surface"]
    times = []
    for _ in range(reads):
        t0 = time.perf_counter()
        for q in queries:
            store._x(q, (rowid,)).fetchall()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="articles to store")
    ap.add_argument("--workdir", default="/tmp/nt-entity-scale", help="where the SQLite store is kept for reuse")
    ap.add_argument("--db", default=None, help="a PostgreSQL URL instead of an SQLite file in --workdir")
    ap.add_argument("--reads", type=int, default=40, help="timed requests per page")
    ap.add_argument("--old-reads", type=int, default=3, help="timed runs of the counts as they were before schema 11")
    ap.add_argument("--copy-from", default=None, help="with --db: fill it from this SQLite store of the script")
    ap.add_argument("--write", default=None, help=f"append (or replace) the section {SECTION!r} in this file")
    args = ap.parse_args()

    target = args.db or str(Path(args.workdir) / f"entities-{args.n}.db")
    if not args.db:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    store = open_store(target)
    built = float("nan")
    if store.get_meta("entity_bench_done") != str(args.n):
        if store.count_articles():
            raise SystemExit(f"{mask_url(target)} holds another run's articles: give a new --workdir or --db")
        print(f"[build] {args.n:,} articles into {mask_url(target)}", file=sys.stderr, flush=True)
        built = copy_from_sqlite(store, args.copy_from) if args.copy_from else build(store, args.n)
    store.close()
    nt = Narratrace(target, encoder=HashingEncoder())
    backend = "PostgreSQL" if args.db else "SQLite"
    how = ("copied by COPY from the SQLite store (passages left out), then VACUUM ANALYZE" if args.copy_from
           else "built")
    reads = time_pages(nt, args.reads)
    old = time_old_path(nt.store, args.old_reads)
    counts = nt.store._x("SELECT count(*) FROM entity_articles").fetchone()[0]
    nt.close()

    opts = f"{' --db …' if args.db else ''}{' --copy-from …' if args.copy_from else ''}"
    lines = [f"`python bench/entity_scale.py --n {args.n}{opts} --reads {args.reads}` "
             f"({time.strftime('%Y-%m-%d')}, {backend}{'' if built != built else f'; {how} in {built / 60:.0f} min'})",
             "", f"Machine: {scale.machine()}", "",
             f"{args.n:,} synthetic articles, {counts:,} entity-article rows (see the script's docstring). Web pages "
             f"through the ASGI app (routing, SQL, rendered HTML), {args.reads} requests each after one warm-up:", "",
             "| page | p50 ms | p95 ms |", "|---|---|---|"]
    lines += [f"| {label} | {pct(t, 50):.1f} | {pct(t, 95):.1f} |" for label, t in reads]
    worst = max(reads, key=lambda r: pct(r[1], 95))
    lines += ["", f"Slowest p95: **{pct(worst[1], 95):.0f} ms** ({worst[0]}; target < 300 ms). Before schema 11 the "
                  f"same entity's counts alone (total, three facets, the chart's days, the spellings: six scans of "
                  f"its rows) took {pct(old, 50):.0f} ms on this store (median of {len(old)})."]
    text = "\n".join(lines)
    print(text)
    if args.write:
        path = Path(args.write)
        doc = path.read_text(encoding="utf-8")  # read right before writing: others append sections too
        head = f"\n{SECTION} — {backend}\n"
        if head in doc:
            start = doc.index(head)
            nxt = doc.find("\n## ", start + len(head))
            doc = doc[:start] + (doc[nxt:] if nxt >= 0 else "\n")
        path.write_text(doc.rstrip("\n") + "\n" + head + "\n" + text + "\n", encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
