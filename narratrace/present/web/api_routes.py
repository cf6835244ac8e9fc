"""The JSON API under ``/api`` (schema at ``/api/openapi.json``). Every route calls ``WebService``."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request

from .service import WebService

router = APIRouter(prefix="/api")
Json = dict[str, Any]


#: the largest query the routes parse at all; ``[web] max_query_chars`` (checked by ``check_query``) is the limit
MAX_QUERY_PARAM = 100_000


def _svc(request: Request) -> WebService:
    return request.app.state.service


def check_query(svc: WebService, q: str) -> None:
    """A query's cost grows with its length: longer than ``[web] max_query_chars`` is refused (422)."""
    if len(q) > svc.max_query_chars:
        raise HTTPException(422, f"the query is {len(q)} characters long; at most {svc.max_query_chars} are "
                                 "searched ([web] max_query_chars)")


@router.get("/health", summary="Liveness and which optional features this narratrace has", tags=["meta"])
def health(request: Request) -> Json:
    return {"ok": True, "features": _svc(request).features()}


@router.get("/stories", summary="Stories, filtered, sorted and paged in SQL, with the total and facet counts",
            tags=["stories"])
def list_stories(request: Request,
                 lang: str | None = Query(None, description="keep stories with an article in this language"),
                 outlet: str | None = Query(None, description="keep stories with an outlet containing this"),
                 since: str | None = Query(None, description="ISO date (partial ok): last seen on or after"),
                 until: str | None = Query(None, description="ISO date (partial ok): first seen on or before"),
                 q: str | None = Query(None, description="text in the title, outlets or ids"),
                 sort: Literal["size", "spread", "recent"] = "size",
                 limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**9),
                 entity: str | None = Query(None, max_length=500,
                                            description="an entity id or name (any script) an article mentions")
                 ) -> Json:
    """``stories``: the page (summaries: size, languages and outlets most articles first, first and last
    seen; member ids at ``/api/stories/{id}``); ``total``: stories passing the filters; ``facets``: their
    languages, outlets (30 with the most stories) and months, each ``{value, count}``."""
    found = _svc(request).stories(lang=lang, outlet=outlet, since=since, until=until, q=q, sort=sort,
                                  limit=limit, offset=offset, entity=entity).to_dict()
    items = found.pop("items")
    return {**found, "stories": items}


@router.get("/stories/{story_id}", summary="One story", tags=["stories"])
def get_story(request: Request, story_id: str) -> Json:
    return _svc(request).story(story_id).to_dict()


@router.get("/stories/{story_id}/graph", summary="Propagation graph (node-link JSON with the timeline)",
            tags=["stories"])
def get_graph(request: Request, story_id: str) -> Json:
    return _svc(request).graph(story_id)


@router.get("/stories/{story_id}/links", summary="Links of a story, each with its evidence", tags=["stories"])
def story_links(request: Request, story_id: str) -> list[Json]:
    svc = _svc(request)
    svc.story(story_id)  # 404 for an unknown story
    return [lk.to_dict() for lk in svc.links(story_id=story_id)]


@router.get("/articles/{article_id:path}/links", summary="Links from or to an article", tags=["articles"])
def article_links(request: Request, article_id: str) -> list[Json]:
    """Before the article route: with ids that may hold "/", ``…/links`` is this route's."""
    svc = _svc(request)
    svc.article(article_id)
    return [lk.to_dict() for lk in svc.links(article_id=article_id)]


@router.get("/articles/{article_id:path}", summary="One article with its passages (any id, percent-encoded)",
            tags=["articles"])
def get_article(request: Request, article_id: str) -> Json:
    return _svc(request).article(article_id).to_dict()


@router.get("/compare", summary="Alignment and relation of two stored articles", tags=["articles"])
def compare(request: Request, a: str = Query(..., description="article id"),
            b: str = Query(..., description="article id")) -> Json:
    return _svc(request).compare(a, b)


@router.get("/search", summary="Cross-lingual passage search", tags=["search"],
            responses={501: {"description": "this narratrace has no Narratrace.search"}})
def search(request: Request, q: str = Query(..., max_length=MAX_QUERY_PARAM,
                                           description="at most [web] max_query_chars characters (2000)"),
           lang: str | None = None, limit: int = Query(20, ge=1, le=200),
           offset: int = Query(0, ge=0, le=10_000)) -> Json:
    """``hits`` from ``offset`` on; ``total``: the articles the ranking holds (its candidates bound it);
    ``facets``: their languages, outlets and months."""
    svc = _svc(request)
    check_query(svc, q)
    found = svc.search_page(q, lang=lang, limit=limit, offset=offset)
    if found is None:
        raise HTTPException(501, "search is not available: this narratrace has no Narratrace.search")
    page = found.to_dict()
    items = page.pop("items")
    return {"query": q, "lang": lang, **page, "hits": items}


@router.get("/narratives", summary="Narratives, largest first, paged, with facet counts", tags=["narratives"],
            responses={501: {"description": "this narratrace has no Narratrace.narratives"}})
def narratives(request: Request,
               lang: str | None = Query(None, max_length=64, description="keep narratives with an article in this "
                                                                         "language (and label them in it)"),
               outlet: str | None = Query(None, max_length=500, description="keep narratives with an article from "
                                                                            "an outlet containing this"),
               label_lang: str | None = Query(None, max_length=64, description="label language (default: lang)"),
               limit: int = Query(20, ge=1, le=200), offset: int = Query(0, ge=0, le=10**9),
               sort: str = Query("size", pattern="^(size|recent)$", description="most articles, or latest first"),
               since: str | None = Query(None, max_length=32, description="dates overlapping from (ISO, partial)"),
               until: str | None = Query(None, max_length=32, description="dates overlapping until")) -> Json:
    """``narratives`` from ``offset`` on: summaries (label, size, stories, languages and outlets with their
    articles, first and last seen, articles per month, the best members it was labelled from; member ids at
    ``/api/narratives/{id}``), read in a bounded number of rows each; ``total``: all that pass; ``facets``:
    their languages, outlets and months, each ``{value, count}`` (narratives with an article with it)."""
    found = _svc(request).narratives(lang=lang, limit=limit, offset=offset, sort=sort, since=since, until=until,
                                     outlet=outlet, label_lang=label_lang)
    if found is None:
        raise HTTPException(501, "narratives are not available: this narratrace has no Narratrace.narratives")
    page = found.to_dict()
    items = page.pop("items")
    return {**page, "narratives": items}


@router.get("/narratives/{narrative_id}", summary="One narrative with every member", tags=["narratives"],
            responses={501: {"description": "this narratrace has no Narratrace.narratives"}})
def get_narrative(request: Request, narrative_id: str,
                  lang: str | None = Query(None, description="label language")) -> Json:
    """Its label, terms, representative passages, and every story and article id, outlet and language,
    first and last seen, articles per month."""
    found = _svc(request).narrative(narrative_id, lang=lang)
    if found is None:
        raise HTTPException(501, "narratives are not available: this narratrace has no Narratrace.narratives")
    return found


@router.get("/claims", summary="Check-worthy claims with their fact-check matches", tags=["narratives"],
            responses={501: {"description": "this narratrace has no Narratrace.claims"}})
def claims(request: Request, article_id: str | None = None) -> list[Json]:
    svc = _svc(request)
    found = svc.claims_with_matches()
    if found is None:
        raise HTTPException(501, "claims are not available: this narratrace has no Narratrace.claims")
    return [c for c in found if article_id is None or c["article_id"] == article_id]

