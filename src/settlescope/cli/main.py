"""``settlescope`` commands."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from settlescope import __version__
from settlescope.cli.app import (
    EXIT_DATA,
    StudyOpt,
    app,
    err,
    escape,
    handle_errors,
    out,
    study_folder,
)
from settlescope.errors import UsageError
from settlescope.importers.base import REGISTRY, ImportOptions


def _version(value: bool) -> None:
    if value:
        out.print(f"settlescope {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Social media and newcomer settlement research: import exports, measure, report."""


# -- init ----------------------------------------------------------------------------------


@app.command()
@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new study.")],
    name: Annotated[str | None, typer.Option(help="The study's name.")] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(help="Where to create the pseudonymisation key (default: beside the folder)."),
    ] = None,
) -> None:
    """Create a study: a commented study.toml, an empty workspace and a secret key."""
    from settlescope.study.setup import create_study

    made = create_study(directory, name=name, key_file=key_file)
    out.print(f"Created the study in {escape(str(directory))}")
    out.print(f"  study file : {escape(str(made.study_file))}  (edit it to add partners)")
    out.print(f"  workspace  : {escape(str(made.workspace))}")
    out.print(f"  secret key : {escape(str(made.key_file))}  (keep it safe, outside the study)")
    out.print(f"Next: settlescope import FILE --study {escape(str(directory))} --wave baseline")


# -- formats -------------------------------------------------------------------------------


@app.command()
@handle_errors
def formats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the file formats settlescope can import."""
    from settlescope.importers import load_builtin

    load_builtin()
    specs = sorted(REGISTRY.values(), key=lambda s: s.id)
    if as_json:
        out.print_json(
            data=[
                dict(
                    id=s.id,
                    name=s.name,
                    reads=s.reads,
                    fills=list(s.fills),
                    extensions=list(s.extensions),
                    version=s.version,
                )
                for s in specs
            ]
        )
        return
    t = Table(title="Import formats", show_lines=False)
    t.add_column("id", style="bold")
    t.add_column("reads")
    t.add_column("fills")
    for s in specs:
        t.add_row(s.id, f"{s.name}: {s.reads}", ", ".join(s.fills))
    out.print(t)


# -- import --------------------------------------------------------------------------------


class RateColumn(ProgressColumn):
    """Records per second."""

    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows", 0)
        elapsed = task.elapsed or 0
        rate = rows / elapsed if elapsed > 0 else 0
        return Text(f"{rows:,} rows  {rate:,.0f} rows/s", style="cyan")


@app.command("import")
@handle_errors
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Export files to import.")],
    study: StudyOpt = None,
    wave: Annotated[
        str | None, typer.Option(help="Wave id (default: the study's first wave).")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="Format id, or auto.")] = "auto",
    partner: Annotated[str | None, typer.Option(help="Partner id the data belongs to.")] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding of the file, e.g. cp1252 for Excel CSVs.")
    ] = None,
    mapping: Annotated[
        str | None, typer.Option(help="Name of a [mappings.NAME] table in study.toml.")
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="Map a canonical field to a column: FIELD=COLUMN (repeatable)."),
    ] = None,
    table: Annotated[str, typer.Option(help="With --map: items or interactions.")] = "items",
    platform: Annotated[
        str | None, typer.Option(help="Platform of the rows, if the file has none.")
    ] = None,
    date_order: Annotated[str | None, typer.Option(help="For ambiguous dates: dmy or mdy.")] = None,
    time_zone: Annotated[
        str | None,
        typer.Option(help="Time zone of times without an offset (default: the study's)."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Re-read a file even if it was imported before.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summaries as JSON.")] = False,
) -> None:
    """Import export files into the study's workspace (atomic, idempotent, lossless)."""
    from settlescope.importers.generic import parse_map_option
    from settlescope.study.setup import open_study

    study = study_folder(study)
    opened = open_study(study)
    s = opened.study
    wave_id = wave or s.waves[0].id
    if mapping and map_:
        raise UsageError("use either --mapping or --map, not both", field="--mapping")
    col_map = None
    if mapping:
        if mapping not in s.mappings:
            known = ", ".join(s.mappings) or "(none defined)"
            raise UsageError(
                f"no mapping '{mapping}' in study.toml",
                field="--mapping",
                hint=f"defined mappings: {known}",
            )
        col_map = s.mappings[mapping]
    elif map_:
        fmt = "ndjson" if format == "generic-ndjson" else "csv"
        col_map = parse_map_option(map_, table, platform, fmt)
    if date_order and date_order not in ("dmy", "mdy"):
        raise UsageError("--date-order takes dmy or mdy", field="--date-order")
    options = ImportOptions(
        encoding=encoding,
        mapping=col_map,
        platform=platform,
        date_order=date_order,
        time_zone=time_zone,
    )
    summaries = []
    failed = 0
    with opened.workspace() as ws:
        for path in paths:
            summary = _import_one(
                ws, opened, path, wave_id, format, partner, options, force, as_json
            )
            if summary is None:
                failed += 1
            else:
                summaries.append(summary)
    if as_json:
        out.print_json(data=[x.as_dict() for x in summaries])
    if failed:
        raise typer.Exit(EXIT_DATA)


