"""Annotations through the API (pipeline/annotate.py): tags and notes, link verdicts, and stories merged or
split by hand that later ingests respect. Each ingest test runs a control copy where the same stories were
changed without the pins, to show that the ingest would have undone the analyst's change without them."""
from __future__ import annotations

import pytest

from narratrace import Narratrace
from narratrace.errors import InputError, NotFound
from narratrace.group.stories import story_id_for
from narratrace.model import RawArticle
from narratrace.pipeline.annotate import link_target

from ..conftest import SEED_IDS

A0, A1, A2, B, C = SEED_IDS
UNRELATED = ("Officials said the bridge over the river was closed on Monday after engineers found cracks in two of "
             "its pillars. Traffic was diverted to the old road and repairs are expected to take three weeks.")


@pytest.fixture
def project(seeds_project, real_encoder, tmp_path, test_databases):
    """A private copy of the encoded seeds: story A (000, 001, 002), B (003) and C (004)."""
    nt_seeds = seeds_project[0]
    nt = Narratrace(db=test_databases.copy(nt_seeds.db_path, tmp_path, "annotate"), encoder=real_encoder)
    yield nt
    nt.close()


@pytest.fixture
def control(seeds_project, real_encoder, tmp_path, test_databases):
    nt = Narratrace(db=test_databases.copy(seeds_project[0].db_path, tmp_path, "control"), encoder=real_encoder)
    yield nt
    nt.close()


def _story(nt: Narratrace, article_id: str) -> str:
    return nt.article(article_id).story_id


def _new_version(nt: Narratrace, article_id: str, extra: str) -> RawArticle:
    """The stored article with a paragraph added, from the same file: ingest stores it as a new version."""
    art = nt.article(article_id)
    return RawArticle(id=art.id, text=art.text + "\n\n" + extra, origin=art.origin)


def test_annotations_tags_and_notes_on_every_kind_of_target(project):
    ann = project.annotations
    sid = _story(project, A0)
    first = ann.tag(None, sid, "  prison   break ")  # an id alone: a story id first, then an article id
    assert (first["target_kind"], first["value"]) == ("story", "prison break")
    assert ann.tag("story", sid, "prison break") == first
    ann.note("article", A1, "the Persian original\nof 000")
    ann.tag(None, A1, "translation")
    ann.tag("entity", "al-Hasakah", "place")
    assert [(a["kind"], a["value"]) for a in ann.of(None, A1)] == [("note", "the Persian original\nof 000"),
                                                                   ("tag", "translation")]
    assert list(ann.all("entity")) == ["al-Hasakah"]
    assert ann.untag("story", sid, "prison break") == 1 and ann.of("story", sid) == []
    removed = ann.delete(ann.of("article", A1)[0]["id"])
    assert removed["kind"] == "note" and [a["value"] for a in ann.of("article", A1)] == ["translation"]
    with pytest.raises(NotFound):
        ann.tag(None, "no-such-id", "x")
    with pytest.raises(NotFound):
        ann.tag("story", A1, "x")  # an article id is not a story
    with pytest.raises(InputError):
        ann.tag("article", A1, " \x1b\t ")
    with pytest.raises(InputError):
        ann.tag("person", A1, "x")


def test_annotations_link_verdicts_on_articles_and_cited_sources(project):
    ann = project.annotations
    cites = [lk for lk in project.links(article_id=A2) if lk.kind == "cites"]
    assert cites, "002 cites Sputnik"
    source_id = cites[0].target["id"]
    ann.review_link(A2, source_id, "cites", "confirmed", note="«المصدر: سبوتنيك»")
    joined = next(lk for lk in project.links(story_id=_story(project, A0)) if isinstance(lk.target, str))
    ann.review_link(joined.source, joined.target, joined.kind, "rejected")
    verdicts = ann.link_reviews([cites[0], joined])
    assert verdicts[0]["verdict"] == "confirmed" and verdicts[0]["note"] == "«المصدر: سبوتنيك»"
    assert verdicts[1]["verdict"] == "rejected" and verdicts[1]["note"] is None
    stored = project.store.link_reviews_for([A2])  # keyed as the links table keeps the target (JSON)
    assert stored[(A2, link_target(cites[0].target), "cites")]["verdict"] == "confirmed"
    with pytest.raises(NotFound):
        ann.review_link(A2, "nobody", "cites", "confirmed")
    with pytest.raises(InputError):
        ann.review_link(A2, source_id, "cites", "maybe")


