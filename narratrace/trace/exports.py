"""Whole-corpus and filtered exports, streamed from the store: the propagation graph of every article a filter
keeps (JSON node-link, JSON lines, flat CSV, dynamic GEXF) or their claims and fact-check matches (CSV, JSON
lines, JSON).

    exporter = CorpusExporter(nt.store, batch_size=1000)
    exporter.write("gexf", "syria.gexf", lang=["ar", "fa"], since="2021-01", kind=["translates", "cites"])
    for chunk in exporter.stream("csv", story=["S39624778a7"]): ...

The store is read in batches of articles (``store.export_reads``): nodes in one pass, edges in a second (the
CSV reads only the second), so memory holds one batch plus the outlets and sources seen, whatever the size of
the corpus. A pair of articles with links both ways, or of two kinds, is one edge (``export_rows``): it is
written in the batch of its earlier-stored article, with every link between the two.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from ..errors import InputError
from ..settings import Settings
from ..store.base import SQLStore
from ..store.export_reads import ArticleFilter, ExportArticle, ExportLinkRow, ExportReads
from .export_formats import MEDIA_TYPES, WRITERS, chunked, dumps
from .export_rows import ExportEdge, ExportLink, ExportNode, merge_pairs
from .graph import _slug as outlet_slug

#: what an export holds: the propagation graph, or the claims and their fact-check matches
WHAT = ("graph", "claims")
#: formats of each
FORMATS = {"graph": tuple(WRITERS), "claims": ("csv", "jsonl", "json")}
#: filter keyword -> ``ArticleFilter`` field; the list-valued ones take one value or several
LIST_FILTERS = {"story": "stories", "article": "articles", "lang": "langs", "narrative": "narratives",
                "source": "sources", "entity": "entities"}
TEXT_FILTERS = ("outlet", "since", "until")
#: a ``since`` / ``until`` value: an ISO date, possibly partial
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
#: claims columns, in CSV order (``ExportReads.claim_batches`` rows)
CLAIM_COLUMNS = ("article_id", "story_id", "outlet", "published", "passage", "start", "end", "lang", "claim",
                 "claim_score", "factcheck_id", "match_score", "status", "verdict", "note", "factcheck_claim",
                 "rating", "factcheck_url", "publisher", "factcheck_lang")
Progress = Callable[[str, int, int], None]


def _values(name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    out = tuple(str(v).strip() for v in items if v is not None and str(v).strip())
    if len(out) > 1000:
        raise InputError(f"filter {name}", f"{len(out)} values; at most 1000 are taken")
    return out


def article_filter(**filters: Any) -> ArticleFilter:
    """An ``ArticleFilter`` from keywords: story, article, lang, narrative, source, entity (a value or a list), outlet,
    since, until (text). Unknown keywords and malformed dates are errors that name them."""
    unknown = set(filters) - set(LIST_FILTERS) - set(TEXT_FILTERS)
    if unknown:
        raise InputError("export", f"unknown filter {', '.join(sorted(unknown))}",
                         hint=f"filters: {', '.join([*LIST_FILTERS, *TEXT_FILTERS])}")
    args: dict[str, Any] = {LIST_FILTERS[k]: _values(k, v) for k, v in filters.items() if k in LIST_FILTERS}
    for k in TEXT_FILTERS:
        value = (filters.get(k) or "").strip() or None
        if value and k in ("since", "until") and not _DATE.fullmatch(value):
            raise InputError(f"filter {k}", f"{value!r} is not a date", hint="write YYYY, YYYY-MM or YYYY-MM-DD")
        args[k] = value
    return ArticleFilter(**args)


def with_entities(store: SQLStore, filt: ArticleFilter) -> ArticleFilter:
    """``filt`` with its entity names (any script or spelling, or ids) resolved by the entity layer: an unknown
    entity is an error (``NotFound``); a source the entity layer knows is matched as it saw it cited too."""
    if not filt.entities and not filt.sources:
        return filt
    from .entities import EntityIndex

    index = EntityIndex(store)
    entity_rowids = tuple(dict.fromkeys(index.resolve(name).rowid for name in filt.entities))
    source_rowids = tuple(dict.fromkeys(e.rowid for s in filt.sources for e in index.find(s)))
    return replace(filt, entity_rowids=entity_rowids, source_rowids=source_rowids)


def describe(what: str, kinds: tuple[str, ...], filt: ArticleFilter) -> dict[str, Any]:
    """The export's own description, written at its head: what it holds and the filters that made it."""
    given = {k: v for k, v in filt.__dict__.items() if v and not k.endswith("_rowids")}
    return {"exported_by": "narratrace", "what": what, "filters": given, "kinds": list(kinds)}


