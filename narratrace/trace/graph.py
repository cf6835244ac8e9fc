"""Propagation graph and timeline of one story, with exports (JSON node-link, flat CSV, dynamic GEXF 1.3:
written by ``export_formats``, as whole-corpus exports are).

Inputs are plain values so the store, the CLI and tests can all call it:
articles, pairwise relations (the dicts :func:`narratrace.trace.compare.compare`
returns, keyed by the article ids) and attributions per article.

Edge semantics. Derivation edges (``copy``, ``partial_copy``, ``translates``,
``partial_translation``, ``rewrites``) point from the derived article to its origin: "000
translates 001", "a copy of b". When the direction is undetermined the edge keeps the pair order
and says so in ``direction``. ``same_story`` is symmetric and never directed. ``cites`` goes
article -> source, ``published_by`` article -> outlet. Every edge carries its evidence, each side
named by the end it is on (``coverage_source``, ``aligned[].target``: :func:`link_evidence`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import Article, Link
from .attributions import Attribution

#: relation name (trace.relations.RELATIONS) -> edge kind; ``unrelated`` draws no edge
EDGE_KIND = {"copy": "copy", "partial_copy": "partial_copy", "translation": "translates",
             "partial_translation": "partial_translation", "rewrite": "rewrites", "same_story": "same_story"}
#: edges that say the source derives from the target (its origin)
DERIVATION = {"copy", "partial_copy", "translates", "partial_translation", "rewrites"}


@dataclass
class Node:
    id: str
    kind: str  # article | outlet | source
    label: str
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Edge:
    source: str
    target: str
    kind: str
    score: float = 1.0
    direction: str = "undetermined"
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class StoryGraph:
    """Nodes and edges of one story; ``timeline`` lists articles by publication time."""

    story_id: str | None
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Node-link form (as networkx.node_link_data writes it), plus the timeline."""
        return {"directed": True, "multigraph": True,
                "graph": {"story_id": self.story_id, "timeline": self.timeline},
                "nodes": [{"id": n.id, "kind": n.kind, "label": n.label, **n.attrs} for n in self.nodes.values()],
                "links": [{"source": e.source, "target": e.target, "kind": e.kind, "score": e.score,
                           "direction": e.direction, "evidence": e.evidence} for e in self.edges]}

    def to_csv(self) -> str:
        """One row per pair of nodes, evidence in flat columns (``export_formats.CSV_COLUMNS``)."""
        return export_csv(self)

    def to_gexf(self) -> str:
        """GEXF 1.3 with time attributes (Gephi's timeline), one edge per pair of nodes."""
        return export_gexf(self)

    def links(self) -> list[Link]:
        """Edges as model ``Link`` objects; a ``cites`` link's target is {"id", "name"}."""
        out = []
        for e in self.edges:
            target: Any = e.target
            if e.kind == "cites":
                n = self.nodes[e.target]
                target = {"id": n.attrs.get("source_id", e.target), "name": n.label}
            out.append(Link(e.source, target, e.kind, e.score, e.direction, e.evidence))
        return out


# The built-in exporters (registry.BUILTINS["exporters"], hookspecs.Exporter): a graph -> one format's text,
# written by trace.export_formats, as whole-corpus exports are (one edge per pair of nodes, with every kind)
def _export(fmt: str, graph: StoryGraph) -> str:
    from .export_formats import WRITERS
    from .export_rows import story_rows

    nodes, edges = story_rows(graph)
    head: dict[str, Any] = {"exported_by": "narratrace", "what": "graph", "story_id": graph.story_id}
    if fmt == "json":
        head["timeline"] = graph.timeline
    return "".join(WRITERS[fmt](nodes, edges, head))


def export_json(graph: StoryGraph) -> str:
    """Node-link JSON (``networkx.node_link_graph(data, edges="links")``), the timeline in ``graph``."""
    return _export("json", graph)


def export_csv(graph: StoryGraph) -> str:
    """One CSV row per pair of nodes, evidence in flat columns (no JSON cell)."""
    return _export("csv", graph)


def export_gexf(graph: StoryGraph) -> str:
    """GEXF 1.3 for Gephi, dynamic: nodes and edges start when their articles were published."""
    return _export("gexf", graph)


def _slug(s: str) -> str:
    return re.sub(r"\W+", "-", s.casefold()).strip("-") or "unknown"


def _article_graph(articles: Sequence[Article], story_id: str | None) -> StoryGraph:
    """Article and outlet nodes with their ``published_by`` edges."""
    g = StoryGraph(story_id)
    for a in articles:
        nid = f"article:{a.id}"
        g.nodes[nid] = Node(nid, "article", a.title or a.id,
                            {"lang": a.lang, "outlet": a.outlet, "published": a.published, "url": a.url})
        if a.outlet:
            oid = f"outlet:{_slug(a.outlet)}"
            g.nodes.setdefault(oid, Node(oid, "outlet", a.outlet))
            g.edges.append(Edge(nid, oid, "published_by", 1.0, "source->target",
                                {"field": "outlet", "from": a.provenance.get("outlet", "metadata")}))
    return g


