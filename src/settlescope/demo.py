"""The demo: the whole phase-1 path on the small synthetic study.

Generate, import, measure, build the phase-1 report and Toolkit edition 1.

The generator writes every platform's real export format. Files whose importer is
registered are imported in their own format; for the rest, the generic NDJSON file that
carries the same records is imported instead, so the demo always loads the whole study.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from rich.console import Console

from settlescope.importers import load_builtin
from settlescope.importers.base import REGISTRY
from settlescope.importers.run import import_file
from settlescope.study.setup import default_key_path, open_study


def plan_imports(study_dir: Path) -> list[dict[str, Any]]:
    """Which files of the synthetic study to import, and with which format."""
    load_builtin()
    manifest = json.loads((study_dir / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["files"]
    native = [e for e in entries if e["format"] != "generic-ndjson"]
    generic_needed: set[str] = set()
    plan: list[dict[str, Any]] = []
    for e in native:
        if e["format"] in REGISTRY:
            plan.append(e)
        elif e.get("generic"):
            generic_needed.add(e["generic"])
    covered_by_native = {e.get("generic") for e in plan if e.get("generic")}
    for e in entries:
        if e["format"] != "generic-ndjson":
            continue
        # a generic file is imported when some native file it stands for is not importable,
        # or when no native file stands for it at all (explicit edges)
        if (
            e["path"] in generic_needed
            or e["path"] not in covered_by_native
            and not any(n.get("generic") == e["path"] for n in native)
        ):
            plan.append(e)
    return plan


def run_demo(
    directory: Path,
    *,
    seed: int = 0,
    console: Console | None = None,
    progress_console: Console | None = None,
    outputs: bool = True,
) -> dict[str, Any]:
    from settlescope.store.pseudonym import create_key
    from settlescope.synth import generate

    console = console or Console()
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        if not (directory / "manifest.json").exists():
            from settlescope.errors import UsageError

            raise UsageError(
                "the demo folder exists and is not a demo study",
                file=str(directory),
                hint="give another folder: settlescope demo NEW_FOLDER",
            )
        shutil.rmtree(directory)
    key = default_key_path(directory)
    console.print(f"Generating the small synthetic study in {directory} ...")
    generate(directory, size="small", seed=seed, key_file=key)
    create_key(key)
    opened = open_study(directory)
    with opened.workspace() as ws:
        for e in plan_imports(directory):
            s = import_file(
                ws,
                directory / e["path"],
                wave=e["wave"],
                study=opened.study,
                format_id=e["format"],
                partner_id=e.get("partner"),
                pseudonymiser=opened.pseudonymiser(),
            )
            console.print("  " + s.line())
        files = phase1_outputs(ws, opened, directory, console) if outputs else None
        st = ws.status()  # after measuring: labels and results are counted too
        if files is not None:
            st["outputs"] = files
    st["study"] = opened.study.study.name
    return st


def phase1_outputs(ws: Any, opened: Any, directory: Path, console: Console) -> dict[str, str]:
    """Measure the imported study, then build the phase-1 report and Toolkit edition 1."""
    from settlescope.measures.run import run_measures
    from settlescope.reports.build import build_report
    from settlescope.reports.toolkit import build_toolkit

    console.print("Computing the measures ...")
    runs = run_measures(ws, opened.study, study_dir=directory)
    console.print(f"  {sum(r.rows for r in runs):,} result rows from {len(runs)} measure runs")
    console.print("Building the phase-1 report (HTML, PDF, XLSX, data package) ...")
    rep = build_report(ws, opened.study, directory)
    console.print("Building the Social Media Toolkit, edition 1 ...")
    ed = build_toolkit(ws, opened.study, directory)
    files = {f"report {k}": str(v) for k, v in rep.result.files.items()}
    files.update({f"toolkit {k}": str(v) for k, v in ed.result.files.items()})
    return files
