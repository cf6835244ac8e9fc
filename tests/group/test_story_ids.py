"""Story ids follow membership: named after the earliest member, retired ids resolve, order does not matter."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from narratrace import Narratrace
from narratrace.group.stories import founder_key, story_id_for
from narratrace.model import RawArticle

SAMPLES = Path(__file__).resolve().parents[2] / "narratrace" / "data" / "samples"


def _seeds() -> list[RawArticle]:
    return [RawArticle(id=f.stem, text=f.read_text("utf-8"), origin=str(f)) for f in sorted(SAMPLES.glob("*.txt"))]


def test_story_ids_founder_key_orders_dates_then_ids_and_undated_last():
    keys = [founder_key("b", "2022-01-26"), founder_key("a", None), founder_key("c", "2021-05"),
            founder_key("a", "2022-01-26")]
    assert sorted(keys) == [founder_key("c", "2021-05"), founder_key("a", "2022-01-26"),
                            founder_key("b", "2022-01-26"), founder_key("a", None)]


def test_story_ids_an_earlier_member_renames_the_story_and_the_old_id_still_works(new_db, real_encoder):
    seeds = {r.id: r for r in _seeds()}
    late, early = seeds["001_1466ee4cbd6c5b37"], seeds["000_b87142e14614ef64"]
    late.published, early.published = "2022-01-27", "2022-01-26"
    with Narratrace(db=new_db("ids"), encoder=real_encoder) as nt:
        nt.add([late])
        first_id = nt.article(late.id).story_id
        assert first_id == story_id_for(late.id)
        nt.add([early])  # joins the story and is earlier: the story is named after it now
        story = nt.story(first_id)  # the retired id resolves to the story its articles are in
        assert story.id == story_id_for(early.id) != first_id
        assert set(story.article_ids) == {late.id, early.id}
        assert nt.article(late.id).story_id == story.id
        assert nt.links(story_id=first_id) == nt.links(story_id=story.id) and nt.links(story_id=story.id)
        assert nt.graph(first_id).to_json()


@pytest.mark.slow
def test_story_ids_and_partition_do_not_depend_on_the_order(new_db, real_encoder, semeval_rows):
    import re

    rows = [r for r in semeval_rows if re.fullmatch(r"\d+_\d+", r["pair_id"])]
    sem: dict[str, str] = {}
    for r in rows[:25]:
        for aid, text in zip(r["pair_id"].split("_"), (r["text1"], r["text2"])):
            sem.setdefault(f"semeval-{aid}", text[:2500])
    records = _seeds() + [RawArticle(id=k, text=v, origin="sem.jsonl") for k, v in sem.items()]
    shuffled = records[:]
    random.Random(3).shuffle(shuffled)
    results = []
    for k, order in enumerate([records, records[::-1], shuffled]):
        with Narratrace(db=new_db(f"order{k}"), encoder=real_encoder) as nt:
            assert nt.add(order).ok
            results.append({s.id: sorted(s.article_ids) for s in nt.stories()})
    assert results[0] == results[1] == results[2]
    assert sum(len(v) > 1 for v in results[0].values()) >= 5  # a test with real stories in it
