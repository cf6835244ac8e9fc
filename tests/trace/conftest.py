"""Shared fixtures for the trace tests: the real encoder behind an in-memory cache, and the seeds."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narratrace.embed import make_encoder
from narratrace.embed.base import Encoder
from narratrace.embed.latent import LatentTerms
from narratrace.model import BOILERPLATE, Article, RawArticle
from narratrace.text.pipeline import TextPipeline

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "seeds"


class CachedEncoder(Encoder):
    """Wraps the real encoder; each distinct text is encoded once per test session."""

    def __init__(self, inner: Encoder) -> None:
        super().__init__()
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.cache: dict[tuple[bool, str], np.ndarray] = {}
        self.latent: dict[str, LatentTerms] = {}

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if (is_query, t) not in self.cache]
        if todo:
            fn = self.inner.encode_queries if is_query else self.inner.encode_passages
            for t, v in zip(todo, fn(todo)):
                self.cache[(is_query, t)] = v
        return np.stack([self.cache[(is_query, t)] for t in texts])

    def encode_passages(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        return self._batched(list(texts), is_query=False, progress=progress)

    @property
    def vector_space(self) -> str:
        return self.inner.vector_space

    @property
    def latent_space(self) -> str | None:  # type: ignore[override]  # a property over the base's attribute
        return self.inner.latent_space

    def latent_terms(self, texts: Sequence[str]) -> list[LatentTerms] | None:
        todo = [t for t in dict.fromkeys(texts) if t not in self.latent]
        if todo:
            got = self.inner.latent_terms(todo)
            if got is None:
                return None
            self.latent.update(zip(todo, got))
        return [self.latent[t] for t in texts]


@pytest.fixture(scope="session")
def encoder() -> CachedEncoder:
    return CachedEncoder(make_encoder("fast-e5"))


def load_seed(prefix: str) -> Article:
    """A seed through the text stage. If the text stage does not (yet) mark the "Baca Juga"
    related-link lines as boilerplate, mark them here so the test checks alignment, not segmentation."""
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    art = TextPipeline().transform(RawArticle(text=path.read_text("utf-8"), id=prefix, origin=str(path)))
    for p in art.passages:
        if p.text.strip().lower().startswith("baca juga") and p.kind != BOILERPLATE:
            p.kind, p.reason = BOILERPLATE, "Baca Juga (marked by the test)"
    return art


@pytest.fixture(scope="session")
def seeds() -> dict[str, Article]:
    return {k: load_seed(k) for k in ("000", "001", "002", "003", "004")}
