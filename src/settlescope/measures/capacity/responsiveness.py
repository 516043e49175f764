"""Responsiveness: do questions in a partner's public threads and groups get answered, by whom,
and how fast?

A *question* is an item flagged ``question`` (item_flags) that no organization account wrote,
in a space of the partner: a group or chat it runs, or a thread under one of its posts. Its
*answers* are the replies in its thread written by someone other than the asker: every item of
the thread for a question that opens one, the direct replies for a question asked in a comment.

Only spaces whose export records what a message replies to can show answers. WhatsApp text
exports (and any container without a single reply link in the wave) cannot: their questions
are counted apart (``questions-unthreaded``) and left out of the rates and times.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from settlescope.measures.base import MeasureContext, Metric, Row, measure
from settlescope.measures.capacity.common import org_accounts
from settlescope.measures.reach.audience import group_owners


class ResponseParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    business_hours: bool = Field(
        False, description="Count only time within business hours (opening_hours, Monday to "
        "Friday, in the partner's time zone) in response times."
    )  # fmt: skip
    opening_hours: tuple[int, int] = Field(
        (9, 17), description="Business hours as [opening hour, closing hour], local time."
    )

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not (0 <= v[0] < v[1] <= 24):
            raise ValueError("opening_hours needs 0 <= opening < closing <= 24")
        return v


def fastest_90_mean(values: list[float]) -> float:
    """Mean of the fastest 90 %: the values up to the ceil(0.9 n)-th smallest.

    Facebook's Page "average response time" leaves the slowest 10 % of replies out.

    Example
    -------
    >>> fastest_90_mean([1, 2, 3, 4, 5, 6, 7, 8, 9, 100])  # mean of 1..9
    5.0
    """
    v = sorted(values)
    k = max(1, math.ceil(0.9 * len(v)))
    return statistics.fmean(v[:k])


def business_seconds(
    start: dt.datetime, end: dt.datetime, tz: ZoneInfo, hours: tuple[int, int]
) -> float:
    """Seconds between ``start`` and ``end`` that fall within business hours (Mon-Fri).

    Example
    -------
    >>> tz = ZoneInfo("America/Toronto")
    >>> a = dt.datetime(2026, 3, 6, 16, 0, tzinfo=tz)  # Friday 16:00
    >>> b = dt.datetime(2026, 3, 9, 10, 0, tzinfo=tz)  # Monday 10:00
    >>> business_seconds(a, b, tz, (9, 17)) / 3600     # 1 h Friday + 1 h Monday
    2.0
    """
    a, b = start.astimezone(tz), end.astimezone(tz)
    if b <= a:
        return 0.0
    total = 0.0
    day = a.date()
    while day <= b.date():
        if day.weekday() < 5:
            open_ = dt.datetime(day.year, day.month, day.day, hours[0], tzinfo=tz)
            close = dt.datetime(day.year, day.month, day.day, tzinfo=tz) + dt.timedelta(
                hours=hours[1]
            )
            lo, hi = max(a, open_), min(b, close)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return total


@dataclass
class Question:
    item_key: str
    partner: str
    platform: str
    asked: dt.datetime
    space: str  # the partner's account whose space it was asked in: its group, or its post
    org_first: dt.datetime | None = None
    peer_first: dt.datetime | None = None


def questions_of(ctx: MeasureContext) -> tuple[dict[str, list[Question]], dict[str, int]]:
    """Each partner's questions in threaded spaces, with first answers; and unthreaded counts."""

    def make() -> tuple[dict[str, list[Question]], dict[str, int]]:
        partners = {o.id for o in ctx.partners}
        orgs = org_accounts(ctx)
        owners = {c: o for c, o in group_owners(ctx, ctx.wave).items() if o in partners}
        its = ctx.table("items")
        flags = ctx.ws.table("item_flags")
        q_keys = flags.filter(flags.flag == "question").select(q_key="item_key").distinct()
        qs = its.join(q_keys, its.item_key == q_keys.q_key)
        cols = ["item_key", "author_key", "container_key", "parent_key", "root_key",
                "platform", "created_at"]  # fmt: skip
        q_rows = qs.select(*cols).to_pyarrow().to_pylist()
        # the partner's own posts (a question under one is in the partner's space)
        own = {k for k, o in orgs.items() if o in partners}
        threaded = its.filter(its.parent_key.notnull()).select("container_key").distinct()
        threaded_set = set(threaded.to_pyarrow().column("container_key").to_pylist())
        roots = {r["root_key"] or r["parent_key"] for r in q_rows if r["parent_key"]}
        root_author: dict[str, str] = {}
        if roots:
            rt = its.filter(its.item_key.isin(list(roots))).select("item_key", "author_key")
            root_author = {r["item_key"]: r["author_key"] for r in rt.to_pyarrow().to_pylist()}
        out: dict[str, list[Question]] = defaultdict(list)
        unthreaded: dict[str, int] = defaultdict(int)
        picked: dict[str, tuple[Question, str]] = {}
        for r in q_rows:
            if r["author_key"] in orgs:
                continue
            partner = owners.get(r["container_key"])
            space = r["container_key"]
            if partner is None and r["parent_key"]:
                ra = root_author.get(r["root_key"] or r["parent_key"])
                if ra in own:
                    partner, space = orgs[ra], ra
            if partner is None:
                continue
            if r["container_key"] not in threaded_set:
                unthreaded[partner] += 1
                continue
            q = Question(r["item_key"], partner, r["platform"], r["created_at"], space)
            picked[r["item_key"]] = (q, r["author_key"])
            out[partner].append(q)
        if not picked:
            return dict(out), dict(unthreaded)
        keys = list(picked)
        # answers: items of a question's thread (it opens it), or direct replies to it
        reps = its.filter(its.root_key.isin(keys) | its.parent_key.isin(keys)).select(
            "item_key", "author_key", "parent_key", "root_key", "created_at"
        )
        for a in reps.to_pyarrow().to_pylist():
            for target in {a["root_key"], a["parent_key"]}:
                hit = picked.get(target) if target else None
                if hit is None:
                    continue
                q, asker = hit
                if a["root_key"] == target or a["parent_key"] == target:
                    if a["author_key"] == asker or a["created_at"] < q.asked:
                        continue
                    if orgs.get(a["author_key"]) == q.partner:
                        if q.org_first is None or a["created_at"] < q.org_first:
                            q.org_first = a["created_at"]
                    elif q.peer_first is None or a["created_at"] < q.peer_first:
                        q.peer_first = a["created_at"]
        return dict(out), dict(unthreaded)

    return ctx.memo("capacity:questions", make)


