"""Annotations in the store (store/annotations.py, schema 9), on SQLite and PostgreSQL alike: tags and notes
that follow a story's renames, link verdicts, and the pins that keep hand merges and splits in place."""
from __future__ import annotations

import pytest

from narratrace.errors import NotFound
from narratrace.model import Article, Link
from narratrace.store import open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, new_db):
    db = new_db("annotations") if request.param == "sqlite" else request.getfixturevalue("pg_db")("annotations")
    st = open_store(db)
    with st.transaction():
        for aid, sid in [("a1", "S1"), ("a2", "S1"), ("b1", "S2"), ("c1", "S3")]:
            st.write_article(Article(id=aid, text=f"text of {aid}", story_id=sid), {}, {})
    yield st
    st.close()


def test_store_annotations_tags_are_not_doubled_and_notes_are(store):
    with store.transaction():
        first = store.add_annotation("article", "a1", "tag", "disinformation")
        again = store.add_annotation("article", "a1", "tag", "disinformation")
        store.add_annotation("article", "a1", "note", "photo from 2019")
        store.add_annotation("article", "a1", "note", "photo from 2019")
        store.add_annotation("entity", "Q1", "tag", "person")
    assert again == first and first["kind"] == "tag" and first["value"] == "disinformation"
    found = store.annotations_for("article", ["a1", "a2"])
    assert list(found) == ["a1"] and [a["kind"] for a in found["a1"]] == ["tag", "note", "note"]
    assert [a["value"] for a in store.annotations_for("entity")["Q1"]] == ["person"]
    assert store.annotations_for("story") == {}


def test_store_annotations_of_a_story_follow_its_rename(store):
    with store.transaction():
        store.add_annotation("story", "S1", "tag", "prison")
        store.rename_story("S1", "S9", "~\ta1")
        store.add_annotation("story", "S9", "note", "renamed after a1")
    found = store.annotations_for("story", ["S9"])
    assert [(a["value"], a["target_id"]) for a in found["S9"]] == [("prison", "S9"), ("renamed after a1", "S9")]
    assert list(store.annotations_for("story")) == ["S9"]  # every story's, keyed by the current id
    with store.transaction():
        assert store.remove_tag("story", ["S9", "S1"], "prison") == 1
    assert [a["value"] for a in store.annotations_for("story", ["S9"])["S9"]] == ["renamed after a1"]


def test_store_annotations_delete_and_rollback(store):
    with store.transaction():
        kept = store.add_annotation("article", "b1", "tag", "keep")
        gone = store.add_annotation("article", "b1", "tag", "gone")
    with store.transaction():
        assert store.delete_annotation(gone["id"])["value"] == "gone"
    with pytest.raises(NotFound):
        store.delete_annotation(gone["id"])
    with pytest.raises(RuntimeError), store.transaction():
        store.add_annotation("article", "b1", "note", "never stored")
        raise RuntimeError("the command failed half-way")
    assert store.annotations_for("article", ["b1"]) == {"b1": [kept]}


def test_store_annotations_link_verdict_last_one_counts(store):
    cited = {"id": "sputnik", "name": "Sputnik"}
    with store.transaction():
        store.write_links([Link("a1", "a2", "translates", 0.9, "source->target", {}),
                           Link("a1", cited, "cites", 1.0, "source->target", {})], story_id="S1")
        store.review_link("a1", "a2", "translates", "confirmed", None)
        store.review_link("a1", "a2", "translates", "rejected", "same wire, not a translation")
    found = store.link_reviews_for(["a1"])
    assert found[("a1", "a2", "translates")]["verdict"] == "rejected"
    assert found[("a1", "a2", "translates")]["note"] == "same wire, not a translation"
    assert store.link_reviews_for(["b1"]) == {} and list(store.link_reviews_for()) == [("a1", "a2", "translates")]


def test_store_annotations_pins_keep_stories_apart_until_merged_by_hand(store):
    with store.transaction():
        store.pin_articles(["a1", "a2"], "P1")
        store.pin_articles(["b1"], "P2")
        store.keep_apart("P2", "P1")
    assert store.kept_apart({"S1"}, {"S2"}) and store.kept_apart({"S2", "S3"}, {"S1"})
    assert not store.kept_apart({"S1"}, {"S3"}) and not store.kept_apart({"S1"}, set())
    assert store.pinned_story("a1") == "S1" and store.pinned_story("c1") is None
    with store.transaction():  # a new pin for S1's articles carries what was kept apart from their old one
        store.pin_articles(["a1", "a2"], "P3")
    assert store.article_pins(["a1", "a2", "b1", "c1"]) == {"a1": "P3", "a2": "P3", "b1": "P2"}
    assert store.kept_apart({"S1"}, {"S2"})
    with store.transaction():  # pinned together by hand: no longer apart, and the retired pins are gone
        store.set_story("b1", "S1")
        store.pin_articles(["a1", "a2", "b1"], "P4")
    assert not store.kept_apart({"S1"}, {"S1", "S3"})
    assert store._x("SELECT count(*) FROM story_apart").fetchone()[0] == 0


def test_store_annotations_links_follow_moved_articles_and_edits_are_recorded(store):
    with store.transaction():
        store.write_links([Link("a2", "a1", "same_story", 0.8, "undetermined", {}),
                           Link("a1", "a2", "translates", 0.9, "source->target", {})], story_id="S1")
        store.set_story("a2", "S7")
        store.links_follow(["a2"], "S7")
        edit = store.record_story_edit("split", "S7", ["S1"], ["a2"], "a different prison")
    assert store.story("S7").article_ids == ["a2"] and store.story("S1").article_ids == ["a1"]
    assert [lk.source for lk in store.links(story_id="S7")] == ["a2"]
    assert store.story_edits(["S7"]) == [edit] and store.story_edits(["S1"]) == [edit]
    assert store.story_edits(["S3"]) == []
