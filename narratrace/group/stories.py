"""Incremental, cross-lingual story grouping, decided against whole stories.

Candidates come from the ANN index over passages (one matching paragraph is enough to be
considered); the articles that own the nearest passages are scored with passage-level evidence
(``similarity``), and so are up to ``story_members`` other members of each candidate story. A new
article joins the story whose **average** same-story score over those members reaches
``join_threshold`` (average linkage): one bridging article that resembles a single member of
another event no longer pulls the new article, and with it the two events, together.

A story is named after its earliest member (publication date, then id; undated members last),
so the id depends on who is in the story, not on the order they arrived in; when an earlier
member arrives, the story takes its id and the old one is kept as an alias (store.story_aliases).
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import numpy as np

from ..model import Link
from ..settings import StoriesSettings
from .lexical import BACKGROUND, TermRarity
from .similarity import Side, load_story_model, same_story_score


class CandidateSource(Protocol):
    """What grouping needs of a store: nearest passages, their owners, stored articles' passages and
    the members of a story."""

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def owners(self, passage_ids: list[int]) -> dict[int, str]: ...
    def side(self, article_id: str) -> tuple[Side, str | None]: ...
    def members(self, story_id: str, limit: int) -> list[str]: ...
    def prefetch(self, article_ids: list[str]) -> None: ...
    def recent_document_frequencies(self, passages: int) -> tuple[int, dict[str, int]]: ...


def story_id_for(article_id: str) -> str:
    """The id of a story whose earliest member is ``article_id``: stable across runs and machines."""
    return "S" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:10]


def founder_key(article_id: str, published: str | None) -> str:
    """Sort key of a story's founder: the earliest publication date, then the id; undated sort last."""
    return f"{published or '~'}\t{article_id}"


class PairScores:
    """Same-story scores of article pairs kept for the process: re-examination meets the same stored
    members batch after batch. A score is not recomputed when the term rarity is refreshed (the change
    is small); all are forgotten at once past ``limit`` pairs."""

    def __init__(self, limit: int = 500_000) -> None:
        self.limit = limit
        self._scores: dict[tuple[str, str], float] = {}

    def get(self, a: str, b: str, compute: Callable[[], float]) -> float:
        key = (a, b) if a < b else (b, a)
        got = self._scores.get(key)
        if got is None:
            if len(self._scores) >= self.limit:
                self._scores = {}
            got = self._scores[key] = compute()
        return got

    def missing(self, ids: list[str]) -> int:
        """How many pairs of ``ids`` have no score kept."""
        return sum(((a, b) if a < b else (b, a)) not in self._scores
                   for k, a in enumerate(ids) for b in ids[k + 1:])

    def seed(self, a: str, pairs: Iterable[tuple[str, float]]) -> None:
        """Scores already computed for article ``a`` (grouping's candidates)."""
        for b, s in pairs:
            self._scores[(a, b) if a < b else (b, a)] = s


class StoryGrouper:
    """Assigns stories one article at a time. Parameters are the ``[stories]`` settings (no defaults
    here: ``defaults.toml`` is their one source); ``model`` None means the shipped story model;
    ``rarity`` the term document frequencies of the lexical feature (None: the shipped background only)."""

    def __init__(self, ann_k: int, max_candidates: int, join_threshold: float, story_members: int,
                 model: dict[str, Any] | None = None, means: dict[str, np.ndarray] | None = None,
                 rarity: TermRarity | None = None, recluster_members: int = 0, recluster_pairs: int = 0) -> None:
        self.means = means
        self.rarity = rarity
        #: stored members per touched story clustered again after a batch (group/recluster.py); 0: not
        self.recluster_members = recluster_members
        #: new pair scores re-examination may compute per article of a batch (its cost bound)
        self.recluster_pairs = recluster_pairs
        self.pair_scores = PairScores()
        self.ann_k = ann_k
        self.max_candidates = max_candidates
        self.join_threshold = join_threshold
        self.story_members = story_members
        self.model = model

    @classmethod
    def from_settings(cls, settings: StoriesSettings, means: dict[str, np.ndarray] | None,
                      model: dict[str, Any] | None = None) -> StoryGrouper:
        rarity = TermRarity.load(BACKGROUND, sample_passages=settings.idf_sample_passages,
                                 refresh_share=settings.idf_refresh_share)
        if model is None and settings.model:
            model = load_story_model(settings.model)
        return cls(ann_k=settings.ann_k, max_candidates=settings.max_candidates,
                   join_threshold=settings.join_threshold, story_members=settings.story_members,
                   model=model, means=means, rarity=rarity, recluster_members=settings.recluster_members,
                   recluster_pairs=settings.recluster_pairs)

    def candidates(self, side: Side, source: CandidateSource) -> list[str]:
        """Articles owning the nearest passages, best first (by summed similarity of their hits, then id)."""
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
        return sorted(total, key=lambda a: (-total[a], a))[: self.max_candidates]

    def assign(self, side: Side, source: CandidateSource,
               scored: dict[str, tuple[float, dict[str, Any]]] | None = None) -> tuple[str, Link | None]:
        """The story id for ``side`` and, when it joins a story, the link with the deciding evidence.

        ``scored``: when given, receives (score, evidence) of every article scored, so that tracing the
        same pairs afterwards does not score them again."""
        scored = {} if scored is None else scored
        if self.rarity is not None:
            self.rarity.grouped(source)
        cands = self.candidates(side, source)
        source.prefetch(cands)
        by_story: dict[str, list[str]] = defaultdict(list)
        for cand in cands:
            _, story = source.side(cand)
            if story is not None:
                by_story[story].append(cand)
        # each candidate story is judged on its hit members plus up to story_members others (read at once)
        extras: list[str] = []
        for story, hits in by_story.items():
            extra = [m for m in source.members(story, self.story_members + len(hits))
                     if m not in hits and m != side.id][: max(0, self.story_members - len(hits))]
            extras += extra
            hits.extend(extra)
        source.prefetch(extras)
        best: tuple[float, str, list[tuple[str, float]]] | None = None
        for story in sorted(by_story):
            members = by_story[story]
            for m in members:
                if m not in scored:
                    score, evidence = same_story_score(side, source.side(m)[0], self.model, self.means,
                                                       self.rarity)
                    scored[m] = (score, dict(evidence))
            per_member = sorted(((m, scored[m][0]) for m in members), key=lambda x: (-x[1], x[0]))
            linkage = float(np.mean([s for _, s in per_member]))
            if best is None or linkage > best[0] or (linkage == best[0] and story < best[1]):
                best = (linkage, story, per_member)
        if best is not None and best[0] >= self.join_threshold:
            linkage, story, per_member = best
            matched, pair_score = per_member[0]
            evidence = dict(scored[matched][1])
            evidence.update(threshold=self.join_threshold, linkage="average", story_score=round(linkage, 4),
                            members=[{"id": m, "score": round(s, 4)} for m, s in per_member],
                            joined=side.id, matched=matched)
            return story, Link(source=side.id, target=matched, kind="same_story", score=round(pair_score, 4),
                               direction="undetermined", evidence=evidence)
        return story_id_for(side.id), None