class CorpusExporter:
    """Exports of one store, read ``batch_size`` articles at a time (``[export] batch_size``)."""

    def __init__(self, store: SQLStore, batch_size: int) -> None:
        self.store = store
        self.batch_size = batch_size

    def stream(self, fmt: str, what: str = "graph", kind: Any = None, progress: Progress | None = None,
               **filters: Any) -> Iterator[str]:
        """The export as text chunks. Checked now (format, filters, story ids: ``InputError``, ``NotFound``),
        read from the store as the chunks are taken."""
        if what not in WHAT:
            raise InputError("export", f"unknown export {what!r}", hint=f"choose one of: {', '.join(WHAT)}")
        if fmt not in FORMATS[what]:
            raise InputError("export", f"unknown {what} format {fmt!r}",
                             hint=f"choose one of: {', '.join(FORMATS[what])}")
        kinds = _values("kind", kind)
        reads = ExportReads(self.store, with_entities(self.store, article_filter(**filters)), kinds, self.batch_size)
        head = describe(what, kinds, reads.filter)
        if what == "claims":
            return _claims(fmt, reads, head, progress)
        passes = 1 if fmt == "csv" else 2
        tracker = _Tracker(reads, passes, progress)
        return WRITERS[fmt](_nodes(reads, tracker), _edges(reads, tracker), head)

    def write(self, fmt: str, out: str | Path | TextIO, what: str = "graph", kind: Any = None,
              progress: Progress | None = None, **filters: Any) -> int:
        """Write the export to ``out`` (a path, "-" for stdout, or a text file); returns the characters written.
        A path is written whole or not at all (a temporary file beside it, renamed at the end)."""
        chunks = self.stream(fmt, what=what, kind=kind, progress=progress, **filters)
        if not isinstance(out, (str, Path)):
            return sum(out.write(c) for c in chunks)
        if str(out) == "-":
            import sys

            return sum(sys.stdout.write(c) for c in chunks)
        path = Path(out)
        tmp = path.with_name(f".{path.name}.part")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as f:
                n = sum(f.write(c) for c in chunks)
            tmp.replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return n


class CorpusExports:
    """``Narratrace.export`` and ``Narratrace.export_stream`` (a mixin of the facade: the logic lives here)."""

    store: SQLStore
    settings: Settings

    def export(self, fmt: str, out: str | Path | TextIO, **filters: Any) -> int:
        """Write the corpus, or what ``filters`` keep, to ``out`` (a path, "-" or a text file), read from the
        store ``[export] batch_size`` articles at a time; returns the characters written.

        ``fmt``: json, jsonl, csv or gexf (``what="claims"``: csv, jsonl, json). Filters (``article_filter``):
        story, article, lang, narrative, source, entity (one or several), outlet, since, until; ``kind``: link
        kinds kept; ``progress(what, done, total)``."""
        return CorpusExporter(self.store, self.settings.export.batch_size).write(fmt, out, **filters)

    def export_stream(self, fmt: str, **filters: Any) -> Iterator[str]:
        """``export`` as text chunks (the web app streams them), checked at once, read as they are taken."""
        return CorpusExporter(self.store, self.settings.export.batch_size).stream(fmt, **filters)


