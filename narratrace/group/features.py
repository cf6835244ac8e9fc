"""Script-independent clues for "same event": numbers and name keys.

Embeddings of two unrelated articles in one language often score higher than an
article and its own translation; numbers (750 fighters) and names (al-Hasakah /
الحسكة / الحسکه) do not have that bias. Names are compared through a consonant
skeleton that Latin, Arabic and Persian spellings of one name share:
"Al-Hasakah" → HSKH, «الحسكة» → HSKH, "Sputnik" / «اسپوتنیک» → SBTNK.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENTENCE_END = frozenset('.!?:;"“”«»\'')
_LATIN_NAME = re.compile(r"\b[A-Z][A-Za-z'’\-]{2,}")
_ARABIC_WORD = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u06FA-\u06FF]{3,}")

# Latin → skeleton: digraphs first, vowels and semivowels dropped.
_LATIN_DIGRAPHS = (("sch", "S"), ("sh", "S"), ("ch", "S"), ("kh", "K"), ("gh", "G"), ("th", "T"), ("dh", "Z"),
                   ("ph", "F"), ("ck", "K"), ("ou", ""), ("ee", ""), ("oo", ""))
_LATIN_MAP = str.maketrans({"b": "B", "p": "B", "t": "T", "d": "D", "s": "S", "c": "K", "z": "Z", "j": "J",
                            "g": "G", "k": "K", "q": "K", "h": "H", "f": "F", "v": "F", "l": "L", "m": "M",
                            "n": "N", "r": "R", "x": "KS", "a": "", "e": "", "i": "", "o": "", "u": "", "y": "",
                            "w": "", "'": "", "’": "", "-": ""})
_ARABIC_MAP = str.maketrans({
    "ب": "B", "پ": "B", "ت": "T", "ث": "S", "ج": "J", "چ": "S", "ح": "H", "خ": "K", "د": "D", "ذ": "Z", "ر": "R",
    "ز": "Z", "ژ": "Z", "س": "S", "ش": "S", "ص": "S", "ض": "D", "ط": "T", "ظ": "Z", "ع": "", "غ": "G", "ف": "F",
    "ق": "K", "ك": "K", "ک": "K", "گ": "G", "ل": "L", "م": "M", "ن": "N", "ه": "H", "ة": "H", "ۀ": "H", "و": "",
    "ي": "", "ی": "", "ى": "", "ا": "", "أ": "", "إ": "", "آ": "", "ء": "", "ئ": "", "ؤ": "", "ٱ": ""})
_ARABIC_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و")
_LATIN_ARTICLES = re.compile(r"^(?:al|el|ad|ar|as|ash|at|az|an|ed|er|es|ez)-", re.I)


def numbers(text: str) -> set[str]:
    """Numbers that identify an event: 750, 3.5, 2017; single digits are too common to count."""
    found = set()
    for m in _NUMBER.finditer(text.translate(_DIGITS)):
        n = m.group().replace(",", "")
        if len(n.replace(".", "")) >= 2:
            found.add(n)
    return found


def number_weight(n: str) -> float:
    """Years and two-digit numbers recur across events; long and decimal numbers rarely do."""
    if len(n) == 4 and n.isdigit() and 1900 <= int(n) <= 2100:
        return 0.4
    if len(n) == 2:
        return 0.4
    return 1.0


def latin_key(token: str) -> str:
    t = _LATIN_ARTICLES.sub("", token.lower())
    for a, b in _LATIN_DIGRAPHS:
        t = t.replace(a, b)
    t = t.translate(_LATIN_MAP)
    return re.sub(r"(.)\1+", r"\1", "".join(c for c in t if c.isupper()))


def arabic_key(token: str) -> str:
    for pre in _ARABIC_PREFIXES:
        if token.startswith(pre) and len(token) - len(pre) >= 3:
            token = token[len(pre):]
            break
    t = token.translate(_ARABIC_MAP)
    return re.sub(r"(.)\1+", r"\1", "".join(c for c in t if c.isupper()))


def name_keys(text: str) -> set[str]:
    """Skeleton keys of likely names: capitalised Latin words and Arabic-script words (3+ consonants)."""
    keys = set()
    for m in _LATIN_NAME.finditer(text):
        before = text[: m.start()].rstrip()
        if not before or before[-1] in _SENTENCE_END:
            continue  # a capital after a full stop marks a sentence, not a name
        k = latin_key(m.group())
        if len(k) >= 3:
            keys.add(k)
    for m in _ARABIC_WORD.finditer(text):
        k = arabic_key(m.group())
        if len(k) >= 3:
            keys.add(k)
    return keys


def weighted_overlap(a: set[str], b: set[str], weight: dict[str, float] | None = None) -> float:
    """Shared weight over the smaller side's weight: 1.0 when one side's clues all appear in the other."""
    if not a or not b:
        return 0.0
    w = (lambda k: weight.get(k, 1.0)) if weight else (lambda k: 1.0)
    shared = sum(w(k) for k in a & b)
    return shared / max(1e-9, min(sum(w(k) for k in a), sum(w(k) for k in b)))


def document_frequencies(key_sets: Iterable[set[str]]) -> Counter[str]:
    df: Counter[str] = Counter()
    for ks in key_sets:
        df.update(ks)
    return df
