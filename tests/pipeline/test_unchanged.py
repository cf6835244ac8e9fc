"""The pipeline's results on a fixed corpus (seeds + 150 SemEval articles) match the recorded snapshot.

eval/pipeline_unchanged.py does the run; its snapshot was recorded before the ingest services were
split out of ``Narratrace`` (docs/architecture.md says what changed and why).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_unchanged_stories_and_links_on_seeds_and_semeval(shared_dir):
    spec = importlib.util.spec_from_file_location("pipeline_unchanged", REPO / "eval" / "pipeline_unchanged.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import json

    want = json.loads(mod.SNAPSHOT.read_text("utf-8"))
    problems = mod.diff(want, mod.results())
    assert not problems, "\n".join(problems[:20])