RESPONSE_METRICS = (
    Metric("questions", "count", "Questions asked in the partner's threaded public threads "
           "and groups in the wave (item_flags 'question', not written by an organization)."),
    Metric("questions-unthreaded", "count", "Questions in the partner's spaces whose export "
           "has no reply links (WhatsApp text exports): not used for rates or times."),
    Metric("answered-by-organization", "share", "Questions with at least one reply by the "
           "partner's own accounts / questions."),
    Metric("answered-by-peers-only", "share", "Questions answered by others (not the asker) "
           "but never by the partner / questions."),
    Metric("unanswered", "share", "Questions nobody but the asker replied to / questions."),
    Metric("response-time-median", "minutes", "Median time from the question to the first "
           "reply by the responder (dimension 'responder': organization = the partner's first "
           "reply; peer = the first reply by someone else, on questions where a peer replied "
           "before the partner or the partner never did). n = questions answered so."),
    Metric("response-time-mean", "minutes", "Mean of the same response times."),
    Metric("response-time-fastest-90-mean", "minutes", "Mean of the fastest 90 % of the same "
           "response times (Facebook's Page 'average response time' leaves the slowest 10 % "
           "out)."),
)  # fmt: skip


@measure(
    id="responsiveness",
    version=1,
    family="capacity",
    title="Responsiveness to questions in public threads and groups",
    inputs=("items", "item_flags", "accounts"),
    scopes=("partner", "account"),
    metrics=RESPONSE_METRICS,
    definition="The share of questions in a partner's public threads and groups that its own "
    "accounts answer, that only peers answer, and that go unanswered; and the time to the "
    "partner's first reply (median, mean, mean of the fastest 90 %), with peers' first "
    "replies reported separately (dimension 'responder'). With business_hours, only time "
    "within opening hours on weekdays in the partner's time zone counts. Per platform in "
    "dimension 'platform' for the shares; and the same per partner account whose space the "
    "question was asked in (scope 'account': its group or chat, or its own post).",
    references=(
        "Meta Business Help Centre, Page response rate and response time: the average "
        "response time excludes the slowest 10 % of responses.",
    ),
    params=ResponseParams,
)
def responsiveness(ctx: MeasureContext) -> Iterator[Row]:
    p: ResponseParams = ctx.params
    per_partner, unthreaded = questions_of(ctx)
    for partner in sorted(set(per_partner) | set(unthreaded)):
        if unthreaded.get(partner):
            yield Row("partner", partner, "questions-unthreaded", unthreaded[partner])
        qs = per_partner.get(partner, [])
        if not qs:
            continue
        tz = ctx.study.time_zone_for(partner)
        by_plat: dict[str, list[Question]] = defaultdict(list)
        by_space: dict[str, list[Question]] = defaultdict(list)
        for q in qs:
            by_plat[q.platform].append(q)
            by_space[q.space].append(q)
        yield from _answer_rows("partner", partner, qs, p, tz)
        for plat, sub in sorted(by_plat.items()):
            yield from _answer_rows("partner", partner, sub, p, tz, platform=plat)
        for space, sub in sorted(by_space.items()):
            yield from _answer_rows("account", space, sub, p, tz)


def _answer_rows(
    scope: str,
    scope_id: str,
    qs: list[Question],
    p: ResponseParams,
    tz: ZoneInfo,
    platform: str | None = None,
) -> Iterator[Row]:
    """The answer shares of questions ``qs`` and, unless per platform, the response times."""
    n = len(qs)
    dim = "platform" if platform else None
    org = sum(1 for q in qs if q.org_first)
    peer = sum(1 for q in qs if not q.org_first and q.peer_first)
    yield Row(scope, scope_id, "questions", n, dimension=dim, category=platform)
    for metric, count in (("answered-by-organization", org), ("answered-by-peers-only", peer),
                          ("unanswered", n - org - peer)):  # fmt: skip
        yield Row(scope, scope_id, metric, count / n, n=n, dimension=dim, category=platform)
    if platform:
        return

    def delay(a: dt.datetime, b: dt.datetime) -> float:
        if p.business_hours:
            return business_seconds(a, b, tz, p.opening_hours) / 60
        return (b - a).total_seconds() / 60

    org_t = [delay(q.asked, q.org_first) for q in qs if q.org_first]
    peer_t = [
        delay(q.asked, q.peer_first)
        for q in qs
        if q.peer_first and (q.org_first is None or q.peer_first < q.org_first)
    ]
    for who, ts in (("organization", org_t), ("peer", peer_t)):
        if not ts:
            continue
        for metric, value in (("response-time-median", statistics.median(ts)),
                              ("response-time-mean", statistics.fmean(ts)),
                              ("response-time-fastest-90-mean", fastest_90_mean(ts))):  # fmt: skip
            yield Row(scope, scope_id, metric, value, n=len(ts), dimension="responder",
                      category=who)  # fmt: skip
