"""Encode: the one passage rule (which passages get vectors) and one encoder call per batch."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..embed import Encoder
from ..model import Article, EncodedArticle, Passage
from ..settings import TextSettings
from .boilerplate import SiteBoilerplate


class EncodeService:
    """Chooses the passages to encode and encodes a whole batch in one call, so the encoder sees full
    batches. The passage rule: the first ``[text] max_passages`` matchable ones (title and body, never
    boilerplate the text stage found), less the lines their site is known to repeat (``site_boilerplate``,
    learned from the store; docs/ingest.md). What gets no vector is left out of grouping, tracing, search
    and narratives, and stays stored for display."""

    def __init__(self, encoder: Encoder, settings: TextSettings,
                 site_boilerplate: SiteBoilerplate | None = None) -> None:
        self.encoder = encoder
        self.max_passages = settings.max_passages
        self.site_boilerplate = site_boilerplate

    def passages_to_encode(self, article: Article) -> list[Passage]:
        """The text half of the passage rule, which needs no store (Spark executors apply it alone; the
        driver then leaves out site boilerplate with ``leave_out_site_boilerplate``)."""
        return article.matchable_passages()[: self.max_passages]

    def leave_out_site_boilerplate(self, items: Sequence[EncodedArticle]) -> None:
        """Drop learned site boilerplate from the chosen passages (and their vector rows, when encoded), the
        reason kept on the passage. An article made only of such lines keeps them: nothing else could match it."""
        if self.site_boilerplate is None:
            return
        for k, why in self.site_boilerplate.learned(items).items():
            it = items[k]
            keep = [j for j, p in enumerate(it.passages) if p.index not in why]
            if not keep or len(keep) == len(it.passages):
                continue
            for p in it.passages:
                if p.index in why:
                    p.reason = why[p.index]
            it.passages = [it.passages[j] for j in keep]
            if it.vectors is not None:
                it.vectors = np.ascontiguousarray(it.vectors[keep])

    def encode(self, items: Sequence[EncodedArticle]) -> None:
        """Fill ``passages`` and ``vectors`` of the items that have no vectors yet."""
        self.fill(self.choose(items))

    def choose(self, items: Sequence[EncodedArticle]) -> list[EncodedArticle]:
        """The items without vectors, their ``passages`` chosen by the passage rule (this reads the store's
        site boilerplate; ``fill`` does not, so a server can encode without holding its store)."""
        todo = [it for it in items if it.vectors is None]
        for it in todo:
            it.passages = self.passages_to_encode(it.article)
        if todo:
            self.leave_out_site_boilerplate(todo)
        return todo

    def fill(self, todo: Sequence[EncodedArticle]) -> None:
        """The vectors of the chosen passages of ``todo``, in one encoder call; no store access."""
        if not todo:
            return
        vectors = self.encoder.encode_passages([p.text for it in todo for p in it.passages])
        offset = 0
        for it in todo:
            it.vectors = np.ascontiguousarray(vectors[offset : offset + len(it.passages)], dtype=np.float32)
            offset += len(it.passages)
