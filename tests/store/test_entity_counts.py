"""The kept counts of the entity and outlet pages (schema 11: store/entity_counts.py, store/outlets.py) equal a
recomputation from entity_articles, entity_mentions and articles after writes, re-ingests of changed articles,
deleted mentions, promoted candidates and rebuilds; the pages read from them (totals, facets, the chart, the
spellings, pages from either end) equal brute force; migration 11 fills them for a store made before it.
SQLite and PostgreSQL alike."""
from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.model import Article, Link, Passage, RawArticle
from narratrace.store import entities as entities_mod
from narratrace.store import open_store
from narratrace.store import outlets as outlets_mod
from narratrace.store.entity_counts import SEP
from narratrace.store.migrations import SCHEMA_VERSION
from narratrace.store.outlets import OutletProfiles

LANGS = ["en", "ar", "fa", None]
OUTLETS = ["Defa Press", "RT Arabic", "Kompas", "KOMPAS", "50%_off", "50xyoff", None]
DATES = [None, "", "2021", "2021-02", "2021-02-03", "2021-02-03T10:00:00Z", "2021-03-30", "2020-12-31", "yesterday"]
SURFACES = ["Hasakah", "الحسكة", "al-Hasakah"]
SAMPLES = Path(__file__).resolve().parents[2] / "narratrace" / "data" / "samples"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    target = str(tmp_path / "c.db") if request.param == "sqlite" else request.getfixturevalue("pg_db")("counts")
    s = open_store(target)
    yield s
    s.close()


def article(aid: str, rng: random.Random) -> Article:
    text = f"Text of {aid}."
    lang = rng.choice(LANGS)
    return Article(id=aid, text=text, title=f"Title {aid}", outlet=rng.choice(OUTLETS), published=rng.choice(DATES),
                   lang=lang, passages=[Passage(0, text, 0, len(text), kind="body", lang=lang, key=text.lower())])


def write(store: Any, arts: list[Article], replace: bool = False) -> None:
    with store.transaction():
        for a in arts:
            start = store.next_passage_rowid()
            store.write_article(a, {p.index: start + k for k, p in enumerate(a.passages)}, {}, replace=replace)


def entities(store: Any, n: int = 4) -> list[int]:
    with store.transaction():
        return [store.upsert_entity(f"e{k}", "place", f"E{k}", "test", {}, []) for k in range(n)]


def mention_rows(rng: random.Random, rowids: list[int]) -> list[tuple[Any, ...]]:
    """A few mentions (some cited, one per span) of random entities, and now and then a candidate."""
    rows = []
    for k in range(rng.randrange(0, 5)):
        rowid = rng.choice([*rowids, None])
        role = "cited" if rng.random() < 0.3 else "mention"
        rows.append((rowid, 0, 10 * k, 10 * k + 5, rng.choice(SURFACES), "latin", role, "said" if role == "cited"
                     else None, "a sentence", "" if rowid else "HSK"))
    return rows


def mention(store: Any, rng: random.Random, ids: list[str], rowids: list[int]) -> None:
    with store.transaction():
        touched: set[int] = set()
        for aid in ids:
            touched |= store.write_mentions(store.article_rowid(aid), mention_rows(rng, rowids))
        store.recount_entities(touched)


# ------------------------------------------------------------------ recomputation
def kept(store: Any) -> tuple[Counter, Counter, dict[int, tuple[int, int]]]:
    facets = Counter({(int(e), int(c), k, v): int(n) for e, c, k, v, n in store._x(
        "SELECT entity_rowid, cited, kind, value, articles FROM entity_facets").fetchall()})
    spellings = Counter({(int(e), s): int(n) for e, s, n in store._x(
        "SELECT entity_rowid, surface, mentions FROM entity_spellings").fetchall()})
    totals = {int(r): (int(a), int(c)) for r, a, c in store._x("SELECT rowid, articles, cited FROM entities")}
    return facets, spellings, totals


