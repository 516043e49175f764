"""Capacity measures on a small hand-built partner, and the formulas on published examples.

Every expected value is worked out by hand in the comments; labels and question flags are
inserted as the text tools would write them (taxonomy ircc-services-v1, flag 'question'),
so these tests check the measures, not the text tools.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from settlescope.measures.capacity.accessibility import (
    is_official,
    reading_ease,
    syllables,
    text_counts,
)
from settlescope.measures.capacity.activity import cadence_of
from settlescope.measures.capacity.common import Post
from settlescope.measures.capacity.responsiveness import business_seconds, fastest_90_mean
from settlescope.measures.run import run_measures
from settlescope.text.label import label_workspace
from tests.conftest import HARBOUR_PAGE, StudyFixture

WEIGHTS = """
[measures.capacity-index]
weights = { answer-rate = 2, service-coverage = 1, language-match = 1 }
"""


def _item(pid: str, author: str, when: str, **kw: object) -> dict[str, object]:
    kind = "page" if author == "harbour" else "person"
    return dict(platform="facebook", platform_id=pid, author=author, author_kind=kind,
                created_at=when, **kw)  # fmt: skip


PAGE = dict(container="harbour", container_kind="page")
GROUP = dict(container="g1", container_kind="group")
ITEMS = [
    # three posts: gaps of 1 and 2 days
    _item("1", "harbour", "2026-01-05T15:00:00Z", kind="post", reactions=5, comments=2,
          shares=1, language="en", text="LINC classes are enrolling now: "
          "https://www.canada.ca/en/immigration", **PAGE),
    _item("2", "harbour", "2026-01-06T15:00:00Z", kind="post", reactions=3, language="en",
          text="Job fair for newcomers on Friday.", **PAGE),
    _item("3", "harbour", "2026-01-08T15:00:00Z", kind="post", reactions=1, language="fr",
          text="Bienvenue à tous.", **PAGE),
    # q1 (Monday 09:00 Toronto): ben answers after 30 min, the partner after 60 min
    _item("q1", "ana", "2026-01-05T14:00:00Z", kind="post", text="Where is the office?", **GROUP),
    _item("q1a", "ben", "2026-01-05T14:30:00Z", kind="reply", parent_id="q1", thread_id="q1",
          text="On Main St.", **GROUP),
    _item("q1b", "harbour", "2026-01-05T15:00:00Z", kind="reply", parent_id="q1",
          thread_id="q1", text="Yes, 12 Main St.", **GROUP),
    # q2 (Friday 16:00 Toronto): the partner answers on Monday 10:00 (3,960 minutes later;
    # 120 of them in business hours: 1 h on Friday, 1 h on Monday)
    _item("q2", "ben", "2026-01-09T21:00:00Z", kind="post", text="Open on Saturday?", **GROUP),
    _item("q2a", "harbour", "2026-01-12T15:00:00Z", kind="reply", parent_id="q2",
          thread_id="q2", text="No, on Monday.", **GROUP),
    # q3: only a peer answers, after 20 minutes
    _item("q3", "cy", "2026-01-06T10:00:00Z", kind="post", text="Any LINC class?", **GROUP),
    _item("q3a", "ana", "2026-01-06T10:20:00Z", kind="reply", parent_id="q3", thread_id="q3",
          text="Yes, at the library.", **GROUP),
    # q4: the asker alone replies: unanswered
    _item("q4", "dee", "2026-01-07T10:00:00Z", kind="post", text="Anyone?", **GROUP),
    _item("q4a", "dee", "2026-01-07T11:00:00Z", kind="reply", parent_id="q4", thread_id="q4",
          text="Still looking.", **GROUP),
    # q5: a question asked in a comment on post 1, answered by the partner after 10 minutes
    _item("q5", "ana", "2026-01-05T16:00:00Z", kind="comment", parent_id="1", thread_id="1",
          text="Is it free?", **PAGE),
    _item("q5a", "harbour", "2026-01-05T16:10:00Z", kind="reply", parent_id="q5",
          thread_id="1", text="Yes.", **PAGE),
]  # fmt: skip
LABELS = [("1", "LT", 1.0), ("2", "ERS", 1.0), ("2", "IO", 0.5)]
QUESTIONS = ("q1", "q2", "q3", "q4", "q5")
CLIENTS = (
    "period_start,period_end,dimension,category,count\n"
    "2026-01-01,2026-06-30,language,English,60\n"
    "2026-01-01,2026-06-30,language,French,30\n"
    "2026-01-01,2026-06-30,language,Arabic,10\n"
)


def _setup(
    study: StudyFixture,
    tmp_path: Path,
    extra: str = "",
    *,
    accounts: str = "",
    items: list[dict[str, object]] = ITEMS,
    labels: list[tuple[str, str, float]] = LABELS,
) -> StudyFixture:
    study.extend(HARBOUR_PAGE + accounts + WEIGHTS + extra)
    f = tmp_path / "items.ndjson"
    f.write_text("".join(json.dumps(r) + "\n" for r in items), encoding="utf-8")
    study.import_(f, fmt="generic-ndjson", partner="p1")
    c = tmp_path / "clients.csv"
    c.write_text(CLIENTS, encoding="utf-8")
    study.import_(c, fmt="clients-csv", partner="p1")
    with study.ws() as ws:
        # the text tools label first; their categories and question flags are then replaced
        # by hand-made ones, so that these tests check the measures alone (the runner's own
        # labelling pass leaves items already labelled alone)
        label_workspace(ws, study.opened.study)
        ws.duck.execute("DELETE FROM item_labels WHERE taxonomy = 'ircc-services-v1'")
        ws.duck.execute("DELETE FROM item_flags WHERE flag = 'question'")
        for pid, cat, score in labels:
            ws.duck.execute(
                "INSERT INTO item_labels VALUES (?, 'ircc-services-v1', ?, ?, 'test', '1')",
                [pid if ":" in pid else f"facebook:{pid}", cat, score],
            )
        for pid in QUESTIONS:
            ws.duck.execute(
                "INSERT INTO item_flags VALUES (?, 'question', 'test', '?', 'test', '1')",
                [f"facebook:{pid}"],
            )
        run_measures(ws, study.opened.study, only=["capacity"], study_dir=study.dir)
    return study


@pytest.fixture
def partner(study: StudyFixture, tmp_path: Path) -> StudyFixture:
    return _setup(study, tmp_path)


def _value(fx: StudyFixture, measure: str, metric: str, **where: str) -> float:
    cond = "".join(f" AND {k} = '{v}'" for k, v in where.items())
    rows = fx.sql(
        f"SELECT value FROM results WHERE measure_id = '{measure}' AND scope_id = 'p1' "
        f"AND metric = '{metric}'{cond}"
        + ("" if "dimension" in where else " AND dimension IS NULL")
    )
    assert len(rows) == 1, (measure, metric, where, rows)
    return float(rows[0][0])


def test_cadence_by_hand(partner: StudyFixture) -> None:
    # The wave has 181 days = 25.857 weeks: 3 posts -> 0.11602 per week.
    assert _value(partner, "posting-cadence", "posts-per-week") == pytest.approx(3 / (181 / 7))
    # gaps 1 and 2 days: mean 1.5, population sd 0.5, CV 1/3; median gap 36 h
    assert _value(partner, "posting-cadence", "gap-cv") == pytest.approx(1 / 3)
    assert _value(partner, "posting-cadence", "median-gap-hours") == pytest.approx(36)
    # posts in the wave's week 1 (Jan 1-7) and week 2 (Jan 8-14) of 26
    assert _value(partner, "posting-cadence", "active-weeks-share") == pytest.approx(2 / 26)
    assert _value(partner, "posting-cadence", "platforms-used") == 1


def test_service_coverage_by_hand(partner: StudyFixture) -> None:
    # posts 1 (LT) and 2 (ERS, IO weaker) are categorised, post 3 is not
    v = lambda m, c: _value(partner, "service-coverage", m, dimension="category", category=c)  # noqa: E731
    assert _value(partner, "service-coverage", "categorised-share") == pytest.approx(2 / 3)
    assert v("posts-share", "LT") == v("posts-share", "ERS") == pytest.approx(0.5)
    assert v("posts-share", "IO") == 0
    assert v("posts-mentioning-share", "IO") == pytest.approx(1 / 3)
    # engagement 8 on the LT post, 3 on the ERS post
    assert v("engagement-share", "LT") == pytest.approx(8 / 11)
    assert _value(partner, "service-coverage", "categories-covered") == 2
    gaps = partner.sql(
        "SELECT category FROM results WHERE measure_id = 'service-coverage' "
        "AND metric = 'category-not-covered' AND scope = 'partner' ORDER BY category"
    )
    assert [g for (g,) in gaps] == ["CC", "CM", "IO", "LA", "NAARS", "SS"]


def test_engagement_per_post_by_language(partner: StudyFixture) -> None:
    # en posts: 8 and 3 -> 5.5; fr post: 1; all: 12 / 3 = 4
    assert _value(partner, "engagement-by-content", "engagement-per-post") == 4
    assert _value(partner, "engagement-by-content", "engagement-per-post",
                  dimension="language", category="en") == 5.5  # fmt: skip
    assert _value(partner, "engagement-by-content", "engagement-per-post",
                  dimension="category", category="none") == 1  # fmt: skip


def test_languages_against_clients(partner: StudyFixture) -> None:
    # posts: en 2/3, fr 1/3, both used; clients en 60, fr 30, ar 10 -> 90 % covered
    assert _value(partner, "languages-used", "client-language-coverage") == pytest.approx(0.9)
    assert _value(partner, "languages-used", "clients-share", dimension="language",
                  category="ar") == pytest.approx(0.1)  # fmt: skip


def test_responsiveness_by_hand(partner: StudyFixture) -> None:
    r = "responsiveness"
    assert _value(partner, r, "questions") == 5
    assert _value(partner, r, "answered-by-organization") == pytest.approx(3 / 5)  # q1 q2 q5
    assert _value(partner, r, "answered-by-peers-only") == pytest.approx(1 / 5)  # q3
    assert _value(partner, r, "unanswered") == pytest.approx(1 / 5)  # q4
    org = dict(dimension="responder", category="organization")
    # partner's times: 60, 3960, 10 minutes
    assert _value(partner, r, "response-time-median", **org) == 60
    assert _value(partner, r, "response-time-mean", **org) == pytest.approx(4030 / 3)
    # ceil(0.9 x 3) = 3: all three kept
    assert _value(partner, r, "response-time-fastest-90-mean", **org) == pytest.approx(4030 / 3)
    # peers first: q1 (30, before the partner's 60) and q3 (20)
    peer = dict(dimension="responder", category="peer")
    assert _value(partner, r, "response-time-median", **peer) == 25


def _by_account(fx: StudyFixture, measure: str, metric: str, **where: str) -> dict[str, float]:
    """An account-scope metric per account handle (the handles of the input file)."""
    cond = "".join(f" AND r.{k} = '{v}'" for k, v in where.items())
    rows = fx.sql(
        "SELECT a.handle, r.value FROM results r JOIN accounts a ON a.account_key = r.scope_id "
        f"WHERE r.scope = 'account' AND r.measure_id = '{measure}' AND r.metric = '{metric}'"
        + cond
        + ("" if "dimension" in where else " AND r.dimension IS NULL")
    )
    return {h: float(v) for h, v in rows}


def test_responsiveness_and_cadence_per_account_by_hand(partner: StudyFixture) -> None:
    # q1-q4 were asked in the group g1, q5 under the page's own post 1
    r = "responsiveness"
    assert _by_account(partner, r, "questions") == {"g1": 4, "harbour": 1}
    assert _by_account(partner, r, "answered-by-organization") == {"g1": 0.5, "harbour": 1.0}
    assert _by_account(partner, r, "unanswered") == {"g1": 0.25, "harbour": 0.0}
    org = dict(dimension="responder", category="organization")
    # g1: the partner answered after 60 and 3,960 minutes; the page's post: after 10
    assert _by_account(partner, r, "response-time-median", **org) == {"g1": 2010, "harbour": 10}
    # the page wrote the three posts; the group none
    assert _by_account(partner, "posting-cadence", "gap-cv") == {"harbour": pytest.approx(1 / 3)}


# The partner's second account, on Instagram: two posts, one labelled (SS) and linking to
# canada.ca, one in Arabic.
INSTAGRAM = """
[[partners.accounts]]
platform = "instagram"
handle = "harbour.ca"
kind = "page"
"""
IG_ITEMS = [
    dict(platform="instagram", platform_id="i1", author="harbour.ca", author_kind="page",
         created_at="2026-01-07T15:00:00Z", kind="post", reactions=10, comments=0, language="en",
         text="Free tax clinic for newcomers https://www.canada.ca/en/revenue-agency"),
    dict(platform="instagram", platform_id="i2", author="harbour.ca", author_kind="page",
         created_at="2026-01-10T15:00:00Z", kind="post", reactions=2, language="ar",
         text="مرحبا بكم في المركز"),
]  # fmt: skip


@pytest.fixture
def two_accounts(study: StudyFixture, tmp_path: Path) -> StudyFixture:
    return _setup(
        study,
        tmp_path,
        accounts=INSTAGRAM,
        items=ITEMS + IG_ITEMS,
        labels=[*LABELS, ("instagram:i1", "SS", 1.0)],
    )


def test_capacity_per_account_and_platform_by_hand(two_accounts: StudyFixture) -> None:
    fx = two_accounts
    # the page: posts 1 (LT), 2 (ERS), 3 (none); the Instagram account: i1 (SS), i2 (none)
    assert _by_account(fx, "service-coverage", "categorised-share") == {
        "harbour": pytest.approx(2 / 3), "harbour.ca": 0.5}  # fmt: skip
    assert _by_account(fx, "service-coverage", "categories-covered") == {
        "harbour": 2, "harbour.ca": 1}  # fmt: skip
    assert _by_account(fx, "service-coverage", "posts-share", dimension="category",
                       category="SS") == {"harbour": 0, "harbour.ca": 1}  # fmt: skip
    # the partner as a whole: 3 of 5 posts categorised, 3 categories; per platform too
    assert _value(fx, "service-coverage", "categorised-share") == pytest.approx(3 / 5)
    assert _value(fx, "service-coverage", "categories-covered") == 3
    assert _value(fx, "service-coverage", "categorised-share", dimension="platform",
                  category="instagram") == 0.5  # fmt: skip
    # engagement: page 8, 3, 1 -> 4; Instagram 10, 2 -> 6; partner 24 / 5
    assert _by_account(fx, "engagement-by-content", "engagement-per-post") == {
        "harbour": 4, "harbour.ca": 6}  # fmt: skip
    assert _by_account(fx, "engagement-by-content", "engagement-per-post",
                       dimension="language", category="ar") == {"harbour.ca": 2}  # fmt: skip
    assert _value(fx, "engagement-by-content", "engagement-per-post") == pytest.approx(24 / 5)
    assert _value(fx, "engagement-by-content", "engagement-per-post", dimension="platform",
                  category="facebook") == 4  # fmt: skip
    # languages: the page posts en and fr (clients 60 + 30 of 100 covered), the Instagram
    # account en and ar (60 + 10); the partner all three
    assert _by_account(fx, "languages-used", "client-language-coverage") == {
        "harbour": pytest.approx(0.9), "harbour.ca": pytest.approx(0.7)}  # fmt: skip
    assert _value(fx, "languages-used", "client-language-coverage") == pytest.approx(1.0)
    assert _by_account(fx, "languages-used", "posts-share", dimension="language",
                       category="ar") == {"harbour.ca": 0.5}  # fmt: skip
    # official links: post 1 of 3 on the page, i1 of 2 on Instagram
    assert _by_account(fx, "accessibility", "official-links-share") == {
        "harbour": pytest.approx(1 / 3), "harbour.ca": 0.5}  # fmt: skip
    assert _value(fx, "accessibility", "official-links-share", dimension="platform",
                  category="instagram") == 0.5  # fmt: skip
    assert _value(fx, "posting-cadence", "platforms-used") == 2


def test_business_hours_option(study: StudyFixture, tmp_path: Path) -> None:
    fx = _setup(study, tmp_path, "\n[measures.responsiveness]\nbusiness_hours = true\n")
    org = dict(dimension="responder", category="organization")
    # 60, 120 (Friday 16-17 + Monday 9-10), 10 business minutes
    assert _value(fx, "responsiveness", "response-time-median", **org) == 60
    assert _value(fx, "responsiveness", "response-time-mean", **org) == pytest.approx(190 / 3)


def test_accessibility_links(partner: StudyFixture) -> None:
    assert _value(partner, "accessibility", "official-links-share") == pytest.approx(1 / 3)
    assert _value(partner, "accessibility", "links-share") == pytest.approx(1 / 3)


def test_capacity_index_by_hand(partner: StudyFixture) -> None:
    # weights: answer-rate 2 (score 0.6), service-coverage 1 (2 of 8 = 0.25),
    # language-match 1 (0.9): (1.2 + 0.25 + 0.9) / 4 = 0.5875
    assert _value(partner, "capacity-index", "capacity-index") == pytest.approx(0.5875)
    comp = lambda m, c: _value(partner, "capacity-index", m, dimension="component", category=c)  # noqa: E731
    assert comp("component-raw", "service-coverage") == 2
    assert comp("component-score", "service-coverage") == 0.25
    assert comp("component-raw", "response-speed") == 60  # median minutes, kept
    assert comp("component-score", "response-speed") == 1  # target 60 / max(60, 60)
    assert comp("component-weight", "cadence") == 0


# -- formulas ------------------------------------------------------------------------------


def test_fastest_90_mean() -> None:
    # 10 values: the fastest 9 are 1..9, mean 5; the slowest (100) is left out
    assert fastest_90_mean([100, 1, 2, 3, 4, 5, 6, 7, 8, 9]) == 5
    # 11 values: ceil(9.9) = 10 kept
    assert fastest_90_mean([*range(1, 11), 1000]) == 5.5


def test_business_seconds_across_a_weekend_and_dst() -> None:
    tz = ZoneInfo("America/Toronto")
    a = dt.datetime(2026, 3, 6, 16, 30, tzinfo=tz)  # Friday 16:30
    b = dt.datetime(2026, 3, 9, 9, 15, tzinfo=tz)  # Monday 09:15, after the DST change
    assert business_seconds(a, b, tz, (9, 17)) == (30 + 15) * 60
    # on a weekend nothing counts
    assert business_seconds(dt.datetime(2026, 3, 7, 10, tzinfo=tz),
                            dt.datetime(2026, 3, 8, 10, tzinfo=tz), tz, (9, 17)) == 0  # fmt: skip


def test_cadence_regular_posts_have_zero_cv() -> None:
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    posts = [Post(str(i), "a", "x", t0 + dt.timedelta(days=i), None, None, None, [])
             for i in range(4)]  # fmt: skip
    c = cadence_of(posts, 2.0, t0.timestamp())
    assert c["gap-cv"] == 0 and c["posts-per-week"] == 2


def test_flesch_reading_ease_by_hand() -> None:
    # "The cat sat on the mat." 1 sentence, 6 words, 6 syllables:
    # 206.835 - 1.015 x 6 - 84.6 x 1 = 116.145
    assert reading_ease("The cat sat on the mat.", "en") == pytest.approx(116.145)
    # "Newcomers can register today. Classes are free." 2 sentences, 7 words; syllables
    # new-com-ers 3, can 1, reg-is-ter 3, to-day 2, class-es 2, are 1, free 1 = 13:
    # 206.835 - 1.015 x 3.5 - 84.6 x 13/7 = 46.2236
    assert text_counts("Newcomers can register today. Classes are free.", "en") == (2, 7, 13)
    assert reading_ease("Newcomers can register today. Classes are free.", "en") == (
        pytest.approx(206.835 - 1.015 * 3.5 - 84.6 * 13 / 7)
    )


def test_kandel_moles_by_hand() -> None:
    # "Le cours de français commence lundi." 1 sentence, 6 words; syllables le 1, cours 1,
    # de 1, fran-çais 2, com-men-ce -> 2 (mute final e), lun-di 2 = 9:
    # 207 - 1.015 x 6 - 73.6 x 9/6 = 90.51
    assert syllables("commence", "fr") == 2
    assert reading_ease("Le cours de français commence lundi.", "fr") == pytest.approx(90.51)


def test_official_domains() -> None:
    assert is_official("www.canada.ca") and is_official("ircc.gc.ca")
    assert is_official("www.ontario.ca") and is_official("www2.gov.bc.ca")
    assert not is_official("canada.ca.example.com") and not is_official("notcanada.ca")
