"""A story model's ``graded_blend`` (similarity.same_story_score): a cross-language pair whose probability
lies in the window moves towards compare's graded score; other pairs keep the probability."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from narratrace.errors import ConfigError
from narratrace.group.graded import graded_score
from narratrace.group.similarity import (
    Side,
    language_means,
    load_story_model,
    pair_features,
    same_story_score,
    score_features,
    story_model,
)

TEXTS_A = ["Floods closed 14 roads in Valencia on Monday, officials said.",
           "The mayor said 300 people left their homes.", "More rain is expected by Friday."]
TEXTS_B = ["Überschwemmungen sperrten am Montag 14 Straßen in Valencia.", "300 Menschen verließen ihre Häuser."]


def _side(name: str, lang: str, texts: list[str], seed: int) -> Side:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((len(texts), 384)).astype(np.float32)
    return Side(name, lang, None, v / np.linalg.norm(v, axis=1, keepdims=True), texts)


def _unblended() -> dict:
    return {k: v for k, v in story_model().items() if k != "graded_blend"}


def _model(weight: float, window: tuple[float, float]) -> dict:
    return dict(_unblended(), graded_blend={"weight": weight, "window": list(window), "pairs": "across languages"})


def test_cross_language_pair_in_the_window_moves_towards_the_graded_score():
    means = language_means("multilingual-e5-small")
    a, b = _side("a", "en", TEXTS_A, 1), _side("b", "de", TEXTS_B, 2)
    feats = pair_features(a, b, means)[0]
    p, g = score_features(feats, _unblended()), graded_score(a, b, feats, means)
    assert abs(g - p) > 1e-3  # else the test could not tell the two apart
    blended, evidence = same_story_score(a, b, _model(0.25, (0.0, 1.0)), means)
    assert blended == pytest.approx(p + 0.25 * (g - p))
    assert evidence["graded"] == pytest.approx(g, abs=1e-4)
    assert same_story_score(b, a, _model(0.25, (0.0, 1.0)), means)[0] == pytest.approx(blended)
    # outside the window, or without a blend, the probability stands
    assert same_story_score(a, b, _model(0.25, (p + 0.01, 1.0)), means)[0] == pytest.approx(p)
    assert same_story_score(a, b, _unblended(), means)[0] == pytest.approx(p)


def test_same_language_pair_keeps_its_probability():
    means = language_means("multilingual-e5-small")
    a, b = _side("a", "en", TEXTS_A, 1), _side("c", "en", TEXTS_A[:2], 3)
    p = score_features(pair_features(a, b, means)[0], _unblended())
    score, evidence = same_story_score(a, b, _model(1.0, (0.0, 1.0)), means)
    assert score == pytest.approx(p) and "graded" not in evidence


def test_a_blend_without_weight_or_window_is_refused(tmp_path: Path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(dict(_unblended(), graded_blend={"weight": 0.3})))
    with pytest.raises(ConfigError, match="graded_blend"):
        load_story_model(str(path))
    path.write_text(json.dumps(_model(0.3, (0.15, 0.85))))
    assert load_story_model(str(path))["graded_blend"]["weight"] == 0.3
