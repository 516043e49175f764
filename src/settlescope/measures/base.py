"""What a measure is: a small typed spec, a registry, the context it runs in, and its rows.

A measure is a pure function of workspace tables and parameters. It reads through the
:class:`MeasureContext` it is given, reports progress only through the context's callback,
and returns tidy :class:`Row` objects (or an Arrow table of the same columns). It does no file
I/O and no printing. The runner (:mod:`settlescope.measures.run`) validates what it returns,
adds the measure's id, version, parameters hash and wave, and writes the rows to ``results``.

Every quantity a measure reports is declared as a :class:`Metric` with its unit and
definition, so ``settlescope measures``, the reports' methods appendix and the results
themselves say the same thing. A measure that meets data it cannot measure raises
:class:`settlescope.errors.MeasureError`; it never writes a silent 0 or NaN.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import ibis
import orjson
import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from settlescope.store.workspace import Workspace
from settlescope.study.model import Organization, Study

# Scopes a result row can belong to (DESIGN §4).
SCOPES = frozenset(
    {"study", "sector", "partner", "organization", "account", "platform", "community",
     "container", "segment"}
)  # fmt: skip

# Units whose values are proportions: the runner checks they lie in [0, 1].
BOUNDED_UNITS = frozenset({"share"})


class NoParams(BaseModel):
    """Parameters of a measure that takes none."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Metric:
    """One quantity a measure reports.

    Parameters
    ----------
    name
        The ``metric`` column of its result rows (kebab-case, stable).
    unit
        ``count``, ``share`` (a proportion in [0, 1]), ``ratio``, ``seconds``, ``accounts`` ...
    definition
        The formula and its conventions in plain words, with the denominator.
    """

    name: str
    unit: str
    definition: str


@dataclass(frozen=True, slots=True)
class Row:
    """One tidy result: a metric's value for a scope, with its uncertainty and n.

    ``dimension``/``category`` break a scope down (``month``/``2026-03``,
    ``platform``/``facebook``); ``unit`` defaults to the metric's declared unit.
    """

    scope: str
    scope_id: str
    metric: str
    value: float | None
    n: int | None = None
    lower: float | None = None
    upper: float | None = None
    dimension: str | None = None
    category: str | None = None
    unit: str | None = None


ROW_COLUMNS = (
    "scope",
    "scope_id",
    "metric",
    "value",
    "n",
    "lower",
    "upper",
    "dimension",
    "category",
    "unit",
)


@dataclass
class MeasureContext:
    """What a measure sees: the workspace, the study, one wave, its parameters.

    ``shared`` is a memo shared by the measures of one run and wave, for inputs several
    measures need (a built graph, say): use :meth:`memo`.
    """

    ws: Workspace
    study: Study
    wave: str
    params: Any
    progress: Callable[[float, str], None] = lambda done, note: None
    shared: dict[str, Any] = field(default_factory=dict)
    node_rows: list[pa.Table] = field(default_factory=list)

    def table(self, name: str) -> ibis.Table:
        """A workspace table, restricted to this wave when the table has waves."""
        t = self.ws.table(name)
        return t.filter(t.wave == self.wave) if "wave" in t.columns else t

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self.shared:
            self.shared[key] = make()
        return self.shared[key]

    @property
    def partners(self) -> tuple[Organization, ...]:
        return self.study.partners

    def add_node_attributes(
        self, scope: str, scope_id: str, attribute: str, data: pa.Table
    ) -> None:
        """Keep a per-account attribute (a community, a k-core number) beside the results.

        ``data`` has ``account_key`` and ``value`` (float) and optionally ``label`` (text).
        """
        n = data.num_rows
        cols = {
            "scope": pa.array([scope] * n, pa.string()),
            "scope_id": pa.array([scope_id] * n, pa.string()),
            "account_key": data.column("account_key").cast(pa.string()),
            "attribute": pa.array([attribute] * n, pa.string()),
            "value": data.column("value").cast(pa.float64()),
            "label": (
                data.column("label").cast(pa.string())
                if "label" in data.column_names
                else pa.nulls(n, pa.string())
            ),
        }
        self.node_rows.append(pa.table(cols))


