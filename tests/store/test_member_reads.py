"""The trace stage's batched member reads return what the one-article reads return (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.model import RawArticle

TEXTS = {
    "m1": "Floods in Valencia\n\nThe floods closed 14 roads, Reuters reported on Monday, and the mayor said "
          "more rain was expected.",
    "m2": "Valencia floods\n\nAccording to AFP, 14 roads were closed. Officials told the BBC the rain would stop.",
    "m3": "A quiet day\n\nNothing was reported.",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def store_nt(request, new_db, pg_db):
    db = new_db("members") if request.param == "sqlite" else pg_db("members")
    with Narratrace(db=db, encoder=HashingEncoder()) as nt:
        nt.add([RawArticle(id=k, text=t, outlet=f"{k}.example", published="2024-10-30", lang="en")
                for k, t in TEXTS.items()])
        yield nt


def test_headers_and_cites_of_many_members_equal_one_by_one(store_nt):
    store = store_nt.store
    ids = ["m2", "nope", "m1", "m3", "m1"]
    headers = store.article_headers(ids)
    cites = store.cites_links_of(ids)
    assert set(headers) == {"m1", "m2", "m3"} and set(cites) == {"m1", "m2", "m3", "nope"}
    assert cites["nope"] == []
    assert sum(len(v) for v in cites.values()) >= 2  # the texts cite Reuters, AFP, the BBC
    for aid in ("m1", "m2", "m3"):
        full = store.get_article(aid, with_passages=False)
        got = headers[aid]
        assert (got.id, got.title, got.url, got.outlet, got.published, got.lang, got.origin, got.story_id) == \
            (full.id, full.title, full.url, full.outlet, full.published, full.lang, full.origin, full.story_id)
        assert got.text == "" and not got.passages  # the header only
        assert cites[aid] == store.links(article_id=aid, kind="cites")
