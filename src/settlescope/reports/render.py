"""Building a deliverable's files: HTML (interactive, offline), PDF, XLSX and a data package.

The HTML inlines vega-embed, Vega-Lite and Vega (from vl-convert's bundle) and the chart
specs, so it opens offline with nothing fetched. The PDF is WeasyPrint's rendering of the
same page in print mode, where every chart is the static SVG vl-convert draws from the same
spec. Post text is untrusted: Jinja's autoescape escapes every value, and the specs are
embedded as JSON with ``<``, ``>`` and ``&`` written as Unicode escapes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from settlescope import __version__
from settlescope.errors import UsageError
from settlescope.reports import charts
from settlescope.reports.content import SHARE_UNITS, Block, ReportData
from settlescope.reports.maps import _javascript, _json_for_script
from settlescope.reports.tables import Column, ReportTable, write_data_package, write_xlsx

FORMATS = ("html", "pdf", "xlsx", "data")
CHART_FONT = "DejaVu Sans"


def parse_formats(value: str | None) -> tuple[str, ...]:
    if not value:
        return FORMATS
    chosen = tuple(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
    bad = [c for c in chosen if c not in FORMATS]
    if bad or not chosen:
        raise UsageError(
            f"unknown output format: {', '.join(bad) or '(none)'}",
            field="--format",
            hint=f"use a comma-separated list of: {', '.join(FORMATS)}",
        )
    return chosen


@dataclass
class Document:
    """Everything the template needs besides the blocks."""

    kicker: str
    title: str
    subtitle: str
    meta: str
    colophon: str
    blocks: list[Block]
    data: ReportData


@dataclass
class BuildResult:
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("settlescope.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _css() -> str:
    return (resources.files("settlescope.reports") / "templates" / "report.css").read_text(
        encoding="utf-8"
    )


def cell_text(data: ReportData, row: dict[str, Any], col: Column) -> str:
    """A table cell as the reader sees it: numbers in the language's format."""
    v = row.get(col.key)
    if v is None:
        return "–"
    if col.kind == "text" or isinstance(v, str):
        return str(v)
    if col.kind == "int":
        return data.lang.number(v, 0)
    if col.kind == "share":
        return data.lang.percent(v, 1)
    unit = row.get("_unit") or row.get("unit") or "count"
    return data.fmt(v, unit if unit in SHARE_UNITS or col.kind == "number" else "count")


def render_html(doc: Document, mode: str) -> str:
    """The page: ``mode`` is ``html`` (interactive charts) or ``print`` (static SVG)."""
    data = doc.data
    lang = data.lang
    chart_list = [c for b in doc.blocks for c in b.charts]
    for c in chart_list:
        for key in ("spec", "static"):
            if c.get(key) is not None:
                # one font for measuring labels (vl-convert) and drawing them (WeasyPrint,
                # browsers), so right-aligned axis labels are not cut off
                c[key].setdefault("config", {}).setdefault("font", CHART_FONT)
    if mode == "print":
        for c in chart_list:
            if c.get("map"):
                # a map is thousands of marks: as PNG it renders in the PDF many times faster
                c["svg"] = charts.png_data_uri(charts.to_png(c["static"], lang.bcp47))
            else:
                c["svg"] = charts.svg_data_uri(charts.to_svg(c["spec"], lang.bcp47))
    env = _env()
    tpl = env.get_template("document.html.j2")
    return tpl.render(
        mode=mode,
        lang=lang,
        _=lang.gettext,
        version=__version__,
        css=Markup(_css()),
        title=doc.title,
        kicker=doc.kicker,
        subtitle=doc.subtitle,
        meta=doc.meta,
        colophon=doc.colophon,
        blocks=doc.blocks,
        cell=lambda r, c: cell_text(data, r, c),
        library=Markup(_javascript()) if mode == "html" else "",
        charts_json=Markup(_json_for_script([dict(id=c["id"], spec=c["spec"])
                                             for c in chart_list])) if mode == "html" else "",
        locale_json=Markup(_json_for_script(dict(
            format=charts.format_locale(lang.bcp47),
            time=charts.time_format_locale(lang.bcp47)))) if mode == "html" else "",
    )  # fmt: skip


def all_tables(doc: Document) -> list[ReportTable]:
    seen: set[str] = set()
    out = []
    for b in doc.blocks:
        for t in b.tables:
            if t.id not in seen:
                seen.add(t.id)
                out.append(t)
    return out


def write_document(
    doc: Document, out_dir: Path, formats: tuple[str, ...], stem: str
) -> BuildResult:
    """Write the chosen formats into ``out_dir``, all or nothing.

    The files are made in a temporary folder beside ``out_dir`` and moved into place when all
    are written; a failed build leaves an existing ``out_dir`` as it was.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    result = BuildResult(out_dir)
    try:
        if "html" in formats:
            t0 = time.perf_counter()
            (tmp / f"{stem}.html").write_text(render_html(doc, "html"), encoding="utf-8")
            result.files["html"] = out_dir / f"{stem}.html"
            result.seconds["html"] = time.perf_counter() - t0
        if "pdf" in formats:
            from weasyprint import HTML

            t0 = time.perf_counter()
            page = render_html(doc, "print")
            result.seconds["pdf-charts"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            HTML(string=page, base_url=str(tmp)).write_pdf(tmp / f"{stem}.pdf")
            result.files["pdf"] = out_dir / f"{stem}.pdf"
            result.seconds["pdf"] = time.perf_counter() - t1
        tables = all_tables(doc)
        if "xlsx" in formats:
            t0 = time.perf_counter()
            write_xlsx(tables, tmp / f"{stem}-tables.xlsx", doc.title)
            result.files["xlsx"] = out_dir / f"{stem}-tables.xlsx"
            result.seconds["xlsx"] = time.perf_counter() - t0
        if "data" in formats:
            t0 = time.perf_counter()
            write_data_package(tables, tmp / "data", doc.title)
            result.files["data"] = out_dir / "data"
            result.seconds["data"] = time.perf_counter() - t0
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{dt.datetime.now():%Y%m%d%H%M%S%f}")
            out_dir.rename(old)
        tmp.rename(out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result
