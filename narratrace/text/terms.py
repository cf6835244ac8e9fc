"""Index terms: the words a lexical index holds for a text, made from its match key (``normalise``).

The key has already folded what spelling varies in (Arabic/Persian letter variants, Eastern digits,
diacritics, tatweel, ZWNJ, case), so one surface form gives one term. Two things a plain word split
misses are added here:

* **Arabic-script clitics.** «والحسكة», «بالحسكة», «للحسكة» and «الحسكة» are one place: a word
  that starts with the conjunctions و/ف, the prepositions ب/ل/ك or the article ال is indexed both as
  it is and without them («حسکه»), when at least three letters remain. Both forms are kept because
  the stripped one is sometimes wrong («بغداد» -> «غداد»); a query carries both forms too, so the
  exact word still counts more than a shared stem.
* **Chinese and Japanese**, written without spaces: each run of Han or kana characters is indexed
  as its overlapping character bigrams (a lone character as itself), the usual choice for CJK
  full-text search without a dictionary.

Terms are made only of letters, digits and combining marks, separated by single spaces, so every
backend's tokenizer (SQLite FTS5 ``unicode61``, PostgreSQL's ``simple`` parser) splits them the same way.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .normalise import normalise

#: clitics written before an Arabic-script word, as they look in a match key (ك is folded to ک)
CONJUNCTIONS = ("و", "ف")
PREPOSITIONS = ("ب", "ل", "ک")
ARTICLE = "ال"
#: letters a stripped word must keep for the stripped form to be indexed
MIN_STEM = 3
#: the same clitics as a regex that may precede a listed Arabic-script name in a match key (one conjunction,
#: then لل, a preposition with or without the article, or the article alone), for matchers that look names up
#: in running text (trace.attributions, trace.claims)
CLITICS_PATTERN = "(?:[وف]?(?:لل|[بل]?ال|کال|[بل])?)"

_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
#: what ``_word`` matches in ASCII text is runs of letters and digits: this table keeps those bytes and makes
#: every other one a space
_ASCII_SPACES = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))


@lru_cache(maxsize=1)
def _word() -> re.Pattern[str]:
    """Runs of letters, digits and combining marks (``re``'s ``\\w`` leaves out the marks, which would
    cut Devanagari or Thai words apart), not underscores. Built on first use: it scans the BMP once."""
    marks = [chr(c) for c in range(0x300, 0x10000) if unicodedata.category(chr(c)).startswith("M")]
    ranges: list[str] = []
    start = prev = ord(marks[0])
    for ch in marks[1:] + [chr(0x10FFFF)]:
        c = ord(ch)
        if c != prev + 1:
            ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
            start = c
        prev = c
    return re.compile(rf"(?:[^\W_]|[{''.join(ranges)}])+")


def strip_clitics(word: str) -> list[str]:
    """The forms of ``word`` without the Arabic-script clitics in front of it, one clitic more at a time
    (none when it has none, and never one with fewer than ``MIN_STEM`` letters): «والحسکه» -> «الحسکه»,
    «حسکه»; «للحسکه» -> «حسکه»; «وبغداد» -> «بغداد», «غداد». ک counts as a preposition only before
    the article («کالعاده»): it starts too many Persian words («کشور»)."""
    forms: list[str] = []
    stem = word
    if stem[:1] in CONJUNCTIONS and len(stem) - 1 >= MIN_STEM:
        stem = stem[1:]
        forms.append(stem)
    if stem.startswith("لل") and len(stem) - 2 >= MIN_STEM:
        return [*forms, stem[2:]]  # ل + ال is written لل
    if stem[:1] in PREPOSITIONS and (stem[0] != "ک" or stem[1:3] == ARTICLE) and len(stem) - 1 >= MIN_STEM:
        stem = stem[1:]
        forms.append(stem)
    if stem.startswith(ARTICLE) and len(stem) - 2 >= MIN_STEM:
        forms.append(stem[2:])
    return forms


def key_terms(key: str) -> list[str]:
    """The terms of a match key, in text order (an Arabic-script word, then its forms without clitics)."""
    if key.isascii():  # no CJK run, no Arabic-script word, no combining mark: runs of letters and digits
        # (the other bytes made spaces, then split: half the time of a regex findall, the same terms)
        return key.encode("ascii").translate(_ASCII_SPACES).decode("ascii").split()
    words = _word().findall(key)
    if not _CJK_RUN.search(key) and not _ARABIC_SCRIPT.search(key):  # each word is a term (Latin, Cyrillic...)
        return words
    out: list[str] = []
    for word in words:
        if _CJK_RUN.search(word):
            out += _cjk_terms(word)
        elif _ARABIC_SCRIPT.match(word):
            out.append(word)
            out += strip_clitics(word)
        else:
            out.append(word)
    return out


def _cjk_terms(word: str) -> list[str]:
    """Bigrams of each Han/kana run of ``word``; the rest of it (Latin letters, digits) as words."""
    out: list[str] = []
    pos = 0
    for m in _CJK_RUN.finditer(word):
        if m.start() > pos:
            out.append(word[pos : m.start()])
        run = m.group(0)
        out += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        pos = m.end()
    if pos < len(word):
        out.append(word[pos:])
    return out


def text_terms(text: str, lang: str | None = None) -> list[str]:
    """The terms of a text that has no match key yet (a query, a fact-check claim)."""
    return key_terms(normalise(text, lang))


def terms_string(terms: list[str]) -> str:
    """Terms as one space-separated string, the form the index stores."""
    return " ".join(terms)


__all__ = ["key_terms", "strip_clitics", "terms_string", "text_terms"]
