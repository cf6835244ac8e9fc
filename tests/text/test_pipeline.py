"""The stage end to end: public surface, seed expectations, offsets, speed."""
import time

from narratrace.model import Article, RawArticle
from narratrace.text import TextPipeline, analyse


def test_pipeline_public_surface():
    art = analyse(RawArticle(text="Isi berita pertama.\nBaca Juga : x", id="p"))
    assert isinstance(art, Article) and art.id == "p"
    assert TextPipeline(max_passage_chars=500, max_article_chars=10).transform(
        RawArticle(text="x" * 50)).text == "x" * 10


def test_pipeline_refuses_unknown_parameters_and_takes_its_defaults_from_the_settings():
    import pytest

    from narratrace.settings import Settings

    with pytest.raises(TypeError):
        TextPipeline(max_passage_chars=500, anything=1)  # type: ignore[call-arg]
    assert TextPipeline().max_passage_chars == Settings().text.max_passage_chars


def test_pipeline_seed_offsets_and_keys(seeds):
    for art in seeds.values():
        for p in art.passages:
            assert art.text[p.start:p.end] == p.text
            assert p.key and p.sentences
        assert art.lang and art.title


def test_pipeline_seed_ids_kept(seeds):
    assert seeds["000"].id == "000_b87142e14614ef64"


def test_pipeline_record_lang_kept(pipeline):
    art = pipeline.transform(RawArticle(text="Sumber-sumber mengatakan kepada Sputnik bahwa pasukan AS pergi.",
                                        lang="ms"))
    assert art.lang == "ms"


def test_pipeline_empty_text(pipeline):
    art = pipeline.transform(RawArticle(text="  \n \n"))
    assert art.passages == [] and len(art.id) == 16


def test_pipeline_speed(pipeline, seeds):
    """>1000 passages/s measured on a quiet machine (docs/text.md); the floor here allows for a busy CI."""
    raws = [RawArticle(text=a.text) for a in seeds.values()]
    n, t0 = 0, time.perf_counter()
    for _ in range(10):
        for raw in raws:
            n += len(pipeline.transform(raw).passages)
    assert n / (time.perf_counter() - t0) > 250
