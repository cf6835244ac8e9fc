"""Narrative commands: narratives, claims, factchecks import/match, matches, search.

``narratrace narratives`` lists through ``Narratrace.pages`` (trace/pages.py) with the filters and paging of
``narratrace stories``: the table shows one page of summaries; ``--json`` streams every record, or one page
with its total and facets when a paging option is given."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ...errors import InputError
from ...store.narrative_pages import NARRATIVE_SORTS
from ...store.story_pages import Page
from .common import ConfigOption, DbOption, JsonOption, console, open_project, print_json, terminal_safe
from .story_cmds import _stream_json

stdout = Console(width=160, highlight=False)
#: narratives a table page shows when --limit is not given
TABLE_LIMIT = 50
#: narratives read per query when --json lists them all
JSON_BATCH = 100


def _line(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, default=str))


def narratives_cli(
    lang: str | None = typer.Option(None, "--lang", help="Only narratives with an article in this language "
                                                         "(labelled in it too, unless --label-lang)."),
    outlet: str | None = typer.Option(None, "--outlet", help="Only narratives with an article from an outlet "
                                                             "containing this (any case)."),
    since: str | None = typer.Option(None, "--since", help="Only narratives with dates from this one on (ISO, "
                                                           "partial: 2021, 2021-02)."),
    until: str | None = typer.Option(None, "--until", help="Only narratives with dates up to this one."),
    label_lang: str | None = typer.Option(None, "--label-lang", help="Label narratives with passages in this "
                                                                     "language where they have one (filters "
                                                                     "nothing; --lang filters)."),
    sort: str = typer.Option("size", "--sort", help="Order: size (most articles first) or recent (latest "
                                                    "article)."),
    min_articles: int | None = typer.Option(None, "--min-articles", min=1,
                                            help="Hide smaller narratives (default: [narratives] min_articles)."),
    limit: int | None = typer.Option(None, "--limit", min=1, max=1000,
                                     help=f"Narratives per page (the table: {TABLE_LIMIT} unless given)."),
    offset: int | None = typer.Option(None, "--offset", min=0, help="Narratives to skip."),
    page: int | None = typer.Option(None, "--page", min=1, help="The page to show (1 is the first)."),
    db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption,
) -> None:
    """List narratives (claims that recur across stories, outlets, languages and years), largest first, a page
    at a time. --json lists every narrative passing the filters as {"id", "label", "story_ids", "article_ids",
    "languages", "first_seen", "last_seen"} records (streamed a batch at a time), or with
    --limit/--offset/--page one page: {"total", "limit", "offset", "facets", "narratives": [records]}.
    --lang filters by language (it used to name the label language: that is --label-lang now)."""
    if page is not None and offset is not None:
        raise typer.BadParameter("give --page or --offset, not both")
    if sort not in NARRATIVE_SORTS:
        raise typer.BadParameter(f"--sort must be one of {', '.join(NARRATIVE_SORTS)}, not {sort!r}")
    filters: dict[str, Any] = {"lang": lang, "outlet": outlet, "since": since, "until": until,
                               "min_articles": min_articles, "sort": sort}
    paged = not as_json or any(v is not None for v in (limit, offset, page))
    size = limit or TABLE_LIMIT
    start = offset if offset is not None else ((page or 1) - 1) * size
    with open_project(db, config) as nt:
        if not paged:
            _stream_json(n.to_json() for n in nt.pages.each_narrative(batch=JSON_BATCH, label_lang=label_lang,
                                                                      **filters))
            return
        found = nt.pages.narratives(limit=size, offset=start, facets=as_json, label_lang=label_lang, **filters)
        records = nt.pages.narrative_records([n.id for n in found.items], lang=label_lang or lang) if as_json else []
    if as_json:
        listing = found.to_dict()
        print_json({"total": listing["total"], "limit": listing["limit"], "offset": listing["offset"],
                    "facets": listing["facets"], "narratives": [n.to_json() for n in records]})
        return
    _print_narratives(found, start, size)


def _print_narratives(found: Page, start: int, size: int) -> None:
    """A page of narrative summaries as a table, and how to get the next page."""
    shown = len(found.items)
    if not shown or (start == 0 and shown == found.total):
        title = f"{found.total} narratives" if found.total else "no narratives"
    else:
        title = f"narratives {start + 1}–{start + shown} of {found.total}"
    table = Table(title=title)
    for col in ("narrative", "articles", "stories", "languages", "first seen", "last seen", "label"):
        table.add_column(col, overflow="fold")
    for n in found.items:
        cells = [n.id, str(n.size), str(n.stories), ", ".join(f"{k} {v}" for k, v in n.languages.items()),
                 n.first_seen or "", n.last_seen or "", n.label]
        table.add_row(*(escape(terminal_safe(c)) for c in cells))
    stdout.print(table)
    if start + shown < found.total:
        stdout.print(terminal_safe(f"more: --page {start // size + 2} (or --offset {start + size})"), markup=False)


def claims_cli(db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption,
               article: str | None = typer.Option(None, "--article", help="Only the claims of this article.")
               ) -> None:
    """List check-worthy claims with their attribution, numbers, places and organisations."""
    with open_project(db, config) as nt:
        items = nt.claims([article] if article else None)
    if as_json:
        print_json(items)
        return
    for c in items:
        src = (c.get("attribution") or {}).get("source", {}).get("name")
        clues = [*(c.get("places") or []), *(c.get("organisations") or []), *(c.get("numbers") or [])]
        stdout.print(f"[bold]{escape(c['article_id'])}[/bold] \\[{c['passage']}] {c['score']:.2f}"
                     + escape(f"{'  via ' + src if src else ''}  {', '.join(clues)}"), markup=True)
        stdout.print(f"    {c['text'][:300]}", markup=False)


factchecks_app = typer.Typer(help="Import fact-checks and match claims to them.", no_args_is_help=True)


@factchecks_app.command("import")
def factchecks_import_cli(file: Path = typer.Argument(..., help="ClaimReview JSON-LD (.json/.jsonld/.jsonl), "
                                                                 "Fact Check Tools JSON, or CSV."),
                          db: str | None = DbOption, config: str | None = ConfigOption,
                          as_json: bool = JsonOption) -> None:
    """Store fact-checks (with their origin) and match every stored claim to them. Exit code 2 on bad records."""
    if not file.exists():
        raise InputError(str(file), "no such file")
    with open_project(db, config, create=True) as nt:
        res = nt.import_factchecks(file)
        n_matches = len(nt.matches())
    for err in res["errors"]:
        console.print(f"[red]error[/red] {escape(str(err))}", highlight=False, markup=True, soft_wrap=True)
    if as_json:
        print_json({"imported": res["imported"], "ids": res["ids"], "errors": [str(e) for e in res["errors"]],
                    "matches": n_matches})
    else:
        console.print(f"imported {res['imported']} fact-checks, {len(res['errors'])} errors; "
                      f"{n_matches} claim matches stored", highlight=False)
    if res["errors"]:
        raise typer.Exit(2)


def _read_inputs(file: Path) -> list[tuple[Any, str]]:
    """(id, text) pairs from JSON Lines ``{"id", "text"}`` or plain lines (id = line number)."""
    try:
        lines = file.read_text("utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(file), f"cannot read: {exc}") from exc
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        obj: Any = None
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(str(file), f"invalid JSON: {exc.msg}", line=n) from exc
        if isinstance(obj, dict):
            if not isinstance(obj.get("text"), str):
                raise InputError(str(file), "a line without \"text\"", line=n, hint='lines: {"id": ..., "text": ...}')
            out.append((obj.get("id", n), obj["text"]))
        else:
            out.append((n, line.strip()))
    return out


@factchecks_app.command("match")
def factchecks_match_cli(text: str | None = typer.Argument(None, help="A claim in any language."),
                         file: Path | None = typer.Option(None, "--file", help='JSON Lines {"id", "text"} '
                                                                                  "(or one text per line)."),
                         db: str | None = DbOption, config: str | None = ConfigOption,
                         as_json: bool = JsonOption) -> None:
    """Stored fact-checks matching a claim (or each line of a file), best first, with the evidence."""
    if (text is None) == (file is None):
        raise typer.BadParameter("give either TEXT or --file FILE")
    inputs = _read_inputs(file) if file else [(None, text or "")]
    with open_project(db, config) as nt:
        results = nt.match_factchecks([t for _, t in inputs])
    for (iid, t), hits in zip(inputs, results):
        if as_json:
            _line({"id": iid, "matches": [{"factcheck_id": h["factcheck_id"], "score": h["score"],
                                           "status": h["status"]} for h in hits]})
            continue
        stdout.print(f"[bold]{escape(str(iid if iid is not None else ''))}[/bold] {escape(t[:150])}", markup=True)
        if not hits:
            stdout.print("    no matching fact-check", markup=False)
        for h in hits:
            ev = h["evidence"]
            stdout.print(f"    {h['status']:<9} {h['score']:.3f}  {h['factcheck_id']}  [{ev.get('rating') or '?'}] "
                         f"{ev.get('factcheck_claim', '')[:110]}  {ev.get('url') or ''}", markup=False)


matches_app = typer.Typer(help="Fact-checks matched to the claims of the stored articles; confirm or reject them.")


@matches_app.callback(invoke_without_command=True)
def matches_cli(ctx: typer.Context, db: str | None = DbOption, config: str | None = ConfigOption,
                as_json: bool = JsonOption) -> None:
    """Fact-checks matched to the claims of the stored articles (status suggested, confirmed or rejected)."""
    if ctx.invoked_subcommand is not None:
        return
    with open_project(db, config) as nt:
        items = nt.matches()
    if as_json:
        print_json([{"article_id": m["article_id"], "claim": m["claim"], "factcheck_id": m["factcheck_id"],
                     "score": m["score"], "status": m["status"]} for m in items])
        return
    for m in items:
        ev = m["evidence"]
        by = " (analyst)" if ev.get("review") else ""
        stdout.print(f"[bold]{escape(m['article_id'])}[/bold] "
                     + escape(f"{m['status']}{by} {m['score']:.3f} {m['factcheck_id']} [{ev.get('rating') or '?'}]"),
                     markup=True)
        stdout.print(f"    claim:      {m['claim'][:200]}", markup=False)
        stdout.print(f"    fact-check: {ev.get('factcheck_claim', '')[:200]}  {ev.get('url') or ''}", markup=False)


@matches_app.command("export")
def matches_export_cli(db: str | None = DbOption, config: str | None = ConfigOption) -> None:
    """Confirmed matches as schema.org ClaimReview JSON: each fact-check with the articles making its claim."""
    with open_project(db, config) as nt:
        print_json(nt.confirmed_claimreviews())


def _review(verdict: str, article: str, factcheck: str, note: str | None, db: str | None, config: str | None,
            as_json: bool) -> None:
    with open_project(db, config) as nt:
        n = nt.review_match(article, factcheck, verdict, note)
    if as_json:
        print_json({"article_id": article, "factcheck_id": factcheck, "verdict": verdict, "matches": n})
    else:
        console.print(f"{verdict} the match of {n} claim(s) of {escape(article)} to {escape(factcheck)}; "
                      "kept when matching runs again", highlight=False)


_ARTICLE = typer.Argument(..., help="The article whose claims matched (an id from `narratrace matches`).")
_FACTCHECK = typer.Argument(..., help="The fact-check id.")
_NOTE = typer.Option(None, "--note", help="Why (kept with the verdict).")


@matches_app.command("confirm")
def matches_confirm_cli(article: str = _ARTICLE, factcheck: str = _FACTCHECK, note: str | None = _NOTE,
                        db: str | None = DbOption, config: str | None = ConfigOption,
                        as_json: bool = JsonOption) -> None:
    """Confirm that the article's claims are the ones the fact-check checked."""
    _review("confirmed", article, factcheck, note, db, config, as_json)


