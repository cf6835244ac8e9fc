"""Fit the story model leave-one-corpus-out (LOCO), with the lexical and year features (issue 14).

    python eval/fit_story_model.py [--features-cache F.npz] [--out-dir DIR] [--write]

1. **Pairs, as the pipeline scores them.** Each corpus (semeval-fit, semeval-test, ntrex-dev, ecbplus-dev;
   eval/corpora.py) goes through ``Narratrace.add`` into a fresh store (disk-cached encoder); its scored
   articles are read back as grouping reads them (``BatchCandidates.side``) and every pair of them gets
   ``group.similarity.pair_features``, with the term rarity the store gives (background plus its articles).
2. **Training pairs.** semeval-fit: its labelled pairs (Overall <= 1.5 one story, >= 2.5 not, as
   eval/calibrate_stories.py) and as many random pairs of its articles (not one story); ntrex-dev and
   ecbplus-dev: every pair of one gold event, the hardest pairs of two events under the base model and as
   many random ones. Each corpus weighs the same in a fit.
3. **Fit**, two ways, from the base model (the weights of the nine older features that
   eval/calibrate_stories.py fitted on SemEval's fit half; the new features' base is 0):
   *logistic*: a logistic regression over every feature, L2-penalised towards the base weights with
   strength ``--prior`` (``inf``: the older weights stay, only the new ones and the bias move), its join
   threshold the best on the training corpora; *clustering*: a coordinate search over the bias and the
   weights in ``SEARCHED`` that maximises the mean average-link BCubed F1 of the training corpora at the
   join threshold ``THRESHOLD`` (the bias takes the place of a threshold search). Average link over every
   pair of a corpus is the proxy of the pipeline, whose re-examination clusters the touched stories by
   average link (group/recluster.py): measured, the two agree within 0.01 F1 (docs/evaluation.md).
4. **LOCO.** The scored corpora are semeval-test, ntrex-dev and ecbplus-dev; semeval-fit is trained on
   in every fold (it is never scored). For each scored corpus a model is fitted without it and scored on
   it. The table also shows the base model, its threshold chosen the same way.
5. **Output.** ``DIR/fold-<corpus>.json`` per fold and ``DIR/all.json`` (fitted on semeval-fit, ntrex-dev
   and ecbplus-dev: the shipped candidate); ``--write`` installs all.json as
   narratrace/data/story_model.json. The pipeline's own LOCO figures: ``eval/run_all.py --fold-models DIR``.
   The models written here have no ``graded_blend``: ``eval/graded_blend.py --write`` chooses and adds it.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baselines import average_link, cut  # noqa: E402
from common import REPO, bcubed  # noqa: E402
from corpora import load  # noqa: E402
from harness import cached_encoder  # noqa: E402

from narratrace import Narratrace  # noqa: E402
from narratrace.group.candidates import BatchCandidates  # noqa: E402
from narratrace.group.lexical import BACKGROUND, TermRarity  # noqa: E402
from narratrace.group.similarity import FEATURES, language_means, pair_features, story_model  # noqa: E402
from narratrace.settings import Settings  # noqa: E402

SCORED = ("semeval-test", "ntrex-dev", "ecbplus-dev")
TRAIN = ("semeval-fit", "ntrex-dev", "ecbplus-dev")
#: features the base model (eval/calibrate_stories.py) has weights for; "days" keeps its prior
BASE_FROZEN = ("days",)
THRESHOLDS = tuple(round(0.25 + 0.025 * k, 3) for k in range(21))  # 0.25 .. 0.75
#: the join threshold of the clustering fit (its bias is fitted instead)
THRESHOLD = 0.5
#: what the clustering fit searches, with its first step (halved each round)
SEARCHED = {"bias": 0.5, "same_lang": 0.5, "doc_same_lang": 1.0, "names": 0.5, "numbers": 0.5, "lexical": 2.0,
            "lexical_same_lang": 2.0, "years_apart": 0.5, "no_names": 0.5,
            "unit_conflict": 0.5}
SEARCH_ROUNDS = 4
#: training pairs per dev corpus besides its positives: hardest negatives and as many random ones
NEGATIVES = 4000


# ------------------------------------------------------------------------------ features
def corpus_features(name: str, settings: Settings) -> dict[str, Any]:
    """Ids of the scored articles, their gold stories, the pair feature tensor (n x n x features), and
    the labelled pairs (semeval halves) as index pairs with Overall."""
    corpus = load(name)
    encoder = cached_encoder(settings.encoder)
    means = language_means(encoder.vector_space)
    with tempfile.TemporaryDirectory(prefix="narratrace-fit-") as tmp, \
            Narratrace(db=Path(tmp) / f"{name}.db", settings=settings, encoder=encoder) as nt:  # type: ignore[arg-type]
        nt.add(corpus.records)
        source = BatchCandidates(nt.store)
        stored = {a.id for a in nt.articles()}
        ids = sorted(a for a in corpus.gold if a in stored)
        source.prefetch(ids)
        sides = [source.side(a)[0] for a in ids]
        rarity = TermRarity.load(BACKGROUND, settings.stories.idf_sample_passages, settings.stories.idf_refresh_share)
        rarity.grouped(source)  # the store's counts, as grouping reads them
        n = len(ids)
        X = np.zeros((n, n, len(FEATURES)), np.float32)
        for i in range(n):
            for j in range(i + 1, n):
                f, _ = pair_features(sides[i], sides[j], means, rarity=rarity)
                X[i, j] = X[j, i] = [f[k] for k in FEATURES]
            if i % 100 == 0:
                print(f"  {name}: pairs of {i}/{n}", file=sys.stderr, flush=True)
    ix = {a: k for k, a in enumerate(ids)}
    labelled = [(ix[a], ix[b], o) for a, b, o in corpus.pairs if a in ix and b in ix]
    return {"ids": ids, "gold": [corpus.gold[a] for a in ids], "X": X, "labelled": labelled}


def all_features(settings: Settings, cache: Path | None) -> dict[str, dict[str, Any]]:
    if cache and cache.exists():
        with np.load(cache, allow_pickle=True) as data:
            saved = data["corpora"].item()
        if saved.get("features") == list(FEATURES):
            return saved["data"]
    out = {c: corpus_features(c, settings) for c in dict.fromkeys(TRAIN + SCORED)}
    if cache:
        np.savez(cache, corpora=np.array({"features": list(FEATURES), "data": out}, dtype=object))
    return out


# ------------------------------------------------------------------------------ training pairs
def training_pairs(name: str, data: dict[str, Any], base: dict[str, Any], rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    X, gold = data["X"], np.array(data["gold"])
    n = len(gold)
    iu = np.triu_indices(n, 1)
    if name.startswith("semeval"):
        pairs = [(i, j, 1.0 if o <= 1.5 else 0.0) for i, j, o in data["labelled"] if o <= 1.5 or o >= 2.5]
        same = gold[iu[0]] == gold[iu[1]]
        rand = rng.choice(np.flatnonzero(~same), len(pairs), replace=False)
        pairs += [(int(iu[0][k]), int(iu[1][k]), 0.0) for k in rand]
        rows = np.array([X[i, j] for i, j, _ in pairs])
        return rows, np.array([y for *_, y in pairs])
    same = gold[iu[0]] == gold[iu[1]]
    flat = X[iu]
    neg = np.flatnonzero(~same)
    hard = neg[np.argsort(-score(flat[neg], base), kind="stable")[:NEGATIVES]]
    rand = rng.choice(np.setdiff1d(neg, hard), min(NEGATIVES, len(neg) - len(hard)), replace=False)
    sel = np.concatenate([np.flatnonzero(same), hard, rand])
    return flat[sel], same[sel].astype(float)


def weights_of(model: dict[str, Any]) -> np.ndarray:
    return np.array([model["bias"]] + [model["weights"].get(f, 0.0) for f in FEATURES])


def score(X: np.ndarray, model: dict[str, Any] | np.ndarray) -> np.ndarray:
    w = weights_of(model) if isinstance(model, dict) else model
    return 1.0 / (1.0 + np.exp(-(w[0] + X @ w[1:])))


def fit(parts: list[tuple[np.ndarray, np.ndarray]], base: dict[str, Any], prior: float, iters: int = 40) -> np.ndarray:
    """Logistic regression (Newton) over every feature, L2 towards the base weights; each part (corpus)
    weighs 1000 pair units in all; the bias is free; frozen features keep their base weight."""
    X = np.vstack([p[0] for p in parts]).astype(np.float64)
    y = np.concatenate([p[1] for p in parts])
    wt = np.concatenate([np.full(len(p[1]), 1000.0 / len(p[1])) for p in parts])
    Xb = np.hstack([np.ones((len(X), 1)), X])
    w0 = weights_of(base)
    free = np.array([True] + [f not in BASE_FROZEN for f in FEATURES])
    if math.isinf(prior):  # the older features keep their weights: only the new ones and the bias move
        base_feats = set(base["weights"])
        free &= np.array([True] + [f not in base_feats for f in FEATURES])
        prior = 1.0
    w = w0.copy()
    reg = np.diag(np.r_[0.0, np.full(len(FEATURES), prior)])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(Xb @ w)))
        grad = Xb.T @ (wt * (p - y)) + reg @ (w - w0)
        hess = Xb.T @ (Xb * (wt * p * (1 - p))[:, None]) + reg
        step = np.zeros_like(w)
        step[free] = np.linalg.solve(hess[np.ix_(free, free)], grad[free])
        w -= step
    return w


def base_model(model: dict[str, Any]) -> dict[str, Any]:
    """The SemEval-fitted base of a model: its ``base`` when this script wrote it, else the model itself
    (as eval/calibrate_stories.py writes it)."""
    found = model.get("base", model)
    return {"bias": found["bias"], "weights": dict(found["weights"])}


def model_json(w: np.ndarray, fitted_on: list[str], method: str, threshold: float,
               base: dict[str, Any]) -> dict[str, Any]:
    return {"bias": round(float(w[0]), 4), "weights": {f: round(float(v), 4) for f, v in zip(FEATURES, w[1:])},
            "fitted_on": ", ".join(fitted_on) + " (eval/fit_story_model.py)",
            "label": ("weights that maximise the mean average-link BCubed F1 of the corpora at join_threshold"
                      if method == "clustering" else
                      "pairs of one gold story (SemEval: Overall <= 1.5) vs not (SemEval: Overall >= 2.5)"),
            "method": method, "priors": {"days": -6.0},
            "join_threshold": threshold, "base": base}


# ------------------------------------------------------------------------------ proxy evaluation
def clustering_f1(data: dict[str, Any], w: np.ndarray, thresholds: tuple[float, ...] = THRESHOLDS
                  ) -> dict[float, tuple[float, float, float]]:
    """Average-link BCubed (P, R, F1) at every threshold, over every pair of the corpus's scored articles."""
    P = score(data["X"], w)
    merges = average_link(P, floor=min(thresholds) - 1e-9)
    ids, gold = data["ids"], dict(zip(data["ids"], data["gold"]))
    return {t: bcubed({a: str(lab) for a, lab in zip(ids, cut(merges, len(ids), t))}, gold) for t in thresholds}


