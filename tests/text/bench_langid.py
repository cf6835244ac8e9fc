"""Measure language detectors on the seed paragraphs and Tatoeba sentences (ar/fa/ur/id, plus Malay).

Not a test (no ``test_`` prefix): run by hand, numbers go into docs/text.md.

    .venv/bin/python tests/text/bench_langid.py [--lingua] [--py3langid]

Optional detectors are skipped when their package is missing.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time
from collections import Counter
from collections.abc import Callable

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEEDS = ROOT / "examples" / "seeds"
TATOEBA = pathlib.Path("/work/shared/eval/tatoeba")
SEED_LANG = {"000": "id", "001": "fa", "002": "ar", "003": "id", "004": "id"}
TATOEBA_LANG = {"ara": "ar", "pes": "fa", "urd": "ur", "ind": "id", "arz": "ar"}

#: Malaysian-news style sentences (written for this bench) to check that Malay is not all folded into Indonesian.
MALAY = [
    "Perdana Menteri berkata kerajaan akan mengumumkan pakej rangsangan ekonomi baharu minggu depan.",
    "Beliau berkata demikian dalam satu kenyataan yang dikeluarkan di Kuala Lumpur hari ini.",
    "Dalam pada itu, polis sedang menjalankan siasatan lanjut berhubung kejadian tersebut.",
    "Kementerian Kesihatan melaporkan 1,200 kes baharu semalam, menjadikan jumlah keseluruhan 50,000 kes.",
    "Harga minyak sawit mentah dijangka meningkat berikutan permintaan yang tinggi dari luar negara.",
    "Mangsa dikejarkan ke hospital berhampiran namun disahkan meninggal dunia setibanya di sana.",
    "Pihak berkuasa tempatan menasihatkan orang ramai supaya tidak keluar rumah jika tiada urusan penting.",
    "Menurut beliau, kerajaan negeri akan memperuntukkan RM5 juta bagi membaiki jalan raya yang rosak.",
    "Kerajaan Malaysia tidak akan berkompromi dalam isu keselamatan negara, kata menteri itu.",
    "Mahkamah Tinggi menetapkan tarikh perbicaraan kes tersebut pada bulan Mac tahun depan.",
]

Sample = tuple[str, str]  # (text, gold code)


def seed_samples() -> list[Sample]:
    out = []
    for f in sorted(SEEDS.glob("*.txt")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append((line, SEED_LANG[f.name[:3]]))
    return out


def tatoeba_samples(code: str) -> list[Sample]:
    path = TATOEBA / f"tatoeba.{code}-eng.{code}"
    if not path.exists():
        return []
    return [(ln, TATOEBA_LANG[code]) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def detectors(want_lingua: bool, want_py3: bool) -> dict[str, Callable[[str], str]]:
    import pycld2

    def cld2_raw(t: str) -> str:
        return pycld2.detect(t, isPlainText=True, bestEffort=True)[2][0][1]

    out: dict[str, Callable[[str], str]] = {"pycld2 (raw)": cld2_raw}

    try:
        from narratrace.text.langid import LanguageIdentifier
        ours = LanguageIdentifier()
        out["narratrace LanguageIdentifier (pycld2 + rules)"] = lambda t: ours.detect(t)[0] or "un"
    except ImportError:
        pass

    if want_py3:
        try:
            from py3langid.langid import MODEL_FILE
            from py3langid.langid import LanguageIdentifier as L3
            py3 = L3.from_model_file(MODEL_FILE, norm_probs=False)
            out["py3langid (all 97)"] = lambda t: py3.classify(t)[0]
        except ImportError:
            pass
    if want_lingua:
        try:
            from lingua import Language, LanguageDetectorBuilder
            langs = [Language.ARABIC, Language.PERSIAN, Language.URDU, Language.INDONESIAN, Language.MALAY,
                     Language.ENGLISH, Language.FRENCH, Language.GERMAN, Language.SPANISH, Language.RUSSIAN,
                     Language.TURKISH, Language.HEBREW, Language.HINDI, Language.CHINESE, Language.ITALIAN,
                     Language.PORTUGUESE, Language.DUTCH, Language.POLISH, Language.JAPANESE, Language.KOREAN]
            lin = LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()

            def lingua20(t: str) -> str:
                r = lin.detect_language_of(t)
                return r.iso_code_639_1.name.lower() if r else "un"
            out["lingua (20 languages)"] = lingua20
        except ImportError:
            pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lingua", action="store_true")
    ap.add_argument("--py3langid", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    sets: dict[str, list[Sample]] = {"seed lines": seed_samples()}
    for code in ("ara", "arz", "pes", "urd", "ind"):
        sets[f"tatoeba {code}"] = tatoeba_samples(code)
    sets["malay (ms)"] = [(t, "ms") for t in MALAY]
    speed_texts = [t for t, _ in sets["seed lines"]] * 20
    for name, det in detectors(args.lingua, args.py3langid).items():
        row = []
        for sname, samples in sets.items():
            got = [det(t) for t, _ in samples]
            ok = sum(g == gold for g, (_, gold) in zip(got, samples))
            wrong = Counter(g for g, (_, gold) in zip(got, samples) if g != gold).most_common(3)
            row.append(f"{sname}: {ok}/{len(samples)} {dict(wrong) if wrong else ''}")
        t0 = time.perf_counter()
        for t in speed_texts:
            det(t)
        rate = len(speed_texts) / (time.perf_counter() - t0)
        print(f"## {name}\n  " + "\n  ".join(row) + f"\n  seed paragraphs/s: {rate:,.0f}")


if __name__ == "__main__":
    main()
