"""Relation between two articles from their alignment, with coverage both ways and reasons.

Relations, strongest first (every rule and why it holds: docs/provenance.md):

- ``copy``: the same text, in one language, with at most small edits (syndication, a re-post):
  verbatim beads cover most of both articles. Near-identical text is one language whatever the
  language labels say, so this is decided first, and a file compared with itself is a copy;
- ``partial_copy``: verbatim beads cover an excerpt of at least one side;
- ``translation``: only across languages: most of the shorter article is aligned, in order, by
  translation-strength beads (high margin, steady length ratio);
- ``partial_translation``: across languages, translation-strength beads cover an excerpt of at
  least one side; the other side may add or drop material;
- ``rewrite``: one article follows the other in its own words: aligned coverage in *both*
  directions, the strong matches in the same order, and shared anchors (numbers, cited sources);
- ``same_story``: some matching plus shared anchors, or a broad match. Two independent reports of
  one source land here: each shares with the other what the source said and adds its own, so
  neither covers the other (seeds 001/002 and 000/002 both cite Sputnik);
- ``unrelated``.

All thresholds live in :class:`RelationThresholds`; how they were chosen is in docs/provenance.md
(seeds 000-004, Tatoeba derivatives, NTREX translations, partials and same-event reports).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..group.features import numbers  # noqa: F401  (re-exported: one number extractor for every stage)
from ..text.normalise import normalise
from .align import Alignment

RELATIONS = ("copy", "partial_copy", "translation", "partial_translation", "rewrite", "same_story", "unrelated")
#: relations that say one article derives from the other, so a direction is looked for
DERIVED = frozenset({"copy", "partial_copy", "translation", "partial_translation", "rewrite"})
#: derivations whose origin can be told by containment (derived texts drop more often than they add)
CONTAINED = frozenset({"copy", "partial_copy", "translation", "partial_translation"})


@dataclass(frozen=True)
class RelationThresholds:
    """Decision thresholds, measured (docs/provenance.md).

    Translation beads (000/001, Tatoeba ind/pes-eng, NTREX) had a mean margin 0.19-0.43, mean
    centred cosine 0.46-0.80 and log length-ratio spread 0.06-0.33; topical matches between
    different articles had mean margin 0.07-0.20, cosine 0.24-0.55.
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
    #: beads needed before calling anything a copy, (partial) translation or rewrite
    min_beads: int = 3
    #: share of at least one side aligned for a partial translation or partial copy
    partial_coverage: float = 0.25
    #: a bead is verbatim when its two texts share this much of their character 5-grams (Jaccard, on
    #: match keys); copies score 0.9-1.0, translations 0.0-0.3, same-language reports of one event 0.0-0.4
    verbatim_similarity: float = 0.8
    #: a bead's raw cosine below this cannot be verbatim, so its texts are not compared (cost)
    verbatim_raw_sim: float = 0.9
    #: share of the shorter / longer article's characters in verbatim beads for a copy
    copy_coverage: float = 0.75
    copy_coverage_long: float = 0.7
    #: mean bead margin for topic-strength matching (rewrite / same story)
    topic_margin: float = 0.07
    #: share of *each* article aligned for a rewrite: one follows the other; independent reports of
    #: one source share only its claim (001/002: 0.38 and 0.56; NTREX same-event reports 0.08-0.57)
    rewrite_coverage: float = 0.6
    #: share of the mutual best matches that lie on the aligned path, in order, for a rewrite
    rewrite_order: float = 0.8
    #: share of the shorter article aligned for same_story without shared anchors
    same_story_coverage: float = 0.5
    #: a translation translates its lead (headline or first passage) too. In a short alignment (at most
    #: ``lead_checked_beads`` beads) a translation needs the two leads to form a bead whose centred cosine is at
    #: most this far below the mean of the other beads: two pages that share only a site notice, their
    #: headlines unrelated, drop 0.34-0.40 (SemEval); NTREX translations drop 0.16 at the 95th percentile and
    #: less than 0.30 in all 389 of 8 beads or fewer (2 of them leave a lead unaligned)
    max_lead_drop: float = 0.30
    #: ... checked only in alignments of at most this many beads: in a long article one poorly translated
    #: headline is noise (NTREX: all 24 translations with a drop of 0.25 or more but one have 9 or more beads)
    lead_checked_beads: int = 8


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
    mean_ratio = sum(ratios) / len(ratios)  # np.mean and np.std (population) without numpy's cost per bead list
    return {"beads": len(al.pairs), "mean_margin": sum(p.score for p in al.pairs) / len(al.pairs),
            "mean_sim": sum(p.sim for p in al.pairs) / len(al.pairs),
            "length_ratio_std": math.sqrt(sum((r - mean_ratio) ** 2 for r in ratios) / len(ratios))}