def search(data: dict[str, dict[str, Any]], train: list[str], start: np.ndarray) -> np.ndarray:
    """Coordinate search from ``start`` for the weights with the best mean F1 of ``train`` at ``THRESHOLD``:
    each searched weight moves by its step while that helps (by more than 1e-4), steps halve each round."""
    def objective(w: np.ndarray) -> float:
        return float(np.mean([clustering_f1(data[c], w, (THRESHOLD,))[THRESHOLD][2] for c in train]))

    index = {f: k + 1 for k, f in enumerate(FEATURES)} | {"bias": 0}
    w, best = start.copy(), objective(start)
    steps = dict(SEARCHED)
    for _ in range(SEARCH_ROUNDS):
        for name in SEARCHED:
            for sign in (1.0, -1.0):
                while True:
                    trial = w.copy()
                    trial[index[name]] += sign * steps[name]
                    value = objective(trial)
                    if value <= best + 1e-4:
                        break
                    w, best = trial, value
        steps = {k: v / 2 for k, v in steps.items()}
    return w


def choose_threshold(curves: dict[str, dict[float, tuple[float, float, float]]], on: list[str]) -> float:
    return max(THRESHOLDS, key=lambda t: (round(float(np.mean([curves[c][t][2] for c in on])), 4), -abs(t - 0.5)))


