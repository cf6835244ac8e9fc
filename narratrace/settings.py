"""Explicit configuration: packaged defaults, then a user TOML file, then overrides.

Every tunable value has one source of truth, ``defaults.toml``; the typed sections below
declare the keys and their types but no default values, so a constructor cannot disagree
with the file. Each stage service takes its own section (``StoriesSettings``…). No hidden
global state: a ``Settings`` object is built once and passed down.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_type_hints

from .errors import ConfigError
from .paths import PACKAGE_DIR


@dataclass(frozen=True)
class StoreSettings:
    """``[store]``: where the database lives and how its ANN index is kept."""

    db: str
    vector_dtype: str
    index_save_seconds: float
    ann_ivf_from: int
    ann_nprobe: int
    synchronous: str


@dataclass(frozen=True)
class EncoderSettings:
    """``[encoder]``: which registered encoder makes the vectors."""

    backend: str
    model: str
    batch_size: int
    threads: int


@dataclass(frozen=True)
class IngestSettings:
    """``[ingest]``: limits at the input boundary and the transaction size."""

    max_file_bytes: int
    max_article_chars: int
    batch_size: int


@dataclass(frozen=True)
class TextSettings:
    """``[text]``: passage size and the passage rule (how many are encoded, which site lines are left out)."""

    max_passage_chars: int
    max_passages: int
    site_boilerplate_articles: int
    site_boilerplate_stories: int


@dataclass(frozen=True)
class StoriesSettings:
    """``[stories]``: candidate generation, the join decision, tracing breadth."""

    ann_k: int
    max_candidates: int
    trace_members: int
    story_members: int
    join_threshold: float
    idf_sample_passages: int
    idf_refresh_share: float
    recluster_members: int
    recluster_pairs: int
    recluster_items: int
    reverse_ann_k: int
    model: str


@dataclass(frozen=True)
class NarrativesSettings:
    """``[narratives]``: claim extraction and narrative joining."""

    claim_min_score: float
    join_threshold: float
    min_articles: int
    label_members: int


@dataclass(frozen=True)
class CollectSettings:
    """``[collect]``: which addresses ``collect`` and ``watch`` may fetch (see docs/collect.md)."""

    allow_private: bool
    allowed_hosts: list[str]


@dataclass(frozen=True)
class WebSettings:
    """``[web]``: what one search may cost the server (``narratrace serve``)."""

    max_query_chars: int
    search_slots: int
    search_wait_seconds: float
    max_body_bytes: int
    max_upload_bytes: int
    page_size: int
    narratives_page_size: int


@dataclass(frozen=True)
class ExportSettings:
    """``[export]``: how whole-corpus exports read the store (``trace.exports``)."""

    batch_size: int


@dataclass(frozen=True)
class EntitiesSettings:
    """``[entities]``: the entity layer's lists and when a name found in the corpus becomes an entity."""

    file: str
    min_city_population: int
    discover_min_articles: int


@dataclass(frozen=True)
class FactchecksSettings:
    """``[factchecks]``: matching claims to imported fact-checks."""

    suggested: float
    confirmed: float
    encode_as: str
    max_matches: int
    clue_weight: float
    dense_weight: float
    first_bonus: float


#: section name -> its typed class (the order of defaults.toml)
SECTIONS: dict[str, type[Any]] = {
    "store": StoreSettings, "encoder": EncoderSettings, "ingest": IngestSettings, "text": TextSettings,
    "stories": StoriesSettings, "narratives": NarrativesSettings, "factchecks": FactchecksSettings,
    "collect": CollectSettings, "web": WebSettings, "export": ExportSettings,
    "entities": EntitiesSettings,
}

#: sizes and counts that must be at least 1 (a zero or negative limit refuses everything or loops)
POSITIVE = {("ingest", "max_file_bytes"), ("ingest", "max_article_chars"), ("ingest", "batch_size"),
            ("stories", "story_members"),
            ("encoder", "batch_size"), ("text", "max_passage_chars"), ("text", "max_passages")}
