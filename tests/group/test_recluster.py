"""Re-examination of touched stories by average linkage: splits, merges, analysts' splits respected."""
from __future__ import annotations

import numpy as np

from narratrace.group.recluster import average_link, recluster

#: two events: q* (one earthquake) and r* (another); scores are high inside an event, low across
EVENT = {"q1": "q", "q2": "q", "q3": "q", "r1": "r", "r2": "r", "r3": "r"}


def _score(a: str, b: str) -> float:
    return 0.9 if EVENT[a] == EVENT[b] else 0.2


def _new_story(members: list[str]) -> str:
    return "new:" + min(members)


def test_recluster_average_link_stops_below_the_threshold_and_respects_apart():
    s = np.array([[0, 0.9, 0.6], [0.9, 0, 0.2], [0.6, 0.2, 0]], float)
    assert average_link(s, 0.5) == [0, 0, 2]  # {0,1} is at mean 0.4 from 2: single link would join it
    assert average_link(s, 0.3) == [0, 0, 0]
    apart = np.zeros((3, 3), bool)
    apart[0, 1] = apart[1, 0] = True
    assert average_link(s, 0.3, apart) == [0, 1, 0]


def test_recluster_splits_an_article_that_joined_the_wrong_event():
    # r1 joined the q story when nothing of r existed; r2, r3 came later and founded S-r
    out = recluster({"S-q": ["q1", "q2", "r1"], "S-r": ["r2", "r3"]}, batch={"r3"}, score=_score,
                    threshold=0.5, new_story=_new_story)
    assert out.merges == [] and out.moves == {"r1": "S-r"}


def test_recluster_merges_two_stories_of_one_event_and_makes_new_ones():
    out = recluster({"S-a": ["q1", "q2"], "S-b": ["q3"], "S-c": ["r1", "r2"]}, batch={"q3"}, score=_score,
                    threshold=0.5, new_story=_new_story)
    assert out.merges == [("S-b", "S-a")] and out.moves == {}
    # a story whose stored members split off two ways: the larger part keeps it, the other is new
    out = recluster({"S-x": ["q1", "q2", "r1", "r2"]}, batch=set(), score=_score, threshold=0.5,
                    new_story=_new_story)
    assert out.moves == {"r1": "new:r1", "r2": "new:r1"}


def test_recluster_never_merges_stories_an_analyst_split_apart():
    out = recluster({"S-a": ["q1", "q2"], "S-b": ["q3"]}, batch={"q3"}, score=_score, threshold=0.5,
                    new_story=_new_story, apart=lambda a, b: {a, b} == {"S-a", "S-b"})
    assert out.merges == [] and out.moves == {}


def test_recluster_home_counts_stored_members_before_the_batch():
    # S-q's stored member q1 decides where S-q lives; the batch's r1, r2 that joined it leave together
    out = recluster({"S-q": ["q1", "r1", "r2"]}, batch={"r1", "r2"}, score=_score, threshold=0.5,
                    new_story=_new_story)
    assert out.moves == {"r1": "new:r1", "r2": "new:r1"}


# ------------------------------------------------------------------ what makes the outcome order-free
def test_recluster_pair_scores_keep_partners_at_the_threshold_both_ways():
    from narratrace.group.stories import PairScores

    cache = PairScores(strong_at=0.5)
    cache.seed("b", [("a", 0.7), ("c", 0.49)])
    assert cache.get("c", "d", lambda: 0.5) == 0.5 and cache.get("d", "c", lambda: 0.0) == 0.5  # kept once
    assert cache.partners("a") == {"b"} and cache.partners("b") == {"a"}
    assert cache.partners("c") == {"d"} and cache.partners("x") == set()
    assert cache.missing(["a", "b", "c"]) == 1 and cache.missing_between(["a", "c"], ["b", "d"]) == 1  # a-c, a-d


def test_recluster_pair_scores_count_missing_pairs_as_pair_by_pair():
    import random

    from narratrace.group.stories import PairScores

    rng = random.Random(1)
    ids = [f"a{i}" for i in range(40)]
    cache = PairScores(strong_at=0.5)
    for _ in range(300):
        a, b = rng.choice(ids), rng.choice(ids)  # now and then an article with itself
        cache.get(a, b, rng.random)
    for _ in range(100):
        sub = rng.sample(ids, rng.randrange(0, 30))
        sub += sub[:1] if rng.random() < 0.2 else []  # a repeated id
        brute = sum(((a, b) if a < b else (b, a)) not in cache._scores for k, a in enumerate(sub) for b in sub[k + 1:])
        assert cache.missing(sub) == brute


def test_recluster_ties_fall_the_same_way_whatever_the_story_names():
    # q1-q2 and q2-q3 tie: average link takes the first pair in id order, whichever story holds which
    tie = {frozenset({"q1", "q2"}): 0.8, frozenset({"q2", "q3"}): 0.8, frozenset({"q1", "q3"}): 0.1}

    def score(a: str, b: str) -> float:
        return tie[frozenset({a, b})]

    one = recluster({"S-a": ["q1"], "S-b": ["q2"], "S-c": ["q3"]}, batch={"q2"}, score=score, threshold=0.5,
                    new_story=_new_story)
    two = recluster({"S-z": ["q1"], "S-y": ["q2"], "S-x": ["q3"]}, batch={"q2"}, score=score, threshold=0.5,
                    new_story=_new_story)
    names = {"S-a": "S-z", "S-b": "S-y", "S-c": "S-x"}
    assert len(one.merges) == len(two.merges) == 1
    absorbed, kept = one.merges[0]
    together = {"q1": names["S-a"], "q2": names["S-b"], "q3": names["S-c"]}
    assert {together[m] for m in ("q1", "q2")} == set(two.merges[0])  # q1 and q2 together in both runs
    assert {absorbed, kept} == {"S-a", "S-b"}