def _import_one(ws, opened, path, wave_id, format, partner, options, force, quiet):  # type: ignore[no-untyped-def]
    from settlescope.errors import SettlescopeError
    from settlescope.importers.run import import_file

    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    try:
        with Progress(*columns, console=err, transient=True, disable=quiet) as bar:
            task = bar.add_task(
                escape(Path(path).name),
                total=max(1, Path(path).stat().st_size if Path(path).exists() else 1),
                rows=0,
            )

            def progress(done: int, total: int, rows: int) -> None:
                bar.update(task, completed=done, total=max(total, 1), rows=rows)

            summary = import_file(
                ws,
                Path(path),
                wave=wave_id,
                study=opened.study,
                format_id=format,
                partner_id=partner,
                options=options,
                pseudonymiser=opened.pseudonymiser(),
                progress=progress,
                force=force,
            )
    except SettlescopeError as e:
        err.print(f"[bold red]refused:[/] {escape(str(e))}")
        err.print("  The workspace was not changed by this file.")
        return None
    if not quiet:
        out.print(escape(summary.line()), soft_wrap=True)  # one line, however wide
    return summary


# -- status --------------------------------------------------------------------------------


@app.command()
@handle_errors
def status(
    study: StudyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what the workspace holds: rows per table, by wave, platform and partner."""
    from settlescope.study.setup import open_study

    study = study_folder(study)
    opened = open_study(study)
    with opened.workspace() as ws:
        st = ws.status()
    st["study"] = opened.study.study.name
    if as_json:
        out.print_json(data=st)
        return
    print_status(st)


def print_status(st: dict) -> None:  # type: ignore[type-arg]
    t = Table(title=f"Workspace of '{escape(st['study'])}' (schema v{st['schema_version']})")
    t.add_column("table", style="bold")
    t.add_column("rows", justify="right")
    t.add_column("by wave")
    t.add_column("by platform")
    t.add_column("by partner")

    def fmt(d: dict | None) -> str:  # type: ignore[type-arg]
        if not d:
            return ""
        return ", ".join(f"{escape(str(k))} {v:,}" for k, v in d.items())

    for name, e in st["tables"].items():
        if e["rows"] == 0 and name not in (
            "items",
            "interactions",
            "accounts",
            "import_runs",
            "rejects",
        ):
            continue
        t.add_row(
            name,
            f"{e['rows']:,}",
            fmt(e.get("by_wave")),
            fmt(e.get("by_platform")),
            fmt(e.get("by_partner_id")),
        )
    out.print(t)
    hidden = [
        n
        for n, e in st["tables"].items()
        if e["rows"] == 0
        and n not in ("items", "interactions", "accounts", "import_runs", "rejects")
    ]
    if hidden:
        out.print(f"[dim]Empty: {', '.join(hidden)}[/]")


# -- synth and demo ------------------------------------------------------------------------


@app.command()
@handle_errors
def synth(
    directory: Annotated[
        Path, typer.Argument(help="Folder for the synthetic study (new or empty).")
    ],
    size: Annotated[str, typer.Option(help="small (~50k items), medium or large.")] = "small",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
) -> None:
    """Generate a synthetic study as real export files, with truth.json of what was planted."""
    if size not in ("small", "medium", "large"):
        raise UsageError(
            f"unknown size '{size}'", field="--size", hint="use small, medium or large"
        )
    from settlescope.study.setup import default_key_path
    from settlescope.synth import generate

    key = default_key_path(directory)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("generating", total=1)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=max(total, 1))

        result = generate(directory, size=size, seed=seed, key_file=key, progress=progress)
    from settlescope.store.pseudonym import create_key

    create_key(key)
    out.print(
        f"Generated a {size} synthetic study in {escape(str(directory))}: "
        f"{result.n_items:,} items, {result.n_interactions:,} interactions, "
        f"{len(result.files)} files"
    )
    out.print(f"  truth   : {escape(str(result.truth_path))}")
    out.print(f"  manifest: {escape(str(result.manifest_path))}")


@app.command()
@handle_errors
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder for the demo study.")] = Path(
        "demo-study"
    ),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    outputs: Annotated[
        bool,
        typer.Option(help="Also measure, and build the phase-1 report and Toolkit edition 1."),
    ] = True,
) -> None:
    """Generate the small synthetic study, import, measure, report and build the Toolkit."""
    from settlescope.demo import run_demo

    t0 = time.perf_counter()
    st = run_demo(directory, seed=seed, console=out, progress_console=err, outputs=outputs)
    print_status(st)
    for what, path in st.get("outputs", {}).items():
        if what.endswith(("html", "pdf")):
            out.print(f"{what:13} {escape(path)}", highlight=False, soft_wrap=True)
    out.print(
        f"Demo finished in {time.perf_counter() - t0:.1f} s. Study folder: {escape(str(directory))}"
    )


# Commands defined in their own modules register on the same app when imported.
from settlescope.cli import clients as _clients  # noqa: E402,F401
from settlescope.cli import label as _label  # noqa: E402,F401
from settlescope.cli import maps as _maps  # noqa: E402,F401
from settlescope.cli import measure as _measure  # noqa: E402,F401
from settlescope.cli import report as _report  # noqa: E402,F401


def run() -> None:
    """Entry point of the ``settlescope`` command."""
    app()


__all__ = ["app", "run"]