class _Tracker:
    """Progress over the passes of one export: articles read, of the kept articles times the passes."""

    def __init__(self, reads: ExportReads, passes: int, progress: Progress | None) -> None:
        self.progress = progress
        self.total = reads.count_articles() * passes if progress else 0
        self.done = 0

    def step(self, n: int) -> None:
        self.done += n
        if self.progress:
            self.progress("articles", self.done, self.total)


def _article_node(a: ExportArticle) -> ExportNode:
    return ExportNode(f"article:{a.id}", "article", a.title or a.id,
                      {"lang": a.lang, "outlet": a.outlet, "published": a.published, "story_id": a.story_id,
                       "narrative_id": a.narrative_id, "url": a.url})


def _target_node(target: str) -> ExportNode | None:
    """The node of a link target that is not an article ({"id", "name", "kind"?} as stored)."""
    try:
        t = json.loads(target)
    except ValueError:
        return None
    if not isinstance(t, dict) or "id" not in t:
        return None
    sid = str(t["id"])
    return ExportNode(f"source:{sid}", "source", str(t.get("name") or sid),
                      {"source_id": sid, "source_kind": t.get("kind")})


def _outlets_kept(kinds: tuple[str, ...]) -> bool:
    return not kinds or "published_by" in kinds


def _annotated(store: SQLStore, batch: list[ExportArticle]) -> Iterator[ExportNode]:
    """The article nodes of a batch with the analysts' tags and notes on them and on their stories."""
    notes = store.annotations_for("article", [a.id for a in batch])
    stories = store.annotations_for("story", list({a.story_id for a in batch if a.story_id}))
    for a in batch:
        node = _article_node(a)
        mine = notes.get(a.id, [])
        node.attrs.update({"tags": [x["value"] for x in mine if x["kind"] == "tag"],
                           "notes": [x["value"] for x in mine if x["kind"] == "note"],
                           "story_tags": [x["value"] for x in stories.get(a.story_id or "", []) if x["kind"] == "tag"]})
        yield node


def _nodes(reads: ExportReads, tracker: _Tracker) -> Iterator[ExportNode]:
    """Pass 1: the kept articles, then (per batch) the outlets and sources they reach first."""
    seen: set[str] = set()
    for batch in reads.article_batches():
        extra: list[ExportNode] = []
        yield from _annotated(reads.store, batch)
        for a in batch:
            if a.outlet and _outlets_kept(reads.kinds):
                oid = f"outlet:{outlet_slug(a.outlet)}"
                if oid not in seen:
                    seen.add(oid)
                    extra.append(ExportNode(oid, "outlet", a.outlet))
        for _source, target, _kind in reads.cited_targets(batch):
            node = _target_node(target)
            if node is not None and node.id not in seen:
                seen.add(node.id)
                extra.append(node)
        yield from extra
        tracker.step(len(batch))


def _end_attrs(end: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "article", "label": end.get("title"), "lang": end.get("lang"), "outlet": end.get("outlet"),
            "published": end.get("published")}


def _edges(reads: ExportReads, tracker: _Tracker) -> Iterator[ExportEdge]:
    """Pass 2: per batch, its articles' ``published_by`` edges and every pair with an end in it that no
    earlier batch held."""
    for batch in reads.article_batches():
        first = batch[0].rowid
        ends: dict[str, dict[str, Any]] = {}
        links: list[ExportLink] = []
        for a in batch:
            ends[f"article:{a.id}"] = {"kind": "article", "label": a.title or a.id, "lang": a.lang,
                                       "outlet": a.outlet, "published": a.published}
            if a.outlet and _outlets_kept(reads.kinds):
                oid = f"outlet:{outlet_slug(a.outlet)}"
                ends.setdefault(oid, {"kind": "outlet", "label": a.outlet})
                links.append(ExportLink(f"article:{a.id}", oid, "published_by", 1.0, "source->target",
                                        {"field": "outlet", "from": a.provenance.get("outlet", "metadata")},
                                        a.story_id))
        rows = [row for row in reads.links_touching(batch)
                if min(row.source_end["rowid"], (row.target_end or row.source_end)["rowid"]) >= first]
        reviews = reads.store.link_reviews_for({row.source for row in rows}) if rows else {}
        for row in rows:
            link = _link(row, ends)
            if link is not None:
                link.review = reviews.get((row.source, row.target, row.kind))
                links.append(link)
        yield from merge_pairs(links, partial(_end_of, ends))
        tracker.step(len(batch))


