"""Whole-corpus and filtered exports (trace/exports.py, trace/export_formats.py, store/export_reads.py) on SQLite
and PostgreSQL, over stores written by hand (no encoder): networkx reads every GEXF, also with hostile ids,
outlets and right-to-left text, and finds its time attributes; the CSV has one row per pair and no JSON cell;
a filtered export equals the full export filtered afterwards; a store of many batches exports as one of a
single batch, and is read a batch at a time."""
from __future__ import annotations

import csv
import io
import json
import random
import xml.etree.ElementTree as ET
from typing import Any

import networkx as nx
import pytest

from narratrace.errors import InputError, NotFound
from narratrace.model import Article, Link, Passage
from narratrace.store import open_store
from narratrace.store.export_reads import ExportReads
from narratrace.trace import export_formats
from narratrace.trace.export_formats import CSV_COLUMNS, END_FIELDS
from narratrace.trace.export_rows import EDGE_FIELDS, NODE_FIELDS, gexf_date
from narratrace.trace.exports import CorpusExporter, filename

EVIL_ID = 'evil"<&>\'\x01 id/../x'
EVIL_OUTLET = '<b onmouseover="alert(1)">Evil & Co</b>'
RTL_TITLE = "\u202eخبر عاجل: <script>alert(1)</script>\nسطر ثان\t😀"
GEXF = "{http://gexf.net/1.3}"


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store(request, tmp_path):
    """``new_store()``: a fresh store on each backend (PostgreSQL skipped when no server is up)."""
    opened = []

    def make(name: str = "exports") -> Any:
        target = str(tmp_path / f"{name}-{len(opened)}.db") if request.param == "sqlite" \
            else request.getfixturevalue("pg_db")(name)
        store = open_store(target)
        opened.append(store)
        return store

    yield make
    for s in opened:
        s.close()


def _article(aid: str, story: str, lang: str | None, outlet: str | None, published: str | None,
             title: str | None = None) -> Article:
    text = f"Text of {aid}."
    return Article(id=aid, text=text, title=title, outlet=outlet, published=published, lang=lang, story_id=story,
                   passages=[Passage(0, text, 0, len(text), kind="body", lang=lang, key=text.lower())])


def _write(store: Any, arts: list[Article], links: list[tuple[Link, str]]) -> None:
    with store.transaction():
        for a in arts:
            start = store.next_passage_rowid()
            store.write_article(a, {p.index: start + k for k, p in enumerate(a.passages)}, {})
        for lk, story in links:
            store.write_links([lk], story_id=story)


def _derivation(src: str, dst: str, kind: str, score: float) -> Link:
    evidence = {"coverage_source": 0.8, "coverage_target": 0.6, "reasons": [f"{kind}: 3 aligned beads"],
                "features": {"anchors": ["source:Sputnik", "number:750"]},
                "aligned": [{"source": [0, 1], "target": [2], "text_source": "نص «المصدر»", "text_target": 'a "b"',
                             "score": 0.25}, {"source": [3], "target": [4], "score": 0.1}]}
    return Link(src, dst, kind, score, "source->target" if kind != "same_story" else "undetermined", evidence)


def _cites(src: str, sid: str, name: str) -> Link:
    return Link(src, {"id": sid, "name": name}, "cites", 1.0, "source->target",
                {"cue": "قال", "cue_kind": "speech", "surface": name, "passage": 0, "claim": f"{name} said so.",
                 "more": [{"cue": "added"}]})


def hostile_corpus(store: Any) -> None:
    """Five articles in two stories: right-to-left and hostile text, a pair linked both ways, two kinds."""
    arts = [_article("a1", "S1", "ar", "قناة <العربية>", "2021-02-03", RTL_TITLE),
            _article("a2", "S1", "fa", "Defa Press", "2021-02", "خبر فارسی"),
            _article(EVIL_ID, "S1", "en", EVIL_OUTLET, "2021-02-05T10:00:00Z", "<img src=x onerror=alert(1)>"),
            _article("a4", "S2", "id", None, None, None),
            _article("a5", "S2", "en", "defa press", "2020", "Old")]
    links = [(_derivation("a2", "a1", "translates", 0.91), "S1"), (_derivation("a1", "a2", "same_story", 0.7), "S1"),
             (_derivation(EVIL_ID, "a1", "rewrites", 0.5), "S1"), (_cites("a1", "sputnik", "Sputnik"), "S1"),
             (_cites(EVIL_ID, 'x"<y>&', "مصدر عجيب"), "S1"), (_derivation("a4", "a5", "same_story", 0.6), "S2"),
             (_derivation("a5", "gone_article", "same_story", 0.6), "S2")]
    _write(store, arts, links)