Compute = Callable[[MeasureContext], Iterable[Row] | pa.Table]


LABEL_INPUTS = frozenset({"items.language", "item_labels", "item_flags"})
"""Inputs that the text tools fill (``settlescope.text.label``): a measure that names one of
them in its ``inputs`` has the items labelled before it runs, and its results go stale when
the labels change."""


@dataclass(frozen=True)
class MeasureSpec:
    """A registered measure."""

    id: str
    version: int
    family: str
    title: str
    inputs: tuple[str, ...]
    scopes: tuple[str, ...]
    metrics: tuple[Metric, ...]
    definition: str
    references: tuple[str, ...]
    params: type[BaseModel]
    compute: Compute

    @property
    def reads_labels(self) -> bool:
        """Whether the measure reads what the text tools label (languages, categories, flags)."""
        return not LABEL_INPUTS.isdisjoint(self.inputs)

    def metric(self, name: str) -> Metric:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)

    def params_from(self, values: dict[str, Any]) -> BaseModel:
        return self.params.model_validate(values)

    def describe(self) -> dict[str, Any]:
        """Everything the catalogue and the methods appendix show about this measure."""
        return dict(
            id=self.id,
            version=self.version,
            family=self.family,
            title=self.title,
            inputs=list(self.inputs),
            scopes=list(self.scopes),
            definition=self.definition,
            references=list(self.references),
            metrics=[dict(name=m.name, unit=m.unit, definition=m.definition) for m in self.metrics],
            parameters={
                name: dict(
                    default=_jsonable(f.default),
                    description=f.description or "",
                )
                for name, f in self.params.model_fields.items()
            },
        )


def _jsonable(v: Any) -> Any:
    return orjson.loads(orjson.dumps(v, default=str))


REGISTRY: dict[str, MeasureSpec] = {}


def measure(
    *,
    id: str,
    version: int,
    family: str,
    title: str,
    inputs: tuple[str, ...],
    scopes: tuple[str, ...],
    metrics: tuple[Metric, ...],
    definition: str,
    references: tuple[str, ...] = (),
    params: type[BaseModel] = NoParams,
) -> Callable[[Compute], Compute]:
    """Register ``compute`` as the measure ``id`` (version ``version``).

    Example
    -------
    >>> @measure(id="doc-example", version=1, family="doc", title="Example",
    ...          inputs=("items",), scopes=("study",),
    ...          metrics=(Metric("items", "count", "number of items in the wave"),),
    ...          definition="Counts items.")  # doctest: +SKIP
    ... def items_count(ctx):
    ...     return [Row("study", "study", "items", ctx.table("items").count().execute())]
    """

    def deco(fn: Compute) -> Compute:
        if id in REGISTRY:
            raise ValueError(f"measure id '{id}' is registered twice")
        bad = [s for s in scopes if s not in SCOPES]
        if bad:
            raise ValueError(f"measure '{id}': unknown scope(s) {bad}")
        names = [m.name for m in metrics]
        if len(set(names)) != len(names):
            raise ValueError(f"measure '{id}': a metric is declared twice")
        REGISTRY[id] = MeasureSpec(
            id=id,
            version=version,
            family=family,
            title=title,
            inputs=inputs,
            scopes=scopes,
            metrics=metrics,
            definition=definition,
            references=references,
            params=params,
            compute=fn,
        )
        return fn

    return deco


def params_hash(params: BaseModel) -> str:
    """A short stable hash of a measure's parameters (defaults included)."""
    blob = orjson.dumps(params.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(blob).hexdigest()[:12]


def is_finite(v: float | None) -> bool:
    return v is not None and not (isinstance(v, float) and (math.isnan(v) or math.isinf(v)))
