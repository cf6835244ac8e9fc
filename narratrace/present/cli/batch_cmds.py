"""``narratrace batch``: ingest shards with Apache Spark doing the analysis and encoding (docs/batch.md)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from ...errors import ConfigError
from .common import ConfigOption, DbOption, console, print_json


@contextmanager
def _progress(enabled: bool = True) -> Iterator[Any]:
    """A rich bar on stderr whose label follows the phase: Spark tasks, then grouping on the driver."""
    if not enabled or not console.is_terminal:
        yield None
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as prog:
        task = prog.add_task("starting Spark", total=None)

        def update(what: str, done: int, total: int) -> None:
            prog.update(task, description=what, completed=done, total=total or None)

        yield update


def _conf(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--spark-conf {pair!r} is not KEY=VALUE",
                              hint="e.g. --spark-conf spark.executor.memory=4g")
        out[key.strip()] = value.strip()
    return out


def batch_cli(
    shards: list[str] = typer.Argument(..., help="Shard files or folders (.jsonl .parquet, and every format "
                                                 "`ingest` reads); hdfs://, s3a://, gs:// paths are read by Spark."),
    db: str | None = DbOption,
    config: str | None = ConfigOption,
    master: str | None = typer.Option(None, "--master", help="Spark master: local[2], yarn, k8s://…, "
                                         "spark://host:7077 (default: spark-submit's, else local[*])."),
    partitions: int | None = typer.Option(None, "--partitions", min=1, help="Pieces the records are spread "
                                             "over for analysis and encoding (default: twice the cores)."),
    spark_conf: list[str] = typer.Option([], "--spark-conf", help="A Spark setting KEY=VALUE; repeat as needed "
                                         "(e.g. spark.executor.memory=4g)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Ingest shards on Apache Spark: analysis and encoding run on the executors, story grouping on this
    machine, into the database `serve` reads. Same stories as `ingest` on the same input.
    Exit code 2 if any file or record failed."""
    from ...batch.spark import run_batch
    from ...settings import Settings

    settings = Settings.load(config)
    conf = _conf(spark_conf)
    with _progress() as progress:
        report = run_batch([str(Path(s)) if "://" not in s else s for s in shards], settings.db_path(db), settings,
                           master=master, partitions=partitions, spark_conf=conf, progress=progress,
                           log_level="ERROR")
    for err in report.errors:
        console.print(f"[red]error[/red] {escape(str(err))}", highlight=False, markup=True, soft_wrap=True)
    summary = report.summary()
    if as_json:
        print_json({**summary, "error_messages": [str(e) for e in report.errors], "db": report.db})
    else:
        timings = summary.pop("timings")
        console.print(" · ".join(f"{k}: {v}" for k, v in summary.items()) + f"  (db: {report.db})",
                      highlight=False, markup=False)
        console.print("seconds: " + " · ".join(f"{k} {v}" for k, v in timings.items()), highlight=False,
                      markup=False)
    if not report.ok:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("batch")(batch_cli)
