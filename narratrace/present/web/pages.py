"""HTML pages: Jinja2 templates with autoescaping; no inline script (the CSP forbids it)."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ...store.narrative_pages import NARRATIVE_SORTS
from ...store.timeline import DatedCounts
from .api_routes import MAX_QUERY_PARAM, check_query
from .charts import volume_chart, volume_of
from .service import SORTS, WebService, direction

router = APIRouter(include_in_schema=False)


def _svc(request: Request) -> WebService:
    return request.app.state.service


def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    env = request.app.state.templates
    html = env.get_template(name).render(request=request, features=_svc(request).features(), **ctx)
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


#: the largest ?page= the list pages take (a deeper page is a slow OFFSET and no one reads it)
MAX_PAGE = 100_000


@router.get("/", response_class=HTMLResponse)
def stories_page(request: Request, lang: str | None = None, outlet: str | None = None,
                 since: str | None = None, until: str | None = None, q: str | None = None,
                 sort: str = "size", page: int = Query(1, ge=1, le=MAX_PAGE),
                 entity: str | None = Query(None, max_length=500)) -> HTMLResponse:
    """One page of stories (``[web] page_size``), filtered and sorted in SQL, with facet counts."""
    svc = _svc(request)
    sort = sort if sort in SORTS else "size"
    found = svc.stories(lang=lang, outlet=outlet, since=since, until=until, q=q, sort=sort,
                        offset=(page - 1) * svc.page_size, entity=entity)
    filters = {"lang": lang or "", "outlet": outlet or "", "since": since or "", "until": until or "",
               "q": q or "", "sort": sort, "entity": entity or ""}
    return render(request, "stories.html", stories=found.items, listing=found, page=page, per_page=svc.page_size,
                  facets=svc.facets(), filters=filters, sorts=SORTS)


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: str) -> HTMLResponse:
    data = _svc(request).story_page(story_id)
    titles = {a.id: (a.title or a.id) for a in data["articles"]}
    chart = volume_of(_svc(request).nt, lock=_svc(request).lock, story_id=data["story"].id)
    return render(request, "story.html", titles=titles, chart=chart, **data)


@router.get("/articles/{article_id:path}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str) -> HTMLResponse:
    """Any id, "/" included (URL-shaped ids): pages link to it percent-encoded (``article_url``)."""
    return render(request, "article.html", **_svc(request).article_page(article_id))


@router.get("/pair", response_class=HTMLResponse)
def pair_query_page(request: Request, a: str = Query(..., max_length=5000),
                    b: str = Query(..., max_length=5000)) -> HTMLResponse:
    """The side-by-side page for any two ids (the form pages link to: ``pair_url``)."""
    return render(request, "pair.html", **_svc(request).pair(a, b))


@router.get("/pair/{a_id}/{b_id}", response_class=HTMLResponse)
def pair_page(request: Request, a_id: str, b_id: str) -> HTMLResponse:
    return render(request, "pair.html", **_svc(request).pair(a_id, b_id))


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = Query("", max_length=MAX_QUERY_PARAM), lang: str | None = None,
                page: int = Query(1, ge=1, le=MAX_PAGE)) -> HTMLResponse:
    """One page of the ranked articles, with how many the ranking holds and their facets."""
    svc = _svc(request)
    check_query(svc, q)
    found = svc.search_page(q, lang=lang, offset=(page - 1) * svc.page_size) if q.strip() else None
    hits = None if not svc.has_search else (found.items if found is not None else [])
    return render(request, "search.html", q=q, lang=lang or "", hits=hits, listing=found, page=page,
                  per_page=svc.page_size, facets=svc.facets())


@router.get("/narratives", response_class=HTMLResponse)
def narratives_page(request: Request, page: int = Query(1, ge=1, le=MAX_PAGE), sort: str = "size",
                    since: str | None = Query(None, max_length=32), until: str | None = Query(None, max_length=32),
                    lang: str | None = Query(None, max_length=64),
                    outlet: str | None = Query(None, max_length=500)) -> HTMLResponse:
    """One page of narratives (summaries: only these are read and labelled), largest or latest first,
    with dates overlapping since..until, an article in ``lang`` and one from an outlet containing ``outlet``,
    and the facets of all that pass; charts from the kept months."""
    svc = _svc(request)
    sort = sort if sort in NARRATIVE_SORTS else "size"
    listing = svc.narratives(offset=(page - 1) * svc.narratives_page_size, sort=sort, since=since, until=until,
                             lang=lang, outlet=outlet)
    found = None if listing is None else listing.items
    charts = {n["id"]: volume_chart(_months(n["growth"]), height=130) for n in found or []}
    filters = {"sort": sort, "since": since or "", "until": until or "", "lang": lang or "", "outlet": outlet or ""}
    return render(request, "narratives.html", narratives=found, charts=charts, listing=listing, page=page,
                  per_page=svc.narratives_page_size, filters=filters, sorts=NARRATIVE_SORTS)


def _months(growth: dict[str, int]) -> DatedCounts:
    """A list item's articles per month (``growth``, "undated" included) as the chart counts them."""
    counts = DatedCounts()
    for month, n in growth.items():
        counts.add(None if month == "undated" else month, n)
    return counts


@router.get("/narratives/{narrative_id}", response_class=HTMLResponse)
def narrative_page(request: Request, narrative_id: str) -> HTMLResponse:
    """One narrative with every story and article, and its articles per day, week or month."""
    svc = _svc(request)
    found = svc.narrative(narrative_id)
    chart = volume_of(svc.nt, lock=svc.lock, narrative_id=narrative_id) if found is not None else None
    return render(request, "narrative.html", n=found, chart=chart)


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request) -> HTMLResponse:
    return render(request, "claims.html", claims=_svc(request).claims_with_matches())


def template_globals() -> dict[str, Any]:
    def pretty(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, indent=1, default=str)

    def num(value: Any, digits: int = 3) -> str:
        return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "–"

    return {"dir_of": direction, "pretty": pretty, "num": num, "article_url": article_url, "story_url": story_url,
            "pair_url": pair_url, "list_url": list_url, "narrative_url": narrative_url}


def list_url(path: str, params: dict[str, Any], **changes: Any) -> str:
    """A list page's URL with its filters ``params`` changed by ``changes`` (empty values dropped, and the
    page number, which a new filter sends back to 1): facet links keep the other filters."""
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "") and k != "page"}
    return path + ("?" + urlencode(merged) if merged else "")


def article_url(article_id: str) -> str:
    """The page of an article: the id percent-encoded whole ("/", "?", "#" and "%" included), so a
    URL-shaped id such as ``https://news.example/2021/05/story-1`` opens its own page."""
    return "/articles/" + quote(str(article_id), safe="")


def story_url(story_id: str) -> str:
    return "/stories/" + quote(str(story_id), safe="")


def narrative_url(narrative_id: str) -> str:
    return "/narratives/" + quote(str(narrative_id), safe="")


def pair_url(a_id: str, b_id: str) -> str:
    """``/pair/A/B``; ``/pair?a=A&b=B`` when an id holds "/" (the path form could not tell where A ends)."""
    if "/" in str(a_id) or "/" in str(b_id):
        return "/pair?" + urlencode({"a": a_id, "b": b_id})
    return f"/pair/{quote(str(a_id), safe='')}/{quote(str(b_id), safe='')}"
