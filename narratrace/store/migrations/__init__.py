"""The store's migrations, in SQLite's dialect: number -> script. Append one (a new number, in the module of
its part of the schema, or a new module listed below); never edit one that has shipped. PostgreSQL runs the
same scripts through ``schema.to_postgres``, a mechanical translation: keep new ones within what it handles
(it refuses the rest; tests/store translates every migration).
"""
from __future__ import annotations

from .core import CORE
from .workbench import WORKBENCH

MIGRATIONS: dict[int, str] = {**CORE, **WORKBENCH}
if sorted(MIGRATIONS) != list(range(1, len(MIGRATIONS) + 1)) or len(MIGRATIONS) != len(CORE) + len(WORKBENCH):
    raise RuntimeError("narratrace.store.migrations: migration numbers must run 1..N once each")

#: the newest migration's number: what a store opened by this narratrace is brought to
SCHEMA_VERSION = max(MIGRATIONS)
