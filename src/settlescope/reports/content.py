"""What a deliverable shows, read from the workspace: results, their state, runs, posts.

:class:`ReportData` reads the current results of the measures a deliverable declares (it
never computes a measure), with each measure's state for the wave: *current*, *stale* (the
imports changed since, or only another version of the measure was run), *missing* (never
run), or *unavailable* (no such measure is installed yet). Section builders turn these into
blocks of text, tables and charts; a section whose results are not current says which
``settlescope measure`` command brings it up to date.
"""

from __future__ import annotations

import shlex
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from settlescope.measures.base import MeasureSpec
from settlescope.measures.results import current_results
from settlescope.measures.run import load_measures, results_status
from settlescope.reports.deliverables import Deliverable, Figure, Section
from settlescope.reports.i18n import Language
from settlescope.reports.tables import Column, ReportTable, wilson
from settlescope.store.workspace import Workspace
from settlescope.study.model import Study

# Units whose values are shown as percentages, and those shown with decimals.
SHARE_UNITS = {"share"}
RATIO_UNITS = {"ratio"}


@dataclass(frozen=True)
class MeasureState:
    measure_id: str
    family: str
    state: str  # current, stale, missing, unavailable


@dataclass
class Block:
    """A rendered section: text, tables, charts and maps, and any notice about its results."""

    section: Section
    title: str
    intro: str = ""
    notices: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)  # {id, title, spec}
    posts: list[dict[str, Any]] = field(default_factory=list)
    html: str = ""  # trusted HTML made by settlescope (guidance Markdown), never post text

    @property
    def anchor(self) -> str:
        return f"s-{self.section.id}"


