"""``narratrace export``: one story, the whole corpus or a filtered part of it, as JSON, JSON lines, flat CSV
or dynamic GEXF (``trace.exports``), streamed from the store to a file or stdout."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ... import registry
from ...errors import InputError
from .common import ConfigOption, DbOption, open_project, progress_bar, story_id_of


def export_cli(
    item_id: str | None = typer.Argument(None, help="A story id, or an article id (its story). Leave out with "
                                         "--all or filters."),
    all_: bool = typer.Option(False, "--all", help="The whole corpus (or what the filters keep)."),
    story: list[str] = typer.Option([], "--story", help="Only this story (repeatable)."),
    article: list[str] = typer.Option([], "--article", help="Only this article (repeatable)."),
    lang: list[str] = typer.Option([], "--lang", help="Only articles in this language (repeatable)."),
    outlet: str | None = typer.Option(None, "--outlet", help="Only outlets containing this text."),
    since: str | None = typer.Option(None, "--since", help="Published on or after (YYYY[-MM[-DD]])."),
    until: str | None = typer.Option(None, "--until", help="Published on or before (YYYY[-MM[-DD]])."),
    kind: list[str] = typer.Option([], "--kind", help="Only links of this kind: translates, rewrites, copy, "
                                   "same_story, cites, published_by... (repeatable)."),
    narrative: list[str] = typer.Option([], "--narrative", help="Only articles of this narrative (repeatable)."),
    source: list[str] = typer.Option([], "--source", help="Only articles citing this source, by registry id or "
                                     "name (repeatable)."),
    entity: list[str] = typer.Option([], "--entity", help="Only articles mentioning this entity, its name in any "
                                     "script or its id (repeatable)."),
    what: str = typer.Option("graph", "--what", help="graph (articles, outlets, sources and their links) or "
                             "claims (check-worthy claims with their fact-check matches)."),
    fmt: str = typer.Option("json", "--format", "-f", help="json (node-link), jsonl, csv (one row per pair, flat "
                            "evidence), gexf (Gephi, with time), or a plugin exporter's (one story)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="A progress bar on a terminal."),
    db: str | None = DbOption, config: str | None = ConfigOption,
) -> None:
    """Export a story, the whole corpus (--all) or what filters keep, for Gephi, networkx or pandas
    (docs/exports.md). Read from the store in batches: a million articles never sit in memory."""
    from ...trace.exports import FORMATS

    filters: dict[str, Any] = {"story": story, "article": article, "lang": lang, "outlet": outlet, "since": since,
                               "until": until, "narrative": narrative, "source": source, "entity": entity}
    filtered = any(filters.values())
    if item_id is None and not all_ and not filtered:
        raise typer.BadParameter("give a story (or article) id, --all, or a filter such as --lang or --story")
    if item_id is not None and all_:
        raise typer.BadParameter("give a story id or --all, not both")
    builtin = fmt in FORMATS.get(what, ())
    if not builtin and (what != "graph" or fmt not in registry.exporters.names()):
        choices = sorted(set(FORMATS.get(what, ())) | (set(registry.exporters.names()) if what == "graph" else set()))
        raise typer.BadParameter(f"--format must be one of {', '.join(choices)}")
    with open_project(db, config) as nt:
        if item_id is not None:
            filters["story"] = [*story, story_id_of(nt, item_id)]
        if not builtin:  # a plugin exporter writes one story's graph
            if item_id is None or filtered:
                raise InputError("--format", f"the {fmt!r} exporter writes one story's graph",
                                 hint="give one story id and no filter, or a built-in format")
            text = registry.exporters.get(fmt)(nt.graph(filters["story"][-1]))
            _write_text(text, output)
            return
        target: Any = output if output is not None else "-"
        with progress_bar("exporting", enabled=progress) as bar:
            nt.export(fmt, target, what=what, kind=kind, progress=bar, **filters)


def _write_text(text: str, output: Path | None) -> None:
    import sys

    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def register(app: typer.Typer) -> None:
    app.command("export")(export_cli)
