"""``narratrace stories`` pages in SQL through ``Narratrace.pages``: --json without paging options keeps the
stable list of every story's record (streamed a batch at a time), with --limit/--offset/--page it is one page
with its total and facets, the filters and sorts are the story lists'; the table shows a page and says how
to get the next."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.group.stories import story_id_for
from narratrace.model import RawArticle
from narratrace.present.cli import story_cmds
from narratrace.present.cli.app import app
from narratrace.present.cli.core import story_json

runner = CliRunner()
CITIES = ["Lagos", "Osaka", "Quito", "Bergen", "Lyon", "Accra", "Porto"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """14 articles in 10 stories (four of two) in three languages and months."""
    path = tmp_path_factory.mktemp("cli-stories") / "stories.db"
    raws = [RawArticle(id=f"c{i:02d}", title=f"Flood in {CITIES[i % 7]}", lang=["en", "id", "de"][i % 3],
                       outlet=["Wire", "Kompas", "Der Bote"][i % 3], published=f"2021-{1 + i % 4:02d}-{1 + i:02d}",
                       text=f"Flood in {CITIES[i % 7]}: the council met {i} times.\n\nResidents number {1000 + i}.",
                       origin=f"cli:{i}") for i in range(14)]
    with Narratrace(db=path, encoder=HashingEncoder()) as nt:
        assert nt.add(raws).ok
        with nt.store.transaction():  # stories of one or two articles, whatever the grouping made
            for i, raw in enumerate(raws):
                nt.store.set_story(raw.id, story_id_for(raws[i if i < 5 else 5 + (i - 5) // 2].id))
    return str(path)


def run(*args: str) -> object:
    result = runner.invoke(app, ["stories", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def test_json_lists_every_story_as_before(db, monkeypatch):
    monkeypatch.setattr(story_cmds, "JSON_BATCH", 2)  # streamed over several batches
    listed = run("--json", "--db", db)
    with Narratrace(db=db, encoder=HashingEncoder()) as nt:
        every = [story_json(s) for s in nt.stories()]
        order = [s.id for s in nt.pages.stories(limit=100).items]
    assert isinstance(listed, list) and sorted(listed, key=lambda s: s["id"]) == sorted(every, key=lambda s: s["id"])
    assert [s["id"] for s in listed] == order  # largest first, as the story list
    assert [len(s["article_ids"]) for s in listed][:4] == [2, 2, 2, 2]


@pytest.mark.parametrize("args", [["--limit", "3"], ["--limit", "3", "--page", "2"], ["--limit", "4", "--offset", "7"],
                                  ["--limit", "2", "--lang", "id"], ["--limit", "5", "--since", "2021-03"],
                                  ["--limit", "5", "--sort", "recent", "--until", "2021-02"],
                                  ["--limit", "3", "-q", "lagos"], ["--page", "9", "--limit", "5"],
                                  ["--limit", "1000"]])
def test_a_page_has_its_total_and_the_story_lists_filters(db, args):
    got = run(*args, "--json", "--db", db)
    opts = dict(zip(args[::2], args[1::2]))
    limit = int(opts["--limit"])
    offset = int(opts.get("--offset", (int(opts.get("--page", 1)) - 1) * limit))
    with Narratrace(db=db, encoder=HashingEncoder()) as nt:
        want = nt.pages.stories(lang=opts.get("--lang"), since=opts.get("--since"), until=opts.get("--until"),
                                q=opts.get("-q"), sort=opts.get("--sort", "size"), limit=limit, offset=offset)
        records = [story_json(nt.story(s.id)) for s in want.items]
        everything = nt.pages.stories(limit=100).total
    assert (got["total"], got["limit"], got["offset"]) == (want.total, limit, offset)
    assert got["stories"] == records and len(records) <= limit
    assert got["facets"] == want.to_dict()["facets"]
    if "--lang" in opts or "--since" in opts or "-q" in opts:
        assert 0 < got["total"] < everything  # the filter kept some, not all


def test_the_table_shows_a_page_and_the_next_one(db):
    out = run("--limit", "4", "--db", db)
    assert "stories 1–4 of 10" in out and "more: --page 2 (or --offset 4)" in out
    last = run("--limit", "4", "--page", "3", "--db", db)
    assert "stories 9–10 of 10" in last and "more:" not in last
    assert "10 stories" in run("--db", db)


def test_page_and_offset_together_are_refused(db):
    result = runner.invoke(app, ["stories", "--page", "2", "--offset", "3", "--db", db])
    assert result.exit_code != 0 and "--page or --offset" in result.output
    assert runner.invoke(app, ["stories", "--sort", "loudest", "--db", db]).exit_code != 0
