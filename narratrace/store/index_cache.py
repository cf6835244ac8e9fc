"""The ANN index as a cache of the stored vectors: loaded, caught up, rebuilt, saved.

Rowids only grow, so an index saved before the last batches is caught up by a range read
instead of rebuilt; a store of ``ann_ivf_from`` encoded passages or more is rebuilt as IVF.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexNotSaved, StoreError
from .ann import PassageIndex
from .sql import SQLBase


class IndexCache(SQLBase):
    """The passage index of a store (``index()``), a file beside an SQLite database."""

    def count_passages(self, with_vectors: bool = False) -> int:
        where = " WHERE vector IS NOT NULL" if with_vectors else ""
        return int(self._x(f"SELECT count(*) FROM passages{where}").fetchone()[0])

    def has_vectors(self) -> bool:
        """Whether any passage is encoded: stops at the first one (``count_passages`` scans them all)."""
        if self._index is not None and self._index.size:
            return True
        return self._x("SELECT 1 FROM passages WHERE vector IS NOT NULL LIMIT 1").fetchone() is not None

    @property
    def index_path(self) -> str | None:
        return None if self.path == ":memory:" else f"{self.path}.faiss"

    def store_uid(self) -> str:
        """A random id made once per store: tells a store from another one made later at the same place."""
        uid = self.get_meta("store_uid")
        if uid is None:
            with self.transaction():
                uid = self.get_meta("store_uid")  # another process may have made it meanwhile
                if uid is None:
                    uid = uuid.uuid4().hex
                    self._set_meta("store_uid", uid)
        return uid

    # IVF for stores rebuilt with this many encoded passages or more, and its lists probed per query
    # (``[store] ann_ivf_from``, ``[store] ann_nprobe``, given to the subclass's constructor; store/ann.py)
    ann_ivf_from: int
    ann_nprobe: int

    def index(self) -> PassageIndex:
        """The ANN index, loaded or rebuilt from the database when missing or out of step.

        A loaded index first takes in what other processes committed since (a range read on the primary
        key), so a long-running reader such as ``narratrace serve`` searches what a later ingest stored."""
        if self._index is not None:
            self._catch_up(self._index)
        else:
            dim = int(self.get_meta("dim") or 0)
            if not dim:
                raise StoreError("the store has no encoder yet", hint="ingest articles first")
            idx = self._load_saved(dim)
            if idx is not None:
                # compared by the largest encoded rowid (an index read backwards), not by counting every
                # passage: opening a store of millions must not scan it
                top = self._x("SELECT rowid FROM passages WHERE vector IS NOT NULL ORDER BY rowid DESC "
                              "LIMIT 1").fetchone()
                top_id = int(top[0]) if top else 0
                if idx.max_id() > top_id:
                    idx = None  # holds passages the database does not (an index of another state): rebuild
                elif idx.max_id() < top_id:
                    self._catch_up(idx)  # saved before the last batches: add only what came after
            if idx is None:
                idx = self.rebuild_index(dim)
            self._index = idx
        return self._index

    def sync_index(self) -> None:
        """Add to the loaded index the passages other processes stored since (call inside a write
        transaction: writers are serialised and rowids grow in commit order, so nothing is skipped).
        A range read on the primary key: nothing when no other process wrote."""
        if self._index is not None:
            self._catch_up(self._index)

    def _catch_up(self, idx: PassageIndex) -> None:
        """Add the passages stored after the index was saved (rowids only grow), instead of a rebuild."""
        self._add_stored(idx, "SELECT rowid, vector FROM passages WHERE rowid > ? AND vector IS NOT NULL "
                              "ORDER BY rowid", (idx.max_id(),))

    def _add_stored(self, idx: PassageIndex, query: str, params: Iterable[Any] = ()) -> None:
        """Add to ``idx`` the (rowid, vector) rows ``query`` returns, a batch at a time."""
        for batch in self._scan(query, params):
            ids = np.array([r[0] for r in batch], dtype=np.int64)
            vecs = np.stack([np.frombuffer(r[1], dtype=self.vector_dtype) for r in batch]).astype(np.float32)
            idx.add(ids, vecs)

    def _vector_sample(self, n_total: int, size: int) -> np.ndarray:
        """About ``size`` stored vectors spread over the whole store (every k-th rowid), to train IVF."""
        step = max(1, n_total // size)
        rows = self._x("SELECT vector FROM passages WHERE vector IS NOT NULL AND rowid % ? = 0",
                       (step,)).fetchall()
        return np.stack([np.frombuffer(r[0], dtype=self.vector_dtype) for r in rows]).astype(np.float32)

    def _load_saved(self, dim: int) -> PassageIndex | None:
        """The saved index file, if it is this store's: an index is saved with the ``store_uid`` of the
        store it indexes, so one left beside a database swapped for another store is rebuilt, not used."""
        path = self.index_path
        if not path or not Path(path).is_file():
            return None
        try:
            saved_for = Path(f"{path}.uid").read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None  # saved by a version that did not record its store, or lost: rebuilt once
        if saved_for != self.store_uid():
            return None
        return PassageIndex.load(path, dim, nprobe=self.ann_nprobe)

    def rebuild_index(self, dim: int | None = None) -> PassageIndex:
        """Re-create the ANN index from the stored vectors (after a crash, a lost file, or many updates).

        A store of ``ann_ivf_from`` encoded passages or more gets an IVF index trained on a sample:
        building HNSW over millions of passages takes hours on two cores."""
        dim = dim or int(self.get_meta("dim") or 0)
        n = self.count_passages(with_vectors=True)
        sample = self._vector_sample(n, 160_000) if n >= self.ann_ivf_from else None
        idx = PassageIndex.create(dim, n, sample, ivf_from=self.ann_ivf_from, nprobe=self.ann_nprobe)
        self._add_stored(idx, "SELECT rowid, vector FROM passages WHERE vector IS NOT NULL ORDER BY rowid")
        with self.transaction():
            self._set_meta("ann_tombstones", "0")
        self._index = idx
        try:
            self.save_index()
        except IndexNotSaved as exc:  # a cache: searching goes on with the index in memory
            self.index_error = exc
        return idx

    def discard_index(self) -> None:
        """Forget the in-memory index; the next use reloads or rebuilds it from the database."""
        self._index = None

    #: why the index could not be saved the last time (None when it was): nothing is lost, see ``save_index``
    index_error: IndexNotSaved | None = None

    def save_index(self) -> None:
        """Write the index file and the store it belongs to; ``IndexNotSaved`` (no partial file left) when
        the disk is full or the path is taken by a folder: the next open rebuilds it from the database."""
        path = self.index_path
        if self._index is None or not path:
            return
        uid = self.store_uid()
        try:
            if Path(path).exists() and not Path(path).is_file():
                raise IsADirectoryError(f"{path} is not a file")
            self._index.save(path)
            tmp = Path(f"{path}.uid.tmp")
            try:
                tmp.write_text(uid + "\n", "ascii")
                os.replace(tmp, f"{path}.uid")
            finally:
                tmp.unlink(missing_ok=True)
        except (OSError, RuntimeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[-1][:200]
            self.index_error = IndexNotSaved(
                f"the ANN index could not be saved to {path}: {reason}",
                hint="nothing is lost: it is rebuilt from the database on the next open; "
                     "free disk space, or move what is in its place")
            raise self.index_error from exc
        self.index_error = None

    def check_vector_dtype(self) -> None:
        """A store keeps the vector type it was made with: ``[store] vector_dtype = "float32"`` on a float16
        store would read every vector wrong, so it is refused here rather than deep in a search."""
        dim = int(self.get_meta("dim") or 0)
        if not dim:
            return
        row = self._x("SELECT length(vector) FROM passages WHERE vector IS NOT NULL LIMIT 1").fetchone()
        if row is None:
            return
        stored = {2 * dim: "float16", 4 * dim: "float32"}.get(int(row[0]))
        if stored is not None and stored != self.vector_dtype.name:
            raise StoreError(f"{self.path} holds {stored} vectors, but [store] vector_dtype is "
                             f"{self.vector_dtype.name!r}",
                             hint=f'set vector_dtype = "{stored}" for this store (the setting applies to new stores)')
