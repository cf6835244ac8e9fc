"""Indonesian, with real snippets from the seed articles."""
from narratrace.model import RawArticle
from narratrace.text.segment import split_sentences


def test_id_baca_juga_variants(pipeline):
    text = ("Sumber-sumber tersebut mengatakan kepada Sputnik bahwa pasukan AS telah mengambil keuntungan.\n"
            "Baca Juga : PBB Umumkan Sumber Drone dan Rudal Yaman\n"
            "BACA JUGA: Kehadiran para Ahli Militer Mesir di Yaman\n"
            "Simak juga: Video serangan\n")
    kinds = [p.kind for p in pipeline.transform(RawArticle(text=text, id="i")).passages]
    assert kinds == ["body", "boilerplate", "boilerplate", "boilerplate"]


def test_id_abbreviations_do_not_split():
    text = "Kantor Kemenhan di Jl. Medan Merdeka Barat No. 13, Jakarta, menerima tamu, wartawan, dll. pagi ini."
    assert len(split_sentences(text, "id")) == 1


def test_id_seed_004_is_indonesian_not_malay(seeds):
    assert seeds["004"].lang == "id"
    assert all(p.lang == "id" for p in seeds["004"].passages)
