"""A translation translates its lead: two pages that share only a translated site notice are no translation
of each other (issue 14, labels never overclaim)."""
from __future__ import annotations

import pytest

from narratrace.model import RawArticle
from narratrace.text.pipeline import TextPipeline
from narratrace.trace.align import AlignedPair, Alignment
from narratrace.trace.compare import compare
from narratrace.trace.relations import RelationThresholds, weak_lead


def _alignment(sims: list[float], lead: bool = True) -> Alignment:
    pairs = [AlignedPair([k], [k], 0.3, s, 0.9) for k, s in enumerate(sims)]
    if not lead:
        pairs[0] = AlignedPair([0], [1], 0.3, sims[0], 0.9)
        pairs[1:] = [AlignedPair([k], [k + 1], 0.3, s, 0.9) for k, s in enumerate(sims[1:], start=1)]
    n = len(sims) + (0 if lead else 1)
    return Alignment(pairs, [], [], n, n)


def test_weak_lead_flags_a_lead_far_below_the_other_beads():
    t = RelationThresholds()
    assert weak_lead(_alignment([0.35, 0.70, 0.72, 0.68]), t) == pytest.approx((0.35, 0.70))
    assert weak_lead(_alignment([0.50, 0.70, 0.72, 0.68]), t) is None  # within max_lead_drop
    assert weak_lead(_alignment([0.35, 0.70]), t) is not None


def test_weak_lead_ignores_long_alignments_and_single_beads():
    t = RelationThresholds()
    assert weak_lead(_alignment([0.20] + [0.70] * t.lead_checked_beads), t) is None
    assert weak_lead(_alignment([0.20]), t) is None


def test_weak_lead_when_the_leads_are_not_aligned_with_each_other():
    lead_sim, rest = weak_lead(_alignment([0.7, 0.7, 0.7], lead=False), RelationThresholds())
    assert lead_sim is None and rest == pytest.approx(0.7)


def _semeval_texts(rows: list[dict[str, str]], wanted: set[str]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for row in rows:
        a, b = row["pair_id"].split("_")
        for aid, lang, text in ((a, row["lang1"], row["text1"]), (b, row["lang2"], row["text2"])):
            if aid in wanted:
                out[aid] = (lang, text)
    missing = wanted - set(out)
    if missing:
        pytest.skip(f"SemEval pages {sorted(missing)} are not in ../shared")
    return out


def test_pages_sharing_only_a_site_notice_are_not_translations(encoder, semeval_rows):
    """SemEval pages 1484325513 (en, "The Daily News' year in pictures 2019") and 1484039912es (es,
    "Organización del año: Caridades Católicas"): their bodies are the same e-mail-alert notice in two
    languages, their headlines unrelated. Before the lead rule compare called them ``translation``."""
    texts = _semeval_texts(semeval_rows, {"1484325513", "1484039912es", "1483859003en", "1483896180"})
    pipe = TextPipeline()
    art = {k: pipe.transform(RawArticle(text=t, id=k, lang=lang)) for k, (lang, t) in texts.items()}
    r = compare(art["1484325513"], art["1484039912es"], encoder)
    assert r["relation"] == "partial_translation", r["reasons"]
    assert any("leads (headline or first passage) are no translation" in x for x in r["reasons"]), r["reasons"]
    # the same notice page as a whole, in English and in Polish: its first line is translated too
    r = compare(art["1483859003en"], art["1483896180"], encoder)
    assert r["relation"] == "translation", r["reasons"]
