"""Propagation graph and its exports (no encoder needed: relations are given)."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from narratrace.model import Article, Passage
from narratrace.trace.attributions import find_attributions
from narratrace.trace.graph import build_graph


def _art(i: str, text: str, outlet: str | None, published: str | None) -> Article:
    return Article(id=i, text=text, outlet=outlet, published=published, lang="en",
                   passages=[Passage(0, text, 0, len(text))])


def _graph():
    a = _art("a", "Sources told Sputnik that 750 fighters left <the> prison & \x01moved.", "Outlet \"A\"", "2022-01-26")
    b = _art("b", "Menurut Sputnik, 750 teroris keluar.", "Purna Warta", "2022-01-27")
    c = _art("c", "An unrelated note.", None, None)
    rel = {"relation": "translation", "score": 0.97, "coverage_a": 1.0, "coverage_b": 0.5, "direction": "a->b",
           "aligned": [{"a": [0], "b": [0], "text_a": "x <y>", "text_b": "z", "score": 0.2}], "reasons": ["r"],
           "unaligned_a": [], "unaligned_b": [1]}
    unrel = {"relation": "unrelated", "score": 0.1, "direction": "undetermined"}
    atts = {x.id: find_attributions(x) for x in (a, b, c)}
    return build_graph([a, b, c], [("a", "b", rel), ("a", "c", unrel)], atts, story_id="s1")


def test_graph_nodes_and_edges():
    g = _graph()
    kinds = {n.kind for n in g.nodes.values()}
    assert kinds == {"article", "outlet", "source"}
    tr = [e for e in g.edges if e.kind == "translates"]
    assert len(tr) == 1 and tr[0].source == "article:b" and tr[0].target == "article:a"
    assert tr[0].direction == "source->target" and tr[0].evidence["aligned"]
    cites = [e for e in g.edges if e.kind == "cites"]
    assert {e.source for e in cites} == {"article:a", "article:b"}
    assert all(e.target == "source:sputnik" and e.evidence["attributions"] for e in cites)
    assert not any(e.kind == "unrelated" for e in g.edges)
    assert [t["id"] for t in g.timeline] == ["a", "b", "c"]
    assert g.timeline[1]["derived_from"][0]["of"] == "article:a"


def test_graph_evidence_sides_are_named_by_the_edge_ends():
    """a is the origin (a->b), so the edge runs b -> a: b's side of the comparison is the source side."""
    ev = next(e for e in _graph().edges if e.kind == "translates").evidence
    assert ev["coverage_source"] == 0.5 and ev["coverage_target"] == 1.0
    assert ev["unaligned_source"] == [1] and ev["unaligned_target"] == []
    bead = ev["aligned"][0]
    assert bead["text_source"] == "z" and bead["text_target"] == "x <y>"
    assert "a" not in bead and "coverage_a" not in ev


def test_graph_copy_edges_are_derivations():
    a = _art("a", "One text.", "A", "2022-01-26")
    b = _art("b", "One text.", "B", "2022-01-27")
    rel = {"relation": "copy", "score": 0.99, "coverage_a": 1.0, "coverage_b": 1.0, "direction": "a->b",
           "aligned": [{"a": [0], "b": [0], "score": 0.5}]}
    g = build_graph([a, b], [("a", "b", rel)])
    edge = next(e for e in g.edges if e.kind == "copy")
    assert (edge.source, edge.target, edge.direction) == ("article:b", "article:a", "source->target")
    assert g.timeline[1]["derived_from"] == [{"kind": "copy", "of": "article:a", "direction": "source->target"}]


def test_graph_links_contract():
    links = [link.to_dict() for link in _graph().links()]
    cite = next(link for link in links if link["kind"] == "cites")
    assert cite["target"] == {"id": "sputnik", "name": "Sputnik"}
    assert set(cite) == {"source", "target", "kind", "score", "direction", "evidence"}


def test_graph_exports_json_csv_gexf():
    g = _graph()
    data = json.loads(json.dumps(g.to_json(), ensure_ascii=False))
    assert data["directed"] and len(data["links"]) == len(g.edges)
    rows = list(csv.DictReader(io.StringIO(g.to_csv())))  # one row per pair, flat evidence (no JSON cell)
    assert len(rows) == len(g.edges) and "evidence" not in rows[0]
    assert next(r for r in rows if r["kind"] == "translates")["coverage_source"] == "0.5000"
    xml = g.to_gexf()
    root = ET.fromstring(xml.encode("utf-8"))  # valid XML despite <, &, quotes and a control char
    ns = {"g": "http://gexf.net/1.3"}
    assert root.get("version") == "1.3"
    assert len(root.findall(".//g:node", ns)) == len(g.nodes)
    assert len(root.findall(".//g:edge", ns)) == len(g.edges)
    labels = {n.get("label") for n in root.findall(".//g:node", ns)}
    assert 'Outlet "A"' in labels