def _grams(text: str, n: int = 5) -> set[str]:
    key = " ".join(normalise(text).split())
    return {key[i:i + n] for i in range(max(1, len(key) - n + 1))}


def verbatim_scores(al: Alignment, texts_a: Sequence[str], texts_b: Sequence[str],
                    thresholds: RelationThresholds | None = None) -> list[float]:
    """Per bead, how much of their text the two sides share (Jaccard of character 5-grams on match
    keys, so case, digits and Arabic letter variants do not count); 0.0 for beads whose raw cosine
    shows they cannot be the same text. ``al`` must use positions as ids."""
    t = thresholds or RelationThresholds()
    out = []
    for p in al.pairs:
        if p.raw_sim < t.verbatim_raw_sim:
            out.append(0.0)
            continue
        ga = _grams(" ".join(texts_a[x] for x in p.a))
        gb = _grams(" ".join(texts_b[x] for x in p.b))
        out.append(len(ga & gb) / max(1, len(ga | gb)))
    return out


def order_kept(al: Alignment, min_margin: float = 0.05) -> tuple[int, float]:
    """(mutual best matches, share of them on the aligned path). The path is monotonic by construction;
    what it says about order is how many of the pairs that choose each other (each is the other's best
    by margin) it could keep: a rewrite tells the facts in its origin's order, independent reports often
    do not."""
    m = al.margin
    if not m.size:
        return 0, 0.0
    best_b, best_a = m.argmax(axis=1), m.argmax(axis=0)
    mutual = [(i, int(j)) for i, j in enumerate(best_b) if best_a[j] == i and m[i, j] >= min_margin]
    if not mutual:
        return 0, 0.0
    on_path = {(x, y) for p in al.pairs for x in p.a for y in p.b}
    return len(mutual), sum(1 for pair in mutual if pair in on_path) / len(mutual)


def weak_lead(al: Alignment, t: RelationThresholds) -> tuple[float | None, float] | None:
    """(lead bead's centred cosine or None when the two leads are not aligned with each other, mean of the
    other beads') when a short alignment's leads (position 0 on both sides) are no translation of each other
    while the rest is: see ``max_lead_drop``. None when the leads hold. ``al`` must use positions as ids."""
    if not 2 <= len(al.pairs) <= t.lead_checked_beads:
        return None
    lead = next((p for p in al.pairs if 0 in p.a and 0 in p.b), None)
    rest = float(np.mean([p.sim for p in al.pairs if p is not lead]))
    if lead is None:
        return None, rest
    return (lead.sim, rest) if rest - lead.sim > t.max_lead_drop else None


def _verbatim_shares(al: Alignment, verbatim: Sequence[float], lengths_a: Sequence[int], lengths_b: Sequence[int],
                     t: RelationThresholds) -> tuple[int, float, float]:
    """(verbatim beads, share of a's characters in them, share of b's)."""
    chars_a = chars_b = 0
    n = 0
    for p, v in zip(al.pairs, verbatim):
        if v >= t.verbatim_similarity:
            n += 1
            chars_a += sum(lengths_a[x] for x in p.a)
            chars_b += sum(lengths_b[x] for x in p.b)
    return n, chars_a / max(1, sum(lengths_a)), chars_b / max(1, sum(lengths_b))


