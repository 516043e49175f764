"""Ingest benchmark: settlescope's import of the large synthetic generic-NDJSON file against
DuckDB reading the same file straight into a table (the floor), in one run.

Each side runs in a fresh child process, so its wall time and peak RSS are its own.

Usage::

    python bench/ingest.py                   # generates the large synthetic study if needed
    python bench/ingest.py --pairs 3         # three paired runs, medians (the figures to quote)
    python bench/ingest.py --lines 4000000   # the large file's first 4M lines (≈ 2 GB)
    python bench/ingest.py --file F.ndjson   # any generic NDJSON file
    python bench/ingest.py --quick           # a 1M-line file made here, for a fast check

Target (foundation issue): settlescope's rate ≥ 40% of DuckDB's raw rate, peak RSS < 2 GiB
(and a 2 GB file under 1 GiB).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def _child(kind: str, path: str, workdir: str) -> None:
    """Run one side and print its figures as JSON (runs in a fresh process)."""
    t0 = time.perf_counter()
    if kind == "duckdb":
        import duckdb

        con = duckdb.connect(str(Path(workdir) / "raw.duckdb"))
        con.execute("SET memory_limit = '1GB'")
        con.execute(
            f"CREATE TABLE raw AS SELECT * FROM read_json('{path}', format = 'newline_delimited')"
        )
        rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]  # type: ignore[index]
        con.close()
    else:
        from settlescope.importers.run import import_file
        from settlescope.study.setup import create_study, open_study

        study_dir = Path(workdir) / "study"
        create_study(study_dir, name="bench", key_file=Path(workdir) / "bench.key")
        opened = open_study(study_dir)
        with opened.workspace() as ws:
            s = import_file(
                ws,
                Path(path),
                wave="baseline",
                study=opened.study,
                format_id="generic-ndjson",
                pseudonymiser=opened.pseudonymiser(),
            )
        rows = s.read
        assert s.read == s.loaded + s.duplicates + s.rejected
    seconds = time.perf_counter() - t0
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps({"kind": kind, "rows": rows, "seconds": seconds, "peak_rss_mib": rss_kib / 1024})
    )


def run_side(kind: str, path: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory(dir=OUT) as work:
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(path), work],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def quick_file(n: int = 1_000_000) -> Path:
    p = OUT / f"quick-{n}.ndjson"
    if p.exists():
        return p
    import orjson

    with p.open("wb") as fh:
        for i in range(n):
            fh.write(
                orjson.dumps(
                    {
                        "platform": "facebook",
                        "platform_id": str(i),
                        "container": f"g{i % 50}",
                        "author": f"user{(i * 7919) % 90_001}",
                        "created_at": f"2026-0{1 + i % 6}-1{i % 10}T1{i % 10}:00:00-05:00",
                        "kind": "comment" if i % 3 else "post",
                        "parent_id": str(i - 1) if i % 3 else None,
                        "text": f"Where do I apply for a SIN card? post {i} 🙂 <b>x</b>",
                        "language": "en",
                        "reactions": i % 17,
                        "comments": i % 5,
                    }
                )
                + b"\n"
            )
    return p


def large_file() -> Path:
    """Concatenate the large synthetic study's generic item files into one NDJSON file."""
    target = OUT / "large-items.ndjson"
    if target.exists():
        return target
    study = OUT / "large-study"
    if not (study / "manifest.json").exists():
        from settlescope.synth import generate

        print("generating the large synthetic study (several minutes) ...", flush=True)
        generate(study, size="large", seed=1, key_file=OUT / "large.key")
    parts = sorted(study.glob("exports/*/generic/items-*.ndjson"))
    with target.open("wb") as out:
        for p in parts:
            with p.open("rb") as fh:
                while chunk := fh.read(1 << 24):
                    out.write(chunk)
    return target


def first_lines(n: int) -> Path:
    """The large file's first ``n`` lines (4,000,000 lines are about 2 GB)."""
    target = OUT / f"large-items-first-{n}.ndjson"
    if target.exists():
        return target
    with large_file().open("rb") as src, target.open("wb") as out:
        for _, line in zip(range(n), src, strict=False):
            out.write(line)
    return target


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=3)
    ap.add_argument("--file", type=Path)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--lines", type=int, help="use the large file's first N lines")
    ap.add_argument("--pairs", type=int, default=1, help="paired runs (medians are shown)")
    a = ap.parse_args()
    if a.child:
        _child(*a.child)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    if a.file:
        path = a.file
    elif a.lines:
        path = first_lines(a.lines)
    else:
        path = quick_file() if a.quick else large_file()
    size_gb = path.stat().st_size / 1e9
    print(f"file: {path} ({size_gb:.2f} GB)")
    runs: dict[str, list[dict[str, float]]] = {"duckdb": [], "settlescope": []}
    for i in range(a.pairs):
        # Alternate which side goes first, so that neither always meets a cold cache.
        for kind in ("duckdb", "settlescope") if i % 2 == 0 else ("settlescope", "duckdb"):
            runs[kind].append(run_side(kind, path))
            d = runs[kind][-1]
            print(
                f"  {kind}: {d['seconds']:.1f} s, peak RSS {d['peak_rss_mib']:.0f} MiB", flush=True
            )
    floor, ours = (_median(runs[k]) for k in ("duckdb", "settlescope"))
    r_floor = floor["rows"] / floor["seconds"]
    r_ours = ours["rows"] / ours["seconds"]
    ratios = sorted(
        (o["rows"] / o["seconds"]) / (f["rows"] / f["seconds"])
        for f, o in zip(runs["duckdb"], runs["settlescope"], strict=True)
    )
    print()
    print(f"medians of {a.pairs} paired run(s):")
    print("| side | rows | seconds | rows/s | peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|")
    for name, d, r in (
        ("DuckDB read_json → table (floor)", floor, r_floor),
        ("settlescope import", ours, r_ours),
    ):
        print(
            f"| {name} | {d['rows']:,} | {d['seconds']:.1f} | {r:,.0f} | {d['peak_rss_mib']:.0f} |"
        )
    print()
    print(
        f"settlescope / DuckDB rate: {r_ours / r_floor:.0%} "
        f"(per pair {ratios[0]:.0%}-{ratios[-1]:.0%}; target ≥ 40%)"
    )
    print(
        f"settlescope peak RSS: {ours['peak_rss_mib']:.0f} MiB, at most "
        f"{max(d['peak_rss_mib'] for d in runs['settlescope']):.0f} "
        "(target < 2048; < 1024 for a 2 GB file)"
    )


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in ("rows", "seconds", "peak_rss_mib")}


if __name__ == "__main__":
    main()