POSITIVE |= {("store", "ann_ivf_from"), ("store", "ann_nprobe"), ("stories", "ann_k"), ("stories", "max_candidates"),
             ("narratives", "min_articles"), ("factchecks", "max_matches"), ("web", "max_query_chars"),
             ("web", "search_slots"), ("export", "batch_size"), ("entities", "discover_min_articles")}
POSITIVE |= {("web", "max_body_bytes"), ("web", "max_upload_bytes")}
#: counts and durations where 0 means "none" or "all" (trace no members, all cores, save every batch)
NOT_NEGATIVE = {("store", "index_save_seconds"), ("encoder", "threads"), ("stories", "trace_members"),
                ("stories", "idf_sample_passages"), ("stories", "idf_refresh_share"), ("stories", "recluster_members"),
                ("stories", "recluster_pairs"),
                ("text", "site_boilerplate_articles"), ("text", "site_boilerplate_stories"),
                ("factchecks", "clue_weight"), ("factchecks", "dense_weight"), ("factchecks", "first_bonus"),
                ("web", "search_wait_seconds")}
NOT_NEGATIVE |= {("entities", "min_city_population")}
#: scores and thresholds: probabilities or cosines compared with them lie in [0, 1] here
UNIT_INTERVAL = {("stories", "join_threshold"), ("narratives", "claim_min_score"), ("narratives", "join_threshold"),
                 ("factchecks", "suggested"), ("factchecks", "confirmed")}
#: keys whose value must be one of a few words
CHOICES = {("factchecks", "encode_as"): ("passage", "query"), ("store", "vector_dtype"): ("float16", "float32"),
           ("store", "synchronous"): ("OFF", "NORMAL", "FULL", "EXTRA")}


def _defaults() -> dict[str, dict[str, Any]]:
    return copy.deepcopy(_packaged_defaults())


@functools.lru_cache(maxsize=1)
def _packaged_defaults() -> dict[str, dict[str, Any]]:
    """defaults.toml, read and checked once per process (TextPipeline() and open_store() ask for it)."""
    values = tomllib.loads((PACKAGE_DIR / "defaults.toml").read_text("utf-8"))
    for name, cls in SECTIONS.items():  # the file and the typed sections must name the same keys
        keys = {f.name for f in dataclasses.fields(cls)}
        if set(values.get(name, {})) != keys:
            found = sorted(values.get(name, {}))
            raise ConfigError(f"defaults.toml [{name}] has keys {found}, expected {sorted(keys)}",
                              hint="defaults.toml and narratrace/settings.py must declare the same keys")
    return values


