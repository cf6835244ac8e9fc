"""One month table for every stage, read from the language modules (``text.months.month_names``)."""
import pytest

from narratrace.errors import ConfigError
from narratrace.text import normalise
from narratrace.text.lang import get_lang
from narratrace.text.metadata import full_dates
from narratrace.text.months import month_names


@pytest.mark.parametrize(("name", "number"), [
    ("كانون الثاني", 1), ("شباط", 2), ("آذار", 3), ("نيسان", 4), ("أيار", 5), ("حزيران", 6), ("تموز", 7),
    ("آب", 8), ("أيلول", 9), ("تشرين الأول", 10), ("تشرين الثاني", 11), ("كانون الأول", 12),   # Levantine
    ("يناير", 1), ("ابريل", 4), ("أغسطس", 8), ("اكتوبر", 10),                                     # Egyptian
    ("ژانویه", 1), ("ژوئیه", 7), ("Nopember", 11), ("Ogos", 8), ("Sept", 9),
    ("janvier", 1), ("Dezember", 12), ("septiembre", 9), ("gennaio", 1), ("Haziran", 6),
])
def test_months_gregorian_names_of_every_language(name, number):
    assert month_names()[normalise(name)] == number


def test_months_jalali_are_numbered_in_the_solar_hijri_year():
    jalali = month_names("jalali")
    assert [jalali[normalise(n)] for n in ("فروردین", "تیر", "مهر", "دی", "اسفند")] == [1, 4, 7, 10, 12]
    assert sorted(jalali.values()) == list(range(1, 13))
    assert not set(jalali) & set(month_names())  # a Jalali name is never read as a Gregorian month
    assert get_lang("fa").jalali_months and not get_lang("ar").jalali_months


def test_months_unknown_calendar():
    with pytest.raises(ConfigError, match="gregorian"):
        month_names("julian")


def test_months_dates_in_text_use_the_same_table():
    """Datelines written as Syrian (Levantine names), Egyptian (no hamza) and Persian (Gregorian) outlets do."""
    assert full_dates(normalise("دمشق-سانا 14 تشرين الثاني 2017"))[0][0] == "2017-11-14"
    assert full_dates(normalise("القاهرة 3 اكتوبر 2019"))[0][0] == "2019-10-03"
    assert full_dates(normalise("۲۳ ژانویه ۲۰۲۲"))[0][0] == "2022-01-23"
