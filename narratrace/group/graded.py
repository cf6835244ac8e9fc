"""A graded same-story score: how much of one story two articles share, in [0, 1].

Story grouping needs a *decision* (``similarity.score_features``: the probability that two articles
are one story, thresholded at the join). ``compare`` reports a *degree*: SemEval-2022 Task 8 annotators
rated pairs from 1 (same story) to 4 (unrelated), and a probability fitted on "same or not" ranks the
middle of that scale poorly (Pearson with -Overall 0.728 on the test half). This score is a small
regression head fitted on the Overall ratings of the fit half (``eval/fit_graded_score.py``) over
  * the grouping stage's pair features (``similarity.pair_features``), except the dates, which SemEval
    pairs almost never have,
  * statistics of the passage similarity matrix (centred and raw): the best pair, how much of each
    article finds a counterpart (both ways, at two levels), the lead passages (headline and first
    paragraph), the mean of the three best pairs and of the whole matrix,
  * character 4-gram cosine of the two texts and of their leads (same language only: exact wording),
    the texts' lengths and passage counts, and which of the task's languages the pair is in,
  * counts of the name keys and numbers the two share (Jaccard, share of the smaller set, log count),
    besides the grouping's rarity-weighted ``names`` and ``numbers``.
The head (a ridge regression and small ReLU networks, averaged; weights in ``data/graded_score.npz``,
read with numpy) predicts Overall; the score is ``(4 - Overall) / 3`` clipped to [0, 1]: 1 the same
story, 0 unrelated. Every feature is symmetric, so ``score(a, b) == score(b, a)``.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from ..paths import DATA_DIR

#: the grouping features the head reads (``similarity.FEATURES`` without ``days`` and ``dated``)
PAIR_INPUTS = ("doc", "aligned", "top", "numbers", "names", "same_lang", "doc_same_lang", "lexical",
               "lexical_same_lang", "years_apart", "no_names", "unit_conflict")
MATRIX_INPUTS = ("best", "cover_min", "cover_max", "lead", "lead_best", "top3", "mean", "raw_doc", "raw_best",
                 "passages", "passages_diff", "matched_min", "matched_max", "touched_min", "raw_cover_min")
#: the languages of SemEval-2022 Task 8 (a pair counts each side that is in one)
LANGUAGES = ("en", "de", "es", "tr", "zh", "pl", "fr", "it", "ar", "ru")
CLUE_INPUTS = ("names_jaccard", "names_share", "names_shared", "numbers_jaccard", "numbers_shared")
TEXT_INPUTS = ("grams", "lead_grams", "length") + CLUE_INPUTS + tuple(f"lang_{x}" for x in LANGUAGES)
INPUTS = PAIR_INPUTS + MATRIX_INPUTS + TEXT_INPUTS
#: centred passage similarity above which a passage counts as matched / touched
MATCHED, TOUCHED = 0.5, 0.3
#: character n-gram length of ``grams``
GRAM = 4
MODEL_FILE = "graded_score.npz"


class Side(Protocol):
    """What the head reads of one article (``similarity.Side``; a protocol, so that similarity can blend
    this score into its joins without an import cycle)."""

    lang: str | None
    vectors: np.ndarray
    texts: Sequence[str]

    def centred(self, means: dict[str, np.ndarray] | None) -> np.ndarray: ...

    @property
    def names(self) -> set[str]: ...

    @property
    def numbers(self) -> set[str]: ...


def _mean(x: np.ndarray) -> float:
    """``float(x.mean())`` (the same sum, divided the same way) without ``np.mean``'s overhead, which was
    half the cost of a graded score at join time."""
    return float(x.sum() / x.size)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(1e-12, float(np.linalg.norm(v)))


@lru_cache(maxsize=4096)
def _grams(text: str) -> tuple[dict[str, int], float]:
    """Character ``GRAM``-grams of a text (lower-cased, spaces collapsed) and their norm."""
    t = " ".join(text.lower().split())
    counts = dict(Counter(t[i:i + GRAM] for i in range(len(t) - GRAM + 1)))
    return counts, float(np.sqrt(sum(c * c for c in counts.values())))


def gram_cosine(a: str, b: str) -> float:
    """Cosine of the character 4-gram counts of two texts."""
    (ga, na), (gb, nb) = _grams(a), _grams(b)
    if not na or not nb:
        return 0.0
    small, large = (ga, gb) if len(ga) <= len(gb) else (gb, ga)
    return sum(c * large.get(k, 0) for k, c in small.items()) / (na * nb)


def graded_inputs(a: Side, b: Side, pair: dict[str, float], means: dict[str, np.ndarray] | None) -> np.ndarray:
    """The head's input vector (``INPUTS``) for a pair whose grouping features are ``pair``."""
    x = dict.fromkeys(INPUTS, 0.0)
    for k in PAIR_INPUTS:
        x[k] = float(pair.get(k, 0.0))
    A, B = a.centred(means), b.centred(means)
    if len(A) and len(B):
        S, R = A @ B.T, a.vectors @ b.vectors.T
        rows, cols = S.max(1), S.max(0)
        cover = sorted((_mean(rows), _mean(cols)))
        matched = sorted((_mean(rows > MATCHED), _mean(cols > MATCHED)))
        x.update(best=float(S.max()), cover_min=cover[0], cover_max=cover[1], lead=float(S[0, 0]),
                 lead_best=float(max(S[0].max(), S[:, 0].max())),
                 top3=_mean(np.sort(S, axis=None)[::-1][:3]), mean=_mean(S),
                 raw_doc=float(_unit(a.vectors.mean(0)) @ _unit(b.vectors.mean(0))), raw_best=float(R.max()),
                 passages=float(np.log1p(len(A)) + np.log1p(len(B))),
                 passages_diff=abs(float(np.log1p(len(A)) - np.log1p(len(B)))),
                 matched_min=matched[0], matched_max=matched[1],
                 touched_min=min(_mean(rows > TOUCHED), _mean(cols > TOUCHED)),
                 raw_cover_min=min(_mean(R.max(1)), _mean(R.max(0))))
    text_a, text_b = " ".join(a.texts), " ".join(b.texts)
    if a.lang and a.lang == b.lang and a.texts and b.texts:
        x["grams"] = gram_cosine(text_a, text_b)
        x["lead_grams"] = gram_cosine(a.texts[0], b.texts[0])
    x["length"] = float(np.log1p(len(text_a)) + np.log1p(len(text_b)))
    shared_names, shared_numbers = a.names & b.names, a.numbers & b.numbers
    x["names_jaccard"] = len(shared_names) / max(1, len(a.names | b.names))
    x["names_share"] = len(shared_names) / max(1, min(len(a.names), len(b.names)))
    x["names_shared"] = float(np.log1p(len(shared_names)))
    x["numbers_jaccard"] = len(shared_numbers) / max(1, len(a.numbers | b.numbers))
    x["numbers_shared"] = float(np.log1p(len(shared_numbers)))
    for lang in LANGUAGES:
        x[f"lang_{lang}"] = float(a.lang == lang) + float(b.lang == lang)
    return np.array([x[k] for k in INPUTS], np.float64)


