"""Monotonic alignment of the passages of two articles, in any two languages.

Why this shape: raw cosines from the multilingual encoder are compressed and
biased by language (STACK-NOTES: Indonesian paragraphs of *different* stories
score higher together than Indonesian-Persian paragraphs of the *same* story),
so no absolute threshold works. Two relative corrections make scores comparable
across language pairs:

1. **Centring per article.** Each article's mean vector (what all its
   paragraphs share: language, topic, outlet style) is subtracted before the
   cosine, so what is compared is what makes a paragraph differ from its
   neighbours. Measured on seeds 000/001 (translation): the right counterpart
   scores median 0.45 against a 95th percentile of 0.14 for wrong ones
   (raw cosine: 0.88 against 0.85).
2. **Margin** (vecalign/Bertalign, Artetxe & Schwenk): ``sim - (knn_a + knn_b)/2``
   where ``knn_x`` is the mean of the k best similarities of that passage to the
   other article. This removes hubness (a lead paragraph close to everything).

A dynamic programme then picks the best monotonic path of beads: 1-1, 2-1 and
1-2 (two consecutive passages merged by averaging their vectors), and skips
(inserted or dropped passages, cost 0). A bead earns ``margin - min_margin``.
An optional last pass (``gap_margin``, off by default) fills 1x1 gaps enclosed
by aligned beads. Measured on Tatoeba derivatives with inserted and dropped
sentences, all 4 gap fills were wrong (an insertion often sits where a sentence
was dropped), so position alone is not evidence.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: passages per side beyond which the DP (O(n*m)) is cut; later passages stay unaligned
MAX_PASSAGES = 400


@dataclass(frozen=True)
class AlignParams:
    """Alignment knobs; defaults measured on the seeds and Tatoeba derivatives (docs/provenance.md)."""

    #: neighbours averaged for the margin
    k: int = 3
    #: a bead must beat this margin (on centred cosines) to be worth aligning
    min_margin: float = 0.05
    #: extra cost of a 2-1 / 1-2 bead, so a merge must clearly beat the best single
    merge_penalty: float = 0.03
    #: each passage of a merge must on its own reach this margin to the other side
    merge_component_margin: float = -0.05
    #: if set, 1x1 gaps enclosed by aligned beads are filled when the pair reaches this margin
    gap_margin: float | None = None
    #: subtract each article's mean vector before the cosine (see module doc)
    centre: bool = True


@dataclass
class AlignedPair:
    """One bead: passage ids on each side (``Passage.index`` when ids were given)."""

    a: list[int]
    b: list[int]
    #: margin of the bead (centred cosine minus neighbourhood mean)
    score: float
    #: centred cosine of the (merged) vectors
    sim: float
    #: raw cosine of the (merged) vectors
    raw_sim: float
    #: "dp" or "gap" (filled by position)
    how: str = "dp"

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "score": round(self.score, 4), "sim": round(self.sim, 4),
                "raw_sim": round(self.raw_sim, 4), "how": self.how}


@dataclass
class Alignment:
    """Result of :func:`align`: beads in order, and what was left out on each side."""

    pairs: list[AlignedPair]
    unaligned_a: list[int]
    unaligned_b: list[int]
    n_a: int
    n_b: int
    #: centred similarity matrix (positions, not ids), kept for relation features
    sim: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0), np.float32))
    margin: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0), np.float32))
    raw: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0), np.float32))

    @property
    def coverage_a(self) -> float:
        """Share of A's passages that are aligned."""
        return (self.n_a - len(self.unaligned_a)) / self.n_a if self.n_a else 0.0

    @property
    def coverage_b(self) -> float:
        return (self.n_b - len(self.unaligned_b)) / self.n_b if self.n_b else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"pairs": [p.to_dict() for p in self.pairs], "unaligned_a": self.unaligned_a,
                "unaligned_b": self.unaligned_b, "coverage_a": round(self.coverage_a, 4),
                "coverage_b": round(self.coverage_b, 4)}


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def subtract_article_mean(v: np.ndarray) -> np.ndarray:
    """One article's passage vectors minus their mean, shrunk by (n-1)/n so that one passage keeps its
    vector, re-normalised: what passages share with the rest of their article (topic, outlet style) no
    longer counts in the cosine. Not ``group.narratives.centre_by_language``."""
    n = len(v)
    if n == 0:
        return v
    return _normalise(v - v.mean(axis=0, keepdims=True) * ((n - 1) / n))


