"""IngestPipeline: the services chained; nothing a batch produced is read back; other entry points agree."""
from __future__ import annotations

from pathlib import Path

import pytest

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.errors import EncoderError
from narratrace.model import EncodedArticle, RawArticle
from narratrace.settings import Settings

SAMPLES = Path(__file__).resolve().parents[2] / "narratrace" / "data" / "samples"


def _records() -> list[RawArticle]:
    return [RawArticle(id=f.stem, text=f.read_text("utf-8"), origin=str(f)) for f in sorted(SAMPLES.glob("*.txt"))]


def _result(nt: Narratrace) -> tuple[list[tuple[str, list[str]]], list[tuple[str, str, str, float]]]:
    stories = sorted((s.id, sorted(s.article_ids)) for s in nt.stories())
    links = sorted((lk.source, str(lk.target), lk.kind, round(lk.score, 4)) for lk in nt.links())
    return stories, links


def test_run_a_batch_never_reads_back_its_own_articles(new_db, real_encoder, monkeypatch):
    """Grouping, tracing and narratives use the hand-off objects: the store is asked for stored articles only."""
    settings = Settings.load(None, ingest={"batch_size": 3})
    with Narratrace(db=new_db("r"), settings=settings, encoder=real_encoder) as nt:
        asked: list[tuple[str, set[str]]] = []
        store = nt.store
        for name in ("passage_vectors", "passage_vectors_many", "get_article"):
            original = getattr(store, name)

            def spy(arg, *a, _name=name, _orig=original, **k):  # type: ignore[no-untyped-def]
                asked.append((_name, {arg} if isinstance(arg, str) else set(arg)))
                return _orig(arg, *a, **k)

            monkeypatch.setattr(store, name, spy)
        batches: list[set[str]] = []
        original_store_batch = nt.pipeline._store_batch

        def per_batch(batch, report):  # type: ignore[no-untyped-def]
            batches.append({it.id for it in batch})
            before = len(asked)
            original_store_batch(batch, report)
            for name, ids in asked[before:]:
                assert not ids & batches[-1], f"{name} read back {ids & batches[-1]} of its own batch"

        monkeypatch.setattr(nt.pipeline, "_store_batch", per_batch)
        report = nt.add(_records())
        assert report.ok and len(report.ingested) == 5 and len(batches) == 2


def test_run_finds_each_articles_entities_once(new_db, monkeypatch):
    """The entity service finds an article's mentions and narrate's claims read them from the hand-off object:
    the gazetteer runs once per article (it is the costliest text work after encoding), and the claims are
    those the finder's own run gives."""
    from narratrace.text.entities import EntityFinder
    from narratrace.trace.claims import extract_claims

    found: list[str] = []
    original = EntityFinder.find

    def spy(self, article):  # type: ignore[no-untyped-def]
        found.append(article.id)
        return original(self, article)

    with Narratrace(db=new_db("m"), encoder=HashingEncoder()) as nt:
        monkeypatch.setattr(EntityFinder, "find", spy)
        report = nt.add(_records())
        assert report.ok and len(report.ingested) == 5
        assert sorted(found) == sorted(report.ingested)  # once each
        monkeypatch.undo()
        for aid in report.ingested:
            art = nt.store.get_article(aid)
            want = [(c.passage, c.span, c.places, c.organisations, c.people) for c in extract_claims(art)]
            got = [(c["passage"], (c["start"], c["end"])) for c in nt.claims([aid])]
            assert [(p, tuple(sp)) for p, sp, *_ in want] == [(p, tuple(sp)) for p, sp in got], aid


def test_run_add_encoded_gives_what_add_gives(new_db, real_encoder):
    """The Spark path: analyse + encode elsewhere, then ingest_encoded; same stories and links as add."""
    with Narratrace(db=new_db("a"), encoder=real_encoder) as nt:
        nt.add(_records())
        expected = _result(nt)
    with Narratrace(db=new_db("b"), encoder=real_encoder) as nt:
        items = [nt.pipeline.analyse(r) for r in _records()]
        nt.pipeline.encode.encode(items)  # type: ignore[arg-type]
        report = nt.add_encoded(items)
        assert report.ok and len(report.ingested) == 5
        assert _result(nt) == expected


def test_run_refuses_vectors_that_break_the_passage_rule(new_db):
    with Narratrace(db=new_db("x"), encoder=HashingEncoder()) as nt:
        item = nt.pipeline.analyse(RawArticle(id="a", text="Title\n\nOne paragraph.\n\nTwo paragraphs."))
        assert isinstance(item, EncodedArticle)
        nt.pipeline.encode.encode([item])
        item.passages, item.vectors = item.passages[:1], item.vectors[:1]  # type: ignore[index]
        with pytest.raises(EncoderError, match="passage rule"):
            nt.add_encoded([item])
        assert nt.store.count_articles() == 0


def test_run_compare_of_files_gives_the_verdict_of_the_stored_pair(new_db, real_encoder):
    """compare on two texts runs ingest's analyse + encode: same relation and scores as the stored articles."""
    records = _records()
    with Narratrace(db=new_db("s"), encoder=real_encoder) as nt:
        nt.add(records)
        for a, b in [(0, 1), (1, 2), (0, 3)]:
            stored = nt.compare(records[a].id, records[b].id)
            fresh = nt.compare_records(records[a], records[b])
            # both grade with the sentence head, and the whole texts' latent terms (the same texts, the same terms)
            assert stored["graded_on"] == "passages, sentences and latent terms"
            for key in ("relation", "score", "graded_on", "coverage_a", "coverage_b", "direction", "unaligned_a",
                        "unaligned_b"):
                assert fresh[key] == stored[key], (records[a].id, records[b].id, key)
            assert [(p["a"], p["b"]) for p in fresh["aligned"]] == [(p["a"], p["b"]) for p in stored["aligned"]]


def test_run_a_failed_batch_leaves_no_trace_in_the_services(new_db, monkeypatch):
    with Narratrace(db=new_db("f"), encoder=HashingEncoder()) as nt:
        nt.add([RawArticle(id="a", text="A stored article about a flood.")])

        def boom(*a, **k):  # type: ignore[no-untyped-def]
            raise RuntimeError("disk full")

        monkeypatch.setattr(nt.pipeline.narrate, "narrate", boom)
        with pytest.raises(RuntimeError):
            nt.add([RawArticle(id="b", text="Another article about a flood.")])
        monkeypatch.undo()
        assert nt.store.count_articles() == 1 and nt.pipeline.narrate.tracker._rev is None
        assert nt.add([RawArticle(id="b", text="Another article about a flood.")]).ingested == ["b"]
