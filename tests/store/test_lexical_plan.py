"""The bounded lexical search of large indexes (store/lexical_plan.py) and the kept counts it reads (schema 14)."""
from __future__ import annotations

import numpy as np
import pytest

from narratrace.model import Article, Passage
from narratrace.store import lexical_plan, open_store
from narratrace.store.lexical_plan import Plan, TermQuery, plan
from narratrace.text.normalise import normalise


def _no_count(query: TermQuery, cap: int) -> int:
    raise AssertionError("a plan that needs no co-occurrence counts none")


def test_small_indexes_keyword_queries_and_cheap_queries_are_scored_whole():
    q = TermQuery([["flood"], ["hamburg"]])
    big = {"flood": 250_000, "hamburg": 100_000}
    assert plan(q, 50_000, big, _no_count) == Plan(q)  # below BOUNDED_FROM
    assert plan(TermQuery(q.groups, require_all=True), 3_000_000, big, _no_count).newest is None
    assert plan(q, 3_000_000, {"flood": 900, "hamburg": 4_000}, _no_count) == Plan(q)


def test_the_rarest_words_are_kept_within_the_budget():
    q = TermQuery([["flood"], ["keller", "келлер"], ["hamburg"]])
    df = {"flood": 250_000, "keller": 300, "келлер": 20, "hamburg": 9_000}
    assert plan(q, 3_000_000, df, _no_count) == Plan(TermQuery([["keller", "келлер"], ["hamburg"]]))


def test_words_each_over_the_budget_must_occur_together():
    q = TermQuery([["flood"], ["in"], ["hamburg"]])
    df = {"flood": 250_000, "in": 590_000, "hamburg": 100_000}
    asked: list[list[list[str]]] = []

    def count(query: TermQuery, cap: int) -> int:
        asked.append(query.groups)
        assert query.require_all and cap == lexical_plan.SCORED_BUDGET + 1
        return {2: 8_700}[len(query.groups)]

    assert plan(q, 3_000_000, df, count) == Plan(TermQuery([["hamburg"], ["flood"]], require_all=True))
    assert asked == [[["hamburg"], ["flood"]]]  # rarest first


def test_when_nothing_fits_the_newest_documents_are_scored():
    q = TermQuery([["flood"], ["hamburg"], ["keller"]])
    df = {"flood": 250_000, "hamburg": 100_000, "keller": 80_000}
    together = plan(q, 3_000_000, df, lambda query, cap: {2: 50_000, 3: 0}[len(query.groups)])
    assert together == Plan(TermQuery([["keller"], ["hamburg"]], require_all=True), lexical_plan.SCORED_BUDGET)
    alone = plan(TermQuery([["hamburg"]]), 3_000_000, df, _no_count)
    assert alone == Plan(TermQuery([["hamburg"]]), lexical_plan.SCORED_BUDGET)


TEXTS = ["flood in hamburg", "flood in hamburg and lyon", "flood in lyon", "hamburg port strike",
         "flood warnings", "a flood in hamburg again", "drought in lyon", "hamburg flood hamburg"]
#: other news, so that none of the words searched is in a fifth of the documents (counts stop there)
OTHER = [f"market report number {k}" for k in range(22)]


def _store(new_db):
    st = open_store(new_db("plan"))
    st.bind_encoder("test-space", 4)
    with st.transaction():
        for k, text in enumerate(TEXTS + OTHER):
            ps = [Passage(index=0, text=text, start=0, end=len(text), kind="body", lang="en", key=normalise(text))]
            start = st.next_passage_rowid()
            st.write_article(Article(id=f"a{k}", text=text, lang="en", passages=ps, story_id=f"s{k}"),
                             {0: start}, {0: np.ones(4, np.float32) / 2})
    return st


