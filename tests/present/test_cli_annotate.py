"""Annotation commands on a copy of the seeds: tag, note, annotations, stories merge|split, links confirm|reject;
``stories`` and ``links`` alone still list."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from narratrace.errors import NotFound
from narratrace.present.cli.app import app

from ..conftest import SEED_IDS

runner = CliRunner()
A0, A1, A2, B, C = SEED_IDS


@pytest.fixture
def db(seeds_project, tmp_path, test_databases):
    return test_databases.copy(seeds_project[0].db_path, tmp_path, "cli-annotate")


def _run(*args: str) -> object:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, (args, res.output, res.exception)
    return json.loads(res.stdout) if "--json" in args else res.stdout


def _story_of(db: str, article_id: str) -> str:
    return json.loads(runner.invoke(app, ["show", article_id, "--db", db, "--json"]).stdout)["story_id"]


def test_cli_tag_note_list_and_delete(db):
    story = _story_of(db, A0)
    tag = _run("tag", story, "prison break", "--db", db, "--json")
    assert tag["target_kind"] == "story" and tag["value"] == "prison break"
    _run("tag", A1, "translation", "--db", db)
    _run("note", "al-Hasakah", "the city, any script", "--on", "entity", "--db", db)
    listed = _run("annotations", "--db", db, "--json")
    assert [(a["target_kind"], a["value"]) for a in listed["annotations"]] == [
        ("story", "prison break"), ("article", "translation"), ("entity", "the city, any script")]
    assert "prison break" in _run("annotations", story, "--db", db)
    assert _run("tag", story, "prison break", "--remove", "--db", db, "--json") == {"removed": 1}
    note_id = listed["annotations"][2]["id"]
    assert _run("annotations", "--delete", str(note_id), "--db", db, "--json")["value"] == "the city, any script"
    assert [a["value"] for a in _run("annotations", "--db", db, "--json")["annotations"]] == ["translation"]
    res = runner.invoke(app, ["tag", "no-such-id", "x", "--db", db])
    assert isinstance(res.exception, NotFound)  # main() maps it to exit code 5


def test_cli_stories_merge_split_and_the_listing_still_works(db):
    b, c = _story_of(db, B), _story_of(db, C)
    merged = _run("stories", "merge", b, c, "--note", "one narrative", "--db", db, "--json")
    assert sorted(merged["article_ids"]) == [B, C]
    listed = _run("stories", "--db", db, "--json")
    assert any(sorted(s["article_ids"]) == [B, C] for s in listed) and len(listed) == 2
    split = _run("stories", "split", merged["id"], B, "--db", db, "--json")
    assert split["split"]["article_ids"] == [B] and split["rest"]["article_ids"] == [C]
    edits = _run("annotations", merged["id"], "--db", db, "--json")["edits"]
    assert [e["action"] for e in edits] == ["merge", "split"] and edits[0]["note"] == "one narrative"


def test_cli_links_confirm_reject_and_the_listing_still_works(db):
    links = _run("links", "--article", A2, "--kind", "cites", "--db", db, "--json")
    assert links
    source_id = links[0]["target"]["id"]
    out = _run("links", "confirm", A2, source_id, "cites", "--note", "cue sentence checked", "--db", db, "--json")
    assert out["verdict"] == "confirmed" and out["note"] == "cue sentence checked"
    assert "rejected" in _run("links", "reject", A2, source_id, "cites", "--db", db)
    res = runner.invoke(app, ["links", "confirm", A2, "nobody", "cites", "--db", db])
    assert isinstance(res.exception, NotFound)
