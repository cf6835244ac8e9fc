"""Fact-check retrieval: does a post find its fact-checked claim? BM25, bare e5, their fusion, the matcher.

Two dev sets, each a post -> fact-check task with the fact-checks imported with their titles:

* ``clef2020-claims/dev``: 198 English tweets against 10,375 fact-checked claims (CLEF 2020 CheckThat! 2);
* ``clef2021-ar-dev`` (dev split): 85 Arabic tweets against 7,690 Arabic claims (CLEF 2021 CheckThat! 2A).

For each, the fact-checks are imported through ``narratrace factchecks import`` (a CSV with id, claim,
title, language) into a fresh store, and every figure is computed in this one run on that store:

* **BM25**: the store's lexical index (store/lexical.py) over title + claim, the tweet's words;
* **bare e5**: cosine of the tweet and the stored title + claim vectors, both ``passage:``;
* **plain RRF**: reciprocal rank fusion (k = 60) of those two rankings;
* **matcher**: ``FactCheckMatcher.rank`` as shipped (``[factchecks]`` defaults), and what
  ``match_texts`` reports once the ``suggested`` threshold has cut the ranking ("as shown").

The collections hold copies of one fact-check (the same title and claim but for quote marks; 180 groups
in clef2020): the matcher shows the first stored once. The baselines are given both as they rank and
with the same collapsing, so the comparison is like for like. MAP@5 and recall@10 as in the tasks.

Leave one corpus out: the matcher's one ranking weight, ``[factchecks] dense_weight``, is chosen on each
corpus from a grid and scored on the other, beside the shipped default.

    .venv/bin/python eval/factcheck_retrieval.py     # ~1 h the first time (18k fact-checks encoded), ~3 min after

Vectors are cached (eval/common.py VectorCache).
"""
from __future__ import annotations

import csv
import dataclasses
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OMP_NUM_THREADS", "2")

from common import EVAL, CachedEncoder  # noqa: E402

GRID = (0.5, 1.0, 1.5, 2.0, 3.0)
Ranked = list[list[str]]


