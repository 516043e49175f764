"""Section builders: from a section's declaration and the results to a :class:`Block`.

Each section kind (``figures``, ``volume``, ``structure`` ...) has one builder. Builders read
only :class:`~settlescope.reports.content.ReportData` (results) and, for the maps, the
network results the maps module reads; none computes a measure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from settlescope.reports import charts
from settlescope.reports.content import Block, ReportData, example_posts
from settlescope.reports.deliverables import ITEMS, Section
from settlescope.reports.tables import Column, ReportTable

Builder = Callable[[ReportData, Section, Block, "BuildOptions"], None]


class BuildOptions:
    """What varies between builds: one partner's version, the maps to draw."""

    def __init__(self, partner: str | None = None, maps: bool = True) -> None:
        self.partner = partner
        self.maps = maps
        self.timeline_spec: dict[str, Any] | None = None
        self.timeline_rows: list[Any] = []


def build(data: ReportData, options: BuildOptions) -> list[Block]:
    blocks = []
    for s in data.deliverable.sections:
        b = Block(section=s, title=data.lang.gettext(s.title),
                  intro=data.lang.gettext(s.intro) if s.intro else "")  # fmt: skip
        b.notices = data.notices(s.measure_ids) if s.kind not in ("summary", "scorecards") else []
        BUILDERS[s.kind](data, s, b, options)
        blocks.append(b)
    return blocks


