"""Downloads: ``/api/export`` (the corpus, or what the filters keep) and ``/api/stories/{id}/export``, streamed
from the store (``Narratrace.export_stream``) as attachments. The pages link to them with
``templates/_export.html``'s ``export_links`` macro (plain links with ``download``: no script)."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from ...trace.exports import filename, iter_locked, media_type
from .service import WebService

router = APIRouter(prefix="/api", tags=["exports"])
Format = Literal["json", "jsonl", "csv", "gexf"]
What = Literal["graph", "claims"]
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "the export, as an attachment", "content": {
        "application/json": {}, "application/x-ndjson": {}, "text/csv": {}, "application/gexf+xml": {}}},
    400: {"description": "a filter value is malformed (a date that is not YYYY[-MM[-DD]])"},
    404: {"description": "a story or an entity given is unknown"},
    501: {"description": "this narratrace has no Narratrace.export_stream"}}


def _svc(request: Request) -> WebService:
    return request.app.state.service


def _download(svc: WebService, fmt: str, what: str, kind: list[str], filters: dict[str, Any]) -> StreamingResponse:
    """The export as a streamed attachment: checked before the response starts (errors get their status),
    then made a chunk at a time under the store lock, released in between."""
    export = getattr(svc.nt, "export_stream", None)
    if not callable(export):
        raise HTTPException(501, "exports are not available: this narratrace has no Narratrace.export_stream")
    with svc.lock:
        chunks = export(fmt, what=what, kind=kind, **filters)
    name = filename(fmt, what, **filters)
    return StreamingResponse(iter_locked(chunks, svc.lock), media_type=media_type(fmt),
                             headers={"content-disposition": f'attachment; filename="{name}"',
                                      "cache-control": "no-store"})


@router.get("/export", summary="Export the corpus, or the articles the filters keep (streamed)", responses=_RESPONSES)
def export_corpus(
    request: Request,
    format: Format = Query("json", description="json (node-link), jsonl, csv (one row per pair), gexf (dynamic)"),
    what: What = Query("graph", description="graph, or claims with their fact-check matches (csv, jsonl, json)"),
    story: list[str] = Query([], description="story ids (repeatable)"),
    article: list[str] = Query([], description="article ids (repeatable)"),
    lang: list[str] = Query([], description="languages (repeatable)"),
    outlet: str | None = Query(None, max_length=1000, description="outlet contains this"),
    since: str | None = Query(None, max_length=10, description="published on or after, YYYY[-MM[-DD]]"),
    until: str | None = Query(None, max_length=10, description="published on or before, YYYY[-MM[-DD]]"),
    narrative: list[str] = Query([], description="narrative ids (repeatable)"),
    source: list[str] = Query([], description="articles citing this source: registry id or name (repeatable)"),
    entity: list[str] = Query([], description="articles mentioning this entity: name in any script, or id"),
    kind: list[str] = Query([], description="link kinds kept (repeatable): translates, cites, published_by..."),
) -> StreamingResponse:
    if what == "claims" and format == "gexf":
        raise HTTPException(422, "claims export as csv, jsonl or json")
    filters = {"story": story, "article": article, "lang": lang, "outlet": outlet, "since": since, "until": until,
               "narrative": narrative, "source": source, "entity": entity}
    return _download(_svc(request), format, what, kind, filters)


@router.get("/stories/{story_id}/export", summary="Export one story's propagation graph (streamed)",
            tags=["stories"], responses=_RESPONSES)
def export_story(request: Request, story_id: str,
                 format: Format = Query("json", description="json (node-link), jsonl, csv, gexf"),
                 kind: list[str] = Query([], description="link kinds kept (repeatable)")) -> StreamingResponse:
    return _download(_svc(request), format, "graph", kind, {"story": [story_id]})
