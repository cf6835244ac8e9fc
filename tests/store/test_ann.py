"""The ANN index kinds: both find the same neighbours as exact search, survive a save, and know their max id."""
from __future__ import annotations

import numpy as np
import pytest

from narratrace.store.ann import PassageIndex


def _clustered(n: int, dim: int = 64, topics: int = 200, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, dim)).astype(np.float32)
    x = centres[rng.integers(0, topics, n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _recall(index: PassageIndex, data: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int = 10) -> float:
    truth = np.argsort(-(queries @ data.T), axis=1)[:, :k]
    _, got = index.search(queries, k)
    return float(np.mean([len(set(ids[t]) & set(g)) / k for t, g in zip(truth, got)]))


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_index_kinds_recall_save_and_max_id(tmp_path, kind):
    data = _clustered(20_000)
    ids = np.arange(1, len(data) + 1, dtype=np.int64) * 3  # rowids need not be dense
    idx = (PassageIndex(64) if kind == "hnsw"
           else PassageIndex.create(64, n_expected=len(data), sample=data[::4], ivf_from=10_000))
    assert idx.kind == kind
    for lo in range(0, len(data), 5000):  # added a batch at a time, as ingest does
        idx.add(ids[lo: lo + 5000], data[lo: lo + 5000])
    queries = _clustered(200, seed=9)
    recall = _recall(idx, data, ids, queries)
    assert recall >= 0.85, (kind, recall)  # default nprobe (16 of 128 lists here); HNSW measures ~0.96
    assert idx.max_id() == int(ids.max())
    idx.save(tmp_path / "x.faiss")
    again = PassageIndex.load(tmp_path / "x.faiss", 64)
    assert again is not None and again.kind == kind and again.size == len(data)
    assert again.max_id() == int(ids.max())  # read back from the index, not remembered
    assert _recall(again, data, ids, queries) == pytest.approx(recall, abs=0.02)


def test_small_stores_stay_hnsw():
    data = _clustered(2000)
    assert PassageIndex.create(64, n_expected=2000, sample=data, ivf_from=1_000_000).kind == "hnsw"
    assert PassageIndex.create(64, n_expected=2_000_000, sample=None).kind == "hnsw"  # no sample, no training


def test_wrong_dimension_or_garbage_file_is_not_loaded(tmp_path):
    idx = PassageIndex(64)
    idx.add(np.array([1, 2]), _clustered(2))
    idx.save(tmp_path / "x.faiss")
    assert PassageIndex.load(tmp_path / "x.faiss", 32) is None
    (tmp_path / "bad.faiss").write_bytes(b"not an index")
    assert PassageIndex.load(tmp_path / "bad.faiss", 64) is None


def test_settings_reach_the_store_and_a_large_rebuild_gives_ivf(new_db):
    """[store] ann_ivf_from / ann_nprobe go to the store; a rebuild at that size trains IVF, and adds go on."""
    from narratrace import Narratrace
    from narratrace.embed.hashing import HashingEncoder
    from narratrace.model import RawArticle
    from narratrace.settings import Settings

    settings = Settings.load(None, store={"ann_ivf_from": 1000, "ann_nprobe": 8}, ingest={"batch_size": 256})
    raws = [RawArticle(id=f"r{i}", text=f"Report {i} from harbour {i % 37}.\nCargo number {i * 7919} was moved.")
            for i in range(600)]
    with Narratrace(db=new_db("ivf"), settings=settings, encoder=HashingEncoder()) as nt:
        assert (nt.store.ann_ivf_from, nt.store.ann_nprobe) == (1000, 8)
        nt.add(raws[:550])
        assert nt.store.index().kind == "hnsw"  # grown one batch at a time: stays HNSW
        idx = nt.store.rebuild_index()
        assert idx.kind == "ivf" and idx.size == nt.store.count_passages(with_vectors=True)
        nt.add(raws[550:])
        assert nt.store.index() is idx and idx.size == nt.store.count_passages(with_vectors=True)
        sp = nt.store.passage_vectors("r599")
        _, ids = idx.search(sp.vectors, 1)
        assert set(nt.store.passage_owners(ids[:, 0]).values()) == {"r599"}
