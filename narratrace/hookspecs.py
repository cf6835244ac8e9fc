"""The plugin seams, declared in one place (as Datasette's ``hookspecs.py``): what a component of each kind is.

Each kind below is a ``narratrace.registry.Registry`` of the same name. A component is registered
under a name, by the package itself in ``registry.BUILTINS`` (the built-ins are registered exactly as
plugins are), from code with ``@registry.<kind>.register(name)``, or from another package through an
entry point in the group ``narratrace.<kind>`` whose value is ``"module:attribute"``:

    [project.entry-points."narratrace.exporters"]
    graphml = "my_package.graphml:export_graphml"

``narratrace.testing.contracts`` checks a component against its seam (shape, round trips,
idempotence); plugin authors run those checks on theirs.

The specs are Protocols and name the stage classes only in docstrings: this module sits below every
stage (as ``errors`` and ``registry`` do) and imports none of them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Protocol, runtime_checkable

from .errors import InputError
from .model import RawArticle


class Language(Protocol):
    """``languages``: a class with the slots of ``narratrace.text.lang.base.BaseDefaults`` (subclass it and
    override what differs: direction, sentence ends, abbreviations, boilerplate and metadata cues, month
    names, reporting verbs), registered under its ISO 639-1 code. Built-ins are the modules
    ``narratrace/text/lang/<code>.py`` (found by code, each assigning its class to ``LANGUAGE``)."""

    lang: ClassVar[str]
    name: ClassVar[str]
    direction: ClassVar[str]


class Reader(Protocol):
    """``readers``: ``reader(path, data) -> records`` for one file type, registered under the file extension
    it reads without the dot (``"docx"`` reads ``*.docx``; ``ingest.EXTENSIONS`` maps a few more).

    It yields a ``RawArticle`` per article and an ``InputError`` (not an exception) for what it cannot
    read, so one bad file or record never stops a batch. ``origin`` is ``str(path)`` for a one-article
    file and ``f"{path}:{line}"`` (1-based record or line number) when a file holds many. A reader with
    the attribute ``streams = True`` is called as ``reader(path, stream, max_bytes)`` with the open binary
    file instead and limits each record to ``max_bytes`` (JSON Lines does)."""

    def __call__(self, path: Path, data: bytes, /) -> Iterable[RawArticle | InputError]: ...


class StreamingReader(Protocol):
    """A ``Reader`` with ``streams = True`` (see ``Reader``)."""

    streams: bool

    def __call__(self, path: Path, stream: BinaryIO, max_bytes: int, /) -> Iterable[RawArticle | InputError]: ...


@runtime_checkable
class Encoder(Protocol):
    """An encoder: what ``encoders`` factories build. Subclass ``narratrace.embed.base.Encoder`` (it batches and
    L2-normalises; implement ``_encode``). Vectors are float32 arrays of shape (n, ``dim``), each of L2 norm
    1; the same text gives the same vector whatever the batch; no texts give shape (0, ``dim``). E5-style
    models encode queries with another prefix than passages. ``vector_space`` names the space the vectors
    live in: a store keeps it and refuses vectors of another space."""

    name: str
    dim: int

    @property
    def vector_space(self) -> str: ...

    @property
    def config(self) -> dict[str, Any]: ...

    def encode_passages(self, texts: Sequence[str], progress: Any = None) -> Any: ...

    def encode_queries(self, texts: Sequence[str]) -> Any: ...


class EncoderFactory(Protocol):
    """``encoders``: ``factory(**params) -> Encoder`` (usually the class), registered under the name
    ``[encoder] backend`` selects; ``params`` are keys of ``[encoder]`` (batch_size, threads, model, ...)
    and one it does not take is an error. ``narratrace.embed.make_encoder(backend, **params)`` calls it;
    a class may instead read the keys it uses from the ``[encoder]`` section with a
    ``from_settings(section)`` classmethod."""

    def __call__(self, **params: Any) -> Encoder: ...


class StoreFactory(Protocol):
    """``stores``: ``factory(target, vector_dtype=..., ann_ivf_from=..., ann_nprobe=...)`` -> an open
    ``narratrace.store.base.SQLStore`` (subclass it, or ``SQLiteStore``), registered under the URL scheme it
    opens: ``open_store("mystore://...")`` asks ``stores.get("mystore")``; a target without a scheme is a
    file for ``"sqlite"``. ``target`` is the ``--db`` value as given; the keywords are ``[store]``
    settings. A write inside ``transaction()`` is stored whole or not at all; re-writing an article
    with ``replace=True`` leaves one copy."""

    def __call__(self, target: str, *, vector_dtype: str, ann_ivf_from: int, ann_nprobe: int) -> Any: ...


class Exporter(Protocol):
    """``exporters``: ``exporter(graph) -> text`` of one file format for a story's propagation graph
    (``narratrace.trace.graph.StoryGraph``: nodes, edges with evidence, timeline), registered under the
    format name ``narratrace export --format NAME`` selects. Built-ins: json (node-link), csv (edges),
    gexf (Gephi)."""

    def __call__(self, graph: Any, /) -> str: ...


@dataclass(frozen=True)
class SinkContext:
    """What the watch gives every alert sink factory besides the sink's own options."""

    #: the command line's alert printer; None when alerts are not shown (the Python API, ``collect``)
    console: Callable[[dict[str, Any]], None] | None = None
    #: the folder of the watch config: relative paths in a sink's options are relative to it
    folder: Path = Path(".")


class AlertSink(Protocol):
    """An open alert sink: what ``alert_sinks`` factories build.

    ``send`` gets the alerts queued for this sink, oldest first (each a JSON-able dict: ``type``, ``key``,
    ``at``, ``watch``, ``article``, ``match``, ...) and returns one entry per alert: ``""`` when it was
    delivered, else why not. A failed alert stays queued and is sent again at the next poll until it has
    failed ``attempts`` times (None: never dropped). Raising fails the whole poll and keeps every
    alert queued (for failures the next poll will not fix, such as a full disk)."""

    attempts: int | None

    def send(self, alerts: Sequence[dict[str, Any]]) -> list[str]: ...


class AlertSinkFactory(Protocol):
    """``alert_sinks``: ``factory(context, **options) -> AlertSink | None``, registered under the key that
    selects it in the ``alerts`` section of the watch config. The value of that key gives the options:
    ``true`` (none), a string (``target=...``: a path or URL), or a mapping; ``<name>_<option>: value``
    sets one option. None: nothing to deliver to here (the console sink without a console)."""

    def __call__(self, context: SinkContext, **options: Any) -> AlertSink | None: ...


#: registry kind -> the spec of what is registered under it
SEAMS: dict[str, type] = {
    "languages": Language,
    "readers": Reader,
    "encoders": EncoderFactory,
    "stores": StoreFactory,
    "exporters": Exporter,
    "alert_sinks": AlertSinkFactory,
}