def test_annotations_merge_and_split_refuse_what_makes_no_sense(project):
    ann = project.annotations
    a = _story(project, A0)
    with pytest.raises(InputError):
        ann.merge_stories(a, a)
    with pytest.raises(NotFound):
        ann.merge_stories(a, "S-none")
    with pytest.raises(InputError, match="does not hold"):
        ann.split_story(a, [B])
    with pytest.raises(InputError, match="nothing behind"):
        ann.split_story(a, [A0, A1, A2])
    with pytest.raises(InputError):
        ann.split_story(a, [])
    assert ann.edits() == []


def test_annotations_a_story_merged_by_hand_stays_merged_after_a_new_ingest(project, control):
    b, c = _story(project, B), _story(project, C)
    founders = {b: project.store.story_founder(b), c: project.store.story_founder(c)}
    keep, gone = sorted([b, c], key=founders.get)  # the merged story is named after the earlier founder
    later = B if keep == c else C  # the member that is not the founder: grouped again, it would leave
    # control: the same merge without pins; a new version of the later article is grouped again and leaves
    control.store.rename_story(gone, keep, founders[keep])
    assert _story(control, B) == _story(control, C) == keep
    more = [RawArticle(id="bridge-1", text=UNRELATED, lang="en", origin="later.jsonl:1")]
    assert control.add([_new_version(control, later, "Pembaruan: artikel ini diperbarui.")] + more).ok
    assert _story(control, later) != keep, "the control must show the split the pins prevent"

    merged = project.annotations.merge_stories(b, c, note="one ISIS-transfer narrative")
    assert sorted(merged.article_ids) == [B, C] and merged.id == keep
    assert project.story(b).id == project.story(c).id == merged.id  # both old ids redirect
    report = project.add([_new_version(project, later, "Pembaruan: artikel ini diperbarui.")] + more)
    assert report.ok and report.updated == [later] and report.ingested == ["bridge-1"]
    assert _story(project, C) == _story(project, B) == merged.id
    assert _story(project, "bridge-1") != merged.id
    assert [e["action"] for e in project.annotations.edits(merged.id)] == ["merge"]


def test_annotations_a_split_stays_split_after_a_new_ingest(project, control):
    a = _story(project, A0)
    near_copy = RawArticle(id="002-again", text=project.article(A2).text.rsplit("\n", 2)[0],
                           origin="later.jsonl:1")
    # control: 002 moved out without pins; an article like 002 bridges the two again and they are merged back
    control.store.set_story(A2, story_id_for(A2))
    assert control.add([near_copy]).ok
    assert _story(control, A2) == _story(control, A0), "the control must show the re-merge the pins prevent"

    rest, part = project.annotations.split_story(a, [A2], note="another source")
    assert sorted(rest.article_ids) == [A0, A1] and part.article_ids == [A2]
    assert part.id == story_id_for(A2) and rest.id == a
    assert not [lk for lk in project.links(story_id=rest.id) if lk.kind == "same_story" and A2 in (lk.source,
                                                                                                   lk.target)]
    report = project.add([near_copy, _new_version(project, A2, "تحديث: تم تحديث هذا الخبر.")])
    assert report.ok and report.ingested == ["002-again"] and report.updated == [A2]
    part_now, rest_now = project.story(part.id).id, project.story(rest.id).id  # renamed when joined by an earlier one
    assert _story(project, A2) == part_now and _story(project, A0) == _story(project, A1) == rest_now != part_now
    assert _story(project, "002-again") in (part_now, rest_now)  # new articles may still join either part
    assert [e["action"] for e in project.annotations.edits(part_now)] == ["split"]
    # merged by hand again: the split is lifted
    merged = project.annotations.merge_stories(rest_now, part_now)
    assert {A0, A1, A2} <= set(merged.article_ids)
    assert not project.store.kept_apart({merged.id}, {merged.id})
