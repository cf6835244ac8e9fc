"""Narrative list items: a narrative as a list page shows it, read in a bounded number of rows.

A list item used to be the whole ``group.narratives.Narrative`` with every member id, so the first page at
a million articles read the 7,800 members of its ten largest narratives. A ``NarrativeSummary`` holds what
a list shows (label, size, stories, languages and outlets with their articles, first and last dates,
articles per month, the best members it was labelled from) and is made from the narrative's kept rows
(``store.narrative_pages``: summary, facet rows, ``label_members`` best-scored members), so a page costs
the same whatever its narratives' sizes. Every member id stays one call away: ``Pages.narrative(id)``
(``/api/narratives/{id}``, the narrative's own page).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..group.narratives import label_narrative
from ..store.story_summaries import UNDATED

#: outlets a list item names (most articles first); ``n_outlets`` says how many it has
ITEM_OUTLETS = 20
#: member ids a list item names: the first of those it was labelled from
ITEM_TOP_ARTICLES = 5


@dataclass
class NarrativeSummary:
    """A narrative as lists show it: no member ids (``Pages.narrative`` has them)."""

    id: str
    label: str
    terms: list[str]
    passages: list[dict[str, Any]]
    size: int
    stories: int
    languages: dict[str, int] = field(default_factory=dict)
    outlets: dict[str, int] = field(default_factory=dict)
    n_outlets: int = 0
    first_seen: str | None = None
    last_seen: str | None = None
    growth: dict[str, int] = field(default_factory=dict)
    top_articles: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _most_first(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def summarise(store: Any, means: dict[str, np.ndarray] | None, narrative_ids: list[str], label_members: int,
              lang: str | None = None) -> list[NarrativeSummary]:
    """The list items of these narratives, in their order (ids without a summary row are left out)."""
    spans = store.narrative_spans(narrative_ids)
    facets = store.narrative_facets_of(list(spans))
    members = store.narrative_label_members(list(spans), max(1, label_members))
    ids, sums = store.narrative_centroids_of(list(spans))
    centroid = {nid: sums[k] / max(1e-12, float(np.linalg.norm(sums[k]))) for k, nid in enumerate(ids)}
    out = []
    for nid in narrative_ids:
        if nid not in spans:
            continue
        size, first, last = spans[nid]
        got = facets[nid]
        labelled = members.get(nid, [])
        label, terms, reps = label_narrative(store, means, centroid.get(nid), [(m[0], m[2]) for m in labelled], lang)
        outlets = _most_first(got["outlet"])
        growth = dict(sorted(got["month"].items(), key=lambda kv: (kv[0] == UNDATED, kv[0])))
        out.append(NarrativeSummary(nid, label, terms, reps, size, got["stories"]["n"], _most_first(got["lang"]),
                                    dict(list(outlets.items())[:ITEM_OUTLETS]), len(outlets), first, last, growth,
                                    [m[0] for m in labelled[:ITEM_TOP_ARTICLES]]))
    return out
