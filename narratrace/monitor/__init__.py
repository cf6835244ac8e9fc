"""Stage after the orchestration, before present: continuous monitoring. ``Watcher`` (poll, store, alert),
``AlertEngine`` and the watch config. Uses only the public API of the stages and of ``Narratrace``."""
from __future__ import annotations

from .alerts import AlertEngine, resolve_sources
from .config import Breaking, Outputs, WatchConfig, Watchlist, load_config
from .watch import PollResult, Watcher, deliver

__all__ = ["AlertEngine", "Breaking", "Outputs", "PollResult", "WatchConfig", "Watcher", "Watchlist", "deliver",
           "load_config", "resolve_sources"]
