"""Issue 14: the seeds plus 300 SemEval test-half articles, ingested as given, reversed and shuffled, end as
the same stories under the same ids (eval/orders.py is the same comparison in the evaluation harness).

Each text is encoded once per test session and the three orders share the vectors: what is compared is
grouping, not the encoder's batching."""
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narratrace import Narratrace

EVAL = Path(__file__).resolve().parents[2] / "eval"


class MemoEncoder:
    """An encoder that encodes each text once (per kind: passage or query) and then returns its vector."""

    def __init__(self, encoder: Any) -> None:
        self._inner = encoder
        self.name, self.dim = encoder.name, encoder.dim
        self.model_id, self.vector_space, self.config = encoder.model_id, encoder.vector_space, encoder.config
        self._memo: dict[tuple[bool, str], np.ndarray] = {}
        #: texts the inner encoder ran on
        self.encoded = 0

    def _encode(self, texts: Sequence[str], query: bool) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if (query, t) not in self._memo))
        if todo:
            vecs = self._inner.encode_queries(todo) if query else self._inner.encode_passages(todo)
            self._memo.update(((query, t), v) for t, v in zip(todo, vecs))
            self.encoded += len(todo)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self._memo[(query, t)] for t in texts])

    def encode_passages(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        return self._encode(texts, query=False)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=True)


def test_memo_encoder_encodes_a_text_once():
    class Counting:
        name, dim, model_id, vector_space, config = "c", 2, "c", "c", {}
        calls: list[list[str]] = []

        def encode_passages(self, texts: list[str]) -> np.ndarray:
            self.calls.append(texts)
            return np.array([[len(t), 1.0] for t in texts], np.float32)

    memo = MemoEncoder(Counting())
    first = memo.encode_passages(["ab", "c", "ab"])
    again = memo.encode_passages(["c", "ab", "def"])
    assert Counting.calls == [["ab", "c"], ["def"]] and memo.encoded == 3
    assert first[:, 0].tolist() == [2, 1, 2] and again[:, 0].tolist() == [1, 2, 3]


@pytest.mark.slow
def test_order_free_stories_and_ids_for_seeds_and_300_semeval_articles(new_db, real_encoder, shared_dir):
    sys.path.insert(0, str(EVAL))
    from orders import compare_orders, order_records, orders_of

    records = order_records(300)
    encoder = MemoEncoder(real_encoder)
    runs: dict[str, dict[str, str]] = {}
    for name, recs in orders_of(records).items():
        with Narratrace(db=new_db(f"order-{name}"), encoder=encoder) as nt:  # type: ignore[arg-type]
            report = nt.add(recs)
            assert report.ok, report.errors[:3]
            runs[name] = {a.id: a.story_id for a in nt.articles() if a.story_id}
    assert len(runs["given"]) == len(records) == 305
    found = compare_orders(runs)
    assert found["multi_article_stories"] >= 40  # a test with real stories in it
    for name, got in found["orders"].items():
        assert got["articles_in_other_partition"] == 0, (name, got["differ"])
        assert got["articles_with_other_story_id"] == 0, (name, got["renamed"])
    assert found["agree"]
