"""How the entity layer agrees with itself across languages and scripts, on ntrex-dev (../shared/eval).

Every ntrex-dev doc is one English news text professionally translated into Arabic, Persian, Indonesian,
Russian, Turkish, Urdu, French, German, Spanish and Chinese. The entities the English version names should be
named by each translation too: for each language, ``recall`` is the share of the English version's
(doc, entity) pairs that the translation also has, and ``extra`` the share of the translation's pairs the
English version lacks (a spelling missing from the lists, or a false match). Also: the time to find the
entities of one article (text stage only).

    .venv/bin/python eval/entity_agreement.py [--min-city-population 100000]
"""
from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from narratrace.model import RawArticle
from narratrace.text import TextPipeline
from narratrace.text.entities import EntityFinder, load_entities
from narratrace.trace.attributions import default_sources

NTREX = Path(__file__).resolve().parents[2] / "shared" / "eval" / "ntrex-dev"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-city-population", type=int, default=100_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    finder = EntityFinder(load_entities(None, args.min_city_population), cues=default_sources().cues_in)
    print(f"gazetteer: {len(finder.entities)} entities, {len(finder._exact)} spellings, "
          f"{time.perf_counter() - t0:.2f} s to load")
    truth = json.loads((NTREX / "truth.json").read_text("utf-8"))
    pipe = TextPipeline()
    found: dict[str, dict[str, set[str]]] = defaultdict(dict)  # lang -> doc -> entity ids
    seconds, n = 0.0, 0
    for line in (NTREX / "articles.jsonl").read_text("utf-8").splitlines():
        rec = json.loads(line)
        info = truth[rec["id"]]
        art = pipe.transform(RawArticle(text=rec["text"], id=rec["id"]))
        t = time.perf_counter()
        ids = {m.entity_id for m in finder.find(art) if m.entity_id}
        seconds += time.perf_counter() - t
        n += 1
        found[info["lang"]][info["doc"]] = ids
    english = found["eng"]
    print(f"{n} articles, {1000 * seconds / n:.1f} ms each to find entities; English versions name "
          f"{sum(len(v) for v in english.values())} (doc, entity) pairs")
    print(f"{'lang':<5} {'recall':>7} {'extra':>7} {'pairs':>6}")
    for lang in sorted(found):
        if lang == "eng":
            continue
        same = sum(len(english[d] & ids) for d, ids in found[lang].items() if d in english)
        want = sum(len(english[d]) for d in found[lang] if d in english)
        have = sum(len(ids) for d, ids in found[lang].items() if d in english)
        extra = have - same
        print(f"{lang:<5} {same / max(want, 1):>7.3f} {extra / max(have, 1):>7.3f} {have:>6}")


if __name__ == "__main__":
    main()
