"""Lexical, event-specific evidence for story grouping: the TF-IDF cosine of two articles' index terms.

Why: e5 vectors of two reports of one *kind* of event (two earthquakes, two celebrities' rehab stays)
lie almost as close as two reports of one event, and so do their name keys when the same people recur.
The words that set one event apart ("Healdsburg", "4.6", "Creighton") are rare across the store, so
weighting each shared word by its inverse document frequency makes them count and the topic's
vocabulary ("earthquake", "magnitude") count little. Measured on ecbplus-dev, TF-IDF with average
linkage separates such events better than e5 does (docs/evaluation.md).

Terms are the lexical index's (``text.terms.key_terms`` of the passage's match key), so the store's
own counts give the document frequencies. ``TermRarity`` adds two sources of them:

* a **background** count shipped in ``data/term_df.json`` (articles of the SemEval-2022 fit half, made
  by eval/calibrate_stories.py): a new store, and a file compared with another, already know that
  "the", «في» and "也" say nothing;
* the **store's recent articles**, the articles of its ``sample_passages`` most recently indexed passages
  (``LexicalIndex.recent_document_frequencies``), read at first use and again once the articles grouped
  since reach ``refresh_share`` of the documents counted (background and sample): a bounded read each
  time the counts could have moved by that share, and article vectors made again only then.

Each article's vector keeps its ``MAX_TERMS`` heaviest terms: that bounds the cost of a pair.

A document is an article: a word repeated in ten passages of one report is one document.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Protocol

from ..paths import DATA_DIR
from ..text.normalise import normalise
from ..text.terms import key_terms

#: shipped background document frequencies of index terms (made by eval/calibrate_stories.py)
BACKGROUND = DATA_DIR / "term_df.json"
#: terms kept per article vector: the heaviest carry the event (measured: 64 of an ECB+ article's ~170
#: distinct terms separate its events as well as all of them, at a third of the cost per pair)
MAX_TERMS = 64
#: article vectors kept per process (a stored article is scored against new ones batch after batch)
VECTORS_KEPT = 50_000


class TermCounts(Protocol):
    """What a rarity refresh reads of a store: (articles, term -> articles holding it) of the articles
    owning its ``passages`` most recently indexed passages."""

    def recent_document_frequencies(self, passages: int) -> tuple[int, Mapping[str, int]]: ...


# A stored passage is scored against many new articles: its terms are a pure function of its text.
@lru_cache(maxsize=65536)
def passage_terms(text: str) -> tuple[str, ...]:
    """The index terms of a passage, as the lexical index holds them."""
    return tuple(key_terms(normalise(text)))


def article_terms(texts: Iterable[str]) -> Counter[str]:
    """Term counts over an article's passages."""
    counts: Counter[str] = Counter()
    for t in texts:
        counts.update(passage_terms(t))
    return counts


class TermRarity:
    """Inverse document frequency of index terms over articles: smooth idf, ln((1 + n) / (1 + df)) + 1,
    with n and df summed over the background and the store's recent articles.

    ``version`` changes whenever the counts do, so a cached TF-IDF vector knows it is stale."""

    def __init__(self, background: Mapping[str, int] | None = None, background_docs: int = 0,
                 sample_passages: int = 0, refresh_share: float = 1.0) -> None:
        self.background = dict(background or {})
        self.background_docs = background_docs
        self.sample_passages = sample_passages
        self.refresh_share = refresh_share
        self.version = 0
        self._store_df: Mapping[str, int] = {}
        self._store_docs = 0
        self._since = 0  # articles grouped since the store's counts were read
        self._loaded = False
        self._idf: dict[str, float] = {}
        self._vectors: dict[tuple[str, tuple[str, ...]], dict[str, float]] = {}
        self._n = 0
        self._reset()

    @classmethod
    def load(cls, path: Path = BACKGROUND, sample_passages: int = 0, refresh_share: float = 1.0) -> TermRarity:
        """The shipped background (none if the file is missing), with the store sample configured."""
        if not path.exists():
            return cls(sample_passages=sample_passages, refresh_share=refresh_share)
        data = json.loads(path.read_text("utf-8"))
        return cls(data["df"], data["documents"], sample_passages, refresh_share)

    def _reset(self) -> None:
        self._idf, self._vectors = {}, {}
        self._n = self.background_docs + self._store_docs
        self.version += 1

    def idf(self, term: str) -> float:
        got = self._idf.get(term)
        if got is None:
            df = self.background.get(term, 0) + self._store_df.get(term, 0)
            got = self._idf[term] = math.log((1.0 + self._n) / (1.0 + df)) + 1.0
        return got

    def grouped(self, source: TermCounts | None) -> None:
        """Called once per article grouped: reads the store's counts when they are due (first use, then
        once ``refresh_share`` x the counted documents more were grouped)."""
        if source is None or self.sample_passages <= 0:
            return
        if not self._loaded or self._since >= max(1.0, self.refresh_share * self._n):
            self._store_docs, self._store_df = source.recent_document_frequencies(self.sample_passages)
            self._loaded, self._since = True, 0
            self._reset()
        self._since += 1

    def article_vector(self, article_id: str, texts: Sequence[str]) -> dict[str, float]:
        """``vector`` of an article's passages, kept until the counts change (a stored article is scored
        in batch after batch); at most ``VECTORS_KEPT`` are kept."""
        key = (article_id, tuple(texts))
        got = self._vectors.get(key)
        if got is None:
            if len(self._vectors) >= VECTORS_KEPT:
                self._vectors = {}
            got = self._vectors[key] = self.vector(article_terms(texts))
        return got

    def vector(self, counts: Mapping[str, int], limit: int = MAX_TERMS) -> dict[str, float]:
        """The TF-IDF vector of term counts (tf = 1 + ln count) divided by its norm, cut to its ``limit``
        heaviest terms (ties by term): the cosine of two cut vectors is at most the full one's."""
        known, log, idf = self._idf, math.log, self.idf  # the idf of most terms is known already: no call
        # tf of a term seen once is 1 + ln 1 = 1 exactly: no logarithm for most terms
        weights = {t: (known.get(t) or idf(t)) if c == 1 else (1.0 + log(c)) * (known.get(t) or idf(t))
                   for t, c in counts.items()}
        norm = math.sqrt(sum([w * w for w in weights.values()])) or 1.0
        # heaviest first, ties by term: by term, then a stable sort by weight (two C-level sorts, no key call
        # per term)
        kept = sorted(sorted(weights.items()), key=itemgetter(1), reverse=True)[:limit]
        return {t: w / norm for t, w in kept}


def term_overlap(a: Mapping[str, float], b: Mapping[str, float], k: int = 8) -> tuple[float, list[str]]:
    """The cosine of two unit sparse vectors, and the ``k`` shared terms that add most to it (the
    evidence a reader can check)."""
    if len(a) > len(b):
        a, b = b, a
    products = [(w * b[t], t) for t, w in a.items() if t in b]
    # sorted()[:k] is heapq.nlargest(k, ...) (the same terms in the same order), faster for these short lists
    return sum([p for p, _ in products]), [t for _, t in sorted(products, reverse=True)[:k]]


@lru_cache(maxsize=1)
def background_rarity() -> TermRarity:
    """The shipped background alone: what ``compare`` of two files, or a scorer without a store, uses."""
    return TermRarity.load()
