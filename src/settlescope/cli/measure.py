"""``settlescope measure`` and ``settlescope measures``."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from settlescope.cli.app import (
    StudyOpt,
    app,
    err,
    escape,
    handle_errors,
    out,
    split_values,
    study_folder,
)


@app.command()
@handle_errors
def measure(
    study: StudyOpt = None,
    wave: Annotated[
        list[str] | None,
        typer.Option(help="Wave id (repeatable; default: every wave with data)."),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(help="Families or measure ids, comma-separated (default: all)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Compute measures from the workspace and write them to its results table."""
    from settlescope.measures.run import run_measures, select_measures, waves_with_data
    from settlescope.study.setup import open_study

    study = study_folder(study)
    opened = open_study(study)
    specs = select_measures(split_values(only))
    t0 = time.perf_counter()
    with opened.workspace() as ws:
        # measures read languages, categories and question flags: label new items first
        from settlescope.cli.label import label_with_progress

        label_with_progress(ws, opened.study, quiet=as_json)
        waves = split_values(wave) or waves_with_data(ws, opened.study)
        if not waves:
            from settlescope.errors import MeasureError

            raise MeasureError(
                "the workspace holds no data to measure",
                file=str(study),
                hint=f"import exports first: settlescope import FILE --study {study}",
            )
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f} measures"),
            TextColumn("[dim]{task.fields[note]}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=as_json,
        ) as bar:
            task = bar.add_task("measuring", total=len(specs) * len(waves), note="")
            done: set[tuple[str, str]] = set()

            def progress(mid: str, w: str, frac: float, note: str) -> None:
                if frac >= 1.0:
                    done.add((mid, w))
                bar.update(
                    task,
                    completed=len(done),
                    description=f"{escape(mid)} · {escape(w)}",
                    note=escape(note),
                )

            summaries = run_measures(
                ws,
                opened.study,
                waves=waves,
                only=split_values(only),
                progress=progress,
                study_dir=study,
            )
    if as_json:
        out.print_json(data=[s.as_dict() for s in summaries])
        return
    t = Table(title="Results written")
    for col, just in (("measure", "left"), ("version", "right"), ("wave", "left")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    t.add_column("rows", justify="right")
    t.add_column("seconds", justify="right")
    for s in summaries:
        t.add_row(s.measure_id, str(s.version), s.wave, f"{s.rows:,}", f"{s.seconds:.1f}")
    out.print(t)
    total = sum(s.rows for s in summaries)
    out.print(
        f"{total:,} result rows from {len(specs)} measure(s) x {len(waves)} wave(s) "
        f"in {time.perf_counter() - t0:.1f} s"
    )


@app.command()
@handle_errors
def measures(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    family: Annotated[str | None, typer.Option(help="Only this family.")] = None,
) -> None:
    """List the measures: id, version, unit and definition of every metric."""
    from settlescope.measures.run import select_measures

    specs = select_measures([family] if family else None)
    docs = [s.describe() for s in specs]
    if as_json:
        out.print_json(data=docs)
        return
    for d in docs:
        out.print(
            f"[bold]{escape(d['id'])}[/] v{d['version']}  ({escape(d['family'])}) "
            f"{escape(d['title'])}"
        )
        out.print(f"  {escape(d['definition'])}", highlight=False)
        t = Table(show_header=True, box=None, padding=(0, 2))
        t.add_column("metric", style="cyan")
        t.add_column("unit")
        t.add_column("definition")
        for m in d["metrics"]:
            t.add_row(escape(m["name"]), escape(m["unit"]), escape(m["definition"]))
        out.print(t)
        if d["parameters"]:
            params = "; ".join(
                f"{k} (default {v['default']!r}): {v['description']}"
                for k, v in d["parameters"].items()
            )
            out.print(f"  [dim]parameters: {escape(params)}[/]", highlight=False)
        if d["references"]:
            out.print(f"  [dim]source: {escape(' '.join(d['references']))}[/]", highlight=False)
        out.print()