def graph_from_links(articles: Sequence[Article], links: Iterable[Link], story_id: str | None = None) -> StoryGraph:
    """Graph of one story from stored links (article ids, or {"id", "name"} for cited sources)."""
    g = _article_graph(articles, story_id)
    for lk in links:
        if isinstance(lk.target, dict):
            tid = f"source:{lk.target['id']}"
            g.nodes.setdefault(tid, Node(tid, "source", str(lk.target.get("name", lk.target["id"])),
                                         {"source_id": lk.target["id"]}))
        else:
            tid = f"article:{lk.target}"
        g.edges.append(Edge(f"article:{lk.source}", tid, lk.kind, lk.score, lk.direction, lk.evidence))
    g.timeline = timeline(list(articles), g.edges)
    return g


def build_graph(articles: Sequence[Article],
                relations: Iterable[tuple[str, str, Mapping[str, Any]]] = (),
                attributions: Mapping[str, Sequence[Attribution]] | None = None,
                story_id: str | None = None) -> StoryGraph:
    """Graph of one story.

    ``relations``: (id_a, id_b, compare-result dict) triples; ``unrelated`` ones are skipped.
    ``attributions``: {article id: attributions found in it}.
    """
    g = _article_graph(articles, story_id)
    by_id = {a.id: a for a in articles}
    for art_id, atts in (attributions or {}).items():
        by_source: dict[str, list[Attribution]] = {}
        for att in atts:
            by_source.setdefault(att.source_id, []).append(att)
        for sid, group in by_source.items():
            snid = f"source:{sid}"
            g.nodes.setdefault(snid, Node(snid, "source", group[0].source_name, {"source_id": sid}))
            g.edges.append(Edge(f"article:{art_id}", snid, "cites", 1.0, "source->target",
                                {"attributions": [x.to_dict() for x in group]}))
    for id_a, id_b, res in relations:
        kind = EDGE_KIND.get(res.get("relation", "unrelated"))
        if kind is None:
            continue
        direction = res.get("direction", "undetermined")
        src, dst = f"article:{id_a}", f"article:{id_b}"
        if kind in DERIVATION and direction == "a->b":  # b derived from a: b translates a
            src, dst = dst, src
        edge_dir = "source->target" if (kind in DERIVATION and direction in ("a->b", "b->a")) else "undetermined"
        evidence = link_evidence(res, source_is_a=src == f"article:{id_a}")
        g.edges.append(Edge(src, dst, kind, float(res.get("score", 0.0)), edge_dir, evidence))
    g.timeline = timeline(list(by_id.values()), g.edges)
    return g


def link_evidence(res: Mapping[str, Any], source_is_a: bool) -> dict[str, Any]:
    """The evidence a link keeps of a compare result, each side named by the link's end it is on
    (``coverage_source``, ``aligned[].target``, ``text_source``…). A compare result's a/b are the
    order the pair was compared in, which a derivation link reverses when a is the origin."""
    s, t = ("a", "b") if source_is_a else ("b", "a")
    beads = []
    for bead in res.get("aligned", []):
        out = {"source": bead.get(s, []), "target": bead.get(t, [])}
        for end, x in (("source", s), ("target", t)):
            if f"{x}_spans" in bead:
                out[f"{end}_spans"] = bead[f"{x}_spans"]
            if f"text_{x}" in bead:
                out[f"text_{end}"] = bead[f"text_{x}"]
        out.update({k: bead[k] for k in ("score", "sim", "raw_sim") if k in bead})
        beads.append(out)
    ev: dict[str, Any] = {"coverage_source": res.get(f"coverage_{s}"), "coverage_target": res.get(f"coverage_{t}"),
                          "aligned": beads, "unaligned_source": res.get(f"unaligned_{s}", []),
                          "unaligned_target": res.get(f"unaligned_{t}", [])}
    ev.update({k: res[k] for k in ("reasons", "features") if k in res})
    return ev


def timeline(articles: Sequence[Article], edges: Sequence[Edge] = ()) -> list[dict[str, Any]]:
    """Articles by publication time (unknown last), each with the derivation edges leaving it."""
    derived: dict[str, list[dict[str, Any]]] = {}
    for e in edges:
        if e.kind in DERIVATION:
            derived.setdefault(e.source, []).append({"kind": e.kind, "of": e.target, "direction": e.direction})
    order = sorted(articles, key=lambda a: (a.published is None, a.published or "", a.id))
    return [{"id": a.id, "published": a.published, "outlet": a.outlet, "lang": a.lang,
             "derived_from": derived.get(f"article:{a.id}", [])} for a in order]
