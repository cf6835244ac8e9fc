"""The kept counts of candidate names (schema 16: store/candidate_counts.py) equal a recount of the stored candidate
mentions after writes, rewrites, re-ingests of changed articles, promotions and clears, on SQLite and PostgreSQL;
``candidate_stats`` reads them as the recount gives them; migration 16 fills them for a store made before it."""
from __future__ import annotations

import random
from typing import Any

import pytest

from narratrace.model import Article, Passage
from narratrace.store import open_store
from narratrace.store.migrations import SCHEMA_VERSION

KEYS = ["HSK", "BSR SD", "QMS"]
SURFACES = {"latin": ["Hasakah", "al-Hasakah", "Qamishli"], "arabic": ["الحسكة", "القامشلي"]}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    target = str(tmp_path / "c.db") if request.param == "sqlite" else request.getfixturevalue("pg_db")("candidates")
    s = open_store(target)
    yield s
    s.close()


def write(store: Any, ids: list[str], replace: bool = False) -> None:
    with store.transaction():
        for aid in ids:
            text = f"Text of {aid}."
            art = Article(id=aid, text=text, title=aid, lang="en",
                          passages=[Passage(0, text, 0, len(text), kind="body", lang="en", key=text.lower())])
            store.write_article(art, {0: store.next_passage_rowid()}, {}, replace=replace)


def candidate_rows(rng: random.Random, entity: int) -> list[tuple[Any, ...]]:
    """0-5 mentions: mostly candidates of a few keys in two scripts (a key may recur in one article), some
    cited, some of several words; now and then an entity's mention."""
    rows = []
    for k in range(rng.randrange(0, 6)):
        script = rng.choice(list(SURFACES))
        surface = rng.choice(SURFACES[script]) + (" Province" if rng.random() < 0.3 else "")
        role = "cited" if rng.random() < 0.3 else "mention"
        is_entity = rng.random() < 0.2
        rows.append((entity if is_entity else None, 0, 10 * k, 10 * k + 5, surface, script, role, None, "a sentence",
                     "" if is_entity else rng.choice(KEYS)))
    return rows


def mention(store: Any, rng: random.Random, ids: list[str], entity: int) -> None:
    with store.transaction():
        for aid in ids:
            store.write_mentions(store.article_rowid(aid), candidate_rows(rng, entity))


def kept(store: Any) -> tuple[dict[str, tuple[int, int]], dict[tuple[str, str], int]]:
    names = {k: (int(a), int(s)) for k, a, s in store._x("SELECT name_key, articles, strong FROM candidate_names")}
    scripts = {(k, s): int(a) for k, s, a in store._x("SELECT name_key, script, articles FROM candidate_scripts")}
    return names, scripts


def recounted(store: Any) -> tuple[dict[str, tuple[int, int]], dict[tuple[str, str], int]]:
    """The counts made from every candidate mention, in Python."""
    arts: dict[str, set[int]] = {}
    strong: dict[str, int] = {}
    scripts: dict[tuple[str, str], set[int]] = {}
    for a, key, script, role, surface in store._x("SELECT article_rowid, name_key, script, role, surface FROM "
                                                  "entity_mentions WHERE entity_rowid IS NULL"):
        arts.setdefault(key, set()).add(int(a))
        strong[key] = strong.get(key, 0) + int(role == "cited" or " " in surface)
        scripts.setdefault((key, script), set()).add(int(a))
    return ({k: (len(v), strong[k]) for k, v in arts.items()}, {k: len(v) for k, v in scripts.items()})


def assert_exact(store: Any) -> None:
    names, scripts = recounted(store)
    assert kept(store) == (names, scripts)
    asked = [*KEYS, "never-seen"]
    assert store.candidate_stats(asked) == {
        k: (n, sum(1 for (key, _) in scripts if key == k), s) for k, (n, s) in names.items()}


def test_candidate_counts_equal_a_recount_through_writes_reingests_promotions_and_clears(store):
    rng = random.Random(3)
    with store.transaction():
        entity = store.upsert_entity("e0", "place", "E0", "test", {}, [])
    ids = [f"a{i:02d}" for i in range(40)]
    write(store, ids)
    mention(store, rng, ids, entity)
    assert kept(store)[0] and kept(store)[1]  # something was counted
    assert_exact(store)
    mention(store, rng, ids[::2], entity)  # mentions written again: the old ones' counts leave
    assert_exact(store)
    write(store, ids[1::3], replace=True)  # new versions: the old versions' mentions left with them
    assert_exact(store)
    mention(store, rng, ids[1::3], entity)
    assert_exact(store)
    with store.transaction():
        for aid in ids[::5]:
            store.write_mentions(store.article_rowid(aid), [])
    assert_exact(store)
    with store.transaction():  # a key promoted: its candidates are an entity's, its counts gone
        store.promote_candidates("HSK", entity)
    assert "HSK" not in kept(store)[0] and not store.candidate_stats(["HSK"])
    assert_exact(store)
    with store.transaction():
        store._x("DELETE FROM candidate_names")
    store.rebuild_candidate_counts()  # what a bulk loader that wrote candidate mentions itself calls
    assert_exact(store)
    with store.transaction():
        store.clear_entities()
    assert kept(store) == ({}, {})


def test_migration_16_fills_the_candidate_counts_of_a_store_made_before(tmp_path):
    rng = random.Random(9)
    path = str(tmp_path / "old.db")
    store = open_store(path)
    with store.transaction():
        entity = store.upsert_entity("e0", "place", "E0", "test", {}, [])
    ids = [f"m{i:02d}" for i in range(30)]
    write(store, ids)
    mention(store, rng, ids, entity)
    expected = kept(store)
    assert expected[0]
    with store.transaction():
        store._x("DROP TABLE candidate_names")
        store._x("DROP TABLE candidate_scripts")
        store._x("DROP INDEX articles_story_members")
        store._x("CREATE INDEX articles_story ON articles(story_id)")
        store._set_meta("schema_version", "15")
    store.close()
    again = open_store(path)
    assert again.schema_version == SCHEMA_VERSION
    assert kept(again) == expected
    assert_exact(again)
    plan = " ".join(str(r) for r in again._x("EXPLAIN QUERY PLAN SELECT id FROM articles WHERE story_id = ? "
                                             "ORDER BY rowid LIMIT 6", ("S1",)).fetchall())
    assert "COVERING INDEX articles_story_members" in plan  # a story's members read without their rows
    again.close()
