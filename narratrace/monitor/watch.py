"""Polling: collect what is new, store it through ``Narratrace.add``, judge it, deliver the alerts.

A poll is safe to repeat: items are marked collected only after their articles are stored,
articles are recorded as arrived before alerts are judged, and alerts wait in an outbox until
each sink took them (``sinks.deliver``). ``Watcher.run`` survives errors in a poll and goes on with the next.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..hookspecs import SinkContext
from ..ingest.collect import Collector, CollectState, Fetcher, state_path
from .alerts import AlertEngine
from .config import WatchConfig
from .sinks import build_sinks, deliver

__all__ = ["PollResult", "Watcher"]

Event = Callable[[str, str], None]


@dataclass
class PollResult:
    collected: dict[str, Any] = field(default_factory=dict)
    ingest: dict[str, Any] = field(default_factory=dict)
    new_articles: list[str] = field(default_factory=list)
    links: int = 0
    alerts: list[dict[str, Any]] = field(default_factory=list)
    delivered: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"collected": self.collected, "ingest": self.ingest, "new_articles": len(self.new_articles),
                "links": self.links, "alerts": len(self.alerts), "delivered": self.delivered,
                "errors": self.errors}


class Watcher:
    """Polls the configured sources into one ``Narratrace`` project and raises alerts."""

    def __init__(self, nt: Any, config: WatchConfig, console: Callable[[dict[str, Any]], None] | None = None,
                 alerts: bool = True, on_event: Event | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, fetcher: Fetcher | None = None) -> None:
        self.nt, self.config = nt, config
        self.console = console
        self.alerts = alerts
        self.sinks = build_sinks(config.outputs, SinkContext(console, config.folder)) if alerts else {}
        self.on_event = on_event or (lambda what, detail: None)
        self.clock, self.sleep = clock, sleep
        self.state = CollectState(state_path(nt.db_path))
        self.collector = Collector(self.state, fetcher or Fetcher(config.politeness), config.max_items,
                                   config.max_attempts, on_event=self.on_event)
        self.engine = AlertEngine(nt, self.state, config.watchlists, config.breaking, config.new_story_articles,
                                  list(self.sinks)) if alerts else None

    def close(self) -> None:
        self.state.close()

    def poll(self) -> PollResult:
        res = PollResult()
        batch = self.collector.poll(self.config.sources)
        res.collected = batch.summary()
        res.errors += [str(e) for e in batch.errors] + [f"{u}: {r}" for u, r in batch.failed]
        report = self.nt.add(batch.records)
        res.ingest = report.summary()
        res.errors += [str(e) for e in report.errors]
        res.links = self.nt.add_links(batch.links())
        # articles stored by a poll that died before it committed come back "unchanged": still new to us
        known = self.state.arrival_times(report.unchanged)
        res.new_articles = report.ingested + [a for a in report.unchanged if a not in known]
        stories = {a.id: a.story_id for a in self.nt.articles(res.new_articles)}
        self.state.arrived([(a, stories.get(a)) for a in res.new_articles], at=self.clock(),
                           alerted=not self.alerts)
        batch.commit()
        if self.engine is not None:
            res.alerts = self.engine.evaluate(self.clock())
            res.delivered = deliver(self.state, self.sinks)
        self.on_event("poll", json.dumps(res.to_dict(), ensure_ascii=False))
        return res

    def run(self, max_polls: int | None = None) -> list[PollResult]:
        """Poll every ``interval`` seconds, ``max_polls`` times (forever when None); errors do not stop it."""
        results: list[PollResult] = []
        polls = 0
        while max_polls is None or polls < max_polls:
            started = self.clock()
            try:
                results.append(self.poll())
            except Exception as exc:  # a network or store error costs one poll, not the watch
                self.on_event("error", f"poll failed: {type(exc).__name__}: {exc}")
                results.append(PollResult(errors=[f"{type(exc).__name__}: {exc}"]))
            polls += 1
            if max_polls is not None and polls >= max_polls:
                break
            self.sleep(max(0.0, self.config.interval - (self.clock() - started)))
        return results
