"""Dated counts (store/timeline.py) and outlet profiles (store/outlets.py), on SQLite and PostgreSQL: every
count equals one made from the articles read in Python, undated and partial dates included."""
from __future__ import annotations

import random
from collections import Counter
from typing import Any

import numpy as np
import pytest

from narratrace.errors import NotFound
from narratrace.model import Article, Link, Passage
from narratrace.store import open_store
from narratrace.store.outlets import OutletProfiles
from narratrace.store.timeline import DatedCounts, Timeline

OUTLETS = ["RT Arabic", "Defa Press", "Purna Warta", "50%_off", None]
DATES = [None, "", "2021", "2021-02", "2021-02-03", "2021-02-03T10:00:00Z", "2021-02-28", "yesterday", "2021-13-01"]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    target = str(tmp_path / "t.db") if request.param == "sqlite" else request.getfixturevalue("pg_db")("timeline")
    s = open_store(target)
    yield s
    s.close()


def article(aid: str, story: str, outlet: str | None, published: str | None, lang: str = "en",
            title: str | None = None) -> Article:
    text = f"Text of {aid}."
    return Article(id=aid, text=text, title=title or f"Title {aid}", outlet=outlet, published=published, lang=lang,
                   story_id=story, passages=[Passage(0, text, 0, len(text), kind="body", lang=lang, key=text.lower())])


def write(store: Any, arts: list[Article], links: list[Link] = ()) -> None:  # type: ignore[assignment]
    with store.transaction():
        for a in arts:
            start = store.next_passage_rowid()
            store.write_article(a, {p.index: start + k for k, p in enumerate(a.passages)}, {})
        store.write_links(links, story_id=None)


def python_counts(arts: list[Article]) -> DatedCounts:
    out = DatedCounts()
    for a in arts:
        out.add(a.published, 1)
    return out


def random_articles(n: int = 80, seed: int = 3) -> list[Article]:
    rng = random.Random(seed)
    return [article(f"a{i:03d}", f"S{rng.randrange(6)}", rng.choice(OUTLETS), rng.choice(DATES),
                    rng.choice(["en", "ar", "fa"])) for i in range(n)]


def test_counts_equal_python_for_every_scope(store):
    arts = random_articles()
    write(store, arts)
    tl = Timeline(store)
    assert tl.counts() == python_counts(arts)
    assert tl.counts().total == len(arts)
    for sid in {a.story_id for a in arts}:
        assert tl.counts(story_id=sid) == python_counts([a for a in arts if a.story_id == sid])
    for outlet in OUTLETS[:-1]:
        assert tl.counts(outlet=outlet) == python_counts([a for a in arts if a.outlet == outlet])
    some = [a.id for a in arts[::3]] + ["not-stored"]
    assert tl.counts(article_ids=some) == python_counts(arts[::3])
    # what is counted: a timestamp by its day, partial dates as stored, blank and unreadable ones as undated
    got = tl.counts(article_ids=[a.id for a in arts])
    expected_undated = sum(1 for a in arts if a.published in (None, "", "yesterday", "2021-13-01"))
    assert got.undated == expected_undated > 0
    assert "2021-02-03T10:00:00Z" not in got.dates and set(got.dates) <= {"2021", "2021-02", "2021-02-03", "2021-02-28"}
    with pytest.raises(ValueError):
        tl.counts(story_id="S1", outlet="RT Arabic")


def test_counts_of_a_narrative_hold_its_articles_and_its_stories(store):
    arts = [article("n1", "S1", "RT Arabic", "2021-02-03"), article("n2", "S1", "RT Arabic", None),
            article("n3", "S2", "Defa Press", "2021-02-04"), article("n4", "S3", "Defa Press", "2021-02-05")]
    write(store, arts)
    with store.transaction():
        store.save_narrative("N1", "n1", np.zeros(4, np.float32), 1.0)
        store.set_story_narrative("S1", "N1", 0.9)  # both of S1's articles
        store.set_article_narrative("n4", "N1", 0.8, [0])  # one article of another story
    got = Timeline(store).counts(narrative_id="N1")
    assert got.to_dict() == {"dates": {"2021-02-03": 1, "2021-02-05": 1}, "undated": 1, "total": 3}


def test_counts_follow_a_retired_story_id(store):
    write(store, [article("r1", "S-old", None, "2021-02-03")])
    with store.transaction():
        store.rename_story("S-old", "S-new", "founder")
    assert Timeline(store).counts(story_id="S-old").dates == {"2021-02-03": 1}


