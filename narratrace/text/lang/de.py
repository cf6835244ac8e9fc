"""German: its month names, so that dates in German news are read; the other slots are the shared defaults.

No abbreviations of its own yet (``abbreviations`` stays None: sentences are split with every
language's), no boilerplate or reporting verbs: add them here when German sources need them.
"""
from __future__ import annotations

from .base import BaseDefaults

MONTHS = {m: i for i, m in enumerate((
    "januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
    "november", "dezember"), 1)}


class German(BaseDefaults):
    lang = "de"
    name = "German"
    months = MONTHS
    weekdays = frozenset({"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonnabend", "Sonntag"})


LANGUAGE = German
