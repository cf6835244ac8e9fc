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
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import numpy as np

from ..model import Link
from ..settings import StoriesSettings
from .lexical import BACKGROUND, TermRarity
from .similarity import Side, load_story_model, prepare_sides, same_story_score


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
    is small); all are forgotten at once past ``limit`` pairs.

    The pairs scoring at least ``strong_at`` (the join threshold) are also kept as each article's
    *partners*: two stories joined by such a pair are one component for re-examination, whichever
    article met the other first (group/recluster.py)."""

    def __init__(self, limit: int = 500_000, strong_at: float = 1.0) -> None:
        self.limit = limit
        self.strong_at = strong_at
        self._scores: dict[tuple[str, str], float] = {}
        #: article -> the articles it has a kept score with (``missing`` counts by set intersection)
        self._scored_with: dict[str, set[str]] = {}
        self._partners: dict[str, set[str]] = {}
        self._strong_pairs = 0

    def _keep(self, key: tuple[str, str], score: float) -> None:
        if len(self._scores) >= self.limit:
            self._scores, self._scored_with = {}, {}
        self._scores[key] = score
        if key[0] != key[1]:
            self._scored_with.setdefault(key[0], set()).add(key[1])
            self._scored_with.setdefault(key[1], set()).add(key[0])
        if score >= self.strong_at and key[1] not in self._partners.get(key[0], ()):
            if self._strong_pairs >= self.limit:
                self._partners, self._strong_pairs = {}, 0
            self._partners.setdefault(key[0], set()).add(key[1])
            self._partners.setdefault(key[1], set()).add(key[0])
            self._strong_pairs += 1

    def get(self, a: str, b: str, compute: Callable[[], float]) -> float:
        key = (a, b) if a < b else (b, a)
        got = self._scores.get(key)
        if got is None:
            got = compute()
            self._keep(key, got)
        return got

    def missing(self, ids: list[str]) -> int:
        """How many pairs of ``ids`` have no score kept (re-examination's cost of a component, asked a few
        times per batch of components of up to ``recluster_items`` articles: counted by set intersection)."""
        unique = set(ids)
        if len(unique) < len(ids):  # a repeated id pairs with itself: counted pair by pair
            return sum(((a, b) if a < b else (b, a)) not in self._scores
                       for k, a in enumerate(ids) for b in ids[k + 1:])
        none: set[str] = set()
        kept = sum(len(self._scored_with.get(a, none) & unique) for a in ids) // 2
        return len(ids) * (len(ids) - 1) // 2 - kept

    def missing_between(self, ids: list[str], others: list[str]) -> int:
        """How many pairs of one of ``ids`` and one of ``others`` have no score kept."""
        return sum(((a, b) if a < b else (b, a)) not in self._scores for a in ids for b in others)

    def partners(self, article_id: str) -> set[str]:
        """The articles ``article_id`` scored at least ``strong_at`` with (as far as this process knows)."""
        return self._partners.get(article_id, set())

    def seed(self, a: str, pairs: Iterable[tuple[str, float]]) -> None:
        """Scores already computed for article ``a`` (grouping's candidates)."""
        for b, s in pairs:
            self._keep((a, b) if a < b else (b, a), s)


class NeighbourRadii:
    """How near a passage must come to an article to be among its articles' nearest passages: the
    ``ann_k``-th similarity its passages met when it was grouped (the smallest over its passages).

    Why: candidates are the owners of a new article's nearest passages, so a pair is found only by the
    later of its two articles. When the earlier one has many close neighbours the later one may miss it,
    while in the other order the pair is found: the stories would depend on the order. A stored article
    whose radius the new one reaches is a candidate too. Kept for the process (an article grouped by an
    earlier process has no radius and is found as before); forgotten at once past ``limit`` articles.

    The passage ids of the articles with a radius (``passages``, once written) let grouping ask the store
    for the owners of only the hits beyond ``ann_k`` that may reach one (``may_reach``): at a million
    articles that was three quarters of the owner reads of an add, for hits whose owner has no radius."""

    def __init__(self, limit: int = 500_000) -> None:
        self.limit = limit
        self._radius: dict[str, float] = {}
        self._floor = math.inf
        #: passage id -> the radius of the article it was written for (a rowid reused after a rollback may
        #: name another article: ``may_reach`` only narrows what the store is asked)
        self._passage_radius: dict[int, float] = {}

    def record(self, article_id: str, scores: np.ndarray, ids: np.ndarray) -> None:
        """The nearest passages an article met (``scores`` and ``ids`` of its ``ann_k`` per passage)."""
        if len(self._radius) >= self.limit:
            self._radius, self._floor, self._passage_radius = {}, math.inf, {}
        full = (ids >= 0).all(axis=1)  # a passage with fewer than ann_k neighbours is reached by any
        radius = float(scores[full, -1].min()) if full.all() and scores.shape[1] else -1.0
        self._radius[article_id] = radius
        self._floor = min(self._floor, radius)

    def passages(self, article_id: str, passage_ids: Iterable[int]) -> None:
        """The passage ids an article with a radius was written under (its hits are then checked)."""
        radius = self._radius.get(article_id)
        if radius is not None:
            self._passage_radius.update((int(i), radius) for i in passage_ids)

    def may_reach(self, passage_id: int, similarity: float) -> bool:
        """False when no article with a radius that ``similarity`` reaches was written under this passage
        id: its owner cannot be a reverse candidate, so the store need not be asked who it is."""
        r = self._passage_radius.get(passage_id)
        return r is not None and similarity >= r

    def floor(self) -> float:
        """No article's radius is below this: a hit below it reaches none."""
        return self._floor

    def reaches(self, article_id: str, similarity: float) -> bool:
        r = self._radius.get(article_id)
        return r is not None and similarity >= r


class StoryGrouper:
    """Assigns stories one article at a time. Parameters are the ``[stories]`` settings (no defaults
    here: ``defaults.toml`` is their one source); ``model`` None means the shipped story model;
    ``rarity`` the term document frequencies of the lexical feature (None: the shipped background only)."""

    def __init__(self, ann_k: int, max_candidates: int, join_threshold: float, story_members: int,
                 model: dict[str, Any] | None = None, means: dict[str, np.ndarray] | None = None,
                 rarity: TermRarity | None = None, recluster_members: int = 0, recluster_pairs: int = 0,
                 recluster_items: int = 0, reverse_ann_k: int = 0) -> None:
        self.means = means
        self.rarity = rarity
        #: stored members per touched story clustered again after a batch (group/recluster.py); 0: not
        self.recluster_members = recluster_members
        #: new pair scores re-examination may compute per article of a batch (its cost bound)
        self.recluster_pairs = recluster_pairs
        #: articles a re-examined component may grow to through its members' partners; 0: no growth
        self.recluster_items = recluster_items
        self.pair_scores = PairScores(strong_at=join_threshold)
        #: passages searched per passage to find the stored articles this one is among the nearest of
        self.reverse_ann_k = reverse_ann_k
        self.radii = NeighbourRadii()
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
                   recluster_pairs=settings.recluster_pairs, recluster_items=settings.recluster_items,
                   reverse_ann_k=settings.reverse_ann_k)

    def candidates(self, side: Side, source: CandidateSource) -> list[str]:
        """Articles owning the nearest passages, best first (by summed similarity of their hits, then id);
        then, beyond ``max_candidates``, the owner of each passage's nearest passage and the stored articles
        that would have had this one among their nearest (``NeighbourRadii``)."""
        if not len(side.vectors):
            return []
        wide = max(self.ann_k, self.reverse_ann_k)
        scores, ids = source.search(side.vectors, wide)
        self.radii.record(side.id, scores[:, : self.ann_k], ids[:, : self.ann_k])
        floor = self.radii.floor()
        keep = (np.arange(scores.shape[1]) < self.ann_k)[None, :] | (scores >= floor)
        # beyond ann_k only a hit whose owner has a radius it reaches counts: the owners of the others are
        # not read (at 1M articles they were three quarters of the owners read)
        far = scores[:, self.ann_k:] >= floor
        ask = {int(i) for i in ids[:, : self.ann_k].ravel().tolist() if i >= 0} | {
            i for i, s in zip(ids[:, self.ann_k:][far].tolist(), scores[:, self.ann_k:][far].tolist())
            if i >= 0 and self.radii.may_reach(i, s)}
        owners = source.owners(sorted(ask))
        total: dict[str, float] = defaultdict(float)
        reverse: set[str] = set()
        nearest: set[str] = set()
        for row_s, row_i, row_keep in zip(scores, ids, keep):
            seen: set[str] = set()
            for rank, (s, i, kept) in enumerate(zip(row_s, row_i, row_keep)):
                aid = owners.get(int(i)) if kept else None
                if aid is None or aid == side.id or aid in seen:
                    continue
                if rank < self.ann_k:
                    if not seen:
                        nearest.add(aid)  # the owner of this passage's nearest passage
                    seen.add(aid)  # one vote per passage per article
                    total[aid] += float(s)
                elif self.radii.reaches(aid, float(s)):
                    reverse.add(aid)
        forward = sorted(total, key=lambda a: (-total[a], a))[: self.max_candidates]
        # beyond the cut: a passage's nearest (one close paragraph weighs less than another's many middling
        # ones in the sum) and the reverse candidates
        return forward + sorted((nearest | reverse) - set(forward))

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
        prepare_sides([side] + [source.side(m)[0] for members in by_story.values() for m in members
                                if m not in scored], self.means)
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
