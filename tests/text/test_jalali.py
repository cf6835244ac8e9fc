"""Solar Hijri (Jalali) dates to Gregorian, checked on dates whose Gregorian day is known."""
import pytest

from narratrace.text.jalali import month_length, to_gregorian


@pytest.mark.parametrize(("jalali", "gregorian"), [
    ((1398, 8, 28), "2019-11-19"),    # «۲۸ آبان ۱۳۹۸» (STACK-NOTES: dateparser and jdatetime agree)
    ((1398, 1, 1), "2019-03-21"),     # Nowruz
    ((1399, 1, 1), "2020-03-20"),
    ((1403, 1, 1), "2024-03-20"),
    ((1404, 1, 1), "2025-03-21"),
    ((1357, 11, 22), "1979-02-11"),   # 22 Bahman 1357
    ((1399, 12, 30), "2021-03-20"),   # the last day of a leap year
    ((1402, 10, 1), "2023-12-22"),    # 1 Dey: Dey begins in December, Bahman in January
])
def test_jalali_to_gregorian(jalali, gregorian):
    assert str(to_gregorian(*jalali)) == gregorian


def test_jalali_months_and_leap_years():
    assert [month_length(1402, m) for m in (1, 6, 7, 11, 12)] == [31, 31, 30, 30, 29]
    assert [y for y in range(1395, 1410) if month_length(y, 12) == 30] == [1395, 1399, 1403, 1408]


def test_jalali_each_month_follows_the_last():
    for year in (1300, 1398, 1403, 1500):
        for month in range(1, 12):
            last = to_gregorian(year, month, month_length(year, month))
            assert (to_gregorian(year, month + 1) - last).days == 1
        assert (to_gregorian(year + 1, 1) - to_gregorian(year, 12, month_length(year, 12))).days == 1


@pytest.mark.parametrize("bad", [(1398, 13, 1), (1398, 0, 1), (1402, 12, 30), (1398, 7, 31), (5000, 1, 1)])
def test_jalali_refuses_dates_that_do_not_exist(bad):
    with pytest.raises(ValueError):
        to_gregorian(*bad)
