"""The Solar Hijri (Jalali) calendar of Iran and Afghanistan, converted to Gregorian dates.

Persian news dates its reports in this calendar («۲۸ آبان ۱۳۹۸»). Its year starts at the March
equinox (1 Farvardin falls on 20, 21 or 22 March); months 1-6 have 31 days, 7-11 have 30, and
Esfand (12) has 29, or 30 in a leap year. Leap years follow the 2,820-year break table of the
astronomical calendar, as in the jalaali-js algorithm (Borkowski), valid for years 1-3177. The
month names live in ``lang/fa.py`` (``jalali_months``).
"""
from __future__ import annotations

from datetime import date, timedelta

#: Jalali years at which the 33-year leap cycle restarts (jalaali-js ``breaks``)
_BREAKS = (-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394,
           2456, 3178)


def _div(a: int, b: int) -> int:
    """Integer division truncated towards zero (the algorithm is written for it)."""
    return int(a / b)


def _mod(a: int, b: int) -> int:
    return a - _div(a, b) * b


def _year_start(year: int) -> tuple[int, bool]:
    """(day of March on which 1 Farvardin of ``year`` falls, is ``year`` a leap year)."""
    if not 1 <= year < _BREAKS[-1]:
        raise ValueError(f"Jalali year {year} is outside 1..{_BREAKS[-1] - 1}")
    leap_j, previous, jump = -14, _BREAKS[0], 0
    for brk in _BREAKS[1:]:
        jump = brk - previous
        if year < brk:
            break
        leap_j += _div(jump, 33) * 8 + _div(_mod(jump, 33), 4)
        previous = brk
    n = year - previous
    leap_j += _div(n, 33) * 8 + _div(_mod(n, 33) + 3, 4)
    if _mod(jump, 33) == 4 and jump - n == 4:
        leap_j += 1
    gregorian_year = year + 621
    leap_g = _div(gregorian_year, 4) - _div((_div(gregorian_year, 100) + 1) * 3, 4) - 150
    march = 20 + leap_j - leap_g
    if jump - n < 6:
        n = n - jump + _div(jump + 4, 33) * 33
    leap = _mod(_mod(n + 1, 33) - 1, 4)
    return march, leap == 0  # the algorithm's -1 means 4: not a leap year


def month_length(year: int, month: int) -> int:
    """Days in ``month`` (1..12) of Jalali ``year``."""
    if not 1 <= month <= 12:
        raise ValueError(f"Jalali month {month} is outside 1..12")
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if _year_start(year)[1] else 29


def to_gregorian(year: int, month: int, day: int = 1) -> date:
    """The Gregorian date of Jalali ``year``-``month``-``day`` (28 Aban 1398 -> 2019-11-19)."""
    if not 1 <= day <= month_length(year, month):
        raise ValueError(f"day {day} is outside Jalali month {year}-{month}")
    march, _ = _year_start(year)
    offset = (month - 1) * 31 - max(0, month - 7) + day - 1  # 31-day months, then 30-day ones
    return date(year + 621, 3, march) + timedelta(days=offset)


__all__ = ["month_length", "to_gregorian"]
