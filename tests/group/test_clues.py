"""Grouping clues stored with each passage give the same Side as clues computed from the text."""
from __future__ import annotations

import numpy as np

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.group.similarity import Side, passage_clues, side_with_clues
from narratrace.model import RawArticle

TEXTS = ["US forces moved 750 ISIS members out of al-Sinaa prison in al-Hasakah, sources told Sputnik.",
         "نقلت القوات الأمريكية ٧٥٠ عنصرا من سجن الصناعة في الحسكة في شباط ٢٠٢٢",
         "A quiet day with no names or numbers."]


def test_side_from_stored_clues_equals_side_from_text():
    vecs = np.eye(3, 8, dtype=np.float32)
    for published in (None, "2022-02-03"):
        plain = Side("a", "en", published, vecs, TEXTS)
        stored = side_with_clues("a", "en", published, vecs, TEXTS, [passage_clues(t) for t in TEXTS])
        assert stored._numbers is not None  # taken from the clues, not computed again
        assert (stored.numbers, stored.names, stored.not_before) == (plain.numbers, plain.names, plain.not_before)
        assert "750" in stored.numbers and stored.names
        assert stored._units is not None and stored.units == plain.units  # no text scanned for units
        assert ("isis", "750") in stored.units


def test_passages_stored_before_clues_existed_fall_back_to_the_text():
    vecs = np.eye(3, 8, dtype=np.float32)
    side = side_with_clues("a", "en", None, vecs, TEXTS, [passage_clues(TEXTS[0]), None, None])
    assert side._numbers is None and side.numbers == Side("a", "en", None, vecs, TEXTS).numbers


def test_store_keeps_the_clues_of_encoded_passages(tmp_path):
    with Narratrace(db=tmp_path / "c.db", encoder=HashingEncoder()) as nt:
        nt.add([RawArticle(id="x", text="\n".join(TEXTS))])
        sp = nt.store.passage_vectors("x")
        assert sp.clues and all(c is not None for c in sp.clues)
        assert sp.clues == [passage_clues(t) for t in sp.texts]


def test_passage_vectors_of_many_articles_equal_one_by_one(tmp_path):
    with Narratrace(db=tmp_path / "m.db", encoder=HashingEncoder()) as nt:
        nt.add([RawArticle(id=f"x{i}", text=f"{t}\nParagraph {i} of the article.") for i, t in enumerate(TEXTS)])
        many = nt.store.passage_vectors_many(["x2", "x0", "nope", "x1"])
        assert set(many) == {"x0", "x1", "x2"}
        for aid, got in many.items():
            one = nt.store.passage_vectors(aid)
            assert (got.indices, got.texts, got.langs, got.clues, got.story_id) == \
                (one.indices, one.texts, one.langs, one.clues, one.story_id)
            assert np.array_equal(got.vectors, one.vectors)
