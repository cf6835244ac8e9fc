"""The write API under ``/api``: ingest, fact-check import, annotations, hand merges and splits, link and match
reviews. Every route is guarded by ``write_guard.WriteGuard`` (the write token, CSRF for form posts, size
limits) before it runs, and is a thin layer over ``Narratrace`` (``nt.annotations``, ``review_match``,
``import_factchecks``; ``WebService.ingest_upload`` for ingest, which encodes outside the lock).

The annotation and review routes take ``application/json`` (API clients) or an HTML form
(``application/x-www-form-urlencoded``, what the pages' buttons send, with their ``csrf_token`` and a ``next``
page to return to: 303 there, so a reload shows the change; errors as an HTML page). The upload routes take
the file's bytes as the body, or a ``multipart/form-data`` form with the file in its ``file`` field (what an
HTML file input or ``curl -F file=@wire.jsonl`` sends; from a browser with its ``csrf_token``, and a ``next``
page to return to), its file name the upload's name unless ``?name=`` gives one.
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar, get_origin
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPBearer
from pydantic import BaseModel, Field, ValidationError

from ...errors import NarratraceError
from ...ingest import EXTENSIONS
from ...pipeline.uploads import upload_name
from .multipart import MULTIPART, form_fields, parts_of
from .pages import story_url
from .security import COOKIE
from .write_guard import CSRF_FIELD, CSRF_SCOPE_KEY, FORM, WRITER_SCOPE_KEY, content_type

#: paths whose bodies may be as large as ``[web] max_upload_bytes``
UPLOAD_PATHS = ("/api/ingest", "/api/factchecks/import")
INGEST_TYPES = {"application/json": ".json", "application/x-ndjson": ".jsonl", "application/jsonl": ".jsonl",
                "text/csv": ".csv"}
FACTCHECK_TYPES = {"application/json": ".json", "application/ld+json": ".json", "text/csv": ".csv",
                   "text/html": ".html"}
NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,200}$"
Json = dict[str, Any]
M = TypeVar("M", bound=BaseModel)

_AUTH = [Security(HTTPBearer(auto_error=False, description="the write token `narratrace serve` prints")),
         Security(APIKeyHeader(name="X-Narratrace-Token", auto_error=False)),
         Security(APIKeyCookie(name=COOKIE, auto_error=False, description="set by opening a page with ?token="))]
router = APIRouter(prefix="/api", tags=["write"], dependencies=_AUTH)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body is not valid JSON, or a value is refused (the message says which)"},
    401: {"description": "no write token, or a wrong one (needed for every write, also on 127.0.0.1)"},
    403: {"description": "a form post without this session's CSRF token, or a browser write from another site"},
    404: {"description": "an id names nothing stored"},
    413: {"description": "the body is larger than [web] max_body_bytes (max_upload_bytes for uploads)"},
    415: {"description": "a content type this route does not take"},
    422: {"description": "the body does not have the fields the schema asks for"},
}


# ------------------------------------------------------------------ bodies
class AnnotationIn(BaseModel):
    """A tag or a note (exactly one of them) on a story, article or entity."""

    target_kind: Literal["story", "article", "entity"] | None = Field(
        None, description="what target_id names; none: a story id, else an article id")
    target_id: str = Field(min_length=1, max_length=1000)
    tag: str | None = Field(None, max_length=100, description="one line")
    note: str | None = Field(None, max_length=10_000, description="free text, line breaks kept")


class AnnotationRef(BaseModel):
    id: int = Field(description="the annotation's id (from its creation or `GET` of the target's page)")


class TagRemoval(BaseModel):
    target_kind: Literal["story", "article", "entity"] | None = None
    target_id: str = Field(min_length=1, max_length=1000)
    tag: str = Field(min_length=1, max_length=100)


class StoryMerge(BaseModel):
    """Two stories made one by hand; later ingests never split them."""

    story_id: str = Field(min_length=1, max_length=1000)
    other_id: str = Field(min_length=1, max_length=1000)
    note: str | None = Field(None, max_length=10_000)


class StorySplit(BaseModel):
    """Articles moved out of a story into one of their own; later ingests never merge the two parts."""

    story_id: str = Field(min_length=1, max_length=1000)
    article_ids: list[str] = Field(min_length=1, max_length=1000)
    note: str | None = Field(None, max_length=10_000)


class LinkReview(BaseModel):
    """An analyst's verdict on a provenance link; ``target`` is an article id or a cited source's id."""

    source: str = Field(min_length=1, max_length=1000)
    target: str = Field(min_length=1, max_length=5000)
    kind: str = Field(min_length=1, max_length=100)
    verdict: Literal["confirmed", "rejected"]
    note: str | None = Field(None, max_length=10_000)


class MatchReview(BaseModel):
    """An analyst's verdict on the matches of an article's claims to a fact-check."""

    article_id: str = Field(max_length=1000)
    factcheck_id: str = Field(max_length=1000)
    verdict: Literal["confirmed", "rejected"]
    note: str | None = Field(None, max_length=10_000)


def _schema(model: type[BaseModel]) -> Json:
    """The model's JSON schema with its definitions inlined (a route's body documented in place)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"].rsplit("/", 1)[1]])
            return {k: inline(v) for k, v in node.items()}
        return [inline(v) for v in node] if isinstance(node, list) else node

    return inline(schema)


