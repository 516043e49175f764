"""X/Twitter importers: refusals, rejects, references between tweets and accounts."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from settlescope.errors import FormatError
from settlescope.importers.base import Sniff
from settlescope.importers.twitter import _detect_v2, time_of, v1_row

from ..conftest import CASES, SHARED, StudyFixture

V2 = SHARED / "samples" / "twitter_v2" / "twarc-csv"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("counts.jsonl", "tweet counts"),
        ("lists.jsonl", "list lookup"),
        ("tweets_compliance.jsonl", "compliance"),
    ],
    ids=["counts", "lists", "compliance"],
)
def test_files_without_tweets_are_refused(study: StudyFixture, name: str, words: str) -> None:
    with pytest.raises(FormatError) as e:
        study.import_(V2 / name, fmt="twitter-v2-jsonl")
    assert words in e.value.message
    assert e.value.hint
    assert study.sql("SELECT count(*) FROM items")[0][0] == 0


def test_cut_off_stream_line_is_a_counted_reject(study: StudyFixture) -> None:
    s = study.import_(CASES / "twitter-v2-jsonl" / "streaming_output_with_error.jsonl")
    assert (s.read, s.loaded, s.rejected) == (8, 7, 1)
    assert study.sql("SELECT locator, reason FROM rejects") == [("line 8", "bad-json")]


def test_reply_quote_and_conversation(study: StudyFixture) -> None:
    study.import_(CASES / "twitter-v2-jsonl" / "quoted_edit.jsonl")
    row = study.sql("SELECT kind, parent_key, root_key, shared_from_key IS NOT NULL FROM items")[0]
    # replied_to and conversation_id of the tweet; quoted tweet's author (in includes) shared from
    assert row == ("reply", "x:1576994789110992896", "x:1576994789110992896", True)


def test_mentions_by_username_become_user_ids(study: StudyFixture, tmp_path: Path) -> None:
    # line 2 of the stream mentions @PoliceMutual by username only; includes.users gives its id
    line = (V2 / "streaming_output_with_error.jsonl").read_text().splitlines()[1]
    f = tmp_path / "one.jsonl"
    f.write_text(line + "\n")
    study.import_(f, fmt="twitter-v2-jsonl")
    with_id = tmp_path / "two.jsonl"
    obj = json.loads(line)
    obj["data"]["entities"]["mentions"][0]["id"] = "601852746"
    obj["data"]["id"] = "1"
    with_id.write_text(json.dumps(obj) + "\n")
    study.import_(with_id, fmt="twitter-v2-jsonl")
    keys = study.sql("SELECT DISTINCT target_key FROM interactions WHERE kind = 'mention'")
    assert len(keys) == 1


def test_error_line_is_rejected_as_api_error(study: StudyFixture, tmp_path: Path) -> None:
    f = tmp_path / "errs.jsonl"
    good = (V2 / "two_tweets.jsonl").read_text()
    err = {
        "errors": [
            {"title": "operational-disconnect", "detail": "This stream has been disconnected"}
        ]
    }
    f.write_text(good + json.dumps(err) + "\n")
    s = study.import_(f, fmt="twitter-v2-jsonl")
    assert (s.loaded, s.rejected) == (1, 1)
    assert study.sql("SELECT locator, reason FROM rejects") == [("line 2", "api-error")]


def test_csv_bad_time_is_rejected_with_its_row(study: StudyFixture, tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    shutil.copy(CASES / "twitter-csv" / "twarc_csv_synthetic.csv", f)
    header = f.read_text().splitlines()[0].split(",")
    row = dict.fromkeys(header, "")
    row.update(id="9", conversation_id="9", author_id="505", created_at="not a date", text="x")
    with f.open("a", encoding="utf-8") as fh:
        fh.write(",".join(row[h] for h in header) + "\n")
    s = study.import_(f, fmt="twitter-csv")
    assert (s.loaded, s.rejected) == (5, 1)
    assert study.sql("SELECT locator, reason FROM rejects") == [("row 7", "bad-timestamp")]


def test_csv_retweet_is_shared_from_the_original_author(study: StudyFixture) -> None:
    study.import_(CASES / "twitter-csv" / "twarc_csv_synthetic.csv")
    shares = study.sql(
        "SELECT i.platform_id FROM interactions e JOIN items i ON e.item_key = i.item_key "
        "WHERE e.kind = 'share' ORDER BY 1"
    )
    assert shares == [("1786000000000001003",), ("1786000000000001004",)]
    text = study.sql("SELECT text FROM items WHERE platform_id = '1786000000000001002'")[0][0]
    assert "\nNo appointment" in text


def test_v1_times_and_extended_text() -> None:
    t = time_of("Wed Oct 10 20:19:24 +0000 2018", ZoneInfo("UTC"))
    assert t == dt.datetime(2018, 10, 10, 20, 19, 24, tzinfo=dt.UTC)
    status = {
        "id_str": "5",
        "created_at": "Thu Jun 08 15:23:27 -0400 2017",
        "truncated": True,
        "text": "short…",
        "extended_tweet": {"full_text": "the whole text"},
        "user": {"id_str": "7", "screen_name": "a"},
        "in_reply_to_status_id_str": "4",
    }
    row = v1_row(status, "line 1", "", ZoneInfo("UTC"))
    assert row["text"] == "the whole text"
    assert row["parent_id"] == "4" and row["kind"] == "reply"
    assert row["created_at"] == dt.datetime(2017, 6, 8, 19, 23, 27, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "path",
    [
        CASES / "reddit-ndjson" / "pushshift_synthetic.ndjson",
        CASES / "twitter-v1-json" / "public_api_sample.json",
        CASES / "gnip-activity-json" / "activity_streams_examples.json",
    ],
    ids=["reddit-ndjson", "v1-lines", "gnip"],
)
def test_v2_detection_does_not_claim_other_json_lines(path: Path) -> None:
    assert _detect_v2(Sniff.of(path)) == 0.0
