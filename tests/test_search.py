"""Cross-lingual passage search (issue 4): an English query finds the seed passages among other news."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from narratrace.present.cli.app import app

SEED_IDS = {"000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36",
            "003_a1910eebe7f376b6", "004_a999723ac9a858df"}
QUERY = "American troops helped ISIS fighters escape"


@pytest.fixture(scope="module")
def mixed_project(seeds_project, tmp_path_factory, real_encoder, shared_dir, test_databases):
    """The seeds plus 20 SemEval-2022 news texts (first 1,500 characters each), in a private copy."""
    import csv

    from narratrace import Narratrace
    from narratrace.model import RawArticle

    nt0, _ = seeds_project
    db = test_databases.copy(nt0.db_path, tmp_path_factory.mktemp("search"), "mixed")
    csv.field_size_limit(1 << 30)
    with open(shared_dir / "eval" / "semeval2022-task8" / "pairs.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    others = [RawArticle(text=r["text1"][:1500], id="sem" + r["pair_id"], origin="semeval") for r in rows[::60][:20]]
    nt = Narratrace(db=db, encoder=real_encoder)
    report = nt.add(others)
    assert len(report.ingested) == 20
    yield nt
    nt.close()


def test_search_english_query_ranks_seed_passages_first(mixed_project):
    hits = mixed_project.search(QUERY, limit=20)
    assert len(hits) == 20
    assert all(h["article_id"] in SEED_IDS for h in hits[:10]), [(h["article_id"], h["score"]) for h in hits]
    first_other = next((k for k, h in enumerate(hits) if h["article_id"] not in SEED_IDS), len(hits))
    assert first_other >= 10
    # passages in several languages are found
    assert {h["lang"] for h in hits[:10]} >= {"id", "fa"}
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_search_lang_filter(mixed_project):
    hits = mixed_project.search(QUERY, lang="ar", limit=3)
    assert hits and all(h["lang"] == "ar" or h["article_lang"] == "ar" for h in hits)
    assert hits[0]["article_id"] == "002_52248782f917fa36"


def test_search_empty_query_and_empty_store(new_db, tmp_path, real_encoder):
    from narratrace import Narratrace

    with Narratrace(db=new_db("empty"), encoder=real_encoder) as nt:
        assert nt.search(QUERY) == [] and nt.narratives() == [] and nt.matches() == []
        assert nt.match_factchecks(["x"]) == [[]]


def test_cli_search_json(mixed_project):
    res = CliRunner().invoke(app, ["search", QUERY, "--db", mixed_project.db_path, "--json", "--limit", "5"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert len(data) == 5 and {"article_id", "passage", "text", "lang", "score"} <= set(data[0])
    assert data[0]["article_id"] in SEED_IDS
