"""The evaluation harness (eval/run_all.py): its parts on hand-made cases, and the whole script on the seeds
with the hashing encoder, so the script that produces docs/evaluation.md's table cannot rot unnoticed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
EVAL = REPO / "eval"
sys.path.insert(0, str(EVAL))

from baselines import average_link, bm25_similarity, cut, tfidf_similarity  # noqa: E402
from scoring import leave_one_out, partials_traced, partition, translation_links  # noqa: E402


def _run(tmp_path: Path, *args: str) -> tuple[str, dict]:
    env = {**os.environ, "NARRATRACE_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "out.json"
    proc = subprocess.run([sys.executable, str(EVAL / "run_all.py"), "--encoder", "hashing", "--json", str(out),
                           *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, json.loads(out.read_text("utf-8"))


def test_average_link_merges_the_closest_clusters_by_their_mean_similarity() -> None:
    # 0-1 are near (0.9); 2 is 0.6 from 0 and 0.2 from 1, so the cluster {0, 1} is at mean 0.4 from it
    sim = np.array([[1, 0.9, 0.6], [0.9, 1, 0.2], [0.6, 0.2, 1]])
    merges = average_link(sim, floor=0.0)
    assert [round(m[0], 3) for m in merges] == [0.9, 0.4]
    assert cut(merges, 3, 0.5) == [0, 0, 2]  # single link would have joined 2 at 0.6
    assert len(set(cut(merges, 3, 0.3))) == 1
    assert average_link(sim, floor=0.95) == []


def test_tfidf_similarity_is_one_for_the_same_text_and_zero_without_shared_words() -> None:
    sim = tfidf_similarity(["Earthquake hits Chile coast", "earthquake hits chile coast", "Pirates seize a tanker"])
    assert sim[0, 1] == pytest.approx(1.0, abs=1e-6)
    assert sim[0, 2] == 0.0


def test_bm25_similarity_is_symmetric_one_for_the_same_text_and_zero_without_shared_words() -> None:
    texts = ["Earthquake hits Chile coast", "earthquake hits chile coast", "Pirates seize a tanker",
             "the storm hits the coast", "the storm hits the town", "an earthquake in chile"]
    sim = bm25_similarity(texts)
    assert sim.shape == (6, 6) and np.allclose(sim, sim.T)
    assert sim[0, 1] == pytest.approx(1.0, abs=1e-6)
    assert sim[0, 2] == 0.0
    assert sim[0, 3] > 0 and sim[0, 5] > 0
    # a shared rare word weighs more than a shared common one: "alpha" is in 2 texts, "beta" in 4
    rare = bm25_similarity(["alpha beta", "alpha gamma", "beta delta", "beta epsilon", "beta zeta"])
    assert rare[0, 1] > rare[0, 2] > 0
    assert bm25_similarity([]).shape == (0, 0)


def test_partition_counts_an_article_not_stored_as_a_story_of_its_own() -> None:
    gold = {"a": "x", "b": "x"}
    assert partition({"a": "s1", "b": "s1"}, gold)["f1"] == 1.0
    result = partition({"a": "s1"}, gold)
    assert result["missing"] == ["b"] and result["recall"] == 0.5


def test_leave_one_out_never_scores_a_corpus_with_the_value_fitted_on_it() -> None:
    # value 2 is best on c1 itself, but value 1 is best on c2 and c3, so c1 reports value 1's F1
    f1 = {1: {"c1": 0.5, "c2": 0.9, "c3": 0.9}, 2: {"c1": 0.95, "c2": 0.6, "c3": 0.6}}
    loco = leave_one_out(f1, ["c1", "c2", "c3"])
    assert loco["c1"]["choice"] == 1 and loco["c1"]["f1"] == 0.5
    assert loco["c1"]["oracle_choice"] == 2
    assert loco["c2"]["fit_on"] == ["c1", "c3"]
    # a check-only corpus (c1 here) is scored but never fitted on: c2's choice is fitted on c3 alone
    loco = leave_one_out(f1, ["c1", "c2", "c3"], fit_corpora=["c2", "c3"])
    assert loco["c1"]["fit_on"] == ["c2", "c3"] and loco["c2"]["fit_on"] == ["c3"]


def test_translation_links_and_partials_against_docs() -> None:
    link = lambda s, t, k: SimpleNamespace(source=s, target=t, kind=k)  # noqa: E731
    docs = {"d1en": "d1", "d1fr": "d1", "d2en": "d2", "d2fr": "d2"}
    links = [link("d1fr", "d1en", "translates"), link("d2fr", "d1en", "partial_translation"),
             link("d2fr", "d2en", "same_story"), link("d2en", {"id": "x"}, "cites"),
             link("p1", "d2fr", "rewrites"), link("p2", "d1en", "same_story")]
    t = translation_links(links, docs)
    assert (t["links"], t["correct"], t["precision"]) == (2, 1, 0.5)
    assert t["recall"] == 0.5  # d1en and d1fr have a right one; d2en and d2fr do not
    p = partials_traced(links, docs, {"p1": "d2", "p2": "d1"})
    assert (p["traced"], p["untraced"]) == (1, ["p2"])  # a same_story link does not trace a derivative


def test_seeds_with_the_hashing_encoder(tmp_path: Path) -> None:
    table, out = _run(tmp_path, "--corpora", "seeds")
    assert "| seeds |" in table and "commit:" in table and "machine:" in table
    seeds = out["corpora"]["seeds"]
    assert seeds["articles"] == 5 and seeds["gold_stories"] == 3
    assert 0 < seeds["pipeline"]["bcubed"]["f1"] <= 1
    assert seeds["pipeline"]["report"]["ingested"] == 5
    for baseline in ("tfidf", "bm25", "e5"):
        assert seeds[baseline]["fit_on"] == ["seeds"]  # one corpus: nothing else to fit on, marked (self)
        assert 0 < seeds[baseline]["bcubed"]["f1"] <= 1


def test_set_and_grid_reach_the_pipeline(tmp_path: Path) -> None:
    # a threshold no score reaches keeps every seed alone: 5 stories
    _, out = _run(tmp_path, "--corpora", "seeds", "--set", "stories.join_threshold=1")
    assert out["corpora"]["seeds"]["pipeline"]["bcubed"]["stories"] == 5
    table, out = _run(tmp_path, "--corpora", "seeds", "--grid", "stories.join_threshold=0,1")
    assert set(out["grid_f1"]) == {"stories.join_threshold=0", "stories.join_threshold=1"}
    assert "LOCO choice" in table


def test_orders(tmp_path: Path, shared_dir: Path) -> None:
    table, out = _run(tmp_path, "--corpora", "seeds", "--orders", "--orders-semeval", "12")
    order = out["orders"]
    assert order["articles"] == 17 and set(order["orders"]) == {"reversed", "shuffled"}
    assert "Order test" in table
