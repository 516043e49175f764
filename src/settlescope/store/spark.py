"""A local Apache Spark session for the workspace's Spark engine, bound to loopback only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def local_session(warehouse: Path, *, app_name: str = "settlescope", cores: int = 2) -> Any:
    """Start (or reuse) a local Spark session that listens on 127.0.0.1 only.

    The JVM takes about 15 s to start, so callers should keep one session per process.
    """
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession

    warehouse = Path(warehouse).resolve()
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.catalogImplementation", "in-memory")
        .getOrCreate()
    )
