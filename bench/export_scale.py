"""Whole-corpus export at scale: time and peak memory of `narratrace export --all` per format as the store grows.

    python bench/export_scale.py [--sizes 10000,100000] [--batch 1000] [--db DIR_OR_POSTGRES_URL]

SYNTHETIC DATA, written through the store API (``write_article`` and ``write_links`` in one transaction per
chunk, no vectors: exports read no vector): stories of five articles in three languages and four outlets, each
article linked to the story's first article (``translates`` or ``same_story``, with evidence of about 2 KB:
three aligned passage pairs, reasons, features, as tracing writes them) and every third article citing a source.
The export is written to /dev/null through ``Narratrace.export``; peak memory is the growth of the Python heap
(tracemalloc) during the export, which does not grow with the store when the export streams.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from narratrace import Narratrace
from narratrace.model import Article, Link, Passage
from narratrace.settings import Settings

LANGS, OUTLETS = ["ar", "fa", "id", "en", "ar"], ["RT Arabic", "Defa Press", "Purna Warta", "Islam Times"]


def evidence(i: int) -> dict:
    text = "Sumber-sumber khusus melaporkan bahwa pasukan Amerika mengambil keuntungan dari kekacauan " * 2
    return {"coverage_source": 0.8, "coverage_target": 0.7, "reasons": [f"{i} aligned beads, mean margin 0.2"] * 3,
            "features": {"anchors": ["source:Sputnik", "number:750"], "beads": 3, "mean_margin": 0.2},
            "aligned": [{"source": [k], "target": [k], "text_source": text[:160], "text_target": text[:160],
                         "score": 0.2, "sim": 0.4} for k in range(3)], "unaligned_source": [], "unaligned_target": []}


def fill(nt: Narratrace, start: int, stop: int, chunk: int = 2000) -> None:
    store = nt.store
    for lo in range(start, stop, chunk):
        with store.transaction():
            for i in range(lo, min(stop, lo + chunk)):
                story, k = f"S{i // 5:07d}", i % 5
                text = f"Article {i} of story {story}."
                art = Article(id=f"a{i:07d}", text=text, title=f"Title {i}", outlet=OUTLETS[k % 4],
                              published=f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}", lang=LANGS[k], story_id=story,
                              passages=[Passage(0, text, 0, len(text), kind="body", lang=LANGS[k], key=text)])
                store.write_article(art, {0: store.next_passage_rowid()}, {})
                links = []
                if k:
                    first = f"a{i - k:07d}"
                    links.append(Link(art.id, first, "translates" if k % 2 else "same_story", 0.8,
                                      "source->target", evidence(i)))
                if i % 3 == 0:
                    links.append(Link(art.id, {"id": "sputnik", "name": "Sputnik"}, "cites", 1.0, "source->target",
                                      {"cue": "told", "surface": "Sputnik", "claim": text, "passage": 0}))
                store.write_links(links, story_id=story)


def measure(nt: Narratrace, fmt: str) -> tuple[float, float, int]:
    """(seconds, peak heap growth in MB, characters) of a whole-corpus export to /dev/null: timed in one run,
    its memory traced in a second (tracemalloc slows Python down about threefold)."""
    with open(os.devnull, "w", encoding="utf-8") as out:
        t0 = time.perf_counter()
        n = nt.export(fmt, out)
        seconds = time.perf_counter() - t0
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        nt.export(fmt, out)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
    return seconds, peak / 2**20, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--batch", type=int, default=1000, help="[export] batch_size")
    ap.add_argument("--db", default=None, help="a folder for the SQLite file, or a postgresql:// URL")
    args = ap.parse_args()
    folder = Path(args.db or tempfile.mkdtemp(prefix="narratrace-export-"))
    db = args.db if args.db and args.db.startswith("postgres") else str(folder / "export.db")
    settings = Settings.load(export={"batch_size": args.batch})
    nt = Narratrace(db, settings=settings)
    print("| articles | format | seconds | articles/s | peak heap MB | output MB |\n|---|---|---|---|---|---|")
    have = nt.store.count_articles()
    for size in [int(s) for s in args.sizes.split(",")]:
        fill(nt, have, size)
        have = max(have, size)
        for fmt in ("csv", "jsonl", "json", "gexf"):
            seconds, peak, chars = measure(nt, fmt)
            print(f"| {size:,} | {fmt} | {seconds:.1f} | {size / seconds:,.0f} | {peak:.1f} | {chars / 2**20:.0f} |",
                  flush=True)
    nt.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
