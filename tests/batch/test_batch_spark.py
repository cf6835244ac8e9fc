"""`narratrace batch` on Spark (local[2]) gives the stories local ingest gives, on the same real articles."""
from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from narratrace import Narratrace

REPO = Path(__file__).resolve().parents[2]


def _stories(db: Path) -> dict[str, list[str]]:
    with Narratrace(db=db) as nt:
        return {s.id: sorted(s.article_ids) for s in nt.stories()}


def _links(db: Path) -> set[tuple[str, str, str, float]]:
    with Narratrace(db=db) as nt:
        return {(lk.source, lk.target["id"] if isinstance(lk.target, dict) else lk.target, lk.kind,
                 round(lk.score, 4)) for lk in nt.links()}


def test_batch_workers_import_this_checkout(spark):
    """The executors' Python workers run this repository's narratrace, not another installed copy."""
    def where(_: int) -> str:
        import narratrace

        return narratrace.__file__

    files = spark.sparkContext.parallelize(range(2), 2).map(where).collect()
    assert files and all(Path(f).resolve().is_relative_to(REPO) for f in files), files


def test_batch_gives_the_stories_of_local_ingest(batch_run, local_run):
    batch, batch_db = batch_run
    local, local_db = local_run
    assert sorted(batch.ingested) == sorted(local.ingested) and len(local.ingested) == 15
    stories = _stories(batch_db)
    assert stories == _stories(local_db)  # same story ids, same partition of the articles
    # the real articles make real stories: the seed story across three languages, and the SemEval
    # pairs rated the same story by human judges
    assert ["000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36"] in stories.values()
    assert any(len(ids) >= 2 and all(i.startswith("semeval-") for i in ids) for ids in stories.values())
    assert batch.driver_encoded == 0  # every passage vector came from the executors


def test_batch_gives_the_links_of_local_ingest(batch_run, local_run):
    links = _links(batch_run[1])
    assert links == _links(local_run[1])
    kinds = {kind for _, _, kind, _ in links}
    assert "translates" in kinds and "cites" in kinds  # 000 translates 001; all three cite Sputnik


def test_batch_keeps_origins_of_jsonl_and_parquet(batch_run, local_run):
    with Narratrace(db=batch_run[1]) as b, Narratrace(db=local_run[1]) as loc:
        origins = {a.id: a.origin for a in b.articles()}
        assert origins == {a.id: a.origin for a in loc.articles()}
    assert origins["004_a999723ac9a858df"].endswith("c.parquet:1")
    assert origins["002_52248782f917fa36"].endswith("b.jsonl:1")


def test_batch_reports_a_bad_line_with_file_and_line_and_stores_the_rest(batch_run, local_run, shards):
    batch, _ = batch_run
    local, _ = local_run
    assert [str(e) for e in batch.errors] == [str(e) for e in local.errors]
    (err,) = batch.errors
    assert err.path == str(shards[0]) and err.line == 3 and "invalid JSON" in err.message
    assert f"{shards[0]}:3:" in str(err)
    assert not batch.ok and len(batch.ingested) == 15 and batch.files == 3


def test_batch_rerun_changes_nothing_through_the_cli(batch_run, shards, tmp_path):
    """Run the CLI again on a copy of the batch database: every article unchanged, stories and links as they were."""
    from typer.testing import CliRunner

    from narratrace.present.cli.app import app

    _, db = batch_run
    copy = tmp_path / "again.db"
    src, dst = sqlite3.connect(str(db)), sqlite3.connect(str(copy))
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    if Path(f"{db}.faiss").exists():
        shutil.copy(f"{db}.faiss", f"{copy}.faiss")
    result = CliRunner().invoke(app, ["batch", *map(str, shards), "--db", str(copy), "--master", "local[2]",
                                      "--partitions", "3", "--json"])
    assert result.exit_code == 2, result.output  # the malformed line is reported again
    summary = json.loads(result.stdout)
    assert summary["ingested"] == 0 and summary["updated"] == 0 and summary["unchanged"] == 15
    assert summary["errors"] == 1 and "a.jsonl:3" in summary["error_messages"][0]
    assert _stories(copy) == _stories(db) and _links(copy) == _links(db)


