"""Turkish: month names, with the head of a real article (SemEval-2022 Task 8, pairs.csv)."""
from narratrace.model import RawArticle
from narratrace.text.lang import get_lang

TEXT = ("Altın fiyatları bugün ne kadar oldu? 8 Haziran 2020 gram altın ve altın fiyatlarında son durum "
        "08 Haziran 2020 Pazartesi 10:58 - Güncelleme: Haziran 08 2020 Pazartesi 10: 58")


def test_tr_dateline_gives_the_publication_date(pipeline):
    art = pipeline.transform(RawArticle(text=TEXT, id="tr"))
    assert art.lang == "tr" and art.published == "2020-06-08"


def test_tr_months_keep_turkish_letters():
    assert get_lang("tr").months["şubat"] == 2 and get_lang("tr").months["ağustos"] == 8
