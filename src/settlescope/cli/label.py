"""``settlescope label``: languages, taxonomy categories and question flags for the items."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from settlescope.cli.app import StudyOpt, app, err, escape, handle_errors, out, study_folder


def label_with_progress(ws: Any, study: Any, *, quiet: bool = False) -> Any:
    """Run :func:`settlescope.text.label.label_workspace` under a Rich progress bar."""
    from settlescope.text.label import label_workspace

    with Progress(
        TextColumn("[bold]labelling"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} items"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task("labelling", total=0)

        def progress(done: int, total: int, note: str) -> None:
            bar.update(task, completed=done, total=total)

        return label_workspace(ws, study, progress=progress)


@app.command()
@handle_errors
def label(
    study: StudyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Detect languages, match the study's taxonomies and flag questions, for new items.

    Items already labelled by the current methods are left alone; a new taxonomy or method
    version relabels every item.
    """
    from settlescope.study.setup import open_study

    folder = study_folder(study)
    opened = open_study(folder)
    with opened.workspace() as ws:
        summary = label_with_progress(ws, opened.study, quiet=as_json)
    if as_json:
        out.print_json(data=summary.as_dict())
        return
    if not summary.items:
        out.print("Every item is already labelled; nothing to do.")
        return
    t = Table(title=f"Labelled {summary.items:,} items in {summary.seconds:.1f} s")
    t.add_column("what")
    t.add_column("rows", justify="right")
    for lang, n in sorted(summary.languages.items(), key=lambda kv: -kv[1]):
        t.add_row(f"language {escape(lang)}", f"{n:,}")
    for tax, n in summary.labels.items():
        t.add_row(f"labels {escape(tax)}", f"{n:,}")
    t.add_row("questions", f"{summary.questions:,}")
    out.print(t)
    if summary.relabelled:
        out.print(f"Relabelled with new versions: {escape(', '.join(summary.relabelled))}")
    if summary.removed:
        out.print(f"Labels removed (taxonomy no longer used): {escape(', '.join(summary.removed))}")
