"""``settlescope map`` and ``settlescope export-graph``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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

PartnerOpt = Annotated[
    str | None,
    typer.Option(help="A partner's (or another organization's) id: its ego network."),
]
SectorOpt = Annotated[
    bool,
    typer.Option("--sector", help="The sector network: the SPOs and the accounts around them."),
]
GroupOpt = Annotated[
    str | None, typer.Option(help="A community group's account key: the group's network.")
]
PlatformOpt = Annotated[
    str | None,
    typer.Option(help="Only the ties on this platform (default: every platform together)."),
]


@app.command("map")
@handle_errors
def map_(
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="The map to write: .svg, .png, .pdf or .html.")
    ],
    study: StudyOpt = None,
    partner: PartnerOpt = None,
    sector: SectorOpt = False,
    group: GroupOpt = None,
    platform: PlatformOpt = None,
    wave: Annotated[
        str | None, typer.Option(help="Wave id (default: the latest wave with data).")
    ] = None,
    color: Annotated[
        str, typer.Option("--color", help="Colour accounts by 'community' or by 'type'.")
    ] = "community",
    size: Annotated[
        str, typer.Option(help="Size accounts by 'pagerank', 'degree' or 'betweenness'.")
    ] = "pagerank",
    max_nodes: Annotated[
        int,
        typer.Option(help="Draw this many accounts (the most central) besides the organizations'."),
    ] = 1500,
    width: Annotated[int, typer.Option(help="Width of the drawing in pixels.")] = 900,
    relayout: Annotated[
        bool,
        typer.Option(
            help="Compute fresh positions instead of reusing the ones kept for this network."
        ),
    ] = False,
) -> None:
    """Draw a network map: a partner's ego network or the sector's, in one wave."""
    from settlescope.measures.run import waves_with_data
    from settlescope.reports.maps import MapOptions, map_format, write_map
    from settlescope.reports.networks import scope_of
    from settlescope.study.setup import open_study

    map_format(out_file)
    options = MapOptions(color=color, size=size, max_nodes=max_nodes, width=width,
                         relayout=relayout)  # fmt: skip
    options.check()
    study = study_folder(study)
    opened = open_study(study)
    scope = scope_of(opened.study, partner=partner, sector=sector, group=group, platform=platform)
    with opened.workspace() as ws:
        wave_id = wave or _latest_wave(waves_with_data(ws, opened.study))
        with err.status("drawing the map", spinner="dots"):
            summary = write_map(ws, opened.study, study, scope, wave_id, out_file, options)
    out.print(escape(summary.line()), highlight=False, soft_wrap=True)


@app.command("export-graph")
@handle_errors
def export_graph(
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="The file to write: .gexf or .graphml.")
    ],
    study: StudyOpt = None,
    partner: PartnerOpt = None,
    sector: SectorOpt = False,
    group: GroupOpt = None,
    platform: PlatformOpt = None,
    wave: Annotated[
        list[str] | None,
        typer.Option(
            help="Wave id (repeatable or comma-separated; default: every wave with data)."
        ),
    ] = None,
) -> None:
    """Write a network as GEXF (time spans per wave, for Gephi) or GraphML."""
    from settlescope.reports.graph_files import export_graph as write
    from settlescope.reports.graph_files import graph_format
    from settlescope.reports.networks import scope_of
    from settlescope.study.setup import open_study

    graph_format(out_file)
    study = study_folder(study)
    opened = open_study(study)
    scope = scope_of(opened.study, partner=partner, sector=sector, group=group, platform=platform)
    with opened.workspace() as ws:
        with err.status("writing the graph", spinner="dots"):
            summary = write(ws, opened.study, study, scope, split_values(wave), out_file)
    out.print(escape(summary.line()), highlight=False, soft_wrap=True)


def _latest_wave(waves: list[str]) -> str:
    from settlescope.errors import MeasureError

    if not waves:
        raise MeasureError(
            "the workspace holds no data to map",
            hint="import exports first: settlescope import FILE --study DIR",
        )
    return waves[-1]