def test_a_planned_search_scores_what_the_plan_finds_as_the_exact_search_does(new_db, monkeypatch):
    st = _store(new_db)
    try:
        owners = lambda hits: [st.passage_owners([r])[r] for r, _ in hits]  # noqa: E731
        q = TermQuery([["flood"], ["hamburg"], ["lyon"]])
        exact_and = st.lexical_search("passages", TermQuery([["lyon"], ["hamburg"]], require_all=True), 10)
        exact_pair = st.lexical_search("passages", TermQuery([["flood"], ["lyon"]], require_all=True), 10)
        monkeypatch.setattr(lexical_plan, "BOUNDED_FROM", 20)
        monkeypatch.setattr(lexical_plan, "SCORED_BUDGET", 3)
        # lyon (3 documents) fits the budget alone; with hamburg (5) or flood (6) it would not
        assert sorted(owners(st.lexical_search("passages", q, 10))) == ["a1", "a2", "a6"]
        monkeypatch.setattr(lexical_plan, "SCORED_BUDGET", 2)
        # every word is over the budget: the two rarest together (1 document), scored as the exact search does
        both = st.lexical_search("passages", q, 10)
        assert owners(both) == ["a1"] and both == exact_and
        monkeypatch.setattr(lexical_plan, "SCORED_BUDGET", 1)
        # flood and lyon together are in 2 documents: the newest one is scored
        newest = st.lexical_search("passages", TermQuery([["flood"], ["lyon"]]), 10)
        assert owners(exact_pair) == ["a1", "a2"] or owners(exact_pair) == ["a2", "a1"]
        assert owners(newest) == ["a2"] and newest[0] in exact_pair
    finally:
        st.close()


def test_large_indexes_count_a_term_up_to_the_budget_and_estimate_beyond_it(new_db, monkeypatch):
    from narratrace.store import lexical

    st = _store(new_db)
    try:
        exact = st.document_frequencies("passages", ["lyon", "flood", "market"])[1]
        assert exact["lyon"] == 3 and exact["flood"] == 6 and exact["market"] >= 7  # PostgreSQL stops at 7
        monkeypatch.setattr(lexical_plan, "BOUNDED_FROM", 20)
        monkeypatch.setattr(lexical_plan, "SCORED_BUDGET", 3)
        monkeypatch.setattr(lexical, "SAMPLE_DOCS", 20)
        n, df = st.document_frequencies("passages", ["lyon", "flood", "market"])
        # lyon: within the budget, counted; flood (20%): near the common share, counted up to it;
        # market (73% of the sampled windows): clearly common, left uncounted
        assert (n, df) == (30, {"lyon": 3, "flood": 6, "market": int(0.2 * 30) + 1})
        asked: list[str] = []
        monkeypatch.setattr(type(st), "_matching",
                            lambda self, kind, q, cap, within=None: asked.append(q.terms[0]) or 0)
        assert st.document_frequencies("passages", ["flood", "market"])[1] == {"flood": 6, "market": 7}
        assert asked == []  # kept between searches
    finally:
        st.close()


def _counted(st) -> dict[str, tuple[int, int]]:
    out = {}
    for kind, table in (("passages", "passage_terms"), ("factchecks", "factcheck_terms")):
        rows = [t for (t,) in st._x(f"SELECT terms FROM {table}").fetchall()]
        out[kind] = (len(rows), sum(len(t.split()) for t in rows))
    return out


def test_kept_counts_follow_writes_replacements_rollbacks_and_rebuilds(new_db):
    st = _store(new_db)
    try:
        kept = lambda: {k: st.lexical_totals(k) for k in ("passages", "factchecks")}  # noqa: E731
        assert kept() == _counted(st) and kept()["passages"][0] == len(TEXTS + OTHER)
        text = "floods closed the port of hamburg for two days"
        ps = [Passage(index=0, text=text, start=0, end=len(text), kind="body", lang="en", key=normalise(text))]
        with st.transaction():  # a new version: the old passages and their terms go by foreign key
            st.write_article(Article(id="a0", text=text, lang="en", passages=ps, story_id="s0"),
                             {0: st.next_passage_rowid()}, {0: np.ones(4, np.float32) / 2}, replace=True)
        with pytest.raises(RuntimeError), st.transaction():
            st.upsert_factchecks([{"factcheck_id": "f", "claim": "Hamburg flooded"}], np.ones((1, 4), np.float32) / 2)
            raise RuntimeError("the batch fails")
        assert kept() == _counted(st)
        with st.transaction():
            st.upsert_factchecks([{"factcheck_id": "f", "claim": "Hamburg flooded", "title": "Was it?"}],
                                 np.ones((1, 4), np.float32) / 2)
        with st.transaction():
            st.upsert_factchecks([{"factcheck_id": "f", "claim": "Hamburg was flooded twice"}],
                                 np.ones((1, 4), np.float32) / 2)
            st.rebuild_lexical_index()
        assert kept() == _counted(st) and kept()["factchecks"][0] == 1
    finally:
        st.close()
