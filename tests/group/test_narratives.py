"""Narratives on the seeds, with the real encoder and database (issue 4)."""
from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from narratrace.group.narratives import narrative_id_for

SEED_IDS = ["000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36",
            "003_a1910eebe7f376b6", "004_a999723ac9a858df"]


def seeds_copy(seeds_project, tmp_path, real_encoder, test_databases):
    """A private copy of the session's seeds database (tests here write to it)."""
    from narratrace import Narratrace

    nt, _ = seeds_project
    dst = test_databases.copy(nt.db_path, tmp_path, "seeds-copy")
    return Narratrace(db=dst, encoder=real_encoder)


def _narrative_of(items, article_id):
    return next(n for n in items if article_id in n.article_ids)


def test_narratives_003_and_004_share_story_a_narrative(seeds_project):
    nt, _ = seeds_project
    items = nt.narratives()
    story_a = next(s for s in nt.stories() if SEED_IDS[0] in s.article_ids)
    assert set(SEED_IDS[:3]) <= set(story_a.article_ids)
    n = _narrative_of(items, SEED_IDS[0])
    assert set(n.article_ids) == set(SEED_IDS)
    assert story_a.id in n.story_ids and len(n.story_ids) >= 3
    assert set(n.languages) == {"id", "fa", "ar"}
    # story A's articles carry no date; 004 (2017-11-14) and 003 (2021-02) do
    assert n.first_seen == "2017-11-14" and n.last_seen == "2021-02"
    assert n.growth == {"2017-11": 1, "2021-02": 1, "undated": 3}
    # a stable id, named after the founding article
    assert n.id == narrative_id_for(SEED_IDS[0])


def test_narratives_label_terms_and_passages(seeds_project):
    nt, _ = seeds_project
    n = _narrative_of(nt.narratives(), SEED_IDS[0])
    assert "ISIS" in n.terms and n.label
    assert 1 <= len(n.passages) <= 3 and len({p["article_id"] for p in n.passages}) == len(n.passages)
    fa = _narrative_of(nt.narratives(lang="fa"), SEED_IDS[0])
    assert fa.passages[0]["lang"] == "fa" and fa.passages[0]["text"][:20] in fa.label


def test_narratives_stable_when_reingested(seeds_project, samples_dir):
    nt, _ = seeds_project
    before = [n.to_json() for n in nt.narratives()]
    report = nt.ingest([samples_dir])
    assert not report.ingested
    assert [n.to_json() for n in nt.narratives()] == before


