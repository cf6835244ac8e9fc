"""Copies are kept: the same text at another outlet is its own article, linked to the first as ``copy``."""
from __future__ import annotations

import json

from narratrace import Narratrace
from narratrace.model import RawArticle

from ..conftest import SAMPLES


def _seed(prefix: str) -> str:
    return next(SAMPLES.glob(f"{prefix}_*.txt")).read_text("utf-8")


def test_copies_an_exact_copy_at_another_outlet_is_stored_and_linked(new_db, real_encoder):
    text = _seed("002")
    with Narratrace(db=new_db("copies"), encoder=real_encoder) as nt:
        nt.add([RawArticle(id="rt", text=text, outlet="RT Arabic", url="https://arabic.rt.com/x",
                           published="2022-01-27", origin="a.jsonl:1")])
        report = nt.add([RawArticle(id="mirror", text=text, outlet="Mirror Site", url="https://mirror.example/y",
                                    published="2022-01-28", origin="b.jsonl:1")])
        assert report.ingested == ["mirror"] and report.copies == {"mirror": "rt"}
        assert report.summary()["copies"] == 1 and "duplicates" not in report.summary()
        copy = nt.article("mirror")
        assert (copy.outlet, copy.url, copy.published) == ("Mirror Site", "https://mirror.example/y", "2022-01-28")
        links = [lk for lk in nt.links(article_id="mirror") if lk.kind == "copy"]
        assert len(links) == 1, nt.links(article_id="mirror")
        # the later publication copies the earlier: the edge points from the copy to its origin
        assert (links[0].source, links[0].target, links[0].direction) == ("mirror", "rt", "source->target")
        ev = links[0].evidence
        assert ev["coverage_source"] == ev["coverage_target"] == 1.0 and ev["aligned"][0]["source"] is not None
        # the same id with the same text stays idempotent
        again = nt.add([RawArticle(id="mirror", text=text, outlet="Mirror Site", origin="b.jsonl:1")])
        assert again.unchanged == ["mirror"] and not again.copies and nt.store.count_articles() == 2


def test_copies_a_copy_of_002_with_its_first_line_changed_is_linked_as_copy(new_db, real_encoder):
    """Not the same content hash (another outlet's byline), but the same text: tracing calls it a copy."""
    text = _seed("002")
    lines = text.split("\n")
    assert lines[0].startswith("RT")
    lines[0] = "الميادين نت - بيروت"
    with Narratrace(db=new_db("copies"), encoder=real_encoder) as nt:
        report = nt.add([RawArticle(id="002", text=text, published="2022-01-27", origin="a.jsonl:1"),
                         RawArticle(id="002-mayadeen", text="\n".join(lines), outlet="Al Mayadeen",
                                    published="2022-01-27T18:00", origin="a.jsonl:2")])
        assert report.ingested == ["002", "002-mayadeen"] and not report.copies  # another text hash
        assert nt.article("002-mayadeen").story_id == nt.article("002").story_id
        links = [lk for lk in nt.links(article_id="002-mayadeen") if lk.kind == "copy"]
        assert len(links) == 1, [(lk.kind, lk.evidence.get("reasons")) for lk in nt.links(article_id="002")]
        assert {links[0].source, links[0].target} == {"002", "002-mayadeen"}
        assert not [lk for lk in nt.links(article_id="002") if lk.kind in ("translates", "partial_translation")]
        assert json.dumps(links[0].evidence, ensure_ascii=False).count("verbatim") >= 1
