"""Alert sinks (``hookspecs.AlertSink``): where alerts go. The built-ins (console, JSON Lines file, webhook)
are registered in ``registry.BUILTINS["alert_sinks"]`` as a plugin's are, and the ``alerts`` section of
the watch config selects sinks by name (``config.parse_outputs``).

Alerts wait in the outbox of the state file until a sink took them (``deliver``): what a sink could
not deliver is sent again at the next poll, until it failed ``attempts`` times.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import registry
from ..errors import ConfigError
from ..hookspecs import AlertSink, SinkContext
from ..ingest.collect import CollectState
from .config import Outputs

__all__ = ["ConsoleSink", "JsonlSink", "WebhookSink", "build_sinks", "console_sink", "deliver"]


class ConsoleSink:
    """Hands each alert to the command line's printer (one line, or JSON with ``--json``)."""

    attempts: int | None = None

    def __init__(self, show: Callable[[dict[str, Any]], None]) -> None:
        self.show = show

    def send(self, alerts: Sequence[dict[str, Any]]) -> list[str]:
        for alert in alerts:
            self.show(alert)
        return [""] * len(alerts)


def console_sink(context: SinkContext) -> ConsoleSink | None:
    """The ``console`` sink: the printer of the command line; nothing to deliver to without one."""
    return ConsoleSink(context.console) if context.console is not None else None


class JsonlSink:
    """Appends each alert as one JSON line to ``target`` (relative to the config's folder), synced once per
    poll. A write error (a full disk) fails the poll and keeps the alerts queued."""

    attempts: int | None = None

    def __init__(self, context: SinkContext, target: str) -> None:
        path = Path(target)
        self.path = path if path.is_absolute() else context.folder / path

    def send(self, alerts: Sequence[dict[str, Any]]) -> list[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            for alert in alerts:
                fh.write(json.dumps(alert, ensure_ascii=False, default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return [""] * len(alerts)


class WebhookSink:
    """One JSON ``POST`` per alert to the URL ``target``, never through a proxy. An alert whose POST fails
    is sent again at the next poll and dropped after ``attempts`` polls (it stays in a JSONL file)."""

    def __init__(self, context: SinkContext, target: str, timeout: float = 10.0, attempts: int = 20) -> None:
        if not str(target).startswith(("http://", "https://")):
            raise ConfigError(f"alerts: webhook {target!r} is not an http(s) URL")
        self.url, self.timeout, self.attempts = str(target), float(timeout), int(attempts)

    def send(self, alerts: Sequence[dict[str, Any]]) -> list[str]:
        errors = []
        for alert in alerts:
            try:
                self._post(alert)
                errors.append("")
            except (urllib.error.URLError, OSError, ValueError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        return errors

    def _post(self, alert: dict[str, Any]) -> None:
        data = json.dumps(alert, ensure_ascii=False, default=str).encode("utf-8")
        req = urllib.request.Request(self.url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "narratrace-alerts/0.1"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=self.timeout) as resp:
            resp.read(1024)


def build_sinks(outputs: Outputs, context: SinkContext) -> dict[str, AlertSink]:
    """The open sinks of the ``alerts`` section, by name (a factory that returns None is left out)."""
    sinks: dict[str, AlertSink] = {}
    for name, options in outputs.sinks.items():
        factory = registry.alert_sinks.get(name)
        try:
            sink = factory(context, **options)
        except TypeError as exc:
            raise ConfigError(f"alerts: {name}: {exc}", hint="see docs/collect.md for each sink's options") from exc
        if sink is not None:
            sinks[name] = sink
    return sinks


def deliver(state: CollectState, sinks: dict[str, AlertSink]) -> dict[str, int]:
    """Send the queued alerts to each sink; what fails stays queued for the next poll. Returns counts sent."""
    sent: dict[str, int] = {}
    for name, sink in sinks.items():
        queued = state.queued(name)
        if not queued:
            continue
        errors = sink.send([alert for _, alert in queued])
        if len(errors) != len(queued):
            raise ValueError(f"alert sink {name!r} answered {len(errors)} results for {len(queued)} alerts")
        done = [i for (i, _), err in zip(queued, errors) if not err]
        failed = [(i, err) for (i, _), err in zip(queued, errors) if err]
        if failed:
            state.requeue([i for i, _ in failed], failed[-1][1], max_attempts=sink.attempts)
        state.unqueue(done)
        sent[name] = len(done)
    return sent