def recomputed(store: Any) -> tuple[Counter, Counter, dict[int, tuple[int, int]]]:
    facets: Counter = Counter()
    for e, cited, lang, outlet, published in store._x(
            "SELECT entity_rowid, cited, lang, outlet, published FROM entity_articles").fetchall():
        month = published[:7]
        for c in ((0, 1) if cited else (0,)):
            for kind, value in (("total", ""), ("lang", lang), ("outlet", outlet), ("month", month),
                                ("day", published[:10]), ("lang+outlet", f"{lang}{SEP}{outlet}"),
                                ("lang+month", f"{lang}{SEP}{month}"), ("month+outlet", f"{month}{SEP}{outlet}")):
                facets[(int(e), c, kind, value)] += 1
    spellings: Counter = Counter()
    for e, surface in store._x("SELECT entity_rowid, surface FROM entity_mentions WHERE entity_rowid IS NOT NULL"):
        spellings[(int(e), surface)] += 1
    totals = {int(r): (facets[(int(r), 0, "total", "")], facets[(int(r), 1, "total", "")])
              for (r,) in store._x("SELECT rowid FROM entities").fetchall()}
    return facets, spellings, totals


def entity_rows_fresh(store: Any) -> bool:
    """entity_articles says of each article what articles does (a replaced article's rows went with it)."""
    return not store._x("SELECT count(*) FROM entity_articles ea JOIN articles a ON a.rowid = ea.article_rowid "
                        "WHERE ea.lang <> coalesce(a.lang, '') OR ea.outlet <> coalesce(a.outlet, '') OR "
                        "ea.published <> coalesce(a.published, '')").fetchone()[0]


def outlets_kept(store: Any) -> tuple[set, Counter]:
    summaries = {tuple(r) for r in store._x("SELECT outlet, articles, languages, first_published, last_published "
                                            "FROM outlet_summaries").fetchall()}
    facets = Counter({(o, k, v): int(n) for o, k, v, n in store._x("SELECT outlet, kind, value, articles FROM "
                                                                   "outlet_facets").fetchall()})
    return summaries, facets


def outlets_recomputed(store: Any) -> tuple[set, Counter]:
    facets: Counter = Counter()
    rows = store._x("SELECT outlet, lang, published FROM articles WHERE outlet IS NOT NULL AND outlet <> ''").fetchall()
    for outlet, lang, published in rows:
        facets[(outlet, "lang", lang or "")] += 1
        facets[(outlet, "day", (published or "")[:10])] += 1
    summaries = set()
    for outlet in {r[0] for r in rows}:
        dated = "SELECT published FROM articles WHERE outlet = ? AND published > '' ORDER BY published"
        first = store._x(dated + " ASC LIMIT 1", (outlet,)).fetchone()
        last = store._x(dated + " DESC LIMIT 1", (outlet,)).fetchone()
        langs = {lang for o, lang, _ in rows if o == outlet and lang}
        summaries.add((outlet, sum(1 for r in rows if r[0] == outlet), len(langs), first and first[0],
                       last and last[0]))
    return summaries, facets


def assert_exact(store: Any) -> None:
    assert entity_rows_fresh(store)
    assert kept(store) == recomputed(store)
    assert outlets_kept(store) == outlets_recomputed(store)


# ------------------------------------------------------------------ upkeep
def test_counts_stay_exact_through_writes_reingests_and_deletions(store):
    rng = random.Random(7)
    rowids = entities(store)
    arts = [article(f"a{i:02d}", rng) for i in range(40)]
    write(store, arts)
    mention(store, rng, [a.id for a in arts], rowids)
    assert kept(store)[0] and kept(store)[1]  # something was counted
    assert_exact(store)
    # new versions of a third of them: language, outlet and date may change; their mentions are written again
    changed = [article(a.id, rng) for a in arts[::3]]
    write(store, changed, replace=True)
    assert_exact(store)  # the old versions' mentions left with them
    mention(store, rng, [a.id for a in changed], rowids)
    assert_exact(store)
    # every mention of some articles deleted
    with store.transaction():
        for a in arts[1::4]:
            store.write_mentions(store.article_rowid(a.id), [])
        store.recount_entities(rowids)
    assert_exact(store)
    # candidates promoted to an entity count for it
    with store.transaction():
        store.write_mentions(store.article_rowid("a01"), [(None, 0, 0, 4, "Hasakah", "latin", "cited", "said", "s",
                                                          "HSK")])
        store.promote_candidates("HSK", rowids[0])
        store.recount_entities(rowids)
    assert_exact(store)
    with store.transaction():
        store.clear_entities()
    assert kept(store) == (Counter(), Counter(), {})


def test_counts_rebuilt_equal_counts_kept(store):
    rng = random.Random(11)
    rowids = entities(store)
    arts = [article(f"r{i:02d}", rng) for i in range(30)]
    write(store, arts)
    mention(store, rng, [a.id for a in arts], rowids)
    before = kept(store)
    store.rebuild_entity_counts(rowids[:2])
    assert kept(store) == before
    with store.transaction():
        store._x("DELETE FROM entity_facets")
        store._x("DELETE FROM entity_spellings")
    store.rebuild_entity_counts()
    assert kept(store) == before


