"""Entity commands: ``entities`` (list, ``rebuild``), ``entity NAME`` (in any script or spelling)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from .common import ConfigOption, DbOption, JsonOption, open_project, print_json, progress_bar, terminal_safe

LimitOption = typer.Option(50, "--limit", min=1, max=10000, help="Rows per page.")
OffsetOption = typer.Option(0, "--offset", min=0, help="Rows to skip (the next page: --offset LIMIT).")

entities_app = typer.Typer(help="Entities (people, places, organisations, outlets, sources) in any script.",
                           invoke_without_command=True)


@entities_app.callback()
def entities_cli(ctx: typer.Context,
                 kind: str | None = typer.Option(None, "--kind", help="Only this kind: person, place, organisation, "
                                                                     "outlet, source or other."),
                 limit: int = LimitOption, offset: int = OffsetOption,
                 db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """List the entities the stored articles mention, most mentioned first (`entities rebuild` fills a store
    made before the entity layer)."""
    if ctx.invoked_subcommand is not None:
        return
    with open_project(db, config) as nt:
        found = nt.entities.list(kind=kind, limit=limit, offset=offset)
    if as_json:
        print_json(found)
        return
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(found["kinds"].items()))
    shown = f"{offset + 1}-{offset + len(found['items'])}" if found["items"] else "none"
    sys.stdout.write(f"{found['total']} entities ({kinds}); showing {shown}\n")
    for e in found["items"]:
        cited = f", cited by {e['cited']}" if e["cited"] else ""
        sys.stdout.write(terminal_safe(f"{e['articles']:>6} articles{cited}  {e['kind']:<12} {e['name']}  "
                                       f"[{e['id']}]") + "\n")


@entities_app.command("rebuild")
def entities_rebuild_cli(db: str | None = DbOption, config: str | None = ConfigOption,
                         as_json: bool = JsonOption) -> None:
    """Find every stored article's entities again (after upgrading, or after changing [entities] settings)."""
    with open_project(db, config) as nt, progress_bar("entities", enabled=not as_json) as progress:
        counts = nt.entities.rebuild(progress)
    if as_json:
        print_json(counts)
        return
    sys.stdout.write(f"{counts['articles']} articles: {counts['entities']} entities, {counts['mentions']} mentions, "
                     f"{counts['candidates']} candidate names waiting to recur\n")


def entity_cli(name: str = typer.Argument(..., help="A name in any script or spelling (الحسكة, الحسکه and "
                                                     "al-Hasakah are one place), or an entity id."),
               cited: bool = typer.Option(False, "--cited", help="Only the articles citing it as a source, each "
                                                                 "with the cue and its sentence."),
               lang: str | None = typer.Option(None, "--lang", help="Only articles in this language."),
               outlet: str | None = typer.Option(None, "--outlet", help="Only articles of this outlet."),
               month: str | None = typer.Option(None, "--month", help="Only articles of this month (YYYY-MM)."),
               limit: int = LimitOption, offset: int = OffsetOption,
               db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Show one entity: its spellings in every script, and the articles mentioning (or citing) it."""
    with open_project(db, config) as nt:
        ent = nt.entities.get(name, facets=False)
        query = nt.entities.cited_by if cited else nt.entities.articles
        page = query(ent["id"], limit=limit, offset=offset, lang=lang, outlet=outlet, month=month)
    if as_json:
        print_json({**ent, "articles": page.to_dict(), "article_ids": [i["article_id"] for i in page.items]})
        return
    out = sys.stdout
    out.write(terminal_safe(f"{ent['name']}  [{ent['id']}]  {ent['kind']}, from {ent['origin']}") + "\n")
    seen = [n["form"] for n in ent["names"] if n["seen"]]
    out.write(terminal_safe(f"written: {' · '.join(seen) or '-'}") + "\n")
    for facet in ("lang", "outlet", "month"):
        counts = page.facets.get(facet, {})
        out.write(terminal_safe(f"{facet}: " + ", ".join(f"{k or 'undated'} {n}" for k, n in counts.items())) + "\n")
    what = "citing" if cited else "mentioning"
    out.write(f"{page.total} articles {what} it; showing {offset + 1}-{offset + len(page.items)}\n"
              if page.items else f"{page.total} articles {what} it\n")
    for it in page.items:
        out.write(terminal_safe(f"{it['published'] or 'undated':<11} {it['article_id']}  [{it['lang'] or '?'}]  "
                                f"{it['outlet'] or 'unknown outlet'}  {(it['title'] or '')[:70]}") + "\n")
        for span in it["spans"][:3]:
            if span["role"] == "cited":
                out.write(terminal_safe(f"    · cue «{span['cue']}»: {(span['context'] or '')[:140]}") + "\n")
            else:
                out.write(terminal_safe(f"    · «{span['surface']}» (passage {span['passage']})") + "\n")


def target_matcher(nt: Any, name: str) -> Callable[[Any], bool]:
    """For ``links --target``: is a link's target the entity or source ``name`` (any spelling, any script),
    or the article of that id?"""
    ids = {e.id for e in nt.entities.find(name)} | {name}
    folded = name.casefold()

    def matches(lk: Any) -> bool:
        if isinstance(lk.target, dict):
            return lk.target.get("id") in ids or str(lk.target.get("name", "")).casefold() == folded
        return str(lk.target) in ids
    return matches


def register(app: typer.Typer) -> None:
    app.add_typer(entities_app, name="entities")
    app.command("entity")(entity_cli)
