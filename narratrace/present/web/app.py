"""The ASGI app: ``create_app(db=...)`` returns a FastAPI app over one ``Narratrace`` project.

    uvicorn "narratrace.present.web.app:create_app" --factory     # uses $NARRATRACE_DB
    narratrace serve --db news.db                                  # the usual way

JSON under ``/api`` (schema at ``/api/openapi.json``; FastAPI's Swagger page is off because
it loads its script from a CDN), HTML pages at ``/``, ``/stories/ID``, ``/articles/ID``,
``/pair/A/B``, ``/search``, ``/narratives`` and ``/claims``, files from the package's
``static/`` folder at ``/static``. See docs/web.md.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException as FastAPIHTTPException
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from ...errors import NarratraceError
from ...settings import Settings
from . import api_routes, entity_routes, export_routes, outlet_routes, pages, story_redirects, write_routes
from .security import SecurityHeaders, TokenGate
from .service import WebService
from .write_guard import WriteGuard

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.globals.update(pages.template_globals())
    env.globals.update(outlet_routes.template_globals())
    env.globals.update(entity_routes.template_globals())
    env.globals.update(write_routes.template_globals())
    return env


def _error(request: Request, status: int, message: str, hint: str | None = None, code: str | None = None,
           headers: dict[str, str] | None = None) -> Any:
    if status == 503:
        headers = {"retry-after": "2", **(headers or {})}
    if request.url.path.startswith("/api/") or request.url.path == "/api":
        return JSONResponse({"error": code or str(status), "message": message, "hint": hint}, status_code=status,
                            headers=headers)
    env = request.app.state.templates
    html = env.get_template("error.html").render(request=request, status=status, message=message, hint=hint,
                                                 features=request.app.state.service.features())
    return HTMLResponse(html, status_code=status, headers=headers)


def create_app(db: str | Path | None = None, *, project: Any = None, token: str | None = None,
               allowed_hosts: list[str] | None = None, write_token: str | None = None) -> Any:
    """The web app over ``project`` (a ``Narratrace``) or over a new one opened on ``db``.

    ``token``: when set, every request must carry it (see ``security.TokenGate``).
    ``write_token``: what every write must carry, also on loopback (``write_guard.WriteGuard``); default
    ``token``, else a random one (``fastapi_app(app).state.write_token``; ``narratrace serve`` prints it).
    ``allowed_hosts``: Host header values accepted (default: loopback names when there is no
    token, which stops DNS-rebinding pages from reading the API; anything when there is one).
    """
    if project is None:
        from ...api import Narratrace
        project = Narratrace(db=db)
    app = FastAPI(title="narratrace", version="0.1.0", openapi_url="/api/openapi.json",
                  docs_url=None, redoc_url=None,
                  description="Stories, provenance links, alignments, search and narratives of a narratrace "
                              "project. Writes (ingest, fact-check import, annotations, hand merges and "
                              "splits, link and match reviews) need the write token, also on 127.0.0.1: "
                              "`Authorization: Bearer TOKEN` (docs/web.md).")
    app.state.service = WebService(project)
    app.state.templates = _templates()
    app.include_router(api_routes.router)
    app.include_router(write_routes.router)
    app.include_router(export_routes.router)
    app.include_router(pages.router)
    app.include_router(outlet_routes.router)
    app.include_router(entity_routes.router)
    app.mount("/static", StaticFiles(directory=str(STATIC), follow_symlink=False), name="static")
    story_redirects.install(app)  # a retired story id answers 308 with its current id

    @app.exception_handler(NarratraceError)
    async def narratrace_error(request: Request, exc: NarratraceError) -> Any:
        return _error(request, exc.status, exc.message, exc.hint, exc.code)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: Exception) -> Any:
        # Starlette types a handler as taking any Exception; this one is registered for HTTPException only
        status, detail = (exc.status_code, exc.detail) if isinstance(exc, HTTPException) else (500, str(exc))
        return _error(request, status, str(detail))

    app.add_exception_handler(FastAPIHTTPException, http_error)

    hosts = allowed_hosts if allowed_hosts is not None else (["*"] if token else LOOPBACK_HOSTS)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.state.write_token = write_token or token or secrets.token_urlsafe(24)
    web = project.settings.web if hasattr(project, "settings") else Settings().web
    inner: Any = WriteGuard(app, app.state.write_token, web.max_body_bytes, web.max_upload_bytes,
                            upload_paths=write_routes.UPLOAD_PATHS, token_param=not token)
    if token:
        inner = TokenGate(inner, token)
    outer = SecurityHeaders(inner)
    outer.fastapi = app  # type: ignore[attr-defined]  # for tests and the CLI
    return outer


def fastapi_app(asgi: Any) -> FastAPI:
    """The FastAPI object inside what ``create_app`` returns."""
    return getattr(asgi, "fastapi", asgi)