def loco(data: dict[str, dict[str, Any]], base: dict[str, Any], method: str, seed: int) -> dict[str, Any]:
    """Per scored corpus: the model fitted without it (``method``: "logistic <prior>" or "clustering"), its
    threshold, and its F1 on every corpus at that threshold; plus the all-corpora model ("all")."""
    rng = np.random.default_rng(seed)
    parts = {c: training_pairs(c, data[c], base, rng) for c in TRAIN}
    rows: dict[str, Any] = {}
    fitted: dict[tuple[str, ...], Any] = {}
    for held in SCORED + ("all",):
        train = [c for c in TRAIN if c != held]
        if tuple(train) not in fitted:
            if method == "clustering":
                w = search(data, train, weights_of(base))
                curves = {c: clustering_f1(data[c], w, (THRESHOLD,)) for c in dict.fromkeys(TRAIN + SCORED)}
                t = THRESHOLD
            else:
                prior = float(method.split()[1])
                w = fit([parts[c] for c in train], base, prior)
                curves = {c: clustering_f1(data[c], w) for c in dict.fromkeys(TRAIN + SCORED)}
                t = choose_threshold(curves, train)
            fitted[tuple(train)] = (w, t, {c: curves[c][t] for c in curves})
        w, t, scores = fitted[tuple(train)]
        rows[held] = {"train": train, "threshold": t, "model": model_json(w, train, method, t, base), "scores": scores}
        print(f"  {method}: fitted without {held}", file=sys.stderr, flush=True)
    return rows


