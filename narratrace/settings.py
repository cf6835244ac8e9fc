"""Explicit configuration: packaged defaults, then a user TOML file, then overrides.

No hidden global state: a ``Settings`` object is built once and passed down.
"""
from __future__ import annotations

import copy
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .paths import PACKAGE_DIR


def _defaults() -> dict[str, dict[str, Any]]:
    return tomllib.loads((PACKAGE_DIR / "defaults.toml").read_text("utf-8"))


@dataclass
class Settings:
    """All tunable values, grouped by stage. ``settings.stories["join_threshold"]``."""

    values: dict[str, dict[str, Any]] = field(default_factory=_defaults)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, **overrides: dict[str, Any]) -> "Settings":
        """Defaults, then the file at ``path`` (or $NARRATRACE_CONFIG), then ``overrides``."""
        settings = cls()
        path = path or os.environ.get("NARRATRACE_CONFIG")
        if path:
            p = Path(path)
            try:
                user = tomllib.loads(p.read_text("utf-8"))
            except FileNotFoundError:
                raise ConfigError(f"configuration file {p} not found", hint="check --config or NARRATRACE_CONFIG")
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{p}: {exc}", hint="fix the TOML syntax") from exc
            settings = settings.merged(user, origin=str(p))
        for section, vals in overrides.items():
            settings = settings.merged({section: vals}, origin="overrides")
        return settings

    def merged(self, user: dict[str, Any], origin: str = "") -> "Settings":
        values = copy.deepcopy(self.values)
        for section, vals in user.items():
            if section not in values or not isinstance(vals, dict):
                raise ConfigError(f"{origin}: unknown section [{section}]", hint=f"sections: {', '.join(values)}")
            for key, val in vals.items():
                if key not in values[section]:
                    raise ConfigError(
                        f"{origin}: unknown key {key!r} in [{section}]",
                        hint=f"keys: {', '.join(values[section])}",
                    )
                _check_value(origin, section, key, val, values[section][key])
                values[section][key] = val
        return Settings(values)

    def __getattr__(self, name: str) -> dict[str, Any]:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def db_path(self, db: str | None = None) -> str:
        """--db, then $NARRATRACE_DB, then the configured default (a file in the working folder)."""
        return db or os.environ.get("NARRATRACE_DB") or self.values["store"]["db"]


#: sizes and counts that must be at least 1 (a zero or negative limit refuses everything or loops)
POSITIVE = {("ingest", "max_file_bytes"), ("ingest", "max_article_chars"), ("ingest", "batch_size"),
            ("encoder", "batch_size"), ("text", "max_passage_chars"), ("text", "max_passages")}


def _check_value(origin: str, section: str, key: str, val: Any, default: Any) -> None:
    """A value must have its default's type ("1MB" for a byte count fails here, not deep in a run)."""
    if isinstance(default, bool):
        ok = isinstance(val, bool)
    elif isinstance(default, int):
        ok = isinstance(val, int) and not isinstance(val, bool)
    elif isinstance(default, float):
        ok = isinstance(val, (int, float)) and not isinstance(val, bool)
    else:
        ok = isinstance(val, type(default))
    if not ok:
        raise ConfigError(f"{origin}: [{section}] {key} = {val!r} should be {type(default).__name__}",
                          hint=f"the default is {default!r} (see narratrace/defaults.toml)")
    if (section, key) in POSITIVE and val < 1:
        raise ConfigError(f"{origin}: [{section}] {key} = {val!r} must be at least 1",
                          hint=f"the default is {default!r}")
