"""The end-to-end contract of issue 2, on the seeds, with the real encoder and database."""
from __future__ import annotations

import json

SEED_IDS = ["000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36",
            "003_a1910eebe7f376b6", "004_a999723ac9a858df"]


def test_e2e_languages(seeds_project):
    nt, _ = seeds_project
    assert [nt.article(i).lang for i in SEED_IDS] == ["id", "fa", "ar", "id", "id"]


def test_e2e_baca_juga_lines_are_boilerplate(seeds_project):
    nt, _ = seeds_project
    art = nt.article(SEED_IDS[0])
    boiler = [p.text for p in art.passages if p.kind == "boilerplate"]
    assert len(boiler) == 4 and all(t.startswith("Baca Juga") for t in boiler)
    # boilerplate is kept for display but never encoded
    stored = nt.store.passage_vectors(SEED_IDS[0])
    assert not any(t.startswith("Baca Juga") for t in stored.texts)


def test_e2e_dates_from_text(seeds_project):
    nt, _ = seeds_project
    assert nt.article(SEED_IDS[3]).published == "2021-02"
    assert nt.article(SEED_IDS[4]).published == "2017-11-14"


def test_e2e_reingest_same_folder_changes_nothing(seeds_project, samples_dir):
    nt, _ = seeds_project
    before = nt.store.count_articles(), nt.store.count_passages(True), [s.id for s in nt.stories()]
    report = nt.ingest([samples_dir])
    assert report.ok and sorted(report.unchanged) == SEED_IDS and not report.ingested
    assert (nt.store.count_articles(), nt.store.count_passages(True), [s.id for s in nt.stories()]) == before


def test_e2e_malformed_jsonl_line_reported_others_stored(new_db, tmp_path, real_encoder):
    from narratrace import Narratrace

    lines = [json.dumps({"id": "ok1", "text": "Pasukan AS memindahkan tahanan ISIS dari penjara al-Sinaah."}),
             '{"id": "broken", "text": "unterminated',
             json.dumps({"id": "ok2", "text": "نیروهای آمریکایی ۷۵۰ تروریست داعش را از زندان خارج کردند."})]
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Narratrace(db=new_db("j"), encoder=real_encoder) as nt:
        report = nt.ingest([path])
        assert sorted(report.ingested) == ["ok1", "ok2"]
        assert len(report.errors) == 1
        err = report.errors[0]
        assert err.line == 2 and str(path) in str(err)
        assert nt.store.count_articles() == 2
