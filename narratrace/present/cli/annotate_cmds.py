"""Annotation commands: tag, note, annotations [--delete N], stories merge|split, links confirm|reject.

Thin over ``Narratrace.annotations`` (pipeline/annotate.py). ``stories`` and ``links`` stay the listing
commands they were when called alone; this module makes them groups so that ``narratrace stories merge A B``
reads like ``narratrace matches confirm`` (``_as_group``).
"""
from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any

import typer

from .common import ConfigOption, DbOption, JsonOption, open_project, print_json, terminal_safe

OnOption = typer.Option(None, "--on", help="What ID names: story, article or entity (default: a story id, "
                                           "else an article id).")
NoteOption = typer.Option(None, "--note", help="Why (kept with the change).")


def _echo(text: str) -> None:
    sys.stdout.write(terminal_safe(text) + "\n")


def _show(items: list[dict[str, Any]]) -> None:
    for a in items:
        value = a["value"] if a["kind"] == "tag" else a["value"].replace("\n", " / ")
        _echo(f"#{a['id']}  {a['target_kind']} {a['target_id']}  {a['kind']}: {value}  ({a['created_at']})")


def tag_cli(item_id: str = typer.Argument(..., help="A story id, article id or entity id."),
            tag: str = typer.Argument(..., help="The tag (one line, up to 100 characters)."),
            on: str | None = OnOption,
            remove: bool = typer.Option(False, "--remove", help="Remove the tag instead."),
            db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Tag a story, an article or an entity (a tag it has already is not added twice)."""
    with open_project(db, config) as nt:
        if remove:
            n = nt.annotations.untag(on, item_id, tag)
            print_json({"removed": n}) if as_json else _echo(f"removed {n} tag(s)")
            return
        found = nt.annotations.tag(on, item_id, tag)
        print_json(found) if as_json else _show([found])


def note_cli(item_id: str = typer.Argument(..., help="A story id, article id or entity id."),
             text: str = typer.Argument(..., help="The note (line breaks kept, up to 10,000 characters)."),
             on: str | None = OnOption,
             db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Add a note to a story, an article or an entity."""
    with open_project(db, config) as nt:
        found = nt.annotations.note(on, item_id, text)
        print_json(found) if as_json else _show([found])


def annotations_cli(item_id: str | None = typer.Argument(None, help="Only this story, article or entity."),
                    on: str | None = OnOption,
                    delete: int | None = typer.Option(None, "--delete", help="Delete the tag or note #N instead."),
                    db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption
                    ) -> None:
    """List tags and notes (of one target, or of every story, article and entity) and hand merges and
    splits; or delete one with --delete N."""
    with open_project(db, config) as nt:
        ann = nt.annotations
        if delete is not None:
            gone = ann.delete(delete)
            print_json(gone) if as_json else _echo(f"deleted #{gone['id']} ({gone['kind']}: {gone['value'][:60]})")
            return
        if item_id is not None:
            items = ann.of(on, item_id)
            kind, target = ann.target(on, item_id)
            edits = ann.edits(target) if kind == "story" else []
        else:
            items = [a for kind in ("story", "article", "entity") for found in ann.all(kind).values() for a in found]
            edits = ann.edits()
        if as_json:
            print_json({"annotations": items, "edits": edits})
            return
        _show(items)
        for e in edits:
            _echo(f"{e['action']} -> {e['story_id']}  stories {', '.join(e['stories'])}"
                  + (f"  articles {', '.join(e['articles'])}" if e["articles"] else "")
                  + (f"  ({e['note']})" if e["note"] else ""))


def merge_cli(story: str = typer.Argument(..., help="A story id."),
              other: str = typer.Argument(..., help="The story to merge into it."),
              note: str | None = NoteOption,
              db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Merge two stories by hand: named after the earlier founder (the other id redirects); later ingests
    never split it again."""
    with open_project(db, config) as nt:
        merged = nt.annotations.merge_stories(story, other, note=note)
        if as_json:
            print_json(merged.to_dict())
            return
        _echo(f"story {merged.id}: {len(merged.article_ids)} articles ({', '.join(merged.article_ids)})")


def split_cli(story: str = typer.Argument(..., help="A story id."),
              articles: list[str] = typer.Argument(..., help="The articles to move into a story of their own."),
              note: str | None = NoteOption,
              db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Split articles out of a story by hand; later ingests never merge the two parts again (new articles
    may join either)."""
    with open_project(db, config) as nt:
        rest, part = nt.annotations.split_story(story, articles, note=note)
        if as_json:
            print_json({"rest": rest.to_dict(), "split": part.to_dict()})
            return
        _echo(f"story {rest.id}: {', '.join(rest.article_ids)}")
        _echo(f"story {part.id}: {', '.join(part.article_ids)}")


def _review(verdict: str) -> Callable[..., None]:
    def review_cli(source: str = typer.Argument(..., help="The link's source article."),
                   target: str = typer.Argument(..., help="Its target: an article id, or a cited source's id "
                                                          "(sputnik) for a cites link."),
                   kind: str = typer.Argument(..., help="translates, partial_translation, rewrites, copy, "
                                                        "same_story, cites ..."),
                   note: str | None = NoteOption,
                   db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption
                   ) -> None:
        with open_project(db, config) as nt:
            found = nt.annotations.review_link(source, target, kind, verdict, note=note)
            print_json(found) if as_json else _echo(f"{verdict}: {source} -{kind}-> {target}")

    review_cli.__doc__ = {"confirmed": "Confirm a provenance link (kept when the story is traced again).",
                          "rejected": "Reject a provenance link: shown as rejected, kept when traced again."}[verdict]
    return review_cli


def _as_group(app: typer.Typer, name: str) -> typer.Typer:
    """Make the command ``name`` (registered by another module) a group whose bare call still runs it with
    the same options, so subcommands can be added without changing how the listing is called."""
    info = next(c for c in app.registered_commands if c.name == name)
    app.registered_commands.remove(info)
    listing = info.callback
    assert listing is not None
    sig = inspect.signature(listing, eval_str=True)

    def callback(ctx: typer.Context, **options: Any) -> None:
        if ctx.invoked_subcommand is None:
            listing(**options)

    ctx_param = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
    callback.__signature__ = sig.replace(parameters=[ctx_param, *sig.parameters.values()])  # type: ignore[attr-defined]
    callback.__annotations__ = {"ctx": typer.Context, **{p.name: p.annotation for p in sig.parameters.values()},
                                "return": None}
    callback.__doc__ = listing.__doc__
    group = typer.Typer(help=info.help or listing.__doc__)
    group.callback(invoke_without_command=True)(callback)
    app.add_typer(group, name=name)
    return group


def register(app: typer.Typer) -> None:
    """After ``core`` and ``provenance``: ``stories`` and ``links`` get their subcommands here."""
    app.command("tag")(tag_cli)
    app.command("note")(note_cli)
    app.command("annotations")(annotations_cli)
    stories = _as_group(app, "stories")
    stories.command("merge")(merge_cli)
    stories.command("split")(split_cli)
    links = _as_group(app, "links")
    links.command("confirm")(_review("confirmed"))
    links.command("reject")(_review("rejected"))
