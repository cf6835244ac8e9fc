"""The lexical feature (TF-IDF cosine of index terms, rarity from a background plus the store) and the
latest-year feature."""
from __future__ import annotations

import math

import numpy as np

from narratrace.group.features import latest_year
from narratrace.group.lexical import TermRarity, article_terms, term_overlap
from narratrace.group.similarity import Side, pair_features


class FakeStore:
    """Counts how often the store's term frequencies are read."""

    def __init__(self, docs: int, df: dict[str, int]) -> None:
        self.docs, self.df, self.reads = docs, df, 0

    def recent_document_frequencies(self, passages: int) -> tuple[int, dict[str, int]]:
        self.reads += 1
        return self.docs, self.df


def _side(aid: str, text: str, lang: str = "en", published: str | None = None) -> Side:
    return Side(aid, lang, published, np.ones((1, 4), np.float32) / 2, [text])


def test_lexical_rarity_sums_background_and_store_counts():
    rarity = TermRarity({"the": 90, "quake": 5}, 100, sample_passages=1000, refresh_share=1.0)
    before = rarity.idf("quake")
    assert math.isclose(before, math.log(101 / 6) + 1)
    rarity.grouped(FakeStore(100, {"quake": 95}))  # the store is full of earthquakes
    assert math.isclose(rarity.idf("quake"), math.log(201 / 101) + 1)
    assert rarity.idf("the") < rarity.idf("palu") == math.log(201) + 1  # unseen terms count as rarest


def test_lexical_rarity_reads_the_store_again_only_when_it_grew_by_the_share():
    store = FakeStore(4, {})
    rarity = TermRarity({}, 0, sample_passages=1000, refresh_share=1.0)
    versions = []
    for _ in range(8):
        rarity.grouped(store)
        versions.append(rarity.version)
    assert store.reads == 2  # first use (article 1), then at article 5: 4 more, the counted 4 times 1.0
    assert len(set(versions)) == 2
    with_background = TermRarity({"the": 9}, 10, sample_passages=1000, refresh_share=0.5)
    for _ in range(8):
        with_background.grouped(store)
    assert store.reads == 4  # at first use, then at its 8th: 7 more = 0.5 x (10 background + 4 sampled)
    off = TermRarity({}, 0, sample_passages=0, refresh_share=1.0)
    off.grouped(store)
    assert store.reads == 4  # no sample configured: the store is never read


def test_lexical_shared_rare_words_outweigh_shared_common_ones():
    rarity = TermRarity({"the": 95, "earthquake": 30, "struck": 40, "coast": 50, "of": 95}, 100)
    a = _side("a", "The earthquake struck the coast of Palu")
    b = _side("b", "The earthquake struck the coast of Healdsburg")
    c = _side("c", "Palu: the earthquake and the tsunami of Palu")
    ab, ac = (pair_features(a, x, rarity=rarity)[0]["lexical"] for x in (b, c))
    assert ac > ab > 0  # "palu" is the event; "the earthquake struck" is its kind
    cos, shared = term_overlap(a.lexical(rarity), c.lexical(rarity))
    assert shared[0] == "palu" and math.isclose(cos, ac)


def test_lexical_vector_keeps_the_heaviest_terms_and_the_full_norm():
    rarity = TermRarity({}, 10)
    counts = article_terms(["alpha beta gamma delta alpha"])
    full, cut = rarity.vector(counts, limit=100), rarity.vector(counts, limit=2)
    assert list(cut) == ["alpha", "beta"]  # alpha twice; the ties keep the text's order
    assert cut["alpha"] == full["alpha"] and math.isclose(sum(w * w for w in full.values()), 1.0)


def test_lexical_feature_is_zero_without_shared_terms_and_counts_per_language():
    rarity = TermRarity({}, 10)
    a, b = _side("a", "Sulawesi tsunami", "en"), _side("b", "Sulawesi tsunami", "id")
    f = pair_features(a, b, rarity=rarity)[0]
    assert f["lexical"] > 0.99 and f["lexical_same_lang"] == 0.0
    assert pair_features(a, _side("c", "unrelated words"), rarity=rarity)[0]["lexical"] == 0.0


def test_latest_year_reads_years_in_any_digits_not_amounts():
    assert latest_year("In 2013 the 2,013 people, and in 1998 more") == 2013
    assert latest_year("۲۰۱۹ سال") == 2019
    assert latest_year("3.2013 and 1,500 and 2060") is None


def test_years_apart_counts_for_undated_pairs_only():
    old, new = _side("a", "The 2008 quake"), _side("b", "Another quake in 2013")
    f, evidence = pair_features(old, new)
    assert f["years_apart"] == 1.0 and evidence["latest_years"] == [2008, 2013]
    assert pair_features(old, _side("c", "In 2009"))[0]["years_apart"] == 0.5
    dated = _side("d", "Another quake in 2013", published="2013-03-14")
    both = _side("e", "The 2008 quake", published="2013-03-15")
    assert pair_features(both, dated)[0]["years_apart"] == 0.0  # the dates decide: "days"


def test_no_names_marks_a_pair_that_cannot_share_names():
    chinese = _side("zh", "印度尼西亚发生地震", lang="zh")
    english, other = _side("en", "An earthquake struck near Palu on Sulawesi"), _side("x", "A quake again on Sulawesi")
    assert pair_features(chinese, english)[0]["no_names"] == 1.0
    assert pair_features(english, other)[0]["no_names"] == 0.0
