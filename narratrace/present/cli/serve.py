"""``narratrace serve``: the web app and JSON API over a project (see docs/web.md)."""
from __future__ import annotations

import copy
import secrets
from typing import Any

import typer

from .common import ConfigOption, DbOption, console, open_project

#: shorter tokens are accepted with a warning
MIN_TOKEN_CHARS = 16


def serve_cli(
    db: str | None = DbOption,
    config: str | None = ConfigOption,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind. Any non-loopback address needs a token."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0: any free port)."),
    token: str | None = typer.Option(None, "--token", envvar="NARRATRACE_TOKEN", show_envvar=False,
                                        help="Access token (default on loopback: none; elsewhere: a new random one)."),
) -> None:
    """Serve the web app (stories, graph, side-by-side alignment, search) and the JSON API under /api."""
    import uvicorn

    from ..web.app import create_app
    from ..web.security import is_loopback

    if token is not None and not token.strip():  # NARRATRACE_TOKEN=" " must not open the server to "?token=%20"
        console.print("warning: the token given is blank: ignored", highlight=False, markup=False)
        token = None
    token = token.strip() if token else None
    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(24)
    elif token and len(token) < MIN_TOKEN_CHARS:
        console.print(f"warning: a token of {len(token)} characters is easy to guess; use {MIN_TOKEN_CHARS} or more "
                      "(or none: a random one is made)", highlight=False, markup=False)
    project = open_project(db, config)
    write_token = token or secrets.token_urlsafe(24)  # every write needs one, also on loopback
    app = create_app(project=project, token=token, write_token=write_token)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    console.print(f"narratrace web app on {url}  (db: {project.store.path})", highlight=False)
    if token:
        console.print(f"access token required; open {url}?token={token}", highlight=False, markup=False)
    else:
        console.print(f"pages and reads are open on this machine; writes (tags, notes, merges, reviews, ingest) "
                      f"need the write token: open {url}?token={write_token} once in the browser, or send "
                      "'Authorization: Bearer TOKEN'", highlight=False, markup=False)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", server_header=False, proxy_headers=False,
                    log_config=log_config())
    finally:
        project.close()


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with the access token taken out of every line (the access log prints queries)."""
    from uvicorn.config import LOGGING_CONFIG

    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg.setdefault("filters", {})["redact_token"] = {"()": "narratrace.present.web.security.TokenRedactor"}
    for handler in cfg["handlers"].values():
        handler.setdefault("filters", []).append("redact_token")
    return cfg


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cli)
