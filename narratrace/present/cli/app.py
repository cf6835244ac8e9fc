"""The ``narratrace`` command: a thin typer layer over ``narratrace.api``.

Each command lives in its own module with a ``register(app)`` function; this
file only builds the app and maps library errors to exit codes.
"""
from __future__ import annotations

import sqlite3
import sys

import typer

from ...errors import NarratraceError, StoreError
from ...store.sqlite import DAMAGED_HINT
from . import (
    annotate_cmds,
    batch_cmds,
    collect_cmds,
    core,
    doctor,
    entity_cmds,
    export_cmds,
    narrative_cmds,
    provenance,
    serve,
    story_cmds,
    trace_cmds,
)
from .common import terminal_safe

app = typer.Typer(
    name="narratrace",
    help="Trace news stories and narratives across languages and outlets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (core, story_cmds, trace_cmds, provenance, export_cmds, narrative_cmds, serve, collect_cmds,
               batch_cmds, doctor):
    module.register(app)
annotate_cmds.register(app)  # after core and provenance: stories and links get subcommands
entity_cmds.register(app)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except NarratraceError as exc:
        typer.secho(terminal_safe(str(exc)), fg="red", err=True)
        sys.exit(exc.exit_code)
    except sqlite3.DatabaseError as exc:  # read outside a transaction: a damaged file is an E300, not a traceback
        err = StoreError(f"the database cannot be read: {exc}", hint=DAMAGED_HINT)
        typer.secho(str(err), fg="red", err=True)
        sys.exit(err.exit_code)


if __name__ == "__main__":
    main()
