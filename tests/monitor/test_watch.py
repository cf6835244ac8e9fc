"""Watch mode on the local site: alerts fire once per new article (also across restarts and crashes), reach the
JSONL file and a webhook on 127.0.0.1, survive network errors; breaking-story detection; the CLI."""
from __future__ import annotations

import json

import pytest

from narratrace import Narratrace
from narratrace.hookspecs import SinkContext
from narratrace.ingest.collect import CollectState, state_path
from narratrace.ingest.collect.collector import Batch
from narratrace.model import RawArticle
from narratrace.monitor import AlertEngine, Breaking, Watcher, Watchlist, build_sinks, load_config

PERSIAN = ("خبرگزاری اسپوتنیک گزارش داد که نیروهای آمریکایی گروهی دیگر از زندانیان داعش را از زندان غویران "
           "به پایگاه التنف منتقل کردند.\nبه گفته این منابع، این انتقال شبانه و با بالگرد انجام شد.")


def _config(tmp_path, site, dead_port=None, **extra):
    feeds = [site.base + "/feed.xml"] + ([f"http://127.0.0.1:{dead_port}/feed.xml"] if dead_port else [])
    text = {"interval": 0, "feeds": feeds,
            "politeness": {"delay": 0, "timeout": 0.5, "retries": 1, "backoff": 0.01,
                           "allowed_hosts": ["127.0.0.1"]},
            "watchlists": [{"name": "sputnik", "sources": ["Sputnik"]}],
            "breaking": {"window": 3600, "min_articles": 3, "growth": 2},
            "alerts": {"console": True, "jsonl": "alerts.jsonl", "webhook": site.base + "/hook",
                       "webhook_timeout": 2}, **extra}
    path = tmp_path / "watch.yaml"
    import yaml

    path.write_text(yaml.safe_dump(text, allow_unicode=True), "utf-8")
    return path


def _dead_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jsonl(tmp_path):
    return [json.loads(x) for x in (tmp_path / "alerts.jsonl").read_text("utf-8").splitlines()]


def test_watch_sputnik_once_per_article_across_restarts(new_db, tmp_path, site, hashing_settings):
    cfg = load_config(_config(tmp_path, site, dead_port=_dead_port()))
    printed = []
    site.hook_fail = 1  # the webhook is down for the first alert: it is sent again at the next poll
    db = new_db("w")
    with Narratrace(db=db, settings=hashing_settings) as nt:
        w = Watcher(nt, cfg, console=printed.append)
        [first] = w.run(max_polls=1)
        w.close()
    assert any("connection failed" in e for e in first.errors)  # the dead host did not stop the poll
    sput = [a for a in first.alerts if a["type"] == "source"]
    assert len(sput) == 4 and len({a["article"]["id"] for a in sput}) == 4  # 000-003 cite Sputnik; 004 does not
    assert first.delivered == {"console": 4, "jsonl": 4, "webhook": 3}

    # restart: a new process on the same database and state; one new article citing اسپوتنیک in Persian
    site.extra.append(("005_persian_followup", PERSIAN, "fa", "Fri, 28 Jan 2022 09:00:00 GMT"))
    with Narratrace(db=db, settings=hashing_settings) as nt:
        w = Watcher(nt, cfg, console=printed.append)
        second, third = w.run(max_polls=2)
        w.close()
    assert second.ingest["ingested"] == 1
    [new] = [a for a in second.alerts if a["type"] == "source"]
    assert new["article"]["lang"] == "fa" and new["match"]["surface"] == "اسپوتنیک"
    assert second.delivered["webhook"] == 2  # the queued one, then the new one
    assert not third.alerts and third.ingest["ingested"] == 0
    keys = [a["key"] for a in _jsonl(tmp_path) if a["type"] == "source"]
    assert len(keys) == len(set(keys)) == 5
    assert sorted(a["key"] for a in site.hooks if a["type"] == "source") == sorted(keys)
    assert len([a for a in printed if a["type"] == "source"]) == 5


def test_watch_crash_before_commit_loses_and_duplicates_nothing(new_db, tmp_path, site, hashing_settings, monkeypatch):
    cfg = load_config(_config(tmp_path, site))
    real = Batch.commit
    calls = {"n": 0}

    def crashing(self):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full (simulated)")
        return real(self)

    monkeypatch.setattr(Batch, "commit", crashing)
    with Narratrace(db=new_db("c"), settings=hashing_settings) as nt:
        w = Watcher(nt, cfg)
        crashed, recovered, quiet = w.run(max_polls=3)
        w.close()
        assert crashed.errors and "disk full" in crashed.errors[0]
        # the articles were stored before the crash: the next poll fetches again, stores nothing new, still alerts
        assert recovered.ingest["ingested"] == 0 and recovered.ingest["unchanged"] == 5
        assert len([a for a in recovered.alerts if a["type"] == "source"]) == 4
        assert not quiet.alerts and quiet.collected["articles"] == 0
        assert nt.store.count_articles() == 5


