"""Italian: month names, with the head of a real press release (SemEval-2022 Task 8, pairs.csv)."""
from narratrace.model import RawArticle

TEXT = ("Ricerca quantitativa sul mercato globale delle stampanti fotografiche mobili (2020-2029) New York City, "
        "NY: 01 gennaio 2020 - Pubblicato tramite (rilascio via cavo) -Il rapporto sul mercato globale delle "
        "stampanti fotografiche mobili contiene anche studi di casi approfonditi sui vari paesi.")


def test_it_dateline_gives_the_publication_date(pipeline):
    art = pipeline.transform(RawArticle(text=TEXT, id="it"))
    assert art.lang == "it" and art.published == "2020-01-01"
