"""Approximate nearest neighbours over passage vectors (faiss, inner product), keyed by passage rowid.

The index is a cache: the database is the truth. It is saved beside the database
(``<db>.faiss``) and rebuilt from the stored vectors whenever it is missing,
unreadable, or disagrees with the database (e.g. after a crash between a commit
and an index save).

Two kinds, both updated one passage at a time:

- ``hnsw`` (HNSWFlat): the best recall per query and no training, but building it from scratch costs
  about 0.7 ms per vector on 2 cores (146 s for 200k, STACK-NOTES) and it holds float32 vectors plus
  links (~1.8 KB per passage).
- ``ivf`` (IVF with an HNSW coarse quantizer and 8-bit scalar quantisation, ``IVF{n}_HNSW32,SQ8``):
  trained once on a sample, then each vector is added to its nearest list; ~0.4 KB per passage and a
  rebuild of millions of passages takes minutes, not hours. Recall depends on ``nprobe``.

``create`` picks ``ivf`` when a store is (re)built with at least ``ivf_from`` passages; an index keeps
its kind as passages are added afterwards.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

#: below this many vectors a search or an add runs on one thread: waking OpenMP's pool for the few passages
#: of one article costs more than it saves (bench/scale.py at 1M: a 3-passage search took 3.9 ms wall on
#: two threads, 1.6 ms on one, for the same CPU time; the results are the same either way)
ONE_THREAD_BELOW = 64


def _faiss() -> Any:
    import faiss  # imported on first use: importing faiss costs ~0.3 s

    return faiss


class PassageIndex:
    """An ANN index over L2-normalised vectors, keyed by passage rowid."""

    def __init__(self, dim: int, m: int = 32, ef_construction: int = 128, ef_search: int = 128) -> None:
        faiss = _faiss()
        self._faiss = faiss
        self.dim = dim
        self.kind = "hnsw"
        self.ef_search = ef_search
        hnsw = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = ef_construction
        hnsw.hnsw.efSearch = ef_search
        self.index = faiss.IndexIDMap2(hnsw)
        self._max_id = 0

    @classmethod
    def ivf(cls, dim: int, train: np.ndarray, n_expected: int, nlist: int | None = None,
            nprobe: int = 16) -> PassageIndex:
        """An IVF-SQ8 index trained on ``train`` (a sample of the stored vectors).

        ``nlist`` defaults to the power of two nearest 2·sqrt(n_expected) (4096 lists for 3M passages),
        at most one list per 39 training vectors (k-means needs them)."""
        faiss = _faiss()
        obj = cls.__new__(cls)
        obj._faiss, obj.dim, obj.kind, obj.ef_search, obj._max_id = faiss, dim, "ivf", 128, 0
        if nlist is None:
            nlist = 2 ** int(round(np.log2(max(2.0, 2 * np.sqrt(max(1, n_expected))))))
        nlist = max(1, min(nlist, len(train) // 39))
        index = faiss.index_factory(dim, f"IVF{nlist}_HNSW32,SQ8", faiss.METRIC_INNER_PRODUCT)
        index.train(np.ascontiguousarray(train, dtype=np.float32))
        obj.index = index
        obj.set_nprobe(nprobe)
        return obj

    @classmethod
    def create(cls, dim: int, n_expected: int, sample: np.ndarray | None = None, ivf_from: int = 1_000_000,
               nprobe: int = 16) -> PassageIndex:
        """The index kind that suits a store of ``n_expected`` passages (``sample``: vectors to train IVF)."""
        if n_expected >= ivf_from and sample is not None and len(sample) >= 1000:
            return cls.ivf(dim, sample, n_expected, nprobe=nprobe)
        return cls(dim)

    def set_nprobe(self, nprobe: int) -> None:
        if self.kind == "ivf":
            ivf = self._faiss.extract_index_ivf(self.index)
            ivf.nprobe = nprobe
            self._faiss.downcast_index(ivf.quantizer).hnsw.efSearch = max(64, 2 * nprobe)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @contextmanager
    def _threads_for(self, n: int) -> Iterator[None]:
        """One OpenMP thread for a call on fewer than ``ONE_THREAD_BELOW`` vectors (restored after)."""
        faiss = self._faiss
        before = faiss.omp_get_max_threads() if n < ONE_THREAD_BELOW else 1
        if before <= 1:
            yield
            return
        faiss.omp_set_num_threads(1)
        try:
            yield
        finally:
            faiss.omp_set_num_threads(before)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            ids = np.asarray(ids, dtype=np.int64)
            with self._threads_for(len(ids)):
                self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
            self._max_id = max(self._max_id, int(ids.max()))

    def max_id(self) -> int:
        """The largest passage rowid in the index (0 when empty): passages above it are missing."""
        return self._max_id

    def _scan_max_id(self) -> int:
        if self.size == 0:
            return 0
        faiss = self._faiss
        if self.kind == "hnsw":
            return int(faiss.vector_to_array(self.index.id_map).max())
        invlists = faiss.extract_index_ivf(self.index).invlists
        best = 0
        for k in range(invlists.nlist):
            n = invlists.list_size(k)
            if n:
                ids = faiss.rev_swig_ptr(invlists.get_ids(k), n)
                best = max(best, int(ids.max()))
        return best

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Returns (scores, ids), each (n, k); missing neighbours have id -1."""
        if self.size == 0 or len(vectors) == 0:
            return np.zeros((len(vectors), 0), np.float32), np.zeros((len(vectors), 0), np.int64)
        k = min(k, self.size)
        with self._threads_for(len(vectors)):
            return self.index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write to ``<path>.tmp``, then rename: a crash never leaves a half-written index, and a failed
        write (disk full) leaves no partial ``.tmp`` behind (faiss raises RuntimeError, the rename OSError)."""
        tmp = f"{path}.tmp"
        try:
            self._faiss.write_index(self.index, tmp)
            os.replace(tmp, path)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)

    @classmethod
    def load(cls, path: str | os.PathLike[str], dim: int, nprobe: int = 16) -> PassageIndex | None:
        """The saved index, or None when it is missing or unreadable."""
        if not Path(path).is_file():  # missing, or a folder in its place: rebuilt from the database
            return None
        faiss = _faiss()
        obj = cls.__new__(cls)
        obj._faiss, obj.dim, obj.ef_search = faiss, dim, 128
        try:
            obj.index = faiss.read_index(str(path))
        except RuntimeError:
            return None
        if obj.index.d != dim:
            return None
        if isinstance(obj.index, faiss.IndexIDMap2):
            obj.kind = "hnsw"
            faiss.downcast_index(obj.index.index).hnsw.efSearch = obj.ef_search
        else:
            try:
                faiss.extract_index_ivf(obj.index)
            except RuntimeError:
                return None  # not an index this version writes: rebuilt from the database
            obj.kind = "ivf"
            obj.set_nprobe(nprobe)
        obj._max_id = obj._scan_max_id()
        return obj
