"""Fallback for languages without their own module: the base defaults as they are.

``RIGHT_TO_LEFT`` is what narratrace knows of the right-to-left languages that have no module yet:
their name. ``get_lang`` gives each of them these defaults with ``direction = "rtl"``, so the web
app sets ``dir="rtl"`` on their text. When one of them gets a module, drop it from here.
"""
from __future__ import annotations

from .base import BaseDefaults

#: codes narratrace may report (cld2's ISO 639-1, ISO 639-3 for Arabic-script varieties) -> name
RIGHT_TO_LEFT: dict[str, str] = {
    "ps": "Pashto", "he": "Hebrew", "yi": "Yiddish", "ckb": "Central Kurdish", "sd": "Sindhi",
    "ug": "Uyghur", "dv": "Dhivehi", "ku": "Kurdish", "arz": "Egyptian Arabic",
    "azb": "South Azerbaijani", "pnb": "Western Punjabi",
}


class MultiLanguage(BaseDefaults):
    lang = "xx"


LANGUAGE = MultiLanguage