def random_corpus(store: Any, n: int = 41, seed: int = 7) -> None:
    rng = random.Random(seed)
    langs, outlets = ["ar", "fa", "en", "id", None], ["Defa Press", "RT", "Kompas", "BBC فارسی", None]
    dates = [None, "2021", "2021-02", "2021-02-03", "2021-03-30T10:00:00Z", "2020-12-31"]
    arts = [_article(f"r{i:03d}", f"S{i % 6}", rng.choice(langs), rng.choice(outlets), rng.choice(dates), f"T{i}")
            for i in range(n)]
    links = []
    for _ in range(3 * n):
        a, b = rng.sample(arts, 2)
        kind = rng.choice(["translates", "rewrites", "same_story", "copy"])
        links.append((_derivation(a.id, b.id, kind, round(rng.random(), 3)), a.story_id))
    for a in rng.sample(arts, n // 3):
        links.append((_cites(a.id, *rng.choice([("sputnik", "Sputnik"), ("presstv", "Press TV")])), a.story_id))
    _write(store, arts, links)


def export(store: Any, fmt: str, batch_size: int = 1000, **filters: Any) -> str:
    return "".join(CorpusExporter(store, batch_size).stream(fmt, **filters))


def links_of(data: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Every link of a JSON export, the merged ones included, as (source, target, kind)."""
    return {(lk["source"], lk["target"], lk["kind"]) for e in data["links"] for lk in [e, *e["other_links"]]}


# ----------------------------------------------------------------------------- formats
def test_exports_gexf_is_dynamic_and_networkx_reads_hostile_ids(new_store, tmp_path):
    store = new_store()
    hostile_corpus(store)
    text = export(store, "gexf")
    path = tmp_path / "all.gexf"
    path.write_text(text, encoding="utf-8")
    g = nx.read_gexf(path)
    assert g.graph["mode"] == "dynamic"
    evil = "article:" + EVIL_ID.replace("\x01", "\\x01")  # a character XML cannot hold, written visibly
    assert {"article:a1", "article:a2", evil, "article:a4", "article:a5"} <= set(g.nodes)
    assert g.nodes["article:a1"]["label"] == RTL_TITLE and g.nodes["article:a1"]["lang"] == "ar"
    assert g.nodes["article:a1"]["start"] == "2021-02-03" and g.nodes["article:a2"]["start"] == "2021-02-01"
    assert g.nodes[evil]["outlet"] == EVIL_OUTLET and "start" not in g.nodes["article:a4"]
    assert g.nodes["source:x\"<y>&"]["label"] == "مصدر عجيب"
    assert "article:gone_article" not in g  # a link to an article not stored is left out
    # edges start when the later article appeared; typed attributes come back typed
    edge = g.edges["article:a2", "article:a1"]
    assert edge["start"] == "2021-02-03" and edge["kinds"] == "translates;same_story"
    assert edge["reverse_kinds"] == "same_story" and isinstance(edge["score"], float)
    assert edge["aligned_pairs"] == 2 and edge["coverage_source"] == 0.8
    assert g.edges[evil, "article:a1"]["start"] == "2021-02-05"
    assert "start" not in g.edges["article:a4", "article:a5"]  # a4 is undated
    root = ET.fromstring(text.encode("utf-8"))
    graph = root.find(f"{GEXF}graph")
    assert root.get("version") == "1.3" and graph.get("timeformat") == "date" and graph.get("mode") == "dynamic"
    declared = {a.get("title"): a.get("type") for a in graph.iter(f"{GEXF}attribute")}
    assert {"lang", "outlet", "kind"} <= set(declared) and declared["aligned_pairs"] == "integer"


def test_exports_pair_linked_both_ways_is_one_edge_with_both_kinds(new_store):
    store = new_store()
    hostile_corpus(store)
    data = json.loads(export(store, "json"))
    pair = [e for e in data["links"] if {e["source"], e["target"]} == {"article:a1", "article:a2"}]
    assert len(pair) == 1
    e = pair[0]
    assert (e["source"], e["target"], e["kind"]) == ("article:a2", "article:a1", "translates")  # most specific
    assert e["kinds"] == ["translates", "same_story"] and e["other_links"][0]["kind"] == "same_story"
    g = nx.node_link_graph(data, edges="links")
    assert g.number_of_edges() == len(data["links"]) and not g.has_edge("article:a1", "article:a2")
    rows = list(csv.DictReader(io.StringIO(export(store, "csv"))))
    assert len([r for r in rows if {r["source"], r["target"]} == {"article:a1", "article:a2"}]) == 1


def test_exports_csv_is_flat_with_one_row_per_pair(new_store):
    store = new_store()
    random_corpus(store)
    rows = list(csv.reader(io.StringIO(export(store, "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS and all(len(r) == len(CSV_COLUMNS) for r in rows)
    pairs = [frozenset((r[0], r[1])) for r in rows[1:]]
    assert len(pairs) == len(set(pairs))
    stored = {frozenset((f"article:{lk.source}", f"article:{lk.target}")) for lk in store.links()
              if isinstance(lk.target, str)}
    assert stored <= set(pairs)
    for r in rows[1:]:
        for cell in r:
            assert not cell.startswith(("{", "[")), cell  # no JSON blob in any column
    by_name = [dict(zip(rows[0], r)) for r in rows[1:]]
    cite = next(r for r in by_name if r["kind"] == "cites")
    assert cite["cited_source_id"] in ("sputnik", "presstv") and cite["attributions"] == "2" and cite["cue"] == "قال"
    derived = next(r for r in by_name if r["kind"] == "translates")
    assert derived["aligned_pairs"] == "2" and derived["first_source_passages"] == "0;1"
    assert derived["first_target_text"] == 'a "b"' and derived["anchors"] == "source:Sputnik;number:750"
    assert {f[0] for f in EDGE_FIELDS} <= set(rows[0])


def test_exports_jsonl_has_a_head_then_nodes_then_links(new_store):
    store = new_store()
    hostile_corpus(store)
    lines = [json.loads(x) for x in export(store, "jsonl", lang="ar").splitlines()]
    assert lines[0]["type"] == "graph" and lines[0]["filters"] == {"langs": ["ar"]}
    types = [x["type"] for x in lines[1:]]
    assert types == sorted(types, key=lambda t: t != "node") and "link" in types


# ------------------------------------------------------------------------------ filters
def _date_ok(value: str | None, bound: str, after: bool) -> bool:
    if not value:
        return False
    n = min(len(value), len(bound))
    return value[:n] >= bound[:n] if after else value[:n] <= bound[:n]


def expected(full: dict[str, Any], keep: Any, kinds: set[str] | None = None
             ) -> tuple[set[str], set[tuple[str, str, str]]]:
    """The full export filtered afterwards: kept articles, what their kept links reach, those links."""
    arts = {n["id"] for n in full["nodes"] if n["kind"] == "article" and keep(n, full)}
    links = {lk for lk in links_of(full) if (kinds is None or lk[2] in kinds) and lk[0] in arts
             and (lk[1] in arts or not lk[1].startswith("article:"))}
    return arts | {t for _, t, _ in links}, links


def _cites_source(node: dict[str, Any], full: dict[str, Any], name: str) -> bool:
    return any(lk[0] == node["id"] and lk[2] == "cites" and lk[1] == f"source:{name}" for lk in links_of(full))


FILTERS: list[tuple[dict[str, Any], Any, set[str] | None]] = [
    ({"lang": ["fa", "AR"]}, lambda n, f: n["lang"] in ("fa", "ar"), None),
    ({"outlet": "DEFA"}, lambda n, f: "defa" in (n["outlet"] or "").lower(), None),
    ({"since": "2021-02-15"}, lambda n, f: _date_ok(n["published"], "2021-02-15", True), None),
    ({"until": "2021-02"}, lambda n, f: _date_ok(n["published"], "2021-02", False), None),
    ({"story": ["S1", "S3"]}, lambda n, f: n["story_id"] in ("S1", "S3"), None),
    ({"article": ["r001", "r002", "r010", "r033"]}, lambda n, f: n["id"][8:] in ("r001", "r002", "r010", "r033"),
     None),
    ({"source": "Press TV"}, lambda n, f: _cites_source(n, f, "presstv"), None),
    ({"kind": ["translates", "cites"]}, lambda n, f: True, {"translates", "cites"}),
    ({"lang": "en", "kind": "published_by", "since": "2021"},
     lambda n, f: n["lang"] == "en" and _date_ok(n["published"], "2021", True), {"published_by"}),
]


@pytest.mark.parametrize("filters,keep,kinds", FILTERS, ids=[",".join(f[0]) for f in FILTERS])
def test_exports_filtered_equals_the_full_export_filtered(new_store, filters, keep, kinds):
    store = new_store()
    random_corpus(store)
    full = json.loads(export(store, "json"))
    part = json.loads(export(store, "json", batch_size=4, **filters))
    nodes, links = expected(full, keep, kinds)
    assert {n["id"] for n in part["nodes"]} == nodes and links_of(part) == links
    assert any(n["kind"] == "article" for n in part["nodes"])  # the filter keeps something: the test can fail
    csv_pairs = {frozenset(r[:2]) for r in list(csv.reader(io.StringIO(export(store, "csv", **filters))))[1:]}
    assert csv_pairs == {frozenset((e["source"], e["target"])) for e in part["links"]}


def test_exports_bad_filters_are_errors_that_say_what_to_do(new_store):
    store = new_store()
    hostile_corpus(store)
    exporter = CorpusExporter(store, 10)
    with pytest.raises(InputError, match="not a date"):
        exporter.stream("csv", since="last week")
    with pytest.raises(InputError, match="unknown filter"):
        exporter.stream("csv", colour="red")
    with pytest.raises(InputError, match="format"):
        exporter.stream("xlsx")
    with pytest.raises(NotFound):
        exporter.stream("gexf", story="S404")


# ---------------------------------------------------------------------------- streaming
def test_exports_many_batches_equal_one_batch_and_are_read_lazily(new_store, monkeypatch):
    store = new_store()
    random_corpus(store, n=41)
    for fmt in ("csv", "jsonl"):  # one record a line: the same lines, in another order
        assert sorted(export(store, fmt, batch_size=1000).splitlines()) == \
            sorted(export(store, fmt, batch_size=3).splitlines())
    j1, j3 = (json.loads(export(store, "json", batch_size=b)) for b in (1000, 3))
    assert sorted(map(json.dumps, j1["nodes"])) == sorted(map(json.dumps, j3["nodes"]))
    assert sorted(map(json.dumps, j1["links"])) == sorted(map(json.dumps, j3["links"]))
    g1, g3 = (nx.read_gexf(io.BytesIO(export(store, "gexf", batch_size=b).encode())) for b in (1000, 3))
    assert dict(g1.nodes(data=True)) == dict(g3.nodes(data=True))
    assert {(u, v, d["kinds"]) for u, v, d in g1.edges(data=True)} == \
        {(u, v, d["kinds"]) for u, v, d in g3.edges(data=True)}
    # lazily: the first nodes come out after one batch of articles has been read, not the whole store
    batches = []
    original = ExportReads.article_batches

    def counted(self):
        for b in original(self):
            batches.append(len(b))
            yield b

    monkeypatch.setattr(ExportReads, "article_batches", counted)
    monkeypatch.setattr(export_formats, "CHUNK_CHARS", 1)
    chunks = CorpusExporter(store, 3).stream("jsonl")
    while '"type": "node"' not in next(chunks):
        pass
    assert batches == [3]
    assert sum(1 for _ in chunks) > 0 and sum(batches) == 2 * 41  # then nodes and edges: two passes


# ----------------------------------------------------------------------- claims, names
def test_exports_claims_one_row_per_claim_and_match(new_store):
    store = new_store()
    hostile_corpus(store)
    with store.transaction():
        store.write_claims("a1", [{"passage": 0, "start": 0, "end": 5, "text": "ادعاء", "lang": "ar", "score": 0.9}])
        store.write_claims("a5", [{"passage": 0, "start": 0, "end": 4, "text": "Old claim", "lang": "en",
                                   "score": 0.7}])
    rows = list(csv.DictReader(io.StringIO(export(store, "csv", what="claims"))))
    assert [r["article_id"] for r in rows] == ["a1", "a5"] and rows[0]["claim"] == "ادعاء"
    only = list(csv.DictReader(io.StringIO(export(store, "csv", what="claims", lang="en"))))
    assert [r["claim"] for r in only] == ["Old claim"]
    data = json.loads(export(store, "json", what="claims", story="S2"))
    assert [c["article_id"] for c in data["claims"]] == ["a5"]


def test_exports_download_names_are_ascii():
    assert filename("gexf", story=["S1a2b"]) == "narratrace-graph-S1a2b.gexf"
    name = filename("csv", "graph", outlet='قناة "x"/../\r\n', lang=["ar"])
    assert name.isascii() and "/" not in name and '"' not in name and "\n" not in name and name.endswith(".csv")
    assert gexf_date("2021") == "2021-01-01" and gexf_date(None) is None and gexf_date("soon") is None


def test_exports_docs_list_every_column_and_attribute():
    from pathlib import Path

    from narratrace.trace.exports import CLAIM_COLUMNS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "exports.md").read_text("utf-8")
    for name, kind, _ in EDGE_FIELDS:
        assert f"| `{name}` | {kind} |" in doc, name
    for name in [*NODE_FIELDS, *(f"source_{k}" for k in END_FIELDS), *CLAIM_COLUMNS]:
        assert f"`{name}`" in doc, name
