"""``narratrace stories``: the story list filtered, sorted and paged in SQL through ``Narratrace.pages``
(trace/pages.py), so listing a store of a million articles reads one page, not every story.

The table shows one page (``--limit``, 50 by default). ``--json`` keeps its stable contract, the list of
``{"id", "title", "languages", "article_ids", "first_seen", "last_seen"}`` records of every story passing
the filters (streamed a batch at a time); with ``--limit``, ``--offset`` or ``--page`` it prints that page
with its total instead: ``{"total", "limit", "offset", "facets", "stories": [records]}``.
"""
from __future__ import annotations

import json
import sys
from typing import Any

import typer

from ...store.story_pages import SORTS
from .common import ConfigOption, DbOption, JsonOption, open_project, print_json, terminal_safe
from .core import print_stories, story_json

#: stories a table page shows when --limit is not given
TABLE_LIMIT = 50
#: stories read per query when --json lists them all
JSON_BATCH = 500


def stories_cli(
    lang: str | None = typer.Option(None, "--lang", help="Only stories with an article in this language."),
    outlet: str | None = typer.Option(None, "--outlet", help="Only stories with an outlet containing this "
                                                             "(any case)."),
    since: str | None = typer.Option(None, "--since", help="Only stories with dates from this one on (ISO, "
                                                           "partial: 2021, 2021-02)."),
    until: str | None = typer.Option(None, "--until", help="Only stories with dates up to this one."),
    query: str | None = typer.Option(None, "--query", "-q", help="Text in the story id, its title or an "
                                                                 "outlet, or exactly an article id."),
    entity: str | None = typer.Option(None, "--entity", help="Only stories with an article mentioning this "
                                                             "entity (a name in any script, or an id)."),
    sort: str = typer.Option("size", "--sort", help="Order: size (most articles first), spread (most "
                                                    "languages, then outlets) or recent (latest article)."),
    limit: int | None = typer.Option(None, "--limit", min=1, max=1000,
                                     help=f"Stories per page (the table: {TABLE_LIMIT} unless given)."),
    offset: int | None = typer.Option(None, "--offset", min=0, help="Stories to skip."),
    page: int | None = typer.Option(None, "--page", min=1, help="The page to show (1 is the first)."),
    db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption,
) -> None:
    """List stories (articles about the same event, across languages and outlets), largest first, a page at
    a time. --json lists every story passing the filters, or with --limit/--offset/--page one page and its
    total."""
    if page is not None and offset is not None:
        raise typer.BadParameter("give --page or --offset, not both")
    if sort not in SORTS:
        raise typer.BadParameter(f"--sort must be one of {', '.join(SORTS)}, not {sort!r}")
    filters: dict[str, Any] = {"lang": lang, "outlet": outlet, "since": since, "until": until, "q": query,
                               "entity": entity}
    paged = not as_json or any(v is not None for v in (limit, offset, page))
    size = limit or TABLE_LIMIT
    start = offset if offset is not None else ((page or 1) - 1) * size
    with open_project(db, config) as nt:
        if not paged:
            _stream_json(story_json(s) for s in nt.pages.each_story(sort=sort, batch=JSON_BATCH, **filters))
            return
        found = nt.pages.stories(sort=sort, limit=size, offset=start, facets=as_json, **filters)
        stories = nt.pages.story_records(found)
    if as_json:
        listing = found.to_dict()
        print_json({"total": listing["total"], "limit": listing["limit"], "offset": listing["offset"],
                    "facets": listing["facets"], "stories": [story_json(s) for s in stories]})
        return
    if not stories:
        title = f"{found.total} stories" if found.total else "no stories"
    elif start == 0 and len(stories) == found.total:
        title = f"{found.total} stories"
    else:
        title = f"stories {start + 1}–{start + len(stories)} of {found.total}"
    print_stories(stories, as_json=False, title=title)
    if start + len(stories) < found.total:
        sys.stdout.write(terminal_safe(f"more: --page {start // size + 2} (or --offset {start + size})") + "\n")


def _stream_json(records: Any) -> None:
    """A JSON list written a record at a time (the same text ``print_json`` gives a list)."""
    out = sys.stdout
    first = True
    for rec in records:
        body = json.dumps(rec, ensure_ascii=False, indent=2, default=str, allow_nan=False)
        out.write(("[\n" if first else ",\n") + "\n".join("  " + line for line in body.splitlines()))
        first = False
    out.write("[]\n" if first else "\n]\n")


def register(app: typer.Typer) -> None:
    app.command("stories")(stories_cli)
