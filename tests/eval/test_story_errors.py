"""eval/story_errors.py: the within-topic AUC it prints, on hand-made values, and the script on a tiny saved
feature cache (two topics, one of them merged by the model), so the error table cannot rot unnoticed."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "eval"))

from story_errors import auc  # noqa: E402

from narratrace.group.similarity import FEATURES  # noqa: E402


def test_auc_orders_and_ties() -> None:
    pos = np.array([True, True, False, False])
    assert auc(np.array([0.9, 0.8, 0.2, 0.1]), pos) == 1.0
    assert auc(np.array([0.1, 0.2, 0.8, 0.9]), pos) == 0.0
    assert auc(np.array([0.5, 0.5, 0.5, 0.5]), pos) == 0.5
    assert auc(np.array([0.9, 0.3, 0.3, 0.1]), pos) == 0.875  # one tie between a positive and a negative


def test_script_marks_a_merged_cluster(tmp_path: Path) -> None:
    # four articles, events a, a, b, b; "top" high for every pair: the model merges all four
    n, k = 4, FEATURES.index("top")
    X = np.zeros((n, n, len(FEATURES)), np.float32)
    X[:, :, k] = 1.0
    data = {"ecbplus-dev": {"ids": ["w", "x", "y", "z"], "gold": ["T1-a", "T1-a", "T1-b", "T1-b"], "X": X,
                            "labelled": []}}
    cache = tmp_path / "f.npz"
    np.savez(cache, corpora=np.array({"features": list(FEATURES), "data": data}, dtype=object))
    model = tmp_path / "m.json"
    model.write_text(json.dumps({"bias": 0.0, "weights": {"top": 2.0}, "join_threshold": 0.5}))
    proc = subprocess.run([sys.executable, str(REPO / "eval" / "story_errors.py"), "--features-cache", str(cache),
                           "--model", str(model), "--corpus", "ecbplus-dev"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "BCubed P 0.500 R 1.000" in proc.stdout
    # the one topic of the hand-made ids ("all": they are not in truth.json): one cluster holding both events
    row = next(line for line in proc.stdout.splitlines() if line.startswith("| all |"))
    assert row.split("|")[4].strip() == "1"
