"""Does compare's graded score help the story decision? (issue 14) The average-link proxy of
eval/fit_story_model.py, with each pair's probability moved towards the graded score near the threshold.

    python eval/graded_blend.py --features-cache F.npz [--pairs cross|all] [--models DIR] [--write]

``F.npz`` is eval/fit_story_model.py's pair-feature cache (it is made there when missing). Each corpus is
ingested again as that script does, to read the articles' sides; for every pair whose probability under
any model of ``DIR`` lies in ``(LOWEST, 1 - LOWEST)`` (and, with ``--pairs cross``, whose two articles are
in different languages) the graded score ``g`` (group/graded.py, fitted on SemEval's fit half only) is
computed, and the blended score is ``p + weight * (g - p)`` where ``window[0] < p < window[1]``, ``p``
elsewhere, as ``similarity.same_story_score`` does for a model with a ``graded_blend``.
Average link over every pair at the join threshold (0.5), BCubed F1 of every corpus under each model,
for every weight and window; per scored corpus, the weight and window chosen on the other training
corpora under its fold model (leave-one-corpus-out). ``--write`` adds the chosen ``graded_blend`` to each
model of ``DIR`` (all.json: chosen on every training corpus).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baselines import average_link, cut  # noqa: E402
from common import REPO, bcubed  # noqa: E402
from corpora import load  # noqa: E402
from fit_story_model import SCORED, THRESHOLD, TRAIN, all_features, score  # noqa: E402
from harness import cached_encoder  # noqa: E402

from narratrace import Narratrace  # noqa: E402
from narratrace.group.candidates import BatchCandidates  # noqa: E402
from narratrace.group.graded import graded_inputs, graded_model, predict_overall  # noqa: E402
from narratrace.group.similarity import FEATURES, Side, language_means  # noqa: E402
from narratrace.settings import Settings  # noqa: E402

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
#: at equal proxy F1 the first is chosen: in the pipeline the narrower window, though it grades fewer pairs,
#: dropped ntrex-dev 0.985 -> 0.983 where the wider kept it (docs/evaluation.md)
WINDOWS = ((0.15, 0.85), (0.25, 0.75))
#: the widest window's lower edge: pairs outside every window are never graded
LOWEST = min(w[0] for w in WINDOWS)


def corpus_sides(name: str, settings: Settings) -> tuple[list[str], list[Side]]:
    """The scored articles' ids and sides, read back as grouping reads them (as fit_story_model does)."""
    corpus = load(name)
    encoder = cached_encoder(settings.encoder)
    with tempfile.TemporaryDirectory(prefix="narratrace-blend-") as tmp, \
            Narratrace(db=Path(tmp) / f"{name}.db", settings=settings, encoder=encoder) as nt:
        nt.add(corpus.records)
        source = BatchCandidates(nt.store)
        stored = {a.id for a in nt.articles()}
        ids = sorted(a for a in corpus.gold if a in stored)
        source.prefetch(ids)
        return ids, [source.side(a)[0] for a in ids]


