"""Group: the story decision for one article, against the store and the batch's earlier articles;
then each touched story's id, made from its earliest member."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from ..group import Side, StoryGrouper, story_id_for
from ..group.candidates import BatchCandidates
from ..group.recluster import StoryReexamination
from ..group.similarity import passage_clues, same_story_score
from ..group.stories import founder_key
from ..model import EncodedArticle, Link
from ..store import SQLStore


class GroupService:
    """Puts an encoded article into a story (``StoryGrouper``) and records the deciding evidence on it."""

    def __init__(self, grouper: StoryGrouper, store: SQLStore) -> None:
        self.grouper = grouper
        self.store = store

    def side(self, item: EncodedArticle) -> Side:
        """The article as the story scorer sees it (built once, reused by tracing), its vectors as the store
        will return them: a pair scored while one article is new gets the number it gets once both are
        stored, so which article came first does not change a score (and the stories built on it)."""
        art = item.article
        assert item.vectors is not None, "encode before grouping"
        vectors = np.asarray(item.vectors).astype(self.store.vector_dtype).astype(np.float32)
        return Side(art.id, art.lang, art.published, vectors, item.texts)

    def assign(self, item: EncodedArticle, side: Side, candidates: BatchCandidates) -> None:
        """Set the article's ``story_id``, the ``join`` link when it joined a story, the candidates'
        scores (tracing reuses them) and the passages' clues (stored beside them for later candidates)."""
        candidates.radii = self.grouper.radii  # so that the hits on written articles are checked (stories.py)
        story_id, link = self.grouper.assign(side, candidates, scored=item.scored)
        pinned = self.store.pinned_story(item.id) if item.replace else None
        if pinned and pinned != story_id:  # a new version of an article placed by hand stays where it was put
            story_id, link = pinned, None
        item.article.story_id = story_id
        item.join = link
        item.clues = [passage_clues(t) for t in item.texts]

    def merge_near_misses(self, items: Sequence[EncodedArticle], candidates: BatchCandidates) -> int:
        """Re-examine the stories the batch touched: a story that one of its new articles scored well against
        (a pair at or above the threshold, but the article joined elsewhere or founded its own) is merged
        with the article's story when the two hold together as stories: the average same-story score over
        up to ``story_members`` members of each reaches the threshold. This is what makes the partition
        independent of the order articles came in: whichever came first, two stories that belong together
        end as one. Cost: pairs between the few near-miss stories the batch met. Returns merges made.

        With ``[stories] recluster_members`` the touched stories are clustered again instead, which also
        splits them (group/recluster.py)."""
        if self.grouper.recluster_members:
            return StoryReexamination(self.grouper, self.store).run(items, candidates)
        g, thr = self.grouper, self.grouper.join_threshold
        parent: dict[str, str] = {}

        def find(s: str) -> str:
            while parent.get(s, s) != s:
                s = parent[s]
            return s

        near: set[tuple[str, str]] = set()
        for it in items:
            own = it.article.story_id
            for mid, (score, _) in sorted(it.scored.items()):
                other = candidates.side(mid)[1] if score >= thr else None
                if own and other and other != own:
                    near.add((min(own, other), max(own, other)))
        merged = 0
        for a, b in sorted(near):
            ra, rb = find(a), find(b)
            if ra == rb or self.store.kept_apart({s for p in near for s in p if find(s) == ra},
                                                 {s for p in near for s in p if find(s) == rb}):
                continue  # one story already, or an analyst split them apart (pipeline/annotate.py)
            ma, mb = candidates.members(a, g.story_members), candidates.members(b, g.story_members)
            candidates.prefetch(ma + mb)
            scores = [(same_story_score(candidates.side(x)[0], candidates.side(y)[0], g.model, g.means, g.rarity),
                       x, y)
                      for x in ma for y in mb]
            if not scores:
                continue
            linkage = sum(s[0][0] for s in scores) / len(scores)
            if linkage < thr:
                continue
            (best, evidence), x, y = max(scores, key=lambda s: (s[0][0], s[1], s[2]))
            parent[rb] = ra
            merged += 1
            evidence = dict(evidence, merged=True, linkage="average", story_score=round(linkage, 4),
                            threshold=thr, stories=[a, b])
            self.store.write_links([Link(source=x, target=y, kind="same_story", score=round(best, 4),
                                         direction="undetermined", evidence=evidence)], story_id=a)
        for sid in sorted(parent):
            root = find(sid)
            if root != sid:  # its members move to the root; settle_ids then names the union after its founder
                founder = min(self._founder(root), self._founder(sid))
                self.store.rename_story(sid, root, founder)
                for it in items:
                    if it.article.story_id == sid:
                        it.article.story_id = root
        return merged

    def _founder(self, story_id: str) -> str:
        return self.store.story_founder(story_id) or self._founder_of_members(story_id)

    def _founder_of_members(self, story_id: str) -> str:
        """For a story founded in this batch, or made before founders were recorded: read its members."""
        return min(founder_key(aid, pub) for aid, pub in self.store.member_dates(story_id))

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
            founder = min([stored or self._founder_of_members(sid)]
                          + [founder_key(it.id, it.article.published) for it in its])
            new_id = story_id_for(founder.split("\t", 1)[1])
            if new_id != sid:
                self.store.rename_story(sid, new_id, founder)
                for it in its:
                    it.article.story_id = new_id
            elif founder != stored:
                self.store.set_story_founder(sid, founder)