def test_serve_reads_the_batch_database(batch_run):
    from starlette.testclient import TestClient

    from narratrace.present.web.app import create_app

    _, db = batch_run
    with TestClient(create_app(db=db), base_url="http://127.0.0.1") as client:
        body = client.get("/api/stories").json()
        ids = {s["id"] for s in body["stories"]}
        assert ids == set(_stories(db))
        (seed,) = client.get("/api/stories", params={"q": "000_b87142e14614ef64"}).json()["stories"]
        assert "000_b87142e14614ef64" in client.get(f"/api/stories/{seed['id']}").json()["article_ids"]
        graph = client.get(f"/api/stories/{seed['id']}/graph")
        assert graph.status_code == 200


def test_batch_without_java_names_the_debian_package(monkeypatch, tmp_path, capsys, shards):
    """Through main(), as a user sees it: the message, the package to install, exit code 3 (configuration)."""
    from narratrace.present.cli import app as cli

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    monkeypatch.setattr(sys, "argv", ["narratrace", "batch", str(shards[1]), "--db", str(tmp_path / "x.db")])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 3
    err = capsys.readouterr().err
    assert "Java runtime" in err and "openjdk-17-jre-headless" in err
    assert not (tmp_path / "x.db").exists()


def test_batch_without_pyspark_names_the_extra(monkeypatch, tmp_path):
    from narratrace.batch.spark import run_batch
    from narratrace.errors import ConfigError

    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now raises ImportError
    with pytest.raises(ConfigError, match=r"needs pyspark.*pyspark is missing.*narratrace\[batch\]"):
        run_batch([tmp_path], tmp_path / "x.db")


def test_batch_spark_conf_must_be_key_value(tmp_path):
    from typer.testing import CliRunner

    from narratrace.errors import ConfigError
    from narratrace.present.cli.app import app

    result = CliRunner().invoke(app, ["batch", str(tmp_path), "--spark-conf", "spark.executor.memory"])
    assert isinstance(result.exception, ConfigError) and "KEY=VALUE" in str(result.exception)


def test_batch_reports_a_missing_file_like_ingest(spark, tmp_path):
    from narratrace.batch import run_batch
    from narratrace.settings import Settings

    missing = tmp_path / "no-such-shard.jsonl"
    report = run_batch([missing], tmp_path / "m.db", Settings.load(), spark=spark)
    with Narratrace(db=tmp_path / "local.db") as nt:
        local = nt.ingest([missing])
    assert [str(e) for e in report.errors] == [str(e) for e in local.errors]
    assert "no such file or folder" in str(report.errors[0]) and report.files == local.files == 1


@pytest.mark.parametrize("path, remote", [("s3a://bucket/shards/", True), ("hdfs:///data/x.parquet", True),
                                          ("gs://b/p.jsonl", True), ("file:///tmp/x.jsonl", False),
                                          ("shards/a.jsonl", False), ("C:/odd/name.jsonl", False)])
def test_batch_paths_with_a_scheme_go_to_spark(path, remote):
    from narratrace.batch.spark import _is_remote

    assert _is_remote(path) is remote


def test_batch_module_runs_under_spark_submit_as_a_script():
    """spark-submit runs narratrace/present/cli/spark_submit.py; it must give the batch command and its --help."""
    from narratrace.present.cli.spark_submit import run

    with pytest.raises(SystemExit) as exit_:
        run(["--help"])
    assert exit_.value.code == 0


def test_batch_executor_failure_is_one_readable_line(spark, shards, tmp_path):
    """An executor that cannot load its encoder: the user reads narratrace's message, not a JVM trace."""
    from narratrace.batch import run_batch
    from narratrace.errors import NarratraceError
    from narratrace.settings import Settings

    settings = Settings.load(None, encoder={"backend": "sentence-transformers", "model": str(tmp_path / "none")})
    with pytest.raises(NarratraceError, match=r"the Spark job failed: .*ConfigError.*set \[encoder\] model") as err:
        run_batch([shards[1]], tmp_path / "f.db", settings, spark=spark)
    assert "\n" not in str(err.value) and "at org.apache" not in str(err.value)
    with Narratrace(db=tmp_path / "f.db") as nt:
        assert nt.stories() == []  # nothing stored


def test_batch_into_postgresql_gives_the_stories_of_local_ingest(spark, shards, local_run, pg_db):
    """The driver writes into the shared PostgreSQL store a team's `serve` reads (--db postgresql://...)."""
    from narratrace.batch import run_batch
    from narratrace.settings import Settings

    url = pg_db("batch")
    report = run_batch(shards, url, Settings.load(), spark=spark, partitions=4)
    assert report.ingested and report.driver_encoded == 0
    assert _stories(url) == _stories(local_run[1])
    assert _links(url) == _links(local_run[1])
