"""Language identification: pycld2 (ships its model, ~28k paragraphs/s) plus two orthographic checks.

cld2 is strong overall but, on short text, confuses Indonesian with Malay and Arabic-script languages
with one another. Two cheap rules repair that (measured in docs/text.md):

* Indonesian/Malay: news in the pair is read as Indonesian unless Malaysian-only words outweigh
  Indonesian-only ones (``lang/id.py`` and ``lang/ms.py`` ``marker_words``).
* Arabic script: a verdict must be borne out by its letters; "ur" without any Urdu letter, "ps"/"sd"/"ug"
  without their own letters, "fa" written with Arabic ي/ك/ة only, etc. are re-decided among ar/fa/ur by
  letters and function words.
"""
from __future__ import annotations

import re

import pycld2

from .lang import get_lang

#: cld2's legacy codes -> ISO 639-1
_CODE_MAP = {"iw": "he", "jw": "jv", "in": "id", "zh-Hant": "zh", "zh-Hans": "zh", "un": None, "xxx": None,
             "xx-Qaai": None}
_ARABIC_RANGES = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_NON_LETTER = re.compile(r"[\W\d_]+")
_NON_ARABIC = re.compile(r"[^\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]+")
_WORD = re.compile(r"[^\W\d_]+")
#: letters that an Arabic-script verdict must show; the three main languages share the rest
_REQUIRED_LETTERS = {
    "ar": "يكةى",
    "fa": "پچژگیک",
    "ur": "ٹڈڑںےۓہۃھ۔",
    "ps": "ټډړښږځڅڼېۍګ",
    "sd": "ڄڃڇڌڍڏڙڦڪڳڻ۾ٺٽٿڀ",
    "ug": "ۆۈۋېەۇ",
    "ku": "ڕڵۆێە",
    "ckb": "ڕڵۆێە",
    "ks": "ٲٳۆێ",
    "ky": "ۇۉۅې",
    "kk": "ٵٶٷٸۇۋە",
    "uz": "ۉێ",
}
_ARABIC_SCRIPT_MAIN = ("ar", "fa", "ur")


class LanguageIdentifier:
    """Detects the language of a text; build once and reuse (cld2 holds no per-call state)."""

    def __init__(self, min_reliable_letters: int = 25) -> None:
        #: below this many letters a verdict is reported with reduced confidence
        self.min_reliable_letters = min_reliable_letters
        self._id_markers = get_lang("id").marker_words
        self._ms_markers = get_lang("ms").marker_words
        self._arabic_script = {c: (frozenset(get_lang(c).marker_words), get_lang(c).marker_letters)
                               for c in _ARABIC_SCRIPT_MAIN}

    def detect(self, text: str) -> tuple[str | None, float]:
        """Return (ISO code or None, confidence in 0..1). None means there is nothing to go on."""
        head = text[:200]  # enough to judge script and shortness, and cheap on long paragraphs
        letters = len(_NON_LETTER.sub("", head))
        if letters == 0:
            return None, 0.0
        code, percent, reliable = self._cld2(text)
        arabic = len(_NON_ARABIC.sub("", head)) / letters if _ARABIC_RANGES.search(head) else 0.0
        if arabic >= 0.5:
            code = self._check_arabic_script(text, code)
        elif code in ("id", "ms"):
            code = self._indonesian_or_malay(text)
        if code is None:
            return None, 0.0
        confidence = percent / 100.0 if reliable else 0.4 * percent / 100.0
        if letters < self.min_reliable_letters:
            confidence *= letters / self.min_reliable_letters
        return code, round(confidence, 3)

    @staticmethod
    def _cld2(text: str) -> tuple[str | None, int, bool]:
        try:
            reliable, _, details = pycld2.detect(text, isPlainText=True, bestEffort=True)
        except (pycld2.error, UnicodeError, ValueError):  # lone surrogates, control characters
            clean = "".join(c for c in text.encode("utf-8", "replace").decode("utf-8", "replace")
                            if c.isprintable() or c.isspace())
            try:
                reliable, _, details = pycld2.detect(clean, isPlainText=True, bestEffort=True)
            except (pycld2.error, UnicodeError, ValueError):
                return None, 0, False
        _, code, percent, _ = details[0]
        return _CODE_MAP.get(code, code), percent, reliable

    def _check_arabic_script(self, text: str, code: str | None) -> str:
        """Keep cld2's verdict when the letters bear it out, else vote among ar/fa/ur."""
        has_arabic = any(c in text for c in "يكةى")
        has_persian = any(c in text for c in "پچژگیک")
        if code == "fa":
            if not has_arabic or has_persian:
                return code
        elif code == "ar":
            if not has_persian or has_arabic:
                return code
        elif code in _REQUIRED_LETTERS:
            if any(c in text for c in _REQUIRED_LETTERS[code]):
                return code
        elif code is not None:
            return code  # a language we have no letter table for: trust cld2
        words = _WORD.findall(text)
        # with no evidence either way, Persian yeh/keheh point to Persian, else Arabic
        best, best_score = ("fa" if ("ی" in text or "ک" in text) else "ar"), 0.0
        for lang, (markers, letters) in self._arabic_script.items():
            score = 3.0 * sum(w in markers for w in words) + sum(text.count(c) for c in letters)
            if lang == "ar":
                score += sum(w.startswith("ال") for w in words)
            if score > best_score:
                best, best_score = lang, score
        return best

    def _indonesian_or_malay(self, text: str) -> str:
        """Indonesian unless Malaysian-only words outnumber Indonesian-only ones."""
        words = text.lower().split()
        tokens = set(_WORD.findall(text.lower()))
        bigrams = {f"{a} {b}" for a, b in zip(words, words[1:])}
        ms = len(self._ms_markers & tokens) + len(self._ms_markers & bigrams)
        idn = len(self._id_markers & tokens) + len(self._id_markers & bigrams)
        return "ms" if ms > idn else "id"


__all__ = ["LanguageIdentifier"]
