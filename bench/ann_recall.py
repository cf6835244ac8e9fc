"""Recall@10 of a bench/scale.py store's IVF index against exact search, by nprobe (synthetic vectors).

    python bench/ann_recall.py /work/scale/scale-1000000.db   (needs ~15 GB of RAM for 3M passages)
"""
import sqlite3
import sys
import time

import faiss
import numpy as np

db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT rowid, vector FROM passages WHERE vector IS NOT NULL ORDER BY rowid").fetchall()
ids = np.array([r[0] for r in rows])
X = np.stack([np.frombuffer(r[1], np.float16) for r in rows]).astype(np.float32)
del rows
rng = np.random.default_rng(0)
q = X[rng.choice(len(X), 200, replace=False)]
t = time.time()
S = q @ X.T
truth = ids[np.argsort(-S, axis=1)[:, 1:11]]
print("exact", time.time() - t, flush=True)
idx = faiss.read_index(sys.argv[1] + ".faiss")
ivf = faiss.extract_index_ivf(idx)
for nprobe in (8, 16, 32, 64):
    ivf.nprobe = nprobe
    faiss.downcast_index(ivf.quantizer).hnsw.efSearch = max(64, 2 * nprobe)
    t = time.perf_counter()
    _, got = idx.search(q, 11)
    dt = (time.perf_counter() - t) / len(q) * 1e3
    rec = np.mean([len(set(tr) & set(g)) / 10 for tr, g in zip(truth, got)])
    print(f"nprobe {nprobe}: recall@10 {rec:.3f}, {dt:.2f} ms per query (batch of 200)", flush=True)
