"""narratrace scale benchmark: the cost of adding one article as the store grows (issue 7, item 1).

    python bench/scale.py [--sizes 10000,100000,1000000] [--adds 200] [--write docs/benchmarks.md]

SYNTHETIC DATA. Vectors come from ``TopicEncoder``: a few hundred random topic centroids plus Gaussian
noise, deterministic by text (the topic is read from a "ref <n>" marker in the text, the noise is seeded by a
hash of the text), so same-topic passages are ANN neighbours (cosine ~0.6) and grouping does real ANN work
and real candidate scoring. Texts are short English sentences with people, places and numbers shared within
a story, so the same-story scorer finds clues.

To reach N fast the store is bulk-loaded through the store API (``write_article`` in one transaction per
chunk, stories and one narrative per ``--articles-per-narrative`` articles, then ``rebuild_index``, which picks
HNSW or IVF by size as the product does), not through the pipeline (a reused store whose clues predate
their number units gets them once, ``scale_upgrade.py``, as a load by the current code writes them). Then
``Narratrace.add`` is timed for single new articles (batch of 1, already analysed ``Article`` objects, so
text analysis is excluded too) at that N; encoding time is measured and subtracted. Each add is profiled
(exclusive wall time per stage, methods wrapped with time.perf_counter; no library code is changed), and its
CPU time is reported beside the wall time, since other processes on a shared 2-core machine inflate wall
time. The index file is written once after the adds (``add`` no longer writes it per call): that time is
reported apart.

Read paths (issue 17): after the adds, the web app (``create_app`` over the same ``Narratrace``, through
starlette's TestClient: routing, SQL and the rendered HTML) is timed on the story list (first page, three
filters, the deepest page), the JSON story list, story pages, entity pages and search pages, ``--reads``
requests each after one warm-up; search is also timed at the Python API with a precomputed
``query_vector`` (its encoding excluded). The bulk load writes each article's mentions of its people and
city (synthetic entities, ``write_mentions``), so entity pages list thousands of articles at 1M.
"""
from __future__ import annotations

import contextlib
import gc
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before any OpenMP runtime loads

import argparse  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any

import numpy as np  # noqa: E402
from read_paths import bench_entities, read_table, time_reads, write_bench_mentions  # noqa: E402
from scale_data import TopicEncoder, make_article  # noqa: E402
from scale_upgrade import complete_clue_units  # noqa: E402

