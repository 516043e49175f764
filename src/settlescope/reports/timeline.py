"""The study timeline: phases and deliverables from ``study.toml``, with a derived status.

A deliverable is *done* when every measure it needs has current results (for its wave),
*in progress* when some of them have results, and *planned* otherwise. The measures come
from the declared settlescope deliverable it names (``report = "phase1"``) or from its own
``measures`` list (families or measure ids). A phase is done when all its deliverables are,
in progress when any has started, planned otherwise. The timeline is drawn as a Gantt chart
(Vega-Lite) in reports and the Toolkit, and as text by ``settlescope timeline``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from settlescope.measures.run import load_measures, results_status
from settlescope.reports.deliverables import DELIVERABLES
from settlescope.store.workspace import Workspace
from settlescope.study.model import Study

STATUSES = ("planned", "in progress", "done")


@dataclass(frozen=True)
class TimelineRow:
    """One bar (a phase) or milestone (a deliverable) of the timeline."""

    kind: str  # phase or deliverable
    id: str
    label: str
    phase: str
    start: dt.date
    end: dt.date
    status: str
    missing: tuple[str, ...] = ()


def needed_measures(report: str | None, measures: tuple[str, ...]) -> tuple[str, ...]:
    """Measure ids (or unknown names, kept as they are) a planned deliverable needs."""
    registry = load_measures()
    names: list[str] = list(DELIVERABLES[report].measure_ids) if report in DELIVERABLES else []
    for m in measures:
        fam = [s.id for s in registry.values() if s.family == m]
        names.extend(fam or [m])
    return tuple(dict.fromkeys(names))


def timeline(ws: Workspace, study: Study) -> list[TimelineRow]:
    """The study's phases and deliverables with their status, in study order."""
    registry = load_measures()
    known = [m for m in registry]
    states: dict[tuple[str, str], str] = {}
    for s in results_status(ws, study, only=known) if known else []:
        states[(s.measure_id, s.wave)] = s.state
    rows: list[TimelineRow] = []
    for p in study.phases:
        d_rows = []
        for d in p.deliverables:
            need = needed_measures(d.report, d.measures)
            waves = [d.wave] if d.wave else sorted({w for _, w in states})
            got = []
            for m in need:
                st = [states.get((m, w), "missing") for w in waves] or ["missing"]
                got.append((m, "current" if all(x == "current" for x in st) else
                            "some" if any(x != "missing" for x in st) else "missing"))  # fmt: skip
            if need and all(g == "current" for _, g in got):
                status = "done"
            elif any(g != "missing" for _, g in got):
                status = "in progress"
            else:
                status = "planned"
            missing = tuple(m for m, g in got if g != "current")
            d_rows.append(TimelineRow("deliverable", d.id, d.label, p.id, d.due, d.due, status,
                                      missing))  # fmt: skip
        if d_rows and all(r.status == "done" for r in d_rows):
            status = "done"
        elif any(r.status != "planned" for r in d_rows):
            status = "in progress"
        else:
            status = "planned"
        rows.append(TimelineRow("phase", p.id, p.label, p.id, p.start, p.end, status))
        rows.extend(d_rows)
    return rows


STATUS_COLOURS = {"planned": "#bbbbbb", "in progress": "#e8a33d", "done": "#3b8c4f"}


def gantt_spec(rows: list[TimelineRow], gettext: Any = lambda s: s) -> dict[str, Any]:
    """A Vega-Lite Gantt chart: a bar per phase, a diamond per deliverable, coloured by status."""
    import altair as alt

    order = [r.label for r in rows if r.kind == "phase"]
    data = [
        dict(
            label=(r.label if r.kind == "phase" else next(
                p.label for p in rows if p.kind == "phase" and p.id == r.phase)),
            item=r.label,
            kind=r.kind,
            start=r.start.isoformat(),
            end=(r.end + dt.timedelta(days=1)).isoformat(),
            status=gettext(r.status),
        )
        for r in rows
    ]  # fmt: skip
    colour = alt.Color(
        "status:N",
        title=gettext("Status"),
        scale=alt.Scale(
            domain=[gettext(s) for s in STATUSES], range=[STATUS_COLOURS[s] for s in STATUSES]
        ),
    )
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    base = alt.Chart(alt.Data(values=data))
    bars = (
        base.transform_filter(alt.datum.kind == "phase")
        .mark_bar(height=14, cornerRadius=2)
        .encode(
            x=alt.X("start:T", title=None, axis=alt.Axis(format="%Y-%m")),
            x2="end:T",
            y=y,
            color=colour,
            tooltip=["item:N", "start:T", "end:T", "status:N"],
        )
    )
    marks = (
        base.transform_filter(alt.datum.kind == "deliverable")
        .mark_point(shape="diamond", size=120, filled=True, stroke="#222", strokeWidth=1)
        .encode(x="start:T", y=y, color=colour, tooltip=["item:N", "start:T", "status:N"])
    )
    chart = (bars + marks).properties(width=560, height=max(120, 28 * len(order)))
    return chart.to_dict()


def text_gantt(rows: list[TimelineRow], width: int = 48) -> list[tuple[str, str, str, str]]:
    """Rows for a terminal Gantt: (label, bar, dates, status), the bar scaled to ``width``."""
    if not rows:
        return []
    lo = min(r.start for r in rows)
    hi = max(r.end for r in rows)
    span = max(1, (hi - lo).days + 1)
    out = []
    for r in rows:
        a = int((r.start - lo).days * width / span)
        b = max(a + 1, int(((r.end - lo).days + 1) * width / span))
        if r.kind == "phase":
            bar = " " * a + "█" * (b - a) + " " * (width - b)
            dates = f"{r.start.isoformat()} → {r.end.isoformat()}"
            label = r.label
        else:
            bar = " " * a + "◆" + " " * (width - a - 1)
            dates = f"due {r.end.isoformat()}"
            label = "  " + r.label
        out.append((label, bar, dates, r.status))
    return out
