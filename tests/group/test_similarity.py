"""group/similarity.py: sides prepared in one pass score as sides prepared one at a time."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from narratrace.group.similarity import Side, prepare_sides, same_story_score

LANGS = ("en", "ar", "xx", None)  # "xx": no mean of its own, the all-language one


def _means(dim: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {k: rng.normal(size=dim).astype(np.float32) * 0.1 for k in ("en", "ar", "_all")}


def _side(i: int, lang: str | None, n: int, dim: int, seed: int) -> Side:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return Side(f"a{i}", lang, None, v, [f"Text {i} part {k} about Hasakah 750" for k in range(n)])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LANGS), st.integers(0, 5)), min_size=1, max_size=8),
       st.booleans(), st.integers(0, 10_000))
def test_similarity_prepare_sides_matches_one_side_at_a_time(shapes, with_means, seed):
    dim = 16
    means = _means(dim) if with_means else None
    batch = [_side(i, lang, n, dim, seed + i) for i, (lang, n) in enumerate(shapes)]
    alone = [_side(i, lang, n, dim, seed + i) for i, (lang, n) in enumerate(shapes)]
    batch[0].centred(means)  # a side already centred (the new article) is prepared too
    prepare_sides(batch + batch[:1], means)  # a side given twice is prepared once
    for b, a in zip(batch, alone):
        np.testing.assert_allclose(b.centred(means), a.centred(means), atol=1e-6)
        if len(a.vectors):
            np.testing.assert_allclose(b.centred_mean(means), a.centred_mean(means), atol=1e-6)
    for b, a in zip(batch[1:], alone[1:]):
        assert abs(same_story_score(batch[0], b, means=means)[0]
                   - same_story_score(alone[0], a, means=means)[0]) < 1e-6
