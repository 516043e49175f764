"""Telegram Desktop JSON: replies, topics, forwards, entities, times, account exports, refusals."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from settlescope.errors import FormatError, SettlescopeError
from settlescope.importers.base import ImportOptions, Sniff
from settlescope.importers.telegram import _detect

from ..conftest import CASES, StudyFixture

TG = CASES / "telegram-json"
UTC = dt.UTC


def _write(tmp_path: Path, obj: Any, name: str = "result.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")
    return p


def _msg(i: int, t: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": i,
        "type": "message",
        "date_unixtime": str(t),
        "from": f"U{i}",
        "from_id": "user1",
        "text": f"m{i}",
        **kw,
    }


def _one(study: StudyFixture, q: str) -> Any:
    return study.sql(q)[0][0]


def test_reply_becomes_parent_and_reply_edge(study: StudyFixture) -> None:
    study.import_(TG / "personal_chat.json", fmt="telegram-json")
    row = study.sql(
        "SELECT parent_key, root_key, kind FROM items WHERE platform_id = '123456789/4'"
    )[0]
    assert row == ("telegram:123456789/3", "telegram:123456789/3", "reply")
    # the reply edge goes from Bob (author of 4) to Alice (author of 3)
    edge = study.sql(
        "SELECT i.source_key = a.author_key, i.target_key = b.author_key FROM interactions i, items a, items b "
        "WHERE i.kind = 'reply' AND a.platform_id = '123456789/4' AND b.platform_id = '123456789/3'"
    )
    assert edge == [(True, True)]


def test_forum_topic_messages_are_threads_not_replies(study: StudyFixture) -> None:
    study.import_(TG / "supergroup_with_topics.json", fmt="telegram-json")
    rows = dict(
        (pid, (parent, root))
        for pid, parent, root in study.sql("SELECT platform_id, parent_key, root_key FROM items")
    )
    assert rows["987654321/5"] == (None, "telegram:987654321/4")
    assert rows["987654321/6"] == (None, "telegram:987654321/4")
    assert rows["987654321/3"] == (None, "telegram:987654321/2")
    assert rows["987654321/7"] == (None, "telegram:987654321/7")
    assert _one(study, "SELECT count(*) FROM interactions WHERE kind = 'reply'") == 0


def test_reply_inside_a_topic_keeps_the_topic_as_thread(
    study: StudyFixture, tmp_path: Path
) -> None:
    msgs = [
        {
            "id": 10,
            "type": "service",
            "date_unixtime": "1704888000",
            "actor": "A",
            "actor_id": "user1",
            "action": "topic_created",
            "title": "Jobs",
            "text": "",
        },
        _msg(11, 1704888060, reply_to_message_id=10),
        _msg(12, 1704888120, reply_to_message_id=11, from_id="user2"),
    ]
    p = _write(tmp_path, {"name": "G", "type": "public_supergroup", "id": 55, "messages": msgs})
    study.import_(p, fmt="telegram-json")
    row = study.sql("SELECT parent_key, root_key, kind FROM items WHERE platform_id = '55/12'")[0]
    assert row == ("telegram:55/11", "telegram:55/10", "reply")
    assert (
        _one(study, "SELECT text FROM items WHERE platform_id = '55/10'") == "topic_created: Jobs"
    )


def test_reply_to_another_chat_uses_the_peer(study: StudyFixture, tmp_path: Path) -> None:
    msgs = [_msg(1, 1704888000, reply_to_message_id=77, reply_to_peer_id="channel999")]
    p = _write(tmp_path, {"name": "G", "type": "private_supergroup", "id": 55, "messages": msgs})
    study.import_(p, fmt="telegram-json")
    assert _one(study, "SELECT parent_key FROM items") == "telegram:999/77"


def test_text_entities_flattened_with_links_mentions_forwards(study: StudyFixture) -> None:
    study.import_(TG / "chatstyle_result.json", fmt="telegram-json")
    text, urls = study.sql("SELECT text, urls FROM items WHERE platform_id = '222/3'")[0]
    assert text == "смотри https://example.com/a круто"
    assert urls == ["https://example.com/a"]
    assert (
        _one(study, "SELECT text FROM items WHERE platform_id = '222/4'")
        == "ну реально норм, @boris_k глянь"
    )
    assert _one(study, "SELECT len(mentions) FROM items WHERE platform_id = '222/4'") == 1
    assert _one(study, "SELECT count(*) FROM interactions WHERE kind = 'mention'") == 1
    # message 7 is forwarded from "Какой-то канал": a share edge from its author
    assert _one(study, "SELECT shared_from_key IS NOT NULL FROM items WHERE platform_id = '222/7'")
    assert _one(study, "SELECT count(*) FROM interactions WHERE kind = 'share'") == 1
    assert _one(study, "SELECT kind FROM items WHERE platform_id = '222/6'") == "service"


def test_text_link_href_and_plain_link(study: StudyFixture) -> None:
    study.import_(
        TG / "tg2md_result.json",
        fmt="telegram-json",
        options=ImportOptions(time_zone="America/Toronto"),
    )
    urls = _one(study, "SELECT urls FROM items WHERE platform_id = '1292077344/14'")
    assert urls == ["http://example.com/", "example.com"]


def test_channel_posts_keep_the_channel_public(study: StudyFixture) -> None:
    study.import_(
        TG / "tg2md_result.json",
        fmt="telegram-json",
        options=ImportOptions(time_zone="America/Toronto"),
    )
    acc = study.sql("SELECT account_key, kind, pseudonymised, display_name FROM accounts")
    assert acc == [("telegram:channel1292077344", "channel", False, "test")]
    assert _one(study, "SELECT count(DISTINCT kind) FROM items WHERE kind <> 'service'") == 1
    assert _one(study, "SELECT min(kind) FROM items WHERE kind <> 'service'") == "post"


def test_a_channel_listed_by_its_numeric_id_is_the_partners_account(
    study: StudyFixture,
) -> None:
    # Telegram's apps show the channel id 1292077344; the export calls it channel1292077344.
    toml = study.dir / "study.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[[partners]]\nid = "p1"\nname = "P"\n'
        '[[partners.accounts]]\nplatform = "telegram"\nhandle = "testchannel"\n'
        'id = "1292077344"\nkind = "channel"\n',
        encoding="utf-8",
    )
    study.reload()
    study.import_(
        TG / "tg2md_result.json",
        fmt="telegram-json",
        options=ImportOptions(time_zone="America/Toronto"),
    )
    acc = study.sql("SELECT account_key, org_id, pseudonymised FROM accounts")
    assert acc == [("telegram:testchannel", "p1", False)]
    got = study.sql("SELECT DISTINCT author_key, partner_id FROM items WHERE kind = 'post'")
    assert got == [("telegram:testchannel", "p1")]


def test_edited_message_keeps_its_original_time(study: StudyFixture) -> None:
    study.import_(
        TG / "tg2md_result.json",
        fmt="telegram-json",
        options=ImportOptions(time_zone="America/Toronto"),
    )
    got = _one(study, "SELECT created_at FROM items WHERE platform_id = '1292077344/5'")
    # "date": "2020-11-12T12:58:18" (EST, UTC-5); "edited": 13:03:00 is ignored
    assert got == dt.datetime(2020, 11, 12, 17, 58, 18, tzinfo=UTC)


def test_unixtime_wins_over_local_date(study: StudyFixture) -> None:
    study.import_(
        TG / "personal_chat.json",
        fmt="telegram-json",
        options=ImportOptions(time_zone="Asia/Tokyo"),
    )
    # date 10:30 local would be 01:30Z in Tokyo; date_unixtime 1705315800 is 10:50Z
    got = _one(study, "SELECT created_at FROM items WHERE platform_id = '123456789/1'")
    assert got == dt.datetime(2024, 1, 15, 10, 50, tzinfo=UTC)


def test_local_date_read_in_the_given_zone(study: StudyFixture) -> None:
    study.import_(
        TG / "DM_2A_7M.json", fmt="telegram-json", options=ImportOptions(time_zone="Europe/Paris")
    )
    got = _one(study, "SELECT created_at FROM items WHERE platform_id = '700000000/2675'")
    assert got == dt.datetime(2019, 7, 5, 14, 55, 32, tzinfo=UTC)  # CEST, UTC+2


def test_reactions_are_summed(study: StudyFixture, tmp_path: Path) -> None:
    rs = [{"type": "emoji", "count": 3, "emoji": "👍"}, {"type": "custom_emoji", "count": 4}]
    p = _write(
        tmp_path,
        {
            "name": "G",
            "type": "private_group",
            "id": 5,
            "messages": [_msg(1, 1704888000, reactions=rs)],
        },
    )
    study.import_(p, fmt="telegram-json")
    assert study.sql("SELECT reactions, container_key FROM items") == [(7, "telegram:chat5")]


def _account_export() -> dict[str, Any]:
    return {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "Me"},
        "contacts": {"about": "...", "list": [{"first_name": "X", "phone_number": "+1"}]},
        "chats": {
            "about": "This page lists all chats from this export.",
            "list": [
                {
                    "name": "Jobs GTA",
                    "type": "private_supergroup",
                    "id": 10,
                    "messages": [
                        {
                            "id": 1,
                            "type": "service",
                            "date_unixtime": "1700000000",
                            "actor": "Ann",
                            "actor_id": "user7",
                            "action": "join_group_by_link",
                            "inviter": "Group",
                            "text": "",
                        },
                        {
                            "id": 2,
                            "type": "service",
                            "date_unixtime": "1700000100",
                            "actor": "Ann",
                            "actor_id": "user7",
                            "action": "invite_members",
                            "members": ["Bo", "Cy"],
                            "text": "",
                        },
                        _msg(3, 1700000200, from_id="user7"),
                        _msg(4, 1700000300, from_id="user8", reply_to_message_id=3),
                    ],
                },
                {
                    "name": "Ann",
                    "type": "personal_chat",
                    "id": 7,
                    "messages": [
                        _msg(3, 1700000400, from_id="user7"),
                    ],
                },
            ],
        },
        "left_chats": {
            "about": "...",
            "list": [
                {
                    "name": "Old channel",
                    "type": "public_channel",
                    "id": 20,
                    "messages": [_msg(9, 1690000000, from_id="channel20")],
                },
            ],
        },
    }


def test_whole_account_export_streams_every_chat(study: StudyFixture, tmp_path: Path) -> None:
    p = _write(tmp_path, _account_export())
    assert _detect(Sniff.of(p)) > 0.5
    s = study.import_(p)
    assert s.format_id == "telegram-json"
    assert (s.read, s.loaded, s.rejected) == (6, 6, 0)
    ids = sorted(r[0] for r in study.sql("SELECT platform_id FROM items"))
    assert ids == ["10/1", "10/2", "10/3", "10/4", "20/9", "7/3"]
    assert _one(study, "SELECT count(*) FROM interactions WHERE kind = 'reply'") == 1
    # joins: Ann by link, Bo and Cy invited → 3 membership edges into the group
    assert _one(study, "SELECT count(*) FROM interactions WHERE kind = 'membership'") == 3
    assert (
        _one(study, "SELECT count(DISTINCT target_key) FROM interactions WHERE kind = 'membership'")
        == 1
    )
    assert _one(study, "SELECT kind FROM items WHERE platform_id = '20/9'") == "post"


def test_account_export_locators_name_the_chat(study: StudyFixture, tmp_path: Path) -> None:
    data = _account_export()
    data["left_chats"]["list"][0]["messages"].append("not a message")
    p = _write(tmp_path, data)
    s = study.import_(p, fmt="telegram-json")
    assert s.rejected == 1
    assert study.sql("SELECT locator, reason FROM rejects") == [
        ("/left_chats/list/0/messages/1", "not-an-object")
    ]


def test_bad_records_become_rejects_with_their_place(study: StudyFixture, tmp_path: Path) -> None:
    msgs = [
        _msg(1, 1700000000),
        {"id": 2, "type": "message", "date": "yesterday", "from_id": "user1", "text": "x"},
        42,
        {"id": 4, "type": "poll_result", "date_unixtime": "1700000000"},
        _msg(5, 1700000500),
    ]
    p = _write(tmp_path, {"name": "G", "type": "private_group", "id": 5, "messages": msgs})
    s = study.import_(p, fmt="telegram-json")
    assert (s.read, s.loaded, s.rejected) == (5, 2, 3)
    got = sorted(study.sql("SELECT locator, reason FROM rejects"))
    assert got == [
        ("/messages/1", "bad-timestamp"),
        ("/messages/2", "not-an-object"),
        ("/messages/3", "unknown-message-type"),
    ]


def test_truncated_file_is_refused_and_nothing_written(study: StudyFixture, tmp_path: Path) -> None:
    whole = (TG / "chatstyle_result.json").read_bytes()
    p = tmp_path / "cut.json"
    p.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(FormatError) as e:
        study.import_(p, fmt="telegram-json")
    assert "truncated or damaged; export it again" in e.value.message
    assert e.value.file == str(p)
    assert study.counts()["items"] == 0


def test_damage_inside_is_refused_with_the_place(study: StudyFixture, tmp_path: Path) -> None:
    msgs = [_msg(i, 1700000000 + i) for i in range(1, 8001)]
    text = json.dumps({"name": "G", "type": "private_group", "id": 5, "messages": msgs})
    cut = text.index('"id": 7000')
    p = tmp_path / "damaged.json"
    p.write_text(text[:cut] + "@@" + text[cut:], encoding="utf-8")
    with pytest.raises(FormatError) as e:
        study.import_(p, fmt="telegram-json")
    assert "export it again" in e.value.message
    # the place is approximate (ijson reads ahead in blocks) but names a message just before
    m = re.search(r"/messages/(\d+)", e.value.locator or "")
    assert m is not None and 6000 <= int(m.group(1)) <= 6998, e.value.locator
    counts = study.counts()
    assert counts["items"] == 0 and counts["import_runs"] == 0


def test_invalid_utf8_is_refused(study: StudyFixture, tmp_path: Path) -> None:
    raw = (TG / "personal_chat.json").read_bytes().replace(b"Hi there!", b"Hi \xff there")
    p = tmp_path / "bad.json"
    p.write_bytes(raw)
    with pytest.raises(SettlescopeError):
        study.import_(p, fmt="telegram-json")
    assert study.counts()["items"] == 0


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ('{"messages": [{"id": 1, "type": "message", "date_unixtime": "1"}]}', True),
        ('{"data": [{"id": 1}], "meta": {}}', False),
        ('[{"messages": []}]', False),
        ('{"about": "x", "personal_information": {}}', True),
    ],
    ids=["single-chat", "other-json", "json-array", "account"],
)
def test_detection(tmp_path: Path, text: str, want: bool) -> None:
    p = tmp_path / "f.json"
    p.write_text(text, encoding="utf-8")
    assert (_detect(Sniff.of(p)) > 0.5) is want
