"""Languages without a module use the shared defaults."""
from narratrace.model import RawArticle


def test_xx_german_article_uses_shared_rules(pipeline):
    text = "Die Regierung hat am Dienstag neue Maßnahmen angekündigt. Sie gelten ab Montag.\n[DPA/AFP]"
    art = pipeline.transform(RawArticle(text=text, id="d"))
    assert art.lang == "de"
    assert [p.kind for p in art.passages] == ["body", "boilerplate"]
    assert len(art.passages[0].sentences) == 2
