"""Importer benchmark: WhatsApp (settlescope vs whatstk) and, if present, Telegram.

Run it with ``python bench/importers.py [messages per file]``. It prints figures and asserts
nothing. Part 1 writes a 1M-message WhatsApp export in four locales (4 files x 250k) into a
temporary folder, then times

- settlescope's parser alone (iterating ``parse`` over a Source, no workspace) and whatstk's
  ``df_from_whatsapp`` on the same file, given the file's ``hformat``, one after the other
  (which goes first alternates from file to file), so both see the same machine load,
- a full ``import_file`` of each file into a temporary study workspace.

Part 2 calls ``bench_telegram()`` from ``bench/importers_telegram.py`` when that module exists.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

NNBSP = "\u202f"


def _names(rng: random.Random) -> list[str]:
    first = [
        "Amina",
        "Bao",
        "Carlos",
        "Dmitri",
        "Esra",
        "Farah",
        "Gabriel",
        "Hana",
        "Ivan",
        "Jia",
        "Kofi",
        "Leila",
        "Mateo",
        "Nadia",
        "Omar",
        "Priya",
        "Quentin",
        "Rosa",
        "Samir",
        "Tariq",
    ]
    last = ["A.", "B.", "Chen", "Diaz", "Eze", "Fofana", "Gupta", "Haddad", "Ibrahim", "Jovanovic"]
    names = [f"{f} {la}" for f in first for la in last][:150]
    names += [f"+1 613 555 {rng.randrange(10000):04d}" for _ in range(50)]
    return names


WORDS = (
    "hello where is the office for the work permit appointment tomorrow thanks does anyone know "
    "a good english class near downtown bus pass rent apartment job fair resume interview"
).split()


def _line_text(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(3, 18)))


def _fmt_android_dmy(t: dt.datetime) -> str:
    return f"{t:%d/%m/%Y, %H:%M} - "


def _fmt_ios_us(t: dt.datetime) -> str:
    h = t.hour % 12 or 12
    ap = "PM" if t.hour >= 12 else "AM"
    return f"[{t.month}/{t.day}/{t:%y}, {h}:{t:%M:%S}{NNBSP}{ap}] "


def _fmt_german(t: dt.datetime) -> str:
    return f"{t:%d.%m.%y, %H:%M} - "


def _fmt_es_pm(t: dt.datetime) -> str:
    h = t.hour % 12 or 12
    ap = "p. m." if t.hour >= 12 else "a. m."
    return f"{t:%m/%d/%Y}, {h:02d}:{t:%M} {ap} - "


LOCALES: list[tuple[str, Callable[[dt.datetime], str], str]] = [
    ("android-dmy-24h", _fmt_android_dmy, "%d/%m/%Y, %H:%M - %name:"),
    ("ios-us-12h-nnbsp", _fmt_ios_us, "[%m/%d/%y, %I:%M:%S %p] %name:"),
    ("german-dmy-24h", _fmt_german, "%d.%m.%y, %H:%M - %name:"),
    ("spanish-pm", _fmt_es_pm, "%m/%d/%Y, %I:%M %P - %name:"),
]


def generate(folder: Path, per_file: int, seed: int = 7) -> list[tuple[str, Path, str]]:
    """Write one export per locale; every 40th message has a second line."""
    rng = random.Random(seed)
    names = _names(rng)
    out = []
    for label, fmt, hformat in LOCALES:
        t = dt.datetime(2023, 1, 13, 8, 0, 0)
        path = folder / f"WhatsApp Chat with Bench {label}.txt"
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            for i in range(per_file):
                t += dt.timedelta(seconds=rng.randint(1, 90))
                text = _line_text(rng)
                if i % 40 == 39:
                    text += "\n" + _line_text(rng)
                fh.write(f"{fmt(t)}{rng.choice(names)}: {text}\n")
        out.append((label, path, hformat))
    return out


def _timed(fn: Callable[[], int]) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = fn()
    return n, time.perf_counter() - t0


def bench_whatsapp(per_file: int) -> list[tuple[str, str, int, float]]:
    from settlescope.importers.base import ImportOptions, Source
    from settlescope.importers.run import import_file
    from settlescope.importers.whatsapp import parse_whatsapp
    from settlescope.study.setup import create_study, open_study

    rows: list[tuple[str, str, int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        files = generate(folder, per_file)
        size = sum(p.stat().st_size for _, p, _ in files)
        print(
            f"generated {len(files)} files x {per_file:,} messages ({size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        tz = ZoneInfo("America/Toronto")
        counts: dict[str, dict[str, int]] = {}
        try:
            from whatstk import df_from_whatsapp
        except ImportError:
            df_from_whatsapp = None
            print("  whatstk is not installed: no comparison")
        import warnings

        # settlescope and whatstk take turns on each file (which goes first alternates), so a
        # change in the machine's load falls on both
        for k, (label, path, hformat) in enumerate(files):

            def parse_only(path: Path = path) -> int:
                src = Source(path=path, study=None, tz=tz, options=ImportOptions())
                n = 0
                for b in parse_whatsapp(src):
                    items = b.rows.get("items")
                    n += items.num_rows if items is not None else 0  # type: ignore[union-attr]
                return n

            def run_whatstk(path: Path = path, hformat: str = hformat) -> int:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    df = df_from_whatsapp(  # type: ignore[misc]
                        str(path), auto_header=False, hformat=hformat, max_size=None
                    )
                return len(df)

            order = [("settlescope", parse_only), ("whatstk", run_whatstk)]
            if df_from_whatsapp is None:
                order = order[:1]
            elif k % 2:
                order.reverse()
            for tool, fn in order:
                n, s = _timed(fn)
                counts.setdefault(label, {})[tool] = n
                if tool == "settlescope":
                    rows.append(("settlescope parse", label, n, s))
                    print(
                        f"  settlescope parse   {label:18} {n:>9,} msgs {s:7.2f} s {n / s:>10,.0f} msg/s"
                    )
                else:
                    rows.append(("whatstk (hformat given)", label, n, s))
                    print(
                        f"  whatstk (hformat)   {label:18} {n:>9,} msgs {s:7.2f} s {n / s:>10,.0f} msg/s"
                    )

        # the key lives in this temporary folder only while this part runs
        saved_key = os.environ.get("SETTLESCOPE_KEY_FILE")
        os.environ["SETTLESCOPE_KEY_FILE"] = str(folder / "keys" / "bench.key")
        create_study(
            folder / "study", name="Bench", key_file=Path(os.environ["SETTLESCOPE_KEY_FILE"])
        )
        opened = open_study(folder / "study")
        for label, path, _ in files:

            def full_import(path: Path = path) -> int:
                with opened.workspace() as ws:
                    s = import_file(
                        ws,
                        path,
                        wave="baseline",
                        study=opened.study,
                        pseudonymiser=opened.pseudonymiser(),
                    )
                return s.loaded

            n, s = _timed(full_import)
            rows.append(("settlescope import", label, n, s))
            print(f"  settlescope import  {label:18} {n:>9,} msgs {s:7.2f} s {n / s:>10,.0f} msg/s")

        if saved_key is None:
            os.environ.pop("SETTLESCOPE_KEY_FILE", None)
        else:
            os.environ["SETTLESCOPE_KEY_FILE"] = saved_key
        for label, c in counts.items():
            same = "match" if len(set(c.values())) == 1 else "DIFFER"
            print(f"  message counts {label}: {c} -> {same}")
    return rows


def main() -> None:
    per_file = int(sys.argv[1]) if len(sys.argv) > 1 else 250_000
    print("## WhatsApp")
    rows = bench_whatsapp(per_file)
    print("\n## Telegram")
    try:
        from importers_telegram import bench_telegram  # type: ignore[import-not-found]
    except ImportError:
        print("bench/importers_telegram.py is missing: Telegram not benchmarked")
    else:
        bench_telegram()

    print("\n| tool | messages | seconds | messages/s |")
    print("|---|---:|---:|---:|")
    by_tool: dict[str, list[float]] = {}
    for tool, _, n, s in rows:
        acc = by_tool.setdefault(tool, [0, 0.0])
        acc[0] += n
        acc[1] += s
    for tool, (n, s) in by_tool.items():
        print(f"| {tool} | {int(n):,} | {s:.2f} | {n / s:,.0f} |")
    ref = by_tool.get("whatstk (hformat given)")
    if ref:
        for tool in ("settlescope parse", "settlescope import"):
            n, s = by_tool[tool]
            print(f"\n{tool}: {(n / s) / (ref[0] / ref[1]):.1f}x whatstk (hformat given)", end="")
        print()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
