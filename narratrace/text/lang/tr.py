"""Turkish: its month names, so that dates in Turkish news are read; the other slots are the shared defaults.

No abbreviations of its own yet (``abbreviations`` stays None: sentences are split with every
language's), no boilerplate or reporting verbs: add them here when Turkish sources need them.
"""
from __future__ import annotations

from .base import BaseDefaults

MONTHS = {m: i for i, m in enumerate((
    "ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim", "kasım",
    "aralık"), 1)}


class Turkish(BaseDefaults):
    lang = "tr"
    name = "Turkish"
    months = MONTHS
    weekdays = frozenset({"Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar"})


LANGUAGE = Turkish
