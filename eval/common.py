"""Shared helpers for evaluation scripts: data paths, the real pipeline, a vector cache.

The cache (``$NARRATRACE_CACHE`` or ~/.cache/narratrace/eval) only saves re-encoding
the same passage with the same encoder between runs; results are identical without it.
"""
from __future__ import annotations

import csv
import hashlib
import os
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NARRATRACE_SHARED", REPO.parent / "shared"))
EVAL = SHARED / "eval"
SEMEVAL = EVAL / "semeval2022-task8" / "pairs.csv"
TATOEBA = EVAL / "tatoeba"


class VectorCache:
    """passage text -> vector, per vector space, in one SQLite file."""

    def __init__(self, encoder, path: Path | None = None) -> None:
        root = Path(os.environ.get("NARRATRACE_CACHE", Path.home() / ".cache" / "narratrace")) / "eval"
        root.mkdir(parents=True, exist_ok=True)
        self.encoder = encoder
        #: texts encoded because they were not cached (what a run cost beyond look-ups)
        self.misses = 0
        self.db = sqlite3.connect(path or root / "vectors.sqlite")
        self.db.execute("CREATE TABLE IF NOT EXISTS v (k TEXT PRIMARY KEY, vec BLOB)")

    def _key(self, text: str, query: bool) -> str:
        tag = f"{self.encoder.vector_space}|{'q' if query else 'p'}|{text}"
        return hashlib.sha1(tag.encode("utf-8")).hexdigest()

    def encode(self, texts: list[str], query: bool = False, progress: bool = True) -> np.ndarray:
        keys = [self._key(t, query) for t in texts]
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            for k, blob in self.db.execute(f"SELECT k, vec FROM v WHERE k IN ({','.join('?' * len(chunk))})", chunk):
                found[k] = np.frombuffer(blob, dtype=np.float32)
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in found}.items())
        if missing:
            self.misses += len(missing)
            todo = [t for _, t in missing]
            step = 64
            for i in range(0, len(todo), step):
                part = todo[i : i + step]
                vecs = (self.encoder.encode_queries(part) if query else self.encoder.encode_passages(part))
                rows = [(k, v.astype(np.float32).tobytes()) for (k, _), v in zip(missing[i : i + step], vecs)]
                self.db.executemany("INSERT OR REPLACE INTO v VALUES (?, ?)", rows)
                self.db.commit()
                found.update((k, np.frombuffer(b, dtype=np.float32)) for k, b in rows)
                if progress:
                    print(f"  encoded {min(i + step, len(todo))}/{len(todo)}", file=sys.stderr, flush=True)
        dim = self.encoder.dim
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, dim), np.float32)


def semeval_rows() -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with open(SEMEVAL, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def split_of(pair_id: str) -> str:
    """Deterministic half split: 'fit' pairs tune the model, 'test' pairs are only reported."""
    return "fit" if int(hashlib.sha1(pair_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def pearson(x: Iterable[float], y: Iterable[float]) -> float:
    a, b = np.asarray(list(x), float), np.asarray(list(y), float)
    return float(np.corrcoef(a, b)[0, 1])


class CachedEncoder:
    """Wraps an encoder so that evaluation runs of the real pipeline reuse cached vectors."""

    def __init__(self, encoder, progress: bool = False) -> None:
        self._inner = encoder
        self.cache = VectorCache(encoder)
        self.name, self.dim = encoder.name, encoder.dim
        self.model_id, self.vector_space = encoder.model_id, encoder.vector_space
        self.config = encoder.config
        #: print "encoded i/n" to stderr while encoding what the cache lacks
        self.progress = progress

    def encode_passages(self, texts, progress=None):
        return self.cache.encode(list(texts), query=False, progress=self.progress)

    def encode_queries(self, texts):
        return self.cache.encode(list(texts), query=True, progress=self.progress)

    @property
    def latent_space(self):
        return getattr(self._inner, "latent_space", None)

    def latent_terms(self, texts):
        """The encoder's latent terms of each text (``embed.latent``), cached like the vectors; None when
        the encoder has none."""
        if self.latent_space is None:
            return None
        from narratrace.embed.latent import LatentTerms

        db = self.cache.db
        db.execute("CREATE TABLE IF NOT EXISTS latent (k TEXT PRIMARY KEY, ix BLOB, val BLOB)")
        keys = [hashlib.sha1(f"{self.latent_space}|{t}".encode()).hexdigest() for t in texts]
        out = {}
        for k, ix, val in db.execute(f"SELECT k, ix, val FROM latent WHERE k IN ({','.join('?' * len(keys))})", keys):
            out[k] = LatentTerms(np.frombuffer(ix, np.int32), np.frombuffer(val, np.float32))
        todo = sorted({k: t for k, t in zip(keys, texts) if k not in out}.items())
        for i in range(0, len(todo), 32):
            part = todo[i:i + 32]
            terms = self._inner.latent_terms([t for _, t in part])
            db.executemany("INSERT OR REPLACE INTO latent VALUES (?, ?, ?)",
                           [(k, x.indices.tobytes(), x.values.tobytes()) for (k, _), x in zip(part, terms)])
            db.commit()
            out.update((k, x) for (k, _), x in zip(part, terms))
            if self.progress:
                print(f"  latent terms {min(i + 32, len(todo))}/{len(todo)}", file=sys.stderr, flush=True)
        return [out[k] for k in keys]


def bcubed(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 of a clustering (item -> cluster id) against gold."""
    from collections import defaultdict

    by_pred, by_gold = defaultdict(set), defaultdict(set)
    for item, c in pred.items():
        by_pred[c].add(item)
    for item, c in gold.items():
        by_gold[c].add(item)
    items = list(gold)
    p = sum(len(by_pred[pred[i]] & by_gold[gold[i]]) / len(by_pred[pred[i]]) for i in items) / len(items)
    r = sum(len(by_pred[pred[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]]) for i in items) / len(items)
    return p, r, 2 * p * r / (p + r)
