"""Running measures: choose them, check their parameters, compute, validate, write results.

One run computes every chosen measure for every chosen wave, validates the rows each returns
(declared metric and scope, finite value, proportions in [0, 1], ``lower <= value <= upper``),
and writes everything in one transaction at the end: a failed run leaves the workspace as it
was. Results of a measure are keyed by (measure id, version, parameters hash, wave): a re-run
replaces its own rows and leaves rows of other versions or parameters alone, which is what
keeps baseline figures comparable after a definition changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
from pydantic import BaseModel, ValidationError

from settlescope.errors import StudyError, UsageError
from settlescope.measures.base import (
    BOUNDED_UNITS,
    REGISTRY,
    ROW_COLUMNS,
    MeasureContext,
    MeasureSpec,
    Row,
    is_finite,
    params_hash,
)
from settlescope.store.schema import TABLES
from settlescope.store.workspace import Workspace
from settlescope.study.model import STUDY_FILE, Study, locate_key

# progress(measure id, wave, fraction of this measure done, note)
RunProgress = Callable[[str, str, float, str], None]

# Tables whose rows (per wave) make a wave worth measuring.
DATA_TABLES = ("items", "interactions", "audience", "audience_breakdown", "client_records")


@dataclass
class MeasureRunSummary:
    """What one measure wrote for one wave."""

    measure_id: str
    version: int
    wave: str
    params_hash: str
    rows: int
    node_rows: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class _Pending:
    spec: MeasureSpec
    wave: str
    phash: str
    params: BaseModel
    results: pa.Table
    nodes: pa.Table | None
    started: dt.datetime
    finished: dt.datetime
    seconds: float
    fingerprint: str
    extra: dict[str, Any] = field(default_factory=dict)


def load_measures() -> dict[str, MeasureSpec]:
    from settlescope.measures import load_builtin

    load_builtin()
    return REGISTRY


def select_measures(only: Iterable[str] | None = None) -> list[MeasureSpec]:
    """The registered measures named by ``only`` (family names or measure ids), in order.

    Raises
    ------
    UsageError
        For a name that is neither a family nor a measure id.
    """
    specs = list(load_measures().values())
    if not only:
        return specs
    wanted = [w.strip() for w in only if w.strip()]
    families = {s.family for s in specs}
    unknown = [w for w in wanted if w not in families and w not in REGISTRY]
    if unknown:
        raise UsageError(
            f"unknown measure or family: {', '.join(unknown)}",
            field="--only",
            hint=f"families: {', '.join(sorted(families))}; `settlescope measures` lists ids",
        )
    return [s for s in specs if s.family in wanted or s.id in wanted]


def resolve_params(
    study: Study, specs: Iterable[MeasureSpec], study_dir: Path | None = None
) -> dict[str, BaseModel]:
    """Each measure's parameters from the study file, validated.

    ``[measures.FAMILY]`` sets parameters for every measure of a family that takes them (the
    network measures share ``edge_kinds``, say); ``[measures.ID]`` sets or overrides them for
    one measure.
    """
    known = load_measures()
    families: dict[str, list[MeasureSpec]] = {}
    for spec in known.values():
        families.setdefault(spec.family, []).append(spec)
    path = Path(study_dir) / STUDY_FILE if study_dir else None
    text = path.read_text(encoding="utf-8") if path and path.is_file() else ""

    def fail(msg: str, loc: tuple[Any, ...], hint: str) -> StudyError:
        line = locate_key(text, loc) if text else None
        return StudyError(
            msg,
            file=str(path) if path else None,
            locator=f"line {line}" if line else None,
            field=".".join(str(p) for p in loc),
            hint=hint,
        )

    for mid, values in study.measures.items():
        if mid in known:
            continue
        if mid not in families:
            raise fail(
                f"there is no measure or family '{mid}'",
                ("measures", mid),
                "`settlescope measures` lists the measure ids, families and their parameters",
            )
        accepted = {f for s in families[mid] for f in s.params.model_fields}
        for key in values:
            if key not in accepted:
                raise fail(
                    f"no measure of the family '{mid}' takes this parameter",
                    ("measures", mid, key),
                    f"the family's parameters: {', '.join(sorted(accepted)) or '(none)'}",
                )
    out: dict[str, BaseModel] = {}
    for spec in specs:
        shared = {
            k: v
            for k, v in study.measures.get(spec.family, {}).items()
            if spec.family not in known and k in spec.params.model_fields
        }
        values = {**shared, **study.measures.get(spec.id, {})}
        try:
            out[spec.id] = spec.params_from(values)
        except ValidationError as e:
            err = e.errors()[0]
            key = err["loc"][0] if err["loc"] else None
            owner = spec.id if key is None or key in study.measures.get(spec.id, {}) else (
                spec.family
            )  # fmt: skip
            loc = ("measures", owner, *err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                known_keys = ", ".join(spec.params.model_fields) or "(none)"
                msg = f"unknown parameter (this measure takes: {known_keys})"
            raise fail(
                msg, loc, "`settlescope measures` shows each parameter with its default"
            ) from None
    return out


def waves_with_data(ws: Workspace, study: Study) -> list[str]:
    """The study's waves (in study order) that hold any imported rows."""
    present: set[str] = set()
    for name in DATA_TABLES:
        t = ws.table(name)
        rows = t.select("wave").distinct().to_pyarrow().column("wave").to_pylist()
        present.update(w for w in rows if w)
    return [w.id for w in study.waves if w.id in present]


