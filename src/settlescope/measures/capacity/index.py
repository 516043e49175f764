"""The Capacity Index: a weighted mean of documented components, each scored 0-1.

Every component keeps its raw value beside its score, and its weight, as result rows
(dimension ``component``), so a report can show why a partner scored as it did. Weights and
targets come from the study file::

    [measures.capacity]
    weights = { cadence = 1, regularity = 1, service-coverage = 2, ... }
    target_posts_per_week = 3

A component without data for a partner (no questions, say) is left out of that partner's
index and its weight with it; ``n`` of the index row is the number of components used.

Components (raw value -> score):

==================  ==================================================  =====================
component           raw value                                           score
==================  ==================================================  =====================
cadence             posts per week                                      min(1, raw / target)
regularity          share of the wave's weeks with a post               raw
platforms           platforms posted on                                 min(1, raw / target)
service-coverage    service categories covered (of 8)                   raw / 8
language-match      share of clients whose language the posts use       raw
answer-rate         share of questions answered by the partner          raw
response-speed      median minutes to the partner's first reply         target / max(target, raw)
official-links      share of posts linking official sources             min(1, raw / target)
readability         mean reading ease (English and French posts)        clip(raw / 100, 0, 1)
==================  ==================================================  =====================
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field, field_validator

from settlescope.measures.base import MeasureContext, Metric, Row, measure
from settlescope.measures.capacity.accessibility import (
    domains_of,
    is_official,
    reading_ease,
    text_counts,
)
from settlescope.measures.capacity.activity import cadence_of
from settlescope.measures.capacity.common import (
    SERVICES,
    UNKNOWN_LANGUAGES,
    client_language_coverage,
    client_shares,
    languages_used_by,
    partner_posts,
    wave_weeks,
)
from settlescope.measures.capacity.responsiveness import questions_of

COMPONENTS = ("cadence", "regularity", "platforms", "service-coverage", "language-match",
              "answer-rate", "response-speed", "official-links", "readability")  # fmt: skip


class IndexParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    weights: dict[str, float] = Field(
        default_factory=lambda: dict.fromkeys(COMPONENTS, 1.0),
        description="Weight of each component (components: " + ", ".join(COMPONENTS) + "); a "
        "component left out has weight 0.",
    )  # fmt: skip
    target_posts_per_week: float = Field(3.0, gt=0, description="Posts per week that score 1.")
    target_platforms: int = Field(3, ge=1, description="Platforms that score 1.")
    target_response_minutes: float = Field(
        60.0, gt=0, description="Median minutes to first reply that score 1 (slower scores "
        "target / median)."
    )  # fmt: skip
    target_official_share: float = Field(
        0.2, gt=0, le=1, description="Share of posts linking official sources that scores 1."
    )
    index_language_min_share: float = Field(
        0.05, ge=0, le=1, description="Share of posts that makes a language count as used "
        "(language-match)."
    )  # fmt: skip

    @field_validator("weights")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k in v if k not in COMPONENTS]
        if bad:
            raise ValueError(f"unknown component(s) {bad}; components: {', '.join(COMPONENTS)}")
        if any(w < 0 for w in v.values()):
            raise ValueError("weights cannot be negative")
        if not any(w > 0 for w in v.values()):
            raise ValueError("at least one weight must be above 0")
        return v


INDEX_METRICS = (
    Metric("capacity-index", "score", "Sum of weight x score over the components with data / "
           "sum of their weights: 0-1. n = components used."),
    Metric("component-score", "share", "The component's score, 0-1 (dimension 'component')."),
    Metric("component-raw", "value", "The component's raw value, in its own unit (see the "
           "table in the measure's documentation), beside its score."),
    Metric("component-weight", "weight", "The component's weight from the study file."),
)  # fmt: skip


def components_of(ctx: MeasureContext, p: IndexParams) -> dict[str, dict[str, tuple[float, float]]]:
    """Per partner: component -> (raw value, score)."""
    out: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    weeks = wave_weeks(ctx)
    w = ctx.study.wave(ctx.wave)
    start_ts = dt.datetime(w.start.year, w.start.month, w.start.day, tzinfo=dt.UTC).timestamp()
    langs = client_shares(ctx, "language")
    per_q, _ = questions_of(ctx)
    for partner, pp in partner_posts(ctx).items():
        comp = out[partner]
        posts = pp.posts
        if posts:
            c = cadence_of(posts, weeks, start_ts)
            ppw = c["posts-per-week"]
            comp["cadence"] = (ppw, min(1.0, ppw / p.target_posts_per_week))
            comp["regularity"] = (c["active-weeks-share"], c["active-weeks-share"])
            plats = len({x.platform for x in posts})
            comp["platforms"] = (float(plats), min(1.0, plats / p.target_platforms))
            covered = len({x.category for x in posts if x.category in SERVICES})
            comp["service-coverage"] = (float(covered), covered / len(SERVICES))
            official = sum(
                any(is_official(d) for d in domains_of(x.text, x.urls)) for x in posts
            ) / len(posts)
            comp["official-links"] = (official, min(1.0, official / p.target_official_share))
            scores = [
                s
                for x in posts
                if x.language in ("en", "fr") and x.text and text_counts(x.text, x.language)[1] >= 8
                for s in [reading_ease(x.text, x.language)]  # type: ignore[arg-type]
                if s is not None
            ]
            if scores:
                m = statistics.fmean(scores)
                comp["readability"] = (m, min(1.0, max(0.0, m / 100)))
            known = [x.language for x in posts if x.language not in (None, *UNKNOWN_LANGUAGES)]
            cl = langs.get(partner, {})
            if known and cl:
                used = languages_used_by(known, p.index_language_min_share)
                share = client_language_coverage(used, cl)
                comp["language-match"] = (share, share)
        qs = per_q.get(partner, [])
        if qs:
            rate = sum(1 for q in qs if q.org_first) / len(qs)
            comp["answer-rate"] = (rate, rate)
            times = [(q.org_first - q.asked).total_seconds() / 60 for q in qs if q.org_first]
            if times:
                med = statistics.median(times)
                t = p.target_response_minutes
                comp["response-speed"] = (med, t / max(t, med))
    return out


@measure(
    id="capacity-index",
    version=1,
    family="capacity",
    title="Capacity Index: capacity to deliver services through social media",
    inputs=("items", "items.language", "item_labels", "item_flags", "client_records", "accounts"),
    scopes=("partner",),
    metrics=INDEX_METRICS,
    definition="A transparent composite of a partner's capacity to deliver settlement "
    "services through social media: posting cadence and regularity, platforms, coverage of "
    "the service categories, use of its clients' languages, share of questions answered and "
    "speed of its answers, links to official sources, and readability. Each component is "
    "scored 0-1 against a documented target and kept with its raw value and weight; the "
    "index is their weighted mean over the components with data.",
    params=IndexParams,
)
def capacity_index(ctx: MeasureContext) -> Iterator[Row]:
    p: IndexParams = ctx.params
    weights = {c: float(p.weights.get(c, 0.0)) for c in COMPONENTS}
    for partner, comp in sorted(components_of(ctx, p).items()):
        used = [(c, comp[c]) for c in COMPONENTS if c in comp and weights[c] > 0]
        for c, (raw, score) in ((c, comp[c]) for c in COMPONENTS if c in comp):
            yield Row("partner", partner, "component-raw", raw, dimension="component", category=c)
            yield Row("partner", partner, "component-score", score, dimension="component",
                      category=c)  # fmt: skip
            yield Row("partner", partner, "component-weight", weights[c], dimension="component",
                      category=c)  # fmt: skip
        if used:
            total = sum(weights[c] for c, _ in used)
            value = sum(weights[c] * s for c, (_r, s) in used) / total
            yield Row("partner", partner, "capacity-index", value, n=len(used))
