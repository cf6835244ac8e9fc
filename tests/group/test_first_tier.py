"""The first tier: candidates from numbers, name keys and words, without the transformer.

Texts are the real seed articles (examples/seeds): 000 (Indonesian), 001 (Persian) and 002 (Arabic)
report one event (US forces moving ISIS members out of the al-Sinaah prison in al-Hasakah);
003 and 004 (Indonesian) are other ISIS stories.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from narratrace.group.features import latin_key
from narratrace.group.first_tier import FirstTier, clue_features, cyrillic_name_keys, script, word_features

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "seeds"
LANG = {"000": "id", "001": "fa", "002": "ar", "003": "id", "004": "id"}


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    return {p.name[:3]: p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def tier_without(seeds: dict[str, str], query: str) -> FirstTier:
    return FirstTier().fit((k, v, LANG[k]) for k, v in seeds.items() if k != query)


def test_first_tier_clues_cross_scripts(seeds):
    shared = set(clue_features(seeds["000"])) & set(clue_features(seeds["002"]))
    assert {"#750", "@" + latin_key("Hasakah"), "@" + latin_key("Sputnik")} <= shared


def test_first_tier_latin_article_finds_its_persian_translation_in_a_small_k(seeds):
    # two same-language ISIS stories share more words; the other-language list keeps a slot for the translation
    cands = tier_without(seeds, "000").candidates(seeds["000"], k=3, lang="id")
    assert "001" in cands


def test_first_tier_arabic_article_ranks_the_same_story_first(seeds):
    cands = tier_without(seeds, "002").candidates(seeds["002"], k=4, lang="ar")
    assert cands[:2] == ["001", "000"]


def test_first_tier_language_unknown_falls_back_to_script(seeds):
    tier = FirstTier().fit((k, v) for k, v in seeds.items() if k != "000")
    assert "001" in tier.candidates(seeds["000"], k=3)
    assert script(seeds["001"]) == "arabic" and script(seeds["000"]) == "latin"


def test_first_tier_exclude_k_and_empty(seeds):
    tier = FirstTier().fit((k, v, LANG[k]) for k, v in seeds.items())
    assert "002" not in tier.candidates(seeds["002"], k=10, exclude="002")
    assert tier.candidates(seeds["002"], k=10)[0] == "002"  # itself, when not excluded
    assert len(tier.candidates(seeds["002"], k=2)) == 2
    assert tier.candidates(seeds["002"], k=0) == []
    assert FirstTier().candidates(seeds["002"]) == []
    assert tier.candidates("") == []


def test_first_tier_an_id_added_twice_keeps_its_first_text(seeds):
    tier = FirstTier()
    tier.add("a", seeds["002"], "ar")
    tier.add("a", seeds["003"], "id")
    assert len(tier) == 1
    assert tier.candidates(seeds["001"], k=5) == ["a"]


def test_first_tier_cyrillic_names_meet_latin_ones():
    keys = cyrillic_name_keys("Во вторник президент России Путин заявил, что Sputnik сообщил")
    assert latin_key("Putin") in keys
    assert cyrillic_name_keys("Путин заявил.") == set()  # sentence-initial capitals are not names


def test_first_tier_word_features_fold_inflections_and_split_chinese():
    assert "inonda" in word_features("Le inondazioni a Giacarta") and "inonda" in word_features("inondate")
    assert {"弹劾", "劾审"} <= set(word_features("参议院不应强行通过弹劾审判"))
