"""The Social Media Toolkit: numbered editions, never overwritten, each with a changelog.

``settlescope toolkit`` builds the next edition under ``STUDY/toolkit/`` (or
``STUDY/toolkit/partner-<id>/`` for one partner's version, which shows only that partner's
figures beside the sector's). An edition folder holds the Toolkit as HTML and PDF, its
tables, ``figures.json`` (every figure it showed, and the import runs it was built from) and
``CHANGELOG.md``: what changed since the previous edition, that is new data (import runs
not in the previous edition) and the figures that moved, named, old and new.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from settlescope.reports.build import choose_wave, prepare
from settlescope.reports.content import ReportData
from settlescope.reports.i18n import Language
from settlescope.reports.render import BuildResult, Document, write_document
from settlescope.store.workspace import Workspace
from settlescope.study.model import Study

EDITION = re.compile(r"^edition-(\d{3,})$")
SNAPSHOT = "figures.json"
CHANGELOG = "CHANGELOG.md"
# Relative change below which a figure has not moved (rounding in earlier editions).
TOLERANCE = 1e-9


@dataclass
class Edition:
    number: int
    folder: Path
    result: BuildResult
    changes: list[str] = field(default_factory=list)
    new_data: list[str] = field(default_factory=list)


def toolkit_root(study_dir: Path, partner: str | None) -> Path:
    root = Path(study_dir) / "toolkit"
    return root / f"partner-{partner}" if partner else root


def editions(root: Path) -> list[int]:
    if not root.is_dir():
        return []
    return sorted(int(m.group(1)) for p in root.iterdir() if (m := EDITION.match(p.name)))


def snapshot(data: ReportData, partner: str | None) -> dict[str, Any]:
    """Every figure of the Toolkit's sections, keyed, with a label; and the import runs."""
    figures: dict[str, dict[str, Any]] = {}
    for s in data.deliverable.sections:
        for f in s.figures:
            for scope, oid, name in data.org_scopes(partner):
                if scope != "partner":
                    continue
                r = data.row(f, scope, oid)
                if r is not None:
                    figures[f"{oid}|{f.key}"] = dict(label=f.label, organization=name,
                                                     value=r["value"], unit=data.unit(f))  # fmt: skip
            med = data.sector_median(f)
            if med is not None:
                figures[f"sector|{f.key}"] = dict(label=f.label, organization="sector median",
                                                  value=med, unit=data.unit(f))  # fmt: skip
    runs = data.ws.table("import_runs")
    runs = runs.filter(runs.status == "complete")
    rows = runs.select("run_id", "source_name", "wave", "partner_id", "rows_loaded").to_pyarrow()
    return dict(
        wave=data.wave,
        figures=figures,
        imports={r["run_id"]: r for r in rows.to_pylist()
                 if partner is None or r["partner_id"] in (None, partner)},
    )  # fmt: skip


def changelog(
    prev: dict[str, Any] | None, now: dict[str, Any], lang: Language, data: ReportData
) -> tuple[list[str], list[str]]:
    """(new data lines, moved-figure lines) of ``now`` against the previous edition."""
    _ = lang.gettext
    if prev is None:
        return [], []
    new = [
        _("{file} ({wave}, {rows} records)").format(
            file=r["source_name"], wave=r["wave"], rows=lang.number(r["rows_loaded"] or 0))
        for rid, r in now["imports"].items() if rid not in prev["imports"]
    ]  # fmt: skip
    moved = []
    for key, f in now["figures"].items():
        old = prev["figures"].get(key)
        who = f["organization"] if f["organization"] != "sector median" else _("Sector median")
        if old is None:
            moved.append(_("{who}, {label}: new, {new}").format(
                who=who, label=_(f["label"]), new=data.fmt(f["value"], f["unit"])))  # fmt: skip
            continue
        a, b = old["value"], f["value"]
        if abs(a - b) > TOLERANCE * max(1.0, abs(a)):
            moved.append(_("{who}, {label}: {old} → {new}").format(
                who=who, label=_(f["label"]), old=data.fmt(a, f["unit"]),
                new=data.fmt(b, f["unit"])))  # fmt: skip
    if prev.get("wave") != now.get("wave"):
        new.insert(0, _("Figures now come from the wave '{wave}' (was '{old}').").format(
            wave=now["wave"], old=prev.get("wave")))  # fmt: skip
    return new, moved


def build_toolkit(
    ws: Workspace,
    study: Study,
    study_dir: Path,
    *,
    partner: str | None = None,
    wave: str | None = None,
    lang: str = "en",
    formats: tuple[str, ...] = ("html", "pdf", "xlsx"),
) -> Edition:
    """Build the next Toolkit edition; earlier editions are left untouched.

    Example
    -------
    >>> build_toolkit(ws, study, Path("study"), partner="p01")  # doctest: +SKIP
    """
    language = Language.of(lang)
    _ = language.gettext
    wave_id = choose_wave(ws, study, wave, study_dir)
    data, blocks = prepare(ws, study, study_dir, "toolkit", wave_id, language, partner=partner,
                           maps=False)  # fmt: skip
    root = toolkit_root(study_dir, partner)
    numbers = editions(root)
    number = (numbers[-1] + 1) if numbers else 1
    prev = None
    if numbers:
        prev_file = root / f"edition-{numbers[-1]:03d}" / SNAPSHOT
        if prev_file.is_file():
            prev = json.loads(prev_file.read_text(encoding="utf-8"))
    now = snapshot(data, partner)
    new, moved = changelog(prev, now, language, data)
    from settlescope.reports.content import Block
    from settlescope.reports.deliverables import Section

    log = Block(section=Section("changes", "What changed since the last edition", "changes"),
                title=_("What changed since the last edition"))  # fmt: skip
    if prev is None:
        log.paragraphs.append(_("This is the first edition."))
    else:
        log.paragraphs.append(_("Changes since edition {n}.").format(n=numbers[-1]))
        log.paragraphs.append(_("New data: {lines}").format(lines="; ".join(new))
                              if new else _("No new data."))  # fmt: skip
        log.bullets = moved or [_("No figure moved.")]
    blocks.insert(0, log)
    who = study.organization(partner).name if partner else None
    doc = Document(
        kicker=study.study.name,
        title=_(data.deliverable.title),
        subtitle=(_("Edition {n}").format(n=number) + (f" · {who}" if who else "")),
        meta=_("Edition {n}, {date}, phase {phase} of the study.").format(
            n=number, date=language.date(dt.date.today()), phase=study.study.phase),
        colophon=_("Guidance text: settlescope/reports/guidance (editable Markdown). Figures "
                   "are read from the study's results."),
        blocks=blocks,
        data=data,
    )  # fmt: skip
    folder = root / f"edition-{number:03d}"
    result = write_document(doc, folder, formats, "toolkit")
    # the snapshot and changelog go in once the edition's files are in place
    (folder / SNAPSHOT).write_text(json.dumps(now, indent=1, default=str), encoding="utf-8")
    lines = [f"# {_('Toolkit')} — {_('Edition {n}').format(n=number)}", ""]
    lines += [f"- {x}" for x in log.paragraphs] + [f"- {x}" for x in log.bullets]
    (folder / CHANGELOG).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Edition(number, folder, result, moved, new)
