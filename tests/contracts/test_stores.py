"""Every registered store keeps the store contract (``narratrace.testing.contracts``): an article round
trip (also after re-opening), an idempotent re-write and a rollback that leaves nothing. SQLite always;
PostgreSQL ("postgresql://" and "postgres://") when NARRATRACE_TEST_DB names a server (tests/conftest.py)."""
from __future__ import annotations

import os
from typing import Any

import pytest

from narratrace import registry
from narratrace.store import open_store
from narratrace.testing.contracts import check_id, store_checks

TEST_DB = os.environ.get("NARRATRACE_TEST_DB", "")
ON_POSTGRES = TEST_DB.lower().startswith(("postgresql://", "postgres://"))


def _target(name: str, tmp_path: Any, test_databases: Any) -> str:
    """A fresh, empty store's --db value for the registered store ``name`` (or skip)."""
    if name == "sqlite":
        return str(tmp_path / "contract.db")
    if name in ("postgresql", "postgres"):
        if not ON_POSTGRES:
            pytest.skip("PostgreSQL stores are checked when NARRATRACE_TEST_DB=postgresql://... is set")
        url = test_databases.new(tmp_path, f"contract_{name}")
        return name + url[url.index("://"):]
    pytest.skip(f"no test target for the store {name!r} here: its own package runs these checks")


CASES = [(name, check) for name in registry.stores.names() for check in store_checks()]


@pytest.mark.parametrize(("name", "check"), CASES, ids=[f"{n}-{check_id(c)}" for n, c in CASES])
def test_store_contract(name: str, check: Any, tmp_path: Any, test_databases: Any) -> None:
    target = _target(name, tmp_path, test_databases)

    def opener() -> Any:
        return open_store(target)

    store = opener()
    assert isinstance(store, registry.stores.get(name)), "open_store opened another store than the registered one"
    store.close()
    check(opener)
