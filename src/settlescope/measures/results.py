"""Reading results: the rows of the current definitions, for reports and the dashboard.

Results of several versions or parameter sets of a measure can sit side by side in the
``results`` table (a baseline computed under version 1 stays after version 2 arrives).
Readers ask for the rows of the measure's *current* version and the study's current
parameters, or for an explicit version when comparing waves on frozen definitions.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import pyarrow as pa

from settlescope.measures.base import params_hash
from settlescope.measures.run import resolve_params, select_measures
from settlescope.store.workspace import Workspace
from settlescope.study.model import Study


def current_results(
    ws: Workspace,
    study: Study,
    *,
    measures: Iterable[str] | None = None,
    waves: Iterable[str] | None = None,
    scope: str | None = None,
    scope_id: str | None = None,
    metric: str | None = None,
) -> pa.Table:
    """Result rows of the current version and parameters of each chosen measure.

    ``measures`` takes measure ids or family names, as ``settlescope measure --only`` does.

    Example
    -------
    >>> current_results(ws, study, measures=["item-volume"], scope="partner")  # doctest: +SKIP
    """
    specs = select_measures(measures)
    params = resolve_params(study, specs)
    t = ws.table("results")
    cond = None
    for s in specs:
        c = (
            (t.measure_id == s.id)
            & (t.measure_version == s.version)
            & (t.params_hash == params_hash(params[s.id]))
        )
        cond = c if cond is None else cond | c
    if cond is None:
        return t.limit(0).to_pyarrow()
    t = t.filter(cond)
    if waves is not None:
        t = t.filter(t.wave.isin(list(waves)))
    for col, val in (("scope", scope), ("scope_id", scope_id), ("metric", metric)):
        if val is not None:
            t = t.filter(t[col] == val)
    return t.order_by(
        [ibis.asc(c) for c in ("measure_id", "wave", "scope", "scope_id", "metric")]
    ).to_pyarrow()
