"""A busy synthetic story for the browser tests and ``scripts/screenshot.py``: ``n`` tiny articles in one story
with translation, copy, rewrite, same-story and citation links, some pairs linked twice (a translation and a
same-story link the other way), outlets in several scripts (one hostile, some missing) and dates over two
weeks (a few undated). The graph page must stay readable on it; grouping quality is not the point, so any
encoder does (the tests use ``embed.hashing.HashingEncoder``).
"""
from __future__ import annotations

import random
from typing import Any

from ...model import Link, RawArticle

OUTLETS = ["Reuters", "RT Arabic", "Tasnim", "Defa Press", "Purna Warta", "Islam Times", "Sputnik Afrique",
           "الميادين", "خبرگزاری فارس", "Антифейк", "<b onmouseover=\"window.__pwned='graph'\">Evil</b>",
           "A very long outlet name that would run into the next column of the graph", None]
LANGS = ["en", "ar", "fa", "id", "ru", "fr"]
SOURCES = [("sputnik", "Sputnik"), ("sohr", "Syrian Observatory for Human Rights"), ("ria", "RIA Novosti"),
           ("ru_mod", "Russian Ministry of Defence")]


def synthetic_records(n: int = 50, seed: int = 7) -> list[RawArticle]:
    """``n`` short articles with ids ``syn-00``, ``syn-01``… (dates spread over 14 days, every 9th undated)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        outlet = OUTLETS[i % len(OUTLETS)]
        day = None if i % 9 == 8 else f"2024-03-{1 + (i * 14) // n:02d}"
        words = " ".join(rnd.choice(["bridge", "convoy", "border", "talks", "prison", "strike", "ceasefire",
                                     "minister", "report", "village"]) for _ in range(12))
        out.append(RawArticle(id=f"syn-{i:02d}", title=f"Report {i}: {words[:40]}",
                              text=f"Report {i} says {words}.\n\nA second paragraph numbered {i * 31} follows.",
                              outlet=outlet, lang=LANGS[i % len(LANGS)], published=day, origin=f"synthetic:{i}"))
    return out


def synthetic_links(ids: list[str], seed: int = 7) -> list[Link]:
    """Links over ``ids`` (in time order): derivations to earlier articles, same-story links, citations,
    and every fifth derivation paired with a same-story link written the other way round."""
    rnd = random.Random(seed)
    links: list[Link] = []
    kinds = ["translates", "partial_translation", "copy", "rewrites"]
    for i, aid in enumerate(ids[1:], start=1):
        origin = ids[rnd.randrange(max(0, i - 8), i)]
        kind = kinds[i % len(kinds)]
        links.append(Link(aid, origin, kind, round(rnd.uniform(0.5, 0.95), 3), "source->target", {"synthetic": True}))
        if i % 5 == 0:
            links.append(Link(origin, aid, "same_story", round(rnd.uniform(0.4, 0.8), 3), "undetermined", {}))
        if i % 3 == 0:
            sid, name = SOURCES[i % len(SOURCES)]
            links.append(Link(aid, {"id": sid, "name": name}, "cites", 1.0, "source->target", {"cue": "said"}))
    return links


def build_synthetic_story(nt: Any, n: int = 50, seed: int = 7) -> str:
    """Ingest ``synthetic_records`` into ``nt`` (an empty project), put them in one story with
    ``synthetic_links`` and return the story's id."""
    records = synthetic_records(n, seed)
    report = nt.add(records)
    if not report.ok:
        raise RuntimeError(f"synthetic ingest failed: {report.errors}")
    ids = [str(r.id) for r in records]
    store = nt.store
    story_id = store.get_article(ids[0], with_passages=False).story_id
    dated = [str(r.id) for r in sorted(records, key=lambda r: (r.published is None, r.published or "", r.id))]
    with store.transaction():
        for aid in ids:
            store.set_story(aid, story_id)
        store._x("DELETE FROM links")  # what grouping linked on hashed vectors: only the synthetic links count
        store.write_links(synthetic_links(dated, seed), story_id=story_id)
    return str(story_id)
