"""Posting cadence and regularity, platforms used, and languages used against the clients'."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field

from settlescope.measures.base import MeasureContext, Metric, Row, measure
from settlescope.measures.capacity.common import (
    UNKNOWN_LANGUAGES,
    Post,
    client_language_coverage,
    client_shares,
    languages_used_by,
    partner_posts,
    post_groups,
    wave_weeks,
)


def cadence_of(posts: list[Post], weeks: float, start_ts: float) -> dict[str, float]:
    """Posts per week, active-week share and the coefficient of variation of the gaps.

    ``posts`` are sorted by time; ``start_ts`` is the wave's first instant (epoch seconds).

    Example
    -------
    Posts at 0, 1, 2 and 3 days: gaps 1, 1, 1 day, so CV = 0 (perfectly regular).
    """
    out: dict[str, float] = {"posts": float(len(posts)), "posts-per-week": len(posts) / weeks}
    n_weeks = max(1, math.ceil(weeks - 1e-9))
    active = {int((p.created.timestamp() - start_ts) // (7 * 86_400)) for p in posts}
    out["active-weeks-share"] = len({w for w in active if 0 <= w < n_weeks}) / n_weeks
    ts = [p.created.timestamp() for p in posts]
    gaps = [b - a for a, b in zip(ts, ts[1:], strict=False)]
    if len(gaps) >= 2:
        mean = statistics.fmean(gaps)
        if mean > 0:
            out["gap-cv"] = statistics.pstdev(gaps) / mean
            out["median-gap-hours"] = statistics.median(gaps) / 3600
    return out


CADENCE_METRICS = (
    Metric("posts", "count", "The partner's own posts in the wave (root items of kind 'post' "
           "by its accounts; chat messages are not posts)."),
    Metric("posts-per-week", "ratio", "posts / weeks in the wave (calendar days of the wave "
           "/ 7). Denominator: the wave's weeks, whether or not the account was active."),
    Metric("active-weeks-share", "share", "Weeks of the wave (7-day blocks from its first "
           "day) with at least one post / weeks in the wave."),
    Metric("gap-cv", "ratio", "Coefficient of variation of the gaps between consecutive posts: "
           "population standard deviation of the gaps / their mean. 0 = perfectly regular; "
           "about 1 = posting at random (Poisson); above 1 = bursts and silences. Needs 3 "
           "posts (n = gaps)."),
    Metric("median-gap-hours", "hours", "Median gap between consecutive posts, in hours "
           "(n = gaps)."),
    Metric("platforms-used", "count", "Platforms on which the partner posted in the wave."),
)  # fmt: skip


@measure(
    id="posting-cadence",
    version=1,
    family="capacity",
    title="Posting cadence and regularity, by platform and account",
    inputs=("items", "accounts"),
    scopes=("partner", "account"),
    metrics=CADENCE_METRICS,
    definition="How often and how regularly each partner posts: posts per week over the "
    "wave, the share of weeks with a post, and the coefficient of variation of the gaps "
    "between posts; for the partner as a whole (all its accounts on one timeline) and per "
    "platform (dimension 'platform'), and for each of its accounts (scope 'account', the "
    "account's key). Client records carry no platform, so the platforms "
    "where clients are can only be seen through the audience on each platform "
    "(offline-comparison 'followers-per-client' by platform).",
    references=(
        "Coefficient of variation of inter-event times as a burstiness measure: Goh & "
        "Barabási (2008), Burstiness and memory in complex systems, EPL 81:48002.",
    ),
)
def posting_cadence(ctx: MeasureContext) -> Iterator[Row]:
    weeks = wave_weeks(ctx)
    w = ctx.study.wave(ctx.wave)
    import datetime as dt

    start_ts = dt.datetime(w.start.year, w.start.month, w.start.day, tzinfo=dt.UTC).timestamp()
    for partner, pp in partner_posts(ctx).items():
        for g in post_groups(partner, pp.posts):
            for name, v in cadence_of(g.posts, weeks, start_ts).items():
                gaps = name in ("gap-cv", "median-gap-hours")
                yield g.row(name, v, n=len(g.posts) - 1 if gaps else len(g.posts))
        if pp.posts:
            yield Row("partner", partner, "platforms-used", len({p.platform for p in pp.posts}))


class LanguageParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    language_min_share: float = Field(
        0.05, ge=0, le=1, description="A language counts as used when at least this share of "
        "the partner's posts is in it."
    )  # fmt: skip


LANGUAGE_METRICS = (
    Metric("posts-share", "share", "Share of the partner's posts in the language "
           "(items.language; posts of unknown language left out of numerator and "
           "denominator). n = posts of known language."),
    Metric("clients-share", "share", "Share of the partner's clients whose language (client "
           "records, dimension language) is this one; suppressed cells left out. n = clients."),
    Metric("client-language-coverage", "share", "Share of the partner's clients whose "
           "language is used in at least language_min_share of its posts. n = clients."),
    Metric("languages-used", "count", "Languages used in at least language_min_share of the "
           "partner's posts."),
)  # fmt: skip


@measure(
    id="languages-used",
    version=2,
    family="capacity",
    title="Languages of the posts against the languages of the clients",
    inputs=("items", "items.language", "client_records"),
    scopes=("partner", "account"),
    metrics=LANGUAGE_METRICS,
    definition="The languages a partner posts in (detected per post) beside the languages of "
    "its clients, per language (dimension 'language', ISO 639 codes), and the share of its "
    "clients whose language it uses; for the partner as a whole and for each of its accounts "
    "(scope 'account': the partner's clients against that account's posts), and the counts "
    "and coverage per platform (dimension 'platform').",
    params=LanguageParams,
)
def languages_used(ctx: MeasureContext) -> Iterator[Row]:
    p: LanguageParams = ctx.params
    clients = client_shares(ctx, "language")
    for partner, pp in partner_posts(ctx).items():
        cl = clients.get(partner, {})
        total = sum(n for n, _ in cl.values())
        for g in post_groups(partner, pp.posts):
            known = [x.language for x in g.posts if x.language not in (None, *UNKNOWN_LANGUAGES)]
            used = languages_used_by(known, p.language_min_share)
            for lang, v in sorted(Counter(known).items()):
                yield from g.breakdown("posts-share", v / len(known), n=len(known),
                                       dimension="language", category=lang)  # fmt: skip
            if known:
                yield g.row("languages-used", len(used))
            if cl and known:
                yield g.row("client-language-coverage", client_language_coverage(used, cl),
                            n=total)  # fmt: skip
        for lang, (_n, share) in sorted(cl.items()):
            yield Row("partner", partner, "clients-share", share, n=total,
                      dimension="language", category=lang)  # fmt: skip
