"""Match keys: text folded so that spelling variants compare equal. Display text is never changed.

The key is NFKC, without Arabic diacritics, tatweel, zero-width and direction marks, with
Arabic/Persian letter variants folded to one form, Eastern digits as ASCII, casefolded and with
whitespace collapsed. ``normalise`` is idempotent: ``normalise(normalise(t)) == normalise(t)``.

The fold tables here are the only ones in narratrace: stages that need a fold without the rest of
the key (the group stage's name skeletons and numbers, the trace stage's offset-keeping source
matching) use ``LETTER_FOLDS`` / ``fold_letters`` and ``DIGIT_FOLDS`` / ``fold_digits``.
"""
from __future__ import annotations

import re
import unicodedata

from .lang import get_lang, language_cache

#: characters dropped from the key
_DROP = (
    [chr(c) for c in range(0x0610, 0x061B)]      # Quranic honorifics and small marks
    + [chr(c) for c in range(0x064B, 0x0660)]    # harakat: tanween, fatha ... sukun, hamza above/below
    + ["\u0670"]                                  # superscript alef
    + [chr(c) for c in range(0x06D6, 0x06DD)] + [chr(c) for c in range(0x06DF, 0x06E5)]
    + [chr(c) for c in range(0x06E7, 0x06E9)] + [chr(c) for c in range(0x06EA, 0x06EE)]
    + ["\u0640"]                                  # tatweel
    + ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad", "\u061c",
       "\u034f", "\u180e"]                        # zero-width, ZWNJ/ZWJ, marks, soft hyphen
    + [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]  # bidi controls
)

#: Arabic-script letter variants -> the one form used in keys (Persian forms, as in STACK-NOTES). The one
#: letter folding of narratrace: the group stage's name skeletons and the trace stage's source matching
#: use it too (``fold_letters``)
LETTER_FOLDS: dict[str, str] = {
    "ي": "ی", "ى": "ی", "ئ": "ی", "ې": "ی", "ۍ": "ی", "ے": "ی", "ۓ": "ی",
    "ك": "ک", "ڪ": "ک",
    "ة": "ه", "ۀ": "ه", "ہ": "ه", "ۂ": "ه", "ۃ": "ه", "ھ": "ه", "ە": "ه",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ؤ": "و",
}
#: Eastern digits and the Arabic decimal and thousands separators -> ASCII (``fold_digits``)
DIGIT_FOLDS: dict[str, str] = {"٫": ".", "٬": ","}
for _i in range(10):
    DIGIT_FOLDS[chr(0x0660 + _i)] = str(_i)   # Arabic-Indic digits
    DIGIT_FOLDS[chr(0x06F0 + _i)] = str(_i)   # Persian (extended) digits
    DIGIT_FOLDS[chr(0x07C0 + _i)] = str(_i)   # NKo digits, for completeness
#: Arabic punctuation -> ASCII
PUNCTUATION_FOLDS: dict[str, str] = {"،": ",", "؛": ";", "؟": "?", "۔": "."}
#: characters the key leaves out (marks, tatweel, zero-width and direction characters)
DROPPED: frozenset[str] = frozenset(_DROP)

_LETTERS = str.maketrans(LETTER_FOLDS)
_DIGITS = str.maketrans(DIGIT_FOLDS)
_FOLD = {**LETTER_FOLDS, **PUNCTUATION_FOLDS, **DIGIT_FOLDS}

_TABLE: dict[int, str | None] = {ord(c): None for c in _DROP}
_TABLE.update({ord(k): v for k, v in _FOLD.items()})
#: any character the table touches; text without one skips the (per-character) translate
_TOUCHED = re.compile("[" + "".join(sorted({re.escape(chr(c)) for c in _TABLE})) + "]")


@language_cache
def _table_for(lang: str | None) -> dict[int, str | None]:
    extra = get_lang(lang).folds if lang else {}
    if not extra:
        return _TABLE
    table = dict(_TABLE)
    table.update({ord(k): v for k, v in extra.items()})
    return table


def normalise(text: str, lang: str | None = None) -> str:
    """Return the match key of ``text``; ``lang`` adds that language's extra folds, if any."""
    if text.isascii():
        return " ".join(text.casefold().split())
    table = _table_for(lang)
    # fold, casefold, then NFKC and fold again: casefold and NFKC can each undo the other's closure
    key = unicodedata.normalize("NFKC", text)
    if table is not _TABLE or _TOUCHED.search(key):
        key = key.translate(table)
    key = key.casefold()
    again = unicodedata.normalize("NFKC", key)
    if again != key:
        key = again.translate(table)
    return " ".join(key.split())


def fold_letters(text: str) -> str:
    """``text`` with Arabic-script letter variants folded (``LETTER_FOLDS``); nothing else changes."""
    return text.translate(_LETTERS)


def fold_digits(text: str) -> str:
    """``text`` with Eastern digits and separators as ASCII (``DIGIT_FOLDS``): ۷۵۰ and ٧٥٠ give 750."""
    return text.translate(_DIGITS)


__all__ = ["DIGIT_FOLDS", "DROPPED", "LETTER_FOLDS", "PUNCTUATION_FOLDS", "fold_digits", "fold_letters", "normalise"]
