"""Indonesian: "Baca Juga" lines, abbreviations (Jl., No., dll.), months, and words that tell it from Malay."""
from __future__ import annotations

from .base import COMMON_ABBREVIATIONS, BaseDefaults

MONTHS = {m: i for i, m in enumerate(
    ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september", "oktober",
     "november", "desember"), 1)}
MONTHS["nopember"] = 11  # the older spelling, still in use
MONTHS.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "agu": 8, "agt": 8, "agus": 8,
               "sep": 9, "sept": 9, "okt": 10, "nov": 11, "des": 12})


class Indonesian(BaseDefaults):
    lang = "id"
    name = "Indonesian"
    abbreviations = COMMON_ABBREVIATIONS | {
        "jl", "jln", "dll", "dsb", "dst", "tsb", "yth", "bpk", "sdr", "kab", "kec", "kel", "prov",
        "rp", "hlm", "tgl", "no", "ir", "drs", "dra", "hj", "kh", "pt", "cv", "tbk", "s.h", "m.si",
        "a.n", "u.p", "d.k.k", "mayjen", "brigjen",
        "letjen", "kombes", "akbp", "bripka", "ust",
    }
    boilerplate_prefixes = BaseDefaults.boilerplate_prefixes + (
        ("related link", ("Baca Juga", "Baca juga:", "Baca Selengkapnya", "Simak Juga", "Lihat Juga",
                          "Berita Terkait", "Artikel Terkait", "Baca Artikel", "Simak Video", "Tonton Juga",
                          "Baca Berita")),
        ("share/subscribe", ("Ikuti kami", "Ikuti berita", "Dapatkan update", "Dapatkan berita", "Klik di sini",
                             "Gabung di", "Bergabung di", "Follow juga")),
        ("advertisement", ("Advertisement", "Scroll untuk", "Scroll to continue")),
    )
    meta_prefixes = (("source line", ("Sumber:", "Sumber :", "Source:")),
                     ("credit line", ("Editor:", "Editor :", "Penulis:", "Penulis :", "Reporter:", "Reporter :",
                                      "Pewarta:", "Pewarta :", "Foto:", "Foto :", "Penerjemah:")))
    months = MONTHS
    weekdays = frozenset({"Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Jum'at", "Sabtu", "Minggu", "Ahad"})
    reporting_verbs = frozenset({"kata", "ujar", "ucap", "tutur", "ungkap", "jelas", "tegas", "menurut",
                                 "mengatakan", "menyatakan", "melaporkan", "mengungkapkan", "menjelaskan",
                                 "menegaskan", "menambahkan", "tambah", "lanjutnya", "katanya", "ujarnya",
                                 "mengumumkan", "merilis"})
    #: Indonesian spellings or words that Malaysian Malay writes differently
    marker_words = frozenset({
        "karena", "yaitu", "bahwa", "uang", "mau", "saja", "bisa", "kemarin", "pemerintah", "kendaraan",
        "kesehatan", "polisi", "agustus", "juli", "juni", "desember", "maret", "kamis", "jumat", "senin",
        "serikat", "suriah", "irak", "prancis", "kualitas", "aktivitas", "tapi", "nggak", "enggak", "gak",
        "banget", "aja", "kok", "dong", "kalian", "sulit", "sore", "mencoba", "rumah sakit", "setelah",
        "silakan", "kapan", "saat", "kantor", "mobil",
    })


LANGUAGE = Indonesian
