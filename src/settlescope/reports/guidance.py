"""The Toolkit's guidance: Markdown templates in the repository, filled from the results.

Researchers edit ``guidance/<lang>/<section>.md``. Each is a Jinja template (``{{ }}`` for
values, ``{% %}`` for loops) rendered with the section's figures, then converted from
Markdown to HTML with raw HTML disabled, so nothing in a value can become markup.
"""

from __future__ import annotations

import statistics
from importlib import resources
from typing import Any

import jinja2
from markdown_it import MarkdownIt

from settlescope.measures.capacity.common import SERVICE_TAXONOMY
from settlescope.measures.run import resolve_params, select_measures
from settlescope.reports.content import ReportData
from settlescope.reports.deliverables import (
    BEST_HOUR,
    CLIENT_LANGUAGES,
    HOURLY,
    NOT_COVERED,
    POST_LANGUAGES,
    REPRESENTATION,
    Section,
)
from settlescope.text.taxonomy import load_taxonomy

_MD = MarkdownIt("commonmark", {"html": False}).enable("table")


def template_text(lang: str, section_id: str) -> str:
    ref = resources.files("settlescope.reports") / "guidance" / lang / f"{section_id}.md"
    return ref.read_text(encoding="utf-8")


def guidance_context(data: ReportData, s: Section, partner: str | None) -> dict[str, Any]:
    """Values a guidance template can use: each figure's sector benchmarks and partners' values."""
    figures = []
    for f in s.figures:
        state = data.states[f.measure].state
        unit = data.unit(f)
        vals = sorted(data.sector_values(f))
        entry: dict[str, Any] = dict(
            label=data.lang.gettext(f.label), measure=f.measure, state=state,
            available=state == "current" and bool(vals), partners=[],
        )  # fmt: skip
        if vals:
            q = statistics.quantiles(vals, n=4) if len(vals) >= 2 else [vals[0]] * 3
            entry.update(median=data.fmt(statistics.median(vals), unit),
                         q1=data.fmt(q[0], unit), q3=data.fmt(q[2], unit),
                         organizations=data.lang.number(len(vals)))  # fmt: skip
            for scope, pid, name in data.org_scopes(partner):
                v = data.value(f, scope, pid)
                if scope == "partner" and v is not None:
                    pos = "above" if v > q[2] else "below" if v < q[0] else "within"
                    entry["partners"].append(dict(name=name, value=data.fmt(v, unit),
                                                  position=pos))  # fmt: skip
        figures.append(entry)
    best_hours = []
    if "posting-times" in s.measure_ids:
        for scope, pid, name in data.org_scopes(partner):
            r = data.row(BEST_HOUR, scope, pid)
            if scope != "partner" or r is None:
                continue
            hour = int(r["value"])
            mean = next((h["value"] for h in data.breakdown(HOURLY, scope, pid, "hour")
                         if h["category"] == f"{hour:02d}"), None)  # fmt: skip
            best_hours.append(dict(name=name, hour=f"{hour:02d}:00", n=r["n"],
                                   value=data.lang.number(mean, 1)))  # fmt: skip
    missing = data.not_current(s.measure_ids)
    return dict(
        under_served=under_served(data, partner) if s.id == "under-served" else [],
        best_hours=best_hours,
        figures=figures,
        partner=data.study.organization(partner).name if partner else None,
        command=data.command(missing) if missing else None,
        phase=data.study.study.phase,
    )


# Names of the client groups the offline comparison reports (measures/offline), as msgids.
GROUPS = {
    "women-45-plus": "women aged 45 and over",
    "45-plus": "people aged 45 and over",
    "under-25": "people under 25",
    "women": "women",
    "men": "men",
    "rural": "clients in rural regions",
}


def service_names() -> dict[str, str]:
    """IRCC's service type names by category id, from the taxonomy file (English msgids)."""
    return {c.id: c.name for c in load_taxonomy(SERVICE_TAXONOMY).categories}


def under_served(data: ReportData, partner: str | None) -> list[dict[str, Any]]:
    """Per partner: services no post covered, client languages it does not post in, and the
    client groups whose representation online is below their share of clients.

    A client language counts when at least ``language_min_share`` of the clients speak it and
    fewer of the partner's posts (of known language) are in it: the share for a language in
    use that the ``languages-used`` measure took from the study file. A group is under-represented when the upper end of its
    representation ratio's 95 % interval is below 1 (``representation-status`` -1).
    """
    params = resolve_params(data.study, select_measures(["languages-used"]), data.study_dir)
    min_share = float(params["languages-used"].language_min_share)  # type: ignore[attr-defined]
    _ = data.lang.gettext
    names = service_names()
    out = []
    for scope, pid, name in data.org_scopes(partner):
        if scope != "partner":
            continue
        services = [_(names.get(r["category"], r["category"]))
                    for r in data.breakdown(NOT_COVERED, scope, pid, "category")]  # fmt: skip
        posts = {r["category"]: r["value"]
                 for r in data.breakdown(POST_LANGUAGES, scope, pid, "language")}  # fmt: skip
        languages = [
            f"{data.lang.language_of(r['category'])} ({data.lang.percent(r['value'], 0)})"
            for r in data.breakdown(CLIENT_LANGUAGES, scope, pid, "language")
            if r["value"] >= min_share and posts.get(r["category"], 0.0) < min_share
        ]
        groups = [_(GROUPS.get(r["category"], r["category"]))
                  for r in data.breakdown(REPRESENTATION, scope, pid, "group")
                  if r["value"] < 0]  # fmt: skip
        if services or languages or groups:
            out.append(dict(name=name, services=services, languages=languages, groups=groups))
    return out


def render_guidance(data: ReportData, s: Section, partner: str | None) -> str:
    """The section's guidance as HTML (trusted markup: values are escaped by Markdown)."""
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)  # fmt: skip
    text = env.from_string(template_text(data.lang.code, s.id)).render(
        **guidance_context(data, s, partner)
    )
    return str(_MD.render(text))
