"""Stage 2: language, normalisation, segmentation, boilerplate and metadata.

Public surface: ``TextPipeline(...).transform(raw) -> Article``, ``analyse(raw)``, ``normalise(text, lang)``.
"""
from __future__ import annotations

from .normalise import normalise
from .pipeline import TextPipeline, analyse

__all__ = ["TextPipeline", "analyse", "normalise"]
