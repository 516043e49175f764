"""Facebook Page and Instagram insights CSV from Meta Business Suite (``meta-insights-csv``).

See :func:`parse_insights` for the layouts and :mod:`settlescope.importers.meta`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from settlescope.importers.base import Batch, Reject, Sniff, Source, importer
from settlescope.importers.reading import (
    CsvRecords,
    csv_cells,
    head_lines,
)

# -- Meta insights CSV ---------------------------------------------------------------------------

# (pattern on a lower-cased column or block title, metric, definition). First match wins.
INSIGHT_METRICS: tuple[tuple[str, str, str], ...] = (
    (r"unfollow", "unfollows", "meta-follows-2024"),
    (r"unlike", "page_fans_removed", "meta-page-fans-legacy"),
    (
        r"lifetime total likes|total page likes|page likes total|^page likes$|^fans$|lifetime.*fans",
        "page_fans",
        "meta-page-fans-legacy",
    ),
    (r"new likes|page likes|daily.*likes", "page_fans_new", "meta-page-fans-legacy"),
    (
        r"followers total|total followers|lifetime.*follow|^followers$|followers$",
        "followers",
        "meta-follows-2024",
    ),
    (r"new follow|^follows$|follows$|daily.*follow", "follows", "meta-follows-2024"),
    (r"impression", "impressions", "meta-impressions-legacy"),
    (r"views?$|^views|media view", "views", "meta-views-2024"),
    (r"reach", "reach", "meta-reach"),
    (r"visit", "profile_visits", "meta-visits"),
    (r"interaction|engage", "interactions", "meta-content-interactions"),
)
BREAKDOWN_DIMENSIONS = {
    "city": "city",
    "town": "city",
    "top cities": "city",
    "country": "country",
    "top countries": "country",
    "language": "language",
    "age": "age",
    "gender": "gender",
    "age range": "age",
}
GENDER_CODE = {"women": "F", "woman": "F", "female": "F", "f": "F", "men": "M", "man": "M",
               "male": "M", "m": "M", "unknown": "U", "u": "U", "other": "U"}  # fmt: skip
DATE_HEADERS = ("date", "day", "date (utc)", "data", "fecha", "datum")


def insight_metric(name: str) -> tuple[str, str] | None:
    """The metric and definition a column or title names, qualified by window and source.

    ``Weekly Total Reach`` → ``reach_7d``, ``Daily Organic Reach`` → ``reach_organic``.
    """
    s = name.strip().lower()
    for pat, metric, definition in INSIGHT_METRICS:
        if re.search(pat, s):
            for word, suffix in (
                ("organic", "_organic"),
                ("paid", "_paid"),
                ("viral", "_viral"),
                ("unique", "_unique"),
                ("weekly", "_7d"),
                ("28 day", "_28d"),
                ("28-day", "_28d"),
            ):
                if word in s:
                    metric += suffix
            return metric, definition
    return None


def _detect_insights(s: Sniff) -> float:
    lines = [ln for ln in head_lines(s, 12) if ln.strip()]
    if not lines or lines[0].lstrip().startswith(("{", "[")):
        return 0.0
    for ln in lines:
        row = [c.strip().lower() for c in csv_cells(ln)]
        if len(row) >= 2 and row[0] in DATE_HEADERS:
            metrics = [c for c in row[1:] if c and (c == "primary" or insight_metric(c))]
            if metrics:
                return 0.85
        if len(row) >= 2 and row[0] == "account" and "metric definition" in row:
            return 0.9
    return 0.0


@importer(
    id="meta-insights-csv",
    name="Meta Business Suite insights CSV",
    reads="Facebook Page and Instagram insights exported from Meta Business Suite: daily reach, "
    "views or impressions, follows and followers or page likes, and audience breakdowns by "
    "city, country, age and gender, and language; also the legacy Page Insights 'Page data' export",
    fills=("audience", "audience_breakdown", "accounts"),
    extensions=(".csv",),
    detect=_detect_insights,
    expect="a Meta Business Suite insights CSV: optional 'sep=,' and title lines, then a header "
    "starting with Date (Date,Primary or Date,Reach,Views,...) and daily rows",
)
def parse_insights(source: Source) -> Iterator[Batch]:
    """Read an insights export as blocks of rows separated by empty lines.

    Layouts understood
    ------------------
    - Meta Business Suite, one metric per file: ``sep=,``, a title line (``"Facebook Page
      reach"``, ``"Views"``, ``"Instagram follows"``), sometimes a description line, then
      ``Date,Primary`` and rows ``"2026-01-15T00:00:00","523"``.
    - Several metrics per block: ``Date,Reach,Views,Follows,Unfollows,Followers total``
      (``Impressions`` in place of ``Views`` under the legacy definition).
    - The legacy Page Insights export: a header of metric names (``Lifetime Total Likes``,
      ``Daily Total Reach`` ...), a second row of descriptions (empty first cell), then data.
    - Breakdown blocks after a title: ``Age,Women,Men`` (age × gender, stored as
      ``age-gender`` with categories ``F.18-24`` as Meta's API writes them), ``City,Followers``,
      ``Country,Followers``, ``Language,Followers``, ``Gender,...``.
    - A metadata row ``Account,<handle>,Platform,<platform>,Metric definition,<...>`` (the
      synthetic generator's layout).

    Dates are ``2026-01-15``, ``2026-01-15T00:00:00`` or ``01/15/2026``; slashed dates are
    read month first (Meta's US-English exports) unless a day above 12 shows otherwise or
    ``--date-order dmy`` is given. Breakdowns carry no date: they are dated at the last day of
    the file's daily rows.
    """
    blocks: list[list[tuple[int, list[str], str]]] = [[]]
    n_lines = 0
    total_bytes = 0
    meta: dict[str, str] = {}
    recs = CsvRecords(source)
    for n, rec, raw in recs:
        n_lines = n
        total_bytes = recs.bytes_done
        cells = [c.strip() for c in rec]
        if n == 1 and len(cells) == 1 and cells[0].lower().startswith("sep="):
            continue
        if not any(cells):
            if blocks[-1]:
                blocks.append([])
            continue
        low = [c.lower() for c in cells]
        if low and low[0] == "account" and len(cells) >= 2:
            for k, v in zip(cells[0::2], cells[1::2], strict=False):
                meta[k.lower()] = v
            continue
        blocks[-1].append((n, cells, raw))
        if n > 2_000_000:
            raise source.error(
                "the file is far larger than an insights export",
                locator=f"row {n}",
                hint="check that this is a Meta Business Suite insights export",
            )
    if n_lines == 0:
        raise source.error("the file is empty", hint="export the insights again")
    platform = _insights_platform(source, meta, blocks)
    account = _insights_account(source, platform, meta)
    acc_kind = "page" if platform == "facebook" else "organization"
    parsed = [_insights_block(b) for b in blocks if b]
    if not any(p["kind"] for p in parsed):
        raise source.error(
            "no insights table found (a header starting with Date, or a breakdown "
            "such as Age,Women,Men)",
            locator="row 1",
            hint="export the insights again from Meta Business Suite as CSV",
        )
    order = _date_order(source, parsed)
    audience: list[dict[str, Any]] = []
    breakdown: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    last_date: dt.date | None = None
    series_def = meta.get("metric definition", "").lower()
    for p in parsed:
        if p["kind"] != "series":
            continue
        for n, cells, raw in p["rows"]:
            d = parse_insight_date(cells[0], order)
            loc = f"row {n}"
            if d is None:
                rejects.append(Reject(loc, "bad-date", f"'{cells[0]}' is not a date", raw))
                continue
            last_date = d if last_date is None or d > last_date else last_date
            for j, (metric, definition) in p["columns"].items():
                v = _num(cells[j]) if j < len(cells) else None
                if v is None:
                    continue
                if metric == "views" and series_def == "impressions":
                    metric, definition = "impressions", "meta-impressions-legacy"
                audience.append(
                    dict(
                        platform=platform,
                        account=account,
                        account_kind=acc_kind,
                        date=d,
                        metric=metric,
                        value=v,
                        definition=definition,
                        _locator=f"{loc} {p['names'][j]}",
                        _raw=raw,
                    )
                )
    for p in parsed:
        if p["kind"] != "breakdown":
            continue
        for n, cells, raw in p["rows"]:
            loc = f"row {n}"
            if last_date is None:
                rejects.append(
                    Reject(
                        loc,
                        "bad-date",
                        "a breakdown without daily rows has no date: "
                        "export it together with the daily metrics",
                        raw,
                    )
                )
                continue
            cat = cells[0]
            for j, (dimension, category, metric, definition) in p["columns"].items():
                v = _num(cells[j]) if j < len(cells) else None
                if v is None:
                    continue
                c = category.replace("{}", cat) if category else cat
                breakdown.append(
                    dict(
                        platform=platform,
                        account=account,
                        account_kind=acc_kind,
                        date=last_date,
                        metric=metric,
                        dimension=dimension,
                        category=c,
                        value=v,
                        definition=definition,
                        _locator=f"{loc} {p['names'][j]}",
                        _raw=raw,
                    )
                )
    if platform == "instagram":
        # Instagram followers were always follows: only Facebook Pages moved from fans to follows.
        for r in (*audience, *breakdown):
            if r["definition"] == "meta-follows-2024":
                r["definition"] = "instagram-followers"
    accounts = [
        dict(
            platform=platform,
            ref=account,
            platform_id=None,
            handle=account,
            display_name=None,
            kind=acc_kind,
        )
    ]
    yield Batch(
        rows={"audience": audience, "audience_breakdown": breakdown},
        aux={"accounts": accounts},
        rejects=rejects,
        bytes_done=total_bytes,
    )


def _insights_platform(source: Source, meta: dict[str, str], blocks: list[Any]) -> str:
    if source.options.platform in ("facebook", "instagram"):
        return source.options.platform
    p = meta.get("platform", "").lower()
    if p in ("facebook", "instagram"):
        return p
    titles = " ".join(" ".join(r[1]) for b in blocks for r in b[:3]).lower()
    if "instagram" in titles:
        return "instagram"
    if "facebook" in titles or "lifetime total likes" in titles:
        return "facebook"
    name = source.path.name.lower()
    if "instagram" in name or re.search(r"(^|[_\-. ])ig([_\-. ]|$)", name):
        return "instagram"
    if "facebook" in name or re.search(r"(^|[_\-. ])fb([_\-. ]|$)", name):
        return "facebook"
    raise source.error(
        "the file does not say whether it is Facebook or Instagram insights",
        hint="re-run with --platform facebook or --platform instagram",
    )


def _insights_account(source: Source, platform: str, meta: dict[str, str]) -> str:
    named = meta.get("account") or None
    if source.partner_id and source.study is not None:
        org = source.study.organization(source.partner_id)
        accs = [a for a in org.accounts if a.platform == platform]
        if not accs:
            raise source.error(
                f"partner '{source.partner_id}' has no {platform} account in study.toml",
                hint=f"add its {platform} account under [[partners.accounts]] in study.toml",
            )
        if named and named.lower().lstrip("@") not in {
            x.lower().lstrip("@") for a in accs for x in (a.handle, a.id or "")
        }:
            raise source.error(
                f"the file is for the account '{named}', which is not the {platform} account "
                f"of partner '{source.partner_id}'",
                hint="check --partner, or add the account to the partner in study.toml",
            )
        return accs[0].handle
    if named:
        return named
    raise source.error(
        "insights files belong to one partner: use --partner P",
        hint="name the partner whose page or profile this export is from, e.g. --partner p01",
    )


def _insights_block(block: list[tuple[int, list[str], str]]) -> dict[str, Any]:
    """Classify one block: its title lines, header and data rows."""
    titles: list[str] = []
    i = 0
    while i < len(block) and sum(1 for c in block[i][1] if c) <= 1:
        titles.append(next((c for c in block[i][1] if c), ""))
        i += 1
    if i >= len(block):
        return {"kind": None}
    names = block[i][1]
    low = [c.lower() for c in names]
    title = " ".join(titles).lower()
    rows = block[i + 1 :]
    # the legacy export's description row: empty first cell, descriptions in the others
    rows = [r for r in rows if r[1] and r[1][0]]
    if low[0] in DATE_HEADERS:
        cols: dict[int, tuple[str, str]] = {}
        for j, nm in enumerate(low[1:], start=1):
            got = insight_metric(title) if nm in ("primary", "value", "") else insight_metric(nm)
            if got and got[0] not in {c[0] for c in cols.values()}:
                cols[j] = got
        return {"kind": "series" if cols else None, "columns": cols, "rows": rows, "names": names}
    dim = BREAKDOWN_DIMENSIONS.get(low[0]) or BREAKDOWN_DIMENSIONS.get(title)
    if dim is None:
        return {"kind": None}
    base = (
        "meta-page-fans-legacy"
        if re.search(r"fans|likes", title + " " + " ".join(low))
        else ("meta-reach" if "reach" in title + " ".join(low) else "meta-follows-2024")
    )
    metric = {"meta-page-fans-legacy": "page_fans", "meta-reach": "reach"}.get(base, "followers")
    bcols: dict[int, tuple[str, str, str, str]] = {}
    for j, nm in enumerate(low[1:], start=1):
        g = GENDER_CODE.get(nm)
        if dim == "age" and g:
            bcols[j] = ("age-gender", f"{g}.{{}}", metric, base)
        elif nm:
            m = insight_metric(nm)
            bcols[j] = (dim, "", m[0] if m and nm not in ("value", "primary") else metric, base)
    return {"kind": "breakdown" if bcols else None, "columns": bcols, "rows": rows, "names": names}


def _num(v: str) -> float | None:
    s = v.strip().replace(",", "").replace("\u202f", "").replace("%", "")
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        return None


def _date_order(source: Source, parsed: list[dict[str, Any]]) -> str:
    if source.options.date_order in ("dmy", "mdy"):
        return source.options.date_order
    firsts, seconds = [], []
    for p in parsed:
        if p["kind"] == "series":
            for _, cells, _ in p["rows"]:
                m = re.match(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})", cells[0])
                if m:
                    firsts.append(int(m.group(1)))
                    seconds.append(int(m.group(2)))
    if firsts and max(firsts) > 12 and max(seconds) <= 12:
        return "dmy"
    return "mdy"


def parse_insight_date(v: str, order: str) -> dt.date | None:
    """``2026-01-15``, ``2026-01-15T00:00:00(-08:00)``, ``01/15/2026`` (order) → date."""
    s = v.strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", s)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})(?:[ T].*)?", s)
        if m:
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            y = y + 2000 if y < 100 else y
            return dt.date(y, a, b) if order == "mdy" else dt.date(y, b, a)
    except ValueError:
        return None
    return None