class Settings:
    """All tunable values, one typed section per stage: ``settings.stories.join_threshold``."""

    store: StoreSettings
    encoder: EncoderSettings
    ingest: IngestSettings
    text: TextSettings
    stories: StoriesSettings
    narratives: NarrativesSettings
    factchecks: FactchecksSettings
    collect: CollectSettings
    web: WebSettings
    export: ExportSettings
    entities: EntitiesSettings

    def __init__(self, values: dict[str, dict[str, Any]] | None = None) -> None:
        self._values = values if values is not None else _defaults()
        for name, cls in SECTIONS.items():
            setattr(self, name, cls(**self._values[name]))

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, **overrides: dict[str, Any]) -> Settings:
        """Defaults, then the file at ``path`` (or $NARRATRACE_CONFIG), then ``overrides``."""
        settings = cls()
        path = path or os.environ.get("NARRATRACE_CONFIG")
        if path:
            p = Path(path)
            try:
                user = tomllib.loads(p.read_text("utf-8"))
            except FileNotFoundError:
                raise ConfigError(f"configuration file {p} not found",
                                  hint="check --config or NARRATRACE_CONFIG") from None
            except IsADirectoryError:
                raise ConfigError(f"configuration file {p} is a folder",
                                  hint="give a TOML file to --config or NARRATRACE_CONFIG") from None
            except UnicodeDecodeError as exc:
                raise ConfigError(f"{p}: not UTF-8 text (byte {exc.start}: {exc.reason})",
                                  hint="save the configuration file as UTF-8") from None
            except OSError as exc:
                raise ConfigError(f"cannot read configuration file {p}: {exc.strerror or exc}",
                                  hint="check --config or NARRATRACE_CONFIG") from None
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{p}: {exc}", hint="fix the TOML syntax") from exc
            settings = settings.merged(user, origin=str(p))
        for section, vals in overrides.items():
            settings = settings.merged({section: vals}, origin="overrides")
        return settings

    def merged(self, user: dict[str, Any], origin: str = "") -> Settings:
        """A copy with ``user``'s values over these; unknown sections or keys and wrong types are errors."""
        values = copy.deepcopy(self._values)
        for section, vals in user.items():
            if section not in values or not isinstance(vals, dict):
                raise ConfigError(f"{origin}: unknown section [{section}]", hint=f"sections: {', '.join(values)}")
            for key, val in vals.items():
                if key not in values[section]:
                    raise ConfigError(f"{origin}: unknown key {key!r} in [{section}]",
                                      hint=f"keys: {', '.join(values[section])}")
                _check_value(origin, section, key, val, values[section][key])
                values[section][key] = val
        return Settings(values)

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Every section as plain values (for messages and for shipping settings to Spark executors)."""
        return copy.deepcopy(self._values)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Settings, (self.as_dict(),))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and other._values == self._values

    def db_path(self, db: str | None = None) -> str:
        """--db, then $NARRATRACE_DB, then the configured default (a file in the working folder)."""
        return db or os.environ.get("NARRATRACE_DB") or self.store.db


def section_keys(section: str) -> dict[str, type[Any]]:
    """The keys of a section and their declared types (for documentation checks)."""
    return get_type_hints(SECTIONS[section])


def _check_value(origin: str, section: str, key: str, val: Any, default: Any) -> None:
    """A value must have its default's type ("1MB" for a byte count fails here, not deep in a run)."""
    if isinstance(default, bool):
        ok = isinstance(val, bool)
    elif isinstance(default, int) and section_keys(section).get(key) is int:
        ok = isinstance(val, int) and not isinstance(val, bool)
    elif isinstance(default, (int, float)):
        ok = isinstance(val, (int, float)) and not isinstance(val, bool)
    else:
        ok = isinstance(val, type(default))
    if isinstance(default, list):
        ok = ok and all(isinstance(v, type(default[0]) if default else str) for v in val)
    if not ok:
        raise ConfigError(f"{origin}: [{section}] {key} = {val!r} should be {type(default).__name__}",
                          hint=f"the default is {default!r} (see narratrace/defaults.toml)")
    if isinstance(val, float) and not math.isfinite(val):  # nan compares false with every threshold
        raise ConfigError(f"{origin}: [{section}] {key} = {val!r} must be a finite number",
                          hint=f"the default is {default!r}")
    if (section, key) in POSITIVE and val < 1:
        raise ConfigError(f"{origin}: [{section}] {key} = {val!r} must be at least 1",
                          hint=f"the default is {default!r}")
    if (section, key) in NOT_NEGATIVE and val < 0:
        raise ConfigError(f"{origin}: [{section}] {key} = {val!r} must not be negative",
                          hint=f"the default is {default!r}")
    if (section, key) in UNIT_INTERVAL and not 0 <= val <= 1:
        raise ConfigError(f"{origin}: [{section}] {key} = {val!r} must be between 0 and 1",
                          hint=f"the default is {default!r}")
    choices = CHOICES.get((section, key))
    if choices and val not in choices:
        raise ConfigError(f"{origin}: [{section}] {key} = {val!r} must be one of {', '.join(choices)}",
                          hint=f"the default is {default!r}")