def inputs_fingerprint(ws: Workspace, study: Study, wave: str, *, labels: bool = True) -> str:
    """A hash of what a wave's results depend on: its import runs, the study and, for the
    measures that read them (``labels``), the text tools' labels.

    Results whose recorded fingerprint differs from the current one are stale.
    """
    return _fingerprints(ws, study, wave, {labels})[labels]


def _fingerprints(ws: Workspace, study: Study, wave: str, kinds: Iterable[bool]) -> dict[bool, str]:
    """The wave's fingerprint without the labels (False) and with them (True), for ``kinds``;
    the import runs and the study are read once."""
    runs = ws.table("import_runs")
    ids = sorted(
        runs.filter((runs.wave == wave) & (runs.status == "complete"))
        .select("run_id")
        .to_pyarrow()
        .column("run_id")
        .to_pylist()
    )
    base = {
        "runs": ids,
        "study": study.model_dump(mode="json", exclude={"measures", "mappings", "phases"}),
    }
    out = {}
    for with_labels in set(kinds):
        labels = ws.count("item_labels") + ws.count("item_flags") if with_labels else None
        blob = orjson.dumps({**base, "labels": labels}, option=orjson.OPT_SORT_KEYS)
        out[with_labels] = hashlib.sha256(blob).hexdigest()[:16]
    return out


