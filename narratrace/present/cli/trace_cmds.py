"""Provenance commands: compare (files or a pairs file, no database).

trace ID, links and export use the store and are wired by the lead on top of
``narratrace.trace`` (build_graph, StoryGraph.to_json/to_csv/to_gexf/links).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from ...errors import InputError, NotFound
from .common import ConfigOption, DbOption

stdout = Console(width=160, highlight=False)


def _read(path: Path) -> str:
    """A pairs file's text: decoded as ingest decodes (BOMs, UTF-16, legacy code pages)."""
    from ...ingest.decode import decode

    try:
        return decode(path.read_bytes(), path)[0]
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from exc


def _record(path: Path) -> Any:
    """A file to compare, read as ``narratrace ingest`` reads it: its reader when it has one (.txt, .html,
    .jsonl…: the first record), else decoded text; legacy encodings such as Windows-1256 included."""
    from ...ingest import read_file, reader_name
    from ...model import RawArticle

    if reader_name(path) is None:
        return RawArticle(text=_read(path).strip(), id=path.stem, origin=str(path))
    for item in read_file(path):
        if isinstance(item, InputError):
            raise item
        return item
    raise InputError(str(path), "no article in the file")


def _public(res: dict[str, Any]) -> dict[str, Any]:
    """The ``compare --json`` contract first, details after."""
    keys = ("relation", "score", "coverage_a", "coverage_b", "aligned", "direction", "reasons")
    return {**{k: res[k] for k in keys}, **{k: v for k, v in res.items() if k not in keys}}


def _print_readable(res: dict[str, Any], name_a: str, name_b: str) -> None:
    stdout.print(f"[bold]{res['relation']}[/bold]  score {res['score']:.3f}  coverage {escape(name_a)} "
                 f"{res['coverage_a']:.2f} / {escape(name_b)} {res['coverage_b']:.2f}  direction {res['direction']}")
    for r in res["reasons"]:
        stdout.print(f"  - {r}", markup=False)
    for p in res["aligned"]:
        stdout.print(f"  {p['a']} ↔ {p['b']}  margin {p['score']:.3f}", markup=False)
        stdout.print(f"     A: {p['text_a']}", markup=False)
        stdout.print(f"     B: {p['text_b']}", markup=False)
    stdout.print(f"  unaligned A: {res['unaligned_a']}  unaligned B: {res['unaligned_b']}", markup=False)


def compare_cli(
    file_a: Path | None = typer.Argument(None, help="First article: a text file, or a stored article id."),
    file_b: Path | None = typer.Argument(None, help="Second article: a text file, or a stored article id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: relation, score, coverage_a/b, aligned, ..."),
    pairs: Path | None = typer.Option(None, "--pairs",
                                      help="JSONL of {pair_id, text1, text2}: one JSON line out per pair."),
    db: str | None = DbOption,
    config: str | None = ConfigOption,
) -> None:
    """Compare two articles (two text files, two stored article ids, or every pair in a JSONL file):
    relation, same-story score, coverage and aligned passages. Files are analysed and encoded as
    ingest stores articles (same passages, encoder and settings), so they get the verdict they
    would get once stored."""
    from ...model import RawArticle
    from .common import open_project

    if pairs is None and (file_a is None or file_b is None):
        raise typer.BadParameter("give two files, two stored article ids, or --pairs FILE.jsonl")
    if pairs is None and file_a is not None and file_b is not None and file_a.is_file() != file_b.is_file():
        missing = file_b if file_a.is_file() else file_a
        raise InputError(str(missing), "no such file", hint="compare two files, or two stored article ids")
    if pairs is None and file_a is not None and file_b is not None and not file_a.is_file():
        try:
            project = open_project(db, config)
        except NotFound as exc:  # neither a file nor, without a database, a stored id
            raise InputError(str(file_a), "no such file, and no database to find it in as a stored article id",
                             hint=f"check the paths; for stored articles give --db ({exc.message})") from None
        with project as nt:  # stored ids: passage vectors from the store; only the graded score's sentences encoded
            res = nt.compare(str(file_a), str(file_b))
        if as_json:
            sys.stdout.write(json.dumps(_public(res), ensure_ascii=False, indent=2) + "\n")
        else:
            _print_readable(res, str(file_a), str(file_b))
        return
    with open_project(":memory:", config) as nt:  # nothing is stored: only the pipeline's analyse + encode
        if pairs is not None:
            for n, line in enumerate(_read(pairs).splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    t1, t2 = str(rec["text1"]), str(rec["text2"])
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise InputError(str(pairs), f"bad pair record: {exc}", line=n) from exc
                pid = rec.get("pair_id", n)
                res = nt.compare_records(RawArticle(text=t1, id=f"{pid}:1", origin=f"{pairs}:{n}"),
                                         RawArticle(text=t2, id=f"{pid}:2", origin=f"{pairs}:{n}"))
                sys.stdout.write(json.dumps({"pair_id": pid, **_public(res)}, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            return
        assert file_a is not None and file_b is not None
        res = nt.compare_records(_record(file_a), _record(file_b))
    if as_json:
        sys.stdout.write(json.dumps(_public(res), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_readable(res, file_a.name, file_b.name)


def register(app: typer.Typer) -> None:
    """Add the provenance commands to ``app``."""
    app.command("compare")(compare_cli)
