"""The rows every export format writes: nodes, and one edge per pair of nodes with all its links, with the
evidence of its primary link in flat, typed fields (``EDGE_FIELDS``: the CSV columns and GEXF attributes).

A *link* is one stored provenance link (or an article's ``published_by`` edge); an *edge* is one pair of
nodes with every link between them, whichever way they point (``merge_pairs``): "000 translates 001" and
"001 same_story 000" are one edge of kinds ``translates;same_story``. The edge takes its direction, score
and evidence from its *primary* link, the most specific kind (``KIND_ORDER``), then the highest score.
The writers are in ``export_formats``; docs/exports.md lists every field.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
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
_GEXF_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


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


def gexf_date(published: str | None) -> str | None:
    """A publication date (ISO 8601, possibly partial: 2021, 2021-02) as GEXF's ``date``: YYYY-MM-DD, a
    partial date at its first day; None when undated."""
    m = _GEXF_DATE.match(published or "")
    if not m:
        return None
    return f"{m.group(1)}-{m.group(2) or '01'}-{m.group(3) or '01'}"


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
