"""Stage 4: the database and the vector index.

Public surface: ``open_store(path)`` returns a ``SQLiteStore``.
"""
from __future__ import annotations

from .sqlite import SQLiteStore, StoredPassages

__all__ = ["SQLiteStore", "StoredPassages", "open_store"]


def open_store(path: str, vector_dtype: str = "float16") -> SQLiteStore:
    return SQLiteStore(path, vector_dtype=vector_dtype)
