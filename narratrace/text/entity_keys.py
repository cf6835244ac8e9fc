"""Name tokens and keys: how an entity's spelling and a span of text are compared.

A name is compared word by word on the text stage's match key (``normalise``: case, Arabic/Persian letter
variants, marks, tatweel and zero-width characters folded), so «الحسكة» and «الحسکه» are one key. The
*bare* key also drops what news attaches in front of a name: the Arabic-script clitics of ``terms``
(«والحسكة» -> «حسکه») and a transliterated article ("al-Hasakah" -> "hasakah"). Keys only compare
spellings; offsets always point into the original text.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .normalise import normalise
from .terms import strip_clitics

#: combining marks, ZWNJ/ZWJ and tatweel, kept inside a word (``\\w`` leaves them out)
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d"
#: a word: letters, digits and marks, with inner hyphens and apostrophes ("al-Hasakah", "Mus'ab")
TOKEN = re.compile(rf"(?:[^\W_]|[{_MARKS}])+(?:[-'’](?:[^\W_]|[{_MARKS}])+)*")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_ARTICLE = ("al-", "el-")


@lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """The match key of one word (curly apostrophes as straight ones)."""
    return normalise(word).replace("’", "'")


def tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word of ``text``."""
    return [m.span() for m in TOKEN.finditer(text)]


def form_key(text: str) -> str:
    """The key of a spelling: its words' keys joined by one space ("Deir ez-Zor" -> "deir ez-zor")."""
    return " ".join(k for m in TOKEN.finditer(text) if (k := word_key(m.group())))


def is_arabic_script(word: str) -> bool:
    return bool(_ARABIC_SCRIPT.match(word))


def first_word_variants(key_word: str) -> list[str]:
    """A key word without what may be attached in front of a name: Arabic-script clitics one at a time
    («والحسکه» -> «الحسکه», «حسکه»), or a Latin "al-"/"el-" article."""
    if is_arabic_script(key_word):
        return strip_clitics(key_word)
    for art in _LATIN_ARTICLE:
        if key_word.startswith(art) and len(key_word) - len(art) >= 3:
            return [key_word[len(art):]]
    return []


def bare_key(key: str) -> str | None:
    """``key`` without its attached article or clitics ("al hasakah" and "al-hasakah" -> "hasakah",
    «الحسکه» -> «حسکه»), or None when it has none."""
    words = key.split(" ")
    if len(words) > 1 and words[0] in ("al", "el"):
        return " ".join(words[1:])
    variants = first_word_variants(words[0]) if words and words[0] else []
    return " ".join([variants[-1], *words[1:]]) if variants else None


__all__ = ["TOKEN", "bare_key", "first_word_variants", "form_key", "is_arabic_script", "tokens", "word_key"]
