"""Fixtures: one shared pipeline (cld2 loads once) and the seed articles as plain UTF-8 text."""
from __future__ import annotations

import pathlib

import pytest

from narratrace.model import Article, RawArticle
from narratrace.text import TextPipeline

SEEDS = pathlib.Path(__file__).resolve().parents[2] / "examples" / "seeds"


@pytest.fixture(scope="session")
def pipeline() -> TextPipeline:
    return TextPipeline()


@pytest.fixture(scope="session")
def seeds(pipeline: TextPipeline) -> dict[str, Article]:
    """Seed articles by number ("000".."004"), id = file stem."""
    out = {}
    for path in sorted(SEEDS.glob("*.txt")):
        raw = RawArticle(text=path.read_text(encoding="utf-8"), id=path.stem)
        out[path.name[:3]] = pipeline.transform(raw)
    return out
