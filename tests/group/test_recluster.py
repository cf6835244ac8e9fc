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
