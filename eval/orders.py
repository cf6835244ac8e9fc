"""Does ingestion order change the stories? The seeds plus the first N SemEval test-half articles, ingested
as given, reversed and shuffled (fixed seed), each into a fresh store; partitions and story ids are
compared with the run as given (issue 14: the same partition and the same story ids in every order)."""
from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from common import CachedEncoder
from corpora import Corpus, seeds, semeval_test
from harness import run_pipeline

from narratrace.settings import Settings

#: the shuffled order's seed (fixed, so the test is the same every run)
SHUFFLE_SEED = 14


def _stories(story_of: dict[str, str]) -> dict[str, frozenset[str]]:
    """story id -> its articles."""
    by_story: dict[str, set[str]] = defaultdict(set)
    for aid, sid in story_of.items():
        by_story[sid].add(aid)
    return {sid: frozenset(m) for sid, m in by_story.items()}


def _members(story_of: dict[str, str]) -> dict[str, frozenset[str]]:
    """article -> the articles of its story (the partition, whatever the stories are called)."""
    stories = _stories(story_of)
    return {aid: stories[sid] for aid, sid in story_of.items()}


def order_test(settings: Settings, encoder: CachedEncoder, n_semeval: int = 300) -> dict[str, Any]:
    """Counts of articles whose story (as a set of members) or story id differs from the run as given."""
    records = seeds().records + semeval_test().records[:n_semeval]
    shuffled = list(records)
    random.Random(SHUFFLE_SEED).shuffle(shuffled)
    orders = {"given": records, "reversed": records[::-1], "shuffled": shuffled}
    runs = {name: run_pipeline(Corpus(f"orders-{name}", recs, {}), settings, encoder)
            for name, recs in orders.items()}
    base = runs["given"].story_of
    base_members, base_stories = _members(base), _stories(base)
    multi = [sid for sid, m in base_stories.items() if len(m) > 1]
    out: dict[str, Any] = {"articles": len(records), "stories_as_given": len(base_stories),
                           "multi_article_stories": len(multi), "orders": {}}
    for name in ("reversed", "shuffled"):
        other = runs[name].story_of
        members, stories = _members(other), _stories(other)
        out["orders"][name] = {
            "articles_in_other_partition": sum(1 for a in base if members.get(a) != base_members[a]),
            "articles_with_other_story_id": sum(1 for a in base if other.get(a) != base[a]),
            # a multi-article story of the run as given found again under the same id with the same members
            "multi_article_stories_same_id": sum(1 for sid in multi if stories.get(sid) == base_stories[sid]),
        }
    out["agree"] = all(v["articles_in_other_partition"] == 0 and v["articles_with_other_story_id"] == 0
                       for v in out["orders"].values())
    return out