def test_narratives_json_contract(seeds_project):
    from narratrace.present.cli.app import app

    nt, _ = seeds_project
    res = CliRunner().invoke(app, ["narratives", "--db", nt.db_path, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data and all(list(d) == ["id", "label", "story_ids", "article_ids", "languages", "first_seen",
                                    "last_seen"] for d in data)
    assert any(set(SEED_IDS) <= set(d["article_ids"]) for d in data)


def test_narratives_store_tables_and_claims_cli(seeds_project):
    from narratrace.present.cli.app import app

    nt, _ = seeds_project
    assert nt.store.schema_version >= 2
    claims = nt.claims([SEED_IDS[2]])
    assert claims and all(c["article_id"] == SEED_IDS[2] for c in claims)
    assert any(c["attribution"] and c["attribution"]["source"]["id"] == "sputnik" for c in claims)
    res = CliRunner().invoke(app, ["claims", "--db", nt.db_path, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {"article_id", "passage", "text", "score", "numbers", "places", "organisations"} <= set(data[0])


def test_narratives_new_narrative_for_unrelated_article(seeds_project, tmp_path, real_encoder, test_databases):
    from narratrace.model import RawArticle

    nt = seeds_copy(seeds_project, tmp_path, real_encoder, test_databases)
    try:
        text = ("Jakarta - Harga beras di pasar induk Cipinang naik 12 persen pekan ini, kata Kementerian "
                "Perdagangan. Pedagang mengatakan kenaikan itu disebabkan oleh panen yang terlambat di Jawa Barat "
                "dan biaya angkut yang lebih tinggi.")
        report = nt.add([RawArticle(text=text, id="rice", origin="test")])
        assert report.ingested == ["rice"]
        n = _narrative_of(nt.narratives(min_articles=1), "rice")
        assert n.article_ids == ["rice"] and n.id == narrative_id_for("rice")
        assert set(_narrative_of(nt.narratives(), SEED_IDS[0]).article_ids) == set(SEED_IDS)
    finally:
        nt.close()


def test_narratives_and_claims_follow_an_updated_article(new_db, tmp_path):
    """Re-ingesting a changed article replaces its claims (the schema cascades) and keeps one narrative row."""
    from narratrace import Narratrace
    from narratrace.embed import make_encoder

    path = tmp_path / "dump.jsonl"
    first = "Sumber mengatakan kepada Sputnik bahwa pasukan AS memindahkan 750 anggota ISIS dari penjara di Hasakah."
    second = "Kementerian Pertahanan Rusia mengatakan 120 anggota ISIS meninggalkan Abu Kamal menuju perbatasan Irak."
    with Narratrace(db=new_db("u"), encoder=make_encoder("hashing")) as nt:
        path.write_text(json.dumps({"id": "a1", "text": first}) + "\n", encoding="utf-8")
        assert nt.ingest([path]).ingested == ["a1"]
        assert [c["numbers"] for c in nt.claims()] == [["750"]]
        path.write_text(json.dumps({"id": "a1", "text": second}) + "\n", encoding="utf-8")
        assert nt.ingest([path]).updated == ["a1"]
        assert [c["numbers"] for c in nt.claims()] == [["120"]]
        rows = nt.store.db.execute("SELECT article_id FROM narrative_articles").fetchall()
        assert rows == [("a1",)]
        assert [n.article_ids for n in nt.narratives(min_articles=1)] == [["a1"]]


class _CentroidStore:
    """Just what NarrativeTracker reads to load centroids (the rest of the store is not needed here)."""

    def __init__(self, sums: np.ndarray) -> None:
        self.sums = sums
        self.rev = 1
        self.loads = 0

    def narrative_centroids(self):
        self.loads += 1
        n = len(self.sums)
        return [f"N{i}" for i in range(n)], self.sums.copy(), np.ones(n, np.float32)

    def revision(self, name: str) -> int:
        return self.rev


def test_narrative_ann_candidates_find_the_exact_nearest():
    """Above exact_below the nearest narrative comes from HNSW snapshots: it must agree with brute force."""
    from narratrace.group.narratives import NarrativeTracker

    rng = np.random.default_rng(7)
    sums = rng.standard_normal((3000, 64)).astype(np.float32)
    store = _CentroidStore(sums)
    exact = NarrativeTracker(store, None, join_threshold=0.6, exact_below=10**9)
    approx = NarrativeTracker(store, None, join_threshold=0.6, exact_below=100)
    exact.sync(), approx.sync()
    assert exact._ann is None and approx._ann is not None
    queries = sums[rng.choice(3000, 200, replace=False)] + 0.3 * rng.standard_normal((200, 64)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    agree = sum(exact._nearest(q)[0] == approx._nearest(q)[0] for q in queries)
    assert agree >= 196, agree
    # a drifted narrative gets a new snapshot, so it is still found
    k = 5
    target = rng.standard_normal(64).astype(np.float32)
    target /= np.linalg.norm(target)
    approx._sums[k] = target * 50
    approx._weights[k] = 50
    approx._norms[k] = np.linalg.norm(approx._sums[k])
    approx._snapshot(k)
    assert approx._nearest(target)[0] == k


def test_narrative_centroids_reload_only_when_the_store_changed():
    from narratrace.group.narratives import NarrativeTracker

    store = _CentroidStore(np.eye(4, dtype=np.float32))
    tracker = NarrativeTracker(store, None, join_threshold=0.6)
    tracker.sync(), tracker.sync()
    assert store.loads == 1
    store.rev += 1  # another process wrote narratives
    tracker.sync()
    assert store.loads == 2
