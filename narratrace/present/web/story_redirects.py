"""Retired story ids redirect: a saved link to ``/stories/OLD`` (a page, the API, a graph or an export)
answers ``308`` with the same address under the story's current id.

Why: a story is named after its earliest member (group/stories.py), so it is renamed when an earlier
report arrives or when re-examination merges it into another; the store keeps each retired id as an
alias (store/story_ids.py). Reads already resolve an alias, but a page served under the old address
would be bookmarked and shared again under it; a redirect puts the current id in the address bar and in
API clients' hands. Only reads (GET, HEAD) are redirected: a write names the story it means.
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, unquote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

#: ``/stories/ID`` and ``/api/stories/ID``, with anything after the id (``/graph``, ``/links``, ``/export``)
STORY_PATH = re.compile(r"^(?P<prefix>/(?:api/)?stories/)(?P<id>[^/]+)(?P<rest>/.*)?$")
#: path parts under /stories/ that are routes, not story ids
NOT_IDS = frozenset({"merge", "split"})


def current_url(request: Request, current_id: str) -> str:
    """The request's address with the story id replaced (query string kept)."""
    m = STORY_PATH.match(request.url.path)
    assert m is not None
    url = m["prefix"] + quote(current_id, safe="") + (m["rest"] or "")
    return url + (f"?{request.url.query}" if request.url.query else "")


def current_story_id(service: Any, story_id: str) -> str:
    """The current id of ``story_id`` (itself unless it is a retired one), read under the service's lock."""
    with service.lock:
        return str(service.nt.store.resolve_story_id(story_id))


def install(app: FastAPI) -> None:
    """Add the redirect to ``app`` (whose ``state.service`` is the ``WebService``)."""

    @app.middleware("http")
    async def retired_story_ids(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Any:
        m = STORY_PATH.match(request.url.path) if request.method in ("GET", "HEAD") else None
        if m is not None and unquote(m["id"]) not in NOT_IDS:
            asked = unquote(m["id"])
            current = await run_in_threadpool(current_story_id, request.app.state.service, asked)
            if current != asked:
                return RedirectResponse(current_url(request, current), status_code=308)
        return await call_next(request)