def test_breaking_story_from_growth(new_db, tmp_path, hashing_settings):
    with Narratrace(db=new_db("b"), settings=hashing_settings) as nt:
        texts = [f"Report {i}: an unrelated event number {i} with its own words {'x' * i}." for i in range(6)]
        report = nt.add([RawArticle(text=t, id=f"a{i}") for i, t in enumerate(texts)])
        ids = report.ingested
        with nt.store.transaction():
            for aid in ids:
                nt.store.set_story(aid, "Sbreak")
        state = CollectState(state_path(nt.db_path))
        engine = AlertEngine(nt, state, [], Breaking(window=100, min_articles=3, growth=2.0))
        t0 = 1_000_000.0
        state.arrived([(ids[0], "Sbreak")], at=t0 - 150)  # one article in the window before
        state.arrived([(ids[1], "Sbreak")], at=t0 - 50)
        assert not [a for a in engine.evaluate(t0 - 50) if a["type"] == "breaking"]
        state.arrived([(a, "Sbreak") for a in ids[2:4]], at=t0 - 10)  # 3 in the last 100 s, 1 before
        [alert] = [a for a in engine.evaluate(t0) if a["type"] == "breaking"]
        assert alert["story_id"] == "Sbreak" and alert["in_window"] == 3 and alert["previous_window"] == 1
        state.arrived([(ids[4], "Sbreak")], at=t0 + 5)  # same window: no second alert
        assert not engine.evaluate(t0 + 5)
        state.close()


def test_term_watch_literal_and_config_errors(new_db, tmp_path, site, hashing_settings):
    from narratrace.errors import ConfigError

    with Narratrace(db=new_db("t"), settings=hashing_settings) as nt:
        nt.add([RawArticle(text="Pasukan AS memindahkan tahanan ISIS dari penjara al-Sinaah di Hasakah.", id="x1")])
        state = CollectState(state_path(nt.db_path))
        state.arrived([("x1", None)])
        engine = AlertEngine(nt, state, [Watchlist("t", terms=["al-Sinaah"], threshold=2.0)])
        [alert] = engine.evaluate()
        assert alert["match"]["how"] == "literal" and alert["match"]["surface"] == "al-Sinaah"
        with pytest.raises(ConfigError):
            AlertEngine(nt, state, [Watchlist("bad", sources=["No Such Agency"])])
        state.close()
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds: [http://127.0.0.1:1/x]\nwatchlists: [{name: a, colour: red}]\n", "utf-8")
    with pytest.raises(ConfigError, match="colour"):
        load_config(bad)
    toml = tmp_path / "watch.toml"
    toml.write_text(f'interval = 60\nfeeds = ["{site.base}/feed.xml"]\n[[watchlists]]\nname = "s"\n'
                    f'sources = ["اسپوتنیک"]\n[alerts]\njsonl = "out.jsonl"\n', "utf-8")
    cfg = load_config(toml)
    assert cfg.interval == 60 and cfg.watchlists[0].sources == ["اسپوتنیک"]
    assert cfg.outputs.sinks == {"console": {}, "jsonl": {"target": "out.jsonl"}}
    assert build_sinks(cfg.outputs, SinkContext(folder=cfg.folder))["jsonl"].path == tmp_path / "out.jsonl"


def test_cli_collect_and_watch(new_db, tmp_path, site):
    from typer.testing import CliRunner

    from narratrace.present.cli.app import app

    settings = tmp_path / "settings.toml"
    settings.write_text('[encoder]\nbackend = "hashing"\n', "utf-8")
    db = new_db("cli")
    runner = CliRunner()
    res = runner.invoke(app, ["collect", site.base + "/urls.txt", "--db", db, "--config", str(settings),
                              "--delay", "0", "--timeout", "1", "--allow-host", "127.0.0.1", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["ingest_ingested"] == 1 and out["failed"] == 1  # /missing.html
    cfg = _config(tmp_path, site)
    res = runner.invoke(app, ["watch", str(cfg), "--db", db, "--config", str(settings), "--once"])
    assert res.exit_code == 0, res.output
    # 004 was collected by `collect` (no alerts there); the feed brings 000-003, which all cite Sputnik
    assert res.stdout.count("ALERT source [sputnik] Sputnik") == 4


def test_breaking_counts_publication_time_not_arrival(new_db, hashing_settings):
    """A first poll over old articles is not breaking: they arrive together but were published years ago."""
    from narratrace.monitor.alerts import event_times, latest_instant

    with Narratrace(db=new_db("old"), settings=hashing_settings) as nt:
        old = [RawArticle(text=f"Archive report {i} about event {i} {'y' * i}.", id=f"o{i}",
                          published=f"2019-10-1{i}") for i in range(4)]
        ids = nt.add(old).ingested
        with nt.store.transaction():
            for aid in ids:
                nt.store.set_story(aid, "Sold")
        state = CollectState(state_path(nt.db_path))
        engine = AlertEngine(nt, state, [], Breaking(window=3600, min_articles=3, growth=2.0))
        t0 = 1_900_000_000.0
        state.arrived([(a, "Sold") for a in ids], at=t0 - 10)
        assert not [a for a in engine.evaluate(t0) if a["type"] == "breaking"]
        state.close()
    day = latest_instant("2019-10-14")
    assert day is not None and latest_instant("2019-10-13") < day < latest_instant("2019-10")  # type: ignore[operator]
    assert latest_instant("2019-13") is None and latest_instant("garbage") is None and latest_instant(None) is None
    # dated today, arrived today: the arrival counts (a day's date cannot place it in a one-hour window)
    assert event_times({"a": 100.0}, {"a": "1970-01-01"}) == {"a": 100.0}
    assert event_times({"a": 200_000.0}, {"a": "1970-01-01"})["a"] < 86_400
    assert event_times({"a": 5.0}, {"a": None}) == {"a": 5.0}
