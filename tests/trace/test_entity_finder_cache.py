"""trace.entity_finder keeps the compiled gazetteer in the user cache: the next process reads it instead of
compiling, and anything the finder is made of (the user's file here) compiles it again."""
from __future__ import annotations

import dataclasses

import pytest

from narratrace import registry
from narratrace.errors import ConfigError
from narratrace.settings import EntitiesSettings, Settings
from narratrace.text.entities import EntityFinder
from narratrace.trace import entity_finder as ef


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder and no finder in memory; the compiles counted."""
    monkeypatch.setenv("NARRATRACE_CACHE", str(tmp_path / "cache"))
    ef._finder.cache_clear()
    compiled: list[str] = []
    original = ef.load_entities

    def counting(user_file=None, min_city_population=0):  # type: ignore[no-untyped-def]
        compiled.append(str(user_file))
        return original(user_file, min_city_population)

    monkeypatch.setattr(ef, "load_entities", counting)
    yield tmp_path / "cache" / "entities", compiled
    ef._finder.cache_clear()


def _settings(user_file: str) -> EntitiesSettings:
    # no cities: a compile of seconds less, the same code path
    return dataclasses.replace(Settings().entities, file=user_file, min_city_population=0)


def test_compiled_finder_is_read_back_by_the_next_process(cache, tmp_path):
    folder, compiled = cache
    names = tmp_path / "names.toml"
    names.write_text('[entities.acme]\nname = "Acme Widgets"\nkind = "organisation"\nforms = ["ACME"]\n', "utf-8")
    first = ef.entity_finder(_settings(str(names)))
    assert len(compiled) == 1 and len(list(folder.glob("finder-*.json"))) == 1
    ef._finder.cache_clear()  # as a new process starts
    again = ef.entity_finder(_settings(str(names)))
    assert len(compiled) == 1  # read, not compiled
    assert again is not first and again._exact == first._exact and again.cues is not None
    text = "Acme Widgets said on Monday that ACME would open a plant in Syria."
    assert [m.to_dict() for m in again.find_in(text)] == [m.to_dict() for m in first.find_in(text)]
    found = [m.entity_id for m in again.find_in(text)]
    assert found.count("acme") == 2 and len(found) >= 3  # both spellings, and Syria
    assert ef.curated_keys(again) == ef.curated_keys(first)  # the user's file is remembered for the read one too


def test_a_changed_user_file_or_a_broken_cache_file_compiles_again(cache, tmp_path):
    folder, compiled = cache
    names = tmp_path / "names.toml"
    names.write_text('[entities.acme]\nname = "Acme Widgets"\nkind = "organisation"\n', "utf-8")
    ef.entity_finder(_settings(str(names)))
    names.write_text('[entities.acme]\nname = "Acme Gadgets"\nkind = "organisation"\n', "utf-8")
    ef._finder.cache_clear()
    changed = ef.entity_finder(_settings(str(names)))
    assert len(compiled) == 2 and len(list(folder.glob("finder-*.json"))) == 2
    assert [e.id for e in changed.resolve("Acme Gadgets")] == ["acme"] and not changed.resolve("Acme Widgets")
    for f in folder.glob("finder-*.json"):
        f.write_text("{not json", "utf-8")
    ef._finder.cache_clear()
    ef.entity_finder(_settings(str(names)))
    assert len(compiled) == 3


def test_a_registered_language_is_never_read_from_the_cache(cache, monkeypatch):
    monkeypatch.setattr(registry.languages, "names", lambda: ["zz"])
    assert ef.gazetteer_digest("", 0) is None
    assert isinstance(ef.entity_finder(_settings("")), EntityFinder)
    assert not cache[0].exists()


def test_a_missing_user_file_is_the_error_it_was(cache, tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        ef.entity_finder(_settings(str(tmp_path / "nowhere.toml")))
