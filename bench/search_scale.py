"""Hybrid search latency at scale: p50 / p95 of ``Narratrace.search`` over N stored passages (issue 15).

    python bench/search_scale.py [--passages 100000] [--queries 60] [--write docs/benchmarks.md]

TEXT IS REAL, VECTORS ARE NOT. Passages are pairs of sentences drawn at random from the SemEval-2022
Task 8 articles (ten languages), so the lexical index sees real vocabularies and posting-list lengths;
their vectors are random unit vectors (the ANN search costs the same whatever the vectors mean). The store
is bulk-loaded through ``write_article`` (which writes the lexical index in the same transaction), the
ANN index rebuilt once, then queries are timed with their vector given (``query_vector``), so the
query's encoding is excluded, as the issue asks: half are 2-3 words, half 8-15 words, cut from passages.

From ``store.lexical_plan.BOUNDED_FROM`` passages on, the lexical channel scores a bounded set of documents
(``lexical_plan.plan``); the run also ranks every query's lexical channel (its ``search.CANDIDATES`` best)
and the hybrid search's 20 best articles with the bound lifted, and reports how much the two agree.
"""
from __future__ import annotations

import argparse
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "eval"))
from common import semeval_rows  # noqa: E402

from narratrace import Narratrace  # noqa: E402
from narratrace.embed.hashing import HashingEncoder  # noqa: E402
from narratrace.model import Article, Passage  # noqa: E402
from narratrace.store import lexical_plan  # noqa: E402
from narratrace.store.lexical import TermQuery  # noqa: E402
from narratrace.text.normalise import normalise  # noqa: E402
from narratrace.trace.hybrid import query_groups  # noqa: E402
from narratrace.trace.search import CANDIDATES  # noqa: E402

SECTION = "## Hybrid search at scale (bench/search_scale.py)"
_SENTENCE = re.compile(r"(?<=[.!?؟。])\s+")


def sentences() -> list[tuple[str, str]]:
    """(sentence, language) of every SemEval article, 40..400 characters."""
    out = []
    for r in semeval_rows():
        for text, lang in ((r["text1"], r["lang1"]), (r["text2"], r["lang2"])):
            out += [(s.strip(), lang) for s in _SENTENCE.split(text) if 40 <= len(s.strip()) <= 400]
    return out


