"""A run killed with SIGKILL in the middle of a large import leaves the workspace as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import StudyFixture

CHILD = r"""
import sys
from pathlib import Path
import settlescope.importers.duckdb_ndjson as d
import settlescope.importers.generic as g
g.BLOCK_BYTES = d.FAST_BLOCK_BYTES = 64 * 1024  # many small batches: the kill lands mid-run
from settlescope.importers.run import import_file
from settlescope.study.setup import open_study

study_dir, data, marker = map(Path, sys.argv[1:4])
opened = open_study(study_dir)
batches = 0

def progress(done, total, rows):
    global batches
    batches += 1
    if batches == 3:                # three batches are in the transaction: say so, go on
        marker.write_text(str(rows))

with opened.workspace() as ws:
    import_file(ws, data, wave="baseline", study=opened.study,
                pseudonymiser=opened.pseudonymiser(), progress=progress)
"""


def _lines(start: int, n: int) -> str:
    return "".join(
        f'{{"platform":"x","platform_id":"{i}","author":"u{i % 997}","created_at":"2026-01-01T00:00:00Z","text":"post {i}"}}\n'
        for i in range(start, start + n)
    )


@pytest.mark.slow
def test_kill_9_mid_import_leaves_the_workspace_as_before(
    study: StudyFixture, tmp_path: Path
) -> None:
    first = tmp_path / "first.ndjson"
    first.write_text(_lines(0, 1000))
    study.import_(first)
    before = study.counts()
    big = tmp_path / "big.ndjson"
    big.write_text(_lines(10_000, 400_000))  # ~40 MB: hundreds of 64 KB batches
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(study.dir), str(big), str(marker)],
        env={**os.environ},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
        assert time.monotonic() < deadline, "the import never reached its third batch"
        time.sleep(0.01)
    rows_in_flight = int(marker.read_text() or 0)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert rows_in_flight > 0  # rows had been written inside the transaction
    assert study.counts() == before
    # and the workspace still works: the same file imports completely afterwards
    s = study.import_(big)
    assert s.loaded == 400_000


def test_an_import_stopped_mid_file_leaves_the_workspace_usable(
    study: StudyFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C in the CLI arrives in the progress callback, while DuckDB's reader still runs
    # on its own thread: the reader must stop before the workspace is used again.
    import settlescope.importers.duckdb_ndjson as d
    from settlescope.importers.run import import_file

    monkeypatch.setattr(d, "FAST_BLOCK_BYTES", 64 * 1024)
    big = tmp_path / "big.ndjson"
    big.write_text(_lines(0, 50_000))
    before = study.counts()
    calls = []

    def progress(done: int, total: int, rows: int) -> None:
        calls.append(rows)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), study.ws() as ws:
        import_file(
            ws,
            big,
            wave="baseline",
            study=study.opened.study,
            pseudonymiser=study.opened.pseudonymiser(),
            progress=progress,
        )
    assert study.counts() == before
    assert study.import_(big).loaded == 50_000
