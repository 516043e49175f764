"""Volume: how much activity each organization's social media presence carries.

Counts posts, comments, replies and messages per organization (a partner or another SPO of
the sector), per month, platform and kind; the distinct accounts active in it; and the
share of the activity written by the organization's own accounts. An item belongs to an
organization when it was imported for it (``--partner``) or sits in, or was written by, one of
the accounts the study lists for it (``items.partner_id``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import ibis
from pydantic import BaseModel, ConfigDict, Field

from settlescope.measures.base import MeasureContext, Metric, Row, measure
from settlescope.measures.calendar import local_months, month_expr


class VolumeParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: tuple[str, ...] = Field(
        default=("post", "comment", "reply", "message", "media", "deleted"),
        description="Item kinds that count as activity (joins, pins and other service "
        "messages are left out by default).",
    )


METRICS = (
    Metric(
        "items",
        "count",
        "Items of the counted kinds (posts, comments, replies, messages) in the scope and wave; "
        "broken down by month (in the study's time zone), platform and kind.",
    ),
    Metric(
        "active-authors",
        "accounts",
        "Distinct accounts that wrote at least one counted item in the scope and wave "
        "(pseudonymised people count once per platform identity).",
    ),
    Metric(
        "own-items",
        "count",
        "Counted items written by the organization's own accounts (as listed in study.toml).",
    ),
    Metric(
        "own-share",
        "share",
        "own-items / items: the share of the activity around the organization that it wrote "
        "itself; n is the number of items (the denominator).",
    ),
)


@measure(
    id="item-volume",
    version=1,
    family="network",
    title="Volume of activity",
    inputs=("items", "accounts"),
    scopes=("study", "sector", "partner", "organization", "account"),
    metrics=METRICS,
    definition="Counts of items per scope, month, platform and kind; distinct active authors; "
    "the organization's own share. Scopes: each partner and other SPO (organization), each of "
    "their own accounts, the sector (all organizations together) and the study (every item of "
    "the wave, community groups included). Months are calendar months in the study's time "
    "zone.",
    references=(
        "Activity volume as reported by 4CAT's 'count posts' and Netlytic's dataset summary "
        "(shared/domain/social-media-analytics-anchors.md §1.1-1.2).",
    ),
    params=VolumeParams,
)
def item_volume(ctx: MeasureContext) -> list[Row]:
    p: VolumeParams = ctx.params
    items = ctx.table("items")
    items = items.filter(items.kind.isin(list(p.kinds)))
    span = items.aggregate(first=items.created_at.min(), last=items.created_at.max()).to_pyarrow()
    first, last = span.column("first")[0].as_py(), span.column("last")[0].as_py()
    if first is None:
        return []
    months = local_months(first, last, ctx.study.time_zone_for(None))
    acc = ctx.ws.table("accounts").select(a_key="account_key", a_org="org_id")
    t = items.left_join(acc, items.author_key == acc.a_key)
    t = t.mutate(
        month=month_expr(t.created_at, months),
        own=ibis.ifelse(t.a_org.notnull() & (t.a_org == t.partner_id), 1, 0),
    )
    ctx.progress(0.2, "counting")
    partners = {o.id for o in ctx.study.partners}
    orgs = {o.id for o in ctx.study.organizations}

    def scope_of(org: str | None) -> str | None:
        if org is None:
            return None
        return "partner" if org in partners else "organization" if org in orgs else None

    rows: list[Row] = []
    # Items and own items per organization, by month x platform x kind (one query), summed
    # up in Python to every breakdown; the study and sector totals come from the same groups.
    g = (
        t.group_by(["partner_id", "month", "platform", "kind"])
        .aggregate(items=t.count(), own=t.own.sum())
        .to_pyarrow()
        .to_pylist()
    )
    sums: dict[tuple[str, str, str | None, str | None], list[int]] = defaultdict(lambda: [0, 0])
    for r in g:
        targets = [("study", "study")]
        sc = scope_of(r["partner_id"])
        if sc is not None:
            targets += [(sc, r["partner_id"]), ("sector", "sector")]
        for scope, sid in targets:
            for dim, cat in (
                (None, None),
                ("month", r["month"]),
                ("platform", r["platform"]),
                ("kind", r["kind"]),
            ):
                s = sums[(scope, sid, dim, cat)]
                s[0] += int(r["items"])
                s[1] += int(r["own"] or 0)
    for (scope, sid, dim, cat), (n_items, n_own) in sorted(sums.items(), key=_order):
        rows.append(Row(scope, sid, "items", n_items, dimension=dim, category=cat))
        if scope in ("partner", "organization", "sector"):
            rows.append(Row(scope, sid, "own-items", n_own, dimension=dim, category=cat))
            if n_items:
                rows.append(
                    Row(scope, sid, "own-share", n_own / n_items, n=n_items, dimension=dim,
                        category=cat)
                )  # fmt: skip
    ctx.progress(0.5, "active authors")
    rows += _active_authors(t, scope_of)
    ctx.progress(0.8, "own accounts")
    rows += _own_accounts(ctx, t)
    return rows


def _order(kv: tuple[tuple[Any, ...], Any]) -> tuple[str, ...]:
    return tuple("" if v is None else str(v) for v in kv[0])


def _active_authors(t: ibis.Table, scope_of: Any) -> list[Row]:
    a = t.filter(t.author_key.notnull())
    orgs = a.filter(a.partner_id.notnull())
    rows: list[Row] = []
    for dim in (None, "month", "platform"):
        for scope, sub, by in (
            ("org", orgs, ["partner_id"]),
            ("study", a, []),
            ("sector", orgs, []),
        ):
            keys = by + ([dim] if dim else [])
            agg = sub.author_key.nunique()
            q = sub.group_by(keys).aggregate(n=agg) if keys else sub.aggregate(n=agg)
            for r in q.to_pyarrow().to_pylist():
                cat = r[dim] if dim else None
                if scope == "org":
                    sc = scope_of(r["partner_id"])
                    if sc is not None:
                        rows.append(
                            Row(sc, r["partner_id"], "active-authors", r["n"], dimension=dim,
                                category=cat)
                        )  # fmt: skip
                elif r["n"]:  # the sector exists only where organizations have items
                    rows.append(
                        Row(scope, scope, "active-authors", r["n"], dimension=dim, category=cat)
                    )
    return rows


def _own_accounts(ctx: MeasureContext, t: ibis.Table) -> list[Row]:
    own = t.filter(t.own == 1)
    g = (
        own.group_by([own.author_key, own.month, own.kind])
        .aggregate(n=own.count())
        .to_pyarrow()
        .to_pylist()
    )
    sums: dict[tuple[str, str | None, str | None], int] = defaultdict(int)
    for r in g:
        for dim, cat in ((None, None), ("month", r["month"]), ("kind", r["kind"])):
            sums[(r["author_key"], dim, cat)] += int(r["n"])
    return [
        Row("account", key, "items", n, dimension=dim, category=cat)
        for (key, dim, cat), n in sorted(sums.items(), key=_order)
    ]
