"""Reach: audience, engaged accounts, two-hop reach, insights and engagement rates.

A small page imported from hand-written files checks each definition against numbers worked
out by hand; the synthetic study checks that each partner's planted followers and follower
growth between waves are recovered.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from settlescope.measures.run import run_measures
from settlescope.study.setup import open_study
from tests.conftest import HARBOUR_PAGE, StudyFixture

INSIGHTS = (
    "sep=,\n"
    "Account,harbour,Platform,facebook,Metric definition,views\n"
    "\n"
    "Daily\n"
    "Date,Reach,Views,Follows,Unfollows,Followers total\n"
    "2026-01-01,100,250,0,0,40\n"
    "2026-01-02,120,300,3,1,42\n"
    "2026-01-03,80,150,0,0,42\n"
)

# Two posts by the page (engagements 5+2+1 and 3+0+0), a comment by ana on post 1, a post by
# ben in the page's group, and a reply by the page to ana.
ITEMS = [
    dict(platform_id="1", author="harbour", author_kind="page", kind="post",
         reactions=5, comments=2, shares=1, created_at="2026-01-01T15:00:00Z"),
    dict(platform_id="2", author="harbour", author_kind="page", kind="post",
         reactions=3, comments=0, shares=0, created_at="2026-01-02T15:00:00Z"),
    dict(platform_id="3", author="ana", kind="comment", parent_id="1",
         created_at="2026-01-01T16:00:00Z"),
    dict(platform_id="4", author="harbour", author_kind="page", kind="reply", parent_id="3",
         created_at="2026-01-01T17:00:00Z"),
]  # fmt: skip

# Followers of the page (ana, ben, cy); cy shares the page's post into chat "c9", whose
# members are cy, dee and eve; eve also follows cy; fay reacts to post 2.
EDGES = (
    "source,target,kind,created_at\n"
    "ana,harbour,follow,2026-01-01T00:00:00Z\n"
    "ben,harbour,follow,2026-01-01T00:00:00Z\n"
    "cy,harbour,follow,2026-01-01T00:00:00Z\n"
    "eve,cy,follow,2026-01-01T00:00:00Z\n"
    "fay,harbour,reaction,2026-01-02T18:00:00Z\n"
)
SHARES = [
    dict(platform="facebook", source="cy", target="harbour", kind="share", container="c9",
         created_at="2026-01-02T10:00:00Z"),
    dict(platform="facebook", source="cy", target="c9", kind="membership", container="c9",
         created_at="2026-01-01T00:00:00Z"),
    dict(platform="facebook", source="dee", target="c9", kind="membership", container="c9",
         created_at="2026-01-01T00:00:00Z"),
    dict(platform="facebook", source="eve", target="c9", kind="membership", container="c9",
         created_at="2026-01-01T00:00:00Z"),
]  # fmt: skip


@pytest.fixture
def page(study: StudyFixture, tmp_path: Path) -> StudyFixture:
    study.extend(HARBOUR_PAGE)
    ins = tmp_path / "insights.csv"
    ins.write_text(INSIGHTS)
    study.import_(ins, fmt="meta-insights-csv", partner="p1")
    items = tmp_path / "items.ndjson"
    items.write_text(
        "".join(
            json.dumps({"platform": "facebook", "container": "harbour",
                        "container_kind": "page", **r}) + "\n"
            for r in ITEMS
        )
    )  # fmt: skip
    study.import_(items, fmt="generic-ndjson", partner="p1")
    edges = tmp_path / "edges.csv"
    edges.write_text(EDGES)
    from settlescope.importers.base import ImportOptions

    study.import_(edges, fmt="edge-list-csv", options=ImportOptions(platform="facebook"))
    shares = tmp_path / "shares.ndjson"
    shares.write_text("".join(json.dumps(r) + "\n" for r in SHARES))
    study.import_(shares, fmt="generic-ndjson")
    with study.ws() as ws:
        run_measures(ws, study.opened.study, only=["reach"])
    return study


def _value(fx: StudyFixture, measure: str, scope_id: str, metric: str, **where: str) -> float:
    cond = "".join(f" AND {k} = '{v}'" for k, v in where.items())
    rows = fx.sql(
        f"SELECT value FROM results WHERE measure_id = '{measure}' AND scope_id = "
        f"'{scope_id}' AND metric = '{metric}'{cond}"
        + ("" if "dimension" in where else " AND dimension IS NULL")
    )
    assert len(rows) == 1, (measure, scope_id, metric, where, rows)
    return float(rows[0][0])


def test_audience_counts_and_their_definitions(page: StudyFixture) -> None:
    # The platform's own count on the last day (42) and the follower list (3 people).
    assert _value(page, "audience-size", "facebook:harbour", "followers",
                  dimension="definition", category="meta-follows-2024") == 42  # fmt: skip
    assert _value(page, "audience-size", "facebook:harbour", "followers",
                  dimension="definition", category="follower-list") == 3  # fmt: skip
    # The partner's total prefers the platform's count.
    assert _value(page, "audience-size", "p1", "followers") == 42
    assert _value(page, "audience-size", "facebook:harbour", "followers-change",
                  dimension="definition", category="meta-follows-2024") == 2  # fmt: skip


def test_engaged_accounts_exclude_the_page_itself(page: StudyFixture) -> None:
    # ana (comment on the page's post, whose reply to her is the page's own), fay (reaction),
    # cy (share): three distinct accounts; the page's reply to ana does not count.
    assert _value(page, "engaged-accounts", "p1", "engaged-accounts") == 3


def test_two_hop_reach_by_hand(page: StudyFixture) -> None:
    assert _value(page, "two-hop-reach", "p1", "sharers") == 1  # cy
    assert _value(page, "two-hop-reach", "p1", "list-audience") == 3  # ana, ben, cy
    # + eve (follows cy, and member of c9) and dee (member of c9) = 5 distinct accounts
    assert _value(page, "two-hop-reach", "p1", "potential-two-hop-reach") == 5
    assert _value(page, "two-hop-reach", "p1", "two-hop-gain") == 2


def test_insights_keep_their_definition(page: StudyFixture) -> None:
    assert _value(page, "insights-reach", "facebook:harbour", "insights-reach",
                  dimension="definition", category="meta-reach") == 300  # fmt: skip
    assert _value(page, "insights-reach", "facebook:harbour", "insights-views",
                  dimension="definition", category="meta-views-2024") == 700  # fmt: skip


def test_engagement_rates_name_their_denominator(page: StudyFixture) -> None:
    # 2 posts, engagements 8 + 3 = 11
    acc = "facebook:harbour"
    assert _value(page, "engagement-rate", acc, "engagements") == 11
    by_f = _value(page, "engagement-rate", acc, "engagement-rate-by-followers",
                  dimension="definition", category="meta-follows-2024")  # fmt: skip
    assert by_f == pytest.approx(((8 / 42) + (3 / 42)) / 2)
    by_r = _value(page, "engagement-rate", acc, "engagement-rate-by-reach",
                  dimension="definition", category="meta-reach")  # fmt: skip
    assert by_r == pytest.approx(11 / 300)
    by_v = _value(page, "engagement-rate", acc, "engagement-rate-by-views",
                  dimension="definition", category="meta-views-2024")  # fmt: skip
    assert by_v == pytest.approx(11 / 700)


def test_planted_followers_and_growth_are_recovered(measured_demo: Path) -> None:
    truth = json.loads((measured_demo / "truth.json").read_text(encoding="utf-8"))
    opened = open_study(measured_demo)
    handles = {
        (o.id, a.platform): f"{a.platform}:{a.handle.lower().lstrip('@')}"
        for o in opened.study.partners
        for a in o.accounts
    }
    checked = 0
    with opened.workspace() as ws:
        rows = ws.duck.execute(
            "SELECT wave, scope_id, metric, category, value FROM results "
            "WHERE measure_id = 'audience-size' AND scope = 'account' "
            "AND metric IN ('followers', 'followers-growth')"
        ).fetchall()
        got = {(w, k, m, c): v for w, k, m, c, v in rows}
    for pid, entry in truth["partners"].items():
        if not pid.startswith("p"):
            continue
        for platform, f in entry["followers"].items():
            key = handles[(pid, platform)]
            for wave in ("baseline", "followup"):
                # every follower is in the follower list; Meta's own count agrees
                assert got[(wave, key, "followers", "follower-list")] == f[wave]
                for (w, k, m, c), v in got.items():
                    if (w, k, m) == (wave, key, "followers") and c != "follower-list":
                        assert v == f[wave], (key, c)
            growth = got[("followup", key, "followers-growth", "follower-list")]
            assert growth == pytest.approx(f["followup"] / f["baseline"] - 1, abs=1e-12)
            # the planted growth g gave round(base * (1 + g)) followers
            planted = entry["follower_growth"][platform]
            assert abs(growth - planted) <= 0.5 / f["baseline"] + 5e-4
            checked += 1
    assert checked >= 20


def test_posting_times_by_local_hour(page: StudyFixture) -> None:
    # Both posts went out at 15:00 UTC in January: 10:00 in Toronto (UTC-5, the study's zone).
    # Engagements 5+2+1 = 8 and 3+0+0 = 3: mean 5.5 per post, n = 2, too few for an interval.
    rows = page.sql(
        "SELECT category, value, n, lower, upper FROM results WHERE measure_id = "
        "'posting-times' AND scope_id = 'p1' AND metric = 'engagements-per-post'"
    )
    assert [tuple(r) for r in rows] == [("10", 5.5, 2, None, None)]
    # two posts are fewer than the default min_posts (5): no best hour is named
    assert not page.sql("SELECT 1 FROM results WHERE metric = 'best-hour'")
    page.extend("\n[measures.posting-times]\nmin_posts = 2\n")
    with page.ws() as ws:
        run_measures(ws, page.opened.study, only=["posting-times"])
    assert _value(page, "posting-times", "p1", "best-hour") == 10
