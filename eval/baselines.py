"""The baselines of the evaluation harness: TF-IDF, BM25 and raw e5 article vectors, each with average link.

Written with numpy alone (no scikit-learn or scipy in the project's dependencies), so CI and a fresh
checkout measure the same thing:

- TF-IDF as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` computes it: lower-cased tokens of two or
  more word characters, tf = 1 + ln(count), smooth idf = ln((1 + n) / (1 + df)) + 1, rows L2-normalised,
  the idf fitted on the corpus being clustered (no labels).
- BM25 as document vectors: the weight of a term in a document is BM25's (Okapi, k1 1.2, b 0.75, the
  non-negative idf ln(1 + (n - df + 0.5) / (df + 0.5)) of Lucene), rows L2-normalised, so that the pair score
  is symmetric and on the scale of a cosine; the same tokens and the same fit on the corpus as TF-IDF.
- e5 article vectors: the mean of an article's stored passage vectors (what the pipeline encoded), not
  language-centred, normalised.
- Average link (UPGMA) on cosine similarity: the two clusters with the highest mean pairwise similarity
  merge first. The merge similarities never rise, so cutting the merge list at a threshold is the
  clustering that stops there, and one run serves every threshold of a sweep.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

TOKEN = re.compile(r"\w\w+")
#: thresholds swept for each baseline (cosine similarity at which average link stops merging)
TFIDF_THRESHOLDS = tuple(round(0.05 + 0.025 * k, 3) for k in range(37))  # 0.05 .. 0.95
E5_THRESHOLDS = tuple(round(0.70 + 0.005 * k, 3) for k in range(59))  # 0.70 .. 0.99


def _term_cosine(docs: list[Counter[str]], weights: list[dict[str, float]]) -> np.ndarray:
    """Cosine similarity of per-document term weights (n x n), each row L2-normalised."""
    df = Counter(term for d in docs for term in d)
    # a term of one document adds to its norm but to no similarity: only shared terms get a column
    columns = {t: k for k, t in enumerate(sorted(t for t, c in df.items() if c >= 2))}
    x = np.zeros((len(docs), len(columns)), np.float32)
    for row, w_row in enumerate(weights):
        norm = math.sqrt(sum(w * w for w in w_row.values())) or 1.0
        for t, w in w_row.items():
            col = columns.get(t)
            if col is not None:
                x[row, col] = w / norm
    return x @ x.T


def tfidf_similarity(texts: Sequence[str]) -> np.ndarray:
    """Cosine similarity of the TF-IDF vectors of ``texts`` (n x n)."""
    docs = [Counter(TOKEN.findall(t.lower())) for t in texts]
    n = len(docs)
    df = Counter(term for d in docs for term in d)
    idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
    return _term_cosine(docs, [{t: (1 + math.log(c)) * idf[t] for t, c in d.items()} for d in docs])


def bm25_similarity(texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """Cosine similarity of the BM25-weighted term vectors of ``texts`` (n x n): what a BM25 ranking of each
    article against the others sees, made symmetric (the length of both sides normalises the weights)."""
    docs = [Counter(TOKEN.findall(t.lower())) for t in texts]
    n = len(docs)
    if not n:
        return np.zeros((0, 0), np.float32)
    df = Counter(term for d in docs for term in d)
    idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
    lengths = [sum(d.values()) for d in docs]
    mean_length = (sum(lengths) / n) or 1.0
    scales = [k1 * (1 - b + b * length / mean_length) for length in lengths]
    return _term_cosine(docs, [{t: idf[t] * c * (k1 + 1) / (c + scale) for t, c in d.items()}
                               for d, scale in zip(docs, scales)])


def vector_similarity(vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of row vectors; a zero row (an article without passages) is similar to nothing."""
    v = np.asarray(vectors, np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    v = v / np.maximum(norms, 1e-12)
    return v @ v.T


def average_link(similarity: np.ndarray, floor: float) -> list[tuple[float, int, int]]:
    """Merges (similarity, kept item, absorbed item) of average-link clustering, down to ``floor``.

    A cluster is named by one of its items: merging j's cluster into i's keeps the name i."""
    s = np.array(similarity, dtype=np.float64)
    n = len(s)
    if n < 2:
        return []
    np.fill_diagonal(s, -np.inf)
    size = np.ones(n)
    merges: list[tuple[float, int, int]] = []
    for _ in range(n - 1):
        i, j = divmod(int(np.argmax(s)), n)
        best = float(s[i, j])
        if best < floor:
            break
        merges.append((best, i, j))
        row = (size[i] * s[i] + size[j] * s[j]) / (size[i] + size[j])
        s[i], s[:, i] = row, row
        s[j], s[:, j] = -np.inf, -np.inf
        s[i, i] = -np.inf
        size[i] += size[j]
    return merges


def cut(merges: Sequence[tuple[float, int, int]], n: int, threshold: float) -> list[int]:
    """Cluster label of each of ``n`` items when merging stops below ``threshold``."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for sim, i, j in merges:
        if sim < threshold:
            break
        parent[find(j)] = find(i)
    return [find(x) for x in range(n)]