@lru_cache(maxsize=1)
def graded_model() -> dict[str, np.ndarray]:
    """The shipped head: input scaling, ridge weights and the networks' layers (eval/fit_graded_score.py),
    with the networks' layers stacked once (``stacked_networks``)."""
    with (DATA_DIR / MODEL_FILE).open("rb") as fh, np.load(fh) as data:
        model = {k: data[k] for k in data.files}
    if tuple(str(k) for k in model["inputs"]) != INPUTS:
        raise RuntimeError(f"{MODEL_FILE} was fitted on other inputs; refit it with eval/fit_graded_score.py")
    return model | dict(zip(STACKED, stacked_networks(model)))


#: the stacked layers ``graded_model`` keeps beside the file's arrays
STACKED = ("_w1", "_b1", "_w2", "_b2")


def stacked_networks(model: dict[str, Any]) -> tuple[np.ndarray, ...]:
    """Every network's layers side by side (first layers inputs x networks*hidden; second layers
    networks x hidden): one matrix product for all of them, which a pair at join time needs to be cheap."""
    if all(k in model for k in STACKED):
        return tuple(model[k] for k in STACKED)
    nets = range(int(model["networks"]))
    return (np.hstack([model[f"net{k}_w1"] for k in nets]), np.concatenate([model[f"net{k}_b1"] for k in nets]),
            np.stack([model[f"net{k}_w2"] for k in nets]), np.array([model[f"net{k}_b2"] for k in nets]))


def predict_overall(X: np.ndarray, model: dict[str, Any]) -> np.ndarray:
    """The head's predicted Overall rating (1 same story .. 4 unrelated) of each row of ``X`` (n x inputs):
    the mean of the ridge's and every network's prediction."""
    Z = np.clip((X - model["mean"]) / model["scale"], -model["clip"], model["clip"])
    ridge = Z @ model["ridge_w"] + model["ridge_b"]
    if not int(model["networks"]):  # a ridge-only head (``eval/fit_graded_score.py``'s comparison)
        return np.clip(ridge, 1.0, 4.0)
    w1, b1, w2, b2 = stacked_networks(model)
    hidden = np.maximum(Z @ w1 + b1, 0.0).reshape(len(Z), len(w2), -1)
    networks = (hidden * w2).sum(axis=2) + b2
    return np.clip((ridge + networks.sum(axis=1)) / (1 + len(w2)), 1.0, 4.0)


def graded_score(a: Side, b: Side, pair: dict[str, float], means: dict[str, np.ndarray] | None) -> float:
    """How much two articles are one story, 1 (same story) .. 0 (unrelated): the predicted SemEval
    Overall rating mapped linearly, so its Pearson correlation with the human ratings is the head's."""
    overall = float(predict_overall(graded_inputs(a, b, pair, means)[None, :], graded_model())[0])
    return (4.0 - overall) / 3.0
