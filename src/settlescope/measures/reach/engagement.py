"""Engagement and reach beyond the audience: engaged accounts, two-hop reach, insights reach
and views, and engagement rates with their denominators named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import ibis

from settlescope.measures.base import MeasureContext, Metric, Row, measure
from settlescope.measures.reach.audience import (
    LIST_FOLLOWERS,
    AccountAudience,
    audience_of,
    best,
    group_owners,
)

# Interaction kinds that are engagement with an organization (not follows or memberships).
ENGAGE_KINDS = ("reply", "mention", "share", "reaction")
REACH_METRICS = ("reach",)  # daily reach; 7- and 28-day windows are not summed
VIEW_METRICS = ("views", "impressions")


def _scope(ctx: MeasureContext, org: str) -> str:
    return "partner" if any(o.id == org for o in ctx.study.partners) else "organization"


def _org_accounts(ctx: MeasureContext) -> ibis.Table:
    acc = ctx.ws.table("accounts")
    return acc.filter(acc.org_id.notnull()).select(o_key="account_key", o_org="org_id")


# -- engaged accounts ----------------------------------------------------------------------------
ENGAGED_METRICS = (
    Metric("engaged-accounts", "accounts", "Distinct accounts, other than the organization's "
           "own, that replied to, mentioned, shared or reacted to one of its accounts, or did "
           "so in its pages, groups and channels, in the wave. Breakdowns: platform, and "
           "account (those that engaged with that account)."),
)  # fmt: skip


@measure(
    id="engaged-accounts",
    version=1,
    family="reach",
    title="Engaged unique accounts",
    inputs=("interactions", "items", "accounts"),
    scopes=("partner", "organization", "sector"),
    metrics=ENGAGED_METRICS,
    definition="Distinct accounts engaging with each organization (replies, mentions, "
    "shares/forwards, reactions) with its accounts or in its spaces during the wave; the "
    "sector counts each account once however many organizations it engaged with.",
)
def engaged_accounts(ctx: MeasureContext) -> Iterator[Row]:
    inter = ctx.table("interactions")
    inter = inter.filter(inter.kind.isin(list(ENGAGE_KINDS)) & inter.source_key.notnull())
    items = ctx.ws.table("items").select(i_key="item_key", i_org="partner_id")
    j = inter.left_join(items, inter.item_key == items.i_key)
    j = j.mutate(space=j.partner_id.coalesce(j.i_org))
    orgs = _org_accounts(ctx)
    j = j.left_join(orgs, j.target_key == orgs.o_key)
    by_target = j.filter(j.o_org.notnull()).select(
        source=j.source_key, platform=j.platform, org=j.o_org, account=j.target_key
    )
    by_space = j.filter(j.space.notnull()).select(
        source=j.source_key, platform=j.platform, org=j.space,
        account=ibis.null("string"),
    )  # fmt: skip
    e = ibis.union(by_target, by_space, distinct=False)
    src = ctx.ws.table("accounts").select(s_key="account_key", s_org="org_id")
    e = e.left_join(src, e.source == src.s_key)
    e = e.filter(e.s_org.isnull() | (e.s_org != e.org))
    ctx.progress(0.3, "counting")
    for keys, dim in ((["org"], None), (["org", "platform"], "platform"),
                      (["org", "account"], "account")):  # fmt: skip
        sub = e.filter(e.account.notnull()) if dim == "account" else e
        g = sub.group_by(keys).aggregate(n=sub.source.nunique())
        for r in g.order_by(keys).to_pyarrow().to_pylist():
            cat = r[dim] if dim else None
            yield Row(_scope(ctx, r["org"]), r["org"], "engaged-accounts", r["n"],
                      dimension=dim, category=cat)  # fmt: skip
    orgs_ids = {o.id for o in ctx.study.organizations}
    sector = e.filter(e.org.isin(list(orgs_ids))) if orgs_ids else e.filter(ibis.literal(False))
    n = sector.aggregate(n=sector.source.nunique()).to_pyarrow().column("n")[0].as_py()
    if n:
        yield Row("sector", "sector", "engaged-accounts", n)


# -- two-hop reach -------------------------------------------------------------------------------
TWO_HOP_METRICS = (
    Metric("sharers", "accounts", "Distinct accounts, not the organization's own, that shared "
           "or forwarded its content in the wave."),
    Metric("list-audience", "accounts", "Distinct accounts following one of its accounts or in "
           "one of its groups, from follower and member lists."),
    Metric("potential-two-hop-reach", "accounts", "Distinct accounts in list-audience, or "
           "following a sharer, or in a group or chat where its content was shared or "
           "forwarded (its members, or, without a member list, the accounts active there in "
           "the wave): who could have seen its content at most one share away. n = sharers."),
    Metric("two-hop-gain", "accounts", "Accounts in potential-two-hop-reach that are not in "
           "list-audience: what sharing added."),
)  # fmt: skip


@measure(
    id="two-hop-reach",
    version=1,
    family="reach",
    title="Potential two-hop reach through sharers",
    inputs=("interactions", "items", "accounts"),
    scopes=("partner", "organization"),
    metrics=TWO_HOP_METRICS,
    definition="The accounts that share or forward an organization's content, and the "
    "distinct accounts they could pass it to (their followers, and the members of the chats "
    "and groups it was forwarded into), together with the organization's own listed "
    "followers and members. Counted from follower and member lists only: platform counts "
    "cannot be de-duplicated.",
)
def two_hop_reach(ctx: MeasureContext) -> Iterator[Row]:
    inter = ctx.table("interactions")
    orgs = _org_accounts(ctx)
    owners = group_owners(ctx, ctx.wave)
    # the organization's own listed audience
    fol = inter.filter(inter.kind == "follow")
    fol = fol.join(orgs, fol.target_key == orgs.o_key).select(org="o_org", who="source_key")
    mem = inter.filter((inter.kind == "membership") & inter.source_key.notnull())
    mem = mem.mutate(group=mem.container_key.coalesce(mem.target_key))
    owner_t = _owner_table(owners)
    own_mem = mem.join(owner_t, mem.group == owner_t.g_key).select(org="g_org",
                                                                    who="source_key")  # fmt: skip
    one_hop = ibis.union(fol, own_mem, distinct=True)
    # sharers of the organization's content, and where they shared it
    sh = inter.filter((inter.kind == "share") & inter.source_key.notnull())
    sh = sh.join(orgs, sh.target_key == orgs.o_key)
    src = ctx.ws.table("accounts").select(s_key="account_key", s_org="org_id")
    sh = sh.left_join(src, sh.source_key == src.s_key)
    sh = sh.filter(sh.s_org.isnull() | (sh.s_org != sh.o_org))
    sharers = sh.select(org="o_org", sharer="source_key", place="container_key")
    s_fol = inter.filter(inter.kind == "follow").select(f_target="target_key", f_who="source_key")
    via_followers = sharers.join(s_fol, sharers.sharer == s_fol.f_target).select(
        org="org", who="f_who"
    )
    places = sharers.filter(sharers.place.notnull())
    members = mem.select(m_group="group", m_who="source_key")
    via_members = places.join(members, places.place == members.m_group).select(
        org="org", who="m_who"
    )
    its = ctx.table("items")
    active = its.filter(its.author_key.notnull()).select(a_group="container_key",
                                                         a_who="author_key")  # fmt: skip
    listed = members.select("m_group").distinct()
    unlisted = places.anti_join(listed, places.place == listed.m_group)
    via_active = unlisted.join(active, unlisted.place == active.a_group).select(
        org="org", who="a_who"
    )
    second = ibis.union(via_followers, via_members, via_active, distinct=True)
    ctx.progress(0.4, "counting")
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for name, t, col in (
        ("list-audience", one_hop, "who"),
        ("sharers", sharers, "sharer"),
        ("potential-two-hop-reach", ibis.union(one_hop, second, distinct=True), "who"),
    ):
        for r in t.group_by("org").aggregate(n=t[col].nunique()).to_pyarrow().to_pylist():
            counts[r["org"]][name] = int(r["n"])
    for org in sorted(counts):
        c = counts[org]
        n_sharers = c.get("sharers", 0)
        sc = _scope(ctx, org)
        yield Row(sc, org, "sharers", n_sharers)
        yield Row(sc, org, "list-audience", c.get("list-audience", 0))
        reach = c.get("potential-two-hop-reach", c.get("list-audience", 0))
        yield Row(sc, org, "potential-two-hop-reach", reach, n=n_sharers)
        yield Row(sc, org, "two-hop-gain", reach - c.get("list-audience", 0), n=n_sharers)


def _owner_table(owners: dict[str, str]) -> ibis.Table:
    import pyarrow as pa

    keys = sorted(owners)
    return ibis.memtable(
        pa.table({"g_key": pa.array(keys, pa.string()),
                  "g_org": pa.array([owners[k] for k in keys], pa.string())})
    )  # fmt: skip


# -- insights: reach and views -----------------------------------------------------------------
INSIGHT_METRICS = (
    Metric("insights-reach", "accounts", "Sum of the platform's daily reach over the days of the "
           "wave with data (n = days): a person reached on two days counts twice, so this is "
           "not unique reach. Breakdown 'definition' names the platform definition."),
    Metric("insights-views", "count", "Sum of daily views, or of impressions under the legacy "
           "definition, over the wave (n = days); 'definition' says which: Meta replaced "
           "impressions with views in 2024-25 and views count repeats."),
)  # fmt: skip


@measure(
    id="insights-reach",
    version=1,
    family="reach",
    title="Reach and views from insights",
    inputs=("audience", "accounts"),
    scopes=("partner", "organization", "account"),
    metrics=INSIGHT_METRICS,
    definition="Reach and views (or impressions) that partners supplied from their platforms' "
    "insights, summed over the wave's days, per account and per organization, always with "
    "the platform definition each number was published under.",
    references=(
        "Meta Page Insights reach and the 2024-25 move from impressions to views "
        "(shared/domain/social-media-analytics-anchors.md b4).",
    ),
)
def insights_reach(ctx: MeasureContext) -> Iterator[Row]:
    for metric, names in (("insights-reach", REACH_METRICS), ("insights-views", VIEW_METRICS)):
        for r in _daily_sums(ctx, names):
            yield Row("account", r["account_key"], metric, r["total"], n=int(r["days"]),
                      dimension="definition", category=r["definition"])  # fmt: skip
        per_org: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
        for r in _daily_sums(ctx, names):
            acc = per_org[(r["o_org"], r["definition"])]
            acc[0] += r["total"]
            acc[1] = max(acc[1], r["days"])
        for (org, definition), (total, days) in sorted(per_org.items()):
            yield Row(_scope(ctx, org), org, metric, total, n=int(days), dimension="definition",
                      category=definition)  # fmt: skip


def _daily_sums(ctx: MeasureContext, names: tuple[str, ...]) -> list[dict[str, object]]:
    key = f"insight-sums:{names}"

    def make() -> list[dict[str, object]]:
        aud = ctx.table("audience")
        aud = aud.filter(aud.metric.isin(list(names)))
        orgs = _org_accounts(ctx)
        aud = aud.join(orgs, aud.account_key == orgs.o_key)
        aud = aud.mutate(definition=aud.definition.coalesce(aud.metric))
        g = aud.group_by(["account_key", "o_org", "definition"]).aggregate(
            total=aud.value.sum(), days=aud.date.nunique()
        )
        return g.order_by(["account_key", "definition"]).to_pyarrow().to_pylist()

    return ctx.memo(key, make)


# -- engagement rate -----------------------------------------------------------------------------
RATE_METRICS = (
    Metric("posts", "count", "The organization's own posts in the wave that carry public "
           "engagement counts."),
    Metric("engagements", "count", "Reactions + comments + shares on those posts."),
    Metric("engagement-rate-by-followers", "ratio", "Mean over posts of engagements / followers "
           "of the posting account at the wave (x 100 for the percentage; Hootsuite's 'ER "
           "post'). Denominator: followers; its source in 'definition'. n = posts."),
    Metric("engagement-rate-by-reach", "ratio", "Engagements / sum of daily reach over the "
           "wave, page level (no per-post reach is exported). Denominator: reach, definition "
           "named. n = posts."),
    Metric("engagement-rate-by-views", "ratio", "Engagements / sum of daily views (or "
           "impressions, legacy) over the wave. Denominator: views or impressions, definition "
           "named. n = posts."),
)  # fmt: skip


@measure(
    id="engagement-rate",
    version=1,
    family="reach",
    title="Engagement rate, by followers, reach and views",
    inputs=("items", "audience", "interactions", "accounts"),
    scopes=("partner", "organization", "account"),
    metrics=RATE_METRICS,
    definition="Engagement (reactions + comments + shares) on an organization's own posts, "
    "divided by one named denominator: followers (per post, averaged), reach, or views or "
    "impressions (totals over the wave). Each rate says which denominator and which "
    "platform definition it used; rates on different denominators are never mixed.",
    references=(
        "Hootsuite engagement rate variants (ER post by followers, ERR by reach, ER by "
        "impressions) (shared/domain/social-media-analytics-anchors.md b4).",
    ),
)
def engagement_rate(ctx: MeasureContext) -> Iterator[Row]:
    its = ctx.table("items")
    orgs = _org_accounts(ctx)
    posts = its.filter(its.kind == "post").join(orgs, its.author_key == orgs.o_key)
    posts = posts.filter(posts.reactions.notnull() | posts.comments.notnull()
                         | posts.shares.notnull())  # fmt: skip
    eng = posts.reactions.coalesce(0) + posts.comments.coalesce(0) + posts.shares.coalesce(0)
    g = posts.group_by(["author_key", "o_org"]).aggregate(posts=posts.count(), eng=eng.sum())
    per_acc = g.order_by("author_key").to_pyarrow().to_pylist()
    followers = best([a for a in audience_of(ctx) if a.kind == "followers"])
    reach = {(r["account_key"], r["definition"]): r for r in _daily_sums(ctx, REACH_METRICS)}
    views = {(r["account_key"], r["definition"]): r for r in _daily_sums(ctx, VIEW_METRICS)}
    org_sums: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for r in per_acc:
        acc, org = r["author_key"], r["o_org"]
        n_posts, e = int(r["posts"]), float(r["eng"] or 0)
        yield Row("account", acc, "posts", n_posts)
        yield Row("account", acc, "engagements", e, n=n_posts)
        tot = org_sums[(org, "", "")]
        tot[0] += n_posts
        tot[1] += e
        f: AccountAudience | None = followers.get(acc)
        if f is not None and f.value > 0:
            yield Row("account", acc, "engagement-rate-by-followers", e / (n_posts * f.value),
                      n=n_posts, dimension="definition", category=f.definition)  # fmt: skip
            s = org_sums[(org, "engagement-rate-by-followers", _def_group(f.definition))]
            s[0] += n_posts
            s[1] += e
            s[2] += n_posts * f.value
        for metric, table in (("engagement-rate-by-reach", reach),
                              ("engagement-rate-by-views", views)):  # fmt: skip
            for (k, definition), d in table.items():
                if k != acc or not d["total"]:
                    continue
                yield Row("account", acc, metric, e / float(d["total"]), n=n_posts,  # type: ignore[arg-type]
                          dimension="definition", category=definition)  # fmt: skip
                s = org_sums[(org, metric, definition)]
                s[0] += n_posts
                s[1] += e
                s[2] += float(d["total"])  # type: ignore[arg-type]
    for (org, metric, definition), (n_posts, e, denom) in sorted(org_sums.items()):
        sc = _scope(ctx, org)
        if not metric:
            yield Row(sc, org, "posts", n_posts)
            yield Row(sc, org, "engagements", e, n=int(n_posts))
        elif denom > 0:
            yield Row(sc, org, metric, e / denom, n=int(n_posts), dimension="definition",
                      category=definition)  # fmt: skip


def _def_group(definition: str) -> str:
    """Followers' sources pooled for an organization's rate: platform counts or lists."""
    return LIST_FOLLOWERS if definition == LIST_FOLLOWERS else "platform-counts"
