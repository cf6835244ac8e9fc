"""The SQLite store and its ANN cache: idempotence, transactions, rebuilds."""
from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.errors import StoreError
from narratrace.model import RawArticle


def _project(tmp_path, name="t.db"):
    # plumbing tests: a deterministic hashing encoder is enough (grouping is tested with the real one)
    return Narratrace(db=tmp_path / name, encoder=HashingEncoder())


def _raws(n=3):
    return [RawArticle(id=f"a{i}", text=f"Article number {i}.\nIt has a second paragraph about topic {i * 7}.",
                       origin=f"mem:{i}") for i in range(n)]


def test_store_reingest_is_idempotent(tmp_path):
    with _project(tmp_path) as nt:
        first = nt.add(_raws())
        second = nt.add(_raws())
        assert len(first.ingested) == 3 and len(second.unchanged) == 3
        assert nt.store.count_articles() == 3
        assert nt.store.count_passages(with_vectors=True) == 6


def test_store_same_text_new_id_is_a_copy(tmp_path):
    with _project(tmp_path) as nt:
        nt.add(_raws(1))
        rep = nt.add([RawArticle(id="copy", text=_raws(1)[0].text)])
        assert rep.copies == {"copy": "a0"} and rep.ingested == ["copy"]
        assert nt.store.count_articles() == 2


def test_store_changed_text_updates_in_place(tmp_path):
    with _project(tmp_path) as nt:
        nt.add(_raws(1))
        rep = nt.add([RawArticle(id="a0", text="A corrected article.\nWith new text.", origin="mem:0")])
        assert rep.updated == ["a0"]
        assert nt.store.count_articles() == 1
        assert nt.article("a0").passages[0].text == "A corrected article."


def test_store_schema_version_and_reopen(tmp_path):
    with _project(tmp_path) as nt:
        nt.add(_raws())
        assert nt.store.schema_version >= 1
    with _project(tmp_path) as nt:
        assert nt.store.count_articles() == 3


def test_store_index_rebuilt_when_lost_or_stale(tmp_path):
    with _project(tmp_path) as nt:
        nt.add(_raws())
        path = nt.store.index_path
    os.remove(path)
    with _project(tmp_path) as nt:
        assert nt.store.index().size == 6
        assert os.path.exists(path)
        nt.add(_raws(5))  # adds a3, a4
    with _project(tmp_path) as nt:
        # simulate a crash between commit and index save: an old index file
        nt.store.index()
    with _project(tmp_path) as nt:
        nt.store.db.execute("DELETE FROM passages WHERE rowid = (SELECT max(rowid) FROM passages)")
        nt.store.discard_index()
        assert nt.store.index().size == nt.store.count_passages(with_vectors=True)


def test_store_failed_batch_rolls_back(tmp_path, monkeypatch):
    with _project(tmp_path) as nt:
        nt.add(_raws(2))

        def boom(*a, **k):
            raise RuntimeError("disk full")

        monkeypatch.setattr(nt.store, "write_links", boom)
        monkeypatch.setattr(nt.pipeline.group.grouper, "assign", lambda side, src, **k: ("S1", object()))
        # a failure of one article (issue 16): that article is undone alone and reported, the batch goes on
        report = nt.add([RawArticle(id="new", text="Something else entirely."),
                         RawArticle(id="next", text="A second new text, stored without links.")])
        assert [e.message.split(": ")[1] for e in report.errors] == ["new", "next"]
        assert nt.store.count_articles() == 2
        assert nt.store.index().size == nt.store.count_passages(with_vectors=True)

        # the store's own failure (an I/O error) costs the batch: rolled back whole, raised as a StoreError
        def io_error(*a, **k):
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(nt.store, "write_links", io_error)
        with pytest.raises(StoreError, match="disk I/O error"):
            nt.add([RawArticle(id="new", text="Something else entirely.")])
        assert nt.store.count_articles() == 2
        assert nt.store.index().size == nt.store.count_passages(with_vectors=True)


def test_store_refuses_vectors_of_another_encoder(new_db):
    db = new_db("t")
    with Narratrace(db=db, encoder=HashingEncoder()) as nt:
        nt.add(_raws(1))
    with Narratrace(db=db, encoder=HashingEncoder(dim=128)) as nt, pytest.raises(StoreError, match="encoder"):
        nt.add([RawArticle(id="x", text="Another text entirely.")])


def test_store_vectors_are_half_precision(tmp_path):
    with _project(tmp_path) as nt:
        nt.add(_raws(1))
        blob = nt.store.db.execute("SELECT vector FROM passages LIMIT 1").fetchone()[0]
        assert len(blob) == 2 * 256
        sp = nt.store.passage_vectors("a0")
        assert np.allclose(np.linalg.norm(sp.vectors, axis=1), 1.0, atol=1e-2)
        json.loads(nt.store.db.execute("SELECT sentences FROM passages LIMIT 1").fetchone()[0])


def test_store_same_id_from_another_file_is_refused(tmp_path):
    with _project(tmp_path) as nt:
        nt.add([RawArticle(id="001", text="Arabic copy of a story.", origin="ar/001.txt")])
        rep = nt.add([RawArticle(id="001", text="Persian copy, other text.", origin="fa/001.txt")])
        assert not rep.ok and "already used by ar/001.txt" in str(rep.errors[0])
        assert nt.article("001").text == "Arabic copy of a story."


def test_store_index_saved_before_later_batches_catches_up(tmp_path):
    with _project(tmp_path) as nt:
        nt.add(_raws(2))
        path = nt.store.index_path
    old = Path(path).read_bytes()  # the index as saved when the first project closed
    with _project(tmp_path) as nt:
        nt.add([RawArticle(id="late", text="A later article.\nWith two passages.", origin="mem:late")])
    Path(path).write_bytes(old)  # as if the process died before saving the second run's index
    with _project(tmp_path) as nt:
        nt.store.rebuild_index = lambda *a, **k: pytest.fail("a stale index is caught up, not rebuilt")
        idx = nt.store.index()
        assert idx.size == nt.store.count_passages(with_vectors=True) == 6
        sp = nt.store.passage_vectors("late")
        _, ids = idx.search(sp.vectors, 1)
        assert set(nt.store.passage_owners(ids[:, 0]).values()) == {"late"}


def test_store_id_first_seen_as_a_copy_keeps_its_first_text(tmp_path):
    # found by hypothesis: a:"X", b:"X" (a copy), b:"Y" — a second run must not store b:"Y" then
    recs = [RawArticle(id="a", text="Same words here.", origin="g.jsonl:1"),
            RawArticle(id="b", text="Same words here.", origin="g.jsonl:2"),
            RawArticle(id="b", text="Other words.", origin="g.jsonl:3")]
    with _project(tmp_path) as nt:
        first = nt.add(recs)
        second = nt.add(recs)
        assert first.ingested == ["a", "b"] and first.copies == {"b": "a"} and len(first.errors) == 1
        assert second.ingested == [] and second.updated == [] and nt.store.count_articles() == 2
        assert nt.store.get_article("b").text == "Same words here."