class _Source:
    """A candidate source over a few one-passage articles, searched exactly."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.ids = list(vectors)
        self.matrix = np.array([vectors[a] for a in self.ids], np.float32)
        self.matrix /= np.linalg.norm(self.matrix, axis=1, keepdims=True)
        self.asked: list[list[int]] = []  # the passage ids of each owners() call

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        sims = vectors @ self.matrix.T
        order = np.argsort(-sims, axis=1)[:, :k]
        return np.take_along_axis(sims, order, 1), order.astype(np.int64)

    def owners(self, passage_ids: list[int]) -> dict[int, str]:
        self.asked.append(list(passage_ids))
        return {i: self.ids[i] for i in passage_ids}


def test_recluster_candidates_include_a_stored_article_whose_radius_the_new_one_reaches():
    from narratrace.group.similarity import Side
    from narratrace.group.stories import StoryGrouper

    # y lies apart (its nearest, z1, is at cosine ~0.8); x lies among many z's closer to it than y is
    zs = {f"z{i}": [1.0, 0.3 + 0.01 * i, 0.0] for i in range(6)}
    vectors = {"y": [0.55, 1.0, 0.0], **zs}
    source = _Source(vectors)
    grouper = StoryGrouper(ann_k=2, max_candidates=2, join_threshold=0.5, story_members=0, reverse_ann_k=7)
    y = np.array([vectors["y"]], np.float32) / np.linalg.norm(vectors["y"])
    grouper.candidates(Side("y", "en", None, y, ["y"]), source)  # y is grouped first: its radius is recorded
    x = np.array([[1.0, 0.6, 0.0]], np.float32)
    x /= np.linalg.norm(x)
    x_side = Side("x", "en", None, x, ["x"])
    assert "y" not in grouper.candidates(x_side, source)  # y's passage not yet written: no hit is its
    grouper.radii.passages("y", [0])  # written (BatchCandidates.add tells the radii its passage ids)
    found = grouper.candidates(x_side, source)
    assert len(found) == 3 and found[-1] == "y"  # its 2 nearest, then y, which would have had x among its 2
    # the owners asked: x's 2 nearest and y's passage, not the other hits beyond ann_k (no radius reached)
    assert sorted(source.asked[-1]) == sorted([*np.argsort(-(source.matrix @ x[0]))[:2].tolist(), 0])
    off = StoryGrouper(ann_k=2, max_candidates=2, join_threshold=0.5, story_members=0, reverse_ann_k=0)
    off.candidates(Side("y", "en", None, y, ["y"]), source)
    off.radii.passages("y", [0])
    assert "y" not in off.candidates(x_side, source)


def test_recluster_candidates_keep_a_passages_nearest_beyond_the_cut():
    from narratrace.group.similarity import Side
    from narratrace.group.stories import StoryGrouper

    # m has two passages fairly close to both of x's (summed, it ranks first); c one passage very close to one
    passages = [("m", [1.0, 0.45, 0.0]), ("m", [0.45, 1.0, 0.0]), ("c", [1.0, 0.05, 0.0])]
    source = _Source({f"p{i}": v for i, (_, v) in enumerate(passages)})
    source.ids = [owner for owner, _ in passages]
    x = np.array([[1.0, 0.1, 0.0], [0.1, 1.0, 0.0]], np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    grouper = StoryGrouper(ann_k=2, max_candidates=1, join_threshold=0.5, story_members=0, reverse_ann_k=0)
    assert grouper.candidates(Side("x", "en", None, x, ["a", "b"]), source) == ["m", "c"]


class _Stories:
    """What re-examination's plan reads of a batch's candidates: each article's story, a story's members."""

    def __init__(self, members: dict[str, list[str]]) -> None:
        self.stories = members
        self.story = {m: sid for sid, ms in members.items() for m in ms}

    def side(self, article_id: str) -> tuple[None, str]:
        return None, self.story[article_id]

    def members(self, story_id: str, limit: int) -> list[str]:
        return self.stories[story_id][:limit]


def test_recluster_samples_a_large_story_by_the_members_the_batch_was_scored_against():
    from narratrace.group.recluster import StoryReexamination
    from narratrace.group.stories import StoryGrouper
    from narratrace.model import Article, EncodedArticle

    # a story of six stored members; the batch's article x (its own story) came closest to b5 and b4, the last stored
    big = [f"b{i}" for i in range(6)]
    source = _Stories({"S-big": big, "S-x": ["x"]})
    x = EncodedArticle(Article(id="x", text="x"), scored={"b5": (0.9, {}), "b4": (0.7, {}), "b0": (0.2, {})})
    x.article.story_id = "S-x"
    grouper = StoryGrouper(ann_k=2, max_candidates=2, join_threshold=0.5, story_members=0,
                           recluster_members=2, recluster_pairs=100, recluster_items=0)
    plan = StoryReexamination(grouper, None)._plan([x], {"x": x}, source)  # type: ignore[arg-type]
    samples = {sid: ms for component in plan for sid, ms in component.items()}
    assert samples["S-big"] == ["b5", "b4"]  # best scored first, not the first two stored (b0, b1)
    assert samples["S-x"] == ["x"]
    x.scored = {}
    plan = StoryReexamination(grouper, None)._plan([x], {"x": x}, source)  # type: ignore[arg-type]
    assert all("S-big" not in component for component in plan)  # not met: x is re-examined alone, or not at all
