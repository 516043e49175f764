"""Coverage of the IRCC service categories, and engagement per post by category and language."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator

from settlescope.measures.base import MeasureContext, Metric, Row, measure
from settlescope.measures.capacity.common import (
    SERVICE_TAXONOMY,
    SERVICES,
    UNKNOWN_LANGUAGES,
    PostGroup,
    partner_posts,
    post_groups,
)

COVERAGE_METRICS = (
    Metric("posts-share", "share", "Share of the partner's categorised posts whose primary "
           "service category (the highest-scoring ircc-services-v1 label) is this one. "
           "Denominator: posts with at least one service category (n)."),
    Metric("posts-mentioning-share", "share", "Share of all the partner's posts with this "
           "category among their labels (a post may carry several). Denominator: all posts."),
    Metric("engagement-share", "share", "Engagements (reactions + comments + shares) on posts "
           "whose primary category is this one / engagements on all categorised posts with "
           "counts. n = those posts."),
    Metric("categorised-share", "share", "Posts with at least one service category / posts."),
    Metric("categories-covered", "count", "Service categories that are the primary category "
           "of at least one post in the wave (of 8)."),
    Metric("category-not-covered", "count", "A service category no post of the wave covers "
           "(value 1, the category in 'category'): the gaps in the partner's service "
           "communication."),
)  # fmt: skip


@measure(
    id="service-coverage",
    version=2,
    family="capacity",
    title="Coverage of the settlement service categories",
    inputs=("items", "item_labels"),
    scopes=("partner", "account"),
    metrics=COVERAGE_METRICS,
    definition="How a partner's posts cover IRCC's settlement service lines (needs "
    "assessment and referrals NAARS, information and orientation IO, language assessment LA "
    "and training LT, employment-related services ERS, community connections CC, support "
    "services SS, case management CM): the share of posts and of engagement per category "
    "(dimension 'category'), and the categories never covered; for the partner as a whole "
    "and for each of its accounts (scope 'account'), with the categorised share and the "
    "categories covered also per platform (dimension 'platform'). Categories come from the "
    "ircc-services-v1 taxonomy labels.",
    references=(
        "IRCC Settlement Program service types (IRCC, Settlement Program terms and "
        "conditions; the iCARE service modules).",
    ),
)
def service_coverage(ctx: MeasureContext) -> Iterator[Row]:
    for partner, pp in partner_posts(ctx).items():
        for g in post_groups(partner, pp.posts):
            yield from _coverage_rows(g)


def _coverage_rows(g: PostGroup) -> Iterator[Row]:
    posts = g.posts
    cat = [p for p in posts if p.category]
    yield g.row("categorised-share", len(cat) / len(posts), n=len(posts))
    primary: dict[str, int] = defaultdict(int)
    mention: dict[str, int] = defaultdict(int)
    eng: dict[str, int] = defaultdict(int)
    with_eng = [p for p in cat if p.engagement is not None]
    for p in cat:
        primary[p.category] += 1  # type: ignore[index]
        for c in p.categories:
            mention[c] += 1
    for p in with_eng:
        eng[p.category] += int(p.engagement or 0)  # type: ignore[index]
    total_eng = sum(eng.values())
    for c in SERVICES:
        by = dict(dimension="category", category=c)
        if cat:
            yield from g.breakdown("posts-share", primary.get(c, 0) / len(cat), n=len(cat), **by)
        yield from g.breakdown("posts-mentioning-share", mention.get(c, 0) / len(posts),
                               n=len(posts), **by)  # fmt: skip
        if total_eng > 0:
            yield from g.breakdown("engagement-share", eng.get(c, 0) / total_eng,
                                   n=len(with_eng), **by)  # fmt: skip
        if not primary.get(c):
            yield from g.breakdown("category-not-covered", 1, **by)
    yield g.row("categories-covered", sum(1 for c in SERVICES if primary.get(c)))


ENGAGEMENT_METRICS = (
    Metric("engagement-per-post", "engagements per post", "Mean of reactions + comments + "
           "shares per post, over the partner's posts that carry public counts (n = those "
           "posts, the denominator). Breakdowns: 'category' (primary service category, or "
           "'none'), 'language' (detected language, or 'und')."),
    Metric("median-engagement-per-post", "engagements per post", "Median of reactions + "
           "comments + shares per post over the same posts (n)."),
)  # fmt: skip


@measure(
    id="engagement-by-content",
    version=2,
    family="capacity",
    title="Engagement per post, by service category and by language",
    inputs=("items", "items.language", "item_labels"),
    scopes=("partner", "account"),
    metrics=ENGAGEMENT_METRICS,
    definition="Engagement on a partner's posts (reactions + comments + shares) per post, for "
    "all its posts and broken down by primary service category and by language, for the "
    "partner as a whole and for each of its accounts (scope 'account'), and over all posts "
    "per platform (dimension 'platform'); the denominator is always the number of posts "
    "with public counts in the group (n). Counts are the platforms' own and differ between "
    "platforms: compare a partner with itself.",
)
def engagement_by_content(ctx: MeasureContext) -> Iterator[Row]:
    for partner, pp in partner_posts(ctx).items():
        counted = [p for p in pp.posts if p.engagement is not None]
        for g in post_groups(partner, counted):
            vals = [int(p.engagement or 0) for p in g.posts]
            yield g.row("engagement-per-post", statistics.fmean(vals), n=len(vals))
            yield g.row("median-engagement-per-post", float(statistics.median(vals)), n=len(vals))
            by_cat: dict[str, list[int]] = defaultdict(list)
            by_lang: dict[str, list[int]] = defaultdict(list)
            for p in g.posts:
                by_cat[p.category or "none"].append(int(p.engagement or 0))
                lang = p.language if p.language not in (None, *UNKNOWN_LANGUAGES) else "und"
                by_lang[lang].append(int(p.engagement or 0))  # type: ignore[index]
            groups = [("category", k, v) for k, v in sorted(by_cat.items())]
            groups += [("language", k, v) for k, v in sorted(by_lang.items())]
            for dim, key, vs in groups:
                yield from g.breakdown("engagement-per-post", statistics.fmean(vs), n=len(vs),
                                       dimension=dim, category=key)  # fmt: skip
                yield from g.breakdown("median-engagement-per-post", float(statistics.median(vs)),
                                       n=len(vs), dimension=dim, category=key)  # fmt: skip


__all__ = ["SERVICE_TAXONOMY", "engagement_by_content", "service_coverage"]
