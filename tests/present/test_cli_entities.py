"""Entity commands on the seeds: entities, entity NAME (any script), entities rebuild, links --target."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.errors import NotFound
from narratrace.present.cli.app import app

runner = CliRunner()
A, B, C, D = "000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36", "003_a1910eebe7f376b6"


@pytest.fixture(scope="module")
def db(tmp_path_factory, samples_dir):
    path = str(tmp_path_factory.mktemp("cli-entities") / "e.db")
    with Narratrace(db=path, encoder=HashingEncoder()) as nt:
        assert nt.ingest([samples_dir]).ok
    return path


def _json(args: list[str]):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", ["الحسكة", "الحسکه", "al-Hasakah"])
def test_cli_entity_any_script_lists_the_articles(db, name):
    found = _json(["entity", name, "--db", db])
    assert found["id"] == "al_hasakah" and sorted(found["article_ids"]) == [A, B, C]
    assert found["articles"]["total"] == 3 and found["articles"]["facets"]["lang"] == {"ar": 1, "fa": 1, "id": 1}


def test_cli_entity_cited_and_text_output(db):
    cited = _json(["entity", "Sputnik", "--cited", "--db", db])
    assert sorted(cited["article_ids"]) == [A, B, C, D]
    out = runner.invoke(app, ["entity", "سبوتنيك", "--cited", "--db", db])
    assert out.exit_code == 0 and "cue «Mengutip»" in out.stdout and "4 articles citing it" in out.stdout
    missing = runner.invoke(app, ["entity", "Atlantis", "--db", db])
    assert isinstance(missing.exception, NotFound) and "no entity is called 'Atlantis'" in str(missing.exception)


def test_cli_entities_list_kind_and_paging(db):
    places = _json(["entities", "--kind", "place", "--limit", "3", "--db", db])
    assert places["total"] > 3 and len(places["items"]) == 3 and {e["kind"] for e in places["items"]} == {"place"}
    nxt = _json(["entities", "--kind", "place", "--limit", "3", "--offset", "3", "--db", db])
    assert not {e["id"] for e in places["items"]} & {e["id"] for e in nxt["items"]}
    assert runner.invoke(app, ["entities", "--help"]).exit_code == 0


def test_cli_entities_rebuild_and_links_target(db):
    before = _json(["entities", "--limit", "1000", "--db", db])
    counts = _json(["entities", "rebuild", "--db", db])
    assert counts["articles"] == 5 and counts["errors"] == 0
    assert _json(["entities", "--limit", "1000", "--db", db]) == before
    links = _json(["links", "--target", "اسپوتنیک", "--db", db])
    assert sorted(lk["source"] for lk in links) == [A, B, C, D] and {lk["kind"] for lk in links} == {"cites"}
