"""EncodeService: the one passage rule, one encoder call per batch."""
from __future__ import annotations

import numpy as np

from narratrace.embed.hashing import HashingEncoder
from narratrace.model import EncodedArticle, RawArticle
from narratrace.pipeline import AnalyseService, EncodeService
from narratrace.settings import Settings


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def encode_passages(self, texts, progress=None):  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        return super().encode_passages(texts, progress)


def test_encode_follows_the_passage_rule_in_one_call():
    settings = Settings.load(None, text={"max_passages": 2})
    analyse = AnalyseService.from_settings(settings.text, settings.ingest)
    enc = CountingEncoder()
    service = EncodeService(enc, settings.text)
    text = "Title line\n\nFirst paragraph of the body.\n\nSecond paragraph.\n\nThird paragraph.\n\nBaca Juga : x"
    items = [analyse(RawArticle(id=f"a{k}", text=text)) for k in range(3)]
    assert all(isinstance(it, EncodedArticle) for it in items)
    service.encode(items)  # type: ignore[arg-type]
    assert enc.calls == [6]  # 3 articles x the first 2 matchable passages, in one call
    for it in items:
        assert isinstance(it, EncodedArticle) and it.vectors is not None
        assert it.passages == it.article.matchable_passages()[:2] and it.vectors.shape == (2, enc.dim)
        assert all(p.kind != "boilerplate" for p in it.passages)
        assert np.allclose(np.linalg.norm(it.vectors, axis=1), 1.0)
    service.encode(items)  # type: ignore[arg-type]
    assert enc.calls == [6]  # encoded items are not encoded again


def test_analyse_reports_a_failure_as_an_input_error(monkeypatch):
    from narratrace.errors import InputError

    settings = Settings()
    analyse = AnalyseService.from_settings(settings.text, settings.ingest)
    monkeypatch.setattr(analyse.text, "transform", lambda raw: 1 / 0)
    err = analyse(RawArticle(id="x", text="t", origin="f.jsonl:3"))
    assert isinstance(err, InputError) and "f.jsonl:3" in str(err) and "ZeroDivisionError" in err.message
