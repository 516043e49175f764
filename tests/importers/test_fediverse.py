"""Mastodon and Bluesky importers: cassettes, accounts, refusals, edges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from settlescope.errors import FormatError
from settlescope.importers.base import Sniff
from settlescope.importers.fediverse import _detect_bluesky, _detect_mastodon, full_acct, html_text

from ..conftest import CASES, SHARED, StudyFixture

BSKY = SHARED / "samples" / "bluesky" / "atproto"
MASTO = SHARED / "samples" / "mastodon" / "rtoot"


def test_html_content_becomes_text() -> None:
    html = '<p>Hi <span class="h-card"><a href="x">@<span>ana</span></a></span> &amp; all</p><p>a<br>b</p>'
    assert html_text(html) == "Hi @ana & all\n\na\nb"


def test_local_acct_gets_the_instance_domain() -> None:
    assert full_acct({"acct": "schochastics", "url": "https://fosstodon.org/@schochastics"}) == (
        "schochastics@fosstodon.org"
    )
    assert full_acct(
        {"acct": "maelle@mastodon.social", "url": "https://mastodon.social/@maelle"}
    ) == ("maelle@mastodon.social")


def test_poll_cassette_is_refused(study: StudyFixture) -> None:
    with pytest.raises(FormatError, match="no Mastodon statuses"):
        study.import_(MASTO / "get_poll_default.yml", fmt="mastodon-json")


def test_replies_within_the_account_timeline(study: StudyFixture) -> None:
    study.import_(CASES / "mastodon-json" / "get_account_statuses_default.yml")
    got = study.sql(
        "SELECT platform_id, parent_key FROM items WHERE parent_key IN (SELECT item_key FROM items) ORDER BY 1"
    )
    assert got == [
        ("113389856777610803", "mastodon:113386903441645744"),
        ("113463462485378169", "mastodon:113463305065485853"),
    ]


def test_reblog_in_a_json_array_is_shared(study: StudyFixture, tmp_path: Path) -> None:
    orig = {
        "id": "1",
        "created_at": "2025-01-01T10:00:00.000Z",
        "content": "<p>Job fair Friday</p>",
        "account": {"id": "9", "acct": "spo", "url": "https://social.example/@spo"},
        "mentions": [],
        "tags": [{"name": "jobs"}],
        "favourites_count": 3,
        "replies_count": 0,
        "reblogs_count": 1,
    }
    boost = {
        "id": "2",
        "created_at": "2025-01-01T11:00:00.000Z",
        "content": "",
        "reblog": orig,
        "account": {"id": "8", "acct": "ana@other.example", "url": "https://other.example/@ana"},
        "mentions": [],
        "tags": [],
        "favourites_count": 0,
        "replies_count": 0,
        "reblogs_count": 0,
    }
    f = tmp_path / "statuses.json"
    f.write_text(json.dumps([orig, boost]))
    s = study.import_(f)
    assert s.format_id == "mastodon-json" and s.loaded == 2
    assert study.sql("SELECT text, hashtags FROM items WHERE platform_id = '2'") == [
        ("Job fair Friday", ["jobs"])
    ]
    assert study.sql("SELECT count(*) FROM interactions WHERE kind = 'share'")[0][0] == 1


@pytest.mark.parametrize(
    ("name", "words"),
    [("did_doc.json", "DID document"), ("feed_record.json", "app.bsky.feed.generator")],
    ids=["did-doc", "feed-generator"],
)
def test_bluesky_documents_without_posts_are_refused(
    study: StudyFixture, name: str, words: str
) -> None:
    with pytest.raises(FormatError, match=words):
        study.import_(BSKY / name, fmt="bluesky-json")


def test_like_is_a_reaction_to_the_post_author(study: StudyFixture) -> None:
    study.import_(CASES / "bluesky-json" / "like_record.json")
    got = study.sql("SELECT kind, item_key FROM interactions")
    assert got == [
        (
            "reaction",
            "bluesky:at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3k5u7c7eis72y",
        )
    ]


def test_feed_with_reply_and_repost(study: StudyFixture, tmp_path: Path) -> None:
    a = {"did": "did:plc:aaa", "handle": "a.bsky.social"}
    b = {"did": "did:plc:bbb", "handle": "b.bsky.social"}
    root = {
        "uri": "at://did:plc:aaa/app.bsky.feed.post/1",
        "author": a,
        "likeCount": 2,
        "record": {"text": "Where is the food bank?", "createdAt": "2024-06-01T12:00:00Z"},
    }
    reply = {
        "uri": "at://did:plc:bbb/app.bsky.feed.post/2",
        "author": b,
        "record": {
            "text": "Main St, open Mondays",
            "createdAt": "2024-06-01T12:30:00.000Z",
            "reply": {"root": {"uri": root["uri"]}, "parent": {"uri": root["uri"]}},
        },
    }
    feed = {
        "feed": [
            {"post": root},
            {"post": reply},
            {
                "post": root,
                "reason": {
                    "$type": "app.bsky.feed.defs#reasonRepost",
                    "by": b,
                    "indexedAt": "2024-06-02T08:00:00Z",
                },
            },
        ]
    }
    f = tmp_path / "feed.json"
    f.write_text(json.dumps(feed))
    s = study.import_(f)
    assert (s.format_id, s.loaded) == ("bluesky-json", 3)
    kinds = study.sql("SELECT kind, count(*) FROM interactions GROUP BY 1 ORDER BY 1")
    assert kinds == [("reply", 1), ("share", 1)]
    assert study.sql(f"SELECT root_key FROM items WHERE platform_id = '{reply['uri']}'")[0][0] == (
        f"bluesky:{root['uri']}"
    )


@pytest.mark.parametrize(
    ("path", "masto", "bsky"),
    [
        (MASTO / "get_status_default.yml", 0.9, 0.0),
        (CASES / "bluesky-json" / "get_follows.json", 0.0, 0.9),
        (CASES / "reddit-api-json" / "TestComment.test_attributes.json", 0.0, 0.0),
    ],
    ids=["mastodon", "bluesky", "reddit"],
)
def test_detection_is_specific(path: Path, masto: float, bsky: float) -> None:
    s = Sniff.of(path)
    assert (_detect_mastodon(s), _detect_bluesky(s)) == (masto, bsky)
