"""Every dev corpus through the real pipeline, three baselines beside it, one table (issue 14).

    python eval/run_all.py                                           # shipped defaults, every corpus
    python eval/run_all.py --set stories.join_threshold=0.5          # the pipeline with other settings
    python eval/run_all.py --grid stories.join_threshold=0.3,0.4,0.5 # a setting chosen leave-one-corpus-out
    python eval/run_all.py --orders                                  # seeds + 300 SemEval in three orders
    python eval/run_all.py --fold-models eval/models                 # each corpus under the model fitted without it
    python eval/run_all.py --corpora seeds --encoder hashing --json out.json

Corpora (eval/corpora.py, ../shared/eval/README.md): seeds, semeval-test, ntrex-dev, ecbplus-dev. Each is
ingested with ``Narratrace.add`` into a fresh temporary store; BCubed P/R/F1 against the corpus's stories
(events on ntrex-dev and ecbplus-dev), translation links and partial translations on ntrex-dev, Pearson of
``Narratrace.compare``'s same-story score with -Overall on every SemEval test-half pair.

Baselines, on the same articles in the same run: TF-IDF and BM25 vectors of the texts, and the mean of each
article's stored e5 passage vectors, each clustered by average link (eval/baselines.py).

Leave-one-corpus-out (LOCO): a baseline's threshold, or a ``--grid`` value of the pipeline, is chosen for
each corpus as the one with the best mean BCubed F1 on the *other* corpora, and the corpus reports its
F1 at that choice: nothing is scored with a value fitted on itself. ``--fold-models DIR`` runs each
corpus under ``DIR/fold-<corpus>.json`` (else ``DIR/all.json``) and its join threshold, the story models
eval/fit_story_model.py fits without that corpus.

Encodings are cached on disk (``$NARRATRACE_CACHE``, default ~/.cache/narratrace/eval; keyed by vector
space, passage or query prefix, and text), so a second run spends its time grouping, not encoding.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baselines import (  # noqa: E402
    E5_THRESHOLDS,
    TFIDF_THRESHOLDS,
    average_link,
    bm25_similarity,
    cut,
    tfidf_similarity,
    vector_similarity,
)
from corpora import CHECK_ONLY, CORPORA, Corpus, load  # noqa: E402
from harness import PipelineRun, cached_encoder, machine, run_pipeline  # noqa: E402
from orders import order_test  # noqa: E402
from scoring import leave_one_out, partition, pearson_with_overall  # noqa: E402

from narratrace.settings import Settings  # noqa: E402

BASELINES = {"tfidf": "TF-IDF + average link", "bm25": "BM25 + average link", "e5": "e5 article mean + average link"}


# ------------------------------------------------------------------ settings from the command line
def _value(text: str) -> Any:
    """A TOML value (0.5, 12, true, "x"); a bare word is a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _assignment(item: str) -> tuple[str, str, str]:
    name, sep, value = item.partition("=")
    section, dot, key = name.strip().partition(".")
    if not sep or not dot:
        raise SystemExit(f"expected section.key=value, got {item!r} (e.g. stories.join_threshold=0.5)")
    return section, key, value.strip()


def _typed(base: Settings, section: str, key: str, value: Any) -> Any:
    """An int where the setting is a float is the float: ``join_threshold=1`` means 1.0."""
    current = base.as_dict().get(section, {}).get(key)
    return float(value) if isinstance(current, float) and isinstance(value, int) else value