def _form_or_json(model: type[BaseModel]) -> Json:
    form = _schema(model)
    form["properties"] = {**form["properties"], CSRF_FIELD: {"type": "string", "description": "the page's CSRF "
                          "token (form posts authenticated by the cookie)"},
                          "next": {"type": "string", "description": "the page to return to (a path of this server)"}}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": _schema(model)},
                                                          FORM: {"schema": form}}}}


def _raw_body(types: dict[str, str], what: str) -> Json:
    content: Json = {t: {"schema": {"type": "string", "format": "binary"}} for t in types}
    content[MULTIPART] = {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "the file; its name is the upload's name"},
        CSRF_FIELD: {"type": "string", "description": "the page's CSRF token (a browser form)"},
        "next": {"type": "string", "description": "the page to return to (303) instead of the JSON result"}}}}
    return {"requestBody": {"required": True, "description": what + "; or a form with the file", "content": content}}


async def _upload(request: Request, types: dict[str, str], name: str | None, fallback: str
                  ) -> tuple[bytes, str, str, str | None]:
    """(bytes, upload name, content type, the page to return to or None) of a raw body or a form's file."""
    headers = dict(request.scope.get("headers") or [])
    kind, data = content_type(headers), await request.body()
    if kind != MULTIPART:
        if kind not in types:
            raise HTTPException(415, f"send one of {', '.join(types)} or a {MULTIPART} form, not "
                                     f"{kind or 'no content type'}")
        return data, name or fallback, kind, None
    parts = parts_of(request.scope, data, headers.get(b"content-type", b"").decode("latin-1"))
    files = [p for p in parts if p.name == "file" and p.filename is not None]
    if not files:
        raise HTTPException(422, "send the file in a form field named file (curl -F file=@PATH)")
    back = form_fields(parts).get("next")
    return files[-1].data, name or upload_name(files[-1].filename, fallback), files[-1].content_type, \
        (_same_site(back) if back else None)


# ----------------------------------------------------------------- helpers
def _svc(request: Request) -> Any:
    return request.app.state.service


async def _parse(request: Request, model: type[M]) -> tuple[M, str | None]:
    """The body as ``model`` and, for a form, the page to return to (None for JSON)."""
    kind = content_type(dict(request.scope.get("headers") or []))
    raw = await request.body()
    if kind == "application/json":
        try:
            data = json.loads(raw)
        except ValueError:
            raise HTTPException(400, "the body is not valid JSON") from None
        back = None
    elif kind == FORM:
        lists = {n for n, f in model.model_fields.items() if get_origin(f.annotation) is list}
        data = {}
        for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
            if value.strip() or key in lists:
                data.setdefault(key, []).append(value) if key in lists else data.__setitem__(key, value)
        back = _same_site(data.pop("next", "/"))
        data.pop(CSRF_FIELD, None)
    else:
        raise HTTPException(415, f"send application/json or an HTML form ({FORM}), not {kind or 'no content type'}")
    try:
        return model.model_validate(data), back
    except ValidationError as exc:
        if back is None:
            from fastapi.exceptions import RequestValidationError

            raise RequestValidationError(exc.errors()) from None
        raise HTTPException(422, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) \
            from None


def _same_site(path: str) -> str:
    """A page of this server to return to: a path, never another host (``//evil``, ``/\\evil``)."""
    if not path.startswith("/") or path[1:2] in ("/", "\\") or any(c in path for c in "\r\n\t"):
        return "/"
    return path


