"""Ingest finds an article's attributions once: the trace service leaves them on the hand-off object and
narrate's claims read them there, and the claims are those ``extract_claims`` finds on its own."""
from __future__ import annotations

from pathlib import Path

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.model import RawArticle
from narratrace.pipeline import trace as trace_service
from narratrace.trace import claims as claims_module

SAMPLES = Path(__file__).resolve().parents[2] / "narratrace" / "data" / "samples"


def test_ingest_finds_each_articles_attributions_once(new_db, monkeypatch):
    calls: dict[str, list[str]] = {"trace": [], "claims": []}

    def spying(where, original):  # type: ignore[no-untyped-def]
        def spy(article, *a, **k):  # type: ignore[no-untyped-def]
            calls[where].append(article.id)
            return original(article, *a, **k)
        return spy

    records = [RawArticle(id=f.stem, text=f.read_text("utf-8"), origin=str(f)) for f in sorted(SAMPLES.glob("*.txt"))]
    with Narratrace(db=new_db("a"), encoder=HashingEncoder()) as nt:
        monkeypatch.setattr(trace_service, "find_attributions", spying("trace", trace_service.find_attributions))
        monkeypatch.setattr(claims_module, "find_attributions", spying("claims", claims_module.find_attributions))
        report = nt.add(records)
        assert report.ok and len(report.ingested) == 5
        assert sorted(calls["trace"]) == sorted(report.ingested) and calls["claims"] == []
        monkeypatch.undo()
        attributed = 0
        for aid in report.ingested:
            own = claims_module.extract_claims(nt.store.get_article(aid))
            stored = nt.claims([aid])
            assert [(c.passage, c.span[0], c.span[1], c.score) for c in own] == \
                [(c["passage"], c["start"], c["end"], c["score"]) for c in stored], aid
            attributed += sum(1 for c in own if c.attribution)
        assert attributed >= 2  # the seeds cite Sputnik and SANA: the passed attributions are used