def _end_of(ends: dict[str, dict[str, Any]], node_id: str) -> dict[str, Any]:
    return ends.get(node_id, {})


def _link(row: ExportLinkRow, ends: dict[str, dict[str, Any]]) -> ExportLink | None:
    source = f"article:{row.source}"
    ends.setdefault(source, {**_end_attrs(row.source_end), "label": row.source_end.get("title") or row.source})
    if row.target_end is not None:
        target = f"article:{row.target}"
        ends.setdefault(target, {**_end_attrs(row.target_end), "label": row.target_end.get("title") or row.target})
    else:
        node = _target_node(row.target)
        if node is None:
            return None
        target = node.id
        ends.setdefault(target, {"kind": "source", "label": node.label, **node.attrs})
    try:
        evidence = json.loads(row.evidence or "{}")
    except ValueError:
        evidence = {}
    return ExportLink(source, target, row.kind, row.score, row.direction, evidence, row.story_id)


# ------------------------------------------------------------------------ claims
def _claims(fmt: str, reads: ExportReads, head: dict[str, Any], progress: Progress | None) -> Iterator[str]:
    """Claims and their matches: one row (CSV, JSON lines) or object (JSON list) per claim and fact-check."""
    total = reads.count_articles() if progress else 0

    def rows() -> Iterator[dict[str, Any]]:
        done = 0
        for batch in reads.claim_batches():
            yield from batch
            done += len({r["article_id"] for r in batch})
            if progress:
                progress("articles", min(done, total), total)

    def parts() -> Iterator[str]:
        if fmt == "csv":
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(CLAIM_COLUMNS)
            for r in rows():
                w.writerow(["" if r[k] is None else (f"{r[k]:.4f}" if isinstance(r[k], float) else r[k])
                            for k in CLAIM_COLUMNS])
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        elif fmt == "jsonl":
            yield dumps({"type": "export", **head}) + "\n"
            for r in rows():
                yield dumps({k: r[k] for k in CLAIM_COLUMNS}) + "\n"
        else:
            yield '{"export": ' + dumps(head) + ',\n"claims": ['
            for i, r in enumerate(rows()):
                yield ("\n" if i == 0 else ",\n") + dumps({k: r[k] for k in CLAIM_COLUMNS})
            yield "\n]}\n"
    return chunked(parts())


def media_type(fmt: str) -> str:
    return MEDIA_TYPES.get(fmt, "application/octet-stream")


def filename(fmt: str, what: str = "graph", **filters: Any) -> str:
    """A download's file name, ASCII only: ``narratrace-<what>-<first filter values>.<fmt>``."""
    bits = [what]
    for k in ("story", "narrative", "entity", "lang", "outlet", "source", "since", "until"):
        bits += [str(v) for v in _values(k, filters.get(k))[:2]]
    if filters.get("article"):
        bits.append("selection")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(bits)).strip("-.")[:80] or what
    return f"narratrace-{name}.{fmt}"


def iter_locked(chunks: Iterable[str], lock: Any) -> Iterator[str]:
    """``chunks`` with each one made while holding ``lock`` (the web app's store lock), released in between,
    so other requests are answered while a long export streams."""
    it = iter(chunks)
    while True:
        with lock:
            try:
                chunk = next(it)
            except StopIteration:
                return
        yield chunk