def test_migration_11_fills_the_counts_of_a_store_made_before(tmp_path):
    rng = random.Random(5)
    path = tmp_path / "old.db"
    store = open_store(str(path))
    rowids = entities(store)
    arts = [article(f"m{i:02d}", rng) for i in range(30)]
    write(store, arts)
    mention(store, rng, [a.id for a in arts], rowids)
    expected = kept(store), outlets_kept(store)
    with store.transaction():
        for table in ("entity_facets", "entity_spellings", "outlet_summaries", "outlet_facets"):
            store._x(f"DROP TABLE {table}")
        store._set_meta("schema_version", "10")
    store.close()
    again = open_store(str(path))
    assert again.schema_version == SCHEMA_VERSION
    assert (kept(again), outlets_kept(again)) == expected
    assert_exact(again)
    again.close()


def test_pipeline_ingest_and_reingest_keep_counts_exact(new_db):
    seeds = [RawArticle(id=f.stem, text=f.read_text("utf-8"), origin=f"{f.name}:1")
             for f in sorted(SAMPLES.glob("0*.txt"))]
    with Narratrace(db=new_db("counts-pipeline"), encoder=HashingEncoder()) as nt:
        assert nt.add(seeds).ok
        assert_exact(nt.store)
        first = seeds[0]
        changed = "\n".join(line for line in first.text.splitlines() if "Hasakah" not in line)
        assert nt.add([RawArticle(id=first.id, text=changed, origin=first.origin)]).updated == [first.id]
        assert_exact(nt.store)
        assert nt.entities.get("al_hasakah")["articles"] == 2


# ------------------------------------------------------------------ pages
def brute(store: Any, rowid: int, cited: bool, lang: str | None, outlet: str | None, month: str | None
          ) -> list[tuple[str, str, str, int]]:
    """(published, lang, outlet, article rowid) of the entity's matching articles, in the page order."""
    rows = [(p, la, o, int(a)) for a, c, la, o, p in store._x(
        "SELECT article_rowid, cited, lang, outlet, published FROM entity_articles WHERE entity_rowid = ?",
        (rowid,)).fetchall()
        if (not cited or c > 0) and (not lang or la == lang) and (not outlet or o == outlet)
        and (not month or p[:7] == month)]
    by_date: dict[str, list] = {}
    for r in rows:
        by_date.setdefault(r[0], []).append(r)
    dates = [d for (d,) in store._x("SELECT DISTINCT published FROM entity_articles ORDER BY published DESC")]
    return [r for d in dates for r in sorted(by_date.get(d, []), key=lambda r: r[3])]  # the store's date order


def facets_of(rows: list[tuple[str, str, str, int]]) -> dict[str, dict[str, int]]:
    out = {}
    for kind, pick in (("lang", lambda r: r[1]), ("outlet", lambda r: r[2]), ("month", lambda r: r[0][:7])):
        c = Counter(pick(r) for r in rows)
        out[kind] = dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


@pytest.mark.parametrize("cap", [20_000, 7])
def test_pages_totals_facets_and_both_ends_equal_brute_force(store, monkeypatch, cap):
    monkeypatch.setattr(entities_mod, "FACET_ARTICLES", cap)
    rng = random.Random(3)
    rowids = entities(store, 2)
    arts = [article(f"p{i:02d}", rng) for i in range(60)]
    write(store, arts)
    with store.transaction():
        for a in arts:
            rows = [(rowids[0], 0, 0, 4, rng.choice(SURFACES), "latin", rng.choice(["cited", "mention"]), "said", "s",
                     "")]
            store.write_mentions(store.article_rowid(a.id), rows)
        store.recount_entities(rowids)
    rowid = rowids[0]
    for cited in (False, True):
        for lang, outlet, month in [(None, None, None), ("ar", None, None), (None, "Kompas", None),
                                    (None, "kompas", None), (None, "50%_off", None), (None, None, "2021-02"),
                                    (None, None, ""), ("en", "Defa Press", None), ("fa", None, "2021-03")]:
            want = brute(store, rowid, cited, lang, outlet, month)
            got, offset = [], 0
            while True:  # pages of 7: the later ones read from the end
                page = store.entity_articles(rowid, limit=7, offset=offset, cited=cited, lang=lang, outlet=outlet,
                                             month=month)
                assert page.total == len(want)
                if not page.items:
                    break
                got += [it["article_id"] for it in page.items]
                offset += 7
            ids = dict(store._x("SELECT rowid, id FROM articles").fetchall())
            assert got == [ids[r[3]] for r in want], (cited, lang, outlet, month)
            twice = sum(1 for v in (lang, outlet, month) if v) > 1
            counted = want[:cap] if twice else want  # a page filtered twice counts its newest `cap`
            assert page.facets == facets_of(counted), (cited, lang, outlet, month)
            assert page.facets_of == len(counted)
    assert store.entity_dates(rowid).total == len(brute(store, rowid, False, None, None, None))
    seen = store.entity_names(rowid)
    spelled = Counter(s for (s,) in store._x("SELECT surface FROM entity_mentions WHERE entity_rowid = ?", (rowid,)))
    assert {n["form"]: n["seen"] for n in seen if n["seen"]} == dict(spelled)


