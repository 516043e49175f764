"""Quirks of the Meta importers: CrowdTangle, Content Library, insights, DYI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from settlescope.errors import FormatError, SettlescopeError
from settlescope.importers.base import ImportOptions
from settlescope.importers.meta import fix_mojibake

from ..conftest import CASES, StudyFixture

CT = CASES / "crowdtangle-csv" / "ct_facebook_pages_synthetic.csv"
INSIGHTS = CASES / "meta-insights-csv"
DYI = CASES / "facebook-dyi-json"

PARTNER = """
[[partners]]
id = "harbour"
name = "Harbour Newcomer Services"
region = "Nova Scotia"

[[partners.accounts]]
platform = "facebook"
handle = "harbournewcomers"
id = "104857600123"

[[partners.accounts]]
platform = "instagram"
handle = "harbour.newcomers"
"""


@pytest.fixture
def partner_study(study: StudyFixture) -> StudyFixture:
    study.extend(PARTNER)
    return study


def _utc(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s).astimezone(dt.UTC)


# -- mojibake ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("\u00c3\u00a9t\u00c3\u00a9", "été"),
        ("\u00f0\u009f\u0091\u008d", "👍"),
        ("caf\u00e9", "caf\u00e9"),  # a real Latin-1 é is not UTF-8 bytes: left alone
        ("🥰 ok", "🥰 ok"),  # not Latin-1 at all: left alone
        ("plain ascii", "plain ascii"),
    ],
    ids=["accents", "emoji", "true-latin1", "non-latin1", "ascii"],
)
def test_fix_mojibake(raw: str, fixed: str) -> None:
    assert fix_mojibake(raw) == fixed


def test_dyi_message_text_is_repaired_and_same_millisecond_kept(study: StudyFixture) -> None:
    s = study.import_(DYI / "message_1_synthetic.json", fmt="facebook-dyi-json")
    assert (s.loaded, s.rejected) == (5, 0)
    texts = {r[0] for r in study.sql("SELECT text FROM items")}
    assert "Le bureau est à Halifax, près du port." in texts
    assert "Merci! 👍" in texts
    # two messages by the same sender in the same millisecond are both kept
    ids = sorted(
        r[0]
        for r in study.sql(
            "SELECT platform_id FROM items WHERE created_at = TIMESTAMPTZ '2023-11-14 22:46:40+00'"
        )
    )
    assert len(ids) == 2 and ids[1] == ids[0] + "#1"
    # the thread folder name (which holds a person's name) is not stored as such
    assert not study.sql("SELECT * FROM accounts WHERE handle LIKE '%newcomershalifax%'")
    # private senders are pseudonymised: their names are not stored
    assert not study.sql(
        "SELECT * FROM accounts WHERE display_name LIKE 'Jos%' OR handle LIKE 'Jos%'"
    )


def test_dyi_reactions_counted(study: StudyFixture) -> None:
    study.import_(DYI / "message_1_synthetic.json", fmt="facebook-dyi-json")
    assert study.sql("SELECT reactions FROM items WHERE text = 'Merci! 👍'") == [(1,)]


def test_dyi_posts_urls_and_author_from_title(study: StudyFixture) -> None:
    study.import_(DYI / "your_posts_1_synthetic.json", fmt="facebook-dyi-json")
    rows = study.sql("SELECT text, urls FROM items WHERE text = 'Très utile'")
    assert rows == [
        ("Très utile", ["https://www.canada.ca/en/immigration-refugees-citizenship.html"])
    ]


def test_dyi_truncated_is_refused(study: StudyFixture, tmp_path: Path) -> None:
    data = (DYI / "message_1_synthetic.json").read_bytes()
    cut = tmp_path / "message_1.json"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match="not complete"):
        study.import_(cut, fmt="facebook-dyi-json")
    assert study.sql("SELECT count(*) FROM items") == [(0,)]


def test_dyi_bad_message_is_rejected_with_pointer(study: StudyFixture, tmp_path: Path) -> None:
    p = tmp_path / "message_1.json"
    p.write_text(
        '{"participants": [{"name": "A"}], "messages": ['
        '{"sender_name": "A", "timestamp_ms": 1700000000000, "content": "hi"},'
        '{"sender_name": "B", "content": "no time"}]}',
        encoding="utf-8",
    )
    s = study.import_(p, fmt="facebook-dyi-json")
    assert (s.loaded, s.rejected) == (1, 1)
    assert study.sql("SELECT locator, reason FROM rejects") == [("/messages/1", "bad-timestamp")]


# -- CrowdTangle -------------------------------------------------------------------------------


def test_crowdtangle_csv_ids_times_and_counts(study: StudyFixture) -> None:
    study.import_(CT, fmt="crowdtangle-csv")
    rows = {
        r[0]: r[1:]
        for r in study.sql(
            "SELECT platform_id, created_at, reactions, comments, shares, views FROM items"
        )
    }
    # EST is UTC-5 in January; EDT UTC-4 in March; id = <Facebook Id>_<post id from URL>
    assert rows["104857600123_3859912034071245"] == (
        _utc("2021-01-15T15:00:00+00:00"),
        31,
        4,
        2,
        None,
    )
    assert rows["104857600123_3901122245283559"][0] == _utc("2021-03-20T22:30:05+00:00")
    # a video URL with a trailing slash; Post Views kept for videos
    assert rows["104857600123_512233445566778"][2:] == (22, 18, 2450)
    text = study.sql("SELECT text FROM items WHERE platform_id = '104857600123_3901122245283559'")[
        0
    ][0]
    assert (
        text
        == 'Looking for work? Our "Job Ready" workshop\nstarts next week.\nRegister: https://harbour.example.org/jobs'
    )


def test_crowdtangle_csv_unknown_zone_rejected_then_read_with_time_zone(
    study: StudyFixture, tmp_path: Path
) -> None:
    lines = CT.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace("2021-01-15 10:00:00 EST", "2021-01-15 10:00:00 XYZT")
    p = tmp_path / "ct.csv"
    p.write_text("\n".join(lines), encoding="utf-8")
    s = study.import_(p, fmt="crowdtangle-csv")
    assert (s.loaded, s.rejected) == (4, 1)
    assert study.sql("SELECT locator, reason FROM rejects") == [("row 2", "unknown-time-zone")]
    study.import_(
        p, fmt="crowdtangle-csv", options=ImportOptions(time_zone="America/Halifax"), force=True
    )
    got = study.sql(
        "SELECT created_at FROM items WHERE platform_id = '104857600123_3859912034071245'"
    )
    assert got == [(_utc("2021-01-15T14:00:00+00:00"),)]  # Halifax is UTC-4 in winter


def test_crowdtangle_csv_short_row_rejected(study: StudyFixture, tmp_path: Path) -> None:
    text = CT.read_text(encoding="utf-8")
    p = tmp_path / "ct.csv"
    p.write_text(
        text + "Harbour Newcomer Services,harbournewcomers,104857600123\n", encoding="utf-8"
    )
    s = study.import_(p, fmt="crowdtangle-csv")
    assert s.rejected == 1
    # the file has 7 records: a header, 5 posts (one over three lines) and the short row
    assert study.sql("SELECT locator, reason FROM rejects") == [("row 7", "bad-row")]


def test_crowdtangle_csv_partner_page_is_the_partner(partner_study: StudyFixture) -> None:
    partner_study.import_(CT, fmt="crowdtangle-csv")
    got = partner_study.sql(
        "SELECT DISTINCT author_key, partner_id FROM items WHERE partner_id IS NOT NULL"
    )
    assert got == [("facebook:harbournewcomers", "harbour")]


def test_crowdtangle_json_reactions_are_the_sum_of_reaction_kinds(study: StudyFixture) -> None:
    study.import_(CASES / "crowdtangle-json" / "crowdtangle_mock_data.json", fmt="crowdtangle-json")
    got = study.sql(
        "SELECT reactions, comments, shares FROM items "
        "WHERE platform_id = '11430503918_10159078346893919'"
    )
    # like 42617 + love 10937 + wow 35 + haha 123 + sad 4 + angry 2 + thankful 0 + care 520
    assert got == [(54238, 1060, 303)]


def test_crowdtangle_json_truncated_is_refused(study: StudyFixture, tmp_path: Path) -> None:
    data = (CASES / "crowdtangle-json" / "crowdtangle_mock_data.json").read_bytes()
    p = tmp_path / "ct.json"
    p.write_bytes(data[:5000])
    with pytest.raises(FormatError):
        study.import_(p, fmt="crowdtangle-json")


def test_content_library_owner_kinds(study: StudyFixture) -> None:
    study.import_(
        CASES / "meta-content-library-csv" / "mcl_facebook_posts_synthetic.csv",
        fmt="meta-content-library-csv",
    )
    got = set(
        study.sql(
            "SELECT a.kind, a.display_name FROM items i JOIN accounts a ON a.account_key = i.author_key"
        )
    )
    assert got == {("page", "Harbour Newcomer Services"), ("group", "Halifax Newcomers Help Group")}
    assert study.sql("SELECT views FROM items WHERE platform_id = '1234567890123456'") == [(1320,)]


# -- insights ------------------------------------------------------------------------------------


def test_insights_definitions_and_breakdowns(study: StudyFixture) -> None:
    study.import_(INSIGHTS / "p01_facebook_page_synthetic.csv", fmt="meta-insights-csv")
    defs = set(study.sql("SELECT DISTINCT metric, definition FROM audience"))
    assert defs == {
        ("reach", "meta-reach"),
        ("impressions", "meta-impressions-legacy"),
        ("follows", "meta-follows-2024"),
        ("unfollows", "meta-follows-2024"),
        ("followers", "meta-follows-2024"),
    }
    assert study.sql(
        "SELECT value FROM audience WHERE metric = 'followers' AND date = DATE '2026-01-03'"
    ) == [(477.0,)]
    bd = {
        (r[0], r[1]): (r[2], r[3])
        for r in study.sql("SELECT dimension, category, value, date FROM audience_breakdown")
    }
    last_day = dt.date(2026, 1, 4)
    assert bd[("age-gender", "F.18-24")] == (50.0, last_day)
    assert bd[("age-gender", "M.65+")] == (7.0, last_day)
    assert bd[("city", "Halifax, Nova Scotia")] == (300.0, last_day)
    assert bd[("country", "SY")] == (22.0, last_day)
    assert bd[("language", "Français (Canada)")] == (90.0, last_day)


LEGACY = (
    '"Date","Lifetime Total Likes","Daily New Likes","Daily Unlikes","Daily Total Reach",'
    '"Weekly Total Reach","Daily Total Impressions"\n'
    '"","Lifetime: The total number of people who have liked your Page. (Unique Users)",'
    '"Daily: The number of new people who have liked your Page. (Unique Users)",'
    '"Daily: The number of Unlikes of your Page (Unique Users)",'
    '"Daily: The number of people who had any content from your Page enter their screen. (Unique Users)",'
    '"Weekly: The number of people who had any content from your Page enter their screen. (Unique Users)",'
    '"Daily: The number of times any content from your Page entered a person\'s screen. (Total Count)"\n'
    '"01/13/2020","1204","3","1","250","1900","410"\n'
    '"01/14/2020","1206","2","0","180","1850","300"\n'
)


def test_insights_legacy_page_export_with_partner(
    partner_study: StudyFixture, tmp_path: Path
) -> None:
    p = tmp_path / "Facebook Insights Data Export - Harbour.csv"
    p.write_text(LEGACY, encoding="utf-8")
    s = partner_study.import_(p, fmt="auto", partner="harbour")
    assert s.format_id == "meta-insights-csv"
    assert s.loaded == 12
    rows = {
        (r[0], r[1]): (r[2], r[3])
        for r in partner_study.sql(
            "SELECT metric, date, value, definition FROM audience WHERE account_key = 'facebook:harbournewcomers'"
        )
    }
    assert rows[("page_fans", dt.date(2020, 1, 14))] == (1206.0, "meta-page-fans-legacy")
    assert rows[("page_fans_new", dt.date(2020, 1, 13))] == (3.0, "meta-page-fans-legacy")
    assert rows[("page_fans_removed", dt.date(2020, 1, 13))] == (1.0, "meta-page-fans-legacy")
    assert rows[("reach_7d", dt.date(2020, 1, 13))] == (1900.0, "meta-reach")
    assert rows[("impressions", dt.date(2020, 1, 14))] == (300.0, "meta-impressions-legacy")


def test_insights_business_suite_single_metric(partner_study: StudyFixture) -> None:
    s = partner_study.import_(
        INSIGHTS / "instagram_views_business_suite_synthetic.csv",
        fmt="meta-insights-csv",
        partner="harbour",
    )
    assert s.loaded == 4  # five days, one without a value
    got = partner_study.sql(
        "SELECT platform, account_key, value, definition FROM audience "
        "WHERE date = DATE '2025-11-03'"
    )
    assert got == [("instagram", "instagram:harbour.newcomers", 1205.0, "meta-views-2024")]


def test_insights_day_first_dates_are_recognised(
    partner_study: StudyFixture, tmp_path: Path
) -> None:
    p = tmp_path / "facebook_reach.csv"
    p.write_text(
        '"Facebook Page reach"\n"Date","Primary"\n"31/01/2026","10"\n"01/02/2026","12"\n',
        encoding="utf-8",
    )
    partner_study.import_(p, fmt="meta-insights-csv", partner="harbour")
    got = partner_study.sql("SELECT date, metric, value FROM audience ORDER BY date")
    assert got == [(dt.date(2026, 1, 31), "reach", 10.0), (dt.date(2026, 2, 1), "reach", 12.0)]


def test_insights_without_partner_is_refused(study: StudyFixture) -> None:
    with pytest.raises(
        SettlescopeError, match=r"insights files belong to one partner: use --partner P"
    ):
        study.import_(
            INSIGHTS / "instagram_views_business_suite_synthetic.csv", fmt="meta-insights-csv"
        )
    assert study.sql("SELECT count(*) FROM audience") == [(0,)]


def test_insights_file_of_another_account_is_refused(
    partner_study: StudyFixture, tmp_path: Path
) -> None:
    text = (INSIGHTS / "p01_facebook_page_synthetic.csv").read_text(encoding="utf-8")
    p = tmp_path / "other.csv"
    p.write_text(
        text.replace("Account,harbournewcomers", "Account,someotherpage"), encoding="utf-8"
    )
    with pytest.raises(FormatError, match="someotherpage"):
        partner_study.import_(p, fmt="meta-insights-csv", partner="harbour")


def test_instagram_insights_followers_definition(study: StudyFixture, tmp_path: Path) -> None:
    text = (INSIGHTS / "p01_facebook_page_synthetic.csv").read_text(encoding="utf-8")
    p = tmp_path / "ig.csv"
    p.write_text(
        text.replace(
            "Platform,facebook,Metric definition,impressions",
            "Platform,instagram,Metric definition,views",
        ).replace("Date,Reach,Impressions", "Date,Reach,Views"),
        encoding="utf-8",
    )
    study.import_(p, fmt="meta-insights-csv")
    defs = dict(study.sql("SELECT DISTINCT metric, definition FROM audience"))
    assert defs["views"] == "meta-views-2024"
    assert defs["followers"] == "instagram-followers"
