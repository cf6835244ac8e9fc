"""Retired story ids redirect (issue 14): pages, the API and exports answer 308 with the current id; the CLI
shows the story and says it was renamed."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from narratrace import Narratrace
from narratrace.present.cli.app import app as cli_app

NEW_ID = "S0000renamed"


@pytest.fixture(scope="module")
def renamed(seeds_project, real_encoder, tmp_path_factory, test_databases):
    """A copy of the seeds whose largest story was renamed: (project, database, retired id, current id)."""
    db = test_databases.copy(seeds_project[0].db_path, tmp_path_factory.mktemp("renamed"), "renamed")
    nt = Narratrace(db=db, encoder=real_encoder)
    old = max(nt.stories(), key=lambda s: len(s.article_ids)).id
    with nt.store.transaction():
        nt.store.rename_story(old, NEW_ID, nt.store.story_founder(old) or "")
    yield nt, db, old, NEW_ID
    nt.close()


@pytest.fixture(scope="module")
def project(renamed):
    """The renamed copy, served by conftest's ``web`` fixture."""
    return renamed[0]


def test_story_redirects_pages_api_and_exports_of_a_retired_id(renamed, web):
    _, _, old, new = renamed
    for path, query in [("/stories/{}", ""), ("/api/stories/{}", ""), ("/api/stories/{}/graph", ""),
                        ("/api/stories/{}/links", ""), ("/stories/{}/export", "?format=json")]:
        r = web.get(path.format(old) + query, follow_redirects=False)
        assert r.status_code == 308, (path, r.status_code)
        assert r.headers["location"] == path.format(new) + query
    page = web.get(f"/stories/{old}")  # followed: the current story's page
    assert page.status_code == 200 and new in page.text
    assert web.get(f"/api/stories/{old}").json()["id"] == new


def test_story_redirects_only_retired_ids_of_reads(renamed, web):
    _, _, old, new = renamed
    assert web.get(f"/api/stories/{new}", follow_redirects=False).status_code == 200
    assert web.get("/api/stories/S-nope", follow_redirects=False).status_code == 404
    assert web.head(f"/stories/{old}", follow_redirects=False).status_code == 308
    # a write names the story it means: not redirected (the write guard answers first)
    assert web.post(f"/api/stories/{old}", follow_redirects=False).status_code != 308


def test_story_redirects_cli_show_says_the_id_was_retired(renamed):
    _, db, old, new = renamed
    result = CliRunner().invoke(cli_app, ["show", old, "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == new
    assert f"{old} is a retired story id: the story is now {new}" in result.stderr
