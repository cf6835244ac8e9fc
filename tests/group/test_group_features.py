"""Script-independent clues: numbers and name skeletons shared across Latin, Arabic and Persian."""
from __future__ import annotations

import pytest

from narratrace.group.features import (
    arabic_key,
    latin_key,
    name_keys,
    number_units,
    numbers,
    unit_conflict,
    weighted_overlap,
)


@pytest.mark.parametrize("latin, arabic", [
    ("Al-Hasakah", "الحسكة"), ("al-Sinaah", "الصناعة"), ("Sputnik", "سبوتنيك"), ("Sputnik", "اسپوتنیک"),
    ("Bukamal", "البوكمال"), ("Halabi", "الحلبي"), ("Musab", "مصعب"), ("Hasakah", "الحسکه"),
])
def test_features_same_name_same_key_across_scripts(latin, arabic):
    assert latin_key(latin) == arabic_key(arabic)


def test_features_different_names_differ():
    assert latin_key("Hasakah") != latin_key("Aleppo") != arabic_key("دمشق")


def test_features_numbers_fold_persian_and_arabic_digits():
    assert {"750"} <= numbers("۷۵۰ تروریست") and {"750"} <= numbers("٧٥٠ من أفراد")
    assert numbers("3 titik") == set()  # single digits are too common to count


def test_features_sentence_initial_capitals_are_not_names():
    keys = name_keys("Menurut sumber itu. Dalam hal ini pasukan di Al-Hasakah bergerak.")
    assert keys == {latin_key("Hasakah")}


def test_features_weighted_overlap_bounds():
    assert weighted_overlap({"a", "b"}, {"a", "b", "c"}) == 1.0
    assert weighted_overlap(set(), {"a"}) == 0.0
    assert weighted_overlap({"a"}, {"b"}) == 0.0


def test_features_cyrillic_names_share_keys_with_their_latin_spelling():
    russian = name_keys("Об этом в пятницу заявил Дональд Трамп, сообщает агентство.")
    english = name_keys("This was said on Friday by Donald Trump, the agency reports.")
    assert {latin_key("Donald"), latin_key("Trump")} <= russian & english
    assert name_keys("Сегодня шёл дождь.") == set()  # a sentence-initial capital is not a name


def test_features_unit_conflict_counts_words_whose_numbers_differ():
    quake_a = number_units("A 6.1-magnitude quake killed 12 people; 1,500 homes were damaged")
    assert {("magnitude", "6.1"), ("people", "12"), ("homes", "1500")} <= quake_a
    quake_b = number_units("The 4.6 magnitude quake left 12 people hurt")
    assert unit_conflict(quake_a, quake_b) == 0.5  # magnitude differs, people agree
    assert unit_conflict(quake_a, number_units("no numbers here")) == 0.0
    assert unit_conflict(number_units("۶.۱ magnitude"), number_units("6.1 magnitude")) == 0.0
