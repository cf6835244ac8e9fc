"""Throughput of the whole text stage on the seed articles. Run by hand: numbers go into docs/text.md."""
from __future__ import annotations

import pathlib
import time

from narratrace.model import RawArticle
from narratrace.text import TextPipeline

SEEDS = pathlib.Path(__file__).resolve().parents[2] / "examples" / "seeds"


def main(rounds: int = 100) -> None:
    t0 = time.perf_counter()
    pipeline = TextPipeline()
    setup = time.perf_counter() - t0
    raws = [RawArticle(text=p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    chars = sum(len(r.text) for r in raws)
    n, t0 = 0, time.perf_counter()
    for _ in range(rounds):
        for raw in raws:
            n += len(pipeline.transform(raw).passages)
    dt = time.perf_counter() - t0
    print(f"setup {setup * 1000:.0f} ms; {n / dt:,.0f} passages/s; {rounds * len(raws) / dt:,.0f} articles/s; "
          f"{rounds * chars / dt / 1e6:.2f} M chars/s")


if __name__ == "__main__":
    main()