@matches_app.command("reject")
def matches_reject_cli(article: str = _ARTICLE, factcheck: str = _FACTCHECK, note: str | None = _NOTE,
                       db: str | None = DbOption, config: str | None = ConfigOption,
                       as_json: bool = JsonOption) -> None:
    """Reject the match: the fact-check is about something else. It stays shown as rejected."""
    _review("rejected", article, factcheck, note, db, config, as_json)


def _marked(text: str, spans: list[list[int]], width: int = 240) -> str:
    """``text`` (cut to ``width``) as rich markup with its highlighted spans in bold, the rest escaped."""
    out, pos = [], 0
    for s, e in spans:
        if s >= width:
            break
        out += [escape(text[pos:s]), "[bold]", escape(text[s:min(e, width)]), "[/bold]"]
        pos = min(e, width)
    return "".join(out) + escape(text[pos:width])


def search_cli(query: str = typer.Argument(..., help="Text in any language."),
               lang: str | None = typer.Option(None, "--lang", help="Only passages in this language."),
               limit: int = typer.Option(20, "--limit", help="How many articles."),
               mode: str = typer.Option("hybrid", "--mode", help="hybrid (words and meaning), semantic (meaning "
                                                                 "only), keyword (every word must occur) or "
                                                                 "phrase (the words side by side)."),
               source: str | None = typer.Option(None, "--source", help="Only articles citing this source "
                                                                         "(any spelling: Sputnik, سبوتنيك)."),
               db: str | None = DbOption, config: str | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Articles matching a query across languages, best first, with their best passages."""
    with open_project(db, config) as nt:
        hits = nt.search(query, lang=lang, limit=limit, mode=mode, source=source)
    if as_json:
        print_json(hits)
        return
    if not hits:
        stdout.print("nothing found", markup=False)
    for h in hits:
        stdout.print(f"{h['score']:.3f}  [bold]{escape(h['article_id'])}[/bold] "
                     + escape(f"[{h['article_lang'] or '?'}] {h['outlet'] or ''} {h['published'] or ''}  "
                              f"{h['matched_passages']} passages found"), markup=True)
        for p in h["passages"]:
            stdout.print(f"    \\[{p['passage']}] " + _marked(p["text"], p["highlights"]), markup=True)


def register(app: typer.Typer) -> None:
    app.command("narratives")(narratives_cli)
    app.command("claims")(claims_cli)
    app.add_typer(factchecks_app, name="factchecks")
    app.add_typer(matches_app, name="matches")
    app.command("search")(search_cli)
