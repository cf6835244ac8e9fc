"""The export file formats (JSON node-link, JSON lines, flat CSV, dynamic GEXF 1.3), written as text chunks
from nodes and pair edges so that a story and a million-article corpus go through the same code.

A *link* is one stored provenance link (or an article's ``published_by`` edge); an *edge* is one pair of
nodes with every link between them, whichever way they point (``merge_pairs``): "000 translates 001" and
"001 same_story 000" are one edge of kinds ``translates;same_story``. The edge takes its direction, score
and evidence from its *primary* link, the most specific kind (``KIND_ORDER``), then the highest score.

Writers are generators over iterables that they read once, in order (nodes first, then edges), so the
callers can hand them lazy passes over the store (``trace.exports``); output comes in chunks of about
``CHUNK_CHARS`` characters. The CSV and GEXF columns are ``EDGE_FIELDS`` (docs/exports.md).
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

#: link kinds from most to least specific: the first kind of a pair gives its edge's direction and evidence
KIND_ORDER = ("copy", "translates", "partial_copy", "partial_translation", "rewrites", "forwarded_from", "cites",
              "same_story", "published_by")
#: node attributes every format writes (GEXF declares them as strings), in this order; ``tags``, ``notes`` and
#: ``story_tags`` (analysts' annotations of the article and of its story) are lists (GEXF: joined by ";", notes
#: by " | ")
NODE_FIELDS = ("kind", "lang", "outlet", "published", "story_id", "narrative_id", "url", "source_id", "source_kind",
               "tags", "notes", "story_tags")
#: text chunks handed to a file or an HTTP response are about this long
CHUNK_CHARS = 1 << 16


@dataclass
class ExportNode:
    """An article, outlet or cited source; ``attrs`` holds ``NODE_FIELDS`` values (None: unknown)."""

    id: str
    kind: str
    label: str
    attrs: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "label": self.label,
                **{k: self.attrs.get(k) for k in NODE_FIELDS if k != "kind"}}


@dataclass
class ExportLink:
    """One link between two nodes (node ids: ``article:ID``, ``outlet:SLUG``, ``source:ID``)."""

    source: str
    target: str
    kind: str
    score: float
    direction: str
    evidence: dict[str, Any]
    story_id: str | None = None
    #: an analyst's verdict on the link ({"verdict", "note", "reviewed_at"}), None when there is none
    review: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "kind": self.kind, "score": self.score,
                "direction": self.direction, "evidence": self.evidence, "review": self.review}


@dataclass
class ExportEdge:
    """Every link of one pair of nodes, the primary link first; ``ends`` are both nodes' attributes
    (``kind``, ``label``, ``lang``, ``outlet``, ``published``) for the CSV's per-end columns."""

    links: list[ExportLink]
    ends: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def primary(self) -> ExportLink:
        return self.links[0]

    @property
    def source(self) -> str:
        return self.primary.source

    @property
    def target(self) -> str:
        return self.primary.target

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(lk.kind for lk in self.links))

    @property
    def reverse_kinds(self) -> list[str]:
        """Kinds of the links that point the other way (target -> source of this edge)."""
        return list(dict.fromkeys(lk.kind for lk in self.links if lk.source != self.source))

    @property
    def start(self) -> str | None:
        """When the pair appeared (GEXF ``start``): the later publication date of its article ends; None
        when an article end is undated or no end is an article."""
        dates = [gexf_date(e.get("published")) for e in self.ends.values() if e.get("kind") == "article"]
        return max(dates) if dates and all(dates) else None  # type: ignore[type-var]

    def record(self) -> dict[str, Any]:
        """The JSON form: the primary link's fields, every kind, and the other links in full."""
        p = self.primary
        return {"source": p.source, "target": p.target, "kind": p.kind, "kinds": self.kinds,
                "reverse_kinds": self.reverse_kinds, "score": p.score, "direction": p.direction,
                "start": self.start, "story_id": p.story_id, "evidence": p.evidence, "review": p.review,
                "other_links": [lk.record() for lk in self.links[1:]]}


def _rank(link: ExportLink) -> tuple[int, float]:
    order = KIND_ORDER.index(link.kind) if link.kind in KIND_ORDER else len(KIND_ORDER)
    return order, -float(link.score or 0.0)


