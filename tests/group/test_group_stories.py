"""Story grouping on the seeds, with the real encoder and the real database."""
from __future__ import annotations

SEED_IDS = ["000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36",
            "003_a1910eebe7f376b6", "004_a999723ac9a858df"]


def _story_of(nt, article_id):
    return nt.article(article_id).story_id


def test_stories_seed_grouping(seeds_project):
    nt, report = seeds_project
    assert sorted(report.ingested) == SEED_IDS
    a, b, c = (_story_of(nt, i) for i in SEED_IDS[:3])
    assert a == b == c, "000, 001 and 002 report the same event"
    story_ids = {_story_of(nt, i) for i in SEED_IDS}
    assert len(story_ids) == 3, "003 and 004 are each a story of their own"
    assert _story_of(nt, SEED_IDS[3]) != _story_of(nt, SEED_IDS[4])


def test_stories_seed_story_spans_three_languages(seeds_project):
    nt, _ = seeds_project
    big = nt.stories()[0]
    assert sorted(big.article_ids) == SEED_IDS[:3]
    assert sorted(big.languages) == ["ar", "fa", "id"]


def test_stories_join_link_carries_evidence(seeds_project):
    nt, _ = seeds_project
    story = nt.stories()[0]
    joined = {}
    for lk in nt.links(story_id=story.id):
        grouping = lk.evidence if lk.kind == "same_story" and "threshold" in lk.evidence \
            else lk.evidence.get("grouping")
        if grouping:
            joined[grouping["joined"]] = (lk, grouping)
    # the two articles that joined the founder's story each say why
    assert sorted(joined) == sorted(story.article_ids[1:])
    for _lk, grouping in joined.values():
        assert grouping["passage_pairs"], "a join names the passages that matched"
        assert set(grouping["features"]) >= {"doc", "numbers", "names"}
        assert grouping["threshold"] > 0


def test_stories_translation_link_between_000_and_001(seeds_project):
    nt, _ = seeds_project
    kinds = {(lk.source, lk.target): lk.kind for lk in nt.links(article_id=SEED_IDS[0])
             if isinstance(lk.target, str)}
    assert kinds.get((SEED_IDS[0], SEED_IDS[1])) == "translates" or \
        kinds.get((SEED_IDS[1], SEED_IDS[0])) == "translates"


def test_stories_ids_stable_across_runs(new_db, seeds_project, tmp_path, real_encoder, samples_dir):
    from narratrace import Narratrace

    nt, _ = seeds_project
    with Narratrace(db=new_db("again"), encoder=real_encoder) as again:
        again.ingest([samples_dir])
        assert {s.id: sorted(s.article_ids) for s in again.stories()} == \
               {s.id: sorted(s.article_ids) for s in nt.stories()}
