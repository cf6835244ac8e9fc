"""Where a corpus's story errors come from: events merged or split per topic, and which features tell
the events of one topic apart (issue 14).

    python eval/story_errors.py --features-cache F.npz [--model M.json] [--corpus ecbplus-dev]

Reads the pair features that ``eval/fit_story_model.py --features-cache F.npz`` saved (every pair of the
corpus's scored articles, as the pipeline computes them), scores them with a story model (default: the
shipped one) and clusters them by average link at the model's join threshold: the proxy of the
pipeline's re-examination that the fit optimises (within 0.01 F1 of it, docs/evaluation.md). Prints

1. BCubed P / R / F1 of that clustering;
2. per topic (ECB+: ``truth.json`` topic; elsewhere one topic), its clusters by event, marked *merged*
   when a cluster holds two events and *split* when an event is in several clusters, with the mean
   pair score within each event and across the topic's events: a topic whose cross-event mean reaches
   the threshold is merged by average link whatever its members' best pairs say;
3. per feature, the AUC of its value on the pairs of one topic (same event or not), and its mean on
   each side: what a feature can add where topic vocabulary no longer separates.

No labels are fitted here: it reads what a model does, for choosing what to measure next.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baselines import average_link, cut  # noqa: E402
from common import EVAL, REPO, bcubed  # noqa: E402
from fit_story_model import score, weights_of  # noqa: E402

from narratrace.group.similarity import FEATURES  # noqa: E402


def auc(values: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a positive pair's value exceeds a negative one's (ties count half)."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    mean_rank = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(mean_rank, counts)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return float("nan")
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def topics_of(corpus: str, ids: list[str]) -> list[str]:
    path = EVAL / corpus / "truth.json"
    if corpus.startswith("ecbplus") and path.exists():
        truth = json.loads(path.read_text("utf-8"))
        return [truth.get(a, {}).get("topic", "all") for a in ids]
    return ["all"] * len(ids)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--features-cache", type=Path, required=True, help="eval/fit_story_model.py's --features-cache")
    ap.add_argument("--model", type=Path, default=REPO / "narratrace" / "data" / "story_model.json")
    ap.add_argument("--corpus", default="ecbplus-dev")
    args = ap.parse_args()
    with np.load(args.features_cache, allow_pickle=True) as data:
        saved = data["corpora"].item()
    if saved.get("features") != list(FEATURES):
        raise SystemExit(f"{args.features_cache} holds other features than group/similarity.py's: fit again")
    d = saved["data"][args.corpus]
    model = json.loads(args.model.read_text("utf-8"))
    threshold = float(model.get("join_threshold", 0.5))
    P = score(d["X"], weights_of(model))
    ids, gold = d["ids"], np.array(d["gold"])
    labels = np.array(cut(average_link(P, floor=threshold - 1e-9), len(ids), threshold))
    p, r, f = bcubed({a: str(x) for a, x in zip(ids, labels)}, dict(zip(ids, gold.tolist())))
    print(f"{args.corpus} under {args.model.name} @ {threshold}: BCubed P {p:.3f} R {r:.3f} F1 {f:.3f}\n")

    topic = np.array(topics_of(args.corpus, ids))
    print("| topic | articles | clusters (events in each) | merged | split | mean score within events "
          "| across events |")
    print("|---|---|---|---|---|---|---|")
    for t in sorted(set(topic), key=lambda s: (len(s), s)):
        rows = np.flatnonzero(topic == t)
        by_cluster: dict[int, Counter[str]] = defaultdict(Counter)
        for k in rows:
            by_cluster[int(labels[k])][str(gold[k])] += 1
        clusters = sorted(by_cluster.values(), key=lambda c: -sum(c.values()))
        merged = sum(len(c) > 1 for c in clusters)
        split = sum(n > 1 for n in Counter(e for c in clusters for e in c).values())
        within, across = [], []
        for i in rows:
            for j in rows:
                if i < j:
                    (within if gold[i] == gold[j] else across).append(P[i, j])
        desc = "; ".join(", ".join(f"{e} {n}" for e, n in c.most_common()) for c in clusters[:4])
        desc += f"; +{len(clusters) - 4} more" if len(clusters) > 4 else ""
        mean_within = np.mean(within) if within else float("nan")
        mean_across = np.mean(across) if across else float("nan")
        print(f"| {t} | {len(rows)} | {desc} | {merged or ''} | {split or ''} | {mean_within:.2f} "
              f"| {mean_across:.2f} |")

    iu = np.triu_indices(len(ids), 1)
    one_topic = topic[iu[0]] == topic[iu[1]]
    same = (gold[iu[0]] == gold[iu[1]])[one_topic]
    X = d["X"][iu][one_topic]
    print(f"\nPairs within a topic: {len(same)} ({int(same.sum())} of one event)\n")
    print("| feature | AUC within a topic | mean, one event | mean, two events |\n|---|---|---|---|")
    for k, name in enumerate(FEATURES):
        if X[:, k].std() > 0:
            print(f"| {name} | {auc(X[:, k], same):.3f} | {X[same, k].mean():.3f} | {X[~same, k].mean():.3f} |")
    print(f"| (model score) | {auc(P[iu][one_topic], same):.3f} | {P[iu][one_topic][same].mean():.3f} | "
          f"{P[iu][one_topic][~same].mean():.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
