import pytest

from narratrace.model import RawArticle
from narratrace.text.boilerplate import classify, rules_for, split_tail
from narratrace.text.normalise import normalise


def kind_of(text, langs=("id",), at_head=True):
    r = classify(text, normalise(text), rules_for(tuple(langs)), at_head=at_head)
    return r[0] if r else "body"


def test_boilerplate_seed_000_baca_juga(seeds):
    art = seeds["000"]
    bp = [p for p in art.passages if p.kind == "boilerplate"]
    assert len(bp) == 4
    assert all(p.text.startswith("Baca Juga :") and p.reason == "related link" for p in bp)
    assert all(p.kind == "body" for p in art.passages if not p.text.startswith("Baca Juga"))


def test_boilerplate_seed_001_end_marker(seeds):
    last = seeds["001"].passages[-1]
    assert last.text == "انتهای پیام/ ۹۱۱"
    assert last.kind == "boilerplate" and last.reason == "end marker"
    assert [p.kind for p in seeds["001"].passages[:-1]] == ["body"] * (len(seeds["001"].passages) - 1)


def test_boilerplate_seed_002_meta_lines(seeds):
    ps = seeds["002"].passages
    assert (ps[0].text, ps[0].kind) == ("RT :", "meta")
    assert ps[-1].kind == "meta" and ps[-1].reason == "source line"
    assert all(p.kind == "body" for p in ps[1:-1])


def test_boilerplate_seed_003_date_line_and_glued_tag(seeds):
    art = seeds["003"]
    assert art.passages[0].kind == "meta" and art.passages[0].text.startswith("date 2021-02")
    tag = art.passages[-1]
    assert (tag.text, tag.kind, tag.reason) == ("[IT/AR]", "boilerplate", "site tag")
    assert art.passages[-2].text.endswith("kemajuannya.")
    assert art.text[tag.start:tag.end] == "[IT/AR]"


def test_boilerplate_excluded_from_matching(seeds):
    assert all(not p.text.startswith("Baca Juga") for p in seeds["000"].matchable_passages())


@pytest.mark.parametrize("text,langs", [
    ("Read also: Trump says the border is not his problem", ("en",)),
    ("Read more", ("en",)),
    ("اقرأ أيضا: الأمم المتحدة تعلن مصدر الطائرات المسيرة", ("ar",)),
    ("اقرأ أيضاً | ماذا يحدث في الحسكة", ("ar",)),
    ("بیشتر بخوانید: حمله به زندان الصناعه", ("fa",)),
    ("انتهای پیام", ("fa",)),
    ("[IT/AR]", ("id",)),
    ("Share on Facebook", ("en",)),
    ("Facebook Twitter WhatsApp", ("id",)),
    ("Baca juga: Kehadiran para Ahli Militer Mesir di Yaman", ("ms",)),  # wrong passage lang still works
])
def test_boilerplate_lines(text, langs):
    assert kind_of(text, langs) == "boilerplate"


@pytest.mark.parametrize("text", [
    "Sumber-sumber tersebut mengatakan kepada Sputnik bahwa pasukan AS telah mengambil keuntungan.",
    "Bacaan juga penting bagi anak-anak.",
    "Al-Halabi menyatakan: Serangan terhadap penjara telah direncanakan oleh Washington.",
    "Read also the statement of the ministry, which says more about the convoy. " * 5,
])
def test_boilerplate_article_lines_stay_body(text):
    assert kind_of(text, ("id", "en")) == "body"


def test_boilerplate_outlet_line_only_at_head():
    assert kind_of("Al-Halabi menyatakan:", at_head=True) == "meta"
    assert kind_of("Al-Halabi menyatakan:", at_head=False) == "body"


def test_boilerplate_split_tail():
    text = "kehadiran pasukan telah memperlambat kemajuannya.[IT/AR]"
    cut, reason = split_tail(text, rules_for(("id",)))
    assert text[cut:] == "[IT/AR]" and reason == "site tag"
    text = "اخبار این گروه را دنبال کنید. انتهای پیام/ ۹۱۱"
    cut, reason = split_tail(text, rules_for(("fa",)))
    assert text[cut:] == "انتهای پیام/ ۹۱۱" and reason == "end marker"


def test_boilerplate_reason_recorded(pipeline):
    art = pipeline.transform(RawArticle(text="Isi berita pertama yang cukup panjang.\nBaca Juga: Lain\n", id="b"))
    assert art.passages[1].reason == "related link"
