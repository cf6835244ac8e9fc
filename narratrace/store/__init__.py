"""Stage 4: the database and the vector index.

Public surface: ``open_store(target)`` opens the store registered under the URL scheme of ``target``
(``registry.stores``): a ``PostgresStore`` for a ``postgresql://`` / ``postgres://`` URL, a plugin's for
its scheme, and an ``SQLiteStore`` for a file path (or ``:memory:``); all are ``SQLStore``s.
"""
from __future__ import annotations

import re

from .. import registry
from ..settings import StoreSettings
from .base import SQLStore, StoredPassages
from .postgres import is_postgres_url, mask_url
from .sqlite import SQLiteStore

__all__ = ["SQLStore", "SQLiteStore", "StoredPassages", "is_postgres_url", "mask_url", "open_store", "store_name"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def store_name(target: str) -> str:
    """The registered store that opens ``target``: its URL scheme (``postgresql://...`` -> "postgresql"),
    "sqlite" for a file path."""
    m = _SCHEME.match(str(target))
    return m.group(1).lower() if m else "sqlite"


def open_store(target: str, settings: StoreSettings | None = None) -> SQLStore:
    """The store at ``target``, opened by the store registered under its URL scheme (``store_name``); a
    file path is an SQLite file (created when missing).

    ``settings``: the ``[store]`` section (vector dtype, the ANN index's ``ann_ivf_from`` and
    ``ann_nprobe``, store/ann.py, and ``synchronous``, set on the open store); None takes defaults.toml's.
    A store whose vectors are of another dtype than the setting is refused (``StoreError``)."""
    if settings is None:
        from ..settings import Settings

        settings = Settings().store
    params = {"vector_dtype": settings.vector_dtype, "ann_ivf_from": settings.ann_ivf_from,
              "ann_nprobe": settings.ann_nprobe}
    factory = registry.stores.get(store_name(target))
    store: SQLStore = factory(str(target), **params)
    try:
        store.set_synchronous(settings.synchronous)
        store.check_vector_dtype()
    except BaseException:
        store.close()
        raise
    return store
