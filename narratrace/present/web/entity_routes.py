"""Entity and source pages and their JSON: ``/entities`` (paged list, and a name in any script),
``/entities/NAME`` (every article mentioning it, by language, outlet and month, with a chart),
``/sources/NAME`` (every article citing it, with the cue and its sentence), and ``/api/entities…``.

NAME is an entity id or any spelling in any script: ``/entities/الحسكة``, ``/entities/الحسکه`` and
``/entities/al-Hasakah`` show one place. Everything comes from ``Narratrace.entities``
(``trace.entities.EntityIndex``: SQL pages with totals and facet counts) through the ``WebService`` lock.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ...text.gazetteer import KINDS
from .charts import volume_chart
from .pages import render
from .service import WebService

router = APIRouter()
PER_PAGE = 50
Json = dict[str, Any]
_NAME = Query(None, max_length=500)
_LANG = Query(None, max_length=20, description="only articles in this language")
_OUTLET = Query(None, max_length=500, description="only articles of this outlet")
_PAGE = Query(1, ge=1, le=1_000_000)
_PER_PAGE = Query(PER_PAGE, ge=1, le=200)
_MONTH = Query(None, max_length=7, pattern=r"^(\d{4}-\d{2})?$", description="only articles of this month, YYYY-MM")


def _svc(request: Request) -> WebService:
    return request.app.state.service


def entity_url(entity_id: str) -> str:
    """The page of an entity: the id percent-encoded whole."""
    return "/entities/" + quote(str(entity_id), safe="")


def source_url(entity_id: str) -> str:
    """The "cited by" page of a source."""
    return "/sources/" + quote(str(entity_id), safe="")


def template_globals() -> dict[str, Any]:
    return {"entity_url": entity_url, "source_url": source_url}


def _page(svc: WebService, name: str, cited: bool, page: int, per_page: int, lang: str | None,
          outlet: str | None, month: str | None) -> Json:
    """An entity with one page of its (citing) articles, its facets and its volume chart."""
    with svc.lock:
        ent = svc.nt.entities.get(name, facets=False)  # the page's own query counts the facets
        query = svc.nt.entities.cited_by if cited else svc.nt.entities.articles
        found = query(ent["id"], limit=per_page, offset=(page - 1) * per_page, lang=lang, outlet=outlet,
                      month=month)
        dates = svc.nt.entities.timeline(ent["id"], cited=cited)
    what = f"articles {'citing' if cited else 'mentioning'} {ent['name']}"
    filters = {"lang": lang or "", "outlet": outlet or "", "month": month or "",
               "per_page": str(per_page) if per_page != PER_PAGE else ""}
    return {"entity": ent, "found": found, "chart": volume_chart(dates, what=what), "filters": filters,
            "page": page, "per_page": per_page, "cited": cited}


# ------------------------------------------------------------------ JSON
@router.get("/api/entities", summary="Entities, most mentioned first (paged); or those a name is a spelling of",
            tags=["entities"])
def api_entities(request: Request, kind: str | None = Query(None, description=f"one of {', '.join(KINDS)}"),
                 q: str | None = Query(None, max_length=500, description="a name in any script or spelling"),
                 limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)) -> Json:
    svc = _svc(request)
    with svc.lock:
        if q:
            found = [e.to_dict() for e in svc.nt.entities.find(q) if not kind or e.kind == kind]
            return {"total": len(found), "limit": limit, "offset": offset, "items": found[offset:offset + limit]}
        return svc.nt.entities.list(kind=kind, limit=limit, offset=offset)


@router.get("/api/entities/{name}/articles", summary="The articles mentioning an entity (paged, with facets)",
            tags=["entities"], responses={404: {"description": "no entity has this id or name"}})
def api_entity_articles(request: Request, name: str, lang: str | None = _LANG, outlet: str | None = _OUTLET,
                        month: str | None = _MONTH, limit: int = Query(50, ge=1, le=1000),
                        offset: int = Query(0, ge=0)) -> Json:
    svc = _svc(request)
    with svc.lock:
        return svc.nt.entities.articles(name, limit=limit, offset=offset, lang=lang, outlet=outlet,
                                        month=month).to_dict()


@router.get("/api/entities/{name}", summary="One entity (id or any spelling): its spellings in every script "
                                            "and facet counts", tags=["entities"],
            responses={404: {"description": "no entity has this id or name"}})
def api_entity(request: Request, name: str) -> Json:
    svc = _svc(request)
    with svc.lock:
        return svc.nt.entities.get(name)


@router.get("/api/sources/{name}/cited_by", summary="The articles citing a source, each with the cue and its "
                                                    "sentence (paged, with facets)", tags=["entities"],
            responses={404: {"description": "no entity has this id or name"}})
def api_cited_by(request: Request, name: str, lang: str | None = _LANG, outlet: str | None = _OUTLET,
                 month: str | None = _MONTH, limit: int = Query(50, ge=1, le=1000),
                 offset: int = Query(0, ge=0)) -> Json:
    svc = _svc(request)
    with svc.lock:
        return svc.nt.entities.cited_by(name, limit=limit, offset=offset, lang=lang, outlet=outlet,
                                        month=month).to_dict()


# ----------------------------------------------------------------- pages
@router.get("/entities", response_class=HTMLResponse, include_in_schema=False)
def entities_page(request: Request, kind: str | None = Query(None, max_length=20), q: str | None = _NAME,
                  page: int = Query(1, ge=1, le=1_000_000)) -> HTMLResponse:
    svc = _svc(request)
    kind = kind if kind in KINDS else None
    with svc.lock:
        if q and q.strip():
            items = [e.to_dict() for e in svc.nt.entities.find(q) if not kind or e.kind == kind]
            found = {"total": len(items), "items": items, "kinds": {}}
        else:
            found = svc.nt.entities.list(kind=kind, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render(request, "entities.html", found=found, kind=kind or "", q=q or "", page=page, per_page=PER_PAGE,
                  kinds=KINDS)


@router.get("/entities/{name}", response_class=HTMLResponse, include_in_schema=False)
def entity_page(request: Request, name: str, lang: str | None = _LANG, outlet: str | None = _OUTLET,
                month: str | None = _MONTH, page: int = _PAGE, per_page: int = _PER_PAGE) -> HTMLResponse:
    return render(request, "entity.html", **_page(_svc(request), name, False, page, per_page, lang, outlet, month))


@router.get("/sources/{name}", response_class=HTMLResponse, include_in_schema=False)
def source_page(request: Request, name: str, lang: str | None = _LANG, outlet: str | None = _OUTLET,
                month: str | None = _MONTH, page: int = _PAGE, per_page: int = _PER_PAGE) -> HTMLResponse:
    return render(request, "source.html", **_page(_svc(request), name, True, page, per_page, lang, outlet, month))
