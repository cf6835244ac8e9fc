"""One month table (and one weekday list) for every stage, from the language modules' ``months``, ``jalali_months``
and ``weekdays``.

Dates are read in any text whatever its language (a Persian article quotes an Arabic dateline), so the
text stage's date rule and the group stage's month mentions look names up in one table of all
languages, keyed by match key (``normalise``: أبريل and ابريل, Nopember and NOPEMBER are one name).
"""
from __future__ import annotations

from ..errors import ConfigError
from .lang import available_languages, get_lang, language_cache
from .normalise import normalise

#: calendar -> the language slot holding its month names
CALENDARS = {"gregorian": "months", "jalali": "jalali_months"}


@language_cache
def month_names(calendar: str = "gregorian") -> dict[str, int]:
    """Match key of every month name a language knows -> month number (1..12) in ``calendar``.

    Where two languages spell a month alike, the first code in alphabetical order wins.
    """
    if calendar not in CALENDARS:
        raise ConfigError(f"unknown calendar {calendar!r}", hint=f"choose one of: {', '.join(CALENDARS)}")
    table: dict[str, int] = {}
    for code in available_languages():
        names: dict[str, int] = getattr(get_lang(code), CALENDARS[calendar])
        for name, number in names.items():
            table.setdefault(normalise(name), number)
    return table


@language_cache
def weekday_names() -> frozenset[str]:
    """Match keys of the weekday names every language module knows ("monday", "senin", "pazartesi")."""
    return frozenset(normalise(name) for code in available_languages() for name in get_lang(code).weekdays)


__all__ = ["CALENDARS", "month_names", "weekday_names"]
