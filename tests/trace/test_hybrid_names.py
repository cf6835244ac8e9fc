"""Query words that name an entity take its spellings in other scripts, from the text stage's entity layer."""
from __future__ import annotations

from narratrace.settings import Settings
from narratrace.trace.entity_finder import entity_finder
from narratrace.trace.factchecks import clues
from narratrace.trace.hybrid import query_groups


def _group(query: str, word: str, **kw) -> list[str]:
    return next(g for g in query_groups(query, **kw) if g[0] == word)


def test_query_names_cross_scripts_also_typed_in_lower_case():
    for query in ("Sputnik", "sputnik"):
        assert {"sputnik", "اسپوتنیک", "спутник"} <= set(_group(query, "sputnik"))
    assert {"isis", "daesh", "داعش"} <= set(_group("freed ISIS fighters", "isis"))


def test_query_city_spellings_are_other_scripts_and_curated_latin_only():
    paris = set(_group("flights to Paris", "paris"))
    assert "париж" in paris and "پاریس" in paris
    assert not paris & {"baris", "paras", "pari"}  # geonames' transliterations that are Indonesian words
    assert _group("nice weather in reading", "nice") == ["nice"]  # a city typed in lower case is a word


def test_query_and_clues_read_the_users_entities_file(tmp_path):
    user = tmp_path / "names.toml"
    user.write_text('[entities.qaryatayn]\nname = "al-Qaryatayn"\nkind = "place"\n'
                    'forms = ["Qaryatayn", "القريتين"]\n', "utf-8")
    cfg = Settings.load(entities={"file": str(user), "min_city_population": 0}).entities
    finder = entity_finder(cfg)
    assert "القریتین" in _group("Qaryatayn", "qaryatayn", finder=finder)
    assert _group("Qaryatayn", "qaryatayn") == ["qaryatayn"]  # not a name without the file
    assert clues("ISIS left Qaryatayn", finder)["e:qaryatayn"] == 1.0
    assert clues("ISIS left Qaryatayn", finder)["e:isis"] == 0.5  # broad, as every country
    assert clues("Troops crossed into Syria", finder)["e:syria"] == 0.5
