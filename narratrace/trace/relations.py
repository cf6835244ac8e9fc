"""Relation between two articles from their alignment, with coverage both ways and reasons.

Relations, strongest first:

- ``translation``: most of the shorter article is aligned, in order, by
  translation-strength beads (high margin, steady length ratio);
- ``partial_translation``: translation-strength beads cover an excerpt of at
  least one side; the other side may add or drop material;
- ``rewrite``: a real share of both articles matches at topic strength, and they
  share anchors (numbers, cited sources): same facts, own wording;
- ``same_story``: some matching plus shared anchors, or a broad match;
- ``unrelated``.

All thresholds live in :class:`RelationThresholds`; how they were chosen is in
docs/provenance.md (seeds 000-004 and Tatoeba derivatives).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..group.features import numbers  # noqa: F401  (re-exported: one number extractor for every stage)
from .align import Alignment

RELATIONS = ("translation", "partial_translation", "rewrite", "same_story", "unrelated")


@dataclass(frozen=True)
class RelationThresholds:
    """Decision thresholds, measured (docs/provenance.md).

    Translation beads (000/001, Tatoeba ind/pes-eng) had a mean margin 0.19-0.40,
    mean centred cosine 0.46-0.70 and log length-ratio spread 0.11-0.27; topical
    matches between different articles had mean margin 0.08-0.13, cosine 0.24-0.39.
    """

    #: mean bead margin and centred cosine for translation-strength beads
    translation_margin: float = 0.15
    translation_sim: float = 0.40
    #: spread (std) of log character-length ratios across beads; translations keep a steady ratio
    max_length_ratio_std: float = 0.45
    #: share of the shorter article aligned for a full translation
    translation_coverage: float = 0.75
    #: share of the longer article aligned for a full translation; below it one side is an excerpt
    #: (dropping a third of the sentences gives 0.67; 001 against 000 is 0.82)
    translation_coverage_long: float = 0.7
    #: beads needed before calling anything a (partial) translation or rewrite
    min_beads: int = 3
    #: share of at least one side aligned for a partial translation
    partial_coverage: float = 0.25
    #: mean bead margin for topic-strength matching (rewrite / same story)
    topic_margin: float = 0.07
    #: share of the shorter article aligned for a rewrite
    rewrite_coverage: float = 0.35
    #: share of the shorter article aligned for same_story without shared anchors
    same_story_coverage: float = 0.5


@dataclass(frozen=True)
class ScoreWeights:
    """Logistic combination for ``score`` (same-story likelihood); see docs/provenance.md."""

    bias: float = -4.0
    coverage: float = 4.0      # mean of coverage_a and coverage_b
    margin: float = 14.0       # mean bead margin
    anchors: float = 1.2       # shared numbers / sources, capped at 3, divided by 3


@dataclass
class Relation:
    """A relation with everything that supports it."""

    relation: str
    score: float
    coverage_a: float
    coverage_b: float
    direction: str = "undetermined"
    reasons: list[str] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"relation": self.relation, "score": round(self.score, 4), "coverage_a": round(self.coverage_a, 4),
                "coverage_b": round(self.coverage_b, 4), "direction": self.direction, "reasons": self.reasons,
                "features": self.features}


def bead_features(al: Alignment, lengths_a: Sequence[int], lengths_b: Sequence[int]) -> dict[str, float]:
    """Strength and length-ratio steadiness of the beads; ``al`` must use positions as ids."""
    if not al.pairs:
        return {"beads": 0, "mean_margin": 0.0, "mean_sim": 0.0, "length_ratio_std": 0.0}
    ratios = []
    for p in al.pairs:
        la = sum(lengths_a[x] for x in p.a)
        lb = sum(lengths_b[x] for x in p.b)
        ratios.append(math.log(max(la, 1) / max(lb, 1)))
    return {"beads": len(al.pairs), "mean_margin": float(np.mean([p.score for p in al.pairs])),
            "mean_sim": float(np.mean([p.sim for p in al.pairs])),
            "length_ratio_std": float(np.std(ratios))}


def classify(al: Alignment, lengths_a: Sequence[int], lengths_b: Sequence[int], anchors: Sequence[str] = (),
             thresholds: RelationThresholds | None = None, weights: ScoreWeights | None = None) -> Relation:
    """Decide the relation from an alignment and shared anchors; every branch says why."""
    t = thresholds or RelationThresholds()
    w = weights or ScoreWeights()
    f: dict[str, Any] = dict(bead_features(al, lengths_a, lengths_b))  # plus non-numeric entries below
    cov_a, cov_b = al.coverage_a, al.coverage_b
    cov_short = cov_a if al.n_a <= al.n_b else cov_b
    cov_long = cov_b if al.n_a <= al.n_b else cov_a
    n_anchor = len(anchors)
    #: a shared number is specific to an event; a shared agency alone is not (003 and 000 both cite Sputnik)
    n_numbers = sum(1 for x in anchors if x.startswith("number:"))
    f.update({"coverage_short": cov_short, "anchors": list(anchors)[:10]})
    z = (w.bias + w.coverage * (cov_a + cov_b) / 2 + w.margin * f["mean_margin"]
         + w.anchors * min(n_anchor, 3) / 3)
    score = 1 / (1 + math.exp(-z))
    beads = f["beads"]
    enough = beads >= min(t.min_beads, min(al.n_a, al.n_b))
    strong = (f["mean_margin"] >= t.translation_margin and f["mean_sim"] >= t.translation_sim
              and (beads < 3 or f["length_ratio_std"] <= t.max_length_ratio_std))
    desc = (f"{beads} aligned beads, mean margin {f['mean_margin']:.3f}, mean centred cosine "
            f"{f['mean_sim']:.3f}, length-ratio spread {f['length_ratio_std']:.2f}; "
            f"coverage a {cov_a:.2f}, b {cov_b:.2f}")
    reasons = [desc]
    if n_anchor:
        reasons.append(f"shared anchors: {', '.join(list(anchors)[:10])}")
    if (enough and beads and strong and cov_short >= t.translation_coverage
            and cov_long >= t.translation_coverage_long):
        rel = "translation"
        reasons.append(f"translation-strength beads cover {cov_short:.0%} of the shorter article, in order")
    elif enough and beads and strong and max(cov_a, cov_b) >= t.partial_coverage:
        rel = "partial_translation"
        reasons.append("translation-strength beads cover only an excerpt (coverage "
                       f"{min(cov_a, cov_b):.0%} on one side, translation needs {t.translation_coverage:.0%} "
                       f"of the shorter and {t.translation_coverage_long:.0%} of the longer)")
    elif enough and beads and f["mean_margin"] >= t.topic_margin and cov_short >= t.rewrite_coverage and n_anchor:
        rel = "rewrite"
        reasons.append("topic-strength matches over a real share of both, with shared anchors, "
                       "but not translation-strength")
    elif f["mean_margin"] >= t.topic_margin and (
            (beads >= 2 and (n_numbers or n_anchor >= 2))
            or (beads >= t.min_beads and cov_short >= t.same_story_coverage)):
        rel = "same_story"
        reasons.append("some passages match and " + (
            "they share anchors" if (n_numbers or n_anchor >= 2)
            else f"{cov_short:.0%} of the shorter article matches"))
    else:
        rel = "unrelated"
        reasons.append("too little matching evidence")
        score = min(score, 0.5)
    if rel in ("translation", "partial_translation", "rewrite", "same_story"):
        score = max(score, 0.5)
    return Relation(rel, score, cov_a, cov_b, reasons=reasons, features=f)


def decide_direction(rel: Relation, published_a: str | None, published_b: str | None,
                     content_unaligned_a: int, content_unaligned_b: int,
                     a_cites_b: bool = False, b_cites_a: bool = False) -> tuple[str, list[str]]:
    """Who derived from whom: "a->b" (a is the origin), "b->a" or "undetermined", with reasons.

    Order of evidence: an explicit citation of the other's outlet; publication
    times (ISO strings compared on their common prefix); for translations,
    containment: translators drop more often than they add, so the side with
    passages lacking a counterpart is taken as the origin.
    """
    reasons: list[str] = []
    if rel.relation == "unrelated":
        return "undetermined", ["unrelated: no derivation"]
    if a_cites_b != b_cites_a:
        reasons.append("b cites a's outlet" if b_cites_a else "a cites b's outlet")
        return ("a->b" if b_cites_a else "b->a"), reasons
    if published_a and published_b:
        n = min(len(published_a), len(published_b))
        pa, pb = published_a[:n], published_b[:n]
        if pa != pb:
            reasons.append(f"published {published_a} vs {published_b}")
            return ("a->b" if pa < pb else "b->a"), reasons
        reasons.append(f"same publication time at the known precision ({pa})")
    else:
        reasons.append("publication time unknown for " + " and ".join(
            x for x, p in (("a", published_a), ("b", published_b)) if not p))
    if rel.relation in ("translation", "partial_translation"):
        if content_unaligned_a and not content_unaligned_b:
            reasons.append(f"containment: a has {content_unaligned_a} passage(s) with no counterpart in b, "
                           "b has none (translations drop more often than add)")
            return "a->b", reasons
        if content_unaligned_b and not content_unaligned_a:
            reasons.append(f"containment: b has {content_unaligned_b} passage(s) with no counterpart in a, "
                           "a has none (translations drop more often than add)")
            return "b->a", reasons
        reasons.append("containment does not decide: both sides (or neither) have unaligned passages")
    return "undetermined", reasons
