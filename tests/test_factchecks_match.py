"""Cross-lingual fact-check matching on the seeds, with the real encoder and database (issue 4)."""
from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from narratrace.errors import NotFound
from narratrace.present.cli.app import app

SEED_IDS = ["000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36",
            "003_a1910eebe7f376b6", "004_a999723ac9a858df"]
HASAKAH = {"@context": "https://schema.org", "@type": "ClaimReview", "url": "https://factcheck.example/hasakah",
           "claimReviewed": "US forces freed ISIS prisoners from the Hasakah (Ghuwayran) prison",
           "reviewRating": {"@type": "Rating", "alternateName": "Unproven"},
           "author": {"@type": "Organization", "name": "Example Fact Check"}, "datePublished": "2022-02-01",
           "inLanguage": "en"}
runner = CliRunner()


def _clef_claims(shared_dir, ids):
    csv.field_size_limit(1 << 30)
    with open(shared_dir / "eval" / "clef2020-claims" / "verified_claims.docs.tsv", newline="",
              encoding="utf-8") as fh:
        rows = {r[0]: r[1] for r in list(csv.reader(fh, delimiter="\t"))[1:]}
    return {i: rows[i] for i in ids}


@pytest.fixture(scope="module")
def fc_project(seeds_project, tmp_path_factory, real_encoder, shared_dir, test_databases):
    """A copy of the seeds store with the Hasakah ClaimReview and unrelated CLEF fact-checks imported."""
    from narratrace import Narratrace

    nt0, _ = seeds_project
    tmp = tmp_path_factory.mktemp("fc")
    db = test_databases.copy(nt0.db_path, tmp, "fc")
    (tmp / "hasakah.json").write_text(json.dumps({"@graph": [HASAKAH]}), encoding="utf-8")
    # unrelated fact-checks: Guantanamo detainees, Charlotte protesters, a vaccine rumour
    clef = _clef_claims(shared_dir, ["0", "1", "2"])
    with open(tmp / "clef.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "claim", "rating", "url", "language", "date", "publisher"])
        for i, claim in clef.items():
            w.writerow([f"clef-{i}", claim, "False", f"https://clef.example/{i}", "en", "2019", "CLEF"])
    nt = Narratrace(db=db, encoder=real_encoder)
    res = nt.import_factchecks(tmp / "hasakah.json")
    assert res["imported"] == 1 and not res["errors"]
    res = nt.import_factchecks(tmp / "clef.csv")
    assert res["ids"] == ["clef-0", "clef-1", "clef-2"]
    yield nt, tmp, res
    nt.close()


def test_match_hasakah_claimreview_to_claims_of_000_001_002(fc_project):
    nt, _, _ = fc_project
    hasakah = nt.store.factchecks()[0][0]["factcheck_id"]
    matched = {m["article_id"] for m in nt.matches() if m["factcheck_id"] == hasakah}
    assert set(SEED_IDS[:3]) <= matched
    best = {}
    for m in nt.matches():
        if m["factcheck_id"] == hasakah:
            best[m["article_id"]] = max(best.get(m["article_id"], 0), m["score"])
    assert any(m["status"] == "confirmed" for m in nt.matches() if m["factcheck_id"] == hasakah)
    # the evidence: both texts, the verdict, the score's parts
    ev = next(m["evidence"] for m in nt.matches() if m["factcheck_id"] == hasakah)
    assert ev["factcheck_claim"] == HASAKAH["claimReviewed"] and ev["rating"] == "Unproven"
    assert {"cosine", "clue_overlap", "shared_clues", "claim", "url"} <= set(ev)


def test_match_unrelated_factchecks_do_not_match(fc_project):
    nt, _, _ = fc_project
    assert not [m for m in nt.matches() if m["factcheck_id"].startswith("clef-")]


def test_match_csv_keeps_id_and_origin(fc_project):
    nt, tmp, _ = fc_project
    recs, _ = nt.store.factchecks()
    clef = {r["factcheck_id"]: r for r in recs if r["factcheck_id"].startswith("clef-")}
    assert set(clef) == {"clef-0", "clef-1", "clef-2"}
    assert clef["clef-0"]["origin"] == f"{tmp / 'clef.csv'}:2" and clef["clef-0"]["format"] == "csv"


def test_match_factchecks_api_cross_lingual(fc_project):
    nt, _, _ = fc_project
    res = nt.match_factchecks(["Pasukan AS membebaskan tahanan ISIS dari penjara Ghuwayran di Hasakah",
                               "Harga beras di Jakarta naik 12 persen pekan ini"])
    assert res[0] and res[0][0]["status"] in ("suggested", "confirmed")
    assert res[0][0]["factcheck_id"] == nt.store.factchecks()[0][0]["factcheck_id"]
    assert res[1] == []


def test_cli_factchecks_match_file_jsonl(fc_project, tmp_path):
    nt, _, _ = fc_project
    inp = tmp_path / "in.jsonl"
    inp.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": "a", "text": "نیروهای آمریکایی زندانیان داعش را از زندان غویران در حسکه آزاد کردند"},
        {"id": 7, "text": "The weather in Oslo was mild this weekend"}]) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["factchecks", "match", "--file", str(inp), "--db", nt.db_path, "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.output.splitlines() if x.strip()]
    assert [x["id"] for x in lines] == ["a", 7]
    assert lines[0]["matches"] and list(lines[0]["matches"][0]) == ["factcheck_id", "score", "status"]
    scores = [m["score"] for m in lines[0]["matches"]]
    assert scores == sorted(scores, reverse=True)
    assert lines[1]["matches"] == []


def test_cli_matches_json_contract(fc_project):
    nt, _, _ = fc_project
    res = runner.invoke(app, ["matches", "--db", nt.db_path, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data and all(list(d) == ["article_id", "claim", "factcheck_id", "score", "status"] for d in data)
    assert {d["status"] for d in data} <= {"suggested", "confirmed"}


def test_cli_factchecks_import_reports_bad_file(fc_project, tmp_path):
    nt, _, _ = fc_project
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    res = runner.invoke(app, ["factchecks", "import", str(bad), "--db", nt.db_path])
    assert res.exit_code == 2


def test_match_new_article_matched_at_ingest(fc_project):
    from narratrace.model import RawArticle

    nt, _, _ = fc_project
    text = ("Sumber lokal mengatakan kepada Sputnik bahwa pasukan Amerika membebaskan puluhan tahanan ISIS dari "
            "penjara Ghuwayran di Hasakah dan membawa mereka dengan helikopter.")
    nt.add([RawArticle(text=text, id="new-hasakah", origin="test")])
    assert any(m["article_id"] == "new-hasakah" for m in nt.matches())


@pytest.fixture
def reviewed(fc_project, tmp_path, real_encoder, test_databases):
    """A private copy of the fact-check project (its matches get reviewed)."""
    from narratrace import Narratrace

    nt0, _, _ = fc_project
    nt = Narratrace(db=test_databases.copy(nt0.db_path, tmp_path, "reviewed"), encoder=real_encoder)
    yield nt
    nt.close()


def _status(nt, article_id, factcheck_id):
    return {m["status"] for m in nt.matches() if m["article_id"] == article_id and m["factcheck_id"] == factcheck_id}


def test_review_confirm_and_reject_survive_rematching(reviewed, tmp_path, real_encoder):
    from narratrace import Narratrace
    from narratrace.settings import Settings

    nt = reviewed
    hasakah = nt.store.factchecks()[0][0]["factcheck_id"]
    assert _status(nt, SEED_IDS[0], hasakah) and _status(nt, SEED_IDS[1], hasakah)
    assert nt.review_match(SEED_IDS[0], hasakah, "rejected", note="about another prison") >= 1
    assert nt.review_match(SEED_IDS[1], hasakah, "confirmed") >= 1
    assert _status(nt, SEED_IDS[0], hasakah) == {"rejected"} and _status(nt, SEED_IDS[1], hasakah) == {"confirmed"}
    review = next(m["evidence"]["review"] for m in nt.matches() if m["article_id"] == SEED_IDS[0])
    assert review["verdict"] == "rejected" and review["note"] == "about another prison"
    # matching runs again with thresholds nothing reaches: the verdicts stay, the other suggestions go
    strict = Settings.load(factchecks={"suggested": 0.99, "confirmed": 0.995})
    with Narratrace(db=nt.db_path, settings=strict, encoder=real_encoder) as again:
        again.pipeline.factchecks.match_new_claims(rematch_all=True)
        assert _status(again, SEED_IDS[0], hasakah) == {"rejected"}
        assert _status(again, SEED_IDS[1], hasakah) == {"confirmed"}
        assert {m["status"] for m in again.matches()} == {"rejected", "confirmed"}


def test_cli_matches_confirm_reject_and_unknown_pair(reviewed):
    nt = reviewed
    hasakah = nt.store.factchecks()[0][0]["factcheck_id"]
    res = runner.invoke(app, ["matches", "confirm", SEED_IDS[2], hasakah, "--db", nt.db_path, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["verdict"] == "confirmed" and json.loads(res.output)["matches"] >= 1
    res = runner.invoke(app, ["matches", "reject", SEED_IDS[2], "clef-1", "--db", nt.db_path])
    # CliRunner calls the app directly; narratrace.present.cli.app.main maps NotFound to its exit code
    assert isinstance(res.exception, NotFound) and "clef-1" in str(res.exception)
    listed = runner.invoke(app, ["matches", "--db", nt.db_path])
    assert listed.exit_code == 0 and "confirmed (analyst)" in listed.output


def test_cli_factchecks_import_html_page_with_claimreview(reviewed, tmp_path):
    nt = reviewed
    review = dict(HASAKAH, url="https://factcheck.example/page", claimReviewed="ISIS fighters left al-Sinaa prison "
                  "in al-Hasakah with US help", name="Did US troops help ISIS fighters out of al-Sinaa prison?")
    page = tmp_path / "review.html"
    page.write_text("<!doctype html><html><head><title>Fact check</title><script type=\"application/ld+json\">"
                    + json.dumps(review) + "</script></head><body>...</body></html>", encoding="utf-8")
    res = runner.invoke(app, ["factchecks", "import", str(page), "--db", nt.db_path, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["imported"] == 1 and out["matches"] > 0
    stored = {r["factcheck_id"]: r for r in nt.store.factchecks()[0]}
    assert stored[out["ids"][0]]["title"] == review["name"] and stored[out["ids"][0]]["format"] == "claimreview"


def test_api_review_route_confirms_and_refuses_forms(reviewed):
    from fastapi.testclient import TestClient

    from narratrace.present.web.app import create_app

    nt = reviewed
    hasakah = nt.store.factchecks()[0][0]["factcheck_id"]
    with TestClient(create_app(project=nt, write_token="review-token-0123456789"), base_url="http://127.0.0.1",
                    headers={"Authorization": "Bearer review-token-0123456789"}) as c:  # every write needs it
        body = {"article_id": SEED_IDS[0], "factcheck_id": hasakah, "verdict": "rejected", "note": "other prison"}
        r = c.post("/api/matches/review", json=body)
        assert r.status_code == 200 and r.json()["matches"] >= 1
        assert _status(nt, SEED_IDS[0], hasakah) == {"rejected"}
        form = c.post("/api/matches/review", content=json.dumps(body), headers={"content-type": "text/plain"})
        assert form.status_code in (415, 422)
        assert c.post("/api/matches/review", json={**body, "verdict": "maybe"}).status_code == 422
        missing = c.post("/api/matches/review", json={**body, "factcheck_id": "nope"})
        assert missing.status_code == 404


def test_cli_matches_export_claimreview_of_confirmed_matches(reviewed):
    nt = reviewed
    hasakah = nt.store.factchecks()[0][0]["factcheck_id"]
    nt.review_match(SEED_IDS[1], hasakah, "confirmed")
    nt.review_match(SEED_IDS[0], hasakah, "rejected")
    res = runner.invoke(app, ["matches", "export", "--db", nt.db_path])
    assert res.exit_code == 0, res.output
    reviews = json.loads(res.output)
    (review,) = [r for r in reviews if r["identifier"] == hasakah]
    assert review["@type"] == "ClaimReview" and review["claimReviewed"] == HASAKAH["claimReviewed"]
    assert review["reviewRating"]["alternateName"] == "Unproven" and review["url"] == HASAKAH["url"]
    where = {a["identifier"] for a in review["itemReviewed"]["appearance"]}
    assert SEED_IDS[1] in where and SEED_IDS[0] not in where  # the rejected article is left out
    # what narratrace exports, it reads back
    from narratrace.trace.factcheck_readers import from_json

    (back,) = list(from_json(review))
    assert back.claim == HASAKAH["claimReviewed"] and back.rating == "Unproven"
