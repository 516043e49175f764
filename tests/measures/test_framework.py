"""The measure framework: registry, validation of rows, writing, parameters, staleness."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from settlescope.errors import StudyError, UsageError
from settlescope.measures.base import REGISTRY, Metric, Row, measure
from settlescope.measures.results import current_results
from settlescope.measures.run import (
    resolve_params,
    results_status,
    run_measures,
    select_measures,
    validate_rows,
)
from tests.conftest import StudyFixture

NDJSON = (
    '{"platform":"x","platform_id":"1","author":"a","created_at":"2026-01-02T00:00:00Z"}\n'
    '{"platform":"x","platform_id":"2","author":"b","created_at":"2026-01-03T00:00:00Z"}\n'
)


@pytest.fixture
def probe() -> object:
    """A throw-away measure registered for one test."""

    @measure(
        id="test-probe",
        version=1,
        family="test",
        title="Probe",
        inputs=("items",),
        scopes=("study",),
        metrics=(
            Metric("n-items", "count", "items in the wave"),
            Metric("half", "share", "a proportion"),
        ),
        definition="for tests",
    )
    def probe(ctx):  # type: ignore[no-untyped-def]
        n = int(ctx.table("items").count().to_pyarrow().as_py())
        return [Row("study", "study", "n-items", n, n=n), Row("study", "study", "half", 0.5)]

    yield REGISTRY["test-probe"]
    del REGISTRY["test-probe"]


def test_duplicate_ids_and_unknown_scopes_are_refused() -> None:
    select_measures()  # loads the built-in measures
    with pytest.raises(ValueError, match="registered twice"):
        measure(
            id="item-volume",
            version=9,
            family="x",
            title="",
            inputs=(),
            scopes=("study",),
            metrics=(),
            definition="",
        )(lambda ctx: [])
    with pytest.raises(ValueError, match="unknown scope"):
        measure(
            id="test-bad-scope",
            version=1,
            family="x",
            title="",
            inputs=(),
            scopes=("galaxy",),
            metrics=(),
            definition="",
        )(lambda ctx: [])
    assert "test-bad-scope" not in REGISTRY


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (Row("study", "study", "nope", 1.0), "not declared"),
        (Row("partner", "p1", "n-items", 1.0), "scope is not declared"),
        (Row("study", "study", "n-items", math.nan), "not a finite number"),
        (Row("study", "study", "half", 1.5), r"must lie in \[0, 1\]"),
        (Row("study", "study", "n-items", 2.0, lower=3.0), "lower bound"),
        (Row("study", "study", "n-items", 2.0, upper=1.0), "upper bound"),
        (Row("study", "study", "n-items", 2.0, n=-1), "n is negative"),
    ],
    ids=["undeclared-metric", "undeclared-scope", "nan", "share-above-1", "lower", "upper", "n"],
)
def test_invalid_rows_are_a_bug_in_the_measure(probe, row: Row, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        validate_rows(probe, [row])


def test_results_are_replaced_by_a_rerun_and_other_versions_stay(
    study: StudyFixture, tmp_path: Path, probe
) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "a.ndjson"
    f.write_text(NDJSON)
    study.import_(f)
    with study.ws() as ws:
        run_measures(ws, study.opened.study, only=["test-probe"])
        run_measures(ws, study.opened.study, only=["test-probe"])
    got = study.sql("SELECT metric, value, n, measure_version, wave FROM results ORDER BY metric")
    assert got == [("half", 0.5, None, 1, "baseline"), ("n-items", 2.0, 2, 1, "baseline")]
    # a new version of the definition writes beside the old rows, never over them
    REGISTRY["test-probe"] = REGISTRY["test-probe"].__class__(
        **{**REGISTRY["test-probe"].__dict__, "version": 2}
    )
    with study.ws() as ws:
        run_measures(ws, study.opened.study, only=["test-probe"])
        cur = current_results(ws, study.opened.study, measures=["test-probe"])
    versions = study.sql("SELECT measure_version, count(*) FROM results GROUP BY 1 ORDER BY 1")
    assert versions == [(1, 2), (2, 2)]
    assert set(cur.column("measure_version").to_pylist()) == {2}


def test_a_failing_measure_writes_nothing(study: StudyFixture, tmp_path: Path, probe) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "a.ndjson"
    f.write_text(NDJSON)
    study.import_(f)

    @measure(
        id="test-broken",
        version=1,
        family="test",
        title="",
        inputs=(),
        scopes=("study",),
        metrics=(),
        definition="",
    )
    def broken(ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    try:
        with study.ws() as ws, pytest.raises(RuntimeError):
            run_measures(ws, study.opened.study, only=["test"])  # probe first, then broken
        assert study.sql("SELECT count(*) FROM results") == [(0,)]
        assert study.sql("SELECT count(*) FROM measure_runs") == [(0,)]
    finally:
        del REGISTRY["test-broken"]


def test_unknown_measures_and_parameters_name_the_key_and_line(study: StudyFixture) -> None:
    with pytest.raises(UsageError, match="unknown measure or family: nosuch"):
        select_measures(["nosuch"])
    toml = study.dir / "study.toml"
    base = toml.read_text(encoding="utf-8")
    toml.write_text(base + "\n[measures.item-volume]\nkindz = ['post']\n", encoding="utf-8")
    study.reload()
    with study.ws() as ws, pytest.raises(StudyError) as e:
        run_measures(ws, study.opened.study, study_dir=study.dir)
    assert e.value.field == "measures.item-volume.kindz"
    assert "kinds" in e.value.message  # says which parameters the measure takes
    line = base.count("\n") + 3
    assert e.value.locator == f"line {line}"
    toml.write_text(base + "\n[measures.no-such-measure]\nx = 1\n", encoding="utf-8")
    study.reload()
    with study.ws() as ws, pytest.raises(StudyError) as e:
        run_measures(ws, study.opened.study, study_dir=study.dir)
    assert e.value.field == "measures.no-such-measure"


def test_results_go_stale_when_a_wave_gets_new_imports(
    study: StudyFixture, tmp_path: Path, probe
) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "a.ndjson"
    f.write_text(NDJSON)
    study.import_(f)
    with study.ws() as ws:
        assert [s.state for s in results_status(ws, study.opened.study, only=["test"])] == [
            "missing"
        ]
        run_measures(ws, study.opened.study, only=["test"])
        st = results_status(ws, study.opened.study, only=["test"])
        assert [s.state for s in st] == ["current"]
    g = tmp_path / "b.ndjson"
    g.write_text(NDJSON.replace('"1"', '"3"'))
    study.import_(g)
    with study.ws() as ws:
        st = results_status(ws, study.opened.study, only=["test"])
    assert [s.state for s in st] == ["stale"]
    assert st[0].command("S") == "settlescope measure --study S --wave baseline --only test-probe"


def test_only_measures_that_read_labels_have_the_items_labelled_and_go_stale_with_them(
    study: StudyFixture, tmp_path: Path, probe
) -> None:  # type: ignore[no-untyped-def]
    # The probe reads items only: running it labels nothing, and new labels leave it current.
    # languages-used reads items.language: running it labels both items, and once the labels
    # change (here: removed by hand) its results are stale while the probe's are not.
    f = tmp_path / "a.ndjson"
    f.write_text(NDJSON.replace('"author":"a"', '"author":"a","text":"Where is the bus stop?"'))
    study.import_(f)
    with study.ws() as ws:
        run_measures(ws, study.opened.study, only=["test"])
        assert ws.count("item_flags") == 0
        assert ws.duck.execute("SELECT count(language) FROM items").fetchone() == (0,)
        run_measures(ws, study.opened.study, only=["languages-used"])
        assert ws.duck.execute("SELECT count(language) FROM items").fetchone() == (2,)
        assert ws.count("item_flags") == 1  # the one question
        states = {s.measure_id: s.state for s in results_status(
            ws, study.opened.study, only=["test", "languages-used"])}  # fmt: skip
        assert states == {"test-probe": "current", "languages-used": "current"}
        ws.duck.execute("DELETE FROM item_flags")
        states = {s.measure_id: s.state for s in results_status(
            ws, study.opened.study, only=["test", "languages-used"])}  # fmt: skip
    assert states == {"test-probe": "current", "languages-used": "stale"}


def test_family_parameters_reach_every_measure_of_the_family(study: StudyFixture) -> None:
    toml = study.dir / "study.toml"
    base = toml.read_text(encoding="utf-8")
    toml.write_text(
        base + '\n[measures.network]\nedge_kinds = ["reply"]\n'
        "[measures.network-communities]\nresolution = 0.5\n",
        encoding="utf-8",
    )
    study.reload()
    specs = select_measures(["network"])
    params = resolve_params(study.opened.study, specs, study.dir)
    for sid in ("network-structure", "network-communities", "network-positions"):
        assert params[sid].edge_kinds == ("reply",)  # type: ignore[attr-defined]
    assert params["network-communities"].resolution == 0.5  # type: ignore[attr-defined]
    assert params["network-brokerage"].resolution == 1.0  # type: ignore[attr-defined]
    # a parameter no measure of the family takes, or a bad value, names the key and line
    toml.write_text(base + "\n[measures.network]\nedge_kind = ['reply']\n", encoding="utf-8")
    study.reload()
    with pytest.raises(StudyError) as e:
        resolve_params(study.opened.study, specs, study.dir)
    assert e.value.field == "measures.network.edge_kind"
    assert e.value.locator == f"line {base.count(chr(10)) + 3}"
    toml.write_text(base + "\n[measures.network]\nedge_kinds = ['likes']\n", encoding="utf-8")
    study.reload()
    with pytest.raises(StudyError) as e:
        resolve_params(study.opened.study, specs, study.dir)
    assert (e.value.field or "").startswith("measures.network.edge_kinds")
