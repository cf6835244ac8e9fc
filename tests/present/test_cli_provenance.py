"""Store-backed provenance commands on the seeds: links, trace, export."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from typer.testing import CliRunner

from narratrace.present.cli.app import app

runner = CliRunner()
SEED = {"000": "000_b87142e14614ef64", "001": "001_1466ee4cbd6c5b37", "002": "002_52248782f917fa36",
        "003": "003_a1910eebe7f376b6", "004": "004_a999723ac9a858df"}


def _links(db):
    result = runner.invoke(app, ["links", "--json", "--db", db])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_links_json_contract(seeds_project):
    nt, _ = seeds_project
    links = _links(nt.db_path)
    assert links
    for lk in links:
        assert set(lk) == {"source", "target", "kind", "score", "direction", "evidence"}
        if lk["kind"] == "cites":
            assert set(lk["target"]) == {"id", "name"}


def test_cli_links_cited_sources_across_scripts(seeds_project):
    nt, _ = seeds_project
    cites: dict[str, set[str]] = {}
    for lk in _links(nt.db_path):
        if lk["kind"] == "cites":
            cites.setdefault(lk["source"], set()).add(lk["target"]["name"])
    for key in ("000", "001", "002", "003"):
        assert "Sputnik" in cites[SEED[key]], key
    assert "Press TV" in cites[SEED["003"]]
    assert any("Defence" in s or "Defense" in s for s in cites[SEED["004"]])
    assert "Musab al-Halabi" in cites[SEED["000"]] and "Musab al-Halabi" in cites[SEED["001"]]


def test_cli_links_translation_with_aligned_evidence(seeds_project):
    nt, _ = seeds_project
    tr = [lk for lk in _links(nt.db_path) if lk["kind"] == "translates"]
    assert len(tr) == 1 and {tr[0]["source"], tr[0]["target"]} == {SEED["000"], SEED["001"]}
    assert len(tr[0]["evidence"]["aligned"]) >= 12


def test_cli_trace_and_exports(seeds_project, tmp_path):
    nt, _ = seeds_project
    out = runner.invoke(app, ["trace", SEED["000"], "--db", nt.db_path])
    assert out.exit_code == 0 and "translates" in out.stdout and "Sputnik" in out.stdout
    gexf = runner.invoke(app, ["export", SEED["000"], "--format", "gexf", "--db", nt.db_path])
    root = ET.fromstring(gexf.stdout.split("\n", 1)[1])
    ns = {"g": "http://gexf.net/1.3"}
    assert len(root.findall(".//g:node", ns)) >= 3 and root.findall(".//g:edge", ns)
    rows = list(csv.reader(io.StringIO(runner.invoke(app, ["export", SEED["001"], "-f", "csv", "--db",
                                                           nt.db_path]).stdout)))
    assert rows[0][:3] == ["source", "target", "kind"] and "evidence" not in rows[0] and len(rows) > 2
    path = tmp_path / "g.json"
    assert runner.invoke(app, ["export", SEED["002"], "-o", str(path), "--db", nt.db_path]).exit_code == 0
    assert json.loads(path.read_text())["nodes"]


def test_cli_compare_stored_ids_json_contract(seeds_project):
    nt, _ = seeds_project
    out = runner.invoke(app, ["compare", SEED["000"], SEED["001"], "--json", "--db", nt.db_path])
    assert out.exit_code == 0, out.output
    res = json.loads(out.stdout)
    assert list(res)[:5] == ["relation", "score", "coverage_a", "coverage_b", "aligned"]
    assert res["relation"] == "translation" and 0.5 < res["score"] <= 1.0
    missing = runner.invoke(app, ["compare", SEED["000"], "nope", "--db", nt.db_path])
    assert missing.exit_code != 0
