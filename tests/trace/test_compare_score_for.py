"""compare_vectors(score_for=...): the relations a caller keeps get their same-story score, the others none,
and the relation and its evidence do not depend on it."""
from __future__ import annotations

import numpy as np

from narratrace.model import Article
from narratrace.trace.compare import Unit, compare_vectors

TEXT = ["Floods closed 14 roads in Valencia on Monday.", "The mayor said 300 people left their homes.",
        "More rain is expected by Friday, officials said."]


def _pair(same: bool) -> tuple[Article, Article, list[Unit], list[Unit], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    va = rng.standard_normal((3, 16)).astype(np.float32)
    va /= np.linalg.norm(va, axis=1, keepdims=True)
    vb = va.copy() if same else rng.standard_normal((3, 16)).astype(np.float32)
    vb /= np.linalg.norm(vb, axis=1, keepdims=True)
    texts_b = TEXT if same else ["A court ruling in Lyon.", "The judge spoke for 2 hours.", "Nobody was hurt."]
    a = Article(id="a", text="\n".join(TEXT), lang="en", outlet="a.example", published="2024-10-30")
    b = Article(id="b", text="\n".join(texts_b), lang="en", outlet="b.example", published="2024-10-30")
    return (a, b, [Unit(i, t) for i, t in enumerate(TEXT)], [Unit(i, t) for i, t in enumerate(texts_b)], va, vb)


def test_score_only_for_the_relations_asked():
    for same in (True, False):
        full = compare_vectors(*_pair(same))
        assert isinstance(full["score"], float)
        kept = compare_vectors(*_pair(same), score_for={full["relation"]})
        assert kept == full
        skipped = compare_vectors(*_pair(same), score_for=())
        assert skipped["score"] is None and skipped["same_story_features"] == {}
        assert {k: v for k, v in skipped.items() if k not in ("score", "same_story_features")} == \
            {k: v for k, v in full.items() if k not in ("score", "same_story_features")}
    assert compare_vectors(*_pair(True))["relation"] != compare_vectors(*_pair(False))["relation"]