def validate_rows(spec: MeasureSpec, rows: Iterable[Row] | pa.Table) -> pa.Table:
    """Check a measure's rows against its declaration; return them as an Arrow table.

    A violation is a bug in the measure (not the user's data), so it raises ``ValueError``
    naming the measure, the metric and the scope.
    """
    if isinstance(rows, pa.Table):
        data = {c: rows.column(c).to_pylist() for c in ROW_COLUMNS if c in rows.column_names}
        n = rows.num_rows
        items = [
            Row(**{c: data[c][i] for c in data})  # type: ignore[arg-type]
            for i in range(n)
        ]
    else:
        items = list(rows)
    declared = {m.name: m for m in spec.metrics}
    cols: dict[str, list[Any]] = {c: [] for c in ROW_COLUMNS}
    for r in items:
        where = f"measure '{spec.id}', metric '{r.metric}', {r.scope} '{r.scope_id}'"
        m = declared.get(r.metric)
        if m is None:
            raise ValueError(f"{where}: the metric is not declared by the measure")
        if r.scope not in spec.scopes:
            raise ValueError(f"{where}: the scope is not declared by the measure")
        if not is_finite(r.value):
            raise ValueError(f"{where}: value {r.value!r} is not a finite number")
        unit = r.unit or m.unit
        v = float(r.value)  # type: ignore[arg-type]
        if unit in BOUNDED_UNITS and not (-1e-9 <= v <= 1 + 1e-9):
            raise ValueError(f"{where}: a {unit} must lie in [0, 1], got {v}")
        for bound in (r.lower, r.upper):
            if bound is not None and not is_finite(bound):
                raise ValueError(f"{where}: a bound is not a finite number")
        if r.lower is not None and r.lower > v + 1e-9:
            raise ValueError(f"{where}: lower bound {r.lower} is above the value {v}")
        if r.upper is not None and r.upper < v - 1e-9:
            raise ValueError(f"{where}: upper bound {r.upper} is below the value {v}")
        if r.n is not None and r.n < 0:
            raise ValueError(f"{where}: n is negative")
        for c in ROW_COLUMNS:
            cols[c].append(getattr(r, c))
        cols["unit"][-1] = unit
        cols["value"][-1] = v
    schema = TABLES["results"]
    return pa.table({c: pa.array(cols[c], schema.field(c).type) for c in ROW_COLUMNS})


def run_measures(
    ws: Workspace,
    study: Study,
    *,
    waves: Iterable[str] | None = None,
    only: Iterable[str] | None = None,
    progress: RunProgress | None = None,
    study_dir: Path | None = None,
) -> list[MeasureRunSummary]:
    """Compute the chosen measures for the chosen waves and write their results.

    Example
    -------
    >>> run_measures(ws, study, only=["network"])  # doctest: +SKIP
    """
    specs = select_measures(only)
    params = resolve_params(study, specs, study_dir)
    wave_ids = list(waves) if waves else waves_with_data(ws, study)
    for w in wave_ids:
        study.wave(w)
    report = progress or (lambda mid, wave, done, note: None)
    if ws.engine == "duckdb" and any(s.reads_labels for s in specs):
        # These measures read languages, categories or question flags: label the items that
        # the current text methods have not labelled yet (a no-op when all are). Labelling
        # runs on DuckDB only: on Spark, measures read the labels the tables already hold.
        from settlescope.text.label import label_workspace

        label_workspace(ws, study)
    with ws.memory_budget(os.environ.get(MEMORY_ENV, DEFAULT_MEMORY)):
        pending = _compute(ws, study, specs, params, wave_ids, report)
    return _write(ws, pending)


# The embedded engine's memory budget while measures run (imports keep a smaller one).
MEMORY_ENV = "SETTLESCOPE_MEASURE_MEMORY_LIMIT"
DEFAULT_MEMORY = "2GB"


def _compute(
    ws: Workspace,
    study: Study,
    specs: list[MeasureSpec],
    params: dict[str, BaseModel],
    wave_ids: list[str],
    report: RunProgress,
) -> list[_Pending]:
    pending: list[_Pending] = []
    for wave in wave_ids:
        shared: dict[str, Any] = {}
        fingerprints = _fingerprints(ws, study, wave, {s.reads_labels for s in specs})
        for spec in specs:
            p = params[spec.id]

            def step(done: float, note: str, _id: str = spec.id, _w: str = wave) -> None:
                report(_id, _w, done, note)

            ctx = MeasureContext(ws=ws, study=study, wave=wave, params=p, progress=step)
            ctx.shared = shared
            report(spec.id, wave, 0.0, "")
            started = dt.datetime.now(dt.UTC)
            t0 = time.perf_counter()
            out = spec.compute(ctx)
            table = validate_rows(spec, out)
            nodes = pa.concat_tables(ctx.node_rows) if ctx.node_rows else None
            seconds = time.perf_counter() - t0
            report(spec.id, wave, 1.0, f"{table.num_rows} rows")
            pending.append(
                _Pending(
                    spec=spec,
                    wave=wave,
                    phash=params_hash(p),
                    params=p,
                    results=table,
                    nodes=nodes,
                    started=started,
                    finished=dt.datetime.now(dt.UTC),
                    seconds=seconds,
                    fingerprint=fingerprints[spec.reads_labels],
                )
            )
    return pending


