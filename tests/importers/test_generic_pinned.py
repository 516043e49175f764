"""The exact result of a generic NDJSON import, pinned on a file with planted bad lines.

Every expected value is worked out by hand from the planted file below and the study's key
(pseudonyms are recomputed here with HMAC-SHA256, as the privacy design states them), so the
test holds whichever reading path the importer takes.
"""

from __future__ import annotations

import datetime as dt
import hmac
from pathlib import Path

import pytest

from settlescope.importers import generic
from settlescope.study.setup import create_study, open_study

from ..conftest import StudyFixture

PARTNER = """
[[partners]]
id = "p01"
name = "Maple Newcomer Centre"

[[partners.accounts]]
platform = "facebook"
handle = "maplenewcomers"
kind = "page"
name = "Maple Newcomer Centre"
"""

# Line numbers matter: rejects name them. Line 4 is blank, line 12 holds only spaces.
LINES = [
    '{"platform":"facebook","platform_id":"p1","container":"g1","author":"Alice","author_name":"Alice A","created_at":"2026-02-01T10:00:00-05:00","kind":"post","text":"Where do I get a SIN?","mentions":["Bob"],"urls":["https://canada.ca"],"hashtags":["#sin"],"reactions":3}',
    '{"platform":"facebook","platform_id":"p2","container":"g1","author":"bob","created_at":"2026-02-01 10:30:00","parent_id":"p1","text":"Service Canada\\nat 10 \\"Main\\" St"}',
    '{"platform":"facebook","platform_id":"p3", broken',
    "",
    '{"platform":"facebook","author":"erin","created_at":"2026-02-01T11:00:00Z","text":"no id"}',
    '{"platform":"facebook","platform_id":"p5","author":"erin","created_at":"yesterday","text":"bad time"}',
    '{"platform":"facebook","platform_id":"p6","container":"g1","author":"carol","created_at":"2026-02-02T09:00:00Z","parent_id":"p2","thread_id":"p1","reactions":"7","views":12.0}',
    '{"platform":"facebook","platform_id":"p2","author":"bob","created_at":"2026-02-01T15:30:00Z","text":"a later copy"}',
    '["not", "an", "object"]',
    '{"platform":"facebook","platform_id":"p7","author":"Dave","created_at":1769958000,"shared_from":"alice","text":"fwd"}',
    '{"platform":"facebook","platform_id":"p8","container":"maplenewcomers","container_kind":"page","author":"MapleNewcomers","author_kind":"page","author_name":"Maple","created_at":"2026-03-01T12:00:00+01:00","text":"Welcome"}',
    "   ",
    '{"platform":"facebook","platform_id":9,"author":"carol","created_at":"2026-02-03T08:00:00","text":"id as a number"}',
]


def _pseud(key: bytes, platform: str, who: str) -> str:
    return "facebook:~" + hmac.digest(key, f"{platform}\x1f{who}".encode(), "sha256").hex()[:20]


def _utc(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=dt.UTC)


