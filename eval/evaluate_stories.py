"""Quality figures for issue 2, printed in one run (vectors cached between runs).

    python eval/evaluate_stories.py [--pairs 200] [--tatoeba ara,pes,ind]

1. Tatoeba: nearest-English-neighbour retrieval accuracy per language, both directions,
   with the default encoder's passage vectors (the bare encoder, no centring).
2. SemEval-2022 Task 8, the 'test' half (never used by eval/calibrate_stories.py):
   Pearson correlation of the same-story score with -Overall, and accuracy of the
   join decision (score >= [stories] join_threshold) on pairs with Overall <= 1.5
   (same) versus >= 3.5 (different).
3. Grouping: the real incremental pipeline (Narratrace.add) over every article of
   those test pairs; gold stories are the connected components of Overall <= 1.5
   pairs (an article and its machine-translated copy, id suffixed with a language code,
   count as one story); BCubed precision, recall and F1.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TATOEBA, CachedEncoder, bcubed, pearson, semeval_rows, split_of  # noqa: E402

from narratrace import Narratrace  # noqa: E402
from narratrace.embed import make_encoder  # noqa: E402
from narratrace.group.similarity import Side, language_means, same_story_score  # noqa: E402
from narratrace.model import RawArticle  # noqa: E402
from narratrace.settings import Settings  # noqa: E402
from narratrace.text import TextPipeline  # noqa: E402


def tatoeba(enc: CachedEncoder, langs: list[str]) -> None:
    print("\n## Tatoeba: nearest English neighbour among 1000 (accuracy)")
    print("| language | L→eng | eng→L |\n|---|---|---|")
    for lang in langs:
        src = (TATOEBA / f"tatoeba.{lang}-eng.{lang}").read_text("utf-8").rstrip("\n").split("\n")
        eng = (TATOEBA / f"tatoeba.{lang}-eng.eng").read_text("utf-8").rstrip("\n").split("\n")
        a, b = enc.encode_passages(src), enc.encode_passages(eng)
        s = a @ b.T
        gold = np.arange(len(src))
        print(f"| {lang} | {np.mean(s.argmax(1) == gold):.3f} | {np.mean(s.argmax(0) == gold):.3f} |", flush=True)


def semeval(enc: CachedEncoder, settings: Settings, n_pairs: int, seed: int) -> None:
    rows = [r for r in semeval_rows() if split_of(r["pair_id"]) == "test"]
    random.Random(seed).shuffle(rows)
    rows = rows[:n_pairs]
    pipe = TextPipeline(max_passage_chars=settings.text.max_passage_chars)
    means = language_means(enc.vector_space)
    limit = settings.text.max_passages
    scores, overall = [], []
    for r in rows:
        sides = []
        for key, lang in (("text1", r["lang1"]), ("text2", r["lang2"])):
            art = pipe.transform(RawArticle(text=r[key], id=key, lang=lang))
            ps = art.matchable_passages()[:limit] or art.passages[:1]
            sides.append(Side(art.id, art.lang, art.published, enc.encode_passages([p.text for p in ps]),
                              [p.text for p in ps]))
        scores.append(same_story_score(sides[0], sides[1], means=means)[0])
        overall.append(float(r["Overall"]))
    s, o = np.array(scores), np.array(overall)
    thr = settings.stories.join_threshold
    clear = (o <= 1.5) | (o >= 3.5)
    acc = np.mean((s[clear] >= thr) == (o[clear] <= 1.5))
    print(f"\n## SemEval-2022 Task 8, test half: {len(rows)} pairs")
    print(f"Pearson(score, -Overall) = {pearson(s, -o):.3f}")
    print(f"same/different accuracy at join_threshold {thr}: {acc:.3f} on {int(clear.sum())} pairs "
          f"(Overall <= 1.5: {int((o <= 1.5).sum())}, >= 3.5: {int((o >= 3.5).sum())})")


def grouping(enc: CachedEncoder, settings: Settings, n_pairs: int, seed: int) -> None:
    rows = [r for r in semeval_rows() if split_of(r["pair_id"]) == "test"]
    p, r_, f, n_articles, n_gold = grouping_bcubed(enc, settings, rows, n_pairs, seed)
    print(f"\n## Grouping {n_articles} SemEval test articles ({n_gold} gold stories) with the incremental pipeline")
    print(f"BCubed precision {p:.3f}, recall {r_:.3f}, F1 {f:.3f} at join_threshold "
          f"{settings.stories.join_threshold}")


def grouping_bcubed(enc, settings: Settings, rows, n_pairs: int, seed: int):
    """BCubed of the real pipeline on the articles of ``rows`` (clear pairs only)."""
    rows = [r for r in rows if float(r["Overall"]) <= 1.5 or float(r["Overall"]) >= 3.5]
    random.Random(seed + 1).shuffle(rows)
    rows = rows[:n_pairs]
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    records, texts = [], {}
    for r in rows:
        ids = r["pair_id"].split("_")
        for aid, key, lang in ((ids[0], "text1", r["lang1"]), (ids[-1], "text2", r["lang2"])):
            find(aid)
            if aid not in texts:
                texts[aid] = r[key]
                records.append(RawArticle(text=r[key], id=aid, lang=lang, origin=f"semeval:{r['pair_id']}"))
        if float(r["Overall"]) <= 1.5:
            parent[find(ids[0])] = find(ids[-1])
    # "1498601317zh" is the redistributor's machine translation of article 1498601317
    # (shared/eval/README.md): the same story, whichever pairs the two copies appear in.
    for aid in texts:
        base = aid.rstrip("abcdefghijklmnopqrstuvwxyz")
        if base != aid and base:
            parent[find(aid)] = find(base)
    gold = {aid: find(aid) for aid in texts}
    with tempfile.TemporaryDirectory() as tmp, Narratrace(db=Path(tmp) / "g.db", settings=settings,
                                                          encoder=enc) as nt:  # type: ignore[arg-type]
        nt.add(records)
        pred = {a.id: a.story_id for a in nt.articles()}
    gold = {k: v for k, v in gold.items() if k in pred}
    return (*bcubed(pred, gold), len(gold), len(set(gold.values())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tatoeba", default="ara,pes,ind")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: tatoeba,semeval,grouping")
    args = ap.parse_args()
    settings = Settings.load()
    enc = CachedEncoder(make_encoder(settings.encoder.backend, batch_size=settings.encoder.batch_size))
    skip = set(filter(None, args.skip.split(",")))
    if "tatoeba" not in skip:
        tatoeba(enc, args.tatoeba.split(","))
    if "semeval" not in skip:
        semeval(enc, settings, args.pairs, args.seed)
    if "grouping" not in skip:
        grouping(enc, settings, args.pairs, args.seed)


if __name__ == "__main__":
    main()
