"""Write: one article, its passages, vectors, clues and joining link, in the batch's transaction;
and when the ANN index file is saved."""
from __future__ import annotations

import time

import numpy as np

from ..model import EncodedArticle
from ..settings import StoreSettings
from ..store import SQLStore
from .boilerplate import SiteBoilerplate


class WriteService:
    """Writes hand-off objects to the store and keeps what it wrote on them (rowids, the vectors as
    stored), so later services of the batch need not read them back."""

    def __init__(self, store: SQLStore, settings: StoreSettings, site_boilerplate: SiteBoilerplate | None = None
                 ) -> None:
        self.store = store
        self.site_boilerplate = site_boilerplate
        self.index_save_seconds = settings.index_save_seconds
        self._next_rowid = 0
        self._index_dirty = False
        self._index_saved_at = time.monotonic()

    def begin_batch(self) -> None:
        """Inside the transaction: passage rowids continue after the store's largest."""
        self._next_rowid = self.store.next_passage_rowid()

    def write(self, item: EncodedArticle) -> None:
        art = item.article
        assert item.vectors is not None, "encode before writing"
        # every passage gets its rowid (the ANN index is keyed by it); only encoded ones get vectors
        item.rowids = {p.index: self._next_rowid + k for k, p in enumerate(art.passages)}
        self._next_rowid += len(art.passages)
        self.store.write_article(art, item.rowids, dict(zip(item.indices, item.vectors)), replace=item.replace,
                                 clues=dict(zip(item.indices, item.clues)))
        if self.site_boilerplate is not None:  # its short lines count towards its site's boilerplate
            self.site_boilerplate.record(item)
        item.stored_vectors = self.as_stored(item.vectors)
        if item.join is not None:
            self.store.write_links([item.join], story_id=art.story_id)

    def as_stored(self, vectors: np.ndarray) -> np.ndarray:
        """The vectors as the store keeps and returns them (its dtype, read back as float32): what tracing
        and ``compare`` score, so a fresh pair and a stored one get the same numbers."""
        return vectors.astype(self.store.vector_dtype).astype(np.float32)

    def batch_committed(self) -> None:
        """Writing the whole index costs time linear in the store: during a long run it is saved at most
        every ``[store] index_save_seconds`` and at the end; after a crash the store adds what is missing."""
        self._index_dirty = True
        if time.monotonic() - self._index_saved_at >= self.index_save_seconds:
            self.save_index()

    def batch_failed(self) -> None:
        self.store.discard_index()  # it may hold passages of the rolled-back batch

    def save_index(self, if_changed: bool = False) -> None:
        if if_changed and not self._index_dirty:
            return
        self.store.save_index()
        self._index_dirty, self._index_saved_at = False, time.monotonic()
