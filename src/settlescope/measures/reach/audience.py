"""Audience: followers and members of each organization's accounts at the wave, and growth.

Two sources, kept apart because they count differently:

- the platform's own count (``audience`` snapshots from insights, channel or profile exports:
  followers, page fans, subscribers), read on the last day of the wave that has one, with
  the platform definition it was published under (``meta-follows-2024``,
  ``meta-page-fans-legacy``, ``youtube-subscribers`` ...);
- follower and member lists (``follow`` and ``membership`` interactions): the distinct
  accounts that follow the account, or belong to a group the organization runs, in the wave
  (definitions ``follower-list`` and ``member-list``).

An organization's audience takes, for each of its accounts, the platform's own count where
there is one and the list otherwise; groups add their members. People are platform
identities, so one person following on two platforms counts twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import ibis

from settlescope.measures.base import MeasureContext, Metric, Row, measure

# Audience metrics that count an account's followers, by preference when several exist.
FOLLOWER_METRICS = ("followers", "subscribers", "page_fans")
LIST_FOLLOWERS = "follower-list"
LIST_MEMBERS = "member-list"


@dataclass(frozen=True)
class AccountAudience:
    """One account's audience at a wave, from one source."""

    account_key: str
    org_id: str
    platform: str
    kind: str  # followers | members
    value: float
    definition: str


def audience_of(ctx: MeasureContext, wave: str | None = None) -> list[AccountAudience]:
    """Every organization account's (and group's) audience at ``wave`` (default: this wave).

    Snapshots and lists both appear; :func:`best` picks one per account.
    """
    wave = wave or ctx.wave
    return ctx.memo(f"audience:{wave}", lambda: _audience(ctx, wave))


def best(rows: list[AccountAudience]) -> dict[str, AccountAudience]:
    """One figure per account: the platform's own count where there is one, else the list."""
    out: dict[str, AccountAudience] = {}
    for r in rows:
        cur = out.get(r.account_key)
        if cur is None or (_rank(r) < _rank(cur)):
            out[r.account_key] = r
    return out


def _rank(r: AccountAudience) -> int:
    return 1 if r.definition in (LIST_FOLLOWERS, LIST_MEMBERS) else 0


def _audience(ctx: MeasureContext, wave: str) -> list[AccountAudience]:
    acc = ctx.ws.table("accounts")
    orgs_acc = acc.filter(acc.org_id.notnull()).select(
        a_key="account_key", a_org="org_id", a_platform="platform"
    )
    out: list[AccountAudience] = []
    # Platform counts: the last snapshot date in the wave per account and metric.
    aud = ctx.ws.table("audience")
    aud = aud.filter((aud.wave == wave) & aud.metric.isin(list(FOLLOWER_METRICS)))
    last = aud.group_by(["account_key", "metric"]).aggregate(last=aud.date.max())
    snap = aud.join(
        last,
        (aud.account_key == last.account_key) & (aud.metric == last.metric)
        & (aud.date == last["last"]),
    )  # fmt: skip
    snap = snap.join(orgs_acc, snap.account_key == orgs_acc.a_key)
    rows = (
        snap.select("account_key", "metric", "value", "definition", "a_org", "a_platform")
        .to_pyarrow()
        .to_pylist()
    )
    picked: dict[str, dict[str, object]] = {}
    for r in rows:
        cur = picked.get(r["account_key"])
        if cur is None or FOLLOWER_METRICS.index(r["metric"]) < FOLLOWER_METRICS.index(
            cur["metric"]  # type: ignore[arg-type]
        ):
            picked[r["account_key"]] = r
    for r in picked.values():
        out.append(
            AccountAudience(
                str(r["account_key"]),
                str(r["a_org"]),
                str(r["a_platform"]),
                "followers",
                float(r["value"]),  # type: ignore[arg-type]
                str(r["definition"] or r["metric"]),
            )  # fmt: skip
        )
    # Follower lists: distinct followers of each organization account in the wave.
    inter = ctx.ws.table("interactions")
    inter = inter.filter(inter.wave == wave)
    fol = inter.filter(inter.kind == "follow")
    fol = fol.join(orgs_acc, fol.target_key == orgs_acc.a_key)
    for r in (
        fol.group_by(["a_key", "a_org", "a_platform"])
        .aggregate(n=fol.source_key.nunique())
        .to_pyarrow()
        .to_pylist()
    ):
        out.append(AccountAudience(r["a_key"], r["a_org"], r["a_platform"], "followers",
                                   float(r["n"]), LIST_FOLLOWERS))  # fmt: skip
    # Member lists of the groups an organization runs.
    owner = group_owners(ctx, wave)
    mem = inter.filter((inter.kind == "membership") & inter.source_key.notnull())
    mem = mem.mutate(group=mem.container_key.coalesce(mem.target_key))
    for r in (
        mem.group_by(["group", "platform"])
        .aggregate(n=mem.source_key.nunique())
        .to_pyarrow()
        .to_pylist()
    ):
        org = owner.get(r["group"])
        if org:
            out.append(AccountAudience(r["group"], org, r["platform"], "members", float(r["n"]),
                                       LIST_MEMBERS))  # fmt: skip
    return sorted(out, key=lambda a: (a.org_id, a.account_key, a.definition))


