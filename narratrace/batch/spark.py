"""``narratrace batch`` on Apache Spark: analyse and encode on executors, group on the driver.

Three steps (docs/batch.md explains the choices):

1. **read** (executors): every shard is read whole by Spark's ``binaryFile`` source (local
   disk, HDFS, S3, GCS: whatever Hadoop reads) and parsed by narratrace's own registered
   reader for its extension, the very code ``narratrace ingest`` runs, so field mapping,
   ids, line numbers and error messages are the same. Records are then spread over
   ``partitions`` partitions.
2. **analyse and encode** (executors, ``mapInPandas``): the ingest pipeline's own
   ``AnalyseService`` and ``EncodeService`` (built from the same settings, the encoder loaded
   once per Python worker) turn each record into an ``EncodedArticle``, the hand-off object of
   the ingest services. This is about 92% of the cost of ingest and parallel by nature.
3. **group** (driver): story grouping is incremental and depends on input order, so the
   encoded articles stream back in input order (file order as ``list_files`` gives it, then
   line) into ``IngestPipeline.ingest_encoded``: classify, group, write, trace and narrate are
   those of ``narratrace ingest``: same input, same stories.
"""
from __future__ import annotations

import json
import os
import pickle
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..api import Narratrace
from ..errors import ConfigError, EncoderError, InputError, NarratraceError
from ..ingest import list_files, read_file, reader_name
from ..model import EncodedArticle
from ..pipeline import IngestReport, Progress
from ..settings import Settings
from .executors import ARTICLE, ERROR, RAW, SCHEMA, SKIPPED, analyse_and_encode, error_from, read_partition
from .session import require_pyspark, spark_session

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

#: Hadoop reads these as glob characters in a path: escaped so that a file named "a[1].jsonl" is found
_GLOB = re.compile(r"([\\\[\]{}*?])")


@dataclass
class BatchReport(IngestReport):
    """An ``IngestReport`` plus where the time went (seconds) and how many passages the driver had to encode."""

    timings: dict[str, float] = field(default_factory=dict)
    #: records the executors returned (articles, errors, skipped files)
    records: int = 0
    db: str = ""
    #: articles analysed and encoded on the driver (analysis failed on an executor but not here); 0 normally
    driver_encoded: int = 0

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "records": self.records,
                "timings": {k: round(v, 2) for k, v in self.timings.items()}}


