"""Shared CLI plumbing: opening a project, printing JSON, progress bars."""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ...errors import NotFound
from ...trace.export_formats import finite

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
    """Strict JSON on stdout (a stable contract): NaN and infinities, which JSON has not, become null."""
    sys.stdout.write(json.dumps(finite(obj), ensure_ascii=False, indent=2, default=str, allow_nan=False) + "\n")


def story_id_of(nt: Any, item_id: str) -> str:
    """A story id (a retired one gives the story it became), or the story of an article id."""
    try:
        return nt.story(item_id).id
    except NotFound:
        art = nt.article(item_id)
        if not art.story_id:
            raise NotFound(f"article {item_id!r} has no story yet") from None
        return art.story_id


#: control characters a terminal would obey (ESC starts colour, title and clear-screen sequences, C1 0x9b is
#: CSI, a line break forges an output line): shown as escapes instead
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """``text`` with control characters (from file names, ids, stored text) shown as ``\\x1b``, ``\\n``."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


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