async def _write(request: Request, model: type[M], command: Callable[[Any, M], Any],
                 shown: Callable[[Any], Json] = lambda r: r, page: Callable[[Any], str | None] = lambda _r: None
                 ) -> Any:
    """Parse the body as ``model``, run ``command(nt, body)`` under the project's lock (in a worker thread);
    JSON back, or for a form a redirect to ``page(result)`` or the page it came from. A form's error is an
    HTML page that says what went wrong."""
    svc = _svc(request)
    is_form = content_type(dict(request.scope.get("headers") or [])) == FORM
    try:
        body, back = await _parse(request, model)

        def locked() -> Any:
            with svc.lock:
                return command(svc.nt, body)

        result = await run_in_threadpool(locked)
    except (NarratraceError, HTTPException) as exc:
        if not is_form:
            raise
        status, message, hint = ((exc.status, exc.message, exc.hint) if isinstance(exc, NarratraceError)
                                 else (exc.status_code, str(exc.detail), None))
        html = request.app.state.templates.get_template("error.html").render(
            request=request, status=status, message=message, hint=hint or "go back and try again",
            features=svc.features())
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})
    if back is not None:
        return RedirectResponse(page(result) or back, status_code=303)
    return shown(result)


async def _locked(request: Request, command: Callable[[Any], Json]) -> Json:
    """``command(nt)`` under the project's lock, in a worker thread (an upload: JSON in, JSON out)."""
    svc = _svc(request)

    def locked() -> Json:
        with svc.lock:
            return command(svc.nt)

    return await run_in_threadpool(locked)


# ------------------------------------------------------------------ routes
@router.post("/annotations", summary="Tag or note a story, article or entity", responses=ERRORS,
             openapi_extra=_form_or_json(AnnotationIn))
async def add_annotation(request: Request) -> Json:
    def command(nt: Any, body: AnnotationIn) -> Json:
        if (body.tag is None) == (body.note is None):
            raise HTTPException(422, "give a tag or a note: exactly one of them")
        if body.tag is not None:
            return nt.annotations.tag(body.target_kind, body.target_id, body.tag)
        return nt.annotations.note(body.target_kind, body.target_id, body.note)

    return await _write(request, AnnotationIn, command)


@router.post("/annotations/delete", summary="Delete a tag or note by its id", responses=ERRORS,
             openapi_extra=_form_or_json(AnnotationRef))
async def delete_annotation(request: Request) -> Json:
    return await _write(request, AnnotationRef, lambda nt, body: nt.annotations.delete(body.id))


@router.post("/annotations/untag", summary="Remove a tag from a story, article or entity", responses=ERRORS,
             openapi_extra=_form_or_json(TagRemoval))
async def untag(request: Request) -> Json:
    return await _write(request, TagRemoval,
                        lambda nt, body: nt.annotations.untag(body.target_kind, body.target_id, body.tag),
                        lambda n: {"removed": n})


@router.post("/stories/merge", summary="Merge two stories by hand (later ingests keep them merged)",
             responses=ERRORS, openapi_extra=_form_or_json(StoryMerge))
async def merge_stories(request: Request) -> Json:
    return await _write(request, StoryMerge,
                        lambda nt, body: nt.annotations.merge_stories(body.story_id, body.other_id, body.note),
                        lambda s: s.to_dict(), page=lambda s: story_url(s.id))


@router.post("/stories/split", summary="Split articles out of a story by hand (later ingests keep them apart)",
             responses=ERRORS, openapi_extra=_form_or_json(StorySplit))
async def split_story(request: Request) -> Json:
    return await _write(request, StorySplit,
                        lambda nt, body: nt.annotations.split_story(body.story_id, body.article_ids, body.note),
                        lambda r: {"rest": r[0].to_dict(), "split": r[1].to_dict()}, page=lambda r: story_url(r[0].id))


@router.post("/links/review", summary="Confirm or reject a provenance link (kept when the story is traced again)",
             responses=ERRORS, openapi_extra=_form_or_json(LinkReview))
async def review_link(request: Request) -> Json:
    return await _write(request, LinkReview, lambda nt, body: nt.annotations.review_link(
        body.source, body.target, body.kind, body.verdict, body.note))


@router.post("/matches/review", summary="Confirm or reject a fact-check match (kept when matching runs again)",
             responses={**ERRORS, 404: {"description": "no claim of the article is matched to the fact-check"}},
             openapi_extra=_form_or_json(MatchReview))
