"""Stage 2: language, normalisation, segmentation, boilerplate and metadata.

Public surface: ``TextPipeline(...).transform(raw) -> Article``.
"""
from __future__ import annotations

from .pipeline import TextPipeline, analyse

__all__ = ["TextPipeline", "analyse"]
