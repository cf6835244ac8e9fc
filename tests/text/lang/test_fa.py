"""Persian, with real snippets from seed 001 (ZWNJs lost in scraping, Persian digits)."""
from narratrace.model import RawArticle
from narratrace.text import normalise


def test_fa_key_folds_zwnj_and_digits():
    assert normalise("گروه بین‌الملل دفاع‌پرس") == normalise("گروه بینالملل دفاعپرس")
    assert "750" in normalise("۷۵۰ تروریست داعش را از این زندان خارج کردند")


def test_fa_end_marker_and_attribution(pipeline):
    text = ("به گزارش گروه بین‌الملل دفاع‌پرس، منابع ویژه از انتقال شماری از سرکردههای گروه تروریستی داعش خبر دادند.\n"
            "مصعب الحلبی افزود: آمریکا به دنبال اجرای توطئه ترسیم مجدد نقشه خاورمیانه است.\n"
            "انتهای پیام/ ۹۱۱")
    art = pipeline.transform(RawArticle(text=text, id="f"))
    assert art.lang == "fa" and art.outlet == "Defa Press"
    assert [p.kind for p in art.passages] == ["body", "body", "boilerplate"]


def test_fa_seed_sentences_split_on_full_stop(seeds):
    last_body = [p for p in seeds["001"].passages if p.kind == "body"][-1]
    assert len(last_body.sentences) == 2
