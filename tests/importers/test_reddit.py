"""Reddit importers: cassettes, nested replies, fullnames, bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from settlescope.errors import FormatError
from settlescope.importers.base import Sniff
from settlescope.importers.reddit import _detect_api, _detect_ndjson

from ..conftest import CASES, StudyFixture

API = CASES / "reddit-api-json"
DUMP = CASES / "reddit-ndjson" / "pushshift_synthetic.ndjson"


def test_nested_reply_links_to_comment_and_thread(study: StudyFixture) -> None:
    study.import_(API / "TestSubmission.test_comments.json")
    rows = study.sql(
        "SELECT platform_id, kind, parent_key, root_key, container_key FROM items ORDER BY 1"
    )
    assert rows == [
        ("t1_cklfmye", "comment", "reddit:t3_2gmzqe", "reddit:t3_2gmzqe", "reddit:redditdev"),
        ("t1_cklhv0f", "comment", "reddit:t1_cklfmye", "reddit:t3_2gmzqe", "reddit:redditdev"),
        ("t3_2gmzqe", "post", None, "reddit:t3_2gmzqe", "reddit:redditdev"),
    ]


def test_same_comment_from_two_cassettes_merges(study: StudyFixture) -> None:
    study.import_(API / "TestSubmission.test_comments.json")
    s = study.import_(API / "TestComment.test_attributes.json")
    assert (s.read, s.loaded, s.duplicates) == (1, 0, 1)


def test_bad_lines_are_counted_rejects(study: StudyFixture, tmp_path: Path) -> None:
    f = tmp_path / "d.ndjson"
    lines = DUMP.read_text().splitlines()
    lines.append(
        '{"id":"x1","author":"a","created_utc":"yesterday","subreddit":"s","body":"b",'
        '"parent_id":"t3_1a9z9z","link_id":"t3_1a9z9z"}'
    )
    lines.append('{"id":"x2","author":"a","created_utc":17')
    lines.append('{"id":"x3","author":"a","created_utc":1709403600,"subreddit":"s"}')
    f.write_text("\n".join(lines) + "\n")
    s = study.import_(f, fmt="reddit-ndjson")
    assert (s.loaded, s.rejected) == (7, 3)
    got = study.sql("SELECT locator, reason FROM rejects ORDER BY locator")
    assert got == [("line 10", "not-a-post"), ("line 8", "bad-timestamp"), ("line 9", "bad-json")]


def test_bare_parent_id_is_a_comment_fullname(study: StudyFixture) -> None:
    study.import_(DUMP)
    parent = study.sql("SELECT parent_key FROM items WHERE platform_id = 't1_kq1a004'")[0][0]
    assert parent == "reddit:t1_kq1a002"


def test_cassette_without_things_is_refused(study: StudyFixture, tmp_path: Path) -> None:
    f = tmp_path / "token.json"
    body = {"access_token": "<ACCESS_TOKEN>", "token_type": "bearer"}
    f.write_text(
        json.dumps(
            {
                "interactions": [
                    {
                        "request": {"uri": "https://www.reddit.com/api/v1/access_token"},
                        "response": {"body": {"string": json.dumps(body)}},
                    }
                ]
            }
        )
    )
    with pytest.raises(FormatError, match="no Reddit submissions or comments"):
        study.import_(f, fmt="reddit-api-json")


@pytest.mark.parametrize(
    ("path", "api", "dump"),
    [
        (API / "TestSubreddit.test_search.json", 0.9, 0.0),
        (DUMP, 0.0, 0.9),
        (CASES / "twitter-v2-jsonl" / "two_tweets.jsonl", 0.0, 0.0),
    ],
    ids=["api", "dump", "twitter"],
)
def test_detection_is_specific(path: Path, api: float, dump: float) -> None:
    s = Sniff.of(path)
    assert (_detect_api(s), _detect_ndjson(s)) == (api, dump)
