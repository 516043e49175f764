"""Report tables: one model for the HTML/PDF tables, the XLSX workbook and the data package.

Every table of a report is a :class:`ReportTable` of plain values. The same rows are drawn
in HTML and PDF (formatted for the reader's language), written to one XLSX sheet each and to
one CSV each in the data package, with a codebook naming every column. Text that came from
posts is untrusted: HTML escapes it (Jinja's autoescape) and the spreadsheet writers
neutralise cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A cell starting with one of these is read as a formula (or DDE) by spreadsheet programs
# (OWASP "CSV injection"): = + - @, and a tab or carriage return before them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: Any) -> Any:
    """A cell value that a spreadsheet shows as text: formula-looking text gets a leading '.

    Example
    -------
    >>> neutralise('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise(-2.5)
    -2.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    """A column: its key in the rows, its label (already translated), kind and meaning.

    ``kind`` is ``text``, ``int``, ``number``, ``share`` (shown as a percentage) or
    ``ratio`` (three decimals).
    """

    key: str
    label: str
    kind: str = "text"
    description: str = ""


@dataclass
class ReportTable:
    id: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def sheet_name(self, taken: set[str]) -> str:
        base = _SHEET_BAD.sub("-", self.id)[:28] or "table"
        name, i = base, 1
        while name in taken:
            i += 1
            name = f"{base[:25]}-{i}"
        taken.add(name)
        return name


def wilson(share: float, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default).

    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22(158), 209-212. Centre (p + z²/2n)/(1 + z²/n), half-width
    z·sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n).

    Example
    -------
    >>> [round(x, 4) for x in wilson(0.5, 100)]
    [0.4038, 0.5962]
    """
    if n <= 0:
        raise ValueError("n must be positive")
    d = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / d
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / d
    return max(0.0, centre - half), min(1.0, centre + half)


def write_xlsx(tables: list[ReportTable], out: Path, title: str) -> None:
    """Every table on a sheet of its own, with its title and note above the header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws0 = wb.active
    ws0.title = "contents"
    ws0.append([neutralise(title)])
    ws0["A1"].font = Font(bold=True, size=14)
    ws0.append([])
    taken = {"contents"}
    for t in tables:
        name = t.sheet_name(taken)
        ws0.append([name, neutralise(t.title)])
        sh = wb.create_sheet(name)
        sh.append([neutralise(t.title)])
        sh["A1"].font = Font(bold=True)
        if t.note:
            sh.append([neutralise(t.note)])
        sh.append([neutralise(c.label) for c in t.columns])
        for cell in sh[sh.max_row]:
            cell.font = Font(bold=True)
        for r in t.rows:
            sh.append([neutralise(r.get(c.key)) for c in t.columns])
        for i, c in enumerate(t.columns, start=1):
            width = 40 if c.kind == "text" else 14
            sh.column_dimensions[sh.cell(row=1, column=i).column_letter].width = width
    wb.save(out)


def write_data_package(tables: list[ReportTable], folder: Path, title: str) -> None:
    """One CSV per table (UTF-8, header of column keys) and ``codebook.csv`` describing them."""
    folder.mkdir(parents=True, exist_ok=True)
    book = []
    for t in tables:
        path = folder / f"{t.id}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([c.key for c in t.columns])
            for r in t.rows:
                w.writerow([_csv(r.get(c.key)) for c in t.columns])
        for c in t.columns:
            book.append([path.name, t.title, c.key, c.label, c.kind, c.description])
    with (folder / "codebook.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "table", "column", "label", "kind", "description"])
        for row in book:
            w.writerow([neutralise(x) for x in row])
    (folder / "README.txt").write_text(
        f"{title}\n\nOne CSV file per table of the report (UTF-8, comma-separated). "
        "codebook.csv names every column: its label, kind (text, int, number, share as a "
        "proportion in [0, 1], ratio) and meaning. Empty cells have no value. Text cells "
        "that begin with = + - @ are prefixed with ' so spreadsheets show them as text.\n",
        encoding="utf-8",
    )


def _csv(v: Any) -> Any:
    if v is None:
        return ""
    return neutralise(v)
