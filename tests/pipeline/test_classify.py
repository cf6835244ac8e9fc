"""ClassifyService: the one place that decides new / new version / unchanged / copy / id clash."""
from __future__ import annotations

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.model import EncodedArticle, RawArticle
from narratrace.pipeline import ClassifyService, IngestReport
from narratrace.pipeline.classify import origin_file


def _items(nt: Narratrace, *records: RawArticle) -> list[EncodedArticle]:
    out = [nt.pipeline.analyse(r) for r in records]
    assert all(isinstance(it, EncodedArticle) for it in out)
    return out  # type: ignore[return-value]


def test_classify_every_kind_of_record(new_db):
    with Narratrace(db=new_db("c"), encoder=HashingEncoder()) as nt:
        nt.add([RawArticle(id="a", text="The first article about a flood in the north.", origin="x.jsonl:1"),
                RawArticle(id="b", text="A second article, about an election.", origin="x.jsonl:2"),
                RawArticle(id="c", text="A third one, about a strike.", origin="x.jsonl:3")])
        items = _items(nt,
                       RawArticle(id="a", text="The first article about a flood in the north.", origin="x.jsonl:1"),
                       RawArticle(id="b", text="A new version of the election article.", origin="x.jsonl:2"),
                       RawArticle(id="b2", text="A second article, about an election.", origin="y.jsonl:1"),
                       RawArticle(id="c", text="Another text under c's id from another file.", origin="z.jsonl:4"),
                       RawArticle(id="n", text="Something new entirely.", origin="y.jsonl:2"),
                       RawArticle(id="n2", text="Something new entirely.", origin="y.jsonl:3"))
        report = IngestReport()
        with nt.store.transaction():
            keep = ClassifyService(nt.store).classify(items, report)
    # copies are kept, each pointing at the first article with its text (stored, else earlier in the run)
    assert [(it.id, it.replace, it.copy_of) for it in keep] == [("b", True, None), ("b2", False, "b"),
                                                               ("n", False, None), ("n2", False, "n")]
    assert report.unchanged == ["a"] and report.copies == {"b2": "b", "n2": "n"}
    assert len(report.errors) == 1 and "already used by x.jsonl:3" in report.errors[0].message  # the clash


def test_classify_an_id_met_twice_in_one_run_keeps_the_first_text(new_db):
    with Narratrace(db=new_db("c"), encoder=HashingEncoder()) as nt:
        report = IngestReport()
        first = _items(nt, RawArticle(id="a", text="One text.", origin="f.jsonl:1"))
        second = _items(nt, RawArticle(id="a", text="Another text.", origin="f.jsonl:9"))
        service = ClassifyService(nt.store)
        assert service.classify(first, report) and not service.classify(second, report)
    assert "appears twice in this input" in report.errors[0].message


def test_classify_the_pre_check_only_spares_the_encoder(new_db):
    """already_stored is a hint read before the lock: the same id with the same text needs no vectors; a copy
    (the text under another id) is stored with its own, so it is encoded."""
    with Narratrace(db=new_db("c"), encoder=HashingEncoder()) as nt:
        nt.add([RawArticle(id="a", text="Stored text.")])
        items = _items(nt, RawArticle(id="a", text="Stored text."), RawArticle(id="z", text="Stored text."),
                       RawArticle(id="y", text="Not stored."))
        assert ClassifyService(nt.store).already_stored(items) == {0}


def test_classify_the_same_id_and_text_again_is_unchanged_not_a_copy(new_db):
    with Narratrace(db=new_db("c"), encoder=HashingEncoder()) as nt:
        first = nt.add([RawArticle(id="a", text="One text.", origin="f.jsonl:1")])
        again = nt.add([RawArticle(id="a", text="One text.", origin="f.jsonl:1")])
        assert first.ingested == ["a"] and again.unchanged == ["a"] and not again.copies
        assert nt.store.count_articles() == 1


def test_classify_origin_file():
    assert origin_file("dump.jsonl:12") == "dump.jsonl" and origin_file("a.txt") == "a.txt"
    assert origin_file("c:/x/a.txt") == "c:/x/a.txt"
