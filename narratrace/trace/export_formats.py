"""The export file formats (JSON node-link, JSON lines, flat CSV, dynamic GEXF 1.3), written as text chunks
from the rows of ``export_rows`` (nodes, pair edges), so that a story and a million-article corpus go through
the same code.

Writers are generators over iterables that they read once, in order (nodes first, then edges), so the
callers can hand them lazy passes over the store (``trace.exports``); output comes in chunks of about
``CHUNK_CHARS`` characters. The CSV and GEXF columns are ``export_rows.EDGE_FIELDS`` (docs/exports.md).
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .export_rows import EDGE_FIELDS, NODE_FIELDS, ExportEdge, ExportNode, flat_fields, gexf_date

#: text chunks handed to a file or an HTTP response are about this long
CHUNK_CHARS = 1 << 16
#: columns of one end of the pair (prefixed source_ / target_)
END_FIELDS = ("kind", "label", "lang", "outlet", "published")
CSV_COLUMNS = ("source", "target", *(f[0] for f in EDGE_FIELDS),
               *(f"source_{k}" for k in END_FIELDS), *(f"target_{k}" for k in END_FIELDS))


def finite(obj: Any) -> Any:
    """NaN and infinities (which JSON has not) as null."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def dumps(obj: Any, **kw: Any) -> str:
    return json.dumps(finite(obj), ensure_ascii=False, default=str, allow_nan=False, **kw)


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


def xml_attr(value: Any) -> str:
    """A quoted XML attribute value: markup escaped, line breaks and tabs kept (as character references),
    characters XML cannot hold written as ``\\xNN`` (so ids stay distinct)."""
    text = _XML_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))
    text = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))
    return f'"{text}"'


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
