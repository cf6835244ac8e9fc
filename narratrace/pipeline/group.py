"""Group: the story decision for one article, against the store and the batch's earlier articles."""
from __future__ import annotations

from ..group import Side, StoryGrouper
from ..group.candidates import BatchCandidates
from ..group.similarity import passage_clues
from ..model import EncodedArticle


class GroupService:
    """Puts an encoded article into a story (``StoryGrouper``) and records the deciding evidence on it."""

    def __init__(self, grouper: StoryGrouper) -> None:
        self.grouper = grouper

    def side(self, item: EncodedArticle) -> Side:
        """The article as the story scorer sees it (built once, reused by tracing)."""
        art = item.article
        assert item.vectors is not None, "encode before grouping"
        return Side(art.id, art.lang, art.published, item.vectors, item.texts)

    def assign(self, item: EncodedArticle, side: Side, candidates: BatchCandidates) -> None:
        """Set the article's ``story_id``, the ``join`` link when it joined a story, the candidates'
        scores (tracing reuses them) and the passages' clues (stored beside them for later candidates)."""
        story_id, link = self.grouper.assign(side, candidates, scored=item.scored)
        item.article.story_id = story_id
        item.join = link
        item.clues = [passage_clues(t) for t in item.texts]
