"""A tiny deterministic encoder for unit tests of plumbing (never for grouping tests).

Character-trigram feature hashing: same text, same vector; no model, no download.
"""
from __future__ import annotations

import hashlib

import numpy as np

from .base import Encoder


class HashingEncoder(Encoder):
    name = "hashing"

    def __init__(self, dim: int = 256, batch_size: int = 256) -> None:
        super().__init__(batch_size=batch_size)
        self.dim = dim

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            t = f"  {text.lower()}  "
            for i in range(len(t) - 2):
                h = int.from_bytes(hashlib.blake2b(t[i : i + 3].encode(), digest_size=4).digest(), "little")
                out[row, h % self.dim] += 1.0 if h & 1 << 31 else -1.0
        return out
