"""Urdu: the Urdu full stop "۔" and the letters and words that tell it from Persian and Arabic."""
from __future__ import annotations

from .base import COMMON_ABBREVIATIONS, BaseDefaults


class Urdu(BaseDefaults):
    lang = "ur"
    name = "Urdu"
    direction = "rtl"
    #: none of its own yet; Latin ones (Dr., U.S.) occur in Urdu news
    abbreviations = COMMON_ABBREVIATIONS
    boilerplate_prefixes = BaseDefaults.boilerplate_prefixes + (
        ("related link", ("یہ بھی پڑھیں", "مزید پڑھیں")),
    )
    reporting_verbs = frozenset({"کہا", "بتایا", "کہنا"})
    marker_letters = "ٹڈڑںےۓۃ۔"
    marker_words = frozenset({"ہے", "ہیں", "کے", "کی", "کا", "میں", "نے", "کو", "سے", "پر", "اور", "یہ",
                              "وہ", "تھا", "تھی", "گیا", "ہو", "نہیں"})


LANGUAGE = Urdu
