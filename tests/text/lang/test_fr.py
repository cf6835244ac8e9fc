"""French: month names, with the head of a real article (SemEval-2022 Task 8, pairs.csv)."""
from narratrace.model import RawArticle

TEXT = ("Scholz au Bundestag de Berlin : « La crise de Corona montre à quel point nous sommes vulnérables » "
        "Mise à jour du 25 mars 2020, 17 h 59 CET : le Bundestag approuve le programme d'aide de Scholz")


def test_fr_dateline_gives_the_publication_date(pipeline):
    art = pipeline.transform(RawArticle(text=TEXT, id="fr"))
    assert art.lang == "fr" and art.published == "2020-03-25" and art.provenance["published"] == "text"
