"""Stage 3: encoders behind one small interface, chosen by name from the registry."""
from __future__ import annotations

from typing import Any

from .. import registry
from ..errors import ConfigError
from ..settings import EncoderSettings
from .base import Encoder

__all__ = ["Encoder", "encoder_from_settings", "make_encoder"]


def make_encoder(backend: str = "fast-e5", **params: Any) -> Encoder:
    """Build a registered encoder: ``make_encoder("sentence-transformers", model="/path")``.

    Parameters the backend does not take are an error (``ConfigError`` naming them)."""
    cls = registry.encoders.get(backend)
    try:
        return cls(**params)
    except TypeError as exc:
        if "unexpected keyword argument" not in str(exc):
            raise
        raise ConfigError(f"encoder {backend!r} does not take {exc}".rstrip(),
                          hint="see docs/encoders.md for each backend's parameters") from exc


def encoder_from_settings(settings: EncoderSettings) -> Encoder:
    """The ``[encoder]`` section's encoder: ``backend`` names it, the backend reads the keys it uses."""
    cls = registry.encoders.get(settings.backend)
    factory = getattr(cls, "from_settings", None)
    if factory is None:  # a plugin class without from_settings: only the batch size is passed
        return cls(batch_size=settings.batch_size)
    return factory(settings)
