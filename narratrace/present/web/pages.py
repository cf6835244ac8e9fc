"""HTML pages: Jinja2 templates with autoescaping; no inline script (the CSP forbids it)."""
from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from .service import SORTS, WebService, direction

router = APIRouter(include_in_schema=False)


def _svc(request: Request) -> WebService:
    return request.app.state.service


def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    env = request.app.state.templates
    html = env.get_template(name).render(request=request, features=_svc(request).features(), **ctx)
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


@router.get("/", response_class=HTMLResponse)
def stories_page(request: Request, lang: str | None = None, outlet: str | None = None,
                 since: str | None = None, until: str | None = None, q: str | None = None,
                 sort: str = "size") -> HTMLResponse:
    svc = _svc(request)
    sort = sort if sort in SORTS else "size"
    found = svc.stories(lang=lang, outlet=outlet, since=since, until=until, q=q, sort=sort)
    filters = {"lang": lang or "", "outlet": outlet or "", "since": since or "", "until": until or "",
               "q": q or "", "sort": sort}
    return render(request, "stories.html", stories=found, facets=svc.facets(), filters=filters, sorts=SORTS)


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: str) -> HTMLResponse:
    data = _svc(request).story_page(story_id)
    titles = {a.id: (a.title or a.id) for a in data["articles"]}
    return render(request, "story.html", titles=titles, **data)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str) -> HTMLResponse:
    return render(request, "article.html", **_svc(request).article_page(article_id))


@router.get("/pair/{a_id}/{b_id}", response_class=HTMLResponse)
def pair_page(request: Request, a_id: str, b_id: str) -> HTMLResponse:
    return render(request, "pair.html", **_svc(request).pair(a_id, b_id))


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = Query("", max_length=2000), lang: str | None = None) -> HTMLResponse:
    svc = _svc(request)
    hits = svc.search(q, lang=lang, limit=30) if q.strip() else []
    return render(request, "search.html", q=q, lang=lang or "", hits=hits, facets=svc.facets())


@router.get("/narratives", response_class=HTMLResponse)
def narratives_page(request: Request) -> HTMLResponse:
    return render(request, "narratives.html", narratives=_svc(request).narratives())


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request) -> HTMLResponse:
    return render(request, "claims.html", claims=_svc(request).claims_with_matches())


def template_globals() -> dict[str, Any]:
    def pretty(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, indent=1, default=str)

    def num(value: Any, digits: int = 3) -> str:
        return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "–"

    return {"dir_of": direction, "pretty": pretty, "num": num}
