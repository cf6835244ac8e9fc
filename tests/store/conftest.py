"""Store fixtures: ``new_store``, fresh stores on both backends (the list pages' tests run on each)."""
from __future__ import annotations

from typing import Any

import pytest

from narratrace.store import open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store(request, tmp_path):
    """``new_store(name)``: a fresh store on each backend (PostgreSQL skipped when no server is up), bound to a
    4-dimensional test encoder so that narratives can be saved."""
    opened = []

    def make(name: str = "t") -> Any:
        target = (str(tmp_path / f"{name}-{len(opened)}.db") if request.param == "sqlite"
                  else request.getfixturevalue("pg_db")(name))
        store = open_store(target)
        store.bind_encoder("test-space", 4)
        opened.append(store)
        return store

    yield make
    for s in opened:
        s.close()
