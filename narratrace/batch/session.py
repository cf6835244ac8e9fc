"""Starting Spark for ``narratrace batch``: the environment checks and the session."""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

INSTALL_HINT = "pip install 'narratrace[batch]'"
JAVA_HINT = ("install a Java runtime, e.g. `apt-get install openjdk-17-jre-headless` on Debian/Ubuntu, "
             "or set JAVA_HOME")


def require_pyspark() -> None:
    """A clear message instead of an ImportError deep in a run."""
    try:
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"narratrace batch needs pyspark, pyarrow and pandas ({exc.name} is missing)",
                          hint=INSTALL_HINT) from exc


def require_java() -> str:
    """The java executable Spark will start, or a ConfigError naming the package to install."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = Path(home) / "bin" / "java"
        if java.is_file() and os.access(java, os.X_OK):
            return str(java)
        raise ConfigError(f"JAVA_HOME is {home}, but {java} is not an executable", hint=JAVA_HINT)
    found = shutil.which("java")
    if not found:
        raise ConfigError("Spark needs a Java runtime (17 or 21) and none was found", hint=JAVA_HINT)
    return found


def spark_session(master: str | None = None, conf: dict[str, str] | None = None,
                  app_name: str = "narratrace-batch", log_level: str | None = None) -> SparkSession:
    """A SparkSession for batch jobs, or the running one (under ``spark-submit``) with ``conf`` added.

    ``master`` defaults to the one ``spark-submit`` set, else ``local[*]``. In local mode the
    Python workers run this interpreter, so they import the same narratrace.
    """
    require_pyspark()
    require_java()
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    given = dict(conf or {})
    if master:
        builder = builder.master(master)
    elif not SparkConf().contains("spark.master"):
        master = "local[*]"
        builder = builder.master(master)
    effective = master or SparkConf().get("spark.master", "")
    defaults = {"spark.ui.showConsoleProgress": "false",  # the driver draws its own progress bar
                "spark.sql.execution.arrow.maxRecordsPerBatch": "256"}  # articles are large rows
    if effective.startswith("local"):
        # pyspark starts workers with $PYSPARK_PYTHON (else "python3", which may lack narratrace)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # one machine: bind to loopback, so that a container whose hostname does not resolve still works
        defaults["spark.driver.host"] = "127.0.0.1"
        defaults["spark.driver.bindAddress"] = "127.0.0.1"
    for key, value in {**defaults, **given}.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM failed to start: usually Java or memory
        raise ConfigError(f"could not start Spark ({master or 'spark-submit master'}): {exc}",
                          hint=f"check the Java runtime and --spark-conf settings; {JAVA_HINT}") from exc
    if log_level:
        spark.sparkContext.setLogLevel(log_level)
    for key, value in given.items():  # a session that already existed keeps its static settings
        # static settings cannot change in a running session; the builder set them
        with contextlib.suppress(Exception):
            spark.conf.set(key, value)
    return spark
