"""Batch ingest on an existing cluster engine: ``run_batch`` runs the embed-and-group pipeline on Spark.

Text analysis and encoding (nearly all of the cost) run in parallel on Spark executors;
story grouping, which is incremental and depends on input order, runs on the driver
through the ordinary ``Narratrace`` pipeline, so the stories are those ``narratrace
ingest`` makes from the same input. See docs/batch.md.

pyspark is imported only when a job runs: ``pip install 'narratrace[batch]'``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["BatchReport", "run_batch", "spark_session"]

if TYPE_CHECKING:  # pragma: no cover
    from .spark import BatchReport, run_batch, spark_session


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import spark

        return getattr(spark, name)
    raise AttributeError(name)