def classify(al: Alignment, lengths_a: Sequence[int], lengths_b: Sequence[int], anchors: Sequence[str] = (),
             thresholds: RelationThresholds | None = None, weights: ScoreWeights | None = None, *,
             same_language: bool | None = None, verbatim: Sequence[float] | None = None,
             names: tuple[str, str] = ("a", "b")) -> Relation:
    """Decide the relation from an alignment and shared anchors; every branch says why.

    ``same_language``: both articles' languages are known and equal (None: not known), so a
    translation is out; ``verbatim``: :func:`verbatim_scores` of the beads; ``names``: how the
    reasons call the two articles (their ids), so a reason reads the same whichever side a link
    puts them on.
    """
    t = thresholds or RelationThresholds()
    w = weights or ScoreWeights()
    name_a, name_b = names
    f: dict[str, Any] = dict(bead_features(al, lengths_a, lengths_b))  # plus non-numeric entries below
    cov_a, cov_b = al.coverage_a, al.coverage_b
    cov_short = cov_a if al.n_a <= al.n_b else cov_b
    cov_long = cov_b if al.n_a <= al.n_b else cov_a
    n_anchor = len(anchors)
    #: a shared number is specific to an event; a shared agency alone is not (003 and 000 both cite Sputnik)
    n_numbers = sum(1 for x in anchors if x.startswith("number:"))
    shared_sources = [x.split(":", 1)[1] for x in anchors if x.startswith("source:")]
    n_verbatim, verb_a, verb_b = _verbatim_shares(al, verbatim or [0.0] * len(al.pairs), lengths_a, lengths_b, t)
    a_shorter = sum(lengths_a) <= sum(lengths_b)
    verb_short, verb_long = (verb_a, verb_b) if a_shorter else (verb_b, verb_a)
    mutual, kept = order_kept(al)
    f.update({"coverage_short": cov_short, "anchors": list(anchors)[:10], "verbatim_beads": n_verbatim,
              "verbatim_short": verb_short, "verbatim_long": verb_long, "mutual_best": mutual,
              "order_kept": kept, "same_language": same_language})
    z = (w.bias + w.coverage * (cov_a + cov_b) / 2 + w.margin * f["mean_margin"]
         + w.anchors * min(n_anchor, 3) / 3)
    score = 1 / (1 + math.exp(-z))
    beads = f["beads"]
    needed = min(t.min_beads, min(al.n_a, al.n_b))
    enough = bool(beads) and beads >= needed
    strong = (f["mean_margin"] >= t.translation_margin and f["mean_sim"] >= t.translation_sim
              and (beads < 3 or f["length_ratio_std"] <= t.max_length_ratio_std))
    reasons = [f"{beads} aligned beads, mean margin {f['mean_margin']:.3f}, mean centred cosine "
               f"{f['mean_sim']:.3f}, length-ratio spread {f['length_ratio_std']:.2f}; "
               f"coverage {name_a} {cov_a:.2f}, {name_b} {cov_b:.2f}"]
    if n_anchor:
        reasons.append(f"shared anchors: {', '.join(list(anchors)[:10])}")
    verbatim_enough = bool(n_verbatim) and n_verbatim >= needed
    rewrite_covered = min(cov_a, cov_b) >= t.rewrite_coverage
    # beads that could be a translation (across languages); full: they cover a whole translation
    translating = same_language is not True and enough and strong
    full = cov_short >= t.translation_coverage and cov_long >= t.translation_coverage_long
    lead = weak_lead(al, t) if translating and full else None
    if verbatim_enough and verb_short >= t.copy_coverage and verb_long >= t.copy_coverage_long:
        rel = "copy"
        reasons.append(f"{n_verbatim} verbatim beads hold {verb_short:.0%} of the shorter text and {verb_long:.0%} "
                       "of the longer: the same text (a copy)")
    elif verbatim_enough and max(verb_a, verb_b) >= t.partial_coverage:
        rel = "partial_copy"
        reasons.append(f"{n_verbatim} verbatim beads hold {verb_a:.0%} of {name_a} and {verb_b:.0%} of {name_b}: "
                       f"copied text, but a copy needs {t.copy_coverage:.0%} of the shorter and "
                       f"{t.copy_coverage_long:.0%} of the longer")
    elif translating and full and not lead:
        rel = "translation"
        reasons.append(f"translation-strength beads cover {cov_short:.0%} of the shorter article, in order, "
                       "across languages")
    elif translating and max(cov_a, cov_b) >= t.partial_coverage:
        rel = "partial_translation"
        if lead:
            lead_sim, rest = lead
            f["lead_sim"] = None if lead_sim is None else round(lead_sim, 4)
            reasons.append("the leads (headline or first passage) are no translation of each other ("
                           + ("not aligned with each other" if lead_sim is None else
                              f"centred cosine {lead_sim:.3f}") + f", the other beads {rest:.3f}): the rest "
                           "matches, so only part of one is translated in the other")
        else:
            reasons.append("translation-strength beads cover only an excerpt (coverage "
                           f"{min(cov_a, cov_b):.0%} on one side, translation needs {t.translation_coverage:.0%} "
                           f"of the shorter and {t.translation_coverage_long:.0%} of the longer)")
    elif (enough and f["mean_margin"] >= t.topic_margin and rewrite_covered and kept >= t.rewrite_order
          and n_anchor):
        rel = "rewrite"
        reasons.append(f"one follows the other in its own words: aligned coverage {min(cov_a, cov_b):.0%} or more "
                       f"both ways, {kept:.0%} of the mutual best matches in order, shared anchors")
    elif f["mean_margin"] >= t.topic_margin and (
            (beads >= 2 and (n_numbers or n_anchor >= 2))
            or (beads >= t.min_beads and cov_short >= t.same_story_coverage)):
        rel = "same_story"
        reasons.append("some passages match and " + (
            "they share anchors" if (n_numbers or n_anchor >= 2)
            else f"{cov_short:.0%} of the shorter article matches"))
        reasons.append(_why_not_derived(f, cov_a, cov_b, names, shared_sources, same_language, strong, t))
    else:
        rel = "unrelated"
        reasons.append("too little matching evidence")
        score = min(score, 0.5)
    if rel != "unrelated":
        score = max(score, 0.5)
    return Relation(rel, score, cov_a, cov_b, reasons=reasons, features=f)