@pytest.fixture(params=["fast", "blocks"], ids=["duckdb-reader", "block-parser"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "blocks":
        monkeypatch.setattr(generic, "FAST_PATH", False)
    return str(request.param)


def test_planted_file_imports_exactly(study: StudyFixture, tmp_path: Path, reader: str) -> None:
    study.extend(PARTNER)
    f = tmp_path / "planted.ndjson"
    f.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    k = bytes.fromhex((tmp_path / "keys" / "study.key").read_text().strip())  # see conftest
    alice, bob, carol, dave = (_pseud(k, "facebook", w) for w in ("alice", "bob", "carol", "dave"))

    s = study.import_(f)
    # 12 non-blank lines: 6 items loaded (p1 p2 p6 p7 p8 9), 1 duplicate (line 8),
    # 4 rejected (lines 3, 5, 6, 9).
    assert (s.read, s.loaded, s.duplicates, s.rejected) == (11, 6, 1, 4)

    rejects = study.sql("SELECT locator, reason, message, raw FROM rejects ORDER BY locator")
    assert [(r[0], r[1]) for r in rejects] == [
        ("line 3", "bad-json"),
        ("line 5", "missing-id"),
        ("line 6", "bad-timestamp"),
        ("line 9", "not-an-object"),
    ]
    assert [r[3] for r in rejects] == [LINES[2], LINES[4], LINES[5], LINES[8]]
    assert rejects[0][2].startswith("not valid JSON")
    assert rejects[1][2] == "field 'platform_id' is missing or unreadable"
    assert rejects[2][2] == "field 'created_at' is missing or unreadable"
    assert rejects[3][2] == "each line must be a JSON object"

    items = {
        r[0]: r[1:]
        for r in study.sql(
            "SELECT item_key, platform_id, container_key, author_key, created_at, kind, "
            "parent_key, root_key, shared_from_key, text, mentions, urls, hashtags, "
            "reactions, views, partner_id, wave FROM items"
        )
    }
    assert set(items) == {f"facebook:{i}" for i in ("p1", "p2", "p6", "p7", "p8", "9")}
    p1, p2, p6, p7, p8, n9 = (items[f"facebook:{i}"] for i in ("p1", "p2", "p6", "p7", "p8", "9"))
    assert p1 == (
        "p1", "facebook:g1", alice, _utc(2026, 2, 1, 15), "post", None, "facebook:p1", None,
        "Where do I get a SIN?", [bob], ["https://canada.ca"], ["#sin"], 3, None, None, "baseline",
    )  # fmt: skip
    # the first line of an id wins over a later copy; a zone-less time is in the study's zone
    assert p2 == (
        "p2", "facebook:g1", bob, _utc(2026, 2, 1, 15, 30), "post", "facebook:p1", None, None,
        'Service Canada\nat 10 "Main" St', None, None, None, None, None, None, "baseline",
    )  # fmt: skip
    assert p6[2:8] == (carol, _utc(2026, 2, 2, 9), "post", "facebook:p2", "facebook:p1", None)
    assert (p6[12], p6[13]) == (7, 12)
    # epoch seconds; a shared-from account is the same person as the author 'Alice'
    assert p7[2:8] == (dave, _utc(2026, 2, 1, 15), "post", None, "facebook:p7", alice)
    # the partner's page, written in another case, keeps its handle and names its partner
    assert p8[1:4] == ("facebook:maplenewcomers", "facebook:maplenewcomers", _utc(2026, 3, 1, 11))
    assert p8[14] == "p01"
    assert n9[:4] == ("9", None, carol, _utc(2026, 2, 3, 13))

    edges = sorted(study.sql("SELECT kind, source_key, target_key, item_key FROM interactions"))
    assert edges == sorted(
        [
            ("mention", alice, bob, "facebook:p1"),
            ("reply", bob, alice, "facebook:p2"),
            ("reply", carol, bob, "facebook:p6"),
            ("share", dave, alice, "facebook:p7"),
        ]
    )
    keys = {
        r[0]: r[1:]
        for r in study.sql(
            "SELECT account_key, platform_id, handle, display_name, kind, org_id, pseudonymised "
            "FROM accounts"
        )
    }
    # erin wrote only rejected lines: no account
    assert set(keys) == {alice, bob, carol, dave, "facebook:g1", "facebook:maplenewcomers"}
    assert keys[alice] == (None, alice.split(":")[1], None, "person", None, True)
    assert keys["facebook:g1"] == ("g1", "g1", None, "group", None, False)
    assert keys["facebook:maplenewcomers"] == (
        None, "maplenewcomers", "Maple Newcomer Centre", "page", "p01", False,
    )  # fmt: skip

    # the same file again changes nothing; forced, everything is a duplicate or a reject
    before = study.counts()
    assert study.import_(f).skipped_same_file
    forced = study.import_(f, force=True)
    assert (forced.loaded, forced.duplicates, forced.rejected) == (0, 7, 4)
    after = study.counts()
    assert {k: v for k, v in after.items() if k != "import_runs"} == {
        k: v for k, v in before.items() if k != "import_runs"
    }


# Values DuckDB's JSON reader and orjson read differently; the DuckDB reader must hand them
# to the block parser's code, so both readers give the same rows and rejects.
TRICKY = [
    b'\xef\xbb\xbf{"platform":"x","platform_id":"1","created_at":"2026-01-01T00:00:00Z","text":"a BOM before me"}',
    b'{"platform":"x","platform_id":12.0,"created_at":"2026-01-01T00:00:00Z","text":12.0}',
    b'{"platform":"x","platform_id":1e20,"created_at":"2026-01-01T00:00:00Z","author":1.5e+3}',
    b'{"platform":"x","platform_id":123456789012345678901234,"created_at":"2026-01-01T00:00:00Z"}',
    b'{"platform":"x","platform_id":"12.0","created_at":"2026-01-01T00:00:00Z","text":"-1.0"}',
    b'{"platform":"x","platform_id":"5","created_at":"2026-01-01T00:00:00Z","text":{"b":1.5,"a":[1,"\\u00e9"]}}',
    b'{"platform":"x","platform_id":"6","created_at":"2026-01-01T00:00:00Z","mentions":[1,2.0,"bob",null]}',
    b'{"platform":"x","platform_id":"7","created_at":"2026-01-01T00:00:00Z","hashtags":"#a, #b;#c"}',
    b'{"platform":"x","platform_id":"8","created_at":"2026-01-01T00:00:00Z","extra":NaN}',
    b'{"platform":"x","platform_id":"9","created_at":"2026-01-01T00:00:00Z",}',
    b'{"platform":"x","platform_id":"10","created_at":"2026-01-01T00:00:00Z","views":nan}',
    b'{"platform":"x","platform_id":"11","created_at":"2026-01-01T00:00:00Z","text":"tab\\t\\u0000 and \\"quotes\\""}',
    b'{"platform":"x","platform_id":"12","created_at":"2026-01-01T00:00:00Z","views":"1,234"}\r',
    b"\t ",
    b'  {"platform":"x","platform_id":"13","created_at":"2026-01-01 00:00:00","reactions":true}',
    b'{"platform":"x","platform_id":"14","created_at":1767225600000,"urls":["https://a.ca"]}',
    b'{"platform":"x","platform_id":"15","created_at":"2026-01-01T00:00:00Z","text":"\\ud800"}',
    b'{"platform":"x","platform_id":"12","created_at":"2026-01-01T00:00:00Z","text":"a copy"}',
    b'{"platform":"X","platform_id":"16","created_at":"2026-01-01T00:00:00+05:30","kind":""}',
    b'"just a string"',
    b'{"platform":"x","platform_id":"17","created_at":"yesterday"}',
]


def _tables(study: StudyFixture) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for table, cols in (
        ("items", "* EXCLUDE (run_id)"),
        ("accounts", "* EXCLUDE (run_id)"),
        ("interactions", "* EXCLUDE (run_id)"),
        ("rejects", "locator, reason, message, raw"),
    ):
        out[table] = sorted(study.sql(f"SELECT {cols} FROM {table}"), key=repr)
    return out


def test_both_readers_agree_on_tricky_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "tricky.ndjson"
    f.write_bytes(b"\n".join(TRICKY) + b"\n")
    key = tmp_path / "keys" / "study.key"
    monkeypatch.setenv("SETTLESCOPE_KEY_FILE", str(key))
    results = []
    for fast in (True, False):
        monkeypatch.setattr(generic, "FAST_PATH", fast)
        d = tmp_path / f"study-{fast}"
        create_study(d, name="t", key_file=key)
        study = StudyFixture(d, open_study(d))
        s = study.import_(f)
        results.append(((s.read, s.loaded, s.duplicates, s.rejected), _tables(study)))
    assert results[0] == results[1]
    # 21 lines, one blank: 20 records. Rejected: the two NaN lines, the trailing comma, the
    # lone surrogate, the string and the bad time. Id 12 comes three times (12.0, "12", "12").
    assert results[0][0] == (20, 12, 2, 6)
    # An integer beyond 64 bits is read as a float, as orjson reads it.
    items = {r[2]: r for r in results[0][1]["items"]}  # by platform_id
    assert set(items) == {
        "1", "12", "100000000000000000000", str(int(float(123456789012345678901234))), "12.0", "5",
        "6", "7", "11", "13", "14", "16",
    }  # fmt: skip
    assert items["12"][10] == "12"  # the number 12.0 as text, as orjson reads it
    assert items["12.0"][10] == "-1.0"  # a string stays as written
    assert items["5"][10] == '{"b":1.5,"a":[1,"é"]}'
    assert items["7"][13] == ["#a", "#b", "#c"]  # a list given as text is split
    assert items["11"][10] == 'tab\t\x00 and "quotes"'
    assert items["16"][1] == "x" and items["16"][6] == "post"
    assert items["16"][5] == dt.datetime(2025, 12, 31, 18, 30, tzinfo=dt.UTC)
    assert items["14"][5] == dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
