"""From a study folder to a deliverable's files: the phase-1 report (and the Toolkit's body)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from settlescope.errors import MeasureError, UsageError
from settlescope.measures.run import waves_with_data
from settlescope.reports import sections
from settlescope.reports.content import MeasureState, ReportData
from settlescope.reports.deliverables import DELIVERABLES
from settlescope.reports.i18n import Language
from settlescope.reports.render import BuildResult, Document, write_document
from settlescope.reports.timeline import gantt_spec, timeline
from settlescope.store.workspace import Workspace
from settlescope.study.model import Study


@dataclass
class ReportOutcome:
    result: BuildResult
    wave: str
    pending: list[MeasureState]
    command: str | None


def choose_wave(ws: Workspace, study: Study, wave: str | None, study_dir: Path) -> str:
    if wave:
        study.wave(wave)
        return wave
    waves = waves_with_data(ws, study)
    if not waves:
        raise MeasureError(
            "the workspace holds no data to report on",
            file=str(study_dir),
            hint=f"import exports first: settlescope import FILE --study {study_dir}",
        )
    return waves[0] if study.study.phase < 6 else waves[-1]


def prepare(
    ws: Workspace,
    study: Study,
    study_dir: Path,
    deliverable_id: str,
    wave: str,
    lang: Language,
    partner: str | None = None,
    maps: bool = True,
) -> tuple[ReportData, list[sections.Block]]:
    """Read the results and build the blocks of a deliverable (no file is written)."""
    if deliverable_id not in DELIVERABLES:
        raise UsageError(
            f"no deliverable '{deliverable_id}'",
            field="DELIVERABLE",
            hint=f"use one of: {', '.join(DELIVERABLES)}",
        )
    if partner is not None and partner not in {p.id for p in study.partners}:
        raise UsageError(
            f"'{partner}' is not a partner of this study",
            field="--partner",
            hint=f"use one of: {', '.join(p.id for p in study.partners) or '(none defined)'}",
        )
    data = ReportData(ws, study, study_dir, DELIVERABLES[deliverable_id], wave, lang)
    opts = sections.BuildOptions(partner=partner, maps=maps)
    rows = timeline(ws, study)
    if rows:
        opts.timeline_rows = rows
        opts.timeline_spec = gantt_spec(rows, lang.gettext)
    return data, sections.build(data, opts)


def build_report(
    ws: Workspace,
    study: Study,
    study_dir: Path,
    *,
    wave: str | None = None,
    lang: str = "en",
    formats: tuple[str, ...] = ("html", "pdf", "xlsx", "data"),
    out: Path | None = None,
) -> ReportOutcome:
    """Build the phase-1 report of ``wave`` in ``lang`` into ``out`` (default under the study).

    Example
    -------
    >>> build_report(ws, study, Path("study"), lang="fr", formats=("html",))  # doctest: +SKIP
    """
    language = Language.of(lang)
    wave_id = choose_wave(ws, study, wave, study_dir)
    data, blocks = prepare(ws, study, study_dir, "phase1", wave_id, language)
    _ = language.gettext
    w = study.wave(wave_id)
    doc = Document(
        kicker=study.study.name,
        title=_(data.deliverable.title),
        subtitle=f"{w.label or w.id}: {language.date(w.start)} – {language.date(w.end)}",
        meta=_("Produced on {date} by settlescope from the study's results.").format(
            date=language.date(dt.date.today())
        ),
        colophon=_(
            "All figures are read from the study's results table; the methods and data "
            "appendices say how each was computed and from which files."
        ),  # fmt: skip
        blocks=blocks,
        data=data,
    )
    target = Path(out) if out else Path(study_dir) / "reports" / f"phase1-{wave_id}-{lang}"
    result = write_document(doc, target, formats, "report")
    pending = [s for s in data.states.values() if s.state != "current"]
    return ReportOutcome(result, wave_id, pending, data.command(pending) if pending else None)
