"""Urdu: told apart from Persian by its letters; split on the Urdu full stop."""
from narratrace.model import RawArticle


def test_ur_article(pipeline):
    text = "امریکی فوج نے داعش کے قیدیوں کو منتقل کیا۔ یہ بات حکام نے بتائی۔\nمزید پڑھیں: شام کی خبریں"
    art = pipeline.transform(RawArticle(text=text, id="u"))
    assert art.lang == "ur"
    assert len(art.passages[0].sentences) == 2
    assert art.passages[1].kind == "boilerplate"
