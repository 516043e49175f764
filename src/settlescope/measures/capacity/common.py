"""What the capacity measures share: a partner's own posts in a wave, with their labels.

A partner's *posts* are the root items (no parent) of kind ``post`` written by one of its
accounts: page and profile posts, channel posts. Messages in chats and groups are left out,
because WhatsApp text exports cannot tell an organization's new post from its answer in a
conversation; answers are measured by :mod:`.responsiveness`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import ibis

from settlescope.measures.base import MeasureContext, Row

SERVICE_TAXONOMY = "ircc-services-v1"
# The IRCC Settlement Program service lines (the categories of SERVICE_TAXONOMY).
SERVICES = ("NAARS", "IO", "LA", "LT", "ERS", "CC", "SS", "CM")
UNKNOWN_LANGUAGES = ("und", "unknown", "")


@dataclass
class Post:
    item_key: str
    account: str
    platform: str
    created: Any
    language: str | None
    engagement: int | None
    text: str | None
    urls: list[str]
    category: str | None = None  # primary service category (highest score)
    categories: tuple[str, ...] = ()


@dataclass
class PartnerPosts:
    partner: str
    posts: list[Post] = field(default_factory=list)


def org_accounts(ctx: MeasureContext) -> dict[str, str]:
    """Account key -> organization id, for every organization's account."""

    def make() -> dict[str, str]:
        acc = ctx.ws.table("accounts")
        rows = acc.filter(acc.org_id.notnull()).select("account_key", "org_id").to_pyarrow()
        return dict(
            zip(rows.column("account_key").to_pylist(), rows.column("org_id").to_pylist(),
                strict=True)
        )  # fmt: skip

    return ctx.memo("capacity:org-accounts", make)


def partner_posts(ctx: MeasureContext) -> dict[str, PartnerPosts]:
    """Each partner's posts in the wave, with language, engagement and service categories."""

    def make() -> dict[str, PartnerPosts]:
        partners = {o.id for o in ctx.partners}
        owners = org_accounts(ctx)
        keys = [k for k, o in owners.items() if o in partners]
        out = {p: PartnerPosts(p) for p in sorted(partners)}
        if not keys:
            return out
        its = ctx.table("items")
        posts = its.filter(
            (its.kind == "post") & its.parent_key.isnull() & its.author_key.isin(keys)
        )
        eng = ibis.ifelse(
            posts.reactions.isnull() & posts.comments.isnull() & posts.shares.isnull(),
            ibis.null("int64"),
            posts.reactions.coalesce(0) + posts.comments.coalesce(0) + posts.shares.coalesce(0),
        )
        t = posts.select(
            "item_key", "author_key", "platform", "created_at", "language", "text", "urls",
            engagement=eng,
        ).to_pyarrow()  # fmt: skip
        labels = ctx.ws.table("item_labels")
        labels = labels.filter(labels.taxonomy == SERVICE_TAXONOMY).semi_join(
            posts.select("item_key"), "item_key"
        )
        cats: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for r in labels.select("item_key", "category", "score").to_pyarrow().to_pylist():
            cats[r["item_key"]].append((float(r["score"] or 0.0), r["category"]))
        for r in t.to_pylist():
            found = sorted(cats.get(r["item_key"], []), key=lambda sc: (-sc[0], sc[1]))
            post = Post(
                item_key=r["item_key"],
                account=r["author_key"],
                platform=r["platform"],
                created=r["created_at"],
                language=r["language"],
                engagement=r["engagement"],
                text=r["text"],
                urls=list(r["urls"] or []),
                category=found[0][1] if found else None,
                categories=tuple(sorted({c for _, c in found})),
            )
            out[owners[r["author_key"]]].posts.append(post)
        for pp in out.values():
            pp.posts.sort(key=lambda p: (p.created, p.item_key))
        return out

    return ctx.memo("capacity:partner-posts", make)


@dataclass(frozen=True)
class PostGroup:
    """Posts a capacity measure reports on, and where its rows go.

    The partner as a whole (``platform`` None), the partner on one platform (its rows carry
    dimension 'platform'), or one of its accounts (scope 'account', the account's key).
    Breakdowns of a measure's own (category, language) are given for the partner and for
    each account, not per platform: a row has one breakdown.
    """

    scope: str
    scope_id: str
    platform: str | None
    posts: list[Post]

    def row(self, metric: str, value: float | None, **kw: Any) -> Row:
        """A row of a metric that has no breakdown of its own."""
        if self.platform is not None:
            kw.update(dimension="platform", category=self.platform)
        return Row(self.scope, self.scope_id, metric, value, **kw)

    def breakdown(self, metric: str, value: float | None, **kw: Any) -> Iterator[Row]:
        """A row of a metric broken down by the measure itself (none for a platform)."""
        if self.platform is None:
            yield Row(self.scope, self.scope_id, metric, value, **kw)


def post_groups(partner: str, posts: list[Post]) -> Iterator[PostGroup]:
    """The partner's posts, then each platform's, then each account's (see :class:`PostGroup`).

    None at all when there are no posts: every group has at least one.
    """
    if not posts:
        return
    yield PostGroup("partner", partner, None, posts)
    by_platform: dict[str, list[Post]] = defaultdict(list)
    by_account: dict[str, list[Post]] = defaultdict(list)
    for p in posts:
        by_platform[p.platform].append(p)
        by_account[p.account].append(p)
    for plat, ps in sorted(by_platform.items()):
        yield PostGroup("partner", partner, plat, ps)
    for acc, ps in sorted(by_account.items()):
        yield PostGroup("account", acc, None, ps)


def client_shares(ctx: MeasureContext, dimension: str) -> dict[str, dict[str, tuple[int, float]]]:
    """Per partner: category -> (clients, share) on one client dimension in the wave.

    Suppressed cells are left out (their count is unknown); shares are of the cells kept.
    """
    cr = ctx.table("client_records")
    cr = cr.filter((cr.dimension == dimension) & cr["count"].notnull() & ~cr.suppressed)
    g = cr.group_by(["partner_id", "category"]).aggregate(n=cr["count"].sum())
    out: dict[str, dict[str, tuple[int, float]]] = defaultdict(dict)
    rows = g.to_pyarrow().to_pylist()
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        totals[r["partner_id"]] += int(r["n"])
    for r in rows:
        tot = totals[r["partner_id"]]
        if tot > 0:
            out[r["partner_id"]][r["category"]] = (int(r["n"]), int(r["n"]) / tot)
    return out


def languages_used_by(known: list[str], min_share: float) -> set[str]:
    """The languages of at least ``min_share`` of the posts ``known`` (languages detected)."""
    return {k for k, v in Counter(known).items() if v / len(known) >= min_share}


def client_language_coverage(used: Iterable[str], clients: dict[str, tuple[int, float]]) -> float:
    """Share of the clients whose language is one of ``used`` (from the counts, so the value does
    not depend on the order of the categories)."""
    total = sum(n for n, _ in clients.values())
    langs = set(used)
    return sum(n for lang, (n, _) in clients.items() if lang in langs) / total


def wave_weeks(ctx: MeasureContext) -> float:
    """Length of the wave in weeks (its calendar days / 7)."""
    w = ctx.study.wave(ctx.wave)
    return ((w.end - w.start).days + 1) / 7.0
