"""Calendar buckets in the study's time zone, as portable Ibis expressions.

Times are stored in UTC. A month or a weekday is a local notion: an SPO in Vancouver posting
at 20:00 on 31 January posted in January, although it was already February in UTC. Engines
differ in how (and whether) they convert zones, so the month is computed from the UTC
boundaries of the local months, worked out in Python with :mod:`zoneinfo`, as one ``CASE``
over the few months a wave spans. The same expression runs on DuckDB and on Spark.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import ibis


def local_months(
    first: dt.datetime, last: dt.datetime, tz: ZoneInfo
) -> list[tuple[str, dt.datetime]]:
    """``(YYYY-MM, UTC start)`` of every local month from ``first``'s to ``last``'s.

    Example
    -------
    >>> tz = ZoneInfo("America/Vancouver")
    >>> utc = dt.timezone.utc
    >>> [m for m, _ in local_months(dt.datetime(2026, 2, 1, 3, tzinfo=utc),
    ...                             dt.datetime(2026, 3, 2, tzinfo=utc), tz)]
    ['2026-01', '2026-02', '2026-03']
    """
    a = first.astimezone(tz)
    b = last.astimezone(tz)
    y, m = a.year, a.month
    out = []
    while (y, m) <= (b.year, b.month):
        start = dt.datetime(y, m, 1, tzinfo=tz).astimezone(dt.UTC)
        out.append((f"{y:04d}-{m:02d}", start))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_expr(ts: ibis.Value, months: list[tuple[str, dt.datetime]]) -> ibis.Value:
    """The local month (``YYYY-MM``) of the UTC timestamp ``ts``, given :func:`local_months`."""
    if not months:
        return ibis.null().cast("string")
    cases = []
    # Latest boundary first: the first boundary a time is past is its month.
    for label, start in reversed(months[1:]):
        cases.append((ts >= ibis.literal(start), label))
    return ibis.cases(*cases, else_=months[0][0]) if cases else ibis.literal(months[0][0])
