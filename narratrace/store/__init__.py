"""Stage 4: the database and the vector index.

Public surface: ``open_store(target)`` returns an ``SQLiteStore`` for a file path (or ``:memory:``)
and a ``PostgresStore`` for a ``postgresql://`` / ``postgres://`` URL; both are ``SQLStore``s.
"""
from __future__ import annotations

from .base import SQLStore, StoredPassages
from .postgres import is_postgres_url, mask_url
from .sqlite import SQLiteStore

__all__ = ["SQLStore", "SQLiteStore", "StoredPassages", "is_postgres_url", "mask_url", "open_store"]


def open_store(target: str, vector_dtype: str = "float16", ann_ivf_from: int = 1_000_000,
               ann_nprobe: int = 16) -> SQLStore:
    """The store at ``target``: a PostgreSQL URL, else an SQLite file (created when missing).

    ``ann_ivf_from`` and ``ann_nprobe`` are the ``[store]`` settings of the ANN index (store/ann.py)."""
    params = {"vector_dtype": vector_dtype, "ann_ivf_from": ann_ivf_from, "ann_nprobe": ann_nprobe}
    if is_postgres_url(target):
        from .postgres import PostgresStore

        return PostgresStore(target, **params)
    return SQLiteStore(target, **params)