def merge_pairs(links: Iterable[ExportLink], ends: Callable[[str], dict[str, Any]]) -> list[ExportEdge]:
    """One edge per unordered pair of nodes, in the order pairs first appear; ``ends(node_id)`` gives a node's
    attributes."""
    pairs: dict[tuple[str, str], list[ExportLink]] = {}
    for lk in links:
        key = (lk.source, lk.target) if lk.source <= lk.target else (lk.target, lk.source)
        pairs.setdefault(key, []).append(lk)
    out = []
    for group in pairs.values():
        group.sort(key=_rank)
        p = group[0]
        out.append(ExportEdge(group, {p.source: ends(p.source), p.target: ends(p.target)}))
    return out


# ------------------------------------------------------------------ flat evidence
#: (column, GEXF type, what it holds) of every flat edge field, in CSV order after source and target
EDGE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("kind", "string", "the primary link's kind (translates, rewrites, same_story, cites, published_by...)"),
    ("kinds", "string", "every kind between the pair, ';'-separated, most specific first"),
    ("reverse_kinds", "string", "the kinds whose link points from target to source"),
    ("kind_scores", "string", "kind:score of every link of the pair, ';'-separated"),
    ("score", "double", "the primary link's score"),
    ("direction", "string", "source->target (the source derives from or cites the target) or undetermined"),
    ("start", "string", "when the pair appeared: the later publication date of its articles (YYYY-MM-DD)"),
    ("story_id", "string", "the story the link belongs to"),
    ("verdict", "string", "an analyst's verdict on the primary link: confirmed or rejected (empty: none)"),
    ("verdict_note", "string", "the analyst's note with it"),
    ("coverage_source", "double", "share of the source's passages aligned with the target"),
    ("coverage_target", "double", "share of the target's passages aligned with the source"),
    ("aligned_pairs", "integer", "number of aligned passage groups"),
    ("first_source_passages", "string", "passage indices of the source in the first aligned group, ';'-separated"),
    ("first_target_passages", "string", "passage indices of the target in the first aligned group"),
    ("first_source_text", "string", "text of the source side of the first aligned group"),
    ("first_target_text", "string", "text of the target side of the first aligned group"),
    ("first_pair_score", "double", "alignment margin of the first aligned group"),
    ("anchors", "string", "shared anchors (sources, numbers, names), ';'-separated"),
    ("reason", "string", "the first reason given for the relation"),
    ("cited_source_id", "string", "cites: the registry id of the cited source"),
    ("cited_source_name", "string", "cites: its name"),
    ("cue", "string", "cites: the cue word of the first attribution (told, according to...)"),
    ("cue_kind", "string", "cites: the kind of cue (told, via, report, speech)"),
    ("mention", "string", "cites: how the article names the source"),
    ("claim", "string", "cites: the sentence attributed to the source"),
    ("claim_passage", "integer", "cites: the passage index of that sentence"),
    ("attributions", "integer", "cites: how many attributions to this source the article makes"),
)
#: columns of one end of the pair (prefixed source_ / target_)
END_FIELDS = ("kind", "label", "lang", "outlet", "published")
CSV_COLUMNS = ("source", "target", *(f[0] for f in EDGE_FIELDS),
               *(f"source_{k}" for k in END_FIELDS), *(f"target_{k}" for k in END_FIELDS))


def _join(values: Any) -> str:
    """A list as one ";"-separated cell (a lone value as itself: evidence is whatever a tracer stored)."""
    if isinstance(values, (list, tuple)) or hasattr(values, "__next__"):
        return ";".join(str(v) for v in values)
    return "" if values is None else str(values)


