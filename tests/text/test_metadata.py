import pytest

from narratrace.model import RawArticle
from narratrace.text.metadata import OutletAliases, find_date, find_outlet, full_dates, title_from
from narratrace.text.normalise import normalise


def test_metadata_seed_outlets(seeds):
    assert {n: seeds[n].outlet for n in ("000", "001", "002", "003")} == {
        "000": "Purna Warta", "001": "Defa Press", "002": "RT", "003": "Islam Times"}
    assert seeds["004"].outlet is None
    assert all(seeds[n].provenance["outlet"] == "text" for n in ("000", "001", "002", "003"))


def test_metadata_seed_dates(seeds):
    assert seeds["003"].published == "2021-02"
    assert seeds["004"].published == "2017-11-14"
    assert seeds["000"].published is None        # "Oktober 2019" is an event, not the publication date
    assert seeds["001"].published is None
    assert seeds["004"].provenance["published"] == "text"


def test_metadata_seed_titles(seeds):
    assert seeds["000"].title.startswith("Sumber-sumber khusus melaporkan")   # dateline dropped
    assert seeds["001"].title.startswith("منابع ویژه")
    assert seeds["003"].title.startswith("Badan intelijen Barat")
    assert all(len(a.title) <= 121 for a in seeds.values())
    assert all(a.provenance["title"] == "first sentence" for a in seeds.values())


def test_metadata_record_wins(pipeline):
    raw = RawArticle(text="Islam Times - Badan intelijen Barat setuju.\nKata sumber 14 November 2017.",
                     id="r", outlet="Other", published="2020-01-01", title="T", lang="en")
    art = pipeline.transform(raw)
    assert (art.outlet, art.published, art.title, art.lang) == ("Other", "2020-01-01", "T", "en")
    assert art.provenance["outlet"] == "record"


def test_metadata_record_title_marks_title_passage(pipeline):
    raw = RawArticle(text="Pasukan AS Pindahkan Tahanan ISIS\nIsi berita yang panjang di sini.", id="t",
                     title="Pasukan AS pindahkan tahanan ISIS")
    art = pipeline.transform(raw)
    assert art.passages[0].kind == "title" and art.passages[0].matchable


@pytest.mark.parametrize("line,outlet", [
    ("Damaskus, Purna Warta – Sumber-sumber khusus melaporkan", "Purna Warta"),
    ("Islam Times - Badan intelijen Barat", "Islam Times"),
    ("WASHINGTON (Reuters) - The Pentagon said", "Reuters"),
    ("JAKARTA, KOMPAS.com - Presiden mengatakan", "Kompas"),
    ("به گزارش گروه بین‌الملل دفاع‌پرس، منابع ویژه", "Defa Press"),
    ("به گزارش خبرگزاری تسنیم، سخنگوی وزارت", "Tasnim"),
    ("WASHINGTON - The Pentagon said", None),
    ("Kementerian Pertahanan Rusia merilis foto yang menunjukkan", None),
])
def test_metadata_dateline_outlet(line, outlet):
    assert find_outlet([("body", line)], OutletAliases())[0] == outlet


def test_metadata_outlet_line():
    assert find_outlet([("meta", "RT :"), ("body", "نقلت القوات")], OutletAliases())[0] == "RT"


def test_metadata_alias_file_extends(tmp_path):
    f = tmp_path / "a.tsv"
    f.write_text("# mine\nکیهان\tKayhan\n", encoding="utf-8")
    aliases = OutletAliases(f)
    assert aliases.get("کيهان") == "Kayhan"           # Arabic yeh folds to Persian
    assert aliases.get("Press TV") == "Press TV"


@pytest.mark.parametrize("text,iso", [
    ("Selasa 14 November 2017", "2017-11-14"),
    ("on November 14, 2017", "2017-11-14"),
    ("14 Desember 2021", "2021-12-14"),
    ("۱۴ نوامبر ۲۰۱۷", "2017-11-14"),
    ("١٤ تشرين الثاني ٢٠١٧", "2017-11-14"),
    ("14 نوفمبر 2017", "2017-11-14"),
    ("2017-11-14", "2017-11-14"),
    ("Jakarta (14/11/2017)", "2017-11-14"),
])
def test_metadata_full_dates(text, iso):
    assert [d for d, _, _ in full_dates(normalise(text))] == [iso]


def test_metadata_date_rule():
    body = [("Pada Oktober 2019 dia berkata hal itu.", "id", [])]
    assert find_date([("body", body[0][0])], body) is None            # month-year only
    two = [("Hal itu terjadi 1 Mei 2017 dan 2 Mei 2018, kata dia.", "id", [])]
    assert find_date([], two) is None                                 # more than one date
    noverb = [("Perang dimulai 1 Mei 2017 di kota itu.", "id", [])]
    assert find_date([], noverb) is None                              # no reporting verb
    head = [("body", "JAKARTA, 3 Maret 2020 - Presiden menyatakan")]
    assert find_date(head, []) == "2020-03-03"                        # dateline zone
    assert find_date([("meta", "date 2021-02 caption")], []) == "2021-02"


def test_metadata_title_truncation():
    long = "kata " * 60
    t = title_from(long)
    assert t.endswith("…") and len(t) <= 121
    assert title_from("Pendek.") == "Pendek."


def test_metadata_id_fallback(pipeline):
    a = pipeline.transform(RawArticle(text="Baca Juga : x\nIsi berita sama.\n"))
    b = pipeline.transform(RawArticle(text="ISI  berita sama.\nBaca Juga : y\n"))
    assert a.id == b.id == a.content_hash[:16]
    assert len(a.id) == 16
