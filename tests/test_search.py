"""Hybrid passage search (issue 15, trace/search.py): words and meaning fused, one result per article.

The slow tests run the real encoder on the seeds plus 150 SemEval-2022 articles (the corpus of
eval/pipeline_unchanged.py); the others use the hashing encoder, for modes, filters and the contract.
"""
from __future__ import annotations

import importlib.util
import json

import pytest
from typer.testing import CliRunner

from narratrace.embed.hashing import HashingEncoder
from narratrace.errors import InputError
from narratrace.model import RawArticle
from narratrace.present.cli.app import app

from .conftest import REPO, SEED_IDS

EN_QUERY = "American troops helped ISIS fighters escape from prison"
FA_QUERY = "نیروهای آمریکایی تروریست‌های داعش را از زندان خارج کردند"
CITING_SPUTNIK = set(SEED_IDS[:4])


def _corpus() -> list[list[dict[str, str]]]:
    spec = importlib.util.spec_from_file_location("pipeline_unchanged", REPO / "eval" / "pipeline_unchanged.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.corpus()


@pytest.fixture(scope="module")
def mixed_project(tmp_path_factory, real_encoder, shared_dir, test_databases):
    """The seeds plus 150 SemEval articles (first 3,000 characters each), ingested with the real encoder."""
    from narratrace import Narratrace

    db = test_databases.new(tmp_path_factory.mktemp("search"), "mixed")
    nt = Narratrace(db=db, encoder=real_encoder)
    for part in _corpus():
        report = nt.add([RawArticle(id=r["id"], text=r["text"], origin="corpus") for r in part])
        assert not report.errors, report.errors
    assert nt.store.count_articles() == 155
    yield nt
    nt.close()


def _ids(hits):
    return [h["article_id"] for h in hits]


@pytest.mark.slow
def test_search_english_query_finds_the_seeds_in_other_languages(mixed_project):
    hits = mixed_project.search(EN_QUERY, limit=10)
    assert set(SEED_IDS[:3]) <= set(_ids(hits)[:5]), [(h["article_id"], h["score"]) for h in hits]
    assert len(set(_ids(hits))) == len(hits)  # one result per article
    assert {h["lang"] for h in hits[:5]} >= {"id", "fa", "ar"}
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] <= scores[0] <= 1


@pytest.mark.slow
def test_search_persian_query_finds_the_indonesian_and_arabic_seeds(mixed_project):
    top = _ids(mixed_project.search(FA_QUERY, limit=5))
    assert {SEED_IDS[0], SEED_IDS[2]} <= set(top), top


@pytest.mark.slow
def test_search_sputnik_returns_the_four_citing_seeds_first_and_never_boilerplate(mixed_project):
    hits = mixed_project.search("Sputnik", limit=20)
    assert set(_ids(hits)[:4]) == CITING_SPUTNIK, _ids(hits)
    rowids = {}
    for h in hits:
        art = mixed_project.article(h["article_id"])
        for p in h["passages"]:
            stored = art.passages[p["passage"]]
            assert stored.kind in ("title", "body") and not stored.reason, (h["article_id"], stored.text)
            rowids[(h["article_id"], p["passage"])] = p
    # the name is highlighted in every script it is written in
    marked = {p["text"][s:e] for h in hits[:4] for p in h["passages"] for s, e in p["highlights"]}
    assert {"Sputnik", "اسپوتنیک"} <= marked and any("سبوتنيك" in m for m in marked)


@pytest.mark.slow
def test_search_language_filter_and_cited_source_filter(mixed_project):
    hits = mixed_project.search(EN_QUERY, lang="ar", limit=3)
    assert hits and all("ar" in (p["lang"], h["article_lang"]) for h in hits for p in h["passages"])
    assert hits[0]["article_id"] == SEED_IDS[2]
    cited = mixed_project.search("ISIS prison", source="سبوتنيك", limit=20)
    assert set(_ids(cited)) == CITING_SPUTNIK


@pytest.mark.slow
def test_search_keyword_and_phrase_modes(mixed_project):
    hits = mixed_project.search("Sputnik ISIS", mode="keyword", limit=20)
    assert set(_ids(hits)) <= CITING_SPUTNIK | {SEED_IDS[4]} and SEED_IDS[0] in _ids(hits)
    assert all(h["passages"][0]["cosine"] is None for h in hits)  # words only
    phrase = mixed_project.search("Pasukan Demokratik Suriah", mode="phrase", limit=20)
    assert phrase and all("pasukan demokratik suriah" in p["text"].lower() for h in phrase for p in h["passages"])


@pytest.mark.slow
def test_cli_search_json(mixed_project):
    res = CliRunner().invoke(app, ["search", EN_QUERY, "--db", mixed_project.db_path, "--json", "--limit", "5"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert len(data) == 5
    assert {"article_id", "passage", "text", "lang", "score", "highlights", "passages"} <= set(data[0])
    assert data[0]["article_id"] in SEED_IDS


# ---------------------------------------------------------------- without the real encoder
@pytest.fixture
def small_project(new_db):
    from narratrace import Narratrace

    nt = Narratrace(db=new_db("small"), encoder=HashingEncoder())
    nt.add([RawArticle(id="ferry", text="Ferry strike on the islands\n\nFerry crews said talks would resume on "
                                        "Friday, with 14 boats idle in the harbour.\n\nBaca Juga : Harga beras naik"),
            RawArticle(id="harbour", text="Harbour talks\n\nThe harbour master said the islands' boats are idle."),
            RawArticle(id="zh", text="渡轮罢工\n\n岛屿上的渡轮船员罢工，十四艘船停在港口。")])
    yield nt
    nt.close()


def test_search_modes_on_words(small_project):
    assert _ids(small_project.search("ferry crews", mode="keyword")) == ["ferry"]
    assert set(_ids(small_project.search("harbour boats", mode="keyword"))) == {"ferry", "harbour"}
    assert _ids(small_project.search("islands boats", mode="keyword")) == ["harbour"]  # in one passage
    assert _ids(small_project.search("boats idle", mode="phrase")) == ["ferry"]  # "boats are idle" is not it
    assert _ids(small_project.search("Harbour Master", mode="phrase")) == ["harbour"]
    assert _ids(small_project.search("idle boats", mode="phrase")) == []
    assert _ids(small_project.search("船员罢工", mode="keyword")) == ["zh"]
    assert small_project.search("Harga beras", mode="keyword") == []  # boilerplate is not indexed
    (hit,) = small_project.search("ferry crews", mode="keyword")
    p = hit["passages"][0]
    assert [p["text"][s:e] for s, e in p["highlights"]] == ["Ferry", "crews"]


def test_search_refuses_an_unknown_mode_and_source(small_project):
    with pytest.raises(InputError, match="mode"):
        small_project.search("ferry", mode="fuzzy")
    with pytest.raises(InputError, match="source"):
        small_project.search("ferry", source="Nowhere Daily")
    assert small_project.search("ferry", source="Sputnik") == []  # nobody cites it


def test_search_empty_query_and_empty_store(new_db):
    from narratrace import Narratrace

    with Narratrace(db=new_db("empty"), encoder=HashingEncoder()) as nt:
        assert nt.search(EN_QUERY) == [] and nt.search("  ") == [] and nt.narratives() == [] and nt.matches() == []
        assert nt.match_factchecks(["x"]) == [[]]
