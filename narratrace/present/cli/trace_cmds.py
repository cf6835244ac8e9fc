"""Provenance commands: trace, links, compare, export (filled in by the trace stage)."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the provenance commands to ``app``."""
