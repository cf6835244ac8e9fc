"""Stage after the orchestration, before present: continuous monitoring. ``Watcher`` (poll, store, alert),
``AlertEngine`` and the watch config. Uses only the public API of the stages and of ``Narratrace``."""
from __future__ import annotations

from .alerts import AlertEngine, resolve_sources
from .config import Breaking, Outputs, WatchConfig, Watchlist, load_config, parse_outputs
from .sinks import ConsoleSink, JsonlSink, WebhookSink, build_sinks, deliver
from .watch import PollResult, Watcher

__all__ = ["AlertEngine", "Breaking", "ConsoleSink", "JsonlSink", "Outputs", "PollResult", "WatchConfig", "Watcher",
           "Watchlist", "WebhookSink", "build_sinks", "deliver", "load_config", "parse_outputs", "resolve_sources"]
