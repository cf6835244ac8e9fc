"""text.entities: entity mentions in any script, with spans into the passage text; candidate names; guards."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narratrace.errors import ConfigError
from narratrace.model import RawArticle
from narratrace.text import TextPipeline
from narratrace.text.entities import EntityFinder, load_entities
from narratrace.text.entity_keys import bare_key, form_key
from narratrace.trace.attributions import default_sources

SAMPLES = Path(__file__).resolve().parents[2] / "narratrace" / "data" / "samples"
SEEDS = {"id": "000_b87142e14614ef64", "fa": "001_1466ee4cbd6c5b37", "ar": "002_52248782f917fa36"}


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    """The shipped gazetteer with the package lists (cities of 100,000 people and more)."""
    return EntityFinder(load_entities(None, 100_000), cues=default_sources().cues_in)


def _ids(finder: EntityFinder, text: str) -> set[str | None]:
    return {m.entity_id for m in finder.find_in(text)}


RECALL = {
    "en": [("The Pentagon said on Monday that more troops would be sent.", "pentagon"),
           ("The Kremlin denied the report.", "kremlin"),
           ("Putin met the delegation in Moscow.", "putin"),
           ("Hezbollah fighters were seen near the border.", "hezbollah"),
           ("The claim was first broadcast by CNN on Tuesday.", "cnn"),
           ("At least 12 people were killed, the SOHR said.", "sohr"),
           ("The agency RIA Novosti quoted an unnamed official.", "ria_novosti")],
    "id": [("Pentagon mengatakan pasukan tambahan akan dikirim.", "pentagon"),
           ("Kremlin membantah laporan tersebut.", "kremlin"),
           ("Presiden Putin bertemu delegasi itu di Moskow.", "putin"),
           ("Pejuang Hizbullah terlihat di dekat perbatasan.", "hezbollah"),
           ("Klaim itu pertama kali disiarkan oleh CNN pada hari Selasa.", "cnn"),
           ("Setidaknya 12 orang tewas, kata SOHR.", "sohr"),
           ("Kantor berita RIA Novosti mengutip seorang pejabat.", "ria_novosti")],
}


@pytest.mark.parametrize("lang", sorted(RECALL))
def test_entities_recall_of_the_names_the_issue_lists(finder, lang):
    missed = [(text, want) for text, want in RECALL[lang] if want not in _ids(finder, text)]
    assert not missed, missed


@pytest.mark.parametrize("lang", sorted(SEEDS))
def test_entities_al_hasakah_sputnik_isis_in_each_seed_script(finder, lang):
    """The Indonesian, Persian and Arabic seeds each name al-Hasakah, Sputnik and ISIS in their own script."""
    path = SAMPLES / f"{SEEDS[lang]}.txt"
    art = TextPipeline().transform(RawArticle(text=path.read_text("utf-8"), id=path.stem))
    assert art.lang == lang
    mentions = finder.find(art)
    found = {m.entity_id for m in mentions}
    assert {"al_hasakah", "sputnik", "isis"} <= found
    texts = {p.index: p.text for p in art.passages}
    for m in mentions:  # every span points into the passage's original text
        assert texts[m.passage][m.start:m.end] == m.surface
    scripts = {m.script for m in mentions if m.entity_id == "al_hasakah"}
    assert scripts == ({"latin"} if lang == "id" else {"arabic"})


def test_entities_one_place_under_every_spelling(finder):
    ids = [{e.id for e in finder.resolve(name)} for name in ("الحسكة", "الحسکه", "al-Hasakah", "Hasakah", "والحسكة",
                                                              "Al Ḩasakah", "Хасака")]
    assert all(i == {"al_hasakah"} for i in ids), ids


def test_entities_cited_source_keeps_its_cue_and_sentence(finder):
    text = "The convoy left at dawn. According to CNN, the convoy carried 40 prisoners. Nothing else is known."
    cited = [m for m in finder.find_in(text, sentences=[(0, 24), (25, 76), (77, len(text))]) if m.role == "cited"]
    assert [(m.entity_id, m.cue, m.context) for m in cited] == [
        ("cnn", "According to", "According to CNN, the convoy carried 40 prisoners.")]


def test_entities_case_guards_keep_words_from_passing_for_names(finder):
    assert "sana" not in _ids(finder, "Mereka pergi ke sana kemarin.")  # Indonesian "there", not the agency
    assert "sana" in _ids(finder, "Kantor berita SANA melaporkan serangan itu.")
    # a town of the package list named like a word the article writes in lower case is not matched
    assert not [m for m in finder.find_in("Batu besar itu jatuh. Sebuah batu lain menyusul.")
                if m.entity_id and m.entity_id.startswith("geonames:")]
    # everyday Arabic-script words that transliterate towns (Madinah «مدينة», Khobar «خبر», Bāneh «بأنه»)
    assert not [m for m in finder.find_in("وقالت المصادر بأنه خبر مهم في مدينة كبيرة")
                if m.entity_id and m.entity_id.startswith("geonames:")]


def test_entities_names_inside_a_hyphenated_word(finder):
    """"Suriah-Irak", "anti-ISIS", "pro-Amerika" name places and groups; a hyphenated spelling of one name is
    still one mention, and the parts of a word that names nothing are no entities."""
    found = [(m.surface, m.entity_id) for m in finder.find_in("Di perbatasan Suriah-Irak, milisi anti-ISIS "
                                                              "dan kelompok pro-Amerika bertemu.")]
    assert ("Suriah", "syria") in found and ("Irak", "iraq") in found
    assert ("ISIS", "isis") in found and ("Amerika", "united_states") in found
    whole = [(m.surface, m.entity_id) for m in finder.find_in("Pasukan tiba di al-Hasakah dan Abu-Kamal.")]
    assert ("al-Hasakah", "al_hasakah") in whole and ("Abu-Kamal", "abu_kamal") in whole
    assert not [m for m in finder.find_in("Sebuah re-election yang well-known.") if m.entity_id]


def test_entities_weekdays_are_no_names(finder):
    """Weekdays are capitalised in English, German, Indonesian ...: no candidate names of their own, cut from
    the end of a run; a name that is also a month ("Theresa May") or starts with a weekday (the Sunday Times)
    stays whole."""
    text = ("Talks resumed on Monday in Jakarta. On Tuesday, Farhad Tabrizi met Theresa May. Pada hari Senin "
            "dan Kamis, Farhad Tabrizi Senin berbicara. Am Mittwoch sprach Anna Weber. The Sunday Times said so.")
    candidates = [m.surface for m in finder.find_in(text) if m.entity_id is None]
    assert not [c for c in candidates if {"Monday", "Tuesday", "Senin", "Kamis", "Mittwoch"} & set(c.split())]
    assert "Farhad Tabrizi" in candidates and "Theresa May" in candidates and "Anna Weber" in candidates
    assert "The Sunday Times" in candidates
    assert "On" not in candidates


def test_entities_candidate_names_are_capitalised_runs_and_quoted_arabic_names(finder):
    text = "Dalam pertemuan itu, Farhad Tabrizi menyatakan dukungannya. Kata «فرهاد تبریزی» juga ditulis."
    candidates = [m.surface for m in finder.find_in(text) if m.entity_id is None]
    assert "Farhad Tabrizi" in candidates and "فرهاد تبریزی" in candidates
    assert "Dalam" not in candidates  # a capital after a full stop starts a sentence, not a name
    assert not [m for m in finder.find_in("Pada bulan Oktober pasukan itu pergi.") if m.surface == "Oktober"]


def test_entities_user_file_adds_entities_and_forms(tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text('[entities.qaryatayn]\nname = "al-Qaryatayn"\nkind = "place"\n'
                    'forms = ["al-Qaryatayn", "القريتين"]\n\n[entities.sputnik]\nforms = ["Sputnik Türkiye"]\n',
                    "utf-8")
    finder = EntityFinder(load_entities(user, 0))
    assert _ids(finder, "Pasukan mundur dari al-Qaryatayn.") >= {"qaryatayn"}
    assert _ids(finder, "انسحبت القوات من القريتين") >= {"qaryatayn"}
    sputnik = [m for m in finder.find_in("Menurut Sputnik Türkiye, konvoi itu berangkat.") if m.entity_id == "sputnik"]
    assert [m.surface for m in sputnik] == ["Sputnik Türkiye"]
    assert finder.by_id["qaryatayn"].origin == "user"


def test_entities_user_file_with_an_unknown_kind_says_what_to_fix(tmp_path):
    user = tmp_path / "bad.toml"
    user.write_text('[entities.x]\nname = "X"\nkind = "planet"\nforms = ["X"]\n', "utf-8")
    with pytest.raises(ConfigError, match="kind must be one of"):
        load_entities(user, 0)
    with pytest.raises(ConfigError, match="not found"):
        load_entities(tmp_path / "missing.toml", 0)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_entities_keys_and_finding_never_crash_on_any_unicode(text):
    key = form_key(text)
    assert key == " ".join(key.split())
    bare_key(key)
    finder = _SMALL
    for m in finder.find_in(text):
        assert text[m.start:m.end] == m.surface


_SMALL = EntityFinder(load_entities(None, 0), cues=default_sources().cues_in)
