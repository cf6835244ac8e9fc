"""Where grouping and tracing find candidates: the stored articles plus the batch being written.

A batch's articles are grouped one after the other inside one transaction, so article k must
see articles 0..k-1 of the same batch as candidates. They are served from their hand-off
objects (``EncodedArticle``), never read back from the store; stored articles are read once
per batch (the members of a story recur).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..model import EncodedArticle
from ..store import SQLStore, StoredPassages
from ..store.ann import PassageIndex
from .similarity import Side, side_with_clues
from .stories import NeighbourRadii


class BatchCandidates:
    """Candidate source (``stories.CandidateSource``) over the store plus the batch's articles."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store
        self.index: PassageIndex | None = store.index() if store.get_meta("dim") and store.has_vectors() else None
        #: article id -> (its grouping side, story id, hand-off object) for the batch's written articles
        self.pending: dict[str, tuple[Side, str, EncodedArticle]] = {}
        self.pending_owner: dict[int, str] = {}
        self._sides: dict[str, tuple[Side, str | None]] = {}
        self._stored: dict[str, StoredPassages] = {}
        #: the grouper's radii (``GroupService`` sets them), told the passage ids of each written article
        self.radii: NeighbourRadii | None = None

    def add(self, side: Side, item: EncodedArticle) -> None:
        """A written article of this batch: a candidate for the batch's later articles."""
        story_id = item.article.story_id or ""
        self.pending[side.id] = (side, story_id, item)
        rowids = np.array([item.rowids[i] for i in item.indices], dtype=np.int64)
        if len(rowids):
            if self.index is None:
                # the store had no vectors when the batch began: every vector since is one of this batch's
                # (already written, not yet committed) and is added here, so start empty; loading
                # store.index() now would rebuild it with them and then add them a second time
                self.index = PassageIndex(side.vectors.shape[1])
                self.store._index = self.index
            self.index.add(rowids, side.vectors)
            self.pending_owner.update((int(r), side.id) for r in rowids)
            if self.radii is not None:
                self.radii.passages(side.id, rowids.tolist())

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self.index is None:
            return np.zeros((len(vectors), 0), np.float32), np.zeros((len(vectors), 0), np.int64)
        return self.index.search(vectors, k)

    def owners(self, passage_ids: list[int]) -> dict[int, str]:
        out = {i: self.pending_owner[i] for i in passage_ids if i in self.pending_owner}
        out.update(self.store.passage_owners([i for i in passage_ids if i not in out]))
        return out

    def side(self, article_id: str) -> tuple[Side, str | None]:
        """A stored or pending article as grouping and tracing score it (stored ones read once per batch)."""
        if article_id in self.pending:
            side, story_id, _ = self.pending[article_id]
            return side, story_id
        if article_id not in self._sides:
            sp = self.stored(article_id)
            self._sides[article_id] = (side_with_clues(article_id, sp.lang, sp.published, sp.vectors, sp.texts,
                                                       sp.clues), sp.story_id)
        return self._sides[article_id]

    def members(self, story_id: str, limit: int) -> list[str]:
        """The first ``limit`` members of a story, stored ones and this batch's (already written)."""
        return self.store.story_article_ids(story_id, limit)

    def moved(self, article_id: str, story_id: str) -> None:
        """Re-examination moved an article to another story: what this batch serves of it follows."""
        if article_id in self.pending:
            side, _, item = self.pending[article_id]
            self.pending[article_id] = (side, story_id, item)
        elif article_id in self._sides:
            self._sides[article_id] = (self._sides[article_id][0], story_id)

    def recent_document_frequencies(self, passages: int) -> tuple[int, dict[str, int]]:
        """Term document frequencies over the store's most recent articles (this batch's written ones
        included): what the lexical feature's rarity is refreshed from."""
        return self.store.recent_document_frequencies(passages)

    def prefetch(self, article_ids: list[str]) -> None:
        """Read the stored passages of these articles at once (grouping's candidates)."""
        todo = [a for a in article_ids if a not in self._stored and a not in self.pending]
        if todo:
            self._stored.update(self.store.passage_vectors_many(todo))

    def stored(self, article_id: str) -> StoredPassages:
        """The encoded passages of an article as the store keeps them; a batch article's from its hand-off."""
        if article_id in self.pending:
            return stored_passages(self.pending[article_id][2])
        sp = self._stored.get(article_id)
        if sp is None:
            sp = self._stored[article_id] = self.store.passage_vectors(article_id)
        return sp

    def batch_item(self, article_id: str) -> EncodedArticle | None:
        """The hand-off object of a batch article (None for one stored earlier)."""
        hit = self.pending.get(article_id)
        return hit[2] if hit is not None else None


def stored_passages(item: EncodedArticle) -> StoredPassages:
    """A written hand-off object in the shape the store returns (the vectors as stored)."""
    art = item.article
    vectors: Any = item.stored_vectors if item.stored_vectors is not None else item.vectors
    return StoredPassages(art.id, art.lang, art.published, art.story_id, item.indices, item.texts,
                          [p.lang for p in item.passages], vectors, list(item.clues))
