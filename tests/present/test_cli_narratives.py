"""``narratrace narratives`` lists through ``Narratrace.pages`` with the filters and paging of ``narratrace
stories``: --json without paging options streams every record (the stable ``Narrative.to_json``), with
--limit/--offset/--page it is one page with its total and facets; --lang filters (an article in the language),
--label-lang only labels; the table shows a page of summaries and says how to get the next."""
from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.group.stories import story_id_for
from narratrace.model import RawArticle
from narratrace.present.cli import narrative_cmds
from narratrace.present.cli.app import app
from narratrace.settings import Settings

runner = CliRunner()
SETTINGS = Settings.load(None, narratives={"min_articles": 1})


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """12 articles, one story each, in five narratives of two or three stories set by hand and the one ingest
    made of all twelve: three languages, 2021."""
    raws = [RawArticle(id=f"n{i:02d}", title=f"Strike number {i}", lang=["en", "id", "en", "de"][i % 4],
                       outlet=["Wire", "Kompas", "KOMPAS TV"][i % 3],
                       published=f"2021-{1 + i:02d}-0{1 + i % 5}", origin=f"nar:{i}",
                       text=f"Strike number {i} closed {i + 3} docks.\n\nWorkers said {i * 7} ships waited.")
            for i in range(12)]
    path = tmp_path_factory.mktemp("cli-narratives") / "n.db"
    with Narratrace(db=path, settings=SETTINGS, encoder=HashingEncoder()) as nt:
        assert nt.add(raws).ok
        with nt.store.transaction():
            for raw in raws:
                nt.store.set_story(raw.id, story_id_for(raw.id))
            for k, raw in enumerate(raws):
                nid = f"N-{k % 5}"
                nt.store.save_narrative(nid, raw.id, np.ones(nt.encoder.dim, np.float32), 1.0)
                nt.store.set_story_narrative(story_id_for(raw.id), nid, None)
    return str(path)


def run(db: str, *args: str) -> object:
    result = runner.invoke(app, ["narratives", *args, "--db", db, "--min-articles", "1"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def expected(db: str, **filters: object) -> list[dict[str, object]]:
    """The records of every narrative passing ``filters``, in the Python API's order."""
    with Narratrace(db=db, settings=SETTINGS, encoder=HashingEncoder()) as nt:
        ids = [n.id for n in nt.pages.narratives(limit=1000, **filters).items]  # type: ignore[arg-type]
        return [nt.pages.narrative(i, lang=filters.get("label_lang") or filters.get("lang")).to_json()
                for i in ids]


def test_json_streams_every_narrative_record(db, monkeypatch):
    monkeypatch.setattr(narrative_cmds, "JSON_BATCH", 2)  # over several batches
    listed = run(db, "--json")
    assert isinstance(listed, list) and listed == expected(db)
    assert [len(n["article_ids"]) for n in listed] == [12, 3, 3, 2, 2, 2]
    assert set(listed[0]) == {"id", "label", "story_ids", "article_ids", "languages", "first_seen", "last_seen"}


@pytest.mark.parametrize("args, filters", [
    (["--lang", "de"], {"lang": "de"}), (["--outlet", "kompas"], {"outlet": "kompas"}),
    (["--since", "2021-11"], {"since": "2021-11"}), (["--until", "2021-02", "--sort", "recent"],
                                                     {"until": "2021-02", "sort": "recent"}),
    (["--label-lang", "id"], {"label_lang": "id"})])
def test_json_filters_as_the_python_api(db, args, filters):
    listed = run(db, "--json", *args)
    assert listed == expected(db, **filters)
    if "lang" in filters:
        assert listed and all(filters["lang"] in n["languages"] for n in listed)
        assert len(listed) < 6  # a filter, not a label language
    if "label_lang" in filters:
        assert len(listed) == 6


@pytest.mark.parametrize("args, start, size", [(["--limit", "2"], 0, 2), (["--limit", "2", "--page", "2"], 2, 2),
                                               (["--limit", "3", "--offset", "4"], 4, 3)])
def test_json_page_has_its_total_and_facets(db, args, start, size):
    page = run(db, "--json", *args)
    assert isinstance(page, dict) and page["total"] == 6 and (page["limit"], page["offset"]) == (size, start)
    assert page["narratives"] == expected(db)[start:start + size]
    assert {f["value"] for f in page["facets"]["languages"]} == {"en", "id", "de"}


def test_table_shows_a_page_and_how_to_get_the_next(db):
    out = run(db, "--limit", "2")
    assert "narratives 1–2 of 6" in out and "more: --page 2 (or --offset 2)" in out
    first = expected(db)[0]
    assert first["id"] in out and expected(db)[2]["id"] not in out
    last = run(db, "--limit", "2", "--page", "3")
    assert "narratives 5–6 of 6" in last and "more:" not in last
    assert "6 narratives" in run(db)


def test_paging_options_are_checked(db):
    both = runner.invoke(app, ["narratives", "--db", db, "--page", "2", "--offset", "1"])
    assert both.exit_code == 2 and "not both" in both.output
    sort = runner.invoke(app, ["narratives", "--db", db, "--sort", "spread"])
    assert sort.exit_code == 2 and "--sort must be one of" in sort.output
    helped = runner.invoke(app, ["narratives", "--help"])
    assert helped.exit_code == 0 and "--label-lang" in helped.output and "--outlet" in helped.output