def profile_corpus() -> tuple[list[Article], list[Link]]:
    arts = [article("rt1", "S1", "RT Arabic", "2021-02-03", "ar"), article("rt2", "S1", "RT Arabic", None, "ar"),
            article("rt3", "S2", "RT Arabic", "2021-02-10", "en"),
            article("df1", "S1", "Defa Press", "2021-02-02", "fa"),
            article("df2", "S2", "Defa Press", "2021-02-09", "fa"),
            article("pw1", "S1", "Purna Warta", "2021-02-04", "id"), article("x1", "S2", None, "2021-02-11", "id")]
    links = [Link("pw1", "rt1", "translates", 0.9, "source->target"),     # Purna Warta translates RT
             Link("rt1", "df1", "translates", 0.8, "source->target"),     # RT translates Defa Press, twice
             Link("rt3", "df2", "partial_translation", 0.7, "source->target"),
             Link("rt2", "df1", "translates", 0.6, "source->target"),
             Link("x1", "rt3", "copy", 1.0, "source->target"),            # an article without an outlet copies RT
             Link("df2", "rt3", "rewrites", 0.5, "undetermined"),         # direction unknown
             Link("rt1", "df1", "same_story", 0.5, "undetermined"),       # not a derivation: not listed
             Link("rt1", {"id": "sputnik", "name": "Sputnik"}, "cites", 1.0, "source->target"),  # type: ignore[arg-type]
             Link("rt2", {"id": "sputnik", "name": "Sputnik"}, "cites", 1.0, "source->target"),  # type: ignore[arg-type]
             Link("rt3", {"id": "sohr", "name": "SOHR"}, "cites", 1.0, "source->target"),  # type: ignore[arg-type]
             Link("df1", {"id": "sohr", "name": "SOHR"}, "cites", 1.0, "source->target")]  # type: ignore[arg-type]
    return arts, links


def test_outlet_profile(store):
    arts, links = profile_corpus()
    write(store, arts, links)
    p = OutletProfiles(store).profile("RT Arabic", examples=1)
    assert p["articles"] == 3 and p["first_published"] == "2021-02-03" and p["last_published"] == "2021-02-10"
    assert p["languages"] == [{"lang": "ar", "articles": 2}, {"lang": "en", "articles": 1}]
    assert p["volume"] == {"dates": {"2021-02-03": 1, "2021-02-10": 1}, "undated": 1, "total": 3}
    cited = [(c["source_id"], c["name"], c["articles"]) for c in p["cites"]]
    assert cited == [("sputnik", "Sputnik", 2), ("sohr", "SOHR", 1)]
    # it translates Defa Press (two translations, one partial), it is translated by Purna Warta and copied by x1
    assert [(d["outlet"], d["kind"], d["links"]) for d in p["derives_from"]] == [
        ("Defa Press", "translates", 2), ("Defa Press", "partial_translation", 1)]
    assert p["derives_from"][0]["examples"] == [{"source": "rt1", "target": "df1", "score": 0.8,
                                                 "source_title": "Title rt1", "target_title": "Title df1"}]
    assert [(d["outlet"], d["kind"], d["links"]) for d in p["derived_by"]] == [
        ("Purna Warta", "translates", 1), (None, "copy", 1)]
    assert [(d["outlet"], d["kind"]) for d in p["shares_text"]] == [("Defa Press", "rewrites")]
    assert p["stories_total"] == 2
    assert [(s["story_id"], s["articles"], s["story_articles"]) for s in p["stories"]] == [("S1", 2, 4), ("S2", 1, 3)]
    assert OutletProfiles(store).profile("Defa Press")["shares_text"][0]["outlet"] == "RT Arabic"
    with pytest.raises(NotFound):
        OutletProfiles(store).profile("rt arabic")  # names are matched exactly


def test_outlet_list_pages_filters_and_counts(store):
    arts = random_articles()
    write(store, arts)
    named = Counter(a.outlet for a in arts if a.outlet)
    found = OutletProfiles(store).listing(limit=2)
    assert found["total"] == len(named)
    expected = sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    assert [(o["name"], o["articles"]) for o in found["outlets"]] == expected
    rest = OutletProfiles(store).listing(limit=10, offset=2)["outlets"]
    assert len(rest) == len(named) - 2
    # the filter is a substring, % and _ taken literally
    assert [o["name"] for o in OutletProfiles(store).listing(q="%_")["outlets"]] == ["50%_off"]
    assert [o["name"] for o in OutletProfiles(store).listing(q="press")["outlets"]] == ["Defa Press"]
