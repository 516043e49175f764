"""``settlescope report``, ``settlescope toolkit`` and ``settlescope timeline``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from settlescope.cli.app import StudyOpt, app, err, escape, handle_errors, out, study_folder

LangOpt = Annotated[str, typer.Option("--lang", help="Language of the fixed text: en or fr.")]
WaveOpt = Annotated[
    str | None,
    typer.Option(help="Wave id (default: the first wave with data; the last one in phase 6)."),
]


def _pending(outcome_command: str | None, pending: list) -> None:  # type: ignore[type-arg]
    if not pending:
        return
    why = ", ".join(f"{s.measure_id} ({s.state})" for s in pending)
    err.print(f"[yellow]Some results are not current:[/] {escape(why)}", highlight=False)
    err.print(f"  Those sections say so. To fill them, run: {escape(str(outcome_command))}",
              highlight=False, soft_wrap=True)  # fmt: skip


@app.command()
@handle_errors
def report(
    deliverable: Annotated[str, typer.Argument(help="Which report: phase1.")],
    study: StudyOpt = None,
    wave: WaveOpt = None,
    lang: LangOpt = "en",
    format: Annotated[
        str | None,
        typer.Option("--format", help="Comma-separated: html, pdf, xlsx, data (default: all)."),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the files (default: STUDY/reports/...)."),
    ] = None,
) -> None:
    """Build a report from the study's results (it never recomputes a measure)."""
    from settlescope.errors import UsageError
    from settlescope.reports.build import build_report
    from settlescope.reports.i18n import Language
    from settlescope.reports.render import parse_formats
    from settlescope.study.setup import open_study

    if deliverable != "phase1":
        raise UsageError(f"no report '{deliverable}'", field="DELIVERABLE",
                         hint="use: settlescope report phase1 --study DIR")  # fmt: skip
    formats = parse_formats(format)
    Language.of(lang)
    study = study_folder(study)
    opened = open_study(study)
    with opened.workspace() as ws:
        with err.status("building the report", spinner="dots"):
            outcome = build_report(ws, opened.study, study, wave=wave, lang=lang,
                                   formats=formats, out=out_dir)  # fmt: skip
    for kind, path in outcome.result.files.items():
        out.print(f"{kind:5} {escape(str(path))}", highlight=False, soft_wrap=True)
    _pending(outcome.command, outcome.pending)


@app.command()
@handle_errors
def toolkit(
    study: StudyOpt = None,
    partner: Annotated[
        str | None, typer.Option(help="A partner's id: its own version, beside the sector.")
    ] = None,
    wave: WaveOpt = None,
    lang: LangOpt = "en",
) -> None:
    """Build the next numbered edition of the Social Media Toolkit, with its changelog."""
    from settlescope.reports.i18n import Language
    from settlescope.reports.toolkit import build_toolkit
    from settlescope.study.setup import open_study

    Language.of(lang)
    study = study_folder(study)
    opened = open_study(study)
    with opened.workspace() as ws:
        with err.status("building the Toolkit", spinner="dots"):
            ed = build_toolkit(ws, opened.study, study, partner=partner, wave=wave, lang=lang)
    out.print(f"Toolkit edition {ed.number}: {escape(str(ed.folder))}", highlight=False)
    for kind, path in ed.result.files.items():
        out.print(f"  {kind:5} {escape(str(path))}", highlight=False, soft_wrap=True)
    if ed.number > 1:
        out.print(f"  changes: {len(ed.new_data)} new data, {len(ed.changes)} figure(s) moved "
                  f"(see {escape(str(ed.folder / 'CHANGELOG.md'))})", highlight=False)  # fmt: skip


@app.command()
@handle_errors
def timeline(study: StudyOpt = None) -> None:
    """Print the study's phases and deliverables as a Gantt chart, with their status."""
    from settlescope.reports.timeline import text_gantt
    from settlescope.reports.timeline import timeline as read_timeline
    from settlescope.study.setup import open_study

    study = study_folder(study)
    opened = open_study(study)
    with opened.workspace() as ws:
        rows = read_timeline(ws, opened.study)
    if not rows:
        out.print("The study file lists no phases: add [[phases]] tables to study.toml "
                  "(a fresh `settlescope init` shows them).")  # fmt: skip
        return
    t = Table(title=f"Timeline of '{escape(opened.study.study.name)}'", show_lines=False)
    t.add_column("phase / deliverable", style="bold", no_wrap=True, max_width=32)
    t.add_column("", no_wrap=True)
    t.add_column("dates", no_wrap=True)
    t.add_column("status", no_wrap=True)
    width = max(12, out.width - 32 - 25 - 11 - 13)
    colour = {"planned": "dim", "in progress": "yellow", "done": "green"}
    for label, bar, dates, status in text_gantt(rows, width):
        t.add_row(escape(label), f"[{colour[status]}]{bar}[/]", dates,
                  f"[{colour[status]}]{status}[/]")  # fmt: skip
    out.print(t)
    for r in rows:
        if r.kind == "deliverable" and r.status != "done" and r.missing:
            out.print(f"[dim]{escape(r.label)}: needs {escape(', '.join(r.missing))}[/]",
                      highlight=False)  # fmt: skip
