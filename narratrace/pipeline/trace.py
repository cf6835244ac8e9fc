"""Trace: citations of each new article, and its relation (translation, rewrite…) to story members."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from functools import partial
from typing import Any

from ..errors import NotFound
from ..group.candidates import BatchCandidates, stored_passages
from ..model import Article, EncodedArticle, Link
from ..settings import StoriesSettings
from ..store import SQLStore, StoredPassages
from ..trace.align import Prepared, prepare
from ..trace.attributions import Attribution, SourceRegistry, attributions_from_link, find_attributions
from ..trace.compare import Unit, compare_vectors
from ..trace.graph import EDGE_KIND, link_evidence
from .failures import guarded
from .report import IngestReport

#: story members kept prepared across batches (each new article of a story meets the same members)
MEMBER_CACHE = 4096


def cite_links(article_id: str, attributions: Sequence[Attribution]) -> list[Link]:
    """One ``cites`` link per (article, source), carrying every attribution to it as evidence."""
    merged: dict[str, Link] = {}
    for att in attributions:
        evidence = {"cue": att.cue, "surface": att.surface, "passage": att.passage, "claim": att.claim,
                    "claim_span": list(att.claim_span), "cue_kind": att.cue_kind,
                    "mention_span": list(att.mention_span)}
        if att.source_id in merged:
            merged[att.source_id].evidence.setdefault("more", []).append(evidence)
        else:
            merged[att.source_id] = Link(source=article_id, target={"id": att.source_id, "name": att.source_name},
                                         kind="cites", score=1.0, direction="source->target", evidence=evidence)
    return list(merged.values())


class TraceService:
    """Writes provenance links for a batch's articles, from vectors the batch already holds.

    Each new article is compared with at most ``[stories] trace_members`` members of its story.
    ``means``: the language means the scores are centred with; ``reuse_scores``: grouping scored the
    same pairs with the same model, so its scores are taken instead of computed again.
    """

    def __init__(self, store: SQLStore, sources: SourceRegistry, settings: StoriesSettings,
                 means: dict[str, Any] | None, reuse_scores: bool = True) -> None:
        self.store = store
        self.sources = sources
        self.trace_members = settings.trace_members
        self.means = means
        self.reuse_scores = reuse_scores
        self._members: OrderedDict[tuple[str, str], tuple[Article, list[Attribution], Prepared]] = OrderedDict()

    def trace(self, items: Sequence[EncodedArticle], candidates: BatchCandidates, report: IngestReport) -> None:
        """Inside the batch transaction, after every item is written. An article whose tracing fails keeps
        its story and passages and loses only its links (undone alone, reported in ``report``)."""
        for it in items:
            guarded(self.store, report, it, "stored without its citations: finding attributions failed",
                    partial(self._attribute, it))
        for it in items:
            guarded(self.store, report, it, "stored without its provenance links: tracing it failed",
                    partial(self._trace_one, it, candidates))

    def _attribute(self, item: EncodedArticle) -> None:
        item.attributions = find_attributions(item.article, self.sources)

    def _trace_one(self, item: EncodedArticle, candidates: BatchCandidates) -> None:
        art = item.article
        self.store.write_links(cite_links(art.id, item.attributions), story_id=art.story_id)
        if not art.story_id:
            return
        limit = self.trace_members
        first = self.store.story_article_ids(art.story_id, limit + 1)
        members = [m for m in first if m != art.id][:limit]
        members = [m for m in members if not _compared_earlier(m, art.id, first, limit, candidates)]
        if item.copy_of and item.copy_of not in members:  # a copy is linked to the first holder of its text
            members = [item.copy_of] + members[: limit - 1]
        mine = stored_passages(item)
        if not len(mine.vectors):
            return
        my_side = candidates.side(art.id)[0]
        scored = item.scored if self.reuse_scores else {}
        ua = [Unit(i, t) for i, t in zip(mine.indices, mine.texts)]
        my_prep = prepare(mine.vectors)
        candidates.prefetch(members)  # the members grouping did not read, in one read
        stored = {mid: other for mid in members if len((other := candidates.stored(mid)).vectors)}
        known = self._members_of(stored, candidates)
        for mid, other in stored.items():
            b, b_atts, b_prep = known[mid]
            ub = [Unit(i, t) for i, t in zip(other.indices, other.texts)]
            res = compare_vectors(art, b, ua, ub, mine.vectors, other.vectors, self.sources, means=self.means,
                                  sides=(my_side, candidates.side(mid)[0]), attributions=(item.attributions, b_atts),
                                  same_story=scored.get(mid), prepared=(my_prep, b_prep), score_for=EDGE_KIND)
            kind = EDGE_KIND.get(res["relation"])
            if kind is None:
                continue
            # derivation edges point from the derived article to its origin ("000 translates 001")
            src, dst, direction = art.id, mid, res["direction"]
            if direction == "a->b":  # the new article is the origin; the member derives from it
                src, dst = mid, art.id
            join = _join_between(item, mid, candidates)
            if join is not None:
                if kind != "same_story":  # the finer relation replaces the grouping link
                    self.store.delete_link(join.source, join.target, "same_story")
                else:  # one same_story link per pair: the grouping link's, with the relation's evidence
                    src, dst = join.source, join.target
            evidence = link_evidence(res, source_is_a=src == art.id)
            if join is not None:
                evidence["grouping"] = {**join.evidence, "joined": join.source, "matched": join.target}
            self.store.write_links([Link(source=src, target=dst, kind=kind, score=res["score"],
                                         direction="source->target" if direction in ("a->b", "b->a")
                                         else "undetermined", evidence=evidence)], story_id=art.story_id)

    def _members_of(self, stored: dict[str, StoredPassages], candidates: BatchCandidates
                    ) -> dict[str, tuple[Article, list[Attribution], Prepared]]:
        """Each member, its attributions and its prepared vectors: a batch article's from its hand-off
        object, a stored one's header and the attributions of its ``cites`` links (written when it was
        stored, not found again in its text), read for all such members at once (the relation needs their
        outlet, date and language, never their text). Kept across batches, keyed by the member's passage
        texts, so a replaced article is read again."""
        out: dict[str, tuple[Article, list[Attribution], Prepared]] = {}
        missing = []
        for mid, other in stored.items():
            key = _member_key(mid, other)
            hit = self._members.get(key)
            if hit is not None:
                self._members.move_to_end(key)
                out[mid] = hit
            elif (item := candidates.batch_item(mid)) is not None:
                out[mid] = self._keep(key, (item.article, list(item.attributions), prepare(other.vectors)))
            else:
                missing.append(mid)
        if missing:
            headers = self.store.article_headers(missing)
            cites = self.store.cites_links_of(missing)
            for mid in missing:
                if mid not in headers:
                    raise NotFound(f"no article with id {mid!r}", hint="list ids with `narratrace stories --json`")
                atts = [a for lk in cites[mid] for a in attributions_from_link(lk)]
                out[mid] = self._keep(_member_key(mid, stored[mid]),
                                      (headers[mid], atts, prepare(stored[mid].vectors)))
        return out

    def _keep(self, key: tuple[str, str], hit: tuple[Article, list[Attribution], Prepared]
              ) -> tuple[Article, list[Attribution], Prepared]:
        self._members[key] = hit
        if len(self._members) > MEMBER_CACHE:
            self._members.popitem(last=False)
        return hit

    def reset(self) -> None:
        """A batch was rolled back: forget members that may be its articles."""
        self._members.clear()


def _compared_earlier(member: str, article_id: str, first: list[str], limit: int,
                      candidates: BatchCandidates) -> bool:
    """Two articles of one batch are compared once: by the one traced first (written first), when the other
    was among its members (``first``: the story's first ``limit`` + 1 articles, the list both read), so a
    symmetric relation is not stored twice, once each way."""
    order = list(candidates.pending)
    if member not in candidates.pending or article_id not in candidates.pending:
        return False
    if order.index(member) > order.index(article_id):
        return False
    return article_id in [m for m in first if m != member][:limit]


def _join_between(item: EncodedArticle, member: str, candidates: BatchCandidates) -> Link | None:
    """The grouping link (same_story) that joined one of the two to the other, when there is one: the
    article's own, or, for a later article of the batch (compared by this earlier one), the member's."""
    if item.join is not None and item.join.target == member:
        return item.join
    other = candidates.batch_item(member)
    if other is not None and other.join is not None and other.join.target == item.article.id:
        return other.join
    return None


def _member_key(article_id: str, stored: StoredPassages) -> tuple[str, str]:
    """The member cache's key: the id and a digest of the passage texts (not hash(): the same on every run
    and never two texts under one key)."""
    return article_id, hashlib.sha1("\x00".join(stored.texts).encode("utf-8")).hexdigest()
