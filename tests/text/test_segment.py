from hypothesis import given, settings
from hypothesis import strategies as st

from narratrace.model import RawArticle
from narratrace.text import TextPipeline
from narratrace.text.segment import pack, split_paragraphs, split_sentences


def sents(text, lang=None):
    return [text[a:b] for a, b in split_sentences(text, lang)]


def test_segment_run_together_sentences():
    assert sents("wilayah Tanf, selatan Suriah.Dalam pertemuan, mereka membahas.", "id") == [
        "wilayah Tanf, selatan Suriah.", "Dalam pertemuan, mereka membahas."]
    assert sents("sejak 2011.Pasukan pemerintah berhasil.") == ["sejak 2011.", "Pasukan pemerintah berhasil."]


def test_segment_straight_quotes_by_parity():
    text = ('kata sumber."Gereja-gereja telah dimasukkan dalam daftar sasaran," lanjutnya.'
            '"Dalam kerangka kesepakatan, sistem persenjataan modern."Sumber itu mengatakan.')
    assert sents(text, "id") == [
        "kata sumber.",
        '"Gereja-gereja telah dimasukkan dalam daftar sasaran," lanjutnya.',
        '"Dalam kerangka kesepakatan, sistem persenjataan modern."',
        "Sumber itu mengatakan.",
    ]


def test_segment_abbreviations_decimals_initials():
    assert len(split_sentences("Kantor di Jl. Sudirman No. 5, ada buku, pena dll. Semua baru.", "id")) == 1
    assert sents("The U.S. military said so. It grew 3.5 percent.", "en") == [
        "The U.S. military said so.", "It grew 3.5 percent."]
    assert sents("افزایش ۳.۵ درصد است. این خبر مهم است؟ بله", "fa") == [
        "افزایش ۳.۵ درصد است.", "این خبر مهم است؟", "بله"]
    assert sents("قال د. محمد إن الوضع خطير. وأضاف أن الحل قريب.", "ar") == [
        "قال د. محمد إن الوضع خطير.", "وأضاف أن الحل قريب."]


def test_segment_urdu_full_stop():
    assert sents("ٹام اداس ہے۔ وہ گھر گیا۔", "ur") == ["ٹام اداس ہے۔", "وہ گھر گیا۔"]


def test_segment_no_split_before_lowercase():
    assert len(split_sentences("Lihat situs presstv.com untuk info. dan lainnya")) == 1


def test_segment_rules_are_the_language_slots(monkeypatch):
    """A language's ``sentence_end`` and ``sentence_closers`` decide the cuts (the Hindi danda)."""
    from narratrace import registry
    from narratrace.text.lang.base import BaseDefaults

    class Hindi(BaseDefaults):
        lang = "hi"
        sentence_end = BaseDefaults.sentence_end + "।"
        sentence_closers = BaseDefaults.sentence_closers + "〉"

    text = "शर्मा ने कहा कि बारिश होगी। कल स्कूल बंद रहेंगे।〉 सरकार ने यह कहा।"
    assert len(sents(text, "hi")) == 1
    monkeypatch.setattr(registry, "languages", registry.Registry("languages"))
    registry.languages.register("hi")(Hindi)
    assert sents(text, "hi") == ["शर्मा ने कहा कि बारिश होगी।", "कल स्कूल बंद रहेंगे।〉", "सरकार ने यह कहा।"]


def test_segment_paragraphs_strip_whitespace():
    text = " date 2021-02 x.\n\n  Kedua.  \r\nKetiga"
    assert [text[a:b] for a, b in split_paragraphs(text)] == ["date 2021-02 x.", "Kedua.", "Ketiga"]


def test_segment_seed_003_suriah_dalam(seeds):
    sentences = [s for p in seeds["003"].passages for s in p.sentence_texts()]
    assert any(s.endswith("selatan Suriah.") for s in sentences)
    assert any(s.startswith("Dalam pertemuan, mereka membahas") for s in sentences)


def test_segment_long_paragraph_split_with_offsets():
    sentence = "Ini adalah kalimat yang cukup panjang untuk diuji. "
    text = "Judul pendek\n" + sentence * 40
    art = TextPipeline(max_passage_chars=300).transform(RawArticle(text=text, id="x"))
    body = art.passages[1:]
    assert len(body) > 5
    for p in art.passages:
        assert art.text[p.start:p.end] == p.text
        assert len(p.text) <= 300
        assert p.sentences and all(0 <= a < b <= len(p.text) for a, b in p.sentences)
    assert [p.index for p in art.passages] == list(range(len(art.passages)))


def test_segment_pack_cuts_overlong_sentence():
    text = "kata " * 100
    spans = pack(text, split_sentences(text), 50)
    assert all(b - a <= 50 for a, b in spans)
    assert "".join(text[a:b] for a, b in spans).replace(" ", "") == text.replace(" ", "")


def _covers(text, spans):
    assert all(a < b for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
    joined = "".join(text[a:b] for a, b in spans)
    assert "".join(joined.split()) == "".join(text.split())


PUNCT_TEXT = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(list('.!?…؟۔"“”«» \nAaد3۳'))))


@settings(max_examples=400, deadline=None)
@given(PUNCT_TEXT, st.sampled_from([None, "id", "ar", "fa", "en"]))
def test_segment_sentences_lose_no_character(text, lang):
    _covers(text, split_sentences(text, lang))


@settings(max_examples=200, deadline=None)
@given(PUNCT_TEXT, st.integers(min_value=5, max_value=200))
def test_segment_pipeline_loses_no_character(text, max_chars):
    art = TextPipeline(max_passage_chars=max_chars).transform(RawArticle(text=text, id="h"))
    _covers(text, [(p.start, p.end) for p in art.passages])
    for p in art.passages:
        assert art.text[p.start:p.end] == p.text
        _covers(p.text, p.sentences)
