"""Arabic, with real snippets from seed 002."""
from narratrace.model import RawArticle
from narratrace.text import normalise


def test_ar_key_folds_hamza_and_yeh():
    assert normalise("القوات الأمريكية في سوريا") == normalise("القوات الامریکیه فی سوریا")


def test_ar_source_and_related_lines(pipeline):
    text = ("RT :\n"
            "نقلت القوات الأمريكية في سوريا عددا من قياديي تنظيم “داعش” من سجن الصناعة في الحسكة.\n"
            "اقرأ أيضا: الأمم المتحدة تعلن مصدر الطائرات المسيرة\n"
            "المصدر: “سبوتنيك”")
    art = pipeline.transform(RawArticle(text=text, id="a"))
    assert [p.kind for p in art.passages] == ["meta", "body", "boilerplate", "meta"]
    assert art.lang == "ar" and art.outlet == "RT"


def test_ar_question_mark_splits(pipeline):
    art = pipeline.transform(RawArticle(text="هل انسحبت قسد من ثلاث نقاط؟ قالت المصادر إن ذلك حصل.", id="q"))
    assert len(art.passages[0].sentences) == 2