def _knn_mean(s: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Mean of the k largest values along ``axis`` (k capped by the axis length)."""
    size = s.shape[axis]
    if size == 0:
        return np.zeros(s.shape[1 - axis], dtype=np.float32)
    kk = min(k, size)
    top = s  # every value counts: no partition (most articles aligned have a few passages)
    if kk < size:
        part = np.partition(s, size - kk, axis=axis)  # the kk largest last: a view, not a take
        top = part[:, size - kk:] if axis == 1 else part[size - kk:]
    return top.sum(axis=axis, dtype=np.float32) / np.float32(kk)


def _merged(v: np.ndarray) -> np.ndarray:
    """Vectors of consecutive pairs (i, i+1), averaged and renormalised."""
    if len(v) < 2:
        return np.zeros((0, v.shape[1]), dtype=v.dtype)
    return _normalise(v[:-1] + v[1:])


@dataclass(frozen=True)
class Prepared:
    """One article's side of an alignment that does not depend on the other article (vectors as
    float32, centred, and consecutive pairs merged): one article aligned with many computes it once."""

    vectors: np.ndarray
    centred: np.ndarray
    merged: np.ndarray


def prepare(v: np.ndarray, params: AlignParams | None = None) -> Prepared:
    p = params or AlignParams()
    v = np.asarray(v, dtype=np.float32)[:MAX_PASSAGES]
    c = subtract_article_mean(v) if p.centre and len(v) else v
    return Prepared(v, c, _merged(c) if len(v) else np.zeros((0, v.shape[1] if v.ndim == 2 else 0), np.float32))


def align(va: np.ndarray, vb: np.ndarray, ids_a: Sequence[int] | None = None,
          ids_b: Sequence[int] | None = None, params: AlignParams | None = None,
          prepared: tuple[Prepared | None, Prepared | None] = (None, None)) -> Alignment:
    """Align passage vectors ``va`` (n, d) and ``vb`` (m, d) monotonically.

    ``ids_a``/``ids_b`` map positions back to ``Passage.index`` (callers pass only
    matchable passages). Vectors are expected L2-normalised. ``prepared``: ``prepare(va)`` and
    ``prepare(vb)`` with the same params, when the caller keeps them.
    """
    p = params or AlignParams()
    pa = prepared[0] or prepare(va, p)
    pb = prepared[1] or prepare(vb, p)
    va, vb = pa.vectors, pb.vectors
    ia = list(ids_a) if ids_a is not None else list(range(len(va)))
    ib = list(ids_b) if ids_b is not None else list(range(len(vb)))
    n, m = len(va), len(vb)
    extra_a, extra_b = ia[n:], ib[m:]
    if n == 0 or m == 0:
        return Alignment([], ia, ib, len(ia), len(ib))

    ca, cb = pa.centred, pb.centred
    raw = va @ vb.T
    s11 = ca @ cb.T
    ra = _knn_mean(s11, p.k, axis=1)  # per passage of A: its best matches in B
    rb = _knn_mean(s11, p.k, axis=0)
    m11 = s11 - (ra[:, None] + rb[None, :]) / 2

    ma2, mb2 = pa.merged, pb.merged
    s21 = ma2 @ cb.T  # (n-1, m): A[i-1:i+1] with B[j]
    s12 = ca @ mb2.T  # (n, m-1): A[i] with B[j-1:j+1]
    m21 = s21 - (_knn_mean(s21, p.k, axis=1)[:, None] + rb[None, :]) / 2 if len(s21) else s21
    m12 = s12 - (ra[:, None] + _knn_mean(s12, p.k, axis=0)[None, :]) / 2 if s12.size else s12

    # the DP runs on Python lists: element access on small numpy arrays costs more than the arithmetic
    neg = -1e9
    L11, L21, L12 = m11.tolist(), m21.tolist(), m12.tolist()
    min_margin, merge_margin, merge_penalty = p.min_margin, p.merge_component_margin, p.merge_penalty
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    back = [[0] * (m + 1) for _ in range(n + 1)]  # 0 skip a, 1 skip b, 2 1-1, 3 2-1, 4 1-2
    back[0] = [0] + [1] * m
    for i in range(1, n + 1):
        row, prev, l11 = score[i], score[i - 1], L11[i - 1]
        for j in range(1, m + 1):
            best, how = prev[j], 0
            if row[j - 1] > best:
                best, how = row[j - 1], 1
            here = l11[j - 1]
            g = prev[j - 1] + here - min_margin
            if g > best:
                best, how = g, 2
            if i >= 2 and min(L11[i - 2][j - 1], here) >= merge_margin:
                g = score[i - 2][j - 1] + L21[i - 2][j - 1] - min_margin - merge_penalty
                if g > best:
                    best, how = g, 3
            if j >= 2 and min(l11[j - 2], here) >= merge_margin:
                g = prev[j - 2] + L12[i - 1][j - 2] - min_margin - merge_penalty
                if g > best:
                    best, how = g, 4
            row[j] = best if best > neg else 0.0
            back[i][j] = how

    beads: list[tuple[list[int], list[int], float, float, float, str]] = []
    i, j = n, m
    while i > 0 and j > 0:
        how = back[i][j]
        if how == 0:
            i -= 1
        elif how == 1:
            j -= 1
        elif how == 2:
            beads.append(([i - 1], [j - 1], m11[i - 1, j - 1], s11[i - 1, j - 1], raw[i - 1, j - 1], "dp"))
            i, j = i - 1, j - 1
        elif how == 3:
            rs = float((_normalise(va[i - 2:i].sum(0, keepdims=True)) @ vb[j - 1])[0])
            beads.append(([i - 2, i - 1], [j - 1], m21[i - 2, j - 1], s21[i - 2, j - 1], rs, "dp"))
            i, j = i - 2, j - 1
        else:
            rs = float(va[i - 1] @ _normalise(vb[j - 2:j].sum(0, keepdims=True))[0])
            beads.append(([i - 1], [j - 2, j - 1], m12[i - 1, j - 2], s12[i - 1, j - 2], rs, "dp"))
            i, j = i - 1, j - 2
    beads.reverse()
    if p.gap_margin is not None:
        beads = _fill_gaps(beads, n, m, m11, s11, raw, p.gap_margin)

    used_a = {x for bd in beads for x in bd[0]}
    used_b = {x for bd in beads for x in bd[1]}
    pairs = [AlignedPair([ia[x] for x in a], [ib[x] for x in b], float(sc), float(s), float(r), how)
             for a, b, sc, s, r, how in beads]
    return Alignment(pairs, [ia[x] for x in range(n) if x not in used_a] + extra_a,
                     [ib[x] for x in range(m) if x not in used_b] + extra_b, len(ia), len(ib),
                     sim=s11, margin=m11, raw=raw)


def _fill_gaps(beads: list, n: int, m: int, m11: np.ndarray, s11: np.ndarray, raw: np.ndarray,
               gap_margin: float) -> list:
    """Align 1x1 gaps enclosed by beads (or by an article edge and a bead)."""
    if not beads:
        return beads
    out: list = []
    prev_a, prev_b = -1, -1
    for bead in beads + [([n], [m], 0.0, 0.0, 0.0, "end")]:
        a0, b0 = bead[0][0], bead[1][0]
        if a0 - prev_a == 2 and b0 - prev_b == 2:
            x, y = prev_a + 1, prev_b + 1
            enclosed = (prev_a >= 0 or prev_b >= 0 or a0 < n or b0 < m)
            if enclosed and m11[x, y] >= gap_margin:
                out.append(([x], [y], m11[x, y], s11[x, y], raw[x, y], "gap"))
        if bead[5] != "end":
            out.append(bead)
        prev_a, prev_b = bead[0][-1], bead[1][-1]
    return out
