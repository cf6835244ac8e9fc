"""What the evaluation harness measures: BCubed, translation links, partials, Pearson, and the
leave-one-corpus-out choice of a setting."""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from common import bcubed

#: link kinds that say "this text is a translation of that one"
TRANSLATION_KINDS = frozenset({"translates", "partial_translation"})
#: link kinds that are not a derivation: the grouping link and citations of a source
NOT_DERIVATION = frozenset({"same_story", "cites"})


def partition(pred: Mapping[str, str | None], gold: Mapping[str, str]) -> dict[str, Any]:
    """BCubed of ``pred`` (article -> story) over the gold articles.

    A gold article the pipeline did not store (dropped as a duplicate, refused) counts as a story of its
    own: vanishing must cost recall, not leave the score."""
    if not gold:
        return {"precision": float("nan"), "recall": float("nan"), "f1": float("nan"),
                "stories": len(set(pred.values())), "missing": []}
    scored = {aid: (pred.get(aid) or f"missing:{aid}") for aid in gold}
    p, r, f = bcubed(scored, dict(gold))
    return {"precision": p, "recall": r, "f1": f, "stories": len(set(scored.values())),
            "missing": sorted(aid for aid in gold if not pred.get(aid))}


def _article_links(links: Iterable[Any], keep: Callable[[str], bool]) -> list[tuple[str, str]]:
    """(source, target) of the links between two articles whose kind ``keep`` accepts."""
    return [(lk.source, lk.target) for lk in links if keep(lk.kind) and isinstance(lk.target, str)]


def translation_links(links: Iterable[Any], docs: Mapping[str, str]) -> dict[str, Any]:
    """Precision: share of translation links between two records that join records of one doc.
    Recall: share of records with a translation link to another record of their own doc."""
    pairs = [(a, b) for a, b in _article_links(links, TRANSLATION_KINDS.__contains__) if a in docs and b in docs]
    right = [(a, b) for a, b in pairs if docs[a] == docs[b]]
    linked = {x for a, b in right for x in (a, b)}
    return {"precision": len(right) / len(pairs) if pairs else float("nan"), "links": len(pairs),
            "correct": len(right), "recall": len(linked & set(docs)) / len(docs) if docs else float("nan"),
            "records_linked": len(linked)}


def partials_traced(links: Iterable[Any], docs: Mapping[str, str], partials: Mapping[str, str]) -> dict[str, Any]:
    """Share of partial translations with a derivation link (any kind but same_story and cites, so a
    future ``copy`` counts) to a record of the doc they were made from."""
    found: set[str] = set()
    for a, b in _article_links(links, lambda kind: kind not in NOT_DERIVATION):
        for part, other in ((a, b), (b, a)):
            if part in partials and docs.get(other) == partials[part]:
                found.add(part)
    return {"traced": len(found), "total": len(partials),
            "share": len(found) / len(partials) if partials else float("nan"),
            "untraced": sorted(set(partials) - found)}


def pearson_with_overall(scores: Sequence[float], overall: Sequence[float]) -> float:
    """Pearson correlation of a same-story score with -Overall (Overall 1 = same story, 4 = unrelated)."""
    if len(scores) < 3:
        return float("nan")
    return float(np.corrcoef(np.asarray(scores, float), -np.asarray(overall, float))[0, 1])


def leave_one_out(f1: Mapping[Hashable, Mapping[str, float]], corpora: Sequence[str],
                  fit_corpora: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """For each corpus: the setting with the best mean F1 on the *other* corpora, and its F1 on this one.

    ``f1``: setting -> corpus -> F1, settings in the order they were tried (ties keep the first).
    ``fit_corpora``: the corpora a choice may be fitted on (default: all). When no other corpus is left to
    fit on, the choice is the corpus's own best, and ``fit_on`` says so."""
    out: dict[str, dict[str, Any]] = {}
    settings = list(f1)
    fit = list(fit_corpora if fit_corpora is not None else corpora)
    for held in corpora:
        others = [c for c in fit if c != held] or [held]
        best = max(settings, key=lambda s: (float(np.mean([f1[s][c] for c in others])), -settings.index(s)))
        oracle = max(settings, key=lambda s: (f1[s][held], -settings.index(s)))
        out[held] = {"choice": best, "f1": f1[best][held], "fit_on": others,
                     "fit_mean_f1": float(np.mean([f1[best][c] for c in others])),
                     "oracle_choice": oracle, "oracle_f1": f1[oracle][held]}
    return out