def build(db: str, n_passages: int, per_article: int, dim: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    vec_rng = np.random.default_rng(seed)
    pool = sentences()
    texts: list[str] = []
    with Narratrace(db=db, encoder=HashingEncoder(dim=dim)) as nt:
        store = nt.store
        store.bind_encoder(nt.encoder.vector_space, dim)
        next_rowid = store.next_passage_rowid()
        for start in range(0, n_passages, 20000):
            with store.transaction():
                for a in range(start // per_article, min(n_passages, start + 20000) // per_article):
                    ps = []
                    for i in range(per_article):
                        (s1, lang), (s2, _) = rng.choice(pool), rng.choice(pool)
                        text = f"{s1} {s2}"
                        texts.append(text)
                        ps.append(Passage(index=i, text=text, start=0, end=len(text), kind="title" if i == 0 else
                                          "body", lang=lang, key=normalise(text, lang)))
                    art = Article(id=f"a{a}", text="\n".join(p.text for p in ps), lang=ps[0].lang, passages=ps,
                                  story_id=f"s{a}")
                    vecs = vec_rng.standard_normal((per_article, dim)).astype(np.float32)
                    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
                    rowids = {p.index: next_rowid + k for k, p in enumerate(ps)}
                    next_rowid += per_article
                    store.write_article(art, rowids, dict(enumerate(vecs)))
            print(f"  stored {min(n_passages, start + 20000)} passages", flush=True)
        t0 = time.perf_counter()
        store.rebuild_index()
        store.save_index()
        print(f"  ANN index rebuilt in {time.perf_counter() - t0:.0f} s", flush=True)
    return texts


def queries(texts: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed + 1)
    out = []
    for k in range(n):
        words = rng.choice(texts).split()
        size = rng.randint(2, 3) if k % 2 == 0 else rng.randint(8, 15)
        start = rng.randrange(max(1, len(words) - size))
        out.append(" ".join(words[start : start + size]))
    return out


def cpu() -> str:
    """The CPU's model name and the vector instructions it has (what the ANN search and FTS5 run on)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")),
                 platform.processor() or platform.machine())
    flags = next((ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), [])
    simd = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni") if f in flags]
    return f"{model} ({', '.join(simd) or 'no SIMD flags read'})"


def agreement(nt: Narratrace, qs: list[str], vectors: list[np.ndarray]) -> dict[str, float]:
    """How the bounded lexical channel and hybrid search agree with their exact forms (the bound lifted):
    mean share of the exact lexical top ``CANDIDATES`` passages and top-20 articles found bounded."""
    lexical, articles, planned = [], [], 0
    bounded_from = lexical_plan.BOUNDED_FROM
    for q, v in zip(qs, vectors):
        query = TermQuery(query_groups(q))
        runs = []
        for bound in (bounded_from, 10**12):
            lexical_plan.BOUNDED_FROM = bound
            try:
                hits = [r for r, _ in nt.store.lexical_search("passages", query, CANDIDATES)]
                found = [h["article_id"] for h in nt.search(q, query_vector=v, limit=20)]
            finally:
                lexical_plan.BOUNDED_FROM = bounded_from
            runs.append((hits, found))
        (hits, found), (exact_hits, exact_found) = runs
        planned += hits != exact_hits
        lexical.append(len(set(hits) & set(exact_hits)) / max(1, len(exact_hits)))
        articles.append(len(set(found) & set(exact_found)) / max(1, len(exact_found)))
    return {"lexical": statistics.fmean(lexical), "articles": statistics.fmean(articles), "changed": planned}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--per-article", type=int, default=10)
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", default="", help="append the results section to this Markdown file")
    args = ap.parse_args()
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "scale.db")
        t0 = time.perf_counter()
        texts = build(db, args.passages, args.per_article, args.dim, args.seed)
        build_s = time.perf_counter() - t0
        qs = queries(texts, args.queries, args.seed)
        rng = np.random.default_rng(args.seed + 2)
        with Narratrace(db=db, encoder=HashingEncoder(dim=args.dim)) as nt:
            nt.search("warm up", query_vector=rng.standard_normal((1, args.dim)).astype(np.float32))
            times: dict[str, list[float]] = {"hybrid": [], "keyword": []}
            vectors = []
            for q in qs:
                v = rng.standard_normal((1, args.dim)).astype(np.float32)
                v /= np.linalg.norm(v)
                vectors.append(v)
                for mode in times:
                    t = time.perf_counter()
                    nt.search(q, mode=mode, query_vector=v, limit=20)
                    times[mode].append(1000 * (time.perf_counter() - t))
            agreed = agreement(nt, qs, vectors)
    lines.append(SECTION)
    lines.append(f"{cpu()}, Python {platform.python_version()}; "
                 f"{args.passages} passages ({args.passages // args.per_article} articles) of real SemEval "
                 f"sentences, random vectors; bulk load + index {build_s:.0f} s; {len(qs)} queries (half 2-3 "
                 "words, half 8-15), query vector given (encoding excluded), limit 20")
    lines.append("| mode | p50 ms | p95 ms | max ms |")
    lines.append("|---|---|---|---|")
    for mode, ts in times.items():
        ts = sorted(ts)
        p95 = ts[min(len(ts) - 1, int(round(0.95 * (len(ts) - 1))))]
        lines.append(f"| {mode} | {statistics.median(ts):.1f} | {p95:.1f} | {ts[-1]:.1f} |")
    lines.append(f"Bounded lexical channel (from {lexical_plan.BOUNDED_FROM:,} passages, at most "
                 f"{lexical_plan.SCORED_BUDGET:,} scored): {agreed['changed']} of {len(qs)} queries ranked "
                 f"otherwise than exact BM25; share of the exact top {CANDIDATES} passages found "
                 f"{agreed['lexical']:.3f}, of the exact hybrid top-20 articles {agreed['articles']:.3f}")
    print("\n".join(lines))
    if args.write:
        with open(args.write, "a", encoding="utf-8") as fh:
            fh.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
