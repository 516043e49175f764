"""Online audience against clients: a hand-built partner, and the planted gaps of the demo.

Hand-built: one Facebook Page whose insights give its followers by age and gender, city and
language, and a client table; every expected value is worked out in the comments.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from settlescope.measures.offline.representation import (
    dissimilarity,
    locale_language,
    representation_ratio,
)
from settlescope.measures.run import run_measures
from tests.conftest import HARBOUR_PAGE, StudyFixture

PARTNER = (
    HARBOUR_PAGE
    + """
[measures.offline]
rural_regions = ["Hope"]
"""
)

INSIGHTS = """sep=,
Account,harbour,Platform,facebook,Metric definition,views

Daily
Date,Reach,Views,Follows,Unfollows,Followers total
2026-06-29,10,20,0,0,79
2026-06-30,10,20,1,0,80

Age and gender
Age,Women,Men
18-24,10,10
25-34,10,10
35-44,10,10
45-54,5,5
65+,0,10

Top cities
City,Followers
"Vancouver, British Columbia",60
"Hope, British Columbia",10
"Toronto, Ontario",10

Language
Language,Followers
English (US),50
Français (Canada),30
"""

CLIENTS = (
    "period_start,period_end,dimension,category,count\n"
    + "".join(
        f"2026-01-01,2026-06-30,{d},{c},{n}\n"
        for d, c, n in (
            ("age_band", "0-14", 50), ("age_band", "15-24", 20), ("age_band", "25-44", 40),
            ("age_band", "45-64", 30), ("age_band", "65+", 10), ("gender", "female", 55),
            ("gender", "male", 45), ("region", "Vancouver", 70), ("region", "Hope", 30),
            ("language", "en", 80), ("language", "fr", 20),
        )
    )
)  # fmt: skip


@pytest.fixture
def partner(study: StudyFixture, tmp_path: Path) -> StudyFixture:
    study.extend(PARTNER)
    ins = tmp_path / "insights.csv"
    ins.write_text(INSIGHTS, encoding="utf-8")
    study.import_(ins, fmt="meta-insights-csv", partner="p1")
    c = tmp_path / "clients.csv"
    c.write_text(CLIENTS, encoding="utf-8")
    study.import_(c, fmt="clients-csv", partner="p1")
    with study.ws() as ws:
        run_measures(ws, study.opened.study, only=["offline"], study_dir=study.dir)
    return study


def _row(fx: StudyFixture, metric: str, dimension: str | None, category: str | None = None,
         measure: str = "online-vs-clients") -> tuple[float, float | None, float | None]:  # fmt: skip
    cond = f"dimension = '{dimension}'" if dimension else "dimension IS NULL"
    cond += f" AND category = '{category}'" if category else " AND category IS NULL"
    rows = fx.sql(
        f"SELECT value, lower, upper FROM results WHERE measure_id = '{measure}' AND "
        f"scope_id = 'p1' AND metric = '{metric}' AND {cond}"
    )
    assert len(rows) == 1, (metric, dimension, category, rows)
    return rows[0]


def test_harmonised_ages_and_dissimilarity(partner: StudyFixture) -> None:
    # online: under-25 20, 25-44 40, 45-64 10, 65+ 10 (of 80); clients (0-14 left out):
    # 20, 40, 30, 10 (of 100). D = (0.05 + 0.10 + 0.175 + 0.025) / 2 = 0.175
    assert _row(partner, "online-share", "age_band", "45-64")[0] == pytest.approx(0.125)
    assert _row(partner, "client-share", "age_band", "45-64")[0] == pytest.approx(0.3)
    assert _row(partner, "dissimilarity-index", "age_band")[0] == pytest.approx(0.175)


def test_ratio_with_katz_interval_for_older_people(partner: StudyFixture) -> None:
    # 45+: online 20 of 80 (0.25), clients 40 of 100 (0.4): RR 0.625;
    # SE = sqrt(1/20 - 1/80 + 1/40 - 1/100) = 0.229129; exp(±1.96 x SE) = 0.63822, 1.56686
    rr, lo, hi = _row(partner, "representation-ratio", "group", "45-plus")
    assert rr == pytest.approx(0.625)
    assert lo == pytest.approx(0.39889, rel=1e-4) and hi == pytest.approx(0.97929, rel=1e-4)
    assert _row(partner, "representation-status", "group", "45-plus")[0] == -1
    assert _row(partner, "representation-gap", "group", "45-plus")[0] == pytest.approx(-0.15)


def test_women_older_women_and_rural(partner: StudyFixture) -> None:
    # women: online 35 of 80, clients 55 of 100
    assert _row(partner, "online-share", "group", "women")[0] == pytest.approx(35 / 80)
    assert _row(partner, "representation-ratio", "group", "women")[0] == pytest.approx(
        (35 / 80) / 0.55
    )
    # women 45+: online 5 of 80; clients 0.55 x 0.40 = 0.22 (the two dimensions combined)
    assert _row(partner, "online-share", "group", "women-45-plus")[0] == pytest.approx(5 / 80)
    assert _row(partner, "client-share", "group", "women-45-plus")[0] == pytest.approx(0.22)
    # rural (Hope): online 10 of the 70 in client regions (Toronto left out), clients 30/100
    assert _row(partner, "online-share", "group", "rural")[0] == pytest.approx(10 / 70)
    assert _row(partner, "client-share", "group", "rural")[0] == pytest.approx(0.3)


def test_chi_square_by_hand(partner: StudyFixture) -> None:
    # gender: observed 35, 45; expected 80 x (0.55, 0.45) = 44, 36:
    # 81/44 + 81/36 = 4.090909, df 1
    assert _row(partner, "chi-square", "gender")[0] == pytest.approx(81 / 44 + 81 / 36)
    # p = P(chi2_1 > x) = erfc(sqrt(x / 2))
    assert _row(partner, "chi-square-p", "gender")[0] == pytest.approx(
        math.erfc(math.sqrt((81 / 44 + 81 / 36) / 2))
    )


def test_languages_from_meta_locales(partner: StudyFixture) -> None:
    assert _row(partner, "online-share", "language", "fr")[0] == pytest.approx(30 / 80)
    assert _row(partner, "client-share", "language", "fr")[0] == pytest.approx(0.2)


def test_followers_per_client(partner: StudyFixture) -> None:
    # 80 followers; clients: the largest total over age (150), gender, region, language (100)
    assert _row(partner, "clients", None, measure="followers-per-client")[0] == 150
    assert _row(partner, "followers-per-client", None, measure="followers-per-client")[
        0
    ] == pytest.approx(80 / 150)


def test_formulas() -> None:
    # Katz: 30 of 100 against 20 of 100 (worked out in the docstring)
    rr, lo, hi = representation_ratio(30, 100, 20, 100)
    se = math.sqrt(1 / 30 - 1 / 100 + 1 / 20 - 1 / 100)
    assert (rr, lo, hi) == pytest.approx(
        (1.5, 1.5 * math.exp(-1.96 * se), 1.5 * math.exp(1.96 * se)), rel=1e-4
    )
    assert dissimilarity({"a": 1.0}, {"b": 1.0}) == 1
    assert locale_language("ਪੰਜਾਬੀ") == "pa" and locale_language("Español") == "es"