def graded_pairs(data: dict[str, Any], sides: list[Side], models: dict[str, dict[str, Any]], cross: bool,
                 means: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    """Index pairs (i < j) that some model's window may blend, and their graded scores."""
    X, n = data["X"], len(sides)
    iu = np.triu_indices(n, 1)
    P = np.array([score(X[iu], m) for m in models.values()])
    keep = ((P > LOWEST) & (P < 1 - LOWEST)).any(0)
    if cross:
        keep &= X[iu][:, FEATURES.index("same_lang")] == 0
    sel = np.flatnonzero(keep)
    rows = [graded_inputs(sides[i], sides[j], dict(zip(FEATURES, map(float, X[i, j]))), means)
            for i, j in zip(iu[0][sel].tolist(), iu[1][sel].tolist())]
    g = (4.0 - predict_overall(np.array(rows), graded_model())) / 3.0 if rows else np.zeros(0)
    return {"i": iu[0][sel], "j": iu[1][sel], "g": g}


def blended_f1(data: dict[str, Any], graded: dict[str, np.ndarray], model: dict[str, Any], weight: float,
               window: tuple[float, float]) -> tuple[float, float, float]:
    P = score(data["X"], model).astype(np.float64)
    i, j, g = graded["i"], graded["j"], graded["g"]
    p = P[i, j]
    s = p + weight * (g - p) * ((p > window[0]) & (p < window[1]))
    P[i, j], P[j, i] = s, s
    labels = cut(average_link(P, floor=THRESHOLD - 1e-9), len(data["ids"]), THRESHOLD)
    return bcubed({a: str(lab) for a, lab in zip(data["ids"], labels)}, dict(zip(data["ids"], map(str, data["gold"]))))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--features-cache", type=Path, required=True, help="fit_story_model.py's pair-feature cache")
    ap.add_argument("--pairs", choices=("cross", "all"), default="cross", help="blend cross-language pairs or all")
    ap.add_argument("--models", type=Path, default=REPO / "eval" / "models", help="all.json and fold-<corpus>.json")
    ap.add_argument("--write", action="store_true", help="add the chosen graded_blend to the models of --models")
    args = ap.parse_args()

    settings = Settings.load()
    data = all_features(settings, args.features_cache)
    names = ["all"] + [f"fold-{c}" for c in SCORED]
    models = {m: json.loads((args.models / f"{m}.json").read_text("utf-8")) for m in names}
    corpora = list(dict.fromkeys(TRAIN + SCORED))
    means = language_means(cached_encoder(settings.encoder).vector_space)
    graded = {}
    for c in corpora:
        ids, sides = corpus_sides(c, settings)
        if ids != data[c]["ids"]:
            raise SystemExit(f"{c}: the features cache holds other articles; remake it with fit_story_model.py")
        graded[c] = graded_pairs(data[c], sides, models, args.pairs == "cross", means)
        print(f"  {c}: {len(graded[c]['g'])} pairs graded", file=sys.stderr, flush=True)
    grid = [(w, win) for win in WINDOWS for w in WEIGHTS if w or win == WINDOWS[0]]
    f1 = {(m, c, w, win): blended_f1(data[c], graded[c], models[m], w, win)[2]
          for m in names for c in corpora for w, win in grid}
    print(f"## Average-link BCubed F1 @ {THRESHOLD}, {args.pairs} pairs blended: weight @ window\n")
    print("| model | corpus | " + " | ".join(f"{w} @ {win[0]}-{win[1]}" for w, win in grid) + " |\n|---|---|"
          + "---|" * len(grid))
    for m in names:
        for c in corpora:
            print(f"| {m} | {c} | " + " | ".join(f"{f1[(m, c, w, win)]:.3f}" for w, win in grid) + " |")
    print("\n## Leave-one-corpus-out: the weight and window chosen on the fold's training corpora\n")
    chosen = {}
    for m in names:
        held = m.removeprefix("fold-")
        train = [c for c in TRAIN if c != held]
        chosen[m] = max(grid, key=lambda k: (round(float(np.mean([f1[(m, c, *k)] for c in train])), 4), -k[0]))
        if held in SCORED:
            print(f"- {held}: weight {chosen[m][0]} @ {chosen[m][1]} (training mean "
                  f"{np.mean([f1[(m, c, *chosen[m])] for c in train]):.4f}); held out "
                  f"{f1[(m, held, 0.0, WINDOWS[0])]:.3f} -> **{f1[(m, held, *chosen[m])]:.3f}**")
        else:
            print(f"- all.json: weight {chosen[m][0]} @ {chosen[m][1]}, on every corpus: " + ", ".join(
                f"{c} {f1[(m, c, 0.0, WINDOWS[0])]:.3f} -> {f1[(m, c, *chosen[m])]:.3f}" for c in corpora))
    if args.write:
        for m, (w, win) in chosen.items():
            model = dict(models[m])
            model.pop("graded_blend", None)
            if w:
                model["graded_blend"] = {"weight": w, "window": list(win),
                                         "pairs": "across languages" if args.pairs == "cross" else "every pair"}
            (args.models / f"{m}.json").write_text(json.dumps(model, indent=2) + "\n")
        print(f"graded_blend written to the models in {args.models}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
