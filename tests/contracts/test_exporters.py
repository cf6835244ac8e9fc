"""Every registered exporter returns text of its format for a small graph; the built-in formats parse."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from narratrace import registry
from narratrace.testing.contracts import check_id, exporter_checks, sample_graph

CASES = [(name, check) for name in registry.exporters.names() for check in exporter_checks()]


@pytest.mark.parametrize(("name", "check"), CASES, ids=[f"{n}-{check_id(c)}" for n, c in CASES])
def test_exporter_contract(name: str, check: Any) -> None:
    check(registry.exporters.get(name))


def test_exporter_json_is_node_link() -> None:
    graph = sample_graph()
    data = json.loads(registry.exporters.get("json")(graph))
    assert data["directed"] and data["graph"]["story_id"] == "S1"
    assert {n["id"] for n in data["nodes"]} == set(graph.nodes)
    assert [(lk["source"], lk["target"], lk["kind"]) for lk in data["links"]] == \
        [(e.source, e.target, e.kind) for e in graph.edges]


def test_exporter_csv_is_one_row_per_edge() -> None:
    """One row per pair of nodes (the sample has no pair linked twice), evidence in flat columns."""
    graph = sample_graph()
    rows = list(csv.reader(io.StringIO(registry.exporters.get("csv")(graph))))
    assert rows[0][:3] == ["source", "target", "kind"] and "evidence" not in rows[0]
    assert len(rows) == 1 + len(graph.edges) and "translates" in {r[2] for r in rows[1:]}
    assert not any(cell.startswith("{") for r in rows[1:] for cell in r)


def test_exporter_gexf_is_xml_gephi_reads() -> None:
    graph = sample_graph()
    root = ET.fromstring(registry.exporters.get("gexf")(graph).encode("utf-8"))
    ns = {"g": "http://gexf.net/1.3"}
    assert root.tag == "{http://gexf.net/1.3}gexf"
    assert len(root.findall(".//g:node", ns)) == len(graph.nodes)
    assert len(root.findall(".//g:edge", ns)) == len(graph.edges)