def group_owners(ctx: MeasureContext, wave: str) -> dict[str, str]:
    """The organization that runs each group: the one most of its items were imported for.

    A group listed as an organization's own account belongs to it outright.
    """

    def make() -> dict[str, str]:
        items = ctx.ws.table("items")
        items = items.filter(
            (items.wave == wave) & items.container_key.notnull() & items.partner_id.notnull()
        )
        g = items.group_by(["container_key", "partner_id"]).aggregate(n=items.count())
        rows = g.order_by([ibis.desc("n"), "partner_id"]).to_pyarrow().to_pylist()
        owners: dict[str, str] = {}
        for r in rows:
            owners.setdefault(r["container_key"], r["partner_id"])
        acc = ctx.ws.table("accounts")
        for r in (
            acc.filter(acc.org_id.notnull() & (acc.kind == "group"))
            .select("account_key", "org_id")
            .to_pyarrow()
            .to_pylist()
        ):
            owners[r["account_key"]] = r["org_id"]
        return owners

    return ctx.memo(f"group-owners:{wave}", make)


def previous_wave(ctx: MeasureContext) -> str | None:
    ids = [w.id for w in ctx.study.waves]
    i = ids.index(ctx.wave)
    return ids[i - 1] if i > 0 else None


METRICS = (
    Metric("followers", "accounts", "Followers of the account (or of all the organization's "
           "accounts) at the wave: the platform's own count on the last day of the wave with "
           "one, else the distinct accounts in follower lists. Breakdown 'definition' names "
           "the platform definition or list it comes from; 'platform' splits an "
           "organization's total."),
    Metric("members", "accounts", "Distinct members of the groups the organization runs "
           "(member lists) at the wave."),
    Metric("audience", "accounts", "followers + members: an organization's audience across "
           "platforms (a person on two platforms counts twice)."),
    Metric("followers-change", "accounts", "Followers on the last day of the wave minus the "
           "first, from the platform's own daily counts (net new followers in the wave)."),
    Metric("followers-growth", "ratio", "followers at this wave / followers at the previous "
           "wave - 1, on the same definition only (n = the previous wave's followers); "
           "none when the definition changed between waves."),
)  # fmt: skip


