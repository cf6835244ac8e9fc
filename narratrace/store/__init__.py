"""Stage 4: the database and the vector index.

Public surface: ``open_store(target)`` returns an ``SQLiteStore`` for a file path (or ``:memory:``)
and a ``PostgresStore`` for a ``postgresql://`` / ``postgres://`` URL; both are ``SQLStore``s.
"""
from __future__ import annotations

from ..settings import StoreSettings
from .base import SQLStore, StoredPassages
from .postgres import is_postgres_url, mask_url
from .sqlite import SQLiteStore

__all__ = ["SQLStore", "SQLiteStore", "StoredPassages", "is_postgres_url", "mask_url", "open_store"]


def open_store(target: str, settings: StoreSettings | None = None) -> SQLStore:
    """The store at ``target``: a PostgreSQL URL, else an SQLite file (created when missing).

    ``settings``: the ``[store]`` section (vector dtype, the ANN index's ``ann_ivf_from`` and
    ``ann_nprobe``, store/ann.py); None takes defaults.toml's."""
    if settings is None:
        from ..settings import Settings

        settings = Settings().store
    params = {"vector_dtype": settings.vector_dtype, "ann_ivf_from": settings.ann_ivf_from,
              "ann_nprobe": settings.ann_nprobe}
    if is_postgres_url(target):
        from .postgres import PostgresStore

        return PostgresStore(target, **params)
    return SQLiteStore(target, **params)