def overrides(base: Settings, items: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        section, key, value = _assignment(item)
        out.setdefault(section, {})[key] = _typed(base, section, key, _value(value))
    return out


def grid_points(base: Settings, items: list[str]) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    """Every combination of the ``--grid`` values, as (label, overrides), in the order given."""
    axes = []
    for item in items:
        section, key, values = _assignment(item)
        axes.append([(f"{section}.{key}={v.strip()}", section, key, _typed(base, section, key, _value(v.strip())))
                     for v in values.split(",") if v.strip()])
    points = []
    for combo in itertools.product(*axes):
        over: dict[str, dict[str, Any]] = {}
        for _, section, key, value in combo:
            over.setdefault(section, {})[key] = value
        points.append((" ".join(label for label, *_ in combo), over))
    return points


def fold_settings(settings: Settings, folds: Path | None, corpus: str) -> Settings:
    """``settings`` with the story model fitted without ``corpus`` and its join threshold (``--fold-models``)."""
    if folds is None:
        return settings
    path = folds / f"fold-{corpus}.json"
    path = path if path.exists() else folds / "all.json"
    if not path.exists():
        raise SystemExit(f"{path} not found: write the fold models with eval/fit_story_model.py --out-dir {folds}")
    threshold = float(json.loads(path.read_text("utf-8"))["join_threshold"])
    return settings.merged({"stories": {"model": str(path), "join_threshold": threshold}}, origin="--fold-models")


# ------------------------------------------------------------------------------------ baselines
def fit_corpora(names: list[str]) -> list[str]:
    """The corpora a threshold or grid value may be fitted on (all of them when only checks ran)."""
    return [c for c in names if c not in CHECK_ONLY] or names


def _sweep(corpus: Corpus, ids: list[str], sim: np.ndarray, thresholds: tuple[float, ...]) -> dict[float, Any]:
    merges = average_link(sim, floor=min(thresholds))
    out = {}
    for t in thresholds:
        labels = cut(merges, len(ids), t)
        out[t] = partition({aid: str(lab) for aid, lab in zip(ids, labels)}, corpus.gold)
    return out


def baselines(corpora: dict[str, Corpus], runs: dict[str, PipelineRun]) -> dict[str, dict[str, Any]]:
    """Per baseline: the threshold sweep on every corpus, the LOCO choice per corpus and its scores."""
    results: dict[str, dict[str, Any]] = {}
    lexical = {"tfidf": tfidf_similarity, "bm25": bm25_similarity}
    for name, thresholds in (("tfidf", TFIDF_THRESHOLDS), ("bm25", TFIDF_THRESHOLDS), ("e5", E5_THRESHOLDS)):
        sweeps, pearsons = {}, {}
        for cname, corpus in corpora.items():
            if name in lexical:
                ids = [r.id or "" for r in corpus.records]
                sim = lexical[name]([r.text for r in corpus.records])
            else:
                vectors = runs[cname].vectors
                ids = list(vectors)
                sim = vector_similarity(np.stack([vectors[a] for a in ids])) if ids else np.zeros((0, 0))
            sweeps[cname] = _sweep(corpus, ids, sim, thresholds)
            if corpus.pairs:
                ix = {a: k for k, a in enumerate(ids)}
                kept = [(a, b, o) for a, b, o in corpus.pairs if a in ix and b in ix]
                pearsons[cname] = pearson_with_overall([float(sim[ix[a], ix[b]]) for a, b, _ in kept],
                                                       [o for *_, o in kept])
        f1 = {t: {c: sweeps[c][t]["f1"] for c in corpora} for t in thresholds}
        loco = leave_one_out(f1, list(corpora), fit_corpora(list(corpora)))
        results[name] = {c: {**loco[c], "bcubed": sweeps[c][loco[c]["choice"]], "pearson": pearsons.get(c),
                             "sweep_f1": {str(t): f1[t][c] for t in thresholds}} for c in corpora}
    return results


# ------------------------------------------------------------------------------------ the table
def _prf(b: dict[str, Any]) -> str:
    return f"{b['precision']:.3f} / {b['recall']:.3f} / **{b['f1']:.3f}**"


def _more(corpus: Corpus, run: PipelineRun, base: dict[str, dict[str, Any]]) -> str:
    parts = []
    if corpus.name == "seeds":
        parts.append("000–002 one story, 003 and 004 alone: " + ("yes" if run.partition["f1"] == 1.0 else "**no**"))
    if run.translation:
        t = run.translation
        parts.append(f"translation links P {t['precision']:.3f} ({t['correct']}/{t['links']}), "
                     f"R {t['recall']:.3f} ({t['records_linked']}/{len(corpus.docs)})")
    if run.partials:
        parts.append(f"partials traced {run.partials['traced']}/{run.partials['total']}")
    if run.pearson:
        parts.append(f"Pearson(compare score, −Overall) **{run.pearson['pipeline']:.3f}** on "
                     f"{run.pearson['pairs']} pairs (e5 cosine {base['e5'][corpus.name]['pearson']:.3f}, "
                     f"TF-IDF cosine {base['tfidf'][corpus.name]['pearson']:.3f}, "
                     f"BM25 cosine {base['bm25'][corpus.name]['pearson']:.3f})")
    if run.partition["missing"]:
        n = len(run.partition["missing"])
        parts.append(f"{n} scored article{'s' if n > 1 else ''} not stored (a story of its own)")
    return "; ".join(parts)


def table(corpora: dict[str, Corpus], runs: dict[str, PipelineRun], base: dict[str, dict[str, Any]],
          chosen: dict[str, str] | None) -> str:
    head = ["corpus", "articles (scored / gold stories)", "pipeline P / R / F1 (stories)"]
    head += [f"{label} P / R / F1 @ LOCO threshold" for label in BASELINES.values()]
    head += ["ingest s (encoded)", "more (pipeline)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, corpus in corpora.items():
        run = runs[name]
        cells = [name + (f" [{chosen[name]}]" if chosen else ""),
                 f"{len(corpus.records)} ({len(corpus.gold)} / {corpus.n_gold_stories})",
                 f"{_prf(run.partition)} ({run.partition['stories']})"]
        for key in BASELINES:
            b = base[key][name]
            cells.append(f"{_prf(b['bcubed'])} @ {b['choice']}" + (" (self)" if b["fit_on"] == [name] else ""))
        cells += [f"{run.ingest_seconds:.0f} ({run.encoded})", _more(corpus, run, base)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def grid_table(points: list[str], f1: dict[str, dict[str, float]], loco: dict[str, dict[str, Any]]) -> str:
    names = list(next(iter(f1.values())))
    fit = fit_corpora(names)
    lines = [f"| setting | {' | '.join(names)} | mean of {', '.join(fit)} |", "|---|" + "---|" * (len(names) + 1)]
    for p in points:
        cells = " | ".join(f"{f1[p][c]:.3f}" for c in names)
        lines.append(f"| {p} | {cells} | {np.mean([f1[p][c] for c in fit]):.3f} |")
    lines.append("| **LOCO choice → held-out F1** | " + " | ".join(
        f"{loco[c]['choice']} → **{loco[c]['f1']:.3f}**" for c in names) + " | |")
    return "\n".join(lines)


def _clean(x: Any) -> Any:
    """JSON without NaN (null instead) and with string keys."""
    if isinstance(x, float):
        return None if math.isnan(x) else round(x, 6)
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


# ----------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default=",".join(CORPORA), help=f"comma list of {', '.join(CORPORA)}")
    ap.add_argument("--encoder", help="[encoder] backend for this run (hashing: plumbing only, fast)")
    ap.add_argument("--config", help="a settings TOML file (as narratrace --config)")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="override a setting of the pipeline run (repeatable)")
    ap.add_argument("--grid", action="append", default=[], metavar="SECTION.KEY=V1,V2,...",
                    help="run the pipeline at each value (several --grid: every combination)")
    ap.add_argument("--orders", action="store_true", help="also the order test: seeds + SemEval in 3 orders")
    ap.add_argument("--orders-semeval", type=int, default=300, help="SemEval articles in the order test")
    ap.add_argument("--fold-models", type=Path, metavar="DIR",
                    help="each corpus under DIR/fold-<corpus>.json (else DIR/all.json), eval/fit_story_model.py's")
    ap.add_argument("--json", help="write every figure to this file")
    args = ap.parse_args(argv)
    if args.fold_models and args.grid:
        ap.error("--fold-models and --grid: choose one")

    names = [c.strip() for c in args.corpora.split(",") if c.strip()]
    for c in names:
        if c not in CORPORA:
            ap.error(f"unknown corpus {c!r}: choose from {', '.join(CORPORA)}")
    base = Settings.load(args.config)
    sets = args.set + ([f'encoder.backend="{args.encoder}"'] if args.encoder else [])
    fixed = overrides(base, sets)
    settings = base
    for section, vals in fixed.items():
        settings = settings.merged({section: vals}, origin="--set")
    points = grid_points(settings, args.grid) if args.grid else [("as set", {})]
    started = time.perf_counter()
    corpora = {c: load(c) for c in names}

    runs_by_point: dict[str, dict[str, PipelineRun]] = {}
    for label, over in points:
        point = settings
        for section, vals in over.items():
            point = point.merged({section: vals}, origin="--grid")
        encoder = cached_encoder(point.encoder)
        print(f"pipeline run: {label}", file=sys.stderr, flush=True)
        runs_by_point[label] = {c: run_pipeline(corpus, fold_settings(point, args.fold_models, c), encoder)
                                for c, corpus in corpora.items()}
    labels = [label for label, _ in points]
    f1 = {p: {c: runs_by_point[p][c].partition["f1"] for c in names} for p in labels}
    loco = leave_one_out(f1, names, fit_corpora(names)) if args.grid else None
    runs = {c: runs_by_point[loco[c]["choice"] if loco else labels[0]][c] for c in names}
    # the e5 baseline reads the vectors of the first run (vectors do not depend on story settings)
    base_results = baselines(corpora, {c: runs_by_point[labels[0]][c] for c in names})
    order = order_test(settings, cached_encoder(settings.encoder), args.orders_semeval) if args.orders else None

    info = machine(cached_encoder(settings.encoder))
    print(f"# eval/run_all.py — {time.strftime('%Y-%m-%d')}, {time.perf_counter() - started:.0f} s\n")
    print(f"- machine: {info['cpu']}, {info['cores']} cores, {info['machine']}, Python {info['python']}")
    print(f"- commit: {info['commit']} ({info['package']}); encoder {info['encoder']}")
    print(f"- settings: shipped defaults{''.join(f'; {s}' for s in sets)}"
          + (f"; grid {', '.join(args.grid)}" if args.grid else "")
          + (f"; each corpus under the story model fitted without it ({args.fold_models}: "
             + ", ".join(f"{c} {fold_settings(settings, args.fold_models, c).stories.model.rsplit('/', 1)[-1]} @ "
                         f"{fold_settings(settings, args.fold_models, c).stories.join_threshold}" for c in names) + ")"
             if args.fold_models else ""))
    print("- baselines' thresholds and any grid value: leave-one-corpus-out (best mean F1 on the other corpora"
          f"{', never the seeds' if 'seeds' in names and len(fit_corpora(names)) < len(names) else ''})\n")
    print(table(corpora, runs, base_results, {c: loco[c]["choice"] for c in names} if loco else None))
    oracle = "; ".join(f"{c}: " + ", ".join(
        f"{label} {base_results[key][c]['oracle_f1']:.3f} @ {base_results[key][c]['oracle_choice']}"
        for key, label in (("tfidf", "TF-IDF"), ("bm25", "BM25"), ("e5", "e5"))) for c in names)
    print(f"\nBaselines at the threshold best on the corpus itself (upper bounds, not results): {oracle}")
    if loco:
        print("\n## Grid: BCubed F1 per setting\n")
        print(grid_table(labels, f1, loco))
    if order:
        print(f"\n## Order test: seeds + {args.orders_semeval} SemEval test-half articles ({order['articles']}; "
              f"{order['multi_article_stories']} multi-article stories as given)\n")
        print("| order | articles in another partition cell | articles with another story id | "
              "multi-article stories with the same id and members |\n|---|---|---|---|")
        for name, o in order["orders"].items():
            print(f"| {name} | {o['articles_in_other_partition']} | {o['articles_with_other_story_id']} | "
                  f"{o['multi_article_stories_same_id']}/{order['multi_article_stories']} |")
        print(f"\nPartitions and story ids agree in every order: {'yes' if order['agree'] else 'no'}")
    if args.json:
        out = {"machine": info, "settings": sets, "grid": args.grid, "seconds": round(time.perf_counter() - started),
               "corpora": {c: {"articles": len(corpora[c].records), "scored": len(corpora[c].gold),
                               "gold_stories": corpora[c].n_gold_stories, "pipeline": runs[c].to_dict(),
                               **{k: base_results[k][c] for k in BASELINES}} for c in names},
               "grid_f1": f1 if args.grid else None, "grid_loco": loco, "orders": order}
        Path(args.json).write_text(json.dumps(_clean(out), indent=1, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
