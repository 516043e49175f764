"""When an organization's posts draw the most engagement: engagements per post by local hour."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field

from settlescope.measures.base import MeasureContext, Metric, Row, measure
from settlescope.measures.reach.engagement import _org_accounts, _scope

# Below this many posts in an hour the normal interval of the mean is not given.
INTERVAL_MIN_POSTS = 10
Z95 = 1.959964


class TimingParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min_posts: int = Field(
        default=5,
        ge=1,
        description="Posts an hour needs before it can be named the organization's best hour.",
    )


METRICS = (
    Metric("engagements-per-post", "count", "Mean reactions + comments + shares per own post, "
           "by the hour of day the post was published in the organization's time zone "
           "(dimension 'hour', category '00'..'23'); n = posts in that hour; a 95 % normal "
           "interval of the mean (mean ± 1.96 s/√n) from 10 posts up."),
    Metric("best-hour", "hour", "The local hour (0-23) with the highest engagements per post "
           "among hours with at least min_posts posts; n = posts in that hour."),
)  # fmt: skip


@measure(
    id="posting-times",
    version=1,
    family="reach",
    title="Posting times that draw engagement",
    inputs=("items", "accounts"),
    scopes=("partner", "organization"),
    metrics=METRICS,
    definition="An organization's own posts of the wave that carry public engagement counts, "
    "grouped by the hour of day they were published in the organization's time zone (the "
    "study's when it names none); for each hour, the mean engagements (reactions + comments + "
    "shares) per post. Hours are compared within an organization; the hour's audience size "
    "is not known, so a high hour can also be a quiet hour with a few popular posts: read it "
    "with n.",
    references=(
        "Mean and normal-approximation interval of a mean: any introductory "
        "statistics text, e.g. Moore, McCabe & Craig, Introduction to the Practice of "
        "Statistics, ch. 7.",
    ),  # fmt: skip
    params=TimingParams,
)
def posting_times(ctx: MeasureContext) -> Iterator[Row]:
    its = ctx.table("items")
    orgs = _org_accounts(ctx)
    posts = its.filter(its.kind == "post").join(orgs, its.author_key == orgs.o_key)
    posts = posts.filter((posts.reactions.notnull() | posts.comments.notnull()
                          | posts.shares.notnull()) & posts.created_at.notnull())  # fmt: skip
    eng = (posts.reactions.coalesce(0) + posts.comments.coalesce(0)
           + posts.shares.coalesce(0)).name("eng")  # fmt: skip
    rows = posts.select(posts.o_org, posts.created_at, eng).to_pyarrow().to_pylist()
    by: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r["created_at"] is None:
            continue
        tz = ctx.study.time_zone_for(r["o_org"])
        by[r["o_org"]][r["created_at"].astimezone(tz).hour].append(float(r["eng"]))
    p: TimingParams = ctx.params
    for org in sorted(by):
        sc = _scope(ctx, org)
        best: tuple[float, int, int] | None = None
        for hour in sorted(by[org]):
            vals = by[org][hour]
            n = len(vals)
            mean = statistics.fmean(vals)
            lo = hi = None
            if n >= INTERVAL_MIN_POSTS:
                half = Z95 * statistics.stdev(vals) / math.sqrt(n)
                lo, hi = max(0.0, mean - half), mean + half
            yield Row(sc, org, "engagements-per-post", mean, n=n, lower=lo, upper=hi,
                      dimension="hour", category=f"{hour:02d}")  # fmt: skip
            if n >= p.min_posts and (best is None or mean > best[0]):
                best = (mean, hour, n)
        if best is not None:
            yield Row(sc, org, "best-hour", float(best[1]), n=best[2])