def _why_not_derived(f: dict[str, Any], cov_a: float, cov_b: float, names: tuple[str, str],
                     shared_sources: Sequence[str], same_language: bool | None, strong: bool,
                     t: RelationThresholds) -> str:
    """Why a same-story pair is not called a rewrite or translation: the rule made explicit."""
    if same_language and strong:
        return ("translation-strength beads, but both are in one language and not verbatim: "
                "not a translation")
    lacking = []
    if min(cov_a, cov_b) < t.rewrite_coverage:
        lacking.append(f"neither covers the other (coverage {names[0]} {cov_a:.0%}, {names[1]} {cov_b:.0%}; "
                       f"a rewrite needs {t.rewrite_coverage:.0%} of each)")
    if f["order_kept"] < t.rewrite_order:
        lacking.append(f"only {f['order_kept']:.0%} of the {f['mutual_best']} mutual best matches are in order "
                       f"(a rewrite keeps {t.rewrite_order:.0%})")
    why = "not derived from each other: " + "; ".join(lacking or ["the shared material is too thin"])
    if shared_sources:
        why += (f". Both cite {', '.join(shared_sources)}: what they share can come from it, and each adds its own "
                "(independent reports of one source)")
    return why


def decide_direction(rel: Relation, published_a: str | None, published_b: str | None,
                     content_unaligned_a: int, content_unaligned_b: int,
                     a_cites_b: bool = False, b_cites_a: bool = False,
                     names: tuple[str, str] = ("a", "b")) -> tuple[str, list[str]]:
    """Who derived from whom: "a->b" (a is the origin), "b->a" or "undetermined", with reasons.

    Only derivations have one (``DERIVED``); ``same_story`` is symmetric. Order of evidence: an
    explicit citation of the other's outlet; publication times (ISO strings compared on their common
    prefix); for copies and translations, containment: copiers and translators drop more often than
    they add, so the side with passages lacking a counterpart is taken as the origin. ``names``: as
    in :func:`classify`.
    """
    na, nb = names
    reasons: list[str] = []
    if rel.relation not in DERIVED:
        return "undetermined", [f"{rel.relation}: neither derives from the other, so no direction"]
    if a_cites_b != b_cites_a:
        reasons.append(f"{nb} cites {na}'s outlet" if b_cites_a else f"{na} cites {nb}'s outlet")
        return ("a->b" if b_cites_a else "b->a"), reasons
    if published_a and published_b:
        n = min(len(published_a), len(published_b))
        pa, pb = published_a[:n], published_b[:n]
        if pa != pb:
            reasons.append(f"published {na} {published_a}, {nb} {published_b}")
            return ("a->b" if pa < pb else "b->a"), reasons
        reasons.append(f"same publication time at the known precision ({pa})")
    else:
        reasons.append("publication time unknown for " + " and ".join(
            x for x, p in ((na, published_a), (nb, published_b)) if not p))
    if rel.relation in CONTAINED:
        if content_unaligned_a and not content_unaligned_b:
            reasons.append(f"containment: {na} has {content_unaligned_a} passage(s) with no counterpart in {nb}, "
                           f"{nb} has none (copies and translations drop more often than add)")
            return "a->b", reasons
        if content_unaligned_b and not content_unaligned_a:
            reasons.append(f"containment: {nb} has {content_unaligned_b} passage(s) with no counterpart in {na}, "
                           f"{na} has none (copies and translations drop more often than add)")
            return "b->a", reasons
        reasons.append("containment does not decide: both sides (or neither) have unaligned passages")
    return "undetermined", reasons
