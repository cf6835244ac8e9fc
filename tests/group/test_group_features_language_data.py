"""The group stage's clues read the language modules' month names and the text stage's one letter folding."""
import pytest

from narratrace.group.features import latest_mentioned_month, name_key, name_keys, numbers


@pytest.mark.parametrize(("text", "month"), [
    ("وفي كانون الثاني 2019 أعلنت", "2019-01"),        # Levantine, two words
    ("منذ تشرين الأول ٢٠٢٠", "2020-10"),               # Levantine, Arabic-Indic digits
    ("في اكتوبر 2019", "2019-10"),                      # Egyptian spelling without hamza
    ("Oktober 2019 dan Nopember 2019", "2019-11"),      # Indonesian, with the older spelling
    ("AFP, Tuesday 2 Jul 2013", "2013-07"),            # English abbreviation (ECB+ dateline)
    ("Im Dezember 2018", "2018-12"),
    ("Xmarch 2019", None),                              # a month name must be a whole word
    ("March 1850", None),                               # Gregorian years 1900..2100 only
])
def test_features_month_mentions(text, month):
    assert latest_mentioned_month(text) == month


@pytest.mark.parametrize(("text", "month"), [
    ("آبان ۱۳۹۸", "2019-10"),      # 1 Aban 1398 = 23 October 2019
    ("فروردین ۱۳۹۸", "2019-03"),   # Farvardin is month 1; 1 Farvardin 1398 = 21 March 2019
    ("فروردين ۱۳۹۸", "2019-03"),   # written with Arabic yeh
    ("دی ۱۴۰۲", "2023-12"),        # 1 Dey 1402 = 22 December 2023
    ("بهمن ۱۳۹۸", "2020-01"),      # the next Gregorian year from Bahman on
    ("اسفند ۱۳۹۸", "2020-02"),
])
def test_features_jalali_month_gives_the_gregorian_month_it_begins_in(text, month):
    assert latest_mentioned_month(text) == month


def test_features_name_keys_fold_every_spelling_of_a_letter():
    hasakah = {name_key(w) for w in ("الحسكة", "الحسکه", "حسکہ", "حسكه")}
    assert hasakah == {"HSKH"} == {name_key("al-Hasakah")}
    assert name_key("بھارت") == name_key("Bharat")            # Urdu do-chashmi heh is an h
    assert name_keys("الحسكة") == name_keys("الحسکہ")


def test_features_numbers_in_every_script():
    assert numbers("۷۵۰ و ٧٥٠ و 1,500 و ۳٫۵") == {"750", "1500", "3.5"}
