"""One conformance suite over every registered measure, on the measured demo study.

Each measure must have written rows for both waves, only of the metrics and scopes it
declares, with finite values, proportions in [0, 1], bounds around the value and n >= 0
(the runner checks these as it writes; here we check what reached the workspace), and a
second run must reproduce the same rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from settlescope.measures.run import results_status, run_measures, select_measures
from settlescope.study.setup import open_study

SPECS = select_measures()


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_measure_fills_both_waves_with_declared_rows(measured_demo: Path, spec) -> None:  # type: ignore[no-untyped-def]
    opened = open_study(measured_demo)
    with opened.workspace() as ws:
        rows = ws.duck.execute(
            "SELECT wave, scope, metric, value, lower, upper, n, unit FROM results "
            "WHERE measure_id = ? AND measure_version = ?",
            [spec.id, spec.version],
        ).fetchall()
        states = results_status(ws, opened.study, only=[spec.id])
    assert {r[0] for r in rows} == {"baseline", "followup"}
    assert {s.state for s in states} == {"current"}
    declared = {m.name: m.unit for m in spec.metrics}
    for _wave, scope, metric, value, lower, upper, n, unit in rows:
        assert metric in declared and scope in spec.scopes
        if unit == "share":
            assert 0.0 <= value <= 1.0
        if lower is not None:
            assert lower <= value
        if upper is not None:
            assert value <= upper
        assert n is None or n >= 0


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_a_second_run_gives_the_same_rows(measured_demo: Path, tmp_path: Path, spec) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import copy_study

    copy = copy_study(measured_demo, tmp_path / "again")
    opened = open_study(copy)
    query = (
        "SELECT wave, scope, scope_id, metric, dimension, category, value, lower, upper, n "
        "FROM results WHERE measure_id = ? ORDER BY ALL"
    )
    with opened.workspace() as ws:
        before = ws.duck.execute(query, [spec.id]).fetchall()
        run_measures(ws, opened.study, only=[spec.id])
        after = ws.duck.execute(query, [spec.id]).fetchall()
    assert before == after and before