def base_row(data: dict[str, dict[str, Any]], base: dict[str, Any]) -> dict[str, Any]:
    w = weights_of(base)
    curves = {c: clustering_f1(data[c], w) for c in dict.fromkeys(TRAIN + SCORED)}
    out = {}
    for held in SCORED:
        t = choose_threshold(curves, [c for c in TRAIN if c != held])
        out[held] = (t, curves[held][t])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--features-cache", type=Path, help="save the pair features here, or read them if there")
    ap.add_argument("--methods", default="logistic inf,clustering",
                    help='comma list: "logistic <L2 prior>" (inf: older weights kept), "clustering"')
    ap.add_argument("--out-dir", type=Path, default=REPO / "eval" / "models", help="where the models go")
    ap.add_argument("--choose", help="the method whose models are written (default: the best LOCO mean)")
    ap.add_argument("--write", action="store_true", help="install the chosen all.json as the shipped model")
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()

    settings = Settings.load()
    data = all_features(settings, args.features_cache)
    base = base_model(story_model())
    print("## LOCO, average-link proxy: BCubed P / R / F1 of each scored corpus under the model fitted without "
          "it, @ its threshold\n")
    print("| model | " + " | ".join(SCORED) + " | mean |\n|---|" + "---|" * (len(SCORED) + 1))
    b = base_row(data, base)
    print("| base (the nine SemEval-fitted weights) | " + " | ".join(
        f"{b[c][1][0]:.3f} / {b[c][1][1]:.3f} / **{b[c][1][2]:.3f}** @ {b[c][0]}" for c in SCORED)
        + f" | {np.mean([b[c][1][2] for c in SCORED]):.3f} |")
    results = {}
    for method in [m.strip() for m in args.methods.split(",") if m.strip()]:
        rows = results[method] = loco(data, base, method, args.seed)
        mean = np.mean([rows[c]["scores"][c][2] for c in SCORED])
        print(f"| {method} | " + " | ".join(
            f"{rows[c]['scores'][c][0]:.3f} / {rows[c]['scores'][c][1]:.3f} / **{rows[c]['scores'][c][2]:.3f}** "
            f"@ {rows[c]['threshold']}" for c in SCORED) + f" | {mean:.3f} |", flush=True)
    choice = args.choose or max(results, key=lambda m: np.mean([results[m][c]["scores"][c][2] for c in SCORED]))
    rows = results[choice]
    print(f"\nThe {choice} model fitted on {', '.join(TRAIN)} (all.json), on every corpus (in-sample for all but "
          "semeval-test): " + ", ".join(f"{c} {v[2]:.3f}" for c, v in rows["all"]["scores"].items()))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for held, row in rows.items():
        name = "all.json" if held == "all" else f"fold-{held}.json"
        (args.out_dir / name).write_text(json.dumps(row["model"], indent=2) + "\n")
    print(f"models of {choice} -> {args.out_dir}; all.json: threshold {rows['all']['threshold']}, "
          + ", ".join(f"{k} {v:+.3f}" for k, v in rows["all"]["model"]["weights"].items())
          + f", bias {rows['all']['model']['bias']:+.3f}")
    if args.write:
        shipped = REPO / "narratrace" / "data" / "story_model.json"
        had_blend = shipped.exists() and "graded_blend" in json.loads(shipped.read_text())
        shipped.write_text(json.dumps(rows["all"]["model"], indent=2) + "\n")
        print("installed as narratrace/data/story_model.json")
        if had_blend:
            # the fit knows nothing of the blend; leaving it out silently would change cross-language joins
            print(f"WARNING: the model replaced had a graded_blend, the new one has none. Choose and add it "
                  f"again: python eval/graded_blend.py --features-cache {args.features_cache or 'F.npz'} "
                  "--write, then copy eval/models/all.json to narratrace/data/story_model.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
