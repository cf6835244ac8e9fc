"""Spanish: its month names, so that dates in Spanish news are read; the other slots are the shared defaults.

No abbreviations of its own yet (``abbreviations`` stays None: sentences are split with every
language's), no boilerplate or reporting verbs: add them here when Spanish sources need them.
"""
from __future__ import annotations

from .base import BaseDefaults

MONTHS = {m: i for i, m in enumerate((
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
    "noviembre", "diciembre"), 1)}


class Spanish(BaseDefaults):
    lang = "es"
    name = "Spanish"
    months = MONTHS
    weekdays = frozenset({"Lunes", "Martes", "Miércoles", "Jueves", "Viernes", "Sábado", "Domingo"})


LANGUAGE = Spanish
