"""Shared CLI plumbing: opening a project, printing JSON, progress bars."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)

DbOption = typer.Option(None, "--db", help="Database file, or postgresql://user@host/dbname[?schema=NAME] "
                        "(default: $NARRATRACE_DB or ./narratrace.db).",
                        envvar="NARRATRACE_DB", show_envvar=False)
ConfigOption = typer.Option(None, "--config", help="TOML file overriding settings (see narratrace/defaults.toml).",
                            envvar="NARRATRACE_CONFIG", show_envvar=False)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON (a stable contract).")


def open_project(db: str | None, config: str | None, create: bool = False) -> Any:
    """The project at ``db``. Commands that only read refuse to create an empty database by mistake."""
    from pathlib import Path

    from ...api import Narratrace
    from ...errors import NotFound
    from ...settings import Settings
    from ...store import is_postgres_url, mask_url

    settings = Settings.load(config)
    path = settings.db_path(db)
    if is_postgres_url(path):
        from ...store.postgres import store_exists

        missing = not create and not store_exists(path)  # the server is there; is the store?
    else:
        missing = not create and path != ":memory:" and not Path(path).exists()
    if missing:
        raise NotFound(f"no narratrace database at {mask_url(path) if is_postgres_url(path) else path}",
                       hint="ingest articles first (`narratrace ingest PATH`), or give --db / NARRATRACE_DB")
    return Narratrace(db=path, settings=settings)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def progress_bar(description: str, enabled: bool = True) -> Iterator[Any]:
    """A rich progress bar on stderr; yields a callback (what, done, total)."""
    if not enabled or not console.is_terminal:
        yield None
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as prog:
        task = prog.add_task(description, total=None)

        def update(_what: str, done: int, total: int) -> None:
            prog.update(task, completed=done, total=total or None)

        yield update
