"""The same import and status counts on DuckDB and on a local Spark session.

One Spark session serves the whole test run (its JVM takes ~15 s to start); it binds to
127.0.0.1 only.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from settlescope.importers.run import import_file
from settlescope.store.workspace import Workspace

from ..conftest import StudyFixture

pyspark = pytest.importorskip("pyspark")

DATA = (
    '{"platform":"facebook","platform_id":"1","author":"alice","created_at":"2026-02-01T10:00:00-05:00","text":"Where is the SIN office?","mentions":["bob"]}\n'
    '{"platform":"facebook","platform_id":"2","author":"bob","created_at":"2026-02-01T10:30:00-05:00","parent_id":"1","text":"Service Canada"}\n'
    '{"platform":"telegram","platform_id":"c/3","author":"carol","created_at":"2026-02-02T09:00:00Z","text":"PR card?"}\n'
    '{"platform":"telegram","platform_id":"c/4", broken\n'
    '{"platform":"telegram","platform_id":"c/5","author":"dan","created_at":"2026-02-02T09:05:00Z","parent_id":"c/3"}\n'
)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.fail("Java is needed for the Spark tests: `make system-deps` installs it")
    from settlescope.store.spark import local_session

    session = local_session(tmp_path_factory.mktemp("warehouse"))
    assert session.conf.get("spark.driver.host") == "127.0.0.1"
    assert session.conf.get("spark.driver.bindAddress") == "127.0.0.1"
    yield session
    session.stop()


@pytest.mark.spark
def test_import_and_status_match_on_duckdb_and_spark(
    spark: Any, study: StudyFixture, tmp_path: Path
) -> None:
    f = tmp_path / "data.ndjson"
    f.write_text(DATA)
    study.import_(f)
    with study.ws() as ws:
        duck = ws.status()
    sws = Workspace.on_spark(spark, "settlescope_test")
    opened = study.opened
    s = import_file(
        sws, f, wave="baseline", study=opened.study, pseudonymiser=opened.pseudonymiser()
    )
    assert (s.read, s.loaded, s.rejected) == (5, 4, 1)
    again = import_file(
        sws, f, wave="baseline", study=opened.study, pseudonymiser=opened.pseudonymiser()
    )
    assert again.skipped_same_file
    sp = sws.status()
    assert sp["engine"] == "spark" and duck["engine"] == "duckdb"
    for name in ("items", "interactions", "accounts", "rejects", "import_runs"):
        assert sp["tables"][name] == duck["tables"][name], name
    assert duck["tables"]["items"]["by_platform"] == {"facebook": 2, "telegram": 2}
    assert duck["tables"]["interactions"]["rows"] == 3  # 2 replies + 1 mention
