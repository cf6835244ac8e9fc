"""Approximate nearest neighbours over passage vectors (faiss HNSW, inner product).

The index is a cache: the database is the truth. It is saved beside the database
(``<db>.faiss``) and rebuilt from the stored vectors whenever it is missing,
unreadable, or disagrees with the database (e.g. after a crash between a commit
and an index save).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class PassageIndex:
    """HNSW over L2-normalised vectors, keyed by passage rowid."""

    def __init__(self, dim: int, m: int = 32, ef_construction: int = 128, ef_search: int = 128) -> None:
        import faiss  # imported here: importing faiss costs ~0.3 s

        self._faiss = faiss
        self.dim = dim
        self.ef_search = ef_search
        hnsw = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = ef_construction
        hnsw.hnsw.efSearch = ef_search
        self.index = faiss.IndexIDMap2(hnsw)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def max_id(self) -> int:
        """The largest passage rowid in the index (0 when empty): passages above it are missing."""
        if self.size == 0:
            return 0
        return int(self._faiss.vector_to_array(self.index.id_map).max())

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Returns (scores, ids), each (n, k); missing neighbours have id -1."""
        if self.size == 0 or len(vectors) == 0:
            return np.zeros((len(vectors), 0), np.float32), np.zeros((len(vectors), 0), np.int64)
        k = min(k, self.size)
        return self.index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)

    def save(self, path: str | os.PathLike[str]) -> None:
        tmp = f"{path}.tmp"
        self._faiss.write_index(self.index, tmp)
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written index

    @classmethod
    def load(cls, path: str | os.PathLike[str], dim: int) -> "PassageIndex | None":
        """The saved index, or None when it is missing or unreadable."""
        if not Path(path).exists():
            return None
        obj = cls.__new__(cls)
        import faiss

        obj._faiss = faiss
        obj.dim = dim
        try:
            obj.index = faiss.read_index(str(path))
        except RuntimeError:
            return None
        if obj.index.d != dim:
            return None
        obj.ef_search = 128
        faiss.downcast_index(obj.index.index).hnsw.efSearch = obj.ef_search
        return obj
