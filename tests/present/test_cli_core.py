"""The CLI contract: --help everywhere, stories --json, show, ingest exit codes."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from narratrace.errors import NotFound
from narratrace.present.cli.app import app

runner = CliRunner()


def _commands():
    return sorted(app.registered_commands, key=lambda c: c.name or "")


@pytest.mark.parametrize("name", ["ingest", "stories", "show", "demo"])
def test_cli_every_command_has_help(name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_cli_all_registered_commands_have_help():
    for cmd in app.registered_commands:
        result = runner.invoke(app, [cmd.name, "--help"])
        assert result.exit_code == 0, cmd.name


def test_cli_stories_json_contract(seeds_project):
    nt, _ = seeds_project
    result = runner.invoke(app, ["stories", "--json", "--db", nt.db_path])
    assert result.exit_code == 0, result.output
    stories = json.loads(result.stdout)
    assert len(stories) == 3
    for s in stories:
        assert set(s) == {"id", "title", "languages", "article_ids", "first_seen", "last_seen"}
    assert sorted(stories[0]["languages"]) == ["ar", "fa", "id"]


def test_cli_show_story_and_article(seeds_project):
    nt, _ = seeds_project
    story = nt.stories()[0]
    out = runner.invoke(app, ["show", story.id, "--db", nt.db_path, "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["id"] == story.id
    art = runner.invoke(app, ["show", story.article_ids[0], "--db", nt.db_path])
    assert art.exit_code == 0 and story.article_ids[0] in art.stdout
    missing = runner.invoke(app, ["show", "nope", "--db", nt.db_path])
    assert missing.exit_code != 0


def test_cli_ingest_reports_errors_with_exit_code(new_db, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[encoder]\nbackend = "hashing"\n')
    result = runner.invoke(app, ["ingest", str(tmp_path), "--db", new_db("x"), "--config", str(cfg),
                                 "--json"])
    assert result.exit_code == 2
    summary = json.loads(result.stdout)
    assert summary["errors"] == 1
    assert "empty.txt" in summary["error_messages"][0]


def test_cli_read_commands_do_not_create_a_database(tmp_path):
    db = tmp_path / "missing.db"
    for args in (["stories"], ["links"], ["narratives"], ["search", "x"]):
        result = runner.invoke(app, [*args, "--db", str(db)])
        # CliRunner calls the app directly; narratrace.present.cli.app.main maps NotFound to exit code 5
        assert isinstance(result.exception, NotFound), (args, result.output)
        assert "ingest articles first" in str(result.exception)
        assert not db.exists()


def test_cli_demo_keeps_its_database_when_asked_and_says_how_to_serve_it(tmp_path, monkeypatch):
    monkeypatch.setenv("NARRATRACE_CONFIG", str(tmp_path / "c.toml"))
    # the plumbing encoder: this test is about the command, not the stories
    (tmp_path / "c.toml").write_text('[encoder]\nbackend = "hashing"\n', "utf-8")
    db = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert db.exists() and f"narratrace serve --db {db}" in " ".join(result.output.split())
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0 and "narratrace demo --db" in result.output