def _typed(kind: str, value: Any) -> Any:
    """A field's value as its declared GEXF type (a number that is not one becomes None), lists joined."""
    if value is None or value == "":
        return None
    if kind in ("double", "integer"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        if not math.isfinite(number):
            return None
        return number if kind == "double" else int(number)
    return _join(value) if isinstance(value, (list, tuple)) else str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def flat_fields(edge: ExportEdge) -> dict[str, Any]:
    """``EDGE_FIELDS`` of an edge (None where a field does not apply), from its primary link's evidence."""
    p = edge.primary
    ev = _dict(p.evidence)
    reasons = ev.get("reasons")
    row: dict[str, Any] = {
        "kind": p.kind, "kinds": _join(edge.kinds), "reverse_kinds": _join(edge.reverse_kinds),
        "kind_scores": _join(f"{lk.kind}:{float(lk.score):.4f}" for lk in edge.links), "score": p.score,
        "direction": p.direction, "start": edge.start, "story_id": p.story_id,
        "verdict": (p.review or {}).get("verdict"), "verdict_note": (p.review or {}).get("note"),
        "coverage_source": ev.get("coverage_source"), "coverage_target": ev.get("coverage_target"),
        "reason": reasons[0] if isinstance(reasons, list) and reasons else reasons,
        "anchors": _join(_dict(ev.get("features")).get("anchors")) or None,
    }
    aligned = ev.get("aligned")
    if isinstance(aligned, list):
        row["aligned_pairs"] = len(aligned)
        first = _dict(aligned[0]) if aligned else {}
        row.update({"first_source_passages": _join(first.get("source")) or None,
                    "first_target_passages": _join(first.get("target")) or None,
                    "first_source_text": first.get("text_source"), "first_target_text": first.get("text_target"),
                    "first_pair_score": first.get("score")})
    if p.kind == "cites":
        target = edge.ends.get(p.target, {})
        row.update({"cited_source_id": target.get("source_id"), "cited_source_name": target.get("label"),
                    "cue": ev.get("cue"), "cue_kind": ev.get("cue_kind"), "mention": ev.get("surface"),
                    "claim": ev.get("claim"), "claim_passage": ev.get("passage"),
                    "attributions": 1 + len(ev.get("more") or []) if isinstance(ev.get("more") or [], list) else 1})
    return {name: _typed(kind, row.get(name)) for name, kind, _ in EDGE_FIELDS}


def _finite(obj: Any) -> Any:
    """NaN and infinities (which JSON has not) as null."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def dumps(obj: Any, **kw: Any) -> str:
    return json.dumps(_finite(obj), ensure_ascii=False, default=str, allow_nan=False, **kw)


def chunked(parts: Iterable[str]) -> Iterator[str]:
    """``parts`` joined into chunks of about ``CHUNK_CHARS`` characters."""
    buf: list[str] = []
    size = 0
    for part in parts:
        buf.append(part)
        size += len(part)
        if size >= CHUNK_CHARS:
            yield "".join(buf)
            buf, size = [], 0
    if buf:
        yield "".join(buf)


# ------------------------------------------------------------------------ writers
def write_json(nodes: Iterable[ExportNode], edges: Iterable[ExportEdge], graph: dict[str, Any]) -> Iterator[str]:
    """Node-link JSON (``networkx.node_link_graph(data, edges="links")`` reads it), one pair per link."""
    def parts() -> Iterator[str]:
        yield '{"directed": true, "multigraph": false, "graph": ' + dumps(graph) + ',\n"nodes": ['
        for i, n in enumerate(nodes):
            yield ("\n" if i == 0 else ",\n") + dumps(n.record())
        yield '\n],\n"links": ['
        for i, e in enumerate(edges):
            yield ("\n" if i == 0 else ",\n") + dumps(e.record())
        yield "\n]}\n"
    return chunked(parts())


def write_jsonl(nodes: Iterable[ExportNode], edges: Iterable[ExportEdge], graph: dict[str, Any]) -> Iterator[str]:
    """One JSON object a line: the graph's description, then ``{"type": "node", ...}``, then ``{"type": "link",
    ...}`` records (those of ``write_json``)."""
    def parts() -> Iterator[str]:
        yield dumps({"type": "graph", **graph}) + "\n"
        for n in nodes:
            yield dumps({"type": "node", **n.record()}) + "\n"
        for e in edges:
            yield dumps({"type": "link", **e.record()}) + "\n"
    return chunked(parts())


def write_csv(nodes: Iterable[ExportNode], edges: Iterable[ExportEdge], graph: dict[str, Any]) -> Iterator[str]:
    """One row per pair: ``CSV_COLUMNS`` (flat evidence, no JSON cell); ``nodes`` are not read."""
    def parts() -> Iterator[str]:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for e in edges:
            flat = flat_fields(e)
            ends = [e.ends.get(e.source, {}), e.ends.get(e.target, {})]
            w.writerow([e.source, e.target, *(_cell(flat[name]) for name, _, _ in EDGE_FIELDS),
                        *(_cell(end.get(k)) for end in ends for k in END_FIELDS)])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
        yield buf.getvalue()
    return chunked(parts())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4f}" if math.isfinite(value) else ""
    return str(value)


#: characters XML 1.0 cannot hold, even escaped (C0 controls but tab and line breaks, lone surrogates, U+FFFE/F)
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_GEXF_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def xml_attr(value: Any) -> str:
    """A quoted XML attribute value: markup escaped, line breaks and tabs kept (as character references),
    characters XML cannot hold written as ``\\xNN`` (so ids stay distinct)."""
    text = _XML_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))
    text = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))
    return f'"{text}"'


def gexf_date(published: str | None) -> str | None:
    """A publication date (ISO 8601, possibly partial: 2021, 2021-02) as GEXF's ``date``: YYYY-MM-DD, a
    partial date at its first day; None when undated."""
    m = _GEXF_DATE.match(published or "")
    if not m:
        return None
    return f"{m.group(1)}-{m.group(2) or '01'}-{m.group(3) or '01'}"


def _attvalues(values: Iterable[tuple[str, Any]]) -> str:
    cells = ((k, _cell(v)) for k, v in values)
    inner = "".join(f'<attvalue for="{k}" value={xml_attr(c)}/>' for k, c in cells if c != "")  # k: our names
    return f"<attvalues>{inner}</attvalues>" if inner else ""


def _node_value(node: ExportNode, key: str) -> Any:
    """A node attribute as GEXF holds it: lists joined by ";" (notes, which may hold ";", by " | ")."""
    if key == "kind":
        return node.kind
    value = node.attrs.get(key)
    return " | ".join(map(str, value)) if key == "notes" and isinstance(value, list) else value


def write_gexf(nodes: Iterable[ExportNode], edges: Iterable[ExportEdge], graph: dict[str, Any]) -> Iterator[str]:
    """GEXF 1.3, dynamic: a node starts at its article's publication date, an edge when its pair appeared
    (``ExportEdge.start``), so Gephi's timeline can play the spread; attributes declared and typed
    (``NODE_FIELDS`` as strings, ``EDGE_FIELDS`` with their types). ``networkx.read_gexf`` reads it."""
    def parts() -> Iterator[str]:
        yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
               'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
               f'<meta><creator>narratrace</creator><description>{xml_attr(dumps(graph))[1:-1]}'
               '</description></meta>\n'
               '<graph mode="dynamic" defaultedgetype="directed" timeformat="date" timerepresentation="interval">\n'
               '<attributes class="node" mode="static">\n')
        for name in NODE_FIELDS:
            yield f'<attribute id="{name}" title="{name}" type="string"/>\n'
        yield '</attributes>\n<attributes class="edge" mode="static">\n'
        for name, kind, _ in EDGE_FIELDS:
            yield f'<attribute id="{name}" title="{name}" type="{kind}"/>\n'
        yield "</attributes>\n<nodes>\n"
        for n in nodes:
            start = gexf_date(n.attrs.get("published")) if n.kind == "article" else None
            when = f' start="{start}"' if start else ""
            yield (f"<node id={xml_attr(n.id)} label={xml_attr(n.label)}{when}>"
                   f"{_attvalues((k, _node_value(n, k)) for k in NODE_FIELDS)}</node>\n")
        yield "</nodes>\n<edges>\n"
        for i, e in enumerate(edges):
            flat = flat_fields(e)
            when = f' start="{flat["start"]}"' if flat["start"] else ""
            label = "+".join(e.kinds)
            score = float(e.primary.score or 0.0)
            weight = score if math.isfinite(score) and score > 1e-6 else 1e-6
            yield (f'<edge id="e{i}" source={xml_attr(e.source)} target={xml_attr(e.target)} '
                   f'label={xml_attr(label)} weight="{weight:.4f}"{when}>'
                   f"{_attvalues((k, flat[k]) for k, _, _ in EDGE_FIELDS if k != 'start')}</edge>\n")
        yield "</edges>\n</graph>\n</gexf>\n"
    return chunked(parts())


#: format name -> writer(nodes, edges, graph description) -> text chunks
WRITERS: dict[str, Callable[[Iterable[ExportNode], Iterable[ExportEdge], dict[str, Any]], Iterator[str]]] = {
    "json": write_json, "jsonl": write_jsonl, "csv": write_csv, "gexf": write_gexf}
#: what a response or a file of each format is
MEDIA_TYPES = {"json": "application/json", "jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8",
               "gexf": "application/gexf+xml"}


# ------------------------------------------------------------------- one story's graph
def story_rows(graph: Any) -> tuple[list[ExportNode], list[ExportEdge]]:
    """Nodes and pair edges of a ``trace.graph.StoryGraph`` (its nodes' ``attrs``, edges with evidence)."""
    nodes = []
    for n in graph.nodes.values():
        attrs = {k: n.attrs.get(k) for k in NODE_FIELDS if k != "kind"}
        if n.kind == "article":
            attrs["story_id"] = attrs.get("story_id") or graph.story_id
        nodes.append(ExportNode(n.id, n.kind, n.label, attrs))
    by_id = {n.id: n for n in nodes}

    def ends(node_id: str) -> dict[str, Any]:
        n = by_id.get(node_id)
        return {"kind": n.kind, "label": n.label, **n.attrs} if n else {}

    links = [ExportLink(e.source, e.target, e.kind, e.score, e.direction, e.evidence, graph.story_id)
             for e in graph.edges]
    return nodes, merge_pairs(links, ends)
