"""Alert sinks: the ``alerts`` section selects registered sinks by name; a sink registered from outside the
package receives a watch's alerts, and what it fails to take is sent again, then dropped after its attempts."""
from __future__ import annotations

import pytest
import yaml

from narratrace import Narratrace, registry
from narratrace.errors import ConfigError
from narratrace.hookspecs import SinkContext
from narratrace.ingest.collect import CollectState
from narratrace.monitor import JsonlSink, Watcher, WebhookSink, build_sinks, deliver, load_config, parse_outputs


class MemorySink:
    """A plugin's sink, defined here: keeps what it was sent; fails the first ``fail_first`` alerts."""

    opened: list[MemorySink] = []

    def __init__(self, context: SinkContext, fail_first: int = 0, attempts: int = 20) -> None:
        self.fail_left, self.attempts = int(fail_first), int(attempts)
        self.received: list[dict] = []
        MemorySink.opened.append(self)

    def send(self, alerts):
        out = []
        for alert in alerts:
            if self.fail_left > 0:
                self.fail_left -= 1
                out.append("busy")
            else:
                self.received.append(alert)
                out.append("")
        return out


@pytest.fixture
def memory_sink():
    MemorySink.opened.clear()
    registry.alert_sinks.register("memory", MemorySink)
    yield MemorySink
    registry.alert_sinks.unregister("memory")


def test_sinks_builtins_are_registered():
    assert {"console", "jsonl", "webhook"} <= set(registry.alert_sinks.names())


def test_sinks_alerts_section_rules(tmp_path):
    out = parse_outputs({"jsonl": "a.jsonl", "webhook": "http://127.0.0.1:9/h", "webhook_timeout": 3,
                         "webhook_attempts": 2})
    assert out.sinks == {"console": {}, "jsonl": {"target": "a.jsonl"},
                         "webhook": {"target": "http://127.0.0.1:9/h", "timeout": 3, "attempts": 2}}
    assert parse_outputs({"console": False, "webhook": "", "webhook_timeout": 3}).sinks == {}  # off: options unused
    assert parse_outputs({"webhook": {"target": "http://x/h", "timeout": 1}, "webhook_timeout": 9}).sinks[
        "webhook"]["timeout"] == 1  # the sink's own mapping wins
    with pytest.raises(ConfigError, match="unknown alert sink 'slack'"):
        parse_outputs({"slack": True})
    sinks = build_sinks(parse_outputs({"jsonl": "x/a.jsonl", "webhook": "http://127.0.0.1:9/h"}),
                        SinkContext(folder=tmp_path))
    assert set(sinks) == {"jsonl", "webhook"}  # no console to print to: the console sink is left out
    assert isinstance(sinks["jsonl"], JsonlSink) and sinks["jsonl"].path == tmp_path / "x" / "a.jsonl"
    assert isinstance(sinks["webhook"], WebhookSink) and sinks["webhook"].attempts == 20
    with pytest.raises(ConfigError, match="colour"):
        build_sinks(parse_outputs({"jsonl": {"target": "a", "colour": "red"}}), SinkContext())
    with pytest.raises(ConfigError, match="not an http"):
        build_sinks(parse_outputs({"webhook": "hooks.example.org"}), SinkContext())


def test_sinks_failed_alerts_are_resent_then_dropped(tmp_path):
    state = CollectState(tmp_path / "state.db")
    sink = MemorySink(SinkContext(), fail_first=3, attempts=2)
    for k in ("a", "b"):
        assert state.fire_to(k, {"type": "term", "key": k}, ["memory"])
    assert deliver(state, {"memory": sink}) == {"memory": 0}  # both fail once
    assert deliver(state, {"memory": sink}) == {"memory": 1}  # "a" fails its second time: dropped; "b" goes
    assert [a["key"] for a in sink.received] == ["b"] and state.queued("memory") == []
    state.close()


def test_sinks_plugin_sink_selected_in_the_watch_config(memory_sink, new_db, tmp_path, site, hashing_settings):
    path = tmp_path / "watch.yaml"
    path.write_text(yaml.safe_dump({
        "interval": 0, "feeds": [site.base + "/feed.xml"],
        "politeness": {"delay": 0, "timeout": 0.5, "retries": 1, "backoff": 0.01,
                           "allowed_hosts": ["127.0.0.1"]},
        "watchlists": [{"name": "sputnik", "sources": ["Sputnik"]}], "breaking": False,
        "alerts": {"console": False, "memory": {"fail_first": 1}, "memory_attempts": 5}}), "utf-8")
    cfg = load_config(path)
    with Narratrace(db=new_db("sink"), settings=hashing_settings) as nt:
        watcher = Watcher(nt, cfg, console=print)
        first, second = watcher.run(max_polls=2)
        watcher.close()
    [sink] = memory_sink.opened
    assert sink.attempts == 5 and set(watcher.sinks) == {"memory"}
    assert len(first.alerts) == 4 and first.delivered == {"memory": 3}  # 000-003 cite Sputnik; one failed
    assert second.delivered == {"memory": 1} and not second.alerts  # ... and was sent again
    assert sorted(a["key"] for a in sink.received) == sorted(a["key"] for a in first.alerts)