def test_outlet_list_and_profile_read_the_kept_counts(store):
    rng = random.Random(9)
    arts = [article(f"o{i:02d}", rng) for i in range(50)]
    write(store, arts)
    write(store, [article(a.id, rng) for a in arts[::2]], replace=True)
    assert_exact(store)
    stored = {a.id: a for a in store.articles()}
    named = Counter(a.outlet for a in stored.values() if a.outlet)
    listed = OutletProfiles(store).listing(limit=100)
    assert listed["total"] == len(named)
    assert [(o["name"], o["articles"]) for o in listed["outlets"]] == sorted(named.items(),
                                                                             key=lambda kv: (-kv[1], kv[0]))
    name = listed["outlets"][0]["name"]
    profile = OutletProfiles(store).profile(name)
    mine = [a for a in stored.values() if a.outlet == name]
    langs = Counter(a.lang for a in mine)
    assert {d["lang"]: d["articles"] for d in profile["languages"]} == dict(langs)
    assert profile["volume"]["total"] == len(mine) == profile["articles"]


@pytest.mark.parametrize("cap", [5_000, 6])
def test_outlet_links_equal_brute_force_over_its_latest_articles(store, monkeypatch, cap):
    monkeypatch.setattr(outlets_mod, "PROFILE_ARTICLES", cap)
    rng = random.Random(13)
    arts = [article(f"l{i:02d}", rng) for i in range(40)]
    write(store, arts)
    kinds = ["copy", "translates", "rewrites", "same_story", "cites"]
    links = []
    for _ in range(80):
        kind = rng.choice(kinds)
        src = rng.choice(arts).id
        target = {"id": rng.choice(["sputnik", "sohr"]), "name": "S"} if kind == "cites" else rng.choice(arts).id
        links.append(Link(src, target, kind, round(rng.random(), 3), rng.choice(["source->target", "undetermined"])))
    with store.transaction():
        store.write_links(links)
    stored = {a.id: a for a in store.articles()}
    rows = store._x("SELECT rowid, source, target, kind, score, direction FROM links").fetchall()
    for name in {a.outlet for a in stored.values() if a.outlet}:
        latest = {r[0] for r in store._x("SELECT id FROM articles WHERE outlet = ? ORDER BY rowid DESC LIMIT ?",
                                         (name, cap)).fetchall()}
        p = OutletProfiles(store).profile(name)
        cited: Counter = Counter()
        for _, s, t, k, _, _ in rows:
            if k == "cites" and s in latest:
                cited[json.loads(t)["id"]] += 1
        assert {c["source_id"]: c["links"] for c in p["cites"]} == dict(cited)
        for side, key in (("from", "derives_from"), ("by", "derived_by"), ("undetermined", "shares_text")):
            want: Counter = Counter()
            for _, s, t, k, _, d in rows:
                if k not in outlets_mod.DERIVATION or s not in stored or t not in stored:
                    continue
                if side == "from" and s in latest and d == "source->target":
                    want[(stored[t].outlet, k)] += 1
                elif side == "by" and t in latest and d == "source->target":
                    want[(stored[s].outlet, k)] += 1
                elif side == "undetermined" and (s in latest or t in latest) and d != "source->target":
                    want[(stored[t].outlet if stored[s].outlet == name else stored[s].outlet, k)] += 1
            got = {(d["outlet"], d["kind"]): d["links"] for d in p[key]}
            assert got == dict(want), (name, side)
            assert all(len(d["examples"]) == min(3, d["links"]) for d in p[key])
        assert p["stories_total"] == len({stored[i].story_id for i in latest if stored[i].story_id})
        assert p["counted_articles"] == min(cap, p["articles"])
