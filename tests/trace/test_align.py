"""Alignment on the seeds (real encoder) and on synthetic vectors."""
from __future__ import annotations

import numpy as np
import pytest

from narratrace.trace.align import align

#: gold 000 -> 001 by reading the texts (passage indices = line order): 000 has 4 "Baca Juga" lines
#: (2, 7, 12, 17); 001's third paragraph (2, the car bombs) and its end marker (16) have no counterpart.
GOLD_000_001 = dict(zip([0, 1, 3, 4, 5, 6, 8, 9, 10, 11, 13, 14, 15, 16, 18],
                        [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]))


@pytest.fixture(scope="module")
def seed_alignment(seeds, encoder):
    a, b = seeds["000"], seeds["001"]
    pa, pb = a.matchable_passages(), b.matchable_passages()
    va = encoder.encode_passages([p.text for p in pa])
    vb = encoder.encode_passages([p.text for p in pb])
    return align(va, vb, [p.index for p in pa], [p.index for p in pb])


def test_align_seed_translation_paragraphs(seed_alignment):
    al = seed_alignment
    correct = 0
    for pair in al.pairs:
        for x in pair.a:
            if GOLD_000_001.get(x) in pair.b:
                correct += 1
    assert correct >= 14, [(p.a, p.b) for p in al.pairs]
    # in order on both sides
    flat_a = [x for p in al.pairs for x in p.a]
    flat_b = [x for p in al.pairs for x in p.b]
    assert flat_a == sorted(flat_a) and flat_b == sorted(flat_b)


def test_align_seed_unaligned(seed_alignment, seeds):
    al = seed_alignment
    assert 2 in al.unaligned_b  # car-bomb paragraph
    baca = [p.index for p in seeds["000"].passages if p.text.startswith("Baca Juga")]
    assert len(baca) == 4
    aligned_a = {x for p in al.pairs for x in p.a}
    assert not aligned_a & set(baca)


def _unit(rng: np.random.Generator, n: int, d: int = 32) -> np.ndarray:
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_align_synthetic_skip_and_merge():
    rng = np.random.default_rng(0)
    base = _unit(rng, 8)
    noise = _unit(rng, 8) * 0.3
    b = base + noise
    # drop a[3] on b's side, insert an unrelated vector, and split b[5] into two halves
    va = base
    vb_list = [b[0], b[1], b[2], _unit(rng, 1)[0], b[4], b[5] + _unit(rng, 1)[0] * 0.2, b[5], b[6], b[7]]
    vb = np.stack(vb_list)
    vb = vb / np.linalg.norm(vb, axis=1, keepdims=True)
    al = align(va, vb)
    got = {x: tuple(p.b) for p in al.pairs for x in p.a}
    assert got[0] == (0,) and got[1] == (1,) and got[7] == (8,)
    assert 3 in al.unaligned_a and 3 in al.unaligned_b


def test_align_empty_sides():
    al = align(np.zeros((0, 4), np.float32), np.eye(4, dtype=np.float32))
    assert al.pairs == [] and al.unaligned_b == [0, 1, 2, 3] and al.coverage_a == 0.0
