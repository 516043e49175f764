"""Quirks of the YouTube Data API importer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from settlescope.errors import FormatError
from settlescope.importers.base import ImportOptions

from ..conftest import CASES, StudyFixture

YT = CASES / "youtube-api-json"


def test_comment_threads_parent_and_root(study: StudyFixture) -> None:
    study.import_(YT / "comment_threads_response.json", fmt="youtube-api-json")
    reply = study.sql(
        "SELECT kind, parent_key, root_key, author_key FROM items "
        "WHERE platform_id = 'UghpFKUJfaHCZHgCoAEC.8JEh4_ERo0a8JFaFXGFIQc'"
    )
    # the reply answers the top-level comment; the thread's root is the video; the channel
    # that owns the video answers as itself (not pseudonymised)
    assert reply == [
        (
            "reply",
            "youtube:UghpFKUJfaHCZHgCoAEC",
            "youtube:ibpMob4wgHs",
            "youtube:UC5VgEt3Na1zZDJo-PBa86Rg",
        )
    ]
    top = study.sql(
        "SELECT kind, parent_key, root_key FROM items WHERE platform_id = 'UghpFKUJfaHCZHgCoAEC'"
    )
    assert top == [("comment", "youtube:ibpMob4wgHs", "youtube:ibpMob4wgHs")]
    # commenters are people: pseudonymised, so their channel ids are not stored
    assert not study.sql("SELECT * FROM accounts WHERE handle = 'UCOzeBPoPhME0WMsswHvvj_g'")
    edge = study.sql("SELECT source_key, target_key FROM interactions WHERE kind = 'reply'")
    assert len(edge) == 1 and edge[0][0] == "youtube:UC5VgEt3Na1zZDJo-PBa86Rg"
    assert edge[0][1] != "youtube:UCOzeBPoPhME0WMsswHvvj_g"


def test_channels_give_subscribers_with_definition(study: StudyFixture) -> None:
    opts = ImportOptions(extra={"as_of": "2021-11-01"})
    study.import_(YT / "channels_page_final.json", fmt="youtube-api-json", options=opts)
    got = study.sql(
        "SELECT account_key, date, metric, value, definition FROM audience "
        "WHERE metric = 'subscribers' ORDER BY account_key"
    )
    assert got[0] == (
        "youtube:UC3z8ZdT6f6lskINqJFI8gyQ",
        dt.date(2021, 11, 1),
        "subscribers",
        145.0,
        "youtube-subscribers",
    )
    names = dict(study.sql("SELECT account_key, display_name FROM accounts"))
    assert names["youtube:UC3z8ZdT6f6lskINqJFI8gyQ"] == "Build Peace"


def test_channel_date_from_file_name(study: StudyFixture, tmp_path: Path) -> None:
    p = tmp_path / "channels-20240115T101500Z.json"
    p.write_bytes((YT / "channels_page_final.json").read_bytes())
    study.import_(p, fmt="youtube-api-json")
    assert study.sql("SELECT DISTINCT date FROM audience") == [(dt.date(2024, 1, 15),)]


def _write(tmp_path: Path, doc: object) -> Path:
    p = tmp_path / "resp.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def test_videos_list_statistics_and_channel_results_rejected(
    study: StudyFixture, tmp_path: Path
) -> None:
    p = _write(
        tmp_path,
        {
            "kind": "youtube#searchListResponse",
            "items": [
                {
                    "kind": "youtube#searchResult",
                    "id": {"kind": "youtube#channel", "channelId": "UCx"},
                    "snippet": {
                        "publishedAt": "2020-01-01T00:00:00Z",
                        "channelId": "UCx",
                        "title": "A channel",
                    },
                },
            ],
        },
    )
    s = study.import_(p, fmt="youtube-api-json")
    assert (s.loaded, s.rejected) == (0, 1)
    assert study.sql("SELECT locator, reason FROM rejects") == [("/items/0", "not-a-video")]
    v = _write(
        tmp_path,
        {
            "kind": "youtube#videoListResponse",
            "items": [
                {
                    "kind": "youtube#video",
                    "id": "abc123",
                    "snippet": {
                        "publishedAt": "2023-05-01T12:00:00Z",
                        "channelId": "UCy",
                        "channelTitle": "Y",
                        "title": "Tips &amp; tricks",
                        "description": "See https://example.org #settlement",
                    },
                    "statistics": {"viewCount": "1234", "likeCount": "56", "commentCount": "7"},
                }
            ],
        },
    )
    study.import_(v, fmt="youtube-api-json")
    got = study.sql(
        "SELECT views, reactions, comments, text, urls, hashtags FROM items WHERE platform_id = 'abc123'"
    )
    assert got == [
        (
            1234,
            56,
            7,
            "Tips & tricks\n\nSee https://example.org #settlement",
            ["https://example.org"],
            ["#settlement"],
        )
    ]


def test_truncated_response_is_refused(study: StudyFixture, tmp_path: Path) -> None:
    data = (YT / "comment_threads_response.json").read_bytes()
    p = tmp_path / "cut.json"
    p.write_bytes(data[:12000])
    with pytest.raises(FormatError, match="not complete"):
        study.import_(p, fmt="youtube-api-json")
    assert study.sql("SELECT count(*) FROM items") == [(0,)]