def clef2020(split: str = "dev") -> tuple[list[dict[str, str]], list[tuple[str, str]], dict[str, set[str]]]:
    csv.field_size_limit(1 << 30)
    root = EVAL / "clef2020-claims"
    with open(root / "verified_claims.docs.tsv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))[1:]
    claims = [{"id": r[0], "claim": r[1], "title": r[2], "language": "en"} for r in rows]
    with open(root / split / "tweets.queries.tsv", newline="", encoding="utf-8") as fh:
        tweets = [(r[0], r[1]) for r in list(csv.reader(fh, delimiter="\t"))[1:]]
    return claims, tweets, _qrels(root / split / "tweet-vclaim-pairs.qrels")


def clef2021_ar(split: str = "dev") -> tuple[list[dict[str, str]], list[tuple[str, str]], dict[str, set[str]]]:
    root = EVAL / "clef2021-ar-dev"
    with open(root / "claims.csv", newline="", encoding="utf-8") as fh:
        claims = [{"id": r["id"], "claim": r["claim"], "title": r["title"], "language": r["language"]}
                  for r in csv.DictReader(fh)]
    with open(root / "queries.jsonl", encoding="utf-8") as fh:
        queries = [json.loads(line) for line in fh if line.strip()]
    tweets = [(q["id"], q["text"]) for q in queries if q["split"] == split]
    return claims, tweets, _qrels(root / "qrels.tsv")


def _qrels(path: Path) -> dict[str, set[str]]:
    gold: dict[str, set[str]] = {}
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 3:
            gold.setdefault(parts[0], set()).add(parts[2])
    return gold


def scores(ranked: Ranked, ids: list[str], gold: dict[str, set[str]]) -> tuple[float, float]:
    """(MAP@5, recall@10) of ranked fact-check ids per query."""
    ap, r10 = [], []
    for qid, ranking in zip(ids, ranked):
        rel = gold.get(qid)
        if not rel:
            continue
        hits, prec = 0, 0.0
        for rank, fid in enumerate(ranking[:5], 1):
            if fid in rel:
                hits += 1
                prec += hits / rank
        ap.append(prec / min(len(rel), 5))
        r10.append(len(rel & set(ranking[:10])) / len(rel))
    return float(np.mean(ap)), float(np.mean(r10))


def collapsed(ranked: Ranked, first_copy: dict[str, str]) -> Ranked:
    """Each ranking with every copy of a fact-check replaced by its first stored copy, once."""
    return [list(dict.fromkeys(first_copy.get(f, f) for f in r)) for r in ranked]


def run_corpus(name: str, loader: Callable[[], tuple[list[dict[str, str]], list[tuple[str, str]],
                                                       dict[str, set[str]]]], encoder: CachedEncoder) -> dict:
    from narratrace import Narratrace
    from narratrace.pipeline.factchecks import FactCheckMatcher
    from narratrace.store.lexical import TermQuery, factcheck_text
    from narratrace.trace.factchecks import duplicate_key
    from narratrace.trace.hybrid import fuse, query_groups

    claims, tweets, gold = loader()
    qids, texts = [q for q, _ in tweets], [t for _, t in tweets]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "factchecks.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=["id", "claim", "title", "language"])
            w.writeheader()
            w.writerows(claims)
        nt = Narratrace(db=str(Path(tmp) / "fc.db"), encoder=encoder)
        res = nt.import_factchecks(path)
        assert res["imported"] == len(claims) and not res["errors"], (res["imported"], res["errors"][:3])
        store, matcher = nt.store, nt.pipeline.factchecks
        recs, fvecs = store.factchecks(with_vectors=True)
        fids = [r["factcheck_id"] for r in recs]
        first: dict[str, str] = {}
        first_copy = {r["factcheck_id"]: first.setdefault(duplicate_key(factcheck_text(r["claim"], r["title"])),
                                                          r["factcheck_id"]) for r in recs}
        by_rowid = {r: f for f, r in store.factcheck_rowids().items()}
        # the baselines, from the same store
        bm25 = [[by_rowid[r] for r, _ in store.lexical_search("factchecks", TermQuery(query_groups(t, names=False)),
                                                               100)] for t in texts]
        tweet_vecs = matcher.encode_claims(texts)
        cos = tweet_vecs @ fvecs.T
        dense = [[fids[j] for j in np.argsort(-row)[:100]] for row in cos]
        rrf = [sorted(f, key=lambda k, f=f: -f[k])[:100]
               for f in (fuse({"bm25": b, "e5": d}, {}, k=60.0) for b, d in zip(bm25, dense))]

        def shipped(weight: float) -> Ranked:
            m = FactCheckMatcher(store, encoder, dataclasses.replace(nt.settings.factchecks, dense_weight=weight),
                                 matcher.means)
            return [[fids[j] for j, _s, _p in hits] for hits in m.rank(texts, tweet_vecs, 10)]

        grid = {w: scores(shipped(w), qids, gold) for w in GRID}
        default = nt.settings.factchecks.dense_weight
        ranked = shipped(default)
        shown = [[m["factcheck_id"] for m in hits] for hits in matcher.match_texts(texts)]
        cfg = nt.settings.factchecks
        nt.close()
    out = {"queries": sum(1 for q in qids if q in gold), "factchecks": len(claims),
           "copies": sum(1 for f, c in first_copy.items() if f != c),
           "rows": [("BM25", scores(bm25, qids, gold), scores(collapsed(bm25, first_copy), qids, gold)),
                    ("bare e5", scores(dense, qids, gold), scores(collapsed(dense, first_copy), qids, gold)),
                    ("plain RRF", scores(rrf, qids, gold), scores(collapsed(rrf, first_copy), qids, gold)),
                    (f"matcher (dense_weight {default:g})", None, scores(ranked, qids, gold)),
                    (f"matcher as shown (suggested {cfg.suggested:g})", None, scores(shown, qids, gold))],
           "grid": grid}
    print(f"\n{name}: {out['queries']} queries, {out['factchecks']} fact-checks ({out['copies']} later copies)")
    print(f"  {'':40} {'as ranked':>20} {'copies shown once':>20}")
    for label, plain, once in out["rows"]:
        cell = "" if plain is None else f"{plain[0]:.3f} / {plain[1]:.3f}"
        print(f"  {label:40} {cell:>20} {once[0]:.3f} / {once[1]:.3f}   (MAP@5 / recall@10)")
    return out


def main() -> None:
    from narratrace.embed import make_encoder
    from narratrace.settings import Settings

    encoder = CachedEncoder(make_encoder(Settings.load().encoder.backend), progress=True)
    results = {"clef2020-claims/dev": run_corpus("clef2020-claims/dev (with titles)", clef2020, encoder),
               "clef2021-ar-dev": run_corpus("clef2021-ar-dev (dev split)", clef2021_ar, encoder)}
    print("\nleave one corpus out: dense_weight chosen on one corpus (best MAP@5 on its grid), scored on the other")
    names = list(results)
    for chosen_on, scored_on in ((names[0], names[1]), (names[1], names[0])):
        grid = results[chosen_on]["grid"]
        best = max(grid, key=lambda w: grid[w][0])
        got = results[scored_on]["grid"][best]
        print(f"  chosen on {chosen_on}: {best:g} -> {scored_on}: MAP@5 {got[0]:.3f} recall@10 {got[1]:.3f}")
    for name in names:
        print(f"  grid on {name}: " + ", ".join(f"{w:g}: {m[0]:.3f}" for w, m in results[name]["grid"].items()))


if __name__ == "__main__":
    main()
