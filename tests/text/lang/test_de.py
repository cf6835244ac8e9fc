"""German: month names; sentences and boilerplate use the shared rules."""
from narratrace.group.features import latest_mentioned_month
from narratrace.model import RawArticle


def test_de_article_uses_shared_rules(pipeline):
    text = "Die Regierung hat am Dienstag neue Maßnahmen angekündigt. Sie gelten ab Montag.\n[DPA/AFP]"
    art = pipeline.transform(RawArticle(text=text, id="d"))
    assert art.lang == "de"
    assert [p.kind for p in art.passages] == ["body", "boilerplate"]
    assert len(art.passages[0].sentences) == 2


def test_de_month_mention():
    """German writes the day with a dot ("Am 12. Dezember 2018", in a real article of SemEval-2022 Task 8),
    which the date rule does not read; the month mention still bounds the date from below."""
    assert latest_mentioned_month("Am 12. Dezember 2018 stellte die Stadt den Plan vor.") == "2018-12"
