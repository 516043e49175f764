"""Quirks of the TikTok importers: Research API responses and Zeeschuimer captures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from settlescope.errors import FormatError
from settlescope.importers.base import detect_format

from ..conftest import CASES, StudyFixture

RESEARCH = CASES / "tiktok-research-json"
ZEE = CASES / "zeeschuimer-ndjson" / "zeeschuimer_tiktok_instagram_synthetic.ndjson"


def test_query_file_is_refused_as_a_query(study: StudyFixture) -> None:
    q = RESEARCH / "example_query.json"
    with pytest.raises(FormatError, match="query") as e:
        study.import_(q)
    assert e.value.hint and "responses" in e.value.hint
    assert detect_format(q).id == "tiktok-research-json"
    assert study.sql("SELECT count(*) FROM import_runs") == [(0,)]


def test_video_ids_are_exact_64_bit_integers(study: StudyFixture) -> None:
    study.import_(RESEARCH / "example_resp_q_videos.json", fmt="tiktok-research-json")
    got = study.sql("SELECT platform_id, views, comments, hashtags, created_at FROM items")
    assert got == [
        (
            "702874395068494965",
            1050,
            2,
            ["#avengers", "#pov"],
            dt.datetime(2021, 10, 9, 23, 59, 59, tzinfo=dt.UTC),
        )
    ]


def test_comment_tree(study: StudyFixture, tmp_path: Path) -> None:
    p = tmp_path / "comments.json"
    p.write_text(
        json.dumps(
            {
                "data": {
                    "comments": [
                        {
                            "id": 7001,
                            "video_id": 9000000000000000001,
                            "parent_comment_id": 9000000000000000001,
                            "text": "top",
                            "create_time": 1700000000,
                            "like_count": 3,
                            "reply_count": 1,
                        },
                        {
                            "id": 7002,
                            "video_id": 9000000000000000001,
                            "parent_comment_id": 7001,
                            "text": "answer",
                            "create_time": 1700000100,
                            "like_count": 0,
                            "reply_count": 0,
                        },
                    ],
                    "has_more": False,
                    "cursor": 2,
                },
                "error": {"code": "ok", "message": "", "log_id": "x"},
            }
        ),
        encoding="utf-8",
    )
    study.import_(p, fmt="tiktok-research-json")
    rows = {
        r[0]: r[1:] for r in study.sql("SELECT platform_id, kind, parent_key, root_key FROM items")
    }
    assert rows["7001"] == ("comment", "tiktok:9000000000000000001", "tiktok:9000000000000000001")
    assert rows["7002"] == ("reply", "tiktok:7001", "tiktok:9000000000000000001")


def test_user_info_with_partner_gives_dated_audience(study: StudyFixture) -> None:
    toml = study.dir / "study.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[[partners]]\nid = "p1"\nname = "P"\n'
        '[[partners.accounts]]\nplatform = "tiktok"\nhandle = "harbournewcomers"\n',
        encoding="utf-8",
    )
    study.reload()
    s = study.import_(
        RESEARCH / "example_resp_q_user.json", fmt="tiktok-research-json", partner="p1"
    )
    assert (s.loaded, s.rejected) == (4, 0)
    got = study.sql(
        "SELECT account_key, date, value, definition FROM audience WHERE metric = 'followers'"
    )
    # the log_id 20220728032605... is the request time
    assert got == [("tiktok:harbournewcomers", dt.date(2022, 7, 28), 232.0, "tiktok-followers")]


def test_user_info_without_account_is_rejected_per_value(study: StudyFixture) -> None:
    s = study.import_(RESEARCH / "example_resp_q_user.json", fmt="tiktok-research-json")
    assert (s.loaded, s.rejected) == (0, 4)
    reasons = study.sql("SELECT DISTINCT reason, locator FROM rejects ORDER BY locator")
    assert reasons[0] == ("missing-account", "/data/follower_count")


def test_zeeschuimer_items_hashtags_and_mentions(study: StudyFixture) -> None:
    study.import_(ZEE, fmt="zeeschuimer-ndjson")
    rows = {
        r[0]: r[1:]
        for r in study.sql("SELECT platform_id, platform, hashtags, views, created_at FROM items")
    }
    assert rows["7301234567890123456"][:3] == ("tiktok", ["#newcomers", "#canada"], 20400)
    # createTime given as a string
    assert rows["7301234567890999999"][3] == dt.datetime(2023, 11, 14, 20, 50, tzinfo=dt.UTC)
    assert rows["3212345678901234567_5566778899"][0] == "instagram"
    mention = study.sql("SELECT target_key FROM interactions WHERE kind = 'mention'")
    assert len(mention) == 1


def test_zeeschuimer_bad_lines_are_rejected_with_their_line(
    study: StudyFixture, tmp_path: Path
) -> None:
    lines = ZEE.read_text(encoding="utf-8").splitlines()
    other = json.dumps(
        {
            "nav_index": "1",
            "item_id": "x",
            "timestamp_collected": 1,
            "source_platform": "9gag.com",
            "data": {"id": "a"},
        }
    )
    p = tmp_path / "capture.ndjson"
    p.write_text("\n".join([lines[0], "{not json", other, *lines[1:]]) + "\n", encoding="utf-8")
    s = study.import_(p, fmt="zeeschuimer-ndjson")
    assert (s.loaded, s.rejected) == (4, 2)
    assert study.sql("SELECT locator, reason FROM rejects ORDER BY locator") == [
        ("line 2", "bad-json"),
        ("line 3", "unsupported-platform"),
    ]


def test_zeeschuimer_truncated_last_line_is_refused(study: StudyFixture, tmp_path: Path) -> None:
    data = ZEE.read_bytes()
    p = tmp_path / "capture.ndjson"
    p.write_bytes(data[: len(data) - 40])
    with pytest.raises(FormatError, match="truncated"):
        study.import_(p, fmt="zeeschuimer-ndjson")
    assert study.sql("SELECT count(*) FROM items") == [(0,)]