def _write(ws: Workspace, pending: list[_Pending]) -> list[MeasureRunSummary]:
    summaries = []
    now = dt.datetime.now(dt.UTC)
    with ws.transaction():
        for p in pending:
            key = dict(
                measure_id=p.spec.id,
                measure_version=p.spec.version,
                params_hash=p.phash,
                wave=p.wave,
            )
            n = p.results.num_rows
            results = p.results
            for name, value, typ in (
                ("measure_id", p.spec.id, pa.string()),
                ("measure_version", p.spec.version, pa.int64()),
                ("params_hash", p.phash, pa.string()),
                ("wave", p.wave, pa.string()),
                ("computed_at", now, TABLES["results"].field("computed_at").type),
            ):
                results = results.append_column(name, pa.array([value] * n, typ))
            ws.replace_where("results", key, results)
            nodes = p.nodes
            n_nodes = 0
            if nodes is not None:
                n_nodes = nodes.num_rows
                for name, value, typ in (
                    ("measure_id", p.spec.id, pa.string()),
                    ("measure_version", p.spec.version, pa.int64()),
                    ("params_hash", p.phash, pa.string()),
                    ("wave", p.wave, pa.string()),
                ):
                    nodes = nodes.append_column(name, pa.array([value] * n_nodes, typ))
            ws.replace_where(
                "node_attributes", key, nodes if nodes is not None else _empty("node_attributes")
            )
            run = dict(
                key,
                params=orjson.dumps(p.params.model_dump(mode="json")).decode(),
                started_at=p.started,
                finished_at=p.finished,
                rows=n,
                inputs_fingerprint=p.fingerprint,
                status="complete",
            )
            ws.replace_where(
                "measure_runs", key, pa.Table.from_pylist([run], schema=TABLES["measure_runs"])
            )
            summaries.append(
                MeasureRunSummary(
                    measure_id=p.spec.id,
                    version=p.spec.version,
                    wave=p.wave,
                    params_hash=p.phash,
                    rows=n,
                    node_rows=n_nodes,
                    seconds=p.seconds,
                )
            )
    return summaries


def _empty(name: str) -> pa.Table:
    return TABLES[name].empty_table()


@dataclass(frozen=True)
class ResultState:
    """Whether a measure's results for a wave are current, stale or missing."""

    measure_id: str
    family: str
    wave: str
    state: str  # current, stale, missing
    computed_at: dt.datetime | None

    def command(self, study_dir: str = "DIR") -> str:
        return (
            f"settlescope measure --study {study_dir} --wave {self.wave} --only {self.measure_id}"
        )


def results_status(
    ws: Workspace,
    study: Study,
    *,
    only: Iterable[str] | None = None,
    waves: Iterable[str] | None = None,
) -> list[ResultState]:
    """For each chosen measure and wave with data: are its results current?

    Results are *missing* when no run of the measure's current version and parameters exists
    for the wave, and *stale* when the wave's imports, the labels or the study changed since.
    """
    specs = select_measures(only)
    params = resolve_params(study, specs)
    wave_ids = list(waves) if waves else waves_with_data(ws, study)
    runs = ws.table("measure_runs").to_pyarrow().to_pylist()
    by_key = {(r["measure_id"], r["measure_version"], r["params_hash"], r["wave"]): r for r in runs}
    out = []
    for wave in wave_ids:
        fps = _fingerprints(ws, study, wave, {s.reads_labels for s in specs})
        for spec in specs:
            r = by_key.get((spec.id, spec.version, params_hash(params[spec.id]), wave))
            if r is None:
                state, when = "missing", None
            else:
                state = "current" if r["inputs_fingerprint"] == fps[spec.reads_labels] else "stale"
                when = r["finished_at"]
            out.append(ResultState(spec.id, spec.family, wave, state, when))
    return out
