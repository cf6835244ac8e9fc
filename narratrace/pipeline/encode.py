"""Encode: the one passage rule (which passages get vectors) and one encoder call per batch."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..embed import Encoder
from ..model import Article, EncodedArticle, Passage
from ..settings import TextSettings


class EncodeService:
    """Chooses the passages to encode (the first ``[text] max_passages`` matchable ones: title and
    body, never boilerplate) and encodes a whole batch in one call, so the encoder sees full batches."""

    def __init__(self, encoder: Encoder, settings: TextSettings) -> None:
        self.encoder = encoder
        self.max_passages = settings.max_passages

    def passages_to_encode(self, article: Article) -> list[Passage]:
        """The passage rule: every stage that needs an article's vectors uses this one."""
        return article.matchable_passages()[: self.max_passages]

    def encode(self, items: Sequence[EncodedArticle]) -> None:
        """Fill ``passages`` and ``vectors`` of the items that have no vectors yet."""
        todo = [it for it in items if it.vectors is None]
        if not todo:
            return
        for it in todo:
            it.passages = self.passages_to_encode(it.article)
        vectors = self.encoder.encode_passages([p.text for it in todo for p in it.passages])
        offset = 0
        for it in todo:
            it.vectors = np.ascontiguousarray(vectors[offset : offset + len(it.passages)], dtype=np.float32)
            offset += len(it.passages)
