"""French: its month names, so that dates in French news are read; the other slots are the shared defaults.

No abbreviations of its own yet (``abbreviations`` stays None: sentences are split with every
language's), no boilerplate or reporting verbs: add them here when French sources need them.
"""
from __future__ import annotations

from .base import BaseDefaults

MONTHS = {m: i for i, m in enumerate((
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre"), 1)}


class French(BaseDefaults):
    lang = "fr"
    name = "French"
    months = MONTHS
    weekdays = frozenset({"Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"})


LANGUAGE = French
