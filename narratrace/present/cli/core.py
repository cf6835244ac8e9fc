"""Core commands: ingest, show, demo (``stories``: story_cmds.py)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ...model import Story
from ...paths import DATA_DIR
from .common import (
    ConfigOption,
    DbOption,
    JsonOption,
    console,
    open_project,
    print_json,
    progress_bar,
    terminal_safe,
)

stdout = Console(width=160, highlight=False)
#: skipped files named one per line; --json lists them all
SKIPPED_SHOWN = 20


def story_json(story: Story) -> dict[str, object]:
    """The stable ``stories --json`` record."""
    return {"id": story.id, "title": story.title, "languages": story.languages,
            "article_ids": story.article_ids, "first_seen": story.first_seen,
            "last_seen": story.last_seen}


def print_stories(stories: list[Story], as_json: bool, title: str | None = None) -> None:
    if as_json:
        print_json([story_json(s) for s in stories])
        return
    table = Table(title=title or f"{len(stories)} stories", show_lines=False)
    for col in ("story", "articles", "languages", "outlets", "first seen", "last seen", "title"):
        table.add_column(col, overflow="fold")
    for s in stories:
        cells = [s.id, "\n".join(terminal_safe(a) for a in s.article_ids), ", ".join(s.languages),
                 ", ".join(s.outlets), s.first_seen or "", s.last_seen or "", (s.title or "")[:90]]
        table.add_row(*(escape(c) if k == 1 else escape(terminal_safe(c)) for k, c in enumerate(cells)))
    stdout.print(table)


def _echo(line: str) -> None:
    """One output line of ``show``: ids and text from the input may hold control characters."""
    typer.echo(terminal_safe(line))


def ingest_cli(
    # readable=False: a file that cannot be read is reported by the reader (exit 2, the rest stored), not
    # refused by click before anything is read
    paths: list[Path] = typer.Argument(..., help="Files or folders (.txt .html .jsonl .json .csv), read recursively.",
                                       readable=False),
    db: str | None = DbOption,
    config: str | None = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Read articles, group them into stories and store them. Exit code 2 if any file or record failed,
    7 if the disk filled up (what was committed before is kept and summarised)."""
    with open_project(db, config, create=True) as nt:
        with progress_bar("ingesting") as progress:
            report = nt.ingest(paths, progress=progress)
        for skipped in report.skipped_files[:SKIPPED_SHOWN]:
            console.print(f"[dim]skipped[/dim] {escape(terminal_safe(skipped))} (hidden, or of a type no reader "
                          "takes)", highlight=False, markup=True, soft_wrap=True)
        if len(report.skipped_files) > SKIPPED_SHOWN:
            console.print(f"[dim]skipped[/dim] … and {len(report.skipped_files) - SKIPPED_SHOWN} more (--json lists "
                          "them all)", highlight=False, markup=True)
        for warning in report.warnings:
            console.print(f"[yellow]warning[/yellow] {escape(terminal_safe(str(warning)))}", highlight=False,
                          markup=True, soft_wrap=True)
        for err in report.errors:
            # messages carry file names, ids and "[ingest]": escaped, or rich would eat or choke on them;
            # control characters from file names are shown, not obeyed by the terminal
            console.print(f"[red]error[/red] {escape(terminal_safe(str(err)))}", highlight=False, markup=True,
                          soft_wrap=True)
        summary = report.summary()
        if report.stopped is not None:
            summary["stopped"] = report.stopped.message
        if as_json:
            print_json({**summary, "skipped_file_names": report.skipped_files,
                        "error_messages": [str(e) for e in report.errors],
                        "warning_messages": [str(w) for w in report.warnings], "db": nt.store.path})
        else:
            console.print(terminal_safe(" · ".join(f"{k}: {v}" for k, v in summary.items())
                                        + f"  (db: {nt.store.path})"), highlight=False, markup=False)
    if report.stopped is not None:
        raise typer.Exit(report.stopped.exit_code)
    if not report.ok:
        raise typer.Exit(2)


def show_cli(item_id: str = typer.Argument(..., help="A story id (S…) or an article id."),
             db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Show one story (its articles and links) or one article (its passages)."""
    from ...errors import NotFound

    with open_project(db, config) as nt:
        try:
            story = nt.story(item_id)
        except NotFound:
            story = None
        if story is not None:
            if story.id != item_id:  # a retired id (the story was renamed or merged): say where it went
                typer.echo(terminal_safe(f"{item_id} is a retired story id: the story is now {story.id}"), err=True)
            links = nt.links(story_id=story.id)
            if as_json:
                print_json({**story_json(story), "outlets": story.outlets,
                            "links": [lk.to_dict() for lk in links]})
                return
            _echo(f"story {story.id}: {story.title or ''}")
            _echo(f"languages: {', '.join(story.languages)}   seen: {story.first_seen or '?'} … "
                  f"{story.last_seen or '?'}")
            for art in nt.articles(story.article_ids):
                _echo(f"  {art.id}  [{art.lang or '?'}]  {art.outlet or '?'}  {art.published or '?'}  "
                      f"{(art.title or '')[:80]}")
            for lk in links:
                target = lk.target["name"] if isinstance(lk.target, dict) else lk.target
                _echo(f"  link {lk.source} -{lk.kind}-> {target}  score {lk.score:.2f}")
            return
        art = nt.article(item_id)
        if as_json:
            print_json(art.to_dict())
            return
        _echo(f"article {art.id}  [{art.lang or '?'}]  outlet: {art.outlet or '?'}  "
              f"published: {art.published or '?'}  story: {art.story_id}")
        if art.title:
            _echo(f"title: {art.title}")
        for p in art.passages:
            mark = "" if p.matchable else f"  ({p.kind}{': ' + p.reason if p.reason else ''})"
            _echo(f"  [{p.index}] [{p.lang or '?'}] {p.text[:100]}{mark}")


def demo_cli(db: str | None = typer.Option(None, "--db", help="Keep the demo database here "
                                                                  "(default: a temporary folder)."),
             as_json: bool = JsonOption) -> None:
    """Ingest the bundled sample corpus (five articles in three languages) and print its stories."""
    from ...api import Narratrace

    corpus = DATA_DIR / "samples"
    tmp = None
    if db is None:
        tmp = tempfile.mkdtemp(prefix="narratrace-demo-")
        db = str(Path(tmp) / "demo.db")
    try:
        with Narratrace(db=db) as nt:
            with progress_bar("demo") as progress:
                report = nt.ingest([corpus], progress=progress)
            if not as_json:
                console.print(f"sample corpus: {report.files} articles from {corpus}", highlight=False)
            print_stories(nt.stories(), as_json)
        if not as_json:
            if tmp:
                console.print("the database was temporary; keep one with `narratrace demo --db demo.db`",
                              highlight=False)
            else:
                console.print(f"kept in {db}; browse it with `narratrace serve --db {db}` "
                              "(web app on http://127.0.0.1:8000)", highlight=False, markup=False)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cli)
    app.command("show")(show_cli)
    app.command("demo")(demo_cli)
