"""Time the phase-1 report and the Toolkit on the small demo study; the share spent on the PDF.

Usage: python bench/report.py [--study DIR]

Without --study, generates the small synthetic study (seed 0) in a temporary folder, imports
and measures it first (not timed). Then, one after the other in this process: the HTML-only
report (the baseline), the full report (HTML, PDF, XLSX, data package) and the Toolkit
edition (HTML, PDF, XLSX). Prints seconds per step and the PDF's share of the full build
(WeasyPrint's layout plus the static charts drawn for it). The target: report + Toolkit
under 30 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--study", type=Path, default=None)
    args = ap.parse_args()
    from settlescope.demo import run_demo
    from settlescope.measures.run import run_measures
    from settlescope.reports.build import build_report
    from settlescope.reports.toolkit import build_toolkit
    from settlescope.study.setup import open_study

    study = args.study
    if study is None:
        study = Path(tempfile.mkdtemp(prefix="bench-report-")) / "study"
        run_demo(study, seed=0, console=Console(quiet=True), outputs=False)
        opened = open_study(study)
        with opened.workspace() as ws:
            run_measures(ws, opened.study, study_dir=study)
    opened = open_study(study)
    with opened.workspace() as ws:
        # warm-up: imports, the JavaScript bundle and the fonts, as any first build pays
        build_report(ws, opened.study, study, formats=("html",), out=study / "bench-warm")
        t0 = time.perf_counter()
        build_report(ws, opened.study, study, formats=("html",), out=study / "bench-html")
        html_only = time.perf_counter() - t0
        t0 = time.perf_counter()
        full = build_report(ws, opened.study, study, out=study / "bench-full")
        full_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        ed = build_toolkit(ws, opened.study, study)
        toolkit_s = time.perf_counter() - t0
    sec = full.result.seconds
    pdf = sec.get("pdf", 0) + sec.get("pdf-charts", 0)
    tk = ed.result.seconds
    tk_pdf = tk.get("pdf", 0) + tk.get("pdf-charts", 0)
    print(f"study: {study}")
    print(f"report, HTML only (baseline):        {html_only:6.1f} s")
    print(f"report, HTML+PDF+XLSX+data:          {full_s:6.1f} s "
          f"(PDF {pdf:.1f} s = {pdf / full_s:.0%}: charts {sec.get('pdf-charts', 0):.1f} s, "
          f"WeasyPrint {sec.get('pdf', 0):.1f} s)")  # fmt: skip
    print(f"Toolkit edition {ed.number}, HTML+PDF+XLSX:   {toolkit_s:6.1f} s "
          f"(PDF {tk_pdf:.1f} s = {tk_pdf / toolkit_s:.0%})")  # fmt: skip
    total = full_s + toolkit_s
    print(f"report + Toolkit:                    {total:6.1f} s "
          f"(PDF {(pdf + tk_pdf) / total:.0%}; target < 30 s: "
          f"{'met' if total < 30 else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
