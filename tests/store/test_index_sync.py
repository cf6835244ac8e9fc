"""Two writers on one store: each one's ANN index takes in what the other stored before it groups."""
from __future__ import annotations

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.model import RawArticle


def test_index_catches_up_with_another_writer_before_grouping(new_db, tmp_path):
    db = new_db("shared")
    a, b = Narratrace(db=db, encoder=HashingEncoder()), Narratrace(db=db, encoder=HashingEncoder())
    try:
        a.add([RawArticle(id="a0", text="Harbour cranes idle in Rotterdam.\nDockers strike for a third day.")])
        a.store.index()  # loaded now, before b writes
        b.add([RawArticle(id="b0", text="Flood waters rise in Porto.\nThe river Douro broke its banks overnight.")])
        a.add([RawArticle(id="a1", text="Power cut in Lyon.\nTrams stopped for two hours.")])
        idx = a.store.index()
        assert idx.size == a.store.count_passages(with_vectors=True) == 6
        _, ids = idx.search(b.store.passage_vectors("b0").vectors, 1)
        assert set(a.store.passage_owners(ids[:, 0]).values()) == {"b0"}
    finally:
        a.close(), b.close()
