"""The graded same-story score (group/graded.py): its inputs, the shipped head, symmetry."""
from __future__ import annotations

import numpy as np
import pytest

from narratrace.group.graded import INPUTS, graded_inputs, graded_model, graded_score, gram_cosine, predict_overall
from narratrace.group.similarity import Side, language_means, pair_features

TEXTS_A = ["Floods closed 14 roads in Valencia on Monday, officials said.",
           "The mayor said 300 people left their homes.", "More rain is expected by Friday."]
TEXTS_B = ["A court in Lyon ruled on the port contract.", "The judge spoke for two hours."]


def _side(name: str, lang: str, texts: list[str], seed: int) -> Side:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((len(texts), 384)).astype(np.float32)
    return Side(name, lang, None, v / np.linalg.norm(v, axis=1, keepdims=True), texts)


def test_gram_cosine():
    assert gram_cosine("Floods in Valencia", "floods  in VALENCIA") == pytest.approx(1.0)
    assert gram_cosine("abcdefgh", "ijklmnop") == 0.0
    assert gram_cosine("", "anything") == 0.0
    assert 0.0 < gram_cosine(TEXTS_A[0], TEXTS_A[0] + " Roads reopened.") < 1.0


def test_inputs_and_score_are_symmetric():
    means = language_means("multilingual-e5-small")
    a, b = _side("a", "en", TEXTS_A, 1), _side("b", "de", TEXTS_B, 2)
    feats_ab, feats_ba = pair_features(a, b, means)[0], pair_features(b, a, means)[0]
    x_ab, x_ba = graded_inputs(a, b, feats_ab, means), graded_inputs(b, a, feats_ba, means)
    assert x_ab.shape == (len(INPUTS),)
    np.testing.assert_allclose(x_ab, x_ba, atol=1e-6)
    assert graded_score(a, b, feats_ab, means) == pytest.approx(graded_score(b, a, feats_ba, means), abs=1e-9)


def test_same_language_wording_counts_only_within_one_language():
    means = language_means("multilingual-e5-small")
    a, same = _side("a", "en", TEXTS_A, 1), _side("c", "en", TEXTS_A, 3)
    other = _side("d", "de", TEXTS_A, 3)
    col = INPUTS.index("grams")
    assert graded_inputs(a, same, pair_features(a, same, means)[0], means)[col] == pytest.approx(1.0)
    assert graded_inputs(a, other, pair_features(a, other, means)[0], means)[col] == 0.0


def test_shipped_head_reads_its_inputs_and_stays_on_the_scale():
    model = graded_model()
    assert tuple(str(k) for k in model["inputs"]) == INPUTS
    X = np.random.default_rng(0).normal(0.0, 50.0, (200, len(INPUTS)))  # far outside anything fitted
    pred = predict_overall(X, model)
    assert pred.min() >= 1.0 and pred.max() <= 4.0
    # the ridge part alone: a pair that looks more alike on the strongest inputs is rated nearer 1
    base = model["mean"].copy()
    closer = base.copy()
    for k in ("doc", "top", "lead_best", "best"):
        closer[INPUTS.index(k)] += model["scale"][INPUTS.index(k)]
    assert predict_overall(closer[None], model)[0] < predict_overall(base[None], model)[0]


def test_a_ridge_only_head_predicts_the_ridge_clipped_to_the_scale():
    """eval/fit_graded_score.py compares the shipped head with a ridge-only one (``networks`` 0)."""
    n = len(INPUTS)
    head = {"mean": np.zeros(n), "scale": np.ones(n), "clip": np.float64(5.0), "ridge_w": np.full(n, 0.1),
            "ridge_b": np.float64(2.0), "networks": np.int64(0)}
    X = np.stack([np.zeros(n), np.ones(n), np.full(n, -10.0)])
    assert predict_overall(X, head) == pytest.approx([2.0, min(4.0, 2.0 + 0.1 * n), 1.0])
