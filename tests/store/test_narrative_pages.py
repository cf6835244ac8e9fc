"""Narrative lists in SQL (store/narrative_pages.py over store/narrative_summaries.py, schema 12): the kept
summaries equal a recount from ``narrative_members`` after every kind of change (articles written, replaced
and moved, stories given a narrative and moved to another, stories renamed and merged, articles assigned
one by one), and every page, total and sort of ``narrative_page`` equals a brute-force ordering of the
members, on SQLite and PostgreSQL; migration 12 builds the summaries of a store made before it. The facet rows
of schema 13 (per narrative its articles per language, outlet, month and story; per value its narratives by
size class) equal a recount after the same changes, the list's facets and the label members equal brute
force, list items equal the full description, and migration 13 builds the rows."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narratrace.errors import InputError
from narratrace.group.narratives import describe
from narratrace.model import Article, Passage
from narratrace.store import narrative_pages
from narratrace.store.narrative_facets import SIZE_CLASSES, facet_values
from narratrace.store.narrative_pages import NARRATIVE_SORTS
from narratrace.trace.narrative_list import summarise

from .paging_helpers import article, reaches_from, reaches_until, reopened, write

DATES = [None, "", "2021", "2021-02", "2021-02-03", "2021-03-30T10:00:00Z", "2020-12-31", "2022-01"]
NARRATIVES = [f"N{k}" for k in range(7)]
LANGS, OUTLETS = ["en", "ar", "fa", "AR", None], ["Kompas", "Defa Press", "KOMPAS TV", "", None]
#: the list filters the tests try: languages equal when case folded ("ar" is "ar" and "AR"), outlets containing
#: it ("kompas": two outlets), and values no narrative has
LANG_FILTERS = [None, "", "en", "ar", "FA", "xx"]
OUTLET_FILTERS = [None, "", "kompas", "DEFA", "tv", "s", "zz"]


# ------------------------------------------------------------------ brute force
def members(store) -> dict[str, tuple[int, str | None, str | None]]:
    """narrative id -> (articles, first, last date) from every member (``narrative_members``)."""
    dates = {a.id: a.published or None for a in store.articles()}
    found: dict[str, set[str]] = {}
    for nid, aid, *_ in store.narrative_members():
        found.setdefault(nid, set()).add(aid)
    out = {}
    for nid, aids in found.items():
        dated = sorted(dates[a] for a in aids if dates[a])
        out[nid] = (len(aids), dated[0] if dated else None, dated[-1] if dated else None)
    return out


def kept_narratives(store, least: int, since: str | None, until: str | None, lang: str | None = None,
                    outlet: str | None = None) -> dict[str, tuple[int, str | None, str | None]]:
    """The narratives a list keeps, from every member: (articles, first, last date) of each."""
    facets = member_facets(store)

    def has(nid: str, kind: str, needle: str | None) -> bool:
        want = (needle or "").casefold()
        return not want or any(k == kind and (want in v.casefold() if kind == "outlet" else want == v.casefold())
                               for k, v in facets[nid])

    return {nid: m for nid, m in members(store).items() if m[0] >= max(1, least)
            and (not since or reaches_from(m[2], since)) and (not until or reaches_until(m[1], until))
            and has(nid, "lang", lang) and has(nid, "outlet", outlet)}


def brute_force(store, least: int, sort: str, since: str | None, until: str | None, lang: str | None = None,
                outlet: str | None = None) -> list[str]:
    kept = kept_narratives(store, least, since, until, lang, outlet)
    if sort == "size":
        return sorted(kept, key=lambda n: (-kept[n][0], kept[n][1] or "", n))
    ids = sorted(kept)  # recent: latest date first, then size; ties by id (a stable sort keeps the id order)
    ids.sort(key=lambda n: (kept[n][2] or kept[n][1] or "", kept[n][0]), reverse=True)
    return ids


def member_facets(store) -> dict[str, dict[tuple[str, str], int]]:
    """narrative id -> (kind, value) -> its member articles with it, from every member."""
    heads = {a.id: facet_values(a.lang, a.outlet, a.published, a.story_id) for a in store.articles()}
    found: dict[str, set[str]] = {}
    for nid, aid, *_ in store.narrative_members():
        found.setdefault(nid, set()).add(aid)
    out: dict[str, dict[tuple[str, str], int]] = {}
    for nid, aids in found.items():
        counts: dict[tuple[str, str], int] = {}
        for aid in aids:
            for kv in heads[aid]:
                counts[kv] = counts.get(kv, 0) + 1
        out[nid] = counts
    return out


def assert_summaries_recounted(store) -> None:
    kept = {r[0]: (int(r[1]), r[2], r[3]) for r in store._x(
        "SELECT narrative_id, size, first_seen, last_seen FROM narrative_summaries").fetchall()}
    assert kept == members(store)
    facets = member_facets(store)
    rows: dict[str, dict[tuple[str, str], int]] = {}
    for nid, kind, value, n in store._x("SELECT narrative_id, kind, value, articles FROM narrative_facets").fetchall():
        rows.setdefault(nid, {})[(kind, value)] = int(n)
    assert rows == facets
    classes: dict[tuple[str, str, int], int] = {}
    for nid, counts in facets.items():
        for kind, value in counts:
            if kind != "story":
                key = (kind, value, min(len(members_of(store, nid)), SIZE_CLASSES))
                classes[key] = classes.get(key, 0) + 1
    assert {(k, v, int(c)): int(n) for k, v, c, n in store._x(
        "SELECT kind, value, size_class, narratives FROM narrative_facet_counts").fetchall()} == classes


def members_of(store, nid: str) -> set[str]:
    return {aid for n, aid, *_ in store.narrative_members() if n == nid}


def random_changes(store, seed: int, steps: int = 60) -> None:
    """Writes, re-ingests, moves, renames, merges and narrative assignments in random order, each checked."""
    rng = random.Random(seed)
    stories = [f"S{k}" for k in range(8)]
    ids: list[str] = []
    with store.transaction():
        for k, nid in enumerate(NARRATIVES):
            store.save_narrative(nid, f"founder-{k}", np.ones(4, np.float32), 1.0)
    for step in range(steps):
        op = rng.choice(["write", "write", "replace", "move", "rename", "story", "story", "assign", "assign"])
        with store.transaction():
            if op == "write" or not ids:
                batch = [article(f"a{seed}-{len(ids) + k}", rng.choice(stories + [None]), rng.choice(LANGS),
                                 rng.choice(OUTLETS), rng.choice(DATES)) for k in range(rng.randrange(1, 5))]
                write(store, batch)
                ids += [a.id for a in batch]
            elif op == "replace":  # a new version: another date, perhaps another story
                write(store, [article(rng.choice(ids), rng.choice(stories + [None]), rng.choice(LANGS),
                                      rng.choice(OUTLETS), rng.choice(DATES))], replace=True)
            elif op == "move":
                store.set_story(rng.choice(ids), rng.choice(stories + ["S-new"]))
            elif op == "rename":  # to a new id, or a merge into a story that has members (or none)
                old = rng.choice(stories)
                new = rng.choice([s for s in stories if s != old] + [f"S-r{step}"])
                store.rename_story(old, new, "founder")
                stories = sorted({*stories, new} - ({old} if old != new else set()))
            elif op == "story":  # a story gets a narrative, or moves to another
                store.set_story_narrative(rng.choice(stories), rng.choice(NARRATIVES), None)
            else:
                store.set_article_narrative(rng.choice(ids), rng.choice(NARRATIVES),
                                            rng.choice([None, 0.5, 0.25, round(rng.uniform(0, 1), 3)]), [0])
        assert_summaries_recounted(store), (step, op)


# ------------------------------------------------------------------ tests
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summaries_follow_every_change_of_membership(new_store, seed):
    store = new_store()
    random_changes(store, seed, steps=45)
    assert members(store)  # the sequence made narratives with members


def test_narrative_pages_equal_brute_force(new_store, monkeypatch):
    """Every page and total, for the least size, dates and language and outlet filters, whichever way a filter
    is read (gathered, or tested along the sort's index: ``UNSELECTIVE`` decides)."""
    store = new_store()
    random_changes(store, 7, steps=70)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(least=st.integers(0, SIZE_CLASSES + 2), sort=st.sampled_from(sorted(NARRATIVE_SORTS)),
           since=st.sampled_from([None, "", "2021", "2021-02", "2021-02-04", "2020-12-31", "2030"]),
           until=st.sampled_from([None, "", "2021", "2021-02-03", "2020", "2021-03"]),
           lang=st.sampled_from(LANG_FILTERS), outlet=st.sampled_from(OUTLET_FILTERS),
           limit=st.integers(0, 5), offset=st.integers(0, 7), unselective=st.sampled_from([1, 20, 10**9]))
    def check(least, sort, since, until, lang, outlet, limit, offset, unselective):
        monkeypatch.setattr(narrative_pages, "UNSELECTIVE", unselective)
        expected = brute_force(store, least, sort, since, until, lang, outlet)
        got = store.narrative_page(least, limit, offset, sort=sort, since=since, until=until, lang=lang,
                                   outlet=outlet)
        assert got == (len(expected), expected[offset: offset + limit])

    check()


def test_narrative_page_refuses_an_unknown_sort(new_store):
    with pytest.raises(InputError):
        new_store().narrative_page(1, 10, 0, sort="loudest")


def test_migration_12_builds_summaries_of_a_store_made_before(new_store):
    store = new_store("migrate")
    random_changes(store, 11, steps=30)
    expected = store.narrative_page(1, 100, 0)
    assert expected[0] > 0
    with store.transaction():
        store._x("DELETE FROM narrative_summaries")
        store._set_meta("schema_version", "11")
    assert store.narrative_page(1, 100, 0) == (0, [])
    again = reopened(store)
    try:
        assert again.schema_version >= 12
        assert again.narrative_page(1, 100, 0) == expected
        assert_summaries_recounted(again)
    finally:
        again.close()


def test_a_page_labels_each_narrative_from_its_best_scored_members(new_store):
    """``describe(label_members=k)`` (what list pages use): ids, stories, languages, outlets, dates and growth
    still count every member; the representative passages come from the k members scored highest when
    assigned; a bound at or above the size changes nothing."""

    store = new_store("labels")
    rng = np.random.default_rng(5)
    langs, outlets = ["en", "ar", "fa"], ["Kompas", "Defa Press", None]
    with store.transaction():
        for k, nid in enumerate(["NA", "NB"]):
            store.save_narrative(nid, f"f{k}", rng.normal(size=4).astype(np.float32), 1.0)
        for i in range(24):
            text = f"Claim number {i} about the prison."
            a = Article(id=f"m{i:02d}", text=text, published=DATES[i % len(DATES)], lang=langs[i % 3],
                        outlet=outlets[i % 3], story_id=f"S{i % 5}",
                        passages=[Passage(0, text, 0, len(text), kind="body", lang=langs[i % 3], key=text)])
            rowid = store.next_passage_rowid()
            store.write_article(a, {0: rowid}, {0: rng.normal(size=4).astype(np.float32)})
            store.set_article_narrative(a.id, "NA" if i % 4 else "NB", round(float(rng.uniform()), 3), [0])
        store.set_story_narrative("S1", "NB", None)
    full = {n.id: n for n in describe(store, None, min_articles=1, narrative_ids=["NA", "NB"])}
    bounded = {n.id: n for n in describe(store, None, min_articles=1, narrative_ids=["NA", "NB"], label_members=4)}
    roomy = describe(store, None, min_articles=1, narrative_ids=["NA", "NB"], label_members=100)
    assert [n.to_dict() for n in roomy] == [full[n.id].to_dict() for n in roomy]
    scores = {r[1]: r[3] for r in store.narrative_members_of(["NA", "NB"])}
    for nid, n in bounded.items():
        whole = full[nid]
        assert (n.article_ids, n.story_ids, n.languages, n.outlets, n.first_seen, n.last_seen, n.growth) == \
               (whole.article_ids, whole.story_ids, whole.languages, whole.outlets, whole.first_seen,
                whole.last_seen, whole.growth)
        best = sorted(whole.article_ids, key=lambda a: (scores[a] is None, -(scores[a] or 0.0), a))[:4]
        assert n.passages and {p["article_id"] for p in n.passages} <= set(best)
        assert len(whole.article_ids) > 4  # the bound did bind
    items = {i.id: i for i in summarise(store, None, ["NB", "NA", "N-none"], 4)}
    assert sorted(items) == ["NA", "NB"]  # a narrative without articles has no item
    for nid, item in items.items():
        whole, labelled = full[nid], bounded[nid]
        assert (item.label, item.terms, item.passages) == (labelled.label, labelled.terms, labelled.passages)
        assert (item.size, item.stories, sorted(item.languages), sorted(item.outlets), item.n_outlets) == \
               (len(whole.article_ids), len(whole.story_ids), whole.languages, whole.outlets, len(whole.outlets))
        assert (item.first_seen, item.last_seen, item.growth) == (whole.first_seen, whole.last_seen, whole.growth)
        assert sum(item.languages.values()) == item.size == sum(item.growth.values())
        assert item.top_articles and set(item.top_articles) <= set(whole.article_ids)


def _list_facets(store, least: int, since: str | None, until: str | None, lang: str | None = None,
                 outlet: str | None = None) -> dict[str, dict[str, int]]:
    """Brute force: narratives per language, outlet and month among those the list keeps."""
    facets = member_facets(store)
    kept = kept_narratives(store, least, since, until, lang, outlet)
    out: dict[str, dict[str, int]] = {"languages": {}, "outlets": {}, "months": {}}
    shown = {"lang": "languages", "outlet": "outlets", "month": "months"}
    for nid in kept:
        for kind, value in facets[nid]:
            if kind in shown:
                out[shown[kind]][value] = out[shown[kind]].get(value, 0) + 1
    return out


def test_list_facets_and_label_members_equal_brute_force(new_store):
    store = new_store("facets")
    random_changes(store, 5, steps=70)
    every = {nid for nid, *_ in store.narrative_members()}
    assert len(every) >= 3

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(least=st.integers(0, SIZE_CLASSES + 3), sort=st.sampled_from(sorted(NARRATIVE_SORTS)),
           since=st.sampled_from([None, "2021", "2021-02-04", "2030"]), until=st.sampled_from([None, "2021-03"]),
           lang=st.sampled_from(LANG_FILTERS), outlet=st.sampled_from(OUTLET_FILTERS))
    def check(least, sort, since, until, lang, outlet):
        got, of = store.narrative_list_facets(least, sort=sort, since=since, until=until, lang=lang, outlet=outlet)
        assert {k: dict(v) for k, v in got.items()} == _list_facets(store, least, since, until, lang, outlet)
        assert of == len(brute_force(store, least, sort, since, until, lang, outlet))

    check()
    for k in (1, 2, 3, 50):
        best = store.narrative_label_members(sorted(every), k)
        for nid in every:
            assert best[nid] == label_members_brute_force(store, nid)[:k], (nid, k)


def label_members_brute_force(store, nid: str) -> list[tuple[str, float | None, list[int]]]:
    """Every member in label order: scored for ``nid`` best first (ties by id), then its stories' other members
    by story id and storage order, then those assigned to it unscored outside its stories, by id."""
    rowid = dict(store._x("SELECT id, rowid FROM articles").fetchall())
    story_of = {a.id: a.story_id for a in store.articles()}
    story_narrative = dict(store._x("SELECT story_id, narrative_id FROM narrative_stories").fetchall())
    assigned = {aid: (n, score, json.loads(ps)) for aid, n, score, ps in store._x(
        "SELECT article_id, narrative_id, score, passages FROM narrative_articles").fetchall()}
    mine = members_of(store, nid)
    mine_assigned = {a: assigned[a] for a in mine if a in assigned and assigned[a][0] == nid}
    scored = sorted((a for a in mine_assigned if mine_assigned[a][1] is not None),
                    key=lambda a: (-mine_assigned[a][1], a))
    via_story = sorted((a for a in mine if story_narrative.get(story_of[a]) == nid and a not in scored),
                       key=lambda a: (story_of[a], rowid[a]))
    rest = sorted(a for a in mine_assigned if a not in scored and a not in via_story)
    return [(a, mine_assigned[a][1] if a in mine_assigned else None, mine_assigned[a][2] if a in mine_assigned else [])
            for a in scored + via_story + rest]


def test_migration_13_builds_the_facet_rows_of_a_store_made_before(new_store):
    from narratrace.store.migrations import SCHEMA_VERSION

    store = new_store("migrate13")
    random_changes(store, 13, steps=30)
    with store.transaction():
        store._x("DELETE FROM narrative_facets")
        store._x("DELETE FROM narrative_facet_counts")
        store._set_meta("schema_version", "12")
    again = reopened(store)
    try:
        assert again.schema_version == SCHEMA_VERSION
        assert_summaries_recounted(again)
    finally:
        again.close()


def test_a_value_every_narrative_has_and_one_matched_value(new_store):
    """A language every narrative has keeps the whole list (its facets the kept counts); one matched value is
    counted from the kept counts, also below a least size; a value no narrative has is an empty list."""
    store = new_store("every")
    with store.transaction():
        for k in range(4):
            store.save_narrative(f"N{k}", f"f{k}", np.ones(4, np.float32), 1.0)
    write(store, [article(f"e{i}", f"S{i % 4}", "en", ["Kompas", "Wire"][i % 2], f"2021-0{1 + i % 4}")
                  for i in range(12)] + [article("x", "S1", "fa", "Wire", "2021-05")])
    with store.transaction():
        for k in range(4):
            store.set_story_narrative(f"S{k}", f"N{k}", None)
    every = store.narrative_page(1, 10, 0)
    assert every[0] == 4 and store.narrative_page(1, 10, 0, lang="EN") == every
    assert store.narrative_list_facets(1, lang="EN") == store.narrative_list_facets(1)
    assert store.narrative_page(1, 10, 0, lang="fa") == (1, ["N1"]) == store.narrative_page(4, 10, 0, lang="FA")
    assert store.narrative_page(5, 10, 0, lang="fa") == (0, [])  # N1 has four articles
    assert store.narrative_page(1, 10, 0, outlet="kompas", lang="fa") == (0, [])  # S1's articles are from Wire
    assert store.narrative_page(1, 10, 0, outlet="nowhere") == (0, []) == store.narrative_page(1, 10, 0, lang="xx")
    facets, of = store.narrative_list_facets(1, lang="fa")
    assert of == 1 and facets["languages"] == [("en", 1), ("fa", 1)] and facets["outlets"] == [("Wire", 1)]


def test_migration_17_indexes_the_facet_rows_by_value(new_store):
    """A store at 16 gets the facet rows' value index on open; its filtered pages stay the same."""
    store = new_store("migrate17")
    random_changes(store, 17, steps=30)
    asks = [{"lang": "ar"}, {"outlet": "kompas", "sort": "recent"}, {"lang": "en", "outlet": "defa", "since": "2021"}]
    expected = [store.narrative_page(1, 5, 0, **ask) for ask in asks]
    assert any(total for total, _ in expected)
    with store.transaction():
        store._x("DROP INDEX narrative_facets_value")
        store._set_meta("schema_version", "16")
    again = reopened(store)
    try:
        listed = ("SELECT name FROM sqlite_master WHERE type = 'index'" if type(again).__name__ == "SQLiteStore"
                  else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        assert "narrative_facets_value" in {r[0] for r in again._x(listed).fetchall()}
        assert [again.narrative_page(1, 5, 0, **ask) for ask in asks] == expected
    finally:
        again.close()
