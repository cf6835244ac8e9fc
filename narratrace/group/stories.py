"""Incremental, cross-lingual story grouping.

Each new article joins the story of its best-scoring candidate when the
same-story score reaches ``join_threshold``, or founds a new story. Candidates
come from the ANN index over passages (so one matching paragraph is enough to be
considered), and are scored with passage-level evidence (``similarity``). Story
ids are derived from the founding article's id, so they are stable across runs.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any, Protocol

import numpy as np

from ..model import Link
from ..settings import StoriesSettings
from .similarity import Side, same_story_score


class CandidateSource(Protocol):
    """What grouping needs of a store: nearest passages, their owners, and stored articles' passages."""

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def owners(self, passage_ids: list[int]) -> dict[int, str]: ...
    def side(self, article_id: str) -> tuple[Side, str | None]: ...


def story_id_for(article_id: str) -> str:
    """A story is named after the article that founded it: stable across runs and machines."""
    return "S" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:10]


class StoryGrouper:
    """Assigns stories one article at a time. Parameters are the ``[stories]`` settings (no defaults
    here: ``defaults.toml`` is their one source); ``model`` None means the shipped story model."""

    def __init__(self, ann_k: int, max_candidates: int, join_threshold: float,
                 model: dict[str, Any] | None = None, means: dict[str, np.ndarray] | None = None) -> None:
        self.means = means
        self.ann_k = ann_k
        self.max_candidates = max_candidates
        self.join_threshold = join_threshold
        self.model = model

    def candidates(self, side: Side, source: CandidateSource) -> list[str]:
        """Articles owning the nearest passages, best first (by summed similarity of their hits)."""
        if not len(side.vectors):
            return []
        scores, ids = source.search(side.vectors, self.ann_k)
        owners = source.owners([int(i) for i in np.unique(ids) if i >= 0])
        total: dict[str, float] = defaultdict(float)
        for row_s, row_i in zip(scores, ids):
            seen = set()
            for s, i in zip(row_s, row_i):
                aid = owners.get(int(i))
                if aid is None or aid == side.id or aid in seen:
                    continue
                seen.add(aid)  # one vote per passage per article
                total[aid] += float(s)
        return sorted(total, key=total.__getitem__, reverse=True)[: self.max_candidates]

    def assign(self, side: Side, source: CandidateSource,
               scored: dict[str, tuple[float, dict[str, Any]]] | None = None) -> tuple[str, Link | None]:
        """The story id for ``side`` and, when it joins a story, the link with the deciding evidence.

        ``scored``: when given, receives (score, evidence) of every candidate scored, so that tracing the
        same pairs afterwards does not score them again."""
        best: tuple[float, str, str, dict[str, Any]] | None = None
        cands = self.candidates(side, source)
        prefetch = getattr(source, "prefetch", None)  # optional: a source that can read them all at once
        if prefetch is not None:
            prefetch(cands)
        for cand in cands:
            other, story = source.side(cand)
            if story is None:
                continue
            score, evidence = same_story_score(side, other, self.model, self.means)
            if scored is not None:
                scored[cand] = (score, dict(evidence))
            if best is None or score > best[0]:
                best = (score, cand, story, evidence)
        if best is not None and best[0] >= self.join_threshold:
            score, cand, story, evidence = best
            evidence["threshold"] = self.join_threshold
            evidence["joined"], evidence["matched"] = side.id, cand
            return story, Link(source=side.id, target=cand, kind="same_story", score=round(score, 4),
                               direction="undetermined", evidence=evidence)
        return story_id_for(side.id), None

    @classmethod
    def from_settings(cls, settings: StoriesSettings, means: dict[str, np.ndarray] | None,
                      model: dict[str, Any] | None = None) -> StoryGrouper:
        return cls(ann_k=settings.ann_k, max_candidates=settings.max_candidates,
                   join_threshold=settings.join_threshold, model=model, means=means)
