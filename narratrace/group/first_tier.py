"""A first tier of candidate generation that needs no transformer.

Before an article is compared with stored ones in detail, something cheap must say which
stored articles are worth comparing. ``FirstTier`` keeps an inverted index of sparse,
normalised features of each article's text and returns the stored articles sharing the
most informative ones. Features come in two channels:

* **clues** (script-independent): numbers (``features.numbers``; Eastern Arabic digits
  folded) and name keys (``features.name_keys``: a consonant skeleton that Latin, Arabic and
  Persian spellings of a name share; Cyrillic words are transliterated first; common names
  are kept, weighted down by their document frequency), so
  "al-Hasakah" finds «الحسكة»;
* **words** (same language): lower-cased word prefixes (first 6 letters, so inflected forms
  meet) and character bigrams of Chinese/Japanese runs.

A feature's weight is its inverse document frequency among the stored articles times its own
weight (``features.number_weight`` for numbers); features in more than ``max_df`` of the
stored articles are skipped (they would only make the posting lists long). Each channel's
score is divided by the square root of the stored article's feature count (long articles
share more by chance). Three ranked lists are merged round robin, best first: clues, words,
and clues among articles in *another* language (or script, when the language is not given),
so that a translation, which shares no words and fewer names than same-language articles on
related events, is not pushed out of the top k.

    tier = FirstTier()
    tier.add("a1", text1, "en"); tier.add("a2", text2, "ar")
    tier.candidates(text3, k=24, lang="id")      # -> ["a2", "a1"]: ids, best first

Measured recall and speed on SemEval-2022 Task 8: ``docs/benchmarks.md`` (``bench/run.py``).
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable

from .features import CYRILLIC_TO_LATIN, latin_key, name_keys, number_weight, numbers

_WORD = re.compile(r"[^\W\d_]{4,}")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]{2,}")
_CYRILLIC_NAME = re.compile(r"\b[А-ЯЁ][а-яё\-]{2,}")
_CYRILLIC = CYRILLIC_TO_LATIN
_SENTENCE_END = frozenset('.!?:;"“”«»\'')


def cyrillic_name_keys(text: str) -> set[str]:
    """Name keys of capitalised Cyrillic words (not sentence-initial), through a Latin transliteration."""
    keys = set()
    for m in _CYRILLIC_NAME.finditer(text):
        before = text[: m.start()].rstrip()
        if not before or before[-1] in _SENTENCE_END:
            continue
        k = latin_key(m.group().lower().translate(_CYRILLIC))
        if len(k) >= 3:
            keys.add(k)
    return keys


def clue_features(text: str) -> dict[str, float]:
    """Script-independent features: numbers (weighted) and name keys."""
    feats = {"#" + n: number_weight(n) for n in numbers(text)}
    # common names (countries, capitals) are kept: their low inverse document frequency already discounts them
    feats.update(("@" + k, 1.0) for k in name_keys(text, frozenset()) | cyrillic_name_keys(text))
    return feats


def word_features(text: str, prefix: int = 6) -> dict[str, float]:
    """Same-language features: word prefixes and CJK character bigrams."""
    low = text.casefold()
    feats = {w[:prefix]: 1.0 for w in _WORD.findall(low)}
    for run in _CJK.findall(low):
        feats.update((run[i : i + 2], 1.0) for i in range(len(run) - 1))
    return feats


_SCRIPTS = (("latin", re.compile(r"[A-Za-z\u00c0-\u024f]")), ("arabic", re.compile(r"[\u0600-\u06ff]")),
            ("cyrillic", re.compile(r"[\u0400-\u04ff]")), ("cjk", _CJK), ("greek", re.compile(r"[\u0370-\u03ff]")),
            ("hebrew", re.compile(r"[\u0590-\u05ff]")), ("devanagari", re.compile(r"[\u0900-\u097f]")))


def script(text: str) -> str:
    """The script most letters of the text's first 2000 characters are written in ("latin", "arabic"…)."""
    head = text[:2000]
    counts = [(len(rx.findall(head)), name) for name, rx in _SCRIPTS]
    n, name = max(counts)
    return name if n else "other"


class _Channel:
    """One inverted index: feature -> article numbers, with document frequencies."""

    def __init__(self) -> None:
        self.postings: dict[str, list[int]] = defaultdict(list)
        self.size: list[float] = []  # per article: sqrt(number of features)

    def add(self, doc: int, feats: dict[str, float]) -> None:
        for f in feats:
            self.postings[f].append(doc)
        self.size.append(math.sqrt(max(1, len(feats))))

    def scores(self, feats: dict[str, float], n_docs: int, max_df: float) -> dict[int, float]:
        cap = max(2, int(max_df * n_docs))
        acc: dict[int, float] = defaultdict(float)
        for f, w in feats.items():
            docs = self.postings.get(f)
            if not docs or len(docs) > cap:
                continue
            idf = math.log(1.0 + n_docs / len(docs)) * w
            for d in docs:
                acc[d] += idf
        size = self.size
        return {d: s / size[d] for d, s in acc.items()}


class FirstTier:
    """Inverted index over clue and word features; ``candidates`` ranks stored articles without encoding.

    ``max_df``: features found in more than this share of stored articles are ignored.
    """

    def __init__(self, max_df: float = 0.05) -> None:
        self.max_df = max_df
        self.ids: list[str] = []
        self.kinds: list[str] = []  # language, else script: what "another language" means
        self._num: dict[str, int] = {}
        self._clues = _Channel()
        self._words = _Channel()

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, article_id: str, text: str, lang: str | None = None) -> None:
        """Index one article's text (an id added again keeps its first text); ``lang`` when known."""
        if article_id in self._num:
            return
        doc = len(self.ids)
        self._num[article_id] = doc
        self.ids.append(article_id)
        self.kinds.append(lang or script(text))
        self._clues.add(doc, clue_features(text))
        self._words.add(doc, word_features(text))

    def fit(self, items: Iterable[tuple[str, ...]]) -> FirstTier:
        """Index (id, text) or (id, text, lang) tuples."""
        for item in items:
            self.add(*item)
        return self

    def candidates(self, text: str, k: int = 24, exclude: str | None = None, lang: str | None = None) -> list[str]:
        """Up to ``k`` stored article ids likely to share a story with ``text``, best first."""
        n = len(self.ids)
        if not n or k <= 0:
            return []
        skip = self._num.get(exclude, -1) if exclude is not None else -1
        clue_sc = self._clues.scores(clue_features(text), n, self.max_df)
        word_sc = self._words.scores(word_features(text), n, self.max_df)
        kinds, own = self.kinds, {lang, script(text)}  # another language, or another script when not known
        other_sc = {d: v for d, v in clue_sc.items() if kinds[d] not in own}
        lists = []
        for sc in (clue_sc, word_sc, other_sc):
            sc.pop(skip, None)
            lists.append(sorted(sc, key=sc.__getitem__, reverse=True)[:k])
        # round robin over the three lists, best first, skipping articles already taken
        out: list[int] = []
        seen: set[int] = set()
        pos = [0, 0, 0]
        while len(out) < k and any(p < len(lst) for p, lst in zip(pos, lists)):
            for j, lst in enumerate(lists):
                while pos[j] < len(lst) and lst[pos[j]] in seen:
                    pos[j] += 1
                if pos[j] < len(lst) and len(out) < k:
                    seen.add(lst[pos[j]])
                    out.append(lst[pos[j]])
                    pos[j] += 1
        return [self.ids[d] for d in out]