def _figures(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    _ = data.lang.gettext
    rows = data.figure_rows(s.figures, o.partner)
    for f in s.figures:
        if data.states[f.measure].state == "unavailable":
            continue
        these = [r for r in rows if r["measure"] == f.measure and r["metric"] == _(f.label)]
        if not these:
            continue
        if o.partner:
            these = _with_sector(data, f, these)
        unit = data.unit(f)
        b.charts.append(dict(
            id=f"{s.id}-{f.key}".replace("/", "-").replace("=", "-").replace("*", "all"),
            title=_(f.label),
            spec=charts.figure_bars(these, _(f.label), unit, data.sector_median(f), _,
                                    reference=f.reference and (f.reference[0], _(f.reference[1]))),
        ))  # fmt: skip
    # the table lists the partners and the sector's median; the charts show every organization
    table_rows = _table_rows(data, s, rows)
    if table_rows:
        b.tables.append(ReportTable(f"{s.id}", b.title, data.figure_columns(), table_rows,
                                    note=_("Intervals are 95% intervals; n is the number of "
                                           "observations behind each value.")))  # fmt: skip


def _table_rows(data: ReportData, s: Section, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The partners' rows and, per figure, the sector's median with its n (organizations)."""
    _ = data.lang.gettext
    out = [r for r in rows if r["role"] == _("partner")]
    for f in s.figures:
        med = data.sector_median(f)
        if med is not None:
            out.append(dict(organization=_("Sector median"), role=_("sector"), measure=f.measure,
                            metric=_(f.label), value=med, lower=None, upper=None,
                            n=len(data.sector_values(f)), unit=data.unit(f)))  # fmt: skip
    return out


def _with_sector(data: ReportData, f: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A partner's own bar beside the sector's median (the sector named, no organization)."""
    _ = data.lang.gettext
    med = data.sector_median(f)
    if med is None:
        return rows
    return rows + [dict(organization=_("Sector median"), role=_("other organization"),
                        value=med, lower=None, upper=None, n=len(data.sector_values(f)))]  # fmt: skip


def _volume(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    _ = data.lang.gettext
    _figures(data, s, b, o)
    lines = []
    for scope, oid, name in data.org_scopes(o.partner):
        if scope != "partner":
            continue
        for r in data.breakdown(ITEMS, scope, oid, "month"):
            lines.append(dict(organization=name, month=f"{r['category']}-01", value=r["value"]))
    if lines:
        b.charts.insert(0, dict(id="volume-months", title=_("Items per month"),
                                spec=charts.monthly_lines(lines, _("Items per month"))))  # fmt: skip
        b.tables.append(ReportTable(
            "volume-months", _("Items per month"),
            [Column("organization", _("Organization")), Column("month", _("Month")),
             Column("value", _("Items"), "int")],
            [dict(r, month=r["month"][:7]) for r in lines],
        ))  # fmt: skip


def _structure(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    _ = data.lang.gettext
    scopes = [("sector", "sector", _("The settlement sector")), ("study", "study",
              _("The whole study"))] + data.org_scopes(o.partner)  # fmt: skip
    cols = [Column("network", _("Network"))] + [
        Column(f.metric, _(f.label), "share" if data.unit(f) == "share" else "number")
        for f in s.figures
    ]
    rows = []
    for scope, oid, name in scopes:
        row: dict[str, Any] = {"network": name}
        for f in s.figures:
            row[f.metric] = data.value(f, scope, oid)
        if any(v is not None for k, v in row.items() if k != "network"):
            rows.append(row)
    if rows:
        b.tables.append(ReportTable("structure", b.title, cols, rows,
                                    note=_("Sector: the organizations and the accounts around "
                                           "them. Each organization: its ego network.")))  # fmt: skip


def _maps(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    from settlescope.errors import MeasureError
    from settlescope.measures.network.graph import Scope
    from settlescope.reports.layouts import layout_id, stored_positions
    from settlescope.reports.maps import MapOptions, build_map
    from settlescope.reports.networks import NetworkReader

    _ = data.lang.gettext
    if not o.maps or data.not_current(s.measure_ids):
        return
    reader = NetworkReader(data.ws, data.study, data.study_dir)
    scopes = [] if o.partner else [Scope("sector", "sector")]
    scopes += [Scope("partner", p.id) for p in data.partners if o.partner in (None, p.id)]
    opts = MapOptions(max_nodes=400, width=640)
    PRINT_PARTNER_MAP = MapOptions(max_nodes=150, width=640)  # noqa: N806
    for sc in scopes:
        try:
            net = reader.read(sc, data.wave)
        except MeasureError:
            net = None
        if net is None:
            continue
        title = reader.title(sc) if sc.scope != "sector" else _("The settlement sector")
        m = build_map(net, title, opts, stored_positions(data.ws, layout_id(sc)))
        with data.ws.transaction():
            m.placement.save(data.ws)
        static = m
        if sc.scope == "partner":
            # printed partner maps show the most central accounts only: each map costs the
            # PDF a raster of every mark (bench/RESULTS.md); positions are the stored ones
            static = build_map(net, title, PRINT_PARTNER_MAP,
                               stored_positions(data.ws, layout_id(sc)))  # fmt: skip
        b.charts.append(dict(id=f"map-{sc.scope}-{sc.scope_id}", title=title,
                             spec=m.spec(interactive=True), static=static.spec(interactive=False),
                             map=True))  # fmt: skip
    b.paragraphs.append(_("Each dot is an account; organizations are labelled. Colours show "
                          "the communities found in the network. Private individuals are "
                          "never named."))  # fmt: skip


def _posts(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    b.posts = example_posts(data.ws, data.study, data.wave, partner_only=o.partner)
    _ = data.lang.gettext
    if b.posts:
        b.tables.append(ReportTable(
            "example-posts", b.title,
            [Column("organization", _("Organization")), Column("platform", _("Platform")),
             Column("created_at", _("Date")), Column("engagements", _("Engagements"), "int"),
             Column("text", _("Text"))],
            [dict(r, created_at=r["created_at"].date().isoformat() if r["created_at"] else None)
             for r in b.posts],
        ))  # fmt: skip


def _scorecards(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    _ = data.lang.gettext
    figs = [f for f in s.figures if data.states[f.measure].state != "unavailable"]
    missing = [f for f in s.figures if data.states[f.measure].state == "unavailable"]
    if missing:
        b.notices = data.notices(tuple(dict.fromkeys(f.measure for f in missing)))
    cols = [Column("metric", _("Metric")), Column("value", _("Partner"), "number"),
            Column("median", _("Sector median"), "number"),
            Column("rank", _("Rank in the sector"), "text"),
            Column("n", "n", "int")]  # fmt: skip
    for scope, pid, name in data.org_scopes(o.partner):
        if scope != "partner":
            continue
        rows = []
        for f in figs:
            r = data.row(f, scope, pid)
            if r is None:
                continue
            vals = data.sector_values(f)
            better = (
                sum(1 for v in vals if v > r["value"])
                if f.better != "lower"
                else sum(1 for v in vals if v < r["value"])
            )
            rows.append(dict(metric=_(f.label), value=r["value"], median=data.sector_median(f),
                             rank=f"{better + 1} / {len(vals)}", n=r["n"],
                             _unit=data.unit(f)))  # fmt: skip
        if rows:
            b.tables.append(ReportTable(f"scorecard-{pid}", name, cols, rows,
                                        note=_("Sector: the partners and the other "
                                               "organizations of the study.")))  # fmt: skip


def _summary(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    _ = data.lang.gettext
    n_items = data.value(ITEMS, "study", "study")
    wave = data.study.wave(data.wave)
    b.paragraphs.append(
        _("This report covers {partners} partner organizations and {others} other "
          "organizations of the settlement sector, from {start} to {end} ({wave}).").format(
            partners=data.lang.number(len(data.partners)),
            others=data.lang.number(len(data.others)),
            start=data.lang.date(wave.start), end=data.lang.date(wave.end),
            wave=wave.label or wave.id)
    )  # fmt: skip
    if n_items is not None:
        b.paragraphs.append(_("In all, {n} posts, comments and messages were analysed.").format(
            n=data.lang.number(n_items)))  # fmt: skip
    for f in s.figures:
        if data.states[f.measure].state == "unavailable":
            continue
        best = None
        for scope, pid, name in data.org_scopes(o.partner):
            if scope != "partner":
                continue
            v = data.value(f, scope, pid)
            if v is not None and (best is None or v > best[0]):
                best = (v, name)
        med = data.sector_median(f)
        if best is None or med is None:
            continue
        unit = data.unit(f)
        b.bullets.append(
            _("{label}: the sector median is {median}; the highest among partners is {name} "
              "({value}).").format(label=_(f.label), median=data.fmt(med, unit),
                                   name=best[1], value=data.fmt(best[0], unit))
        )  # fmt: skip
    b.paragraphs.append(
        _(
            "What to do: compare each scorecard with the sector median. Where a partner is below "
            "it, the Toolkit's benchmarks and checklists suggest first steps; where it is above, "
            "its practice is worth sharing with the sector."
        )
    )
    pending = sorted({st.measure_id for st in data.states.values() if st.state != "current"})
    if pending:
        b.notices.append(
            _("Some sections are incomplete until these measures have current results: {ids}. "
              "Run: {cmd}").format(ids=", ".join(pending),
                                   cmd=data.command([data.states[m] for m in pending]))
        )  # fmt: skip


def _timeline(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    _ = data.lang.gettext
    if o.timeline_spec:
        b.charts.append(dict(id="timeline", title=_("Study timeline"), spec=o.timeline_spec))
        b.tables.append(ReportTable(
            "timeline", _("Study timeline"),
            [Column("item", _("Phase or deliverable")), Column("start", _("Start")),
             Column("end", _("End or due date")), Column("status", _("Status"))],
            [dict(item=r.label, start=r.start.isoformat(), end=r.end.isoformat(),
                  status=_(r.status)) for r in o.timeline_rows],
        ))  # fmt: skip
    else:
        b.paragraphs.append(_("The study file lists no phases; add [[phases]] to study.toml."))


def _limitations(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    _ = data.lang.gettext
    b.bullets += [
        _(
            "Only public posts and the exports partners shared are measured; private messages "
            "and platforms without an export are not."
        ),
        _(
            "Platforms change their definitions (Meta replaced impressions with views in "
            "2024-25); each figure records the definition it used, and waves are compared only "
            "on the same definitions."
        ),
        _(
            "Network measures describe interactions (replies, mentions, shares), not "
            "friendships or the quality of help given."
        ),
        _("Private individuals are pseudonymised at import and never named in this report."),
        _(
            "Intervals reflect sampling of observations only; they do not cover errors in the "
            "platforms' own counts."
        ),
    ]


def _methods(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    _ = data.lang.gettext
    runs = data.ws.table("measure_runs")
    done = {r["measure_id"]: r for r in runs.filter(runs.wave == data.wave).to_pyarrow()
            .to_pylist()}  # fmt: skip
    used: dict[str, set[str]] = {}
    for sec in data.deliverable.sections:
        for f in sec.figures:
            used.setdefault(f.measure, set()).add(f.metric)
    measures, metrics = [], []
    for mid in data.deliverable.measure_ids:
        spec = data.registry.get(mid)
        if spec is None:
            continue
        run = done.get(mid)
        measures.append(dict(
            measure=spec.id, version=spec.version, title=spec.title, definition=spec.definition,
            computed=run["finished_at"].date().isoformat() if run else None,
            references="; ".join(spec.references),
        ))  # fmt: skip
        for m in spec.metrics:
            if m.name in used.get(mid, ()):
                metrics.append(dict(measure=spec.id, version=spec.version, metric=m.name,
                                    unit=m.unit, definition=m.definition))  # fmt: skip
    b.paragraphs.append(_("Every figure comes from a registered measure with a frozen, "
                          "versioned definition. The first table lists each measure's version, "
                          "definition and sources, and when it was computed for this wave; the "
                          "second, the definition and unit of every metric this report "
                          "shows."))  # fmt: skip
    b.tables.append(ReportTable(
        "methods-measures", b.title,
        [Column("measure", _("Measure")), Column("version", _("Version"), "int"),
         Column("title", _("Title")), Column("definition", _("Definition")),
         Column("computed", _("Computed on")), Column("references", _("References"))],
        measures,
    ))  # fmt: skip
    b.tables.append(ReportTable(
        "methods-metrics", _("Metrics shown in this report"),
        [Column("measure", _("Measure")), Column("version", _("Version"), "int"),
         Column("metric", _("Metric")), Column("unit", _("Unit")),
         Column("definition", _("Definition"))],
        metrics,
    ))  # fmt: skip


def _data(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    _ = data.lang.gettext
    runs = data.ws.table("import_runs")
    rows = (runs.filter(runs.wave == data.wave).order_by([runs.started_at]).to_pyarrow()
            .to_pylist())  # fmt: skip
    if o.partner:
        rows = [r for r in rows if r["partner_id"] in (None, o.partner)]
    rej = data.ws.table("rejects")
    reasons = (rej.group_by([rej.run_id, rej.reason]).aggregate(n=rej.count()).to_pyarrow()
               .to_pylist())  # fmt: skip
    by_run: dict[str, list[str]] = {}
    for r in reasons:
        by_run.setdefault(r["run_id"], []).append(f"{r['reason']} ({r['n']})")
    b.paragraphs.append(_("Every file imported for this wave: its format, partner, when it was "
                          "imported, and what became of each record (loaded, merged as a "
                          "duplicate, or rejected with its reason)."))  # fmt: skip
    b.tables.append(ReportTable(
        "data-sources", b.title,
        [Column("source", _("File")), Column("format", _("Format")),
         Column("partner", _("Partner")), Column("imported", _("Imported on")),
         Column("read", _("Records read"), "int"), Column("loaded", _("Loaded"), "int"),
         Column("duplicates", _("Duplicates"), "int"), Column("rejected", _("Rejected"), "int"),
         Column("reasons", _("Reasons for rejection"))],
        [dict(source=r["source_name"], format=r["format_id"], partner=r["partner_id"],
              imported=r["finished_at"].date().isoformat() if r["finished_at"] else None,
              read=r["rows_read"], loaded=r["rows_loaded"], duplicates=r["rows_duplicate"],
              rejected=r["rows_rejected"], reasons="; ".join(by_run.get(r["run_id"], [])))
         for r in rows],
    ))  # fmt: skip


def _guidance(data: ReportData, s: Section, b: Block, o: BuildOptions) -> None:
    from settlescope.reports.guidance import render_guidance

    b.html = render_guidance(data, s, o.partner)
    if "posting-times" in s.measure_ids:
        from settlescope.reports.deliverables import HOURLY

        _ = data.lang.gettext
        lines = [dict(organization=name, hour=int(r["category"]), value=r["value"], n=r["n"])
                 for scope, pid, name in data.org_scopes(o.partner) if scope == "partner"
                 for r in data.breakdown(HOURLY, scope, pid, "hour")]  # fmt: skip
        if lines:
            b.charts.append(dict(id="posting-hours", title=_(HOURLY.label),
                                 spec=charts.hourly_lines(lines, _(HOURLY.label), _)))  # fmt: skip
    if s.figures:
        # the guidance states the benchmarks; the table gives them with intervals and n
        rows = _table_rows(data, s, data.figure_rows(s.figures, o.partner))
        if rows:
            b.tables.append(ReportTable(s.id, b.title, data.figure_columns(), rows))


BUILDERS: dict[str, Builder] = {
    "figures": _figures,
    "volume": _volume,
    "structure": _structure,
    "maps": _maps,
    "posts": _posts,
    "scorecards": _scorecards,
    "summary": _summary,
    "timeline": _timeline,
    "limitations": _limitations,
    "methods": _methods,
    "data": _data,
    "guidance": _guidance,
}

__all__ = ["BUILDERS", "BuildOptions", "build", "dt"]
