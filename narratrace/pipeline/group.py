"""Group: the story decision for one article, against the store and the batch's earlier articles;
then each touched story's id, made from its earliest member."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ..group import Side, StoryGrouper, story_id_for
from ..group.candidates import BatchCandidates
from ..group.similarity import passage_clues
from ..group.stories import founder_key
from ..model import EncodedArticle
from ..store import SQLStore


class GroupService:
    """Puts an encoded article into a story (``StoryGrouper``) and records the deciding evidence on it."""

    def __init__(self, grouper: StoryGrouper, store: SQLStore) -> None:
        self.grouper = grouper
        self.store = store

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

    def settle_ids(self, items: Sequence[EncodedArticle]) -> None:
        """After the batch is written: each story it touched is named after its earliest member
        (``founder_key``), so ids do not depend on arrival order; a renamed story keeps its old id as an
        alias. Costs one founder lookup per touched story (all members only for a story without one)."""
        touched: dict[str, list[EncodedArticle]] = defaultdict(list)
        for it in items:
            if it.article.story_id:
                touched[it.article.story_id].append(it)
        for sid, its in sorted(touched.items()):
            stored = self.store.story_founder(sid)
            if stored is None:  # founded in this batch, or a store made before founders were recorded
                keys = [founder_key(aid, pub) for aid, pub in self.store.member_dates(sid)]
            else:
                keys = [stored] + [founder_key(it.id, it.article.published) for it in its]
            founder = min(keys)
            new_id = story_id_for(founder.split("\t", 1)[1])
            if new_id != sid:
                self.store.rename_story(sid, new_id, founder)
                for it in its:
                    it.article.story_id = new_id
            elif founder != stored:
                self.store.set_story_founder(sid, founder)
