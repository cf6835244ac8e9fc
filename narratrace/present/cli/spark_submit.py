"""``narratrace batch`` as a script, for ``spark-submit`` (which runs a .py file, not a console command):

    spark-submit --master yarn --archives env.tar.gz#environment \\
        "$(python -c 'import narratrace.present.cli.spark_submit as m; print(m.__file__)')" \\
        s3a://bucket/shards/ --db news.db

Also ``python -m narratrace.present.cli.spark_submit SHARDS --db DB``. Arguments are those of
``narratrace batch``. It lives in the present stage because it runs the CLI; ``narratrace.batch``
(the library) does not import the CLI.
"""
from __future__ import annotations

import sys

import typer

from narratrace.errors import NarratraceError
from narratrace.present.cli.app import app


def run(argv: list[str]) -> None:
    """The batch command with ``argv``; library errors exit with their code, as ``narratrace`` does."""
    try:
        app(args=["batch", *argv], prog_name="narratrace")
    except NarratraceError as exc:
        typer.secho(str(exc), fg="red", err=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    run(sys.argv[1:])
