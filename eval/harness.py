"""One run of the real pipeline on one corpus, for the evaluation harness (eval/run_all.py).

The corpus goes through ``Narratrace.add`` into a fresh temporary store with the given settings and a
disk-cached encoder; what it stored (stories, links, passage vectors) is scored, and ``Narratrace.compare``
scores each SemEval pair as stored.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from common import CachedEncoder
from corpora import Corpus
from scoring import partials_traced, partition, pearson_with_overall, translation_links

import narratrace
from narratrace import Narratrace
from narratrace.embed import encoder_from_settings
from narratrace.group.similarity import load_story_model, score_features
from narratrace.settings import EncoderSettings, Settings


@dataclass
class PipelineRun:
    """What one corpus came out as, and how long it took."""

    corpus: str
    partition: dict[str, Any]
    #: article id -> story id, for every stored article
    story_of: dict[str, str]
    ingest_seconds: float
    #: texts the encoder ran on (the rest came from the disk cache)
    encoded: int
    report: dict[str, Any]
    translation: dict[str, Any] | None = None
    partials: dict[str, Any] | None = None
    pearson: dict[str, Any] | None = None
    #: article id -> mean of its stored passage vectors (the e5 baseline's input), not serialised
    vectors: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"corpus": self.corpus, "bcubed": self.partition, "ingest_seconds": round(self.ingest_seconds, 2),
                "encoded_texts": self.encoded, "report": self.report, "translation_links": self.translation,
                "partials": self.partials, "pearson": self.pearson}


_ENCODERS: dict[EncoderSettings, CachedEncoder] = {}


def cached_encoder(settings: EncoderSettings) -> CachedEncoder:
    """The ``[encoder]`` section's encoder behind the disk cache, built once per section value."""
    if settings not in _ENCODERS:
        _ENCODERS[settings] = CachedEncoder(encoder_from_settings(settings), progress=True)
    return _ENCODERS[settings]


def run_pipeline(corpus: Corpus, settings: Settings, encoder: CachedEncoder, log: Any = None) -> PipelineRun:
    """Ingest ``corpus`` into a fresh store and score it."""
    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    before = encoder.cache.misses
    with tempfile.TemporaryDirectory(prefix="narratrace-eval-") as tmp, \
            Narratrace(db=Path(tmp) / f"{corpus.name}.db", settings=settings, encoder=encoder) as nt:  # type: ignore[arg-type]
        start = time.perf_counter()
        report = nt.add(corpus.records)
        seconds = time.perf_counter() - start
        story_of = {a.id: a.story_id for a in nt.articles() if a.story_id}
        links = nt.links()
        stored = nt.store.passage_vectors_many(story_of)
        vectors = {aid: (sp.vectors.mean(axis=0) if len(sp.vectors) else np.zeros(encoder.dim, np.float32))
                   for aid, sp in stored.items()}
        run = PipelineRun(corpus.name, partition(story_of, corpus.gold), story_of, seconds,
                          encoder.cache.misses - before, report.summary(), vectors=vectors)
        if corpus.docs:
            run.translation = translation_links(links, corpus.docs)
        if corpus.partials:
            run.partials = partials_traced(links, corpus.docs, corpus.partials)
        if corpus.pairs:
            start = time.perf_counter()
            scores, probabilities, overall = [], [], []
            # compare's score is graded (group.graded, fitted on semeval-fit only, so held out whatever the story
            # model); its story_probability is the shipped model's, a run with another ([stories] model) scores it
            model = load_story_model(settings.stories.model) if settings.stories.model else None
            for a, b, o in corpus.pairs:
                if a in story_of and b in story_of:
                    found = nt.compare(a, b)
                    scores.append(float(found["score"]))
                    probabilities.append(float(found["story_probability"]) if model is None
                                         else score_features(found["same_story_features"], model))
                    overall.append(o)
            run.pearson = {"pipeline": pearson_with_overall(scores, overall), "pairs": len(scores),
                           "story_probability": pearson_with_overall(probabilities, overall),
                           "seconds": round(time.perf_counter() - start, 1)}
    scored = f", BCubed F1 {run.partition['f1']:.3f}" if corpus.gold else ""
    say(f"  {corpus.name}: {len(corpus.records)} records in {seconds:.1f} s ({run.encoded} texts encoded){scored}")
    return run


def _git(*args: str, cwd: Path) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def machine(encoder: CachedEncoder | None = None) -> dict[str, Any]:
    """CPU, machine, Python and the commit of the narratrace package measured (with a note when its
    folder has uncommitted changes, which the figures then include)."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    package = Path(narratrace.__file__).resolve().parent
    commit = _git("rev-parse", "HEAD", cwd=package)
    dirty = _git("status", "--porcelain", "--", ".", cwd=package) if commit else ""
    return {"cpu": cpu or "unknown", "cores": os.cpu_count(), "machine": platform.machine(),
            "platform": platform.platform(), "python": platform.python_version(),
            "commit": (commit or "unknown") + (" + uncommitted changes in narratrace/" if dirty else ""),
            "package": str(package),
            "encoder": f"{encoder.config.get('backend', encoder.name)} ({encoder.vector_space})" if encoder else None}
