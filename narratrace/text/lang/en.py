"""English: related-link lines, month names, reporting verbs."""
from __future__ import annotations

from .base import COMMON_ABBREVIATIONS, BaseDefaults

MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), 1)}
MONTHS.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
               "oct": 10, "nov": 11, "dec": 12})


class English(BaseDefaults):
    lang = "en"
    name = "English"
    abbreviations = COMMON_ABBREVIATIONS | {"e.g", "i.e", "a.m", "p.m", "approx", "est", "dept", "mt"}
    boilerplate_prefixes = BaseDefaults.boilerplate_prefixes + (
        ("related link", ("Read also", "Read more", "Also read", "See also", "Related:", "Related articles",
                          "Related stories", "Related coverage", "Recommended:", "Continue reading")),
        ("advertisement", ("Advertisement", "Sponsored content")),
    )
    meta_prefixes = (("source line", ("Source:", "Sources:")), ("credit line", ("Editor:", "Reporter:",
                                                                                 "Edited by", "Photo:")))
    months = MONTHS
    weekdays = frozenset({"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"})
    reporting_verbs = frozenset({"said", "says", "told", "announced", "reported", "stated", "added",
                                 "according", "claimed", "declared"})
    marker_words = frozenset({"the", "and", "of", "said"})


LANGUAGE = English
