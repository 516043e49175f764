"""``settlescope import-clients``: a partner's offline client records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from settlescope.cli.app import StudyOpt, app, err, escape, handle_errors, out, study_folder


@app.command("import-clients")
@handle_errors
def import_clients(
    path: Annotated[Path, typer.Argument(help="Client table: CSV or XLSX.")],
    partner: Annotated[str, typer.Option(help="Partner id the clients belong to.")],
    wave: Annotated[
        str | None, typer.Option(help="Wave id (default: the study's first wave).")
    ] = None,
    study: StudyOpt = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding of a CSV, e.g. cp1252 for Excel CSVs.")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Re-read a file even if it was imported before.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import a partner's client records: aggregate counts or one row per client.

    Aggregate tables have the columns period_start, period_end, dimension, category, count;
    client-level tables one row per client (aggregated on import; the rows are kept only if
    the study sets [privacy] store_client_rows = true). Counts of 0-5 are suppressed and the
    others rounded to 5 when stored, unless the study sets another rule.
    """
    from settlescope.importers.base import ImportOptions
    from settlescope.importers.run import import_file
    from settlescope.study.setup import open_study

    folder = study_folder(study)
    opened = open_study(folder)
    wave_id = wave or opened.study.waves[0].id
    fmt = "clients-xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "clients-csv"
    with opened.workspace() as ws:
        summary = import_file(
            ws,
            path,
            wave=wave_id,
            study=opened.study,
            format_id=fmt,
            partner_id=partner,
            options=ImportOptions(encoding=encoding),
            pseudonymiser=opened.pseudonymiser(),
            force=force,
        )
    if as_json:
        out.print_json(data=summary.as_dict())
        return
    out.print(escape(summary.line()), soft_wrap=True)
    if summary.rejected:
        err.print(
            "  Rejected rows are kept, with their place and reason, in the workspace's rejects table."
        )
