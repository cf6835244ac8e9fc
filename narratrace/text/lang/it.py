"""Italian: its month names, so that dates in Italian news are read; the other slots are the shared defaults.

No abbreviations of its own yet (``abbreviations`` stays None: sentences are split with every
language's), no boilerplate or reporting verbs: add them here when Italian sources need them.
"""
from __future__ import annotations

from .base import BaseDefaults

MONTHS = {m: i for i, m in enumerate((
    "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
    "novembre", "dicembre"), 1)}


class Italian(BaseDefaults):
    lang = "it"
    name = "Italian"
    months = MONTHS
    weekdays = frozenset({"Lunedì", "Martedì", "Mercoledì", "Giovedì", "Venerdì", "Sabato", "Domenica"})


LANGUAGE = Italian
