"""Continuous monitoring: ``Watcher`` (poll, store, alert), ``AlertEngine`` and the watch config."""
from __future__ import annotations

from .alerts import AlertEngine, resolve_sources
from .config import Breaking, Outputs, WatchConfig, Watchlist, load_config
from .watch import PollResult, Watcher, deliver

__all__ = ["AlertEngine", "Breaking", "Outputs", "PollResult", "WatchConfig", "Watcher", "Watchlist", "deliver",
           "load_config", "resolve_sources"]
