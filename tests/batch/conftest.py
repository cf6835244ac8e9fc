"""Spark batch fixtures: one local[2] SparkSession per test session, real shards, one batch and one local run.

The shards hold real articles: the five seeds and ten SemEval-2022 Task 8 articles (three pairs
rated the same story across languages, two pairs rated unrelated), in two JSON Lines shards (one with
a malformed line) and one Parquet shard.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "narratrace" / "data" / "samples"
BROKEN_LINE = '{"id": "broken", "text": "a line cut off in the middle\n'


def _semeval_articles(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Ten short SemEval articles of ``rows`` (the session's ``semeval_rows``): pairs whose ids carry no
    translation suffix (original texts)."""
    def usable(r: dict[str, str]) -> bool:
        return (re.fullmatch(r"\d+_\d+", r["pair_id"]) is not None and r["text1"].strip() != ""
                and r["text2"].strip() != "" and len(r["text1"]) < 2500 and len(r["text2"]) < 2500)

    same = [r for r in rows if usable(r) and float(r["Overall"]) <= 1.5 and r["lang1"] != r["lang2"]][:3]
    unrelated = [r for r in rows if usable(r) and float(r["Overall"]) >= 3.5][:2]
    out = []
    for r in same + unrelated:
        a, b = r["pair_id"].split("_")
        out += [{"id": f"semeval-{a}", "text": r["text1"], "lang": r["lang1"]},
                {"id": f"semeval-{b}", "text": r["text2"], "lang": r["lang2"]}]
    return out


@pytest.fixture(scope="session")
def shards(tmp_path_factory, semeval_rows) -> list[Path]:
    """a.jsonl (2 seeds, a malformed line, 4 SemEval), b.jsonl (2 seeds, 3 SemEval), c.parquet (1 seed, 3 SemEval)."""
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    seeds = [{"id": f.stem, "text": f.read_text("utf-8")} for f in sorted(SAMPLES.glob("*.txt"))]
    sem = _semeval_articles(semeval_rows)
    assert len(seeds) == 5 and len(sem) == 10
    folder = tmp_path_factory.mktemp("shards")
    with (folder / "a.jsonl").open("w", encoding="utf-8") as f:
        for i, rec in enumerate(seeds[:2] + sem[:4]):
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            if i == 1:
                f.write(BROKEN_LINE)  # line 3
    with (folder / "b.jsonl").open("w", encoding="utf-8") as f:
        for rec in seeds[2:4] + sem[4:7]:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    pq.write_table(pa.Table.from_pylist(seeds[4:] + sem[7:]), folder / "c.parquet")
    return [folder / "a.jsonl", folder / "b.jsonl", folder / "c.parquet"]


@pytest.fixture(scope="session")
def spark():
    """One local[2] session for every batch test (the JVM takes ~15 s to start here); stopped at the end."""
    pytest.importorskip("pyspark")
    from narratrace.batch.session import spark_session
    from narratrace.errors import ConfigError

    try:
        from narratrace.batch.session import require_java

        require_java()
    except ConfigError as exc:
        pytest.skip(f"no Java runtime for Spark: {exc}")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    session = spark_session("local[2]", {
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
        # the executors' Python workers import this checkout's narratrace
        "spark.executorEnv.PYTHONPATH": str(REPO),
    }, app_name="narratrace-tests", log_level="ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def batch_run(spark, shards, tmp_path_factory):
    """``run_batch`` of the three shards into a new SQLite database: (report, db path)."""
    from narratrace.batch import run_batch
    from narratrace.settings import Settings

    db = tmp_path_factory.mktemp("batch") / "batch.db"
    report = run_batch(shards, db, Settings.load(), spark=spark, partitions=4)
    return report, db


@pytest.fixture(scope="session")
def local_run(shards, tmp_path_factory, real_encoder):
    """``narratrace ingest`` of the same shards (the local pipeline): (report, db path)."""
    from narratrace import Narratrace

    db = tmp_path_factory.mktemp("local") / "local.db"
    with Narratrace(db=db, encoder=real_encoder) as nt:
        report = nt.ingest(shards)
    return report, db
