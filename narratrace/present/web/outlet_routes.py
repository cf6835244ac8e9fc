"""Outlet pages and their JSON: ``/outlets`` (paged list), ``/outlets/NAME`` (profile), ``/api/outlets``,
``/api/outlets/NAME``.

A profile says how much an outlet publishes and when (a chart), in which languages, whom it cites, whom
it copies or translates and who copies or translates it (per outlet and kind, with examples), and its
stories. Everything comes from ``Narratrace.outlets`` (``store.outlets.OutletProfiles``: SQL counts),
through the ``WebService`` lock. Outlet names are any text: ``outlet_url`` percent-encodes the whole name.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ...store.outlets import OutletProfiles
from .charts import volume_chart
from .pages import render
from .service import WebService

router = APIRouter()
PER_PAGE = 50
Json = dict[str, Any]


def _svc(request: Request) -> WebService:
    return request.app.state.service


def outlet_url(name: str) -> str:
    """The page of an outlet: the name percent-encoded whole ("/", "?", "#" and "%" included)."""
    return "/outlets/" + quote(str(name), safe="")


def template_globals() -> dict[str, Any]:
    return {"outlet_url": outlet_url}


def profiles(svc: WebService) -> OutletProfiles:
    """The project's outlet queries (``Narratrace.outlets``), or ones over its store."""
    found = getattr(svc.nt, "outlets", None)
    return found if isinstance(found, OutletProfiles) else OutletProfiles(svc.nt.store)


def outlet_list(svc: WebService, page: int = 1, per_page: int = PER_PAGE, q: str | None = None) -> Json:
    with svc.lock:
        return profiles(svc).listing(limit=per_page, offset=(max(page, 1) - 1) * per_page, q=q)


def outlet_profile(svc: WebService, name: str, stories: int = 50, examples: int = 3) -> Json:
    with svc.lock:
        return profiles(svc).profile(name, stories=stories, examples=examples)


# ------------------------------------------------------------------ JSON
@router.get("/api/outlets", summary="Outlets, most articles first (paged)", tags=["outlets"])
def api_outlets(request: Request, q: str | None = Query(None, max_length=500, description="text in the name"),
                limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)) -> Json:
    with _svc(request).lock:
        return profiles(_svc(request)).listing(limit=limit, offset=offset, q=q)


@router.get("/api/outlets/{name:path}", summary="One outlet's profile: volume per date, languages, cited sources, "
                                                "copy and translation links to and from other outlets, stories",
            tags=["outlets"], responses={404: {"description": "no stored article is from this outlet"}})
def api_outlet(request: Request, name: str, stories: int = Query(50, ge=0, le=1000),
               examples: int = Query(3, ge=0, le=20)) -> Json:
    return outlet_profile(_svc(request), name, stories=stories, examples=examples)


# ----------------------------------------------------------------- pages
@router.get("/outlets", response_class=HTMLResponse, include_in_schema=False)
def outlets_page(request: Request, q: str | None = Query(None, max_length=500),
                 page: int = Query(1, ge=1, le=1_000_000)) -> HTMLResponse:
    found = outlet_list(_svc(request), page=page, q=q)
    return render(request, "outlets.html", found=found, q=q or "", page=page, per_page=PER_PAGE)


@router.get("/outlets/{name:path}", response_class=HTMLResponse, include_in_schema=False)
def outlet_page(request: Request, name: str) -> HTMLResponse:
    profile = outlet_profile(_svc(request), name)
    chart = volume_chart(profile["volume"], what=f"articles from {name}")
    return render(request, "outlet.html", outlet=profile, chart=chart)