import narratrace.group.candidates as candidates_mod  # noqa: E402
import narratrace.group.narratives as narratives_mod  # noqa: E402
import narratrace.group.recluster as recluster_mod  # noqa: E402
import narratrace.group.stories as stories_mod  # noqa: E402
import narratrace.pipeline as pipeline_mod  # noqa: E402
import narratrace.pipeline.trace as trace_mod  # noqa: E402
import narratrace.trace.compare as compare_mod  # noqa: E402
from narratrace import Narratrace  # noqa: E402
from narratrace.group.lexical import TermRarity  # noqa: E402
from narratrace.group.similarity import passage_clues  # noqa: E402
from narratrace.group.stories import story_id_for  # noqa: E402
from narratrace.pipeline.entities import EntityService  # noqa: E402
from narratrace.pipeline.group import GroupService  # noqa: E402
from narratrace.settings import Settings  # noqa: E402
from narratrace.store.ann import PassageIndex  # noqa: E402
from narratrace.store.sqlite import SQLiteStore  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
#: the meta value a finished bulk load leaves; a store of an older bulk load (without entity mentions) is
#: made again
BULK_MARK = "{n}:summaries+entities"
# ------------------------------------------------------------------ bulk load
def bulk_load(store: SQLiteStore, enc: TopicEncoder, start: int, stop: int, n_stories: int, topics: int,
              per_narrative: int, chunk: int = 5000) -> dict[str, float]:
    """Articles start..stop-1 written straight through the store API (with their summaries, kept by
    ``write_article``, and their entity mentions), then the ANN index rebuilt."""
    rng = np.random.default_rng(start + 1)
    store.bind_encoder(enc.vector_space, enc.dim)
    entities = bench_entities(store)
    t0 = time.perf_counter()
    next_rowid = store.next_passage_rowid()
    for lo in range(start, stop, chunk):
        hi = min(stop, lo + chunk)
        stories = rng.integers(0, n_stories, hi - lo)
        arts = [make_article(f"bulk-{i}", int(s), int(s) % topics, i) for i, s in zip(range(lo, hi), stories)]
        vecs = enc.encode_passages([p.text for a in arts for p in a.passages])
        off = 0
        with store.transaction():
            for a, s in zip(arts, stories):
                a.story_id = story_id_for(f"seed-story-{int(s)}")
                rowids = {p.index: next_rowid + k for k, p in enumerate(a.passages)}
                next_rowid += len(a.passages)
                store.write_article(a, rowids, {p.index: vecs[off + k] for k, p in enumerate(a.passages)},
                                    clues={p.index: passage_clues(p.text) for p in a.passages})
                off += len(a.passages)
            write_bench_mentions(store, arts, entities)
            # narratives: one per `per_narrative` articles (an assumption: real stores found a narrative for
            # many stories); each story of the chunk is mapped to one
            for i in range(lo // per_narrative, hi // per_narrative):
                store.save_narrative(f"N-bulk-{i}", f"bulk-{i * per_narrative}",
                                     enc.centroids[i % topics] * 3.0, 3.0)
            for s in {int(x) for x in stories}:
                store.set_story_narrative(story_id_for(f"seed-story-{s}"),
                                          f"N-bulk-{s % max(1, hi // per_narrative)}", None)
    with store.transaction():
        store.rebuild_entity_counts(entities.values())  # write_bench_mentions wrote its rows in bulk
    t_write = time.perf_counter() - t0
    t1 = time.perf_counter()
    store.discard_index()
    store.rebuild_index(enc.dim)
    return {"write_s": t_write, "index_s": time.perf_counter() - t1}


# ------------------------------------------------------------------ profile
class Profiler:
    """Exclusive wall and CPU time per label of wrapped functions (nested calls are subtracted from their
    caller): ``totals`` wall seconds, ``cpu`` process CPU seconds."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        #: calls per label since the last ``take_calls`` (pairs scored per add: what the CPU follows)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[float]] = []

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        prof = self

        def wrapper(*a: Any, **k: Any) -> Any:
            t0, c0 = time.perf_counter(), time.process_time()
            prof._stack.append([0.0, 0.0])
            try:
                return fn(*a, **k)
            finally:
                prof._close(label, time.perf_counter() - t0, time.process_time() - c0, prof._stack.pop())

        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapper

    def _close(self, label: str, wall: float, cpu: float, child: list[float]) -> None:
        self.calls[label] += 1
        self.totals[label] += wall - child[0]
        self.cpu[label] += cpu - child[1]
        if self._stack:
            self._stack[-1][0] += wall
            self._stack[-1][1] += cpu

    def count(self, label: str, wall: float, cpu: float) -> None:
        """Time spent outside a wrapped function (a transaction's BEGIN or COMMIT), counted as a stage."""
        self._close(label, wall, cpu, [0.0, 0.0])

    def reset(self) -> tuple[dict[str, float], dict[str, float]]:
        out = dict(self.totals), dict(self.cpu)
        self.totals, self.cpu = defaultdict(float), defaultdict(float)
        return out

    def take_calls(self) -> dict[str, int]:
        out, self.calls = dict(self.calls), defaultdict(int)
        return out


STAGES = [  # (label, owner, attribute)
    ("encode (excluded)", TopicEncoder, "encode_passages"),
    ("dedup lookup (SQLite)", SQLiteStore, "existing"),
    ("classify (new, update or copy)", pipeline_mod.ClassifyService, "classify"),
    ("candidate source setup", candidates_mod.BatchCandidates, "__init__"),
    ("index sync with other writers (SQLite range read)", SQLiteStore, "sync_index"),
    ("next_passage_rowid (SQLite)", SQLiteStore, "next_passage_rowid"),
    ("ANN search", candidates_mod.BatchCandidates, "search"),
    ("passage owners (SQLite)", candidates_mod.BatchCandidates, "owners"),
    ("candidate passages (SQLite)", candidates_mod.BatchCandidates, "side"),
    ("candidate passages (SQLite)", candidates_mod.BatchCandidates, "prefetch"),
    ("story members (SQLite)", candidates_mod.BatchCandidates, "members"),
    ("candidate scoring", stories_mod, "same_story_score"),
    ("TF-IDF vectors of scored articles", TermRarity, "article_vector"),
    ("SQLite writes (article, passages, links)", SQLiteStore, "write_article"),
    ("SQLite writes (article, passages, links)", SQLiteStore, "write_links"),
    ("ANN insert", PassageIndex, "add"),
    ("provenance (trace): the rest of it", pipeline_mod.TraceService, "trace"),
    ("trace: member headers and citations (SQLite)", trace_mod.TraceService, "_members_of"),
    ("trace: alignment", compare_mod, "align"),
    ("trace: same-story scores grouping had not computed", compare_mod, "same_story_probability"),
    ("trace: relation (classify, verbatim)", compare_mod, "classify"),
    ("trace: relation (classify, verbatim)", compare_mod, "verbatim_scores"),
    ("re-examination (touched stories clustered again)", recluster_mod.StoryReexamination, "run"),
    ("story ids settled (founder lookups, renames)", GroupService, "settle_ids"),
    ("claims + narratives", pipeline_mod.NarrateService, "narrate"),
    ("narrative centroids load (SQLite)", narratives_mod.NarrativeTracker, "_load"),
    ("fact-check matching", pipeline_mod.FactCheckMatcher, "match_new_claims"),
    ("entity mentions", EntityService, "record"),
    ("index save (faiss.write_index, whole index)", SQLiteStore, "save_index"),
]
SAVE = "index save (faiss.write_index, whole index)"
BEGIN_COMMIT = "BEGIN IMMEDIATE + COMMIT (SQLite, WAL)"
OTHER = "other (savepoints, Python bookkeeping)"


def install(prof: Profiler) -> None:
    for label, owner, attr in STAGES:
        setattr(owner, attr, prof.wrap(label, getattr(owner, attr)))
    outer = SQLiteStore.transaction

    @contextlib.contextmanager
    def transaction(self: SQLiteStore) -> Any:
        """The store's transaction, with the time of its BEGIN and its COMMIT (or ROLLBACK) counted apart."""
        cm = outer(self)
        t0, c0 = time.perf_counter(), time.process_time()
        db = cm.__enter__()
        prof.count(BEGIN_COMMIT, time.perf_counter() - t0, time.process_time() - c0)
        try:
            yield db
        except BaseException:
            t1, c1 = time.perf_counter(), time.process_time()
            suppress = cm.__exit__(*sys.exc_info())
            prof.count(BEGIN_COMMIT, time.perf_counter() - t1, time.process_time() - c1)
            if not suppress:
                raise
        else:
            t1, c1 = time.perf_counter(), time.process_time()
            cm.__exit__(None, None, None)
            prof.count(BEGIN_COMMIT, time.perf_counter() - t1, time.process_time() - c1)

    SQLiteStore.transaction = transaction  # type: ignore[method-assign]


def thread_times() -> tuple[float, float] | None:
    """This thread's (CPU seconds, seconds waiting for a CPU while runnable) from Linux's schedstat, None
    elsewhere. Why: on a shared machine an add's wall time beyond its CPU time is mostly the run queue (other
    processes' turn), not I/O; wall minus the wait is what a quiet machine would show, about."""
    try:
        cpu_ns, wait_ns, _ = Path("/proc/thread-self/schedstat").read_text().split()
    except (OSError, ValueError):
        return None
    return int(cpu_ns) / 1e9, int(wait_ns) / 1e9


class GCPauses:
    """Time spent in CPython's cyclic garbage collector (``gc.callbacks``), and its full (generation 2)
    collections. Why: a full collection walks every live container object of the process, so it lands as a
    pause of tens of milliseconds in whichever add triggers it: part of the tail the p95 is read from."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start
            self.full += info.get("generation") == 2

    def close(self) -> None:
        gc.callbacks.remove(self._callback)


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q)) if xs else float("nan")


# ------------------------------------------------------------------ measure
def time_adds(nt: Narratrace, enc: TopicEncoder, prof: Profiler, n_adds: int, n_stories: int, topics: int,
              tag: str, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    salt = 1_000_000 * (1 + int(time.time()) % 1000)  # new texts on every run, so a reused store sees new articles
    arts = []
    for k in range(n_adds):
        # 70% continue a stored story (shared names and numbers), 30% start a story of their own
        s = int(rng.integers(0, n_stories)) if rng.random() < 0.7 else n_stories + seed * 100000 + k
        arts.append(make_article(f"add-{tag}-{k}", s, s % topics, salt + 1000 + k))
    # two warm-up adds (index load, imports) not counted
    warm = [make_article(f"warm-{tag}-{k}", k, k % topics, salt + 5000 + k) for k in range(2)]
    t0 = time.perf_counter()
    nt.add(warm[:1])
    first_add_s = time.perf_counter() - t0  # includes loading the index from disk
    nt.add(warm[1:])
    prof.reset()
    prof.take_calls()
    lat, lat_nosave, cpu, per, per_cpu = [], [], [], [], []
    pairs: list[float] = []  # same-story scores computed by grouping per add
    waits: list[tuple[float, float, float]] = []  # per add, ms: run-queue wait, blocked, latency minus the wait
    gc_ms: list[float] = []  # per add: time in the cyclic garbage collector
    full_gc = 0  # adds with a full collection
    pauses = GCPauses()
    joined = 0
    for a in arts:
        s0 = thread_times()
        g0, f0 = pauses.seconds, pauses.full
        t0, c0 = time.perf_counter(), time.process_time()
        rep = nt.add([a])
        wall, cpu_s = time.perf_counter() - t0, time.process_time() - c0
        gc_ms.append((pauses.seconds - g0) * 1e3)
        full_gc += pauses.full > f0
        s1 = thread_times()
        stages, stages_cpu = prof.reset()
        pairs.append(prof.take_calls().get("candidate scoring", 0))
        enc_s = stages.get("encode (excluded)", 0.0)
        save_s = stages.get(SAVE, 0.0)
        if s0 is not None and s1 is not None:
            run, wait = s1[0] - s0[0], s1[1] - s0[1]  # the main thread's CPU and run-queue wait
            waits.append((wait * 1e3, max(0.0, wall - run - wait) * 1e3, (wall - enc_s - wait) * 1e3))
        stages[OTHER] = wall - sum(stages.values())
        stages_cpu[OTHER] = cpu_s - sum(stages_cpu.values())
        lat.append((wall - enc_s) * 1e3)
        lat_nosave.append((wall - enc_s - save_s) * 1e3)
        cpu.append((cpu_s - enc_s) * 1e3)  # the synthetic encoder is pure CPU: its wall time ~ its CPU time
        per.append(stages)
        per_cpu.append(stages_cpu)
        assert rep.ingested == [a.id], rep.summary()
        joined += nt.store.get_article(a.id, with_passages=False).story_id != story_id_for(a.id)
    pauses.close()
    labels = list(dict.fromkeys([s[0] for s in STAGES] + [BEGIN_COMMIT, OTHER]))
    # the adds whose CPU time is in the top tenth: what makes the p95
    slow = [per_cpu[k] for k in np.argsort(cpu)[-max(1, len(cpu) // 10):]]
    # per stage, ms: wall median, wall mean, CPU median, CPU p95, CPU mean over the slowest tenth
    breakdown = {lb: (statistics.median([p.get(lb, 0.0) for p in per]) * 1e3,
                      statistics.fmean([p.get(lb, 0.0) for p in per]) * 1e3,
                      statistics.median([p.get(lb, 0.0) for p in per_cpu]) * 1e3,
                      pct([p.get(lb, 0.0) for p in per_cpu], 95) * 1e3,
                      statistics.fmean([p.get(lb, 0.0) for p in slow]) * 1e3) for lb in labels}
    return {"p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99), "max": max(lat),
            "mean": statistics.fmean(lat),
            "cpu_p50": pct(cpu, 50), "cpu_p95": pct(cpu, 95), "pairs_p50": pct(pairs, 50),
            "pairs_p95": pct(pairs, 95), "pairs_mean": statistics.fmean(pairs),
            "p50_nosave": pct(lat_nosave, 50), "p95_nosave": pct(lat_nosave, 95),
            "mean_nosave": statistics.fmean(lat_nosave), "breakdown": breakdown, "joined": joined,
            "waits": [(pct(list(w), 50), pct(list(w), 95)) for w in zip(*waits)] if waits else [],
            "adds": len(arts), "first_add_s": first_add_s,
            "gc": {"p50": pct(gc_ms, 50), "p95": pct(gc_ms, 95), "max": max(gc_ms), "full": full_gc,
                   "p95_without": pct([x - g for x, g in zip(lat, gc_ms)], 95)}}


def sizes_of(db: Path, store: SQLiteStore) -> dict[str, float]:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n_pass = store.count_passages(with_vectors=True)
    db_b = db.stat().st_size
    idx_b = Path(f"{db}.faiss").stat().st_size
    return {"articles": store.count_articles(), "passages": n_pass, "db_bytes": db_b, "index_bytes": idx_b,
            "db_per_passage": db_b / n_pass, "index_per_passage": idx_b / n_pass,
            "narratives": store.db.execute("SELECT count(*) FROM narratives").fetchone()[0],
            "stories": store.db.execute("SELECT count(*) FROM stories").fetchone()[0]}


SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16")


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError, StopIteration):
        info = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name"))
        cpu += f" at {float(next(ln.split(':', 1)[1] for ln in info if ln.startswith('cpu MHz'))):.0f} MHz"
        flags = set(next(ln.split(":", 1)[1] for ln in info if ln.startswith("flags")).split())
        # the SIMD extensions faiss and numpy dispatch on
        cpu += " (flags: " + " ".join(f for f in SIMD_FLAGS if f in flags) + ")"
    mem = "?"
    try:
        kb = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines()
                      if ln.startswith("MemTotal")))
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    import sqlite3

    import faiss

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip() or "?"
    except OSError:
        commit = "?"
    return (f"{cpu}, {os.cpu_count()} cores, {mem} RAM, Python {platform.python_version()}; numpy "
            f"{np.__version__}, faiss-cpu {faiss.__version__}, SQLite {sqlite3.sqlite_version}; commit {commit}; "
            f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000", help="store sizes N (articles), ascending")
    ap.add_argument("--adds", type=int, default=200, help="timed single-article adds per N")
    ap.add_argument("--reads", type=int, default=40, help="timed requests per read path and N (0: no read paths)")
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--topics", type=int, default=300)
    ap.add_argument("--articles-per-story", type=int, default=10)
    ap.add_argument("--articles-per-narrative", type=int, default=20)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--write", default=None, help="append a '## Scale (bench/scale.py)' section to this file")
    args = ap.parse_args()

    sizes = [int(x) for x in args.sizes.split(",")]
    out: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    work = Path(args.workdir or tempfile.mkdtemp(prefix="nt-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    enc = TopicEncoder(dim=args.dim, topics=args.topics)
    settings = Settings.load(None, ingest={"batch_size": 1})
    prof = Profiler()
    install(prof)

    mach = machine()
    say(f"`python bench/scale.py --sizes {args.sizes} --adds {args.adds}` ({time.strftime('%Y-%m-%d')}; a store "
        "bulk-loaded by an earlier run with the same --workdir is reused and marked so)")
    say()
    say(f"Machine: {mach}")
    say()
    say(f"**Synthetic vectors and texts.** {args.dim}-d unit vectors = one of {args.topics} random topic centroids "
        f"+ Gaussian noise (same-topic cosine ≈ 0.6), deterministic by text; 3 short English passages per "
        f"article (title + 2 body) with people, places and numbers shared within a story; about "
        f"{args.articles_per_story} articles per story, one narrative per {args.articles_per_narrative} articles "
        f"(an assumption). The store is bulk-loaded through `SQLiteStore.write_article` (5000 articles per "
        f"transaction) and `rebuild_index` (HNSW below `[store] ann_ivf_from` passages, IVF-SQ8 from there); "
        f"then `Narratrace.add` of one already analysed article at a time "
        f"(batch of 1; 70% continue a stored story) is timed, {args.adds} adds per N after 2 warm-up adds. "
        f"Latency excludes encoding (measured, subtracted) and text analysis (done before). No fact-checks are "
        f"stored, so fact-check matching returns at once.")
    say()

    results: list[tuple[int, dict[str, Any], dict[str, float], dict[str, float]]] = []

    for n in sizes:
        # one store per N, kept in --workdir: a later run reuses it (the bulk load of 1M takes long) and
        # times new adds, under new ids, on it
        db = work / f"scale-{n}.db"
        n_stories = max(1, n // args.articles_per_story)
        settings = settings.merged({"store": {"db": str(db)}}, origin="bench/scale.py")
        reuse = False
        if db.exists():
            probe = SQLiteStore(db)
            reuse = probe.get_meta("bench_bulk_done") == BULK_MARK.format(n=n)
            probe.close()
        if not reuse:
            for p in work.glob(f"scale-{n}.db*"):
                p.unlink()
        nt = Narratrace(db, settings=settings, encoder=enc)
        if reuse:
            load = {"write_s": float("nan"), "index_s": float("nan"), "reused": True}
            print(f"[bulk] reusing {db}", file=sys.stderr, flush=True)
        else:
            print(f"[bulk] loading {n} articles into {db}", file=sys.stderr, flush=True)
            load = bulk_load(nt.store, enc, 0, n, n_stories, args.topics, args.articles_per_narrative)
            with nt.store.transaction():
                nt.store._set_meta("bench_bulk_done", BULK_MARK.format(n=n))
        load["clue_units_s"] = complete_clue_units(nt.store)  # a store loaded before clues had units
        load["kind"] = nt.store.index().kind
        print(f"[bulk] {load}", file=sys.stderr, flush=True)
        # the timed adds start from the saved index and the stored narratives, as a new process would
        nt.close()
        nt = Narratrace(db, settings=settings, encoder=enc)
        tag = f"{n}-{os.getpid()}-{int(time.time())}"
        res = time_adds(nt, enc, prof, args.adds, n_stories, args.topics, tag, seed=len(results) + 1)
        t0 = time.perf_counter()
        nt.pipeline.finish()  # once, after the adds (a run saves at its end and every [store] index_save_seconds)
        load["save_s"] = time.perf_counter() - t0
        prof.reset()
        res["reads"] = time_reads(nt, enc, args.reads, seed=len(results) + 7) if args.reads else {}
        prof.reset()
        sz = sizes_of(db, nt.store)
        nt.close()
        results.append((n, res, sz, load))
        print(f"[N={n}] p50 {res['p50']:.1f} ms p95 {res['p95']:.1f} ms, cpu p95 {res['cpu_p95']:.1f} ms; {sz}",
              file=sys.stderr, flush=True)

    say("| N stored articles (bulk-loaded) | passages at the end | ANN index | adds | p50 add ms | p95 add ms | "
        "p99 / max ms | mean ms per added article | CPU ms p50 / p95 | joined a stored story |")
    say("|---|---|---|---|---|---|---|---|---|---|")
    for n, r, s_, ld in results:
        say(f"| {n:,} | {s_['passages']:,} | {ld['kind']} | {r['adds']} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} / {r['max']:.1f} | {r['mean']:.1f} | {r['cpu_p50']:.1f} / {r['cpu_p95']:.1f} | "
            f"{r['joined']}/{r['adds']} |")
    say()
    for n, r, *_ in results:  # where wall time beyond CPU time went (Linux only)
        if r["waits"]:
            (w50, w95), (b50, b95), (x50, x95) = r["waits"]
            say(f"N = {n:,}, wall time beyond CPU (main thread, /proc schedstat), ms p50 / p95: waiting for a CPU "
                f"{w50:.1f} / {w95:.1f}; blocked (I/O, locks, other threads) {b50:.1f} / {b95:.1f}; "
                f"add latency (encoding excluded) minus the CPU wait {x50:.1f} / {x95:.1f} "
                f"(load average {os.getloadavg()[0]:.1f}).")
            say()
    for n, r, *_ in results:
        g = r["gc"]
        say(f"N = {n:,}, CPython's cyclic garbage collector, ms per add: p50 {g['p50']:.2f}, p95 {g['p95']:.2f}, "
            f"max {g['max']:.1f}; {g['full']} adds with a full collection; add p95 without the collector's "
            f"pauses {g['p95_without']:.1f} ms.")
        say()
    for n, r, *_ in results:
        say(f"N = {n:,}, same-story pair scores computed by grouping per add: p50 {r['pairs_p50']:.0f}, "
            f"p95 {r['pairs_p95']:.0f}, mean {r['pairs_mean']:.1f}.")
        say()
    if len(results) > 1:
        (n0, r0, *_), (n1, r1, *_) = results[0], results[-1]
        say(f"Mean time per added article at N = {n1:,} divided by that at N = {n0:,}: "
            f"**{r1['mean'] / r0['mean']:.2f}** ({n1 // n0}× the articles).")
        say()
    say("Bytes stored per passage (3 passages per article; after a WAL checkpoint):")
    say()
    say("| N | DB bytes | DB bytes / passage | index bytes | index bytes / passage | bulk write s | "
        "index build s | index file write s | first add after open s |")
    say("|---|---|---|---|---|---|---|---|---|")
    for n, r, s_, ld in results:
        say(f"| {n:,} | {s_['db_bytes']:,} | {s_['db_per_passage']:.0f} | {s_['index_bytes']:,} | "
            f"{s_['index_per_passage']:.0f} | {ld['write_s']:.1f} | {ld['index_s']:.1f} | {ld['save_s']:.1f} | "
            f"{r['first_add_s']:.2f} |")
    say()
    say("Where the time of one add goes (exclusive time per stage, ms over the adds: wall median / wall mean; "
        "CPU median / CPU p95; CPU mean over the tenth of adds that took the most CPU):")
    say()
    head = "| stage | " + " | ".join(f"N = {n:,}" for n, *_ in results) + " |"
    say(head)
    say("|---|" + "---|" * len(results))
    labels = list(results[0][1]["breakdown"])
    for lb in labels:
        cells = ["{:.2f} / {:.2f}; {:.2f} / {:.2f}; {:.2f}".format(*r["breakdown"][lb]) for _, r, *_ in results]
        say(f"| {lb} | " + " | ".join(cells) + " |")
    say()

    if args.reads:  # --reads 0 times the adds only
        for line in read_table([(n, r["reads"]) for n, r, *_ in results], results[-1][1], args.reads):
            say(line)

    if args.write:
        path = Path(args.write)
        text = path.read_text(encoding="utf-8") if path.exists() else ""  # re-read right before writing
        after = ""  # the sections after this one are kept
        if "\n## Scale (bench/scale.py)" in text:
            start = text.index("\n## Scale (bench/scale.py)")
            end = text.find("\n## ", start + 1)
            text, after = text[:start].rstrip("\n") + "\n", (text[end:] if end >= 0 else "")
        section = "\n## Scale (bench/scale.py)\n\n" + "\n".join(out).rstrip() + "\n"
        extra = os.environ.get("SCALE_NOTES_FILE")
        if extra and Path(extra).exists():
            section += "\n" + Path(extra).read_text(encoding="utf-8").rstrip() + "\n"
        path.write_text(text.rstrip("\n") + "\n" + section + after, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