class ReportData:
    """The results a deliverable reads, for one wave, with their states.

    Example
    -------
    >>> data = ReportData(ws, study, Path("study"), PHASE1, "baseline", Language.of("en"))  # doctest: +SKIP
    >>> data.value(ITEMS, "partner", "p01")  # doctest: +SKIP
    """

    def __init__(
        self,
        ws: Workspace,
        study: Study,
        study_dir: Path,
        deliverable: Deliverable,
        wave: str,
        lang: Language,
    ) -> None:
        self.ws, self.study, self.study_dir = ws, study, Path(study_dir)
        self.deliverable, self.wave, self.lang = deliverable, wave, lang
        self.registry: dict[str, MeasureSpec] = load_measures()
        wanted = list(deliverable.measure_ids)
        present = [m for m in wanted if m in self.registry]
        runs = ws.table("measure_runs")
        ran_any = set(
            runs.filter(runs.wave == wave).select("measure_id").to_pyarrow().column(0).to_pylist()
        )
        self.states: dict[str, MeasureState] = {}
        for s in results_status(ws, study, only=present, waves=[wave]) if present else []:
            state = s.state
            if state == "missing" and s.measure_id in ran_any:
                state = "stale"  # results exist only under another version or parameters
            self.states[s.measure_id] = MeasureState(s.measure_id, s.family, state)
        for m in wanted:
            if m not in self.registry:
                fam = m.split("-")[0]
                self.states[m] = MeasureState(m, fam, "unavailable")
        rows = (
            current_results(ws, study, measures=present, waves=[wave]) if present else pa.table({})
        )
        self.rows: list[dict[str, Any]] = rows.to_pylist() if rows.num_rows else []
        self._index: dict[tuple[str, str, str, str, str | None], list[dict[str, Any]]] = {}
        for r in self.rows:
            key = (r["measure_id"], r["metric"], r["scope"], r["scope_id"], r["dimension"])
            self._index.setdefault(key, []).append(r)
        self.partners = list(study.partners)
        self.others = list(study.sector)

    # -- states ---------------------------------------------------------------------------
    def not_current(self, measure_ids: tuple[str, ...]) -> list[MeasureState]:
        return [self.states[m] for m in measure_ids if self.states[m].state != "current"]

    def command(self, states: list[MeasureState]) -> str:
        """The ``settlescope measure`` command that brings these measures up to date."""
        fams = sorted({s.family for s in states if s.state == "unavailable"})
        ids = [s.measure_id for s in states if s.state != "unavailable"]
        only = ",".join(fams + ids)
        return (
            f"settlescope measure --study {shlex.quote(str(self.study_dir))} "
            f"--wave {shlex.quote(self.wave)} --only {only}"
        )

    def notices(self, measure_ids: tuple[str, ...]) -> list[str]:
        _ = self.lang.gettext
        bad = self.not_current(measure_ids)
        if not bad:
            return []
        out = []
        unavailable = [s for s in bad if s.state == "unavailable"]
        if unavailable:
            out.append(
                _("Not measured yet: these results come from the measures {ids}, which this "
                  "installation does not have yet. Once they are installed, run: {cmd}").format(
                    ids=", ".join(s.measure_id for s in unavailable),
                    cmd=self.command(unavailable),
                )
            )  # fmt: skip
        missing = [s for s in bad if s.state == "missing"]
        if missing:
            out.append(
                _("Not measured yet for this wave. Run: {cmd}").format(cmd=self.command(missing))
            )
        stale = [s for s in bad if s.state == "stale"]
        if stale:
            out.append(
                _("Out of date: data was imported or a measure changed since these results "
                  "were computed ({ids}). Run: {cmd}").format(
                    ids=", ".join(s.measure_id for s in stale), cmd=self.command(stale)
                )
            )  # fmt: skip
        return out

    # -- values ---------------------------------------------------------------------------
    def row(self, fig: Figure, scope: str, scope_id: str) -> dict[str, Any] | None:
        rows = self._index.get((fig.measure, fig.metric, scope, scope_id, fig.dimension), [])
        if fig.dimension and fig.dimension != "organization":
            if fig.category:
                rows = [r for r in rows if r["category"] == fig.category]
            rows = sorted(rows, key=lambda r: str(r["category"]))
        return rows[0] if rows else None

    def value(self, fig: Figure, scope: str, scope_id: str) -> float | None:
        r = self.row(fig, scope, scope_id)
        return None if r is None else r["value"]

    def breakdown(self, fig: Figure, scope: str, scope_id: str, dimension: str) -> list[dict]:  # type: ignore[type-arg]
        rows = self._index.get((fig.measure, fig.metric, scope, scope_id, dimension), [])
        return sorted(rows, key=lambda r: str(r["category"]))

    def unit(self, fig: Figure) -> str:
        spec = self.registry.get(fig.measure)
        if spec is None:
            return "ratio"
        try:
            return spec.metric(fig.metric).unit
        except KeyError:
            return "ratio"

    def org_scopes(self, partner_only: str | None = None) -> list[tuple[str, str, str]]:
        """(scope, id, name) of the partners (or one partner) and the other organizations."""
        out = [("partner", p.id, p.name) for p in self.partners
               if partner_only is None or p.id == partner_only]  # fmt: skip
        if partner_only is None:
            out += [("organization", o.id, o.name) for o in self.others]
        return out

    def sector_values(self, fig: Figure) -> list[float]:
        vals = []
        for scope, oid, _ in self.org_scopes():
            v = self.value(fig, scope, oid)
            if v is not None:
                vals.append(v)
        return vals

    def sector_median(self, fig: Figure) -> float | None:
        vals = self.sector_values(fig)
        return statistics.median(vals) if vals else None

    # -- formatting ------------------------------------------------------------------------
    def fmt(self, value: float | None, unit: str) -> str:
        if value is None:
            return "–"
        if unit in SHARE_UNITS:
            return self.lang.percent(value, 1)
        if unit in RATIO_UNITS:
            return self.lang.number(value, 3 if abs(value) < 10 else 1)
        if float(value).is_integer():
            return self.lang.number(value, 0)
        return self.lang.number(value, 1)

    def figure_columns(self) -> list[Column]:
        _ = self.lang.gettext
        return [
            Column("organization", _("Organization")),
            Column("role", _("Role")),
            Column("measure", _("Measure"), description=_("Measure id (see the methods appendix)")),
            Column("metric", _("Metric")),
            Column("value", _("Value"), "number"),
            Column("lower", _("Lower 95% bound"), "number"),
            Column("upper", _("Upper 95% bound"), "number"),
            Column("n", "n", "int", _("Number of observations behind the value")),
            Column("unit", _("Unit")),
        ]

    def figure_rows(self, figs: tuple[Figure, ...], partner_only: str | None = None) -> list[dict]:  # type: ignore[type-arg]
        """One row per organization and figure, with the interval and n.

        A share without an interval from its measure gets a Wilson 95 % interval from its n.
        """
        _ = self.lang.gettext
        out = []
        for f in figs:
            unit = self.unit(f)
            for scope, oid, name in self.org_scopes(partner_only):
                r = self.row(f, scope, oid)
                if r is None:
                    continue
                lo, hi = r["lower"], r["upper"]
                if lo is None and unit in SHARE_UNITS and r["n"]:
                    lo, hi = wilson(r["value"], int(r["n"]))
                out.append(dict(
                    organization=name,
                    role=_("partner") if scope == "partner" else _("other organization"),
                    measure=f.measure,
                    metric=_(f.label),
                    value=r["value"], lower=lo, upper=hi, n=r["n"], unit=unit,
                ))  # fmt: skip
        return out


def example_posts(
    ws: Workspace, study: Study, wave: str, per_org: int = 3, partner_only: str | None = None
) -> list[dict[str, Any]]:
    """Each partner's own posts with the most reactions, comments and shares in the wave.

    The text is returned as stored: it is untrusted and must be escaped where it is shown.
    """
    items = ws.table("items")
    acc = ws.table("accounts")
    out: list[dict[str, Any]] = []
    for p in study.partners:
        if partner_only and p.id != partner_only:
            continue
        own = acc.filter(acc.org_id == p.id).select(acc.account_key)
        t = items.filter(
            (items.wave == wave)
            & (items.kind == "post")
            & items.author_key.isin(own.account_key)
            & items.text.notnull()
        )
        eng = (t.reactions.fill_null(0) + t.comments.fill_null(0) + t.shares.fill_null(0)).name(
            "engagements"
        )
        rows = (
            t.select(t.platform, t.created_at, t.text, eng)
            .order_by([eng.desc(), t.created_at])
            .limit(per_org)
            .to_pyarrow()
            .to_pylist()
        )
        for r in rows:
            out.append(dict(organization=p.name, **r))
    return out
