"""Fit the same-story model and pick the join threshold, by measurement.

    python eval/calibrate_stories.py [--pairs 150]

1. Language means for centring: mean passage vector per language over Tatoeba
   sentences 500-699 of each language file (general sentences, no topic), written
   to narratrace/data/lang_means.e5-small.npz. ``--query-means`` writes only the same sentences'
   mean *query* vectors (e5's "query: " prefix) to lang_means.e5-small.query.npz: compare's sentence
   head encodes sentences as queries and centres them by these.
2. SemEval-2022 Task 8 pairs are split in two halves by a hash of the pair id.
   On the 'fit' half only, a logistic model over ``group.similarity.FEATURES``
   learns P(same story) with label Overall <= 1.5 (same event) vs Overall >= 2.5 (different),
   and the join threshold maximising accuracy on Overall <= 1.5 vs >= 3.5 pairs is chosen.
   The model goes to narratrace/data/story_model.json; eval/evaluate_stories.py
   reports on the 'test' half, which this script never looks at.
3. Background document frequencies (no labels), from the fit-half articles: name keys
   (narratrace/data/name_df.json) and index terms (narratrace/data/term_df.json, the lexical
   feature's background rarity). ``--background-only`` writes just these two.

The weights of the lexical and year features, and the join threshold, are chosen leave-one-corpus-out
on the pipeline by eval/fit_story_model.py (docs/evaluation.md); this script keeps what it fitted of them.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, TATOEBA, CachedEncoder, VectorCache, semeval_rows, split_of  # noqa: E402
from evaluate_stories import grouping_bcubed  # noqa: E402

from narratrace.embed import make_encoder  # noqa: E402
from narratrace.group.features import document_frequencies, name_keys  # noqa: E402
from narratrace.group.lexical import BACKGROUND  # noqa: E402
from narratrace.group.similarity import (  # noqa: E402
    FEATURES,
    LANGUAGE_MEANS,
    QUERY_LANGUAGE_MEANS,
    Side,
    name_rarity,
    pair_features,
    story_model,
)
from narratrace.model import RawArticle  # noqa: E402
from narratrace.paths import DATA_DIR  # noqa: E402
from narratrace.settings import Settings  # noqa: E402
from narratrace.store.lexical import indexed  # noqa: E402
from narratrace.text import TextPipeline  # noqa: E402
from narratrace.text.terms import key_terms  # noqa: E402

#: log-odds lost per year between two dated reports (a prior: no dated training pairs)
DAYS_PRIOR = -6.0

TATOEBA_LANGS = {"id": "ind-eng.ind", "fa": "pes-eng.pes", "ar": "ara-eng.ara", "en": "ind-eng.eng",
                 "de": "deu-eng.deu", "es": "spa-eng.spa", "fr": "fra-eng.fra", "tr": "tur-eng.tur",
                 "ru": "rus-eng.rus", "zh": "cmn-eng.cmn", "ur": "urd-eng.urd", "he": "heb-eng.heb",
                 "hi": "hin-eng.hin"}


def language_means(cache: VectorCache, query: bool = False) -> dict[str, np.ndarray]:
    """Mean vector per language of Tatoeba sentences 500-699, encoded as passages (or as queries)."""
    means = {}
    for lang, name in TATOEBA_LANGS.items():
        lines = (TATOEBA / f"tatoeba.{name}").read_text("utf-8").split("\n")[500:700]
        means[lang] = cache.encode([s for s in lines if s.strip()], query=query).mean(0)
    means["_all"] = np.mean(list(means.values()), axis=0)
    return means


def write_means(cache: VectorCache, files: dict[str, str], query: bool, dry_run: bool) -> dict[str, np.ndarray]:
    """``language_means`` of the encoder's space, written (float16) to the data file that
    ``similarity.LANGUAGE_MEANS`` (or ``QUERY_LANGUAGE_MEANS``) names for that space."""
    means = language_means(cache, query=query)
    out = DATA_DIR / files[cache.encoder.vector_space]
    if not dry_run:
        np.savez(out, **{k: v.astype(np.float16) for k, v in means.items()})
    kind = "query-vector" if query else "passage-vector"
    print(f"{kind} language means for {len(means) - 1} languages -> {out.relative_to(REPO)}")
    return means


def write_name_df(rows, dry_run: bool) -> None:
    """Background name-key document frequencies from the fit-half articles (no labels used)."""
    docs: dict[str, set[str]] = {}
    for r in rows:
        for side in ("text1", "text2"):
            docs.setdefault(r[side][:200], name_keys(r[side]))
    df = document_frequencies(docs.values())
    data = {"documents": len(docs), "df": {k: n for k, n in sorted(df.items()) if n >= 2},
            "source": "SemEval-2022 Task 8 fit-half articles"}
    if not dry_run:
        (REPO / "narratrace" / "data" / "name_df.json").write_text(json.dumps(data, ensure_ascii=False) + "\n")
    print(f"name key document frequencies over {len(docs)} articles ({len(data['df'])} keys with df >= 2)")


#: index terms held by fewer fit-half articles are left out of term_df.json (they count as unseen: rare)
TERM_MIN_DF = 3


def write_term_df(rows, pipeline: TextPipeline, dry_run: bool) -> None:
    """Background document frequencies of index terms over the fit-half articles (a document is an
    article; its terms are those the lexical index holds of its passages). No labels used."""
    docs: dict[str, set[str]] = {}
    for r in rows:
        for side, lang in (("text1", r["lang1"]), ("text2", r["lang2"])):
            key = r[side][:200]
            if key not in docs:
                art = pipeline.transform(RawArticle(text=r[side], id=f"{r['pair_id']}:{side}", lang=lang))
                docs[key] = {t for p in art.passages if indexed(p) for t in key_terms(p.key)}
    df = document_frequencies(docs.values())
    data = {"documents": len(docs), "min_df": TERM_MIN_DF,
            "df": {t: n for t, n in sorted(df.items()) if n >= TERM_MIN_DF},
            "source": "SemEval-2022 Task 8 fit-half articles, index terms (text.terms.key_terms)"}
    if not dry_run:
        BACKGROUND.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"index term document frequencies over {len(docs)} articles ({len(data['df'])} terms with "
          f"df >= {TERM_MIN_DF})")


def pair_sides(rows, cache: VectorCache, pipeline: TextPipeline, max_passages: int):
    """Sides for both articles of each pair, through the real text pipeline."""
    arts = []
    for r in rows:
        for side, lang in (("text1", r["lang1"]), ("text2", r["lang2"])):
            arts.append(pipeline.transform(RawArticle(text=r[side], id=f"{r['pair_id']}:{side}", lang=lang)))
    chosen = [a.matchable_passages()[:max_passages] or a.passages[:1] for a in arts]
    vecs = cache.encode([p.text for ps in chosen for p in ps])
    sides, off = [], 0
    for a, ps in zip(arts, chosen):
        sides.append(Side(a.id, a.lang, a.published, vecs[off : off + len(ps)], [p.text for p in ps]))
        off += len(ps)
    return list(zip(sides[0::2], sides[1::2]))


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50) -> tuple[float, np.ndarray]:
    """Newton's method with an L2 penalty (no scikit-learn needed for nine features)."""
    Xb = np.hstack([np.ones((len(X), 1)), X])
    w = np.zeros(Xb.shape[1])
    reg = np.eye(len(w)) * l2
    reg[0, 0] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-Xb @ w))
        grad = Xb.T @ (p - y) + reg @ w
        hess = Xb.T @ (Xb * (p * (1 - p))[:, None]) + reg
        w -= np.linalg.solve(hess, grad)
    return float(w[0]), w[1:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=150, help="pairs sampled from the fit half")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--same", type=float, default=1.5, help="Overall at or below this: same story")
    ap.add_argument("--different", type=float, default=2.5, help="Overall at or above this: different")
    ap.add_argument("--dry-run", action="store_true", help="print the model, write nothing")
    ap.add_argument("--background-only", action="store_true",
                    help="write only the background frequencies (name_df.json, term_df.json)")
    ap.add_argument("--query-means", action="store_true",
                    help="write only the language means of query vectors (lang_means.e5-small.query.npz)")
    args = ap.parse_args()

    settings = Settings.load()
    pipeline = TextPipeline(max_passage_chars=settings.text.max_passage_chars)
    if args.background_only:
        rows = [r for r in semeval_rows() if split_of(r["pair_id"]) == "fit"]
        write_name_df(rows, args.dry_run)
        write_term_df(rows, pipeline, args.dry_run)
        return
    encoder = make_encoder(settings.encoder.backend, batch_size=settings.encoder.batch_size)
    cache = VectorCache(encoder)
    if args.query_means:
        write_means(cache, QUERY_LANGUAGE_MEANS, query=True, dry_run=args.dry_run)
        return
    means = write_means(cache, LANGUAGE_MEANS, query=False, dry_run=args.dry_run)

    rows = [r for r in semeval_rows() if split_of(r["pair_id"]) == "fit"]
    write_name_df(rows, args.dry_run)
    write_term_df(rows, pipeline, args.dry_run)
    rows = [r for r in rows if float(r["Overall"]) <= args.same or float(r["Overall"]) >= args.different]
    random.Random(args.seed).shuffle(rows)
    rows = rows[: args.pairs]
    pairs = pair_sides(rows, cache, pipeline, settings.text.max_passages)
    X = np.array([[pair_features(a, b, means)[0][f] for f in FEATURES] for a, b in pairs])
    y = np.array([1.0 if float(r["Overall"]) <= args.same else 0.0 for r in rows])
    bias, w = fit_logistic(X, y)
    # SemEval texts rarely carry publication dates, so the data cannot teach this weight.
    # Prior: a year between two reports lowers the log-odds of one story by DAYS_PRIOR.
    days = FEATURES.index("days")
    w[days] = DAYS_PRIOR
    model = {"bias": round(bias, 4), "weights": {f: round(float(v), 4) for f, v in zip(FEATURES, w)},
             "fitted_on": f"SemEval-2022 Task 8 fit half, {len(rows)} pairs (seed {args.seed})",
             "label": f"Overall <= {args.same} same story, >= {args.different} different",
             "priors": {"days": DAYS_PRIOR}}
    model_path = REPO / "narratrace" / "data" / "story_model.json"
    if args.dry_run:
        print(json.dumps(model, indent=2))
        return
    model_path.write_text(json.dumps(model, indent=2) + "\n")
    story_model.cache_clear()
    name_rarity.cache_clear()

    # The join threshold: best BCubed F1 of the real incremental pipeline on fit-half articles.
    fit_rows = [r for r in semeval_rows() if split_of(r["pair_id"]) == "fit"]
    grid = {}
    for t in np.arange(0.25, 0.76, 0.05):
        s = Settings.load(stories={"join_threshold": round(float(t), 2)})
        grid[round(float(t), 2)] = grouping_bcubed(CachedEncoder(encoder), s, fit_rows, args.pairs, args.seed)
        print(f"join_threshold {t:.2f}: BCubed P {grid[round(float(t), 2)][0]:.3f} "
              f"R {grid[round(float(t), 2)][1]:.3f} F1 {grid[round(float(t), 2)][2]:.3f}", flush=True)
    best = max(grid, key=lambda t: (round(grid[t][2], 3), t))
    model["join_threshold"] = best
    model["fit_bcubed_f1"] = round(grid[best][2], 4)
    model_path.write_text(json.dumps(model, indent=2) + "\n")
    defaults = REPO / "narratrace" / "defaults.toml"
    text = defaults.read_text("utf-8")
    start = text.index("[stories]")
    end = text.find("\n[", start + 1) if text.find("\n[", start + 1) != -1 else len(text)
    section = re.sub(r"(?m)^join_threshold = .*$", f"join_threshold = {best}", text[start:end])
    defaults.write_text(text[:start] + section + text[end:])  # only [stories]; other sections have their own
    print(json.dumps(model, indent=2))
    print(f"[stories] join_threshold = {best} written to narratrace/defaults.toml")


if __name__ == "__main__":
    main()