async def review_match(request: Request) -> Json:
    def command(nt: Any, body: MatchReview) -> Json:
        return {**body.model_dump(), "matches": int(nt.review_match(body.article_id, body.factcheck_id,
                                                                    body.verdict, body.note))}

    return await _write(request, MatchReview, command)


@router.post("/ingest", summary="Ingest records: JSON (a list, or {\"articles\": [...]}) or JSON Lines",
             responses=ERRORS, openapi_extra=_raw_body(INGEST_TYPES, "records with text, id, title, url, outlet, "
                                                       "published, lang (the fields of a JSON Lines file)"))
async def ingest(request: Request, name: str | None = Query(None, pattern=NAME_PATTERN, description=(
        "the upload's file name (default: a form's file name, else api), its records' origin: a later upload "
        "under the same name updates the same articles; its extension (.jsonl, .json, .csv) picks the reader, "
        "else the content type does"))) -> Any:
    data, name, kind, back = await _upload(request, INGEST_TYPES, name, "api")
    if Path(name).suffix.lower() not in EXTENSIONS:
        if kind not in INGEST_TYPES:
            raise HTTPException(415, f"name the file with one of {', '.join(sorted(EXTENSIONS))}, or send it as "
                                     f"one of {', '.join(INGEST_TYPES)}")
        name += INGEST_TYPES[kind]

    report = await run_in_threadpool(_svc(request).ingest_upload, data, name)  # the lock only around the store
    result = {"summary": report.summary(), "ingested": report.ingested, "updated": report.updated,
              "unchanged": report.unchanged, "copies": report.copies,
              "errors": [str(e) for e in report.errors], "warnings": [str(w) for w in report.warnings]}
    return RedirectResponse(back, status_code=303) if back else result


@router.post("/factchecks/import", summary="Import fact-checks (ClaimReview JSON-LD, Fact Check Tools JSON, CSV, "
             "an HTML page with ClaimReview) and match every stored claim", responses=ERRORS,
             openapi_extra=_raw_body(FACTCHECK_TYPES, "the file's bytes"))
async def import_factchecks(request: Request, name: str | None = Query(
        None, pattern=NAME_PATTERN, description="the file name, its origin (default: a form's file name, else "
                                                "factchecks)")) -> Any:
    data, name, kind, back = await _upload(request, FACTCHECK_TYPES, name, "factchecks")
    if Path(name).suffix.lower() not in (".json", ".csv", ".html", ".htm"):
        if kind not in FACTCHECK_TYPES:
            raise HTTPException(415, f"name the file .json, .csv or .html, or send it as one of "
                                     f"{', '.join(FACTCHECK_TYPES)}")
        name += FACTCHECK_TYPES[kind]

    def command(nt: Any) -> Json:
        with tempfile.TemporaryDirectory(prefix="narratrace-upload-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            found = nt.import_factchecks(path)
        return {**found, "errors": [str(e) for e in found.get("errors", [])]}

    result = await _locked(request, command)
    return RedirectResponse(back, status_code=303) if back else result


# --------------------------------------------------------- for the templates
def template_globals() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "can_write": can_write, "here": here, "annotations_view": annotations_view}


def csrf_token(request: Request) -> str:
    """This browser session's CSRF token (the guard sets it on every page)."""
    return str(request.scope.get(CSRF_SCOPE_KEY, ""))


def can_write(request: Request) -> bool:
    """Whether this browser holds the write token (else the forms say how to get it)."""
    return bool(request.scope.get(WRITER_SCOPE_KEY))


def here(request: Request) -> str:
    """The page's path as the browser wrote it (percent-encoded ids intact), for forms to return to."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    return _same_site(raw.decode("latin-1"))


def annotations_view(request: Request, kind: str, target_id: str, links: list[Any] | None = None) -> Json:
    """What the annotation panel of a page shows: the target's tags and notes, a story's hand merges and splits,
    and the verdicts on ``links`` (in their order)."""
    svc = _svc(request)
    with svc.lock:
        ann = svc.nt.annotations
        items = ann.of(kind, target_id)
        edits = ann.edits(target_id) if kind == "story" else []
        reviews = ann.link_reviews(links) if links else []
    return {"tags": [a for a in items if a["kind"] == "tag"], "notes": [a for a in items if a["kind"] == "note"],
            "edits": edits, "reviews": reviews}
