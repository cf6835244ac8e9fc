"""Collect and watch: ``narratrace collect FEEDS...`` (one poll), ``narratrace watch CONFIG`` (on a schedule)."""
from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.markup import escape

from .common import ConfigOption, DbOption, console, open_project, print_json

AllowPrivateOption = typer.Option(False, "--allow-private",
                                  help="Also fetch loopback, private, link-local, multicast and reserved addresses "
                                       "(refused by default: a feed could point at internal services).")
AllowHostOption = typer.Option([], "--allow-host", metavar="HOST[:PORT]",
                               help="Fetch this host (any port, or only PORT) even at such an address; repeatable.")


def _allow(polite: Any, settings: Any, allow_private: bool, hosts: list[str]) -> None:
    """What may be fetched: the watch config's politeness, [collect] and the flags together (any allows)."""
    polite.allow_private = polite.allow_private or settings.collect.allow_private or allow_private
    polite.allowed_hosts = [*polite.allowed_hosts, *settings.collect.allowed_hosts, *hosts]


def _event(verbose: bool) -> Any:
    def on_event(what: str, detail: str) -> None:
        if what in ("failed", "error"):
            console.print(f"[yellow]{what}[/yellow] {escape(detail)}", highlight=False, soft_wrap=True)
        elif what == "refused":
            console.print(f"[yellow]refused[/yellow] {escape(detail)}", highlight=False, soft_wrap=True)
        elif what == "blocked":
            console.print(f"[dim]robots.txt forbids[/dim] {escape(detail)}", highlight=False, soft_wrap=True)
        elif verbose and what != "poll":
            console.print(f"[dim]{what}[/dim] {escape(detail)}", highlight=False, soft_wrap=True)
    return on_event


def _print_alert(alert: dict[str, Any]) -> None:
    art = alert.get("article") or {}
    what = alert.get("match") or {}
    label = (what.get("source") or what.get("term") or what.get("story_id") or what.get("narrative_id")
             or alert.get("story_id") or "")
    head = f"ALERT {alert['type']}"
    if alert.get("watch"):
        head += f" [{alert['watch']}]"
    line = f"{head} {label}: {art.get('title') or alert.get('story_title') or ''}"
    if art.get("url"):
        line += f" <{art['url']}>"
    if alert["type"] == "breaking":
        line += f" ({alert['in_window']} articles in {alert['window_seconds']:g} s, {alert['previous_window']} before)"
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def collect_cli(
    feeds: list[str] = typer.Argument(..., help="Feed, sitemap or page URLs; URL-list files; outlet lists "
                                                "(.opml, .yaml); Telegram exports (result.json)."),
    db: str | None = DbOption,
    config: str | None = ConfigOption,
    delay: float = typer.Option(1.0, "--delay", help="Seconds between two requests to one host."),
    per_host: int = typer.Option(1, "--per-host", help="Requests in flight at once to one host."),
    timeout: float = typer.Option(15.0, "--timeout", help="Seconds one request may take in all (connect, headers "
                                                          "and body) before it gives up."),
    retries: int = typer.Option(2, "--retries", help="Further attempts after a timeout, 429 or 5xx."),
    user_agent: str | None = typer.Option(None, "--user-agent",
                                             help="User-Agent header (also the agent robots.txt is read for)."),
    allow_private: bool = AllowPrivateOption,
    allow_host: list[str] = AllowHostOption,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print every listing and page fetched."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Collect articles once from feeds, news sitemaps, URL lists and Telegram exports (never twice).

    Only http and https are fetched, and never a loopback, private, link-local, multicast or reserved
    address (checked after DNS resolution and on every redirect) unless --allow-private or --allow-host."""
    from ...ingest.collect import Politeness, source_of
    from ...monitor import WatchConfig, Watcher
    from ...monitor.config import Breaking

    sources = [s for spec in feeds for s in source_of(spec)]
    polite = Politeness(delay=delay, per_host=per_host, timeout=timeout, retries=retries)
    if user_agent:
        polite.user_agent = user_agent
    cfg = WatchConfig(sources=sources, politeness=polite, breaking=Breaking(enabled=False))
    with open_project(db, config, create=True) as nt:
        _allow(polite, nt.settings, allow_private, allow_host)
        watcher = Watcher(nt, cfg, alerts=False, on_event=_event(verbose))
        try:
            res = watcher.poll()
        finally:
            watcher.close()
        summary = {**res.collected, **{f"ingest_{k}": v for k, v in res.ingest.items()},
                   "forwarded_links": res.links, "db": nt.store.path}
        if as_json:
            print_json({**summary, "errors": res.errors})
        else:
            for err in res.errors:
                console.print(f"[red]error[/red] {escape(err)}", highlight=False, soft_wrap=True)
            console.print(" · ".join(f"{k}: {v}" for k, v in summary.items()), highlight=False, markup=False)


def watch_cli(
    config_file: str = typer.Argument(..., metavar="CONFIG", help="Watch config (YAML, or TOML for .toml)."),
    db: str | None = DbOption,
    config: str | None = ConfigOption,
    once: bool = typer.Option(False, "--once", help="Poll once and stop."),
    max_polls: int | None = typer.Option(None, "--max-polls", help="Stop after this many polls."),
    interval: float | None = typer.Option(None, "--interval", help="Seconds between polls (overrides the config)."),
    allow_private: bool = AllowPrivateOption,
    allow_host: list[str] = AllowHostOption,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print every listing and page fetched."),
    as_json: bool = typer.Option(False, "--json", help="Print each alert as a JSON line instead of a sentence."),
) -> None:
    """Poll the configured sources on a schedule, store what is new and raise alerts (console, JSONL, webhook)."""
    from ...monitor import Watcher, load_config

    cfg = load_config(config_file)
    if interval is not None:
        cfg.interval = interval
    polls = 1 if once else max_polls

    def show(alert: dict[str, Any]) -> None:
        if as_json:
            sys.stdout.write(json.dumps(alert, ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()
        else:
            _print_alert(alert)

    with open_project(db or cfg.db, config, create=True) as nt:
        _allow(cfg.politeness, nt.settings, allow_private, allow_host)
        watcher = Watcher(nt, cfg, console=show, on_event=_event(verbose))
        try:
            for n, res in enumerate(watcher.run(polls), 1):
                console.print(f"poll {n}: " + " · ".join(f"{k}: {v}" for k, v in res.to_dict().items()
                                                          if k != "errors"), highlight=False, markup=False)
        except KeyboardInterrupt:
            console.print("stopped", highlight=False)
        finally:
            watcher.close()


def register(app: typer.Typer) -> None:
    """Add ``collect`` and ``watch`` to ``app``."""
    app.command("collect")(collect_cli)
    app.command("watch")(watch_cli)
