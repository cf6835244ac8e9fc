"""Polling: collect what is new, store it through ``Narratrace.add``, judge it, deliver the alerts.

A poll is safe to repeat: items are marked collected only after their articles are stored,
articles are recorded as arrived before alerts are judged, and alerts wait in an outbox until
each output took them. ``Watcher.run`` survives errors in a poll and goes on with the next.
"""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable

from ..ingest.collect import Collector, CollectState, Fetcher, state_path
from .alerts import AlertEngine
from .config import Outputs, WatchConfig

__all__ = ["PollResult", "Watcher", "deliver"]

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


def _post(url: str, alert: dict[str, Any], timeout: float) -> None:
    data = json.dumps(alert, ensure_ascii=False, default=str).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8",
                                          "User-Agent": "narratrace-alerts/0.1"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=timeout) as resp:
        resp.read(1024)


def sinks_of(outputs: Outputs, console: Callable[[dict[str, Any]], None] | None) -> list[str]:
    """The outputs alerts are queued for: console (when there is one to print to), jsonl, webhook."""
    return [name for name, on in (("console", outputs.console and console is not None),
                                  ("jsonl", bool(outputs.jsonl)), ("webhook", bool(outputs.webhook))) if on]


def deliver(state: CollectState, outputs: Outputs, console: Callable[[dict[str, Any]], None] | None = None
            ) -> dict[str, int]:
    """Send queued alerts to each output; what fails stays queued for the next poll. Returns counts sent."""
    sent: dict[str, int] = {}
    for sink in sinks_of(outputs, console):
        queued = state.queued(sink)
        if not queued:
            continue
        done: list[int] = []
        if sink == "console" and console is not None:
            for i, alert in queued:
                console(alert)
                done.append(i)
        elif sink == "jsonl" and outputs.jsonl:
            os.makedirs(os.path.dirname(os.path.abspath(outputs.jsonl)), exist_ok=True)
            with open(outputs.jsonl, "a", encoding="utf-8") as fh:
                for i, alert in queued:
                    fh.write(json.dumps(alert, ensure_ascii=False, default=str) + "\n")
                    done.append(i)
                fh.flush()
                os.fsync(fh.fileno())
        elif sink == "webhook" and outputs.webhook:
            failed: list[int] = []
            error = ""
            for i, alert in queued:
                try:
                    _post(outputs.webhook, alert, outputs.webhook_timeout)
                    done.append(i)
                except (urllib.error.URLError, OSError, ValueError) as exc:
                    failed.append(i)
                    error = f"{type(exc).__name__}: {exc}"
            if failed:
                state.requeue(failed, error, max_attempts=outputs.webhook_attempts)
        state.unqueue(done)
        sent[sink] = len(done)
    return sent


class Watcher:
    """Polls the configured sources into one ``Narratrace`` project and raises alerts."""

    def __init__(self, nt: Any, config: WatchConfig, console: Callable[[dict[str, Any]], None] | None = None,
                 alerts: bool = True, on_event: Event | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, fetcher: Fetcher | None = None) -> None:
        self.nt, self.config = nt, config
        self.console = console
        self.on_event = on_event or (lambda what, detail: None)
        self.clock, self.sleep = clock, sleep
        self.state = CollectState(state_path(nt.db_path))
        self.collector = Collector(self.state, fetcher or Fetcher(config.politeness), config.max_items,
                                   config.max_attempts, on_event=self.on_event)
        self.alerts = alerts
        self.engine = AlertEngine(nt, self.state, config.watchlists, config.breaking, config.new_story_articles,
                                  sinks_of(config.outputs, console)) if alerts else None

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
        res.links = self.nt.add_links(batch.links(report.duplicates))
        # articles stored by a poll that died before it committed come back "unchanged": still new to us
        known = self.state.arrival_times(report.unchanged)
        res.new_articles = report.ingested + [a for a in report.unchanged if a not in known]
        stories = {a.id: a.story_id for a in self.nt.articles(res.new_articles)}
        self.state.arrived([(a, stories.get(a)) for a in res.new_articles], at=self.clock(),
                           alerted=not self.alerts)
        batch.commit()
        if self.engine is not None:
            res.alerts = self.engine.evaluate(self.clock())
            res.delivered = deliver(self.state, self.config.outputs, self.console)
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
