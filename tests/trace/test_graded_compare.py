"""compare's graded same-story score (group.graded) on the seeds, with the real encoder."""
from __future__ import annotations

from narratrace.trace.compare import compare


def test_graded_score_orders_translation_same_story_unrelated(seeds, encoder):
    """000 and 001 are translations, 002 an independent report of the same news, 004 another story."""
    r = {p: compare(seeds[p[0]], seeds[p[1]], encoder) for p in (("000", "001"), ("000", "002"), ("000", "004"))}
    translation, same, unrelated = (r[p]["score"] for p in (("000", "001"), ("000", "002"), ("000", "004")))
    assert translation > same > unrelated
    # 004 reports on the same war (US forces, ISIS, Syria), not the same event: rated nearer "unrelated"
    assert translation > 0.7 and unrelated < 0.5
    for res in r.values():  # the grouping stage's probability stays beside it, in [0, 1]
        assert 0.0 <= res["score"] <= 1.0 and 0.0 <= res["story_probability"] <= 1.0


def test_graded_score_is_symmetric(seeds, encoder):
    ab, ba = compare(seeds["000"], seeds["002"], encoder), compare(seeds["002"], seeds["000"], encoder)
    assert abs(ab["score"] - ba["score"]) < 1e-3
