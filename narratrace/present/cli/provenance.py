"""Store-backed provenance commands: trace, links (export is in export_cmds.py)."""
from __future__ import annotations

import sys
from typing import Any

import typer

from .common import ConfigOption, DbOption, JsonOption, open_project, print_json, story_id_of
from .entity_cmds import target_matcher


def link_json(lk: Any) -> dict[str, Any]:
    """The stable ``links --json`` record."""
    return {"source": lk.source, "target": lk.target, "kind": lk.kind, "score": lk.score,
            "direction": lk.direction, "evidence": lk.evidence}


def trace_cli(item_id: str = typer.Argument(..., help="A story id, or an article id (its story is traced)."),
              db: str | None = DbOption, config: str | None = ConfigOption,
              as_json: bool = JsonOption) -> None:
    """Show how a story spread: who translated or rewrote whom, who is cited, in time order, with evidence."""
    with open_project(db, config) as nt:
        graph = nt.graph(story_id_of(nt, item_id))
        if as_json:
            print_json(graph.to_json())
            return
        arts = {n.id: n for n in graph.nodes.values() if n.kind == "article"}
        out = sys.stdout
        out.write(f"story {graph.story_id}: {len(arts)} articles\n")
        for row in graph.timeline:
            nid = f"article:{row['id']}"
            out.write(f"{row['published'] or 'undated':<11} {row['id']}  [{row['lang'] or '?'}]  "
                      f"{row['outlet'] or 'unknown outlet'}\n")
            for e in graph.edges:
                if e.source != nid or e.kind == "published_by":
                    continue
                target = graph.nodes.get(e.target)
                label = target.label if target is not None and target.kind == "source" else e.target.split(":", 1)[1]
                out.write(f"    └─ {e.kind} {label}  score {e.score:.2f}  ({e.direction})\n")
                for reason in e.evidence.get("reasons", [])[:3]:
                    out.write(f"         · {reason}\n")
                if e.kind == "cites":
                    cue = e.evidence.get("cue")
                    claim = (e.evidence.get("claim") or "")[:110]
                    out.write(f"         · cue «{cue}»: {claim}\n")
                elif e.evidence.get("aligned"):
                    n_al = len(e.evidence["aligned"])
                    out.write(f"         · {n_al} aligned passage pairs, coverage source "
                              f"{e.evidence.get('coverage_source') or 0:.2f} / target "
                              f"{e.evidence.get('coverage_target') or 0:.2f}\n")


def links_cli(story: str | None = typer.Option(None, "--story", help="Only the links of this story."),
              article: str | None = typer.Option(None, "--article", help="Only links of this article."),
              kind: str | None = typer.Option(None, "--kind", help="Only this kind (translates, cites, ...)."),
              target: str | None = typer.Option(None, "--target", help="Only links to this source or article: "
                                                "any spelling or script (Sputnik, سبوتنيك), or an id."),
              db: str | None = DbOption, config: str | None = ConfigOption,
              as_json: bool = JsonOption) -> None:
    """List links (translates, rewrites, same_story, cites) with scores and evidence."""
    with open_project(db, config) as nt:
        links = [lk for lk in nt.links(story_id=story, article_id=article) if not kind or lk.kind == kind]
        if target:
            to_target = target_matcher(nt, target)
            links = [lk for lk in links if to_target(lk)]
        if as_json:
            print_json([link_json(lk) for lk in links])
            return
        for lk in links:
            target = lk.target["name"] if isinstance(lk.target, dict) else lk.target
            sys.stdout.write(f"{lk.source} -{lk.kind}-> {target}  score {lk.score:.2f}  {lk.direction}\n")


def register(app: typer.Typer) -> None:
    app.command("trace")(trace_cli)
    app.command("links")(links_cli)
