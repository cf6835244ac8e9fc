"""Re-examination of the stories a batch touched: their members clustered again by average linkage.

Why: articles are assigned one at a time, and a greedy assignment keeps its mistakes. The first report
of a second earthquake joins the first one's story because nothing better exists yet; a translation
that arrived before its original founds a story of its own. Measured on the dev corpora with the same
pair scores, clustering the touched stories again after each batch reaches what average-link
clustering of the whole corpus reaches (docs/evaluation.md: ntrex-dev and ecbplus-dev +0.03-0.04
BCubed F1), and the outcome no longer depends on which article came first.

What is clustered: the stories of the batch's articles and every story one of them scored at or above
the join threshold against (a near miss), grown breadth first by the stories their sampled members
score at or above the threshold against (``PairScores.partners``, up to ``recluster_items`` articles),
each with up to ``recluster_members`` stored members (those the batch's articles were scored against, best
first, then the first stored) plus the batch's articles in it. The
growth is what makes the partition a function of the articles, not of their order: a member split off
a story meets the stories its partners are in, whichever of them came first. Average link (UPGMA) over
their same-story scores (items in id order, so ties fall the same way in every order) merges the
two closest clusters while their mean pair score reaches the threshold, never two clusters holding
stories an analyst split apart. An article an analyst placed (a pin) is never moved.

The outcome, per old story: its *home* is the cluster holding most of its sampled members (stored ones
counted first). Two stories with one home are merged (every member follows, as in a rename); a sampled
member in a cluster other than its story's home moves there (a split); members beyond the sample stay
with the home. A cluster that is no story's home becomes a new story, named after its founder.
Cost: the pair scores among the sampled members, each computed once per process
(``stories.PairScores``). Stories that never met are clustered apart (no pair scores between them), and a
batch computes at most
``recluster_pairs`` new pair scores per article (the cheapest components first), which bounds the cost
of one streamed article.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..model import EncodedArticle, Link
from .similarity import same_story_score, stories_conflict
from .stories import StoryGrouper, founder_key, story_id_for

if TYPE_CHECKING:
    from ..store import SQLStore
    from .candidates import BatchCandidates


def average_link(scores: np.ndarray, threshold: float, apart: np.ndarray | None = None,
                 conflict: Callable[[list[int], list[int]], bool] | None = None) -> list[int]:
    """Cluster label (the index of the cluster's first item) of each item: UPGMA over ``scores`` (n x n),
    merging while the best mean pair score reaches ``threshold``. ``apart[i, j]``: items i and j must
    never share a cluster (their clusters are then not merged); ``conflict(items_a, items_b)``: two
    clusters that must not merge (``similarity.stories_conflict``). Ties go to the first pair in row order."""
    n = len(scores)
    s = np.array(scores, dtype=np.float64)
    np.fill_diagonal(s, -np.inf)
    forbid = np.zeros((n, n), bool) if apart is None else np.array(apart, bool)
    size = np.ones(n)
    label = list(range(n))
    while n > 1:
        masked = np.where(forbid, -np.inf, s)
        k = int(np.argmax(masked))
        i, j = divmod(k, n)
        if masked[i, j] < threshold:
            break
        i, j = min(i, j), max(i, j)  # j joins i: a cluster is named by its first item
        if conflict is not None and conflict([k for k in range(n) if label[k] == i],
                                             [k for k in range(n) if label[k] == j]):
            forbid[i, j] = forbid[j, i] = True
            continue
        row = (size[i] * s[i] + size[j] * s[j]) / (size[i] + size[j])
        s[i], s[:, i] = row, row
        s[j], s[:, j] = -np.inf, -np.inf
        s[i, i] = -np.inf
        forbid[i] |= forbid[j]
        forbid[:, i] |= forbid[:, j]
        size[i] += size[j]
        label = [i if lab == j else lab for lab in label]
    return label


@dataclass
class Outcome:
    """What re-clustering changes: stories merged into another, and articles moved to a story."""

    #: (absorbed story, the story it joins)
    merges: list[tuple[str, str]] = field(default_factory=list)
    #: article -> the story it moves to (an existing id, or a new one made by ``new_story``)
    moves: dict[str, str] = field(default_factory=dict)


def recluster(samples: dict[str, list[str]], batch: set[str], score: Callable[[str, str], float],
              threshold: float, new_story: Callable[[list[str]], str],
              apart: Callable[[str, str], bool] = lambda a, b: False,
              conflict: Callable[[list[str], list[str]], bool] | None = None) -> Outcome:
    """Plan the re-clustering of ``samples`` (story -> its sampled members, batch articles included).

    ``score(a, b)``: same-story score of two articles; ``new_story(members)``: the id of a new story
    holding these articles; ``apart(story_a, story_b)``: an analyst split them apart; ``conflict(a, b)``:
    two groups of articles that must not merge."""
    stories = sorted(samples)
    items = sorted((aid, sid) for sid in stories for aid in samples[sid])  # ties go to the first id
    n = len(items)
    out = Outcome()
    if n < 2:
        return out
    scores = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            scores[i, j] = scores[j, i] = score(items[i][0], items[j][0])
    kept_apart = {(a, b) for a in stories for b in stories if a < b and apart(a, b)}
    forbid = None
    if kept_apart:
        forbid = np.array([[(min(x[1], y[1]), max(x[1], y[1])) in kept_apart for y in items] for x in items])
    labels = average_link(scores, threshold, forbid, conflict and (
        lambda xs, ys: conflict([items[x][0] for x in xs], [items[y][0] for y in ys])))
    home: dict[str, int] = {}
    for sid in stories:
        mine = [labels[k] for k, (aid, s) in enumerate(items) if s == sid]
        stored = [labels[k] for k, (aid, s) in enumerate(items) if s == sid and aid not in batch]
        counted = stored or mine
        home[sid] = max(sorted(set(counted)), key=counted.count)
    target: dict[int, str] = {}
    for sid in stories:  # the first story (by id) homed in a cluster keeps it; the others merge into it
        into = target.setdefault(home[sid], sid)
        if into != sid:
            out.merges.append((sid, into))
    for lab in sorted(set(labels)):
        if lab not in target:
            target[lab] = new_story([aid for k, (aid, _) in enumerate(items) if labels[k] == lab])
    for k, (aid, sid) in enumerate(items):
        if labels[k] != home[sid]:
            out.moves[aid] = target[labels[k]]
    return out


def _relevance(items: Sequence[EncodedArticle], batch: dict[str, EncodedArticle],
               candidates: BatchCandidates) -> dict[str, list[str]]:
    """Per story, its stored members that the batch's articles were scored against (their nearest
    passages' owners and the members grouping judged them on), best score first, then id.

    Why: a story re-examined with ``recluster_members`` members is judged on those; the first stored
    ones may come from one part of a large story (ntrex-dev: one tsunami story of six reports, sampled
    by storage order), so the translations of a report close to another part never reached the
    threshold against the sample and stayed a story of their own. The members a new article found are the ones
    average linkage over the whole story would join it through."""
    best: dict[str, float] = {}
    for it in items:
        for m, (sc, _) in it.scored.items():
            if m not in batch and sc > best.get(m, -1.0):
                best[m] = sc
    out: dict[str, list[str]] = {}
    for m in sorted(best, key=lambda a: (-best[a], a)):
        sid = candidates.side(m)[1]
        if sid:
            out.setdefault(sid, []).append(m)
    return out


class _Components:
    """Union-find over story ids, with the sampled articles of each component."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}

    def add(self, x: str, size: int = 0) -> None:
        if x not in self.parent:
            self.parent[x], self.size[x] = x, size

    def find(self, x: str) -> str:
        self.add(x)
        while self.parent[x] != x:
            self.parent[x] = x = self.parent[self.parent[x]]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            keep, gone = min(ra, rb), max(ra, rb)  # the root is the smallest id: the outcome is order-free
            self.parent[gone] = keep
            self.size[keep] += self.size.pop(gone)

    def groups(self, members: list[str]) -> list[list[str]]:
        """``members`` by component, each in the given order; components in the order of their first member."""
        out: dict[str, list[str]] = {}
        for x in members:
            out.setdefault(self.find(x), []).append(x)
        return list(out.values())


class StoryReexamination:
    """Applies ``recluster`` to the store after a batch: merges by rename, moves by ``set_story`` (links the
    moved article is the source of follow it), then names every changed story after its founder."""

    def __init__(self, grouper: StoryGrouper, store: SQLStore) -> None:
        self.grouper = grouper
        self.store = store

    def run(self, items: Sequence[EncodedArticle], candidates: BatchCandidates) -> int:
        """Re-examine the stories ``items`` (the batch's written articles) touched; returns the number of
        merges and moves made."""
        g = self.grouper
        thr, cache = g.join_threshold, g.pair_scores
        batch = {it.id: it for it in items}
        for it in items:
            cache.seed(it.id, [(m, sc) for m, (sc, _) in it.scored.items()])
        chosen = self._plan(items, batch, candidates)
        # an article an analyst placed stays where it is: it is not re-clustered
        work = [{sid: [m for m in ms if not self.store.pinned_story(m)] for sid, ms in c.items()} for c in chosen]
        samples = {sid: ms for c in work for sid, ms in c.items()}
        candidates.prefetch([m for c in work for ms in c.values() for m in ms])
        origin = {aid: sid for sid, ms in samples.items() for aid in ms}

        def score(a: str, b: str) -> float:
            x, y = (a, b) if a < b else (b, a)  # one pair, one number: scored in the same order every time
            return cache.get(x, y, lambda: same_story_score(
                candidates.side(x)[0], candidates.side(y)[0], g.model, g.means, g.rarity)[0])

        def new_story(members: list[str]) -> str:
            founder = min(founder_key(m, candidates.side(m)[0].published) for m in members)
            sid = story_id_for(founder.split("\t", 1)[1])
            return sid + "~" if sid in samples or candidates.members(sid, 1) else sid  # "~": renamed when settled

        outcome = Outcome()
        for component in work:
            found = recluster(component, set(batch), score, thr, new_story,
                              lambda a, b: self.store.kept_apart([a], [b]),
                              lambda xs, ys: stories_conflict([candidates.side(x)[0] for x in xs],
                                                              [candidates.side(y)[0] for y in ys]))
            outcome.merges += found.merges
            outcome.moves.update(found.moves)
        changed: set[str] = set()
        into: dict[str, str] = {}
        for absorbed, kept in outcome.merges:
            self._merge(absorbed, kept, samples, batch, candidates, score)
            into[absorbed] = kept
            changed.add(kept)
        for aid, target in sorted(outcome.moves.items()):
            target = into.get(target, target)
            self.store.set_story(aid, target)
            self.store.links_follow([aid], target)
            self._moved(aid, target, batch, candidates)
            changed.update({target, into.get(origin[aid], origin[aid])})
        self._settle(sorted(changed), batch, candidates)
        return len(outcome.merges) + len(outcome.moves)

    def _plan(self, items: Sequence[EncodedArticle], batch: dict[str, EncodedArticle],
              candidates: BatchCandidates) -> list[dict[str, list[str]]]:
        """The components to cluster again (story -> its sampled members), within the batch's budget.

        A batch article's story and the stories it could have joined (its average score there reaches the
        threshold) are a *seed*. Its *closure* adds, breadth first, each story holding a partner of a sampled
        member (a pair at or above the threshold, ``PairScores.partners``), up to ``recluster_items``
        sampled articles: what a set of articles ends as no longer depends on which of them met which
        first (a member split off a story is clustered with the stories its partners are in). Stories that
        never met are clustered apart, so they cost no pair scores. Within the batch's budget of new pair
        scores (``recluster_pairs`` per article), the cheapest closures first; a closure over the budget
        gives way to its seeds, as they fit."""
        g = self.grouper
        thr, cap, cache = g.join_threshold, g.recluster_members, g.pair_scores
        samples: dict[str, list[str]] = {}
        story_of: dict[str, str] = {}
        relevant = _relevance(items, batch, candidates)

        def sample(sid: str) -> list[str]:
            if sid not in samples:
                own = [it.id for it in items if it.article.story_id == sid]
                near = relevant.get(sid, [])
                first = [m for m in candidates.members(sid, cap + len(own) + len(near)) if m not in batch]
                seen = set(near)
                stored = (near + [m for m in first if m not in seen])[:cap]
                samples[sid] = stored + own
                story_of.update((m, sid) for m in samples[sid])
            return samples[sid]

        seeds = _Components()
        for it in items:
            own_story = it.article.story_id
            if not own_story:
                continue
            seeds.add(own_story)
            by_story: dict[str, list[float]] = {}
            for m, (sc, _) in it.scored.items():
                sid = candidates.side(m)[1]
                if sid:
                    by_story.setdefault(sid, []).append(sc)
            for sid, scs in sorted(by_story.items()):  # a near miss: the average there reaches the threshold
                if sum(scs) / len(scs) >= thr:
                    seeds.union(own_story, sid)
        closure = _Components()
        for sid in sorted(seeds.parent):
            closure.add(sid, len(sample(sid)))
        for sid in sorted(seeds.parent):
            closure.union(sid, seeds.find(sid))
        queue = deque(sorted(seeds.parent)) if g.recluster_items else deque()
        while queue:
            sid = queue.popleft()
            partners = sorted({p for m in samples[sid] for p in cache.partners(m)})
            unknown = [p for p in partners if p not in story_of]
            found = {a.id: a.story_id for a in self.store.articles(unknown)} if unknown else {}
            for p in partners:
                other = story_of.get(p) or found.get(p)
                if not other or (other in closure.parent and closure.find(other) == closure.find(sid)):
                    continue
                grown = closure.size[closure.find(sid)] + (
                    closure.size[closure.find(other)] if other in closure.parent else len(sample(other)))
                if grown > g.recluster_items:
                    continue
                if other not in closure.parent:
                    closure.add(other, len(samples[other]))
                    queue.append(other)
                closure.union(sid, other)
        budget = g.recluster_pairs * len(items)
        chosen: list[dict[str, list[str]]] = []

        def cost(c: dict[str, list[str]]) -> int:
            return cache.missing([m for ms in c.values() for m in ms])

        def fits(c: dict[str, list[str]]) -> bool:
            nonlocal budget
            need = cost(c)
            if sum(len(ms) for ms in c.values()) < 2 or need > budget:
                return False
            budget -= need
            chosen.append(c)
            return True

        groups = [({sid: samples[sid] for sid in sids},
                   [{s: samples[s] for s in seed} for seed in seeds.groups(sorted(set(sids) & seeds.parent.keys()))])
                  for sids in closure.groups(sorted(closure.parent))]
        for whole, parts in sorted(groups, key=lambda wp: (cost(wp[0]), min(wp[0]))):
            if not fits(whole):
                for part in sorted(parts, key=lambda c: (cost(c), min(c))):
                    fits(part)
        return chosen

    @staticmethod
    def _moved(aid: str, story_id: str, batch: dict[str, EncodedArticle], candidates: BatchCandidates) -> None:
        if aid in batch:
            batch[aid].article.story_id = story_id
        candidates.moved(aid, story_id)

    def _merge(self, absorbed: str, kept: str, samples: dict[str, list[str]], batch: dict[str, EncodedArticle],
               candidates: BatchCandidates, score: Callable[[str, str], float]) -> None:
        """``absorbed`` joins ``kept``; the best pair between their samples is recorded as the merge's link."""
        g = self.grouper
        pairs = sorted(((score(x, y), x, y) for x in samples[absorbed] for y in samples[kept]), reverse=True)
        if pairs:
            best, x, y = pairs[0]
            linkage = sum(p[0] for p in pairs) / len(pairs)
            _, evidence = same_story_score(candidates.side(x)[0], candidates.side(y)[0], g.model, g.means, g.rarity)
            evidence = dict(evidence, merged=True, reexamined=True, linkage="average", story_score=round(linkage, 4),
                            threshold=g.join_threshold, stories=[absorbed, kept])
            self.store.write_links([Link(source=x, target=y, kind="same_story", score=round(best, 4),
                                         direction="undetermined", evidence=evidence)], story_id=kept)
        moved = self.store.story_article_ids(absorbed)
        founders = [f for f in (self.store.story_founder(kept), self.store.story_founder(absorbed)) if f]
        self.store.rename_story(absorbed, kept, min(founders, default=""))  # _settle sets the founder
        for aid in moved:
            self._moved(aid, kept, batch, candidates)
        samples[kept] = samples[kept] + samples.pop(absorbed)

    def _settle(self, stories: list[str], batch: dict[str, EncodedArticle], candidates: BatchCandidates) -> None:
        """Each changed story named after its earliest member (``founder_key``). A name that another changed
        story still holds is taken once that one has moved on; a cycle steps aside under a temporary name."""
        pending: dict[str, tuple[str, str]] = {}
        for sid in stories:
            dates = self.store.member_dates(sid)
            if not dates:
                continue
            founder = min(founder_key(a, p) for a, p in dates)
            new = story_id_for(founder.split("\t", 1)[1])
            if new == sid:
                self.store.set_story_founder(sid, founder)
            else:
                pending[sid] = (new, founder)
        while pending:
            free = [sid for sid, (new, _) in sorted(pending.items()) if new not in pending]
            sid = free[0] if free else sorted(pending)[0]
            new, founder = pending.pop(sid)
            if not free:
                pending[new + "~"], new = (new, founder), new + "~"
            members = self.store.story_article_ids(sid)
            self.store.rename_story(sid, new, founder)
            for aid in members:
                self._moved(aid, new, batch, candidates)