# ------------------------------------------------------------------ driver
@dataclass
class _Inputs:
    """What to read: local files in ``list_files`` order, remote paths, and what the driver reports itself."""

    #: (rank, path): rank is the file's position in ``list_files`` order
    local: list[tuple[int, Path]] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)
    #: rank -> errors the driver found without Spark (missing file, too large)
    driver_errors: dict[int, list[InputError]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    files: int = 0


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _is_remote(path: str) -> bool:
    """hdfs://, s3a://, gs://, abfss://…: read by Spark only. file:// and plain paths are local."""
    return bool(_URI.match(path)) and not path.startswith("file://")


def plan_inputs(paths: Iterable[str | os.PathLike[str]], max_file_bytes: int) -> _Inputs:
    """Local paths are listed as ``narratrace ingest`` lists them; URIs (s3a://, hdfs://…) go to Spark as given."""
    from ..registry import readers

    given = [str(p).removeprefix("file://") for p in paths]
    remote = [p for p in given if _is_remote(p)]
    files, skipped = list_files([p for p in given if not _is_remote(p)])
    plan = _Inputs(remote=remote, skipped=[str(s) for s in skipped], files=len(files))
    for rank, path in enumerate(files):
        name = reader_name(path)
        try:
            streams = name is not None and getattr(readers.get(name), "streams", False)
            refuse = not path.is_file() or name is None or (not streams and path.stat().st_size > max_file_bytes)
        except (OSError, ConfigError):  # unreadable, or a plugin reader that cannot be loaded
            refuse = True
        if refuse:  # read_file reports these without reading the file
            plan.driver_errors[rank] = [r for r in read_file(path, max_file_bytes) if isinstance(r, InputError)]
        else:
            plan.local.append((rank, path))
    return plan


def _spark_paths(plan: _Inputs) -> list[str]:
    return ["file://" + _GLOB.sub(r"\\\1", str(p.resolve())) for _, p in plan.local] + plan.remote


def _watch_tasks(spark: SparkSession, progress: Progress, stop: threading.Event) -> None:
    """Report the running Spark job's finished and total tasks while it runs."""
    tracker = spark.sparkContext.statusTracker()
    while not stop.wait(0.5):
        done = total = 0
        for sid in tracker.getActiveStageIds():
            info = tracker.getStageInfo(sid)
            if info is not None:
                done += info.numCompletedTasks
                total += info.numTasks
        if total:
            progress("spark tasks", done, total)


def encode_on_spark(spark: SparkSession, plan: _Inputs, settings: Settings, partitions: int | None = None
                    ) -> DataFrame:
    """The executor steps as one DataFrame (not yet computed): read, spread, analyse and encode."""
    paths = _spark_paths(plan)
    n = partitions or max(2, spark.sparkContext.defaultParallelism * 2)
    max_bytes = settings.ingest.max_file_bytes
    local = {str(p.resolve()): (rank, str(p)) for rank, p in plan.local}
    shards = (spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(paths)
              .select("path", "content"))
    records = shards.rdd.flatMap(read_partition(local, plan.files, max_bytes))
    df = spark.createDataFrame(records, SCHEMA).repartition(n)
    return df.mapInPandas(analyse_and_encode(settings, chunk=settings.encoder.batch_size), SCHEMA)


def run_batch(paths: Iterable[str | os.PathLike[str]], db: str | Path | None = None,
              settings: Settings | None = None, *, master: str | None = None, partitions: int | None = None,
              spark_conf: dict[str, str] | None = None, spark: SparkSession | None = None,
              progress: Progress | None = None, log_level: str | None = None) -> BatchReport:
    """Ingest ``paths`` into the store at ``db`` with Spark doing the analysis and encoding.

    Gives the stories ``Narratrace(db).ingest(paths)`` gives. ``spark``: a session to use
    (left running, as is one already active in this process); otherwise one is started with
    ``master`` and ``spark_conf`` and stopped at the end. ``partitions``: how many pieces the records
    are spread over for encoding (default: twice the cluster's cores).
    """
    settings = settings or Settings.load()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    plan = plan_inputs(paths, settings.ingest.max_file_bytes)
    if spark is None:
        require_pyspark()
        from pyspark.sql import SparkSession

        # a session already running in this process (a notebook's) is used and left running
        own = SparkSession.getActiveSession() is None
        spark = spark_session(master, spark_conf, log_level=log_level)
    else:
        own = False
    timings["spark_start"] = time.perf_counter() - t0
    encoded = None
    try:
        t1 = time.perf_counter()
        if plan.local or plan.remote:
            from pyspark import StorageLevel

            encoded = encode_on_spark(spark, plan, settings, partitions).persist(StorageLevel.MEMORY_AND_DISK)
            stop = threading.Event()
            watcher = None
            if progress is not None:
                watcher = threading.Thread(target=_watch_tasks, args=(spark, progress, stop), daemon=True)
                watcher.start()
            try:
                total = encoded.count()  # computes and caches every executor result
            except Exception as exc:
                if exc.__class__.__module__.startswith(("pyspark", "py4j")):
                    raise _job_failed(exc) from exc
                raise
            finally:
                stop.set()
                if watcher is not None:
                    watcher.join()
            identities = [r.encoder for r in encoded.where(f"kind = '{ARTICLE}'").select("encoder").distinct()
                          .collect()]
        else:
            total, identities = 0, []
        timings["analyse_encode"] = time.perf_counter() - t1
        if len(identities) > 1:
            raise EncoderError(f"executors used different encoders: {'; '.join(sorted(identities))}",
                               hint="give every executor the same [encoder] settings and narratrace version")
        t2 = time.perf_counter()
        report = _group_on_driver(encoded, plan, settings, db, identities[0] if identities else None, total,
                                  progress)
        timings["group_store"] = time.perf_counter() - t2
    finally:
        if encoded is not None:
            encoded.unpersist()
        if own:
            spark.stop()
    timings["total"] = time.perf_counter() - t0
    report.timings = timings
    return report


def _job_failed(exc: Exception) -> NarratraceError:
    """A failed Spark job as one readable line (the Python error from the executor), not a JVM trace."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip() and not ln.startswith(("\tat ", "at "))]
    cause = next((ln for ln in reversed(lines) if re.match(r"^[\w.]+(Error|Exception)\b", ln)), lines[-1] if lines
                 else type(exc).__name__)
    return NarratraceError(f"the Spark job failed: {cause[:300]}",
                           hint="the executor logs have the full trace (Spark UI, or yarn logs -applicationId …)")


def _ordered_rows(encoded: DataFrame | None, plan: _Inputs) -> Iterator[Any]:
    """Executor results in input order, one partition at a time, with the driver's own errors in place."""
    pending = sorted(plan.driver_errors.items())

    def errors_before(rank: int) -> Iterator[InputError]:
        while pending and pending[0][0] < rank:
            yield from pending.pop(0)[1]

    if encoded is not None:
        n = max(1, encoded.rdd.getNumPartitions())
        rows = (encoded.repartitionByRange(n, "rank", "file", "seq").sortWithinPartitions("rank", "file", "seq")
                .toLocalIterator(prefetchPartitions=True))
        for row in rows:
            yield from errors_before(row.rank)
            yield row
    yield from errors_before(sys.maxsize)


def _group_on_driver(encoded: DataFrame | None, plan: _Inputs, settings: Settings, db: str | Path | None,
                     identity: str | None, total: int, progress: Progress | None) -> BatchReport:
    """Feed the executors' encoded articles, in input order, to the ingest pipeline (classify, group,
    write, trace, narrate), after checking they were made in the driver's vector space."""
    skipped: list[str] = []
    remote_files: set[str] = set()
    done = [0]
    driver_encoded = [0]

    with Narratrace(db, settings) as nt:
        pipe = nt.pipeline
        if identity is not None:
            made = json.loads(identity)
            enc = pipe.encode.encoder
            if made["vector_space"] != enc.vector_space or int(made["dim"]) != enc.dim:
                raise EncoderError(f"the executors encoded with {made['model_id']} ({made['vector_space']}, "
                                   f"{made['dim']}-d), the driver's [encoder] is {enc.model_id} "
                                   f"({enc.vector_space}, {enc.dim}-d)",
                                   hint="give the driver and every executor the same [encoder] settings")

        def items() -> Iterator[EncodedArticle | InputError]:
            for row in _ordered_rows(encoded, plan):
                if isinstance(row, InputError):
                    yield row
                    continue
                done[0] += 1
                if progress is not None:
                    progress("grouping", done[0], total)
                if row.kind == SKIPPED:
                    skipped.append(row.file)
                    continue
                if row.rank >= plan.files:
                    remote_files.add(row.file)
                if row.kind == ERROR:
                    yield error_from(bytes(row.payload))
                elif row.kind == RAW:  # analysis failed on the executor: the driver's words for it
                    item = pipe.analyse(pickle.loads(bytes(row.payload)))
                    if isinstance(item, EncodedArticle):
                        pipe.encode.encode([item])
                        driver_encoded[0] += 1
                    yield item
                else:
                    yield pickle.loads(bytes(row.payload))

        base = nt.add_encoded(items())
        db_path = nt.db_path
    report = BatchReport(**{f.name: getattr(base, f.name) for f in fields(IngestReport)})
    report.files = plan.files + len(remote_files)
    report.skipped_files = plan.skipped + skipped
    report.records = total
    report.driver_encoded = driver_encoded[0]
    report.db = str(db_path)
    return report
