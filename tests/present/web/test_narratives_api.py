"""/api/narratives pages, sorts and filters narratives as ``Narratrace.pages.narratives`` does (counted and
ordered in SQL over the narrative summaries): sort=recent, since/until, lang and outlet, totals; an unknown sort
is a 422."""
from __future__ import annotations

import numpy as np
import pytest

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.group.stories import story_id_for
from narratrace.model import RawArticle
from narratrace.settings import Settings


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """12 articles, one story each, in narratives of one to three stories dated across 2021."""
    raws = [RawArticle(id=f"n{i:02d}", title=f"Strike number {i}", lang=["en", "id", "en", "de"][i % 4],
                       outlet=["Wire", "Kompas", "KOMPAS TV"][i % 3],
                       published=f"2021-{1 + i:02d}-0{1 + i % 5}", origin=f"nar:{i}",
                       text=f"Strike number {i} closed {i + 3} docks.\n\nWorkers said {i * 7} ships waited.")
            for i in range(12)]
    settings = Settings.load(None, narratives={"min_articles": 1})
    nt = Narratrace(db=tmp_path_factory.mktemp("nar-api") / "n.db", settings=settings, encoder=HashingEncoder())
    assert nt.add(raws).ok
    with nt.store.transaction():
        for raw in raws:
            nt.store.set_story(raw.id, story_id_for(raw.id))
        for k, raw in enumerate(raws):
            nid = f"N-{k % 5}"
            nt.store.save_narrative(nid, raw.id, np.ones(nt.encoder.dim, np.float32), 1.0)
            nt.store.set_story_narrative(story_id_for(raw.id), nid, None)
    yield nt
    nt.close()


@pytest.mark.parametrize("params", [{}, {"sort": "recent"}, {"since": "2021-11"},
                                    {"until": "2021-02", "sort": "recent"},
                                    {"since": "2021-12", "until": "2022", "limit": 1, "offset": 1},
                                    {"lang": "ID"}, {"outlet": "tv", "sort": "recent"},
                                    {"lang": "de", "outlet": "WIRE", "since": "2021-03"}, {"outlet": "nowhere"}])
def test_api_narratives_sorts_and_filters_as_the_python_api(web, project, params):
    body = web.get("/api/narratives", params=params).json()
    want = project.pages.narratives(sort=params.get("sort", "size"), since=params.get("since"),
                                    until=params.get("until"), limit=params.get("limit", 20),
                                    offset=params.get("offset", 0), lang=params.get("lang"),
                                    outlet=params.get("outlet"))
    assert body["total"] == want.total and [n["id"] for n in body["narratives"]] == [n.id for n in want.items]
    assert body["facets"] == {k: [{"value": v, "count": n} for v, n in got] for k, got in want.facets.items()}
    if params.get("outlet") == "nowhere":
        assert body["total"] == 0 and body["narratives"] == []
    elif set(params) & {"since", "until", "lang", "outlet"}:  # the filters kept some narratives, not all
        assert 0 < body["total"] < web.get("/api/narratives").json()["total"]
    for n in body["narratives"]:  # each has an article in the language and one from a matching outlet
        assert not params.get("lang") or params["lang"].lower() in n["languages"]
        assert not params.get("outlet") or any(params["outlet"].lower() in o.lower() for o in n["outlets"])
    if params.get("sort") == "recent":
        lasts = [n["last_seen"] for n in body["narratives"]]
        assert lasts == sorted(lasts, reverse=True)


def test_api_narratives_refuses_an_unknown_sort(web):
    assert web.get("/api/narratives", params={"sort": "loudest"}).status_code == 422