@measure(
    id="audience-size",
    version=1,
    family="reach",
    title="Audience: followers and members",
    inputs=("audience", "interactions", "accounts", "items"),
    scopes=("partner", "organization", "account"),
    metrics=METRICS,
    definition="Followers and members of each organization's accounts at the wave (platform "
    "counts where supplied, else follower and member lists), their sum per organization, the "
    "net change within the wave, and growth since the previous wave on the same definition.",
    references=(
        "Meta Page insights: followers (page_follows) replaced page fans (page_fans) on "
        "2025-11-15 (shared/domain/social-media-analytics-anchors.md b4).",
    ),
)
def audience_size(ctx: MeasureContext) -> Iterator[Row]:
    rows = audience_of(ctx)
    ctx.progress(0.3, "followers")
    prev_wave = previous_wave(ctx)
    prev = (
        {(r.account_key, r.definition): r for r in audience_of(ctx, prev_wave)} if prev_wave else {}
    )
    scope_of = {o.id: "partner" for o in ctx.study.partners}
    for r in rows:
        yield Row("account", r.account_key, r.kind, r.value, dimension="definition",
                  category=r.definition)  # fmt: skip
        before = prev.get((r.account_key, r.definition))
        if r.kind == "followers" and before is not None and before.value > 0:
            yield Row("account", r.account_key, "followers-growth",
                      r.value / before.value - 1, n=int(before.value), dimension="definition",
                      category=r.definition)  # fmt: skip
    chosen = best(rows)
    totals: dict[tuple[str, str, str | None], float] = {}
    for r in chosen.values():
        for plat in (None, r.platform):
            k = (r.org_id, r.kind, plat)
            totals[k] = totals.get(k, 0.0) + r.value
    for (org, kind, plat), value in sorted(totals.items(), key=lambda kv: str(kv[0])):
        sc = scope_of.get(org, "organization")
        dim = "platform" if plat else None
        yield Row(sc, org, kind, value, dimension=dim, category=plat)
    for org in sorted({r.org_id for r in chosen.values()}):
        sc = scope_of.get(org, "organization")
        total = sum(v for (o, _k, p), v in totals.items() if o == org and p is None)
        yield Row(sc, org, "audience", total)
        if prev_wave:
            before_rows = best(audience_of(ctx, prev_wave))
            pairs = [
                (r, before_rows.get(r.account_key))
                for r in chosen.values()
                if r.org_id == org and r.kind == "followers"
            ]
            same = [(a, b) for a, b in pairs if b is not None and b.definition == a.definition]
            if same and len(same) == len(pairs):
                now = sum(a.value for a, _ in same)
                then = sum(b.value for _, b in same if b is not None)
                if then > 0:
                    yield Row(sc, org, "followers-growth", now / then - 1, n=int(then))
    ctx.progress(0.7, "change within the wave")
    yield from _change_in_wave(ctx)


def _change_in_wave(ctx: MeasureContext) -> Iterator[Row]:
    aud = ctx.table("audience")
    acc = ctx.ws.table("accounts")
    own = acc.filter(acc.org_id.notnull()).select("account_key")
    aud = aud.filter(aud.metric.isin(list(FOLLOWER_METRICS))).semi_join(own, "account_key")
    span = aud.group_by(["account_key", "metric", "definition"]).aggregate(
        first=aud.date.min(), last=aud.date.max()
    )
    a = aud.join(span, ["account_key", "metric", "definition"])
    a = a.mutate(
        v0=ibis.ifelse(a.date == a["first"], a.value, ibis.null("float64")),
        v1=ibis.ifelse(a.date == a["last"], a.value, ibis.null("float64")),
    )
    g = a.group_by(["account_key", "metric", "definition"]).aggregate(
        v0=a.v0.max(), v1=a.v1.max(), days=a.date.nunique()
    )
    for r in g.order_by(["account_key", "metric"]).to_pyarrow().to_pylist():
        if r["days"] < 2:
            continue
        yield Row("account", r["account_key"], "followers-change", r["v1"] - r["v0"],
                  n=int(r["days"]), dimension="definition",
                  category=r["definition"] or r["metric"])  # fmt: skip
