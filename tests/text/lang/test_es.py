"""Spanish: month names; the article is the head of a real one (SemEval-2022 Task 8, pairs.csv)."""
from narratrace.group.features import latest_mentioned_month
from narratrace.model import RawArticle

TEXT = ("Hombre de Birmingham arrestado en relación con el homicidio del 23 de diciembre, dicen las autoridades. "
        "Un hombre de Birmingham ha sido detenido por el homicidio del 23 de diciembre, dijeron las autoridades.")


def test_es_article(pipeline):
    art = pipeline.transform(RawArticle(text=TEXT, id="es"))
    assert art.lang == "es" and len(art.passages[0].sentences) == 2


def test_es_month_mention():
    assert latest_mentioned_month("las cifras de octubre 2019 y de mayo 2020") == "2020-05"
