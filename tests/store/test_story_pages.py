"""Story lists in SQL (store/story_pages.py, schema 10): every page, total, sort and facet equals a brute-force
computation over ``store.stories()`` (which reads every member), on SQLite and PostgreSQL; the summaries stay
equal to a recomputation after writes, re-ingests, moves, renames and merges, and migration 10 builds them
for a store made before it."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narratrace.model import Article, Story
from narratrace.store import story_pages
from narratrace.store.migrations import SCHEMA_VERSION
from narratrace.store.story_pages import SORTS, StoryFilters, fold, month_of
from narratrace.store.story_summaries import facet_keys

from .paging_helpers import article, reaches_from, reaches_until, reopened, write

LANGS = ["en", "ar", "fa", "id"]
OUTLETS = ["Defa Press", "BBC Persian", "Al Jazeera", "Kompas", "defa.ir", None]
DATES = [None, "", "2021", "2021-02", "2021-02-03", "2021-03-30T10:00:00Z", "2020-12-31", "2022-01"]
TITLES = ["Prison break in Hasakah", "Flood in Lagos", None, "Ölpreis steigt", "ISTANBUL talks", "Prison riot"]


def mention(store, entity_id: str, article_ids: list[str]) -> None:
    """These articles mention entity ``entity_id`` (made when new) once, in their first passage."""
    with store.transaction():
        rowid = store.upsert_entity(entity_id, "place", entity_id.title(), "test", {}, [])
        for aid in article_ids:
            store.write_mentions(store.article_rowid(aid), [(rowid, 0, 0, 4, "Text", "Latn", "mention", None, None,
                                                            "")])
        store.recount_entities([rowid])


def random_articles(seed: int, n: int = 60, stories: int = 14) -> list[Article]:
    rng = random.Random(seed)
    return [article(f"a{seed}-{i:03d}", f"S{rng.randrange(stories):02d}", rng.choice(LANGS + [None]),
                    rng.choice(OUTLETS), rng.choice(DATES), rng.choice(TITLES)) for i in range(n)]


# ------------------------------------------------------------------ brute force
def brute_force(store, f: StoryFilters, sort: str, facets_of: int | None = None
                ) -> tuple[list[Story], dict[str, dict[str, int]]]:
    """Stories passing ``f`` in ``sort`` order, and the facets of the first ``facets_of`` of them (all by
    default), from every member read in Python."""
    stories = store.stories()
    months: dict[str, set[str]] = {}
    for a in store.articles():
        if a.story_id:
            months.setdefault(a.story_id, set()).add(month_of(a.published or None))
    keep = []
    for s in stories:
        if fold(f.lang) and fold(f.lang) not in [fold(x) for x in s.languages]:
            continue
        if fold(f.outlet) and not any(fold(f.outlet) in fold(o) for o in s.outlets):
            continue
        if (f.since or "").strip() and not reaches_from(s.last_seen, f.since.strip()):
            continue
        if (f.until or "").strip() and not reaches_until(s.first_seen, f.until.strip()):
            continue
        if (f.entity or "").strip():
            mentioning = {r[0] for r in store._x(
                "SELECT a.id FROM entity_mentions m JOIN entities e ON e.rowid = m.entity_rowid "
                "JOIN articles a ON a.rowid = m.article_rowid WHERE e.id = ?", (f.entity.strip(),)).fetchall()}
            if not mentioning & set(s.article_ids):
                continue
        needle = fold(f.q)
        if needle and not (needle in fold(s.id) or needle in fold(s.title) or any(needle in fold(o) for o in s.outlets)
                           or (f.q or "").strip() in s.article_ids):
            continue
        keep.append(s)
    keys = {"size": lambda s: (-len(s.article_ids), -len(s.languages), s.id),
            "spread": lambda s: (-len(s.languages), -len(s.outlets), -len(s.article_ids), s.id)}
    if sort == "recent":  # latest date first, then size; ties by id (a stable sort keeps the id order)
        keep.sort(key=lambda s: s.id)
        keep.sort(key=lambda s: (s.last_seen or s.first_seen or "", len(s.article_ids)), reverse=True)
    else:
        keep.sort(key=keys[sort])
    facets: dict[str, dict[str, int]] = {"languages": {}, "outlets": {}, "months": {}}
    for s in keep[:facets_of]:
        for kind, values in (("languages", s.languages), ("outlets", s.outlets), ("months", months[s.id])):
            for v in values:
                facets[kind][v] = facets[kind].get(v, 0) + 1
    return keep, facets


def assert_page_matches(store, f: StoryFilters, sort: str, limit: int, offset: int) -> None:
    page = store.story_page(f, sort=sort, limit=limit, offset=offset, facet_size=1000)
    expected, facets = brute_force(store, f, sort, page.facets_of)
    assert page.facets_of == min(page.total, story_pages.FACET_STORIES) or page.facets_of == page.total
    assert page.total == len(expected)
    assert [s.id for s in page.items] == [s.id for s in expected[offset: offset + limit]]
    for got, want in zip(page.items, expected[offset: offset + limit]):
        assert got.size == len(want.article_ids) and got.title == want.title
        assert sorted(got.languages) == sorted(want.languages) and sorted(got.outlets) == sorted(want.outlets)
        assert (got.first_seen, got.last_seen) == (want.first_seen, want.last_seen)
    assert {k: dict(v) for k, v in page.facets.items()} == facets


def assert_summaries_recomputed(store) -> None:
    """The kept summaries, facets and per-value counts equal what the stored members give now."""
    for sort in SORTS:
        assert_page_matches(store, StoryFilters(), sort, 1000, 0)
    counts = {(k, v): n for k, v, n in store._x("SELECT kind, value, stories FROM story_facet_counts").fetchall()}
    rows = store._x("SELECT kind, value, count(*) FROM story_facets GROUP BY kind, value").fetchall()
    assert counts == {(k, v): n for k, v, n in rows}
    spread = {r[0]: (r[1], r[2]) for r in store._x("SELECT story_id, n_languages, n_outlets FROM story_summaries")}
    assert spread == {s.id: (len(s.languages), len(s.outlets)) for s in store.stories()}
    values: dict[str, list[tuple[str, str]]] = {}
    for sid, kind, value in store._x("SELECT story_id, kind, value FROM story_facets").fetchall():
        values.setdefault(sid, []).append((kind, value))
    keys = dict(store._x("SELECT story_id, facet_keys FROM story_summaries").fetchall())
    assert keys == {sid: facet_keys(v) for sid, v in values.items()}
    kept = {(e, sid): n for e, sid, n in store._x("SELECT entity_rowid, story_id, articles FROM entity_stories")}
    recount = store._x("SELECT ea.entity_rowid, a.story_id, count(*) FROM entity_articles ea JOIN articles a ON "
                       "a.rowid = ea.article_rowid WHERE a.story_id IS NOT NULL GROUP BY ea.entity_rowid, a.story_id")
    assert kept == {(e, sid): n for e, sid, n in recount.fetchall()}


# ------------------------------------------------------------------ tests
def test_story_pages_equal_brute_force_for_every_sort_and_page(new_store):
    store = new_store()
    write(store, random_articles(1))
    for sort in SORTS:
        for limit, offset in [(5, 0), (5, 5), (4, 12), (20, 0), (3, 40)]:
            assert_page_matches(store, StoryFilters(), sort, limit, offset)
    assert store.story_page(limit=5, offset=5).page == 2 and store.story_page(limit=5).pages == 3


def test_story_filters_equal_brute_force(new_store):
    store = new_store()
    arts = random_articles(1)
    write(store, arts)
    mention(store, "lagos", [a.id for a in arts[::7]])
    mention(store, "osaka", [arts[3].id])

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(lang=st.sampled_from([None, "", "en", "AR", "xx"]),
           outlet=st.sampled_from([None, "defa", "DEFA", "persian", "zz", "a"]),
           since=st.sampled_from([None, "2021", "2021-02", "2021-02-04", "2020-12-31", "2030"]),
           until=st.sampled_from([None, "2021", "2021-02-03", "2020", "2021-03"]),
           q=st.sampled_from([None, "prison", "s0", "PERSIAN", "öl", "a1-005", "nothing", "_", "%"]),
           entity=st.sampled_from([None, "lagos", "osaka", "nowhere"]),
           sort=st.sampled_from(sorted(SORTS)), offset=st.integers(0, 6))
    def check(lang, outlet, since, until, q, entity, sort, offset):
        assert_page_matches(store, StoryFilters(lang, outlet, since, until, q, entity), sort, 4, offset)

    check()


def test_summaries_follow_reingest_moves_renames_and_merges(new_store):
    store = new_store()
    arts = random_articles(2, n=40, stories=6)
    write(store, arts)
    mention(store, "lagos", [a.id for a in arts[::3]])  # entity_stories follows mentions and moves too
    mention(store, "osaka", [a.id for a in arts[1::5]])
    assert_summaries_recomputed(store)
    # re-ingest: new versions (other outlet, date, language, title; some in another story) replace the old
    rng = random.Random(5)
    changed = [article(a.id, rng.choice(["S00", "S01", "S09", None]), rng.choice(LANGS), rng.choice(OUTLETS),
                       rng.choice(DATES), rng.choice(TITLES)) for a in arts[::3]]
    write(store, changed, replace=True)
    assert_summaries_recomputed(store)
    mention(store, "lagos", [a.id for a in changed[::2]])  # the new versions mention it again
    assert_summaries_recomputed(store)
    # moves of single articles, the founder (first stored) of a story among them
    with store.transaction():
        first = store._x("SELECT id FROM articles WHERE story_id='S02' ORDER BY rowid LIMIT 1").fetchone()[0]
        store.set_story(first, "S03")
        store.set_story(arts[1].id, "S-new")
        store.set_story(arts[2].id, arts[2].story_id or "S00")  # to its own story: nothing changes
    assert_summaries_recomputed(store)
    # a rename to a new id, then a merge into a story that has members
    with store.transaction():
        store.rename_story("S04", "S-renamed", "founder")
        store.rename_story("S05", "S00", "founder")
    assert_summaries_recomputed(store)
    with store.transaction():  # merges either way round (the title is the earliest stored member's), chained
        store.rename_story("S01", "S03", "founder")
        store.rename_story("S-renamed", "S-new", "founder")
        store.rename_story("S03", "S-new", "founder")
        store.rename_story("S-nothing", "S00", "founder")  # a story without members: nothing changes
    assert_summaries_recomputed(store)
    assert {s.id for s in store.story_page(limit=100).items} == {s.id for s in store.stories()}


def test_story_page_items_and_facets_of_an_empty_or_impossible_filter(new_store):
    store = new_store()
    assert store.story_page().total == 0
    write(store, random_articles(3, n=10, stories=3))
    page = store.story_page(StoryFilters(outlet="no such outlet"))
    assert page.total == 0 and page.items == [] and page.facets == {"languages": [], "outlets": [], "months": []}
    months = [v for v, _ in store.story_page().facets["months"]]
    assert months == sorted(months, key=lambda m: (m == "undated", m))  # time order, undated last


def test_migration_10_builds_summaries_of_a_store_made_before(new_store, tmp_path):
    store = new_store("migrate")
    write(store, random_articles(4))
    expected = store.story_page(limit=1000)
    with store.transaction():
        for table in ("story_summaries", "story_facets", "story_facet_counts"):
            store._x(f"DELETE FROM {table}")
        store._set_meta("schema_version", "9")
    assert store.story_page().total == 0
    again = reopened(store)
    try:
        assert again.schema_version >= 10
        assert again.story_page(limit=1000) == expected
        assert_summaries_recomputed(again)
    finally:
        again.close()


def test_facets_of_a_long_filtered_list_count_its_first_stories(new_store, monkeypatch):
    """Past FACET_STORIES stories a filtered list's facets count its first ones (in the list's order) and
    say how many; a filter every story passes, and no filter, are counted exactly from the kept counts."""
    monkeypatch.setattr(story_pages, "FACET_STORIES", 3)
    store = new_store()
    write(store, random_articles(6, n=90, stories=20))
    every = store.story_page().total
    checked = 0
    for f in (StoryFilters(lang="ar"), StoryFilters(since="2021-02-15"), StoryFilters(q="prison"),
              StoryFilters(outlet="defa", until="2021-02")):
        for sort in SORTS:
            page = store.story_page(f, sort=sort, limit=2, facet_size=1000)
            if 3 < page.total < every:
                assert page.facets_of == 3
                checked += 1
            assert_page_matches(store, f, sort, 2, 0)
    assert checked >= 6
    assert_page_matches(store, StoryFilters(), "size", 2, 0)
    assert store.story_page().facets_of == store.story_page().total
    everyone = new_store("one-language")
    write(everyone, [article(f"e{i}", f"S{i % 5}", "en", "Kompas", "2021-02", None) for i in range(12)])
    page = everyone.story_page(StoryFilters(lang="EN"))
    assert page.total == page.facets_of == 5 and page.facets["languages"] == [("en", 5)]


def test_story_page_refuses_an_unknown_sort(new_store):
    from narratrace.errors import InputError

    with pytest.raises(InputError):
        new_store().story_page(sort="loudest")


def test_narrative_page_orders_and_counts_as_describe_would(new_store):
    """narrative_page's total and order (most articles, earliest date, id) equal a count over
    ``narrative_members`` (an article belongs to its narrative and to its story's)."""
    import numpy as np

    store = new_store("narratives")
    arts = random_articles(7, n=50, stories=12)
    write(store, arts)
    rng = random.Random(3)
    with store.transaction():
        for k in range(6):
            store.save_narrative(f"N{k}", arts[k].id, np.ones(4, np.float32), 1.0)
        for sid in sorted({a.story_id for a in arts})[:9]:
            store.set_story_narrative(sid, f"N{rng.randrange(6)}", None)
        for a in arts[::4]:  # assigned one by one, some inside a story of the same narrative
            store.set_article_narrative(a.id, f"N{rng.randrange(6)}", 0.5, [0])
    dates = {a.id: a.published or None for a in store.articles()}
    members: dict[str, set[str]] = {}
    for nid, aid, *_ in store.narrative_members():
        members.setdefault(nid, set()).add(aid)
    for least in (1, 3, 8):
        kept = [n for n, m in members.items() if len(m) >= least]
        first = {n: min((dates[a] for a in members[n] if dates[a]), default="") for n in kept}
        expected = sorted(kept, key=lambda n: (-len(members[n]), first[n], n))
        for limit, offset in ((2, 0), (2, 2), (10, 0), (3, 9)):
            assert store.narrative_page(least, limit, offset) == (len(expected), expected[offset: offset + limit])
    some = ["N1", "N4"]
    assert [m for m in store.narrative_members() if m[0] in some] == store.narrative_members_of(some)
    ids, sums = store.narrative_centroids_of(some)
    assert sorted(ids) == some and sums.shape == (2, 4)


def test_summaries_follow_a_real_ingest_reingest_and_rename(seeds_project, real_encoder, test_databases, tmp_path):
    """Through the pipeline (real encoder): the seeds, a changed version of one (replaced: another outlet,
    date and title), and a copy of a story's founder dated earlier under a new id (the story is renamed after
    it): the kept summaries equal a recomputation from the members after each."""
    from pathlib import Path

    from narratrace import Narratrace
    from narratrace.model import RawArticle

    nt_seeds = seeds_project[0]
    nt = Narratrace(db=test_databases.copy(nt_seeds.db_path, tmp_path, "pages-ingest"), encoder=real_encoder)
    try:
        assert_summaries_recomputed(nt.store)
        first = nt.store.story_page(limit=100)
        seed = nt.article("000_b87142e14614ef64")
        before = seed.story_id
        text = (Path(__file__).resolve().parents[2] / "narratrace/data/samples" / f"{seed.id}.txt").read_text("utf-8")
        changed = RawArticle(id=seed.id, text=text + "\n\nSumber: Purna Warta.", title="Pasukan AS di Hasakah",
                             outlet="Purna Warta Mirror", published="2021-01-20", lang="id")
        earlier = RawArticle(id="000_earlier_copy", text=text, title="Lebih awal", outlet="Early Wire",
                             published="2021-01-01", lang="id")
        for raws in ([changed], [earlier]):
            report = nt.add(raws)
            assert report.ok, report.summary()
            assert_summaries_recomputed(nt.store)
        story = nt.story(nt.article(seed.id).story_id)
        assert story.id != before and nt.story(before).id == story.id  # renamed after its new founder
        (summary,) = nt.store.story_summaries([story.id])
        assert nt.store.story_summaries([before]) == []
        assert summary.size == len(story.article_ids) and "Early Wire" in summary.outlets
        assert nt.store.story_page(limit=100).total == first.total  # joined the story, no new one
    finally:
        nt.close()


@pytest.mark.parametrize("unselective", [1, 10**9])
def test_both_page_plans_give_the_same_pages(new_store, monkeypatch, unselective):
    """A filter's stories looked up through its subquery, or tested while the sort's index is read in order
    (UNSELECTIVE decides which): the same pages, totals and facets."""
    monkeypatch.setattr(story_pages, "UNSELECTIVE", unselective)
    store = new_store()
    arts = random_articles(8)
    write(store, arts)
    mention(store, "lagos", [a.id for a in arts[::5]])
    for f in (StoryFilters(lang="en"), StoryFilters(outlet="a", since="2021"), StoryFilters(q="s0", until="2021-03"),
              StoryFilters(entity="lagos"), StoryFilters(lang="fa", entity="lagos")):
        for sort in SORTS:
            for offset in (0, 3):
                assert_page_matches(store, f, sort, 3, offset)


def test_every_plan_equals_brute_force_for_combined_filters_sorts_and_deep_pages(new_store, monkeypatch):
    """Schema 15's plans (store/story_plan.py): read in a sort's order or gathered through the smallest
    subquery, the first stories read in order when that subquery yields more rows, the total counted,
    kept or read off the gathered list, a value every story has dropped: the same pages, totals and facets
    for combined filters, every sort and pages deep into the list."""
    store = new_store()
    rng = random.Random(11)
    arts = [article(f"c{i:03d}", f"S{rng.randrange(24):02d}", rng.choice(["en", "en", "ar"]),
                    rng.choice(OUTLETS[:5]), rng.choice(DATES[1:]), rng.choice(TITLES)) for i in range(120)]
    arts += [article(f"e{sid:02d}", f"S{sid:02d}", "id", "Kompas", "2021-02", None) for sid in range(24)]
    write(store, arts)  # every story has an article in Indonesian ("id"): a filter on it keeps them all
    mention(store, "lagos", [a.id for a in arts[::6]])

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(lang=st.sampled_from([None, "ID", "en", "ar"]), outlet=st.sampled_from([None, "a", "kompas", "defa", "e"]),
           since=st.sampled_from([None, "2021-02", "2021"]), until=st.sampled_from([None, "2021-02-03", "2021-03"]),
           q=st.sampled_from([None, "prison", "s1", "c007"]), entity=st.sampled_from([None, "lagos"]),
           sort=st.sampled_from(sorted(SORTS)), offset=st.sampled_from([0, 2, 9, 17, 30]),
           unselective=st.sampled_from([1, 20, 10**9]), facet_stories=st.sampled_from([3, 2000]))
    def check(lang, outlet, since, until, q, entity, sort, offset, unselective, facet_stories):
        monkeypatch.setattr(story_pages, "UNSELECTIVE", unselective)
        monkeypatch.setattr(story_pages, "FACET_STORIES", facet_stories)
        assert_page_matches(store, StoryFilters(lang, outlet, since, until, q, entity), sort, 3, offset)

    check()
    every = store.story_page().total
    page = store.story_page(StoryFilters(lang="id"), limit=2, offset=every - 1)
    assert page.total == page.facets_of == every and len(page.items) == 1


def test_migration_15_indexes_a_store_at_14(new_store):
    """A store at schema 14 gets the filter indexes and entity_stories on open, and its pages stay the same."""
    store = new_store("migrate-15")
    arts = random_articles(9)
    write(store, arts)
    mention(store, "lagos", [a.id for a in arts[::4]])
    filters = [StoryFilters(outlet="a", since="2021"), StoryFilters(entity="lagos"),
               StoryFilters(entity="lagos", q="s")]
    expected = {(k, sort): store.story_page(f, sort=sort, limit=5) for k, f in enumerate(filters) for sort in SORTS}
    with store.transaction():
        store._x("DROP INDEX story_summaries_filters")
        store._x("DROP INDEX story_facets_story")
        store._x("DROP TABLE entity_stories")
        store._set_meta("schema_version", "14")
    again = reopened(store)
    try:
        assert again.schema_version == SCHEMA_VERSION
        listed = ("SELECT name FROM sqlite_master WHERE type = 'index'" if type(again).__name__ == "SQLiteStore"
                  else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        assert {"story_summaries_filters", "story_facets_story"} <= {r[0] for r in again._x(listed).fetchall()}
        for (k, sort), page in expected.items():
            assert again.story_page(filters[k], sort=sort, limit=5) == page
        assert_summaries_recomputed(again)  # entity_stories filled
    finally:
        again.close()
