"""4CAT dataset exports (CSV and NDJSON): detection, mapping, times in UTC, rejects."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from settlescope.errors import FormatError
from settlescope.importers.base import ImportOptions, detect_format

from ..conftest import CASES, StudyFixture

UTC = dt.UTC
CSV_CASE = CASES / "4cat-export-csv" / "telegram-chat-export.csv"
NDJSON_CASE = CASES / "4cat-export-ndjson" / "x-dataset-export.ndjson"
HEADER = "id,thread_id,timestamp,unix_timestamp,author,author_fullname,body"


def _write(tmp_path: Path, text: str, name: str) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    return p


def test_minimal_upload_csv_is_not_taken_for_an_export(tmp_path: Path) -> None:
    minimal = _write(
        tmp_path, "id,thread_id,author,body,timestamp\n1,1,a,hi,2024-01-01 10:00:00\n", "m.csv"
    )
    assert detect_format(minimal).id == "4cat-csv"
    assert detect_format(CSV_CASE).id == "4cat-export-csv"


def test_telegram_columns_map_to_replies_forwards_and_counts(study: StudyFixture) -> None:
    study.import_(CSV_CASE, fmt="4cat-export-csv")
    assert study.sql("SELECT DISTINCT platform FROM items") == [("telegram",)]
    row = study.sql(
        "SELECT parent_key, root_key, kind FROM items WHERE platform_id = 'newcomers_ca-1004'"
    )[0]
    assert row == ("telegram:newcomers_ca-1002", "telegram:newcomers_ca-1001", "reply")
    # message 1003 was forwarded from IRCC News (@ircc_news): one share edge
    assert study.sql("SELECT count(*) FROM interactions WHERE kind = 'share'") == [(1,)]
    views, urls = study.sql(
        "SELECT views, urls FROM items WHERE platform_id = 'newcomers_ca-1001'"
    )[0]
    assert (views, urls) == (1520, ["https://example.org/clinic"])
    text = study.sql("SELECT text FROM items WHERE platform_id = 'newcomers_ca-1003'")[0][0]
    assert text.startswith("Reminder from IRCC:\nbiometrics")


def test_platform_option_overrides_the_guess(study: StudyFixture) -> None:
    study.import_(CSV_CASE, fmt="4cat-export-csv", options=ImportOptions(platform="other"))
    assert study.sql("SELECT DISTINCT platform FROM items") == [("other",)]


def test_zone_less_timestamp_is_utc_not_the_study_zone(study: StudyFixture, tmp_path: Path) -> None:
    p = _write(tmp_path, f"{HEADER}\n7,7,2024-06-01 12:00:00,,ann,Ann A,hello\n", "t.csv")
    study.import_(p, fmt="4cat-export-csv", options=ImportOptions(time_zone="America/Vancouver"))
    assert study.sql("SELECT created_at FROM items") == [(dt.datetime(2024, 6, 1, 12, tzinfo=UTC),)]


def test_unix_timestamp_wins(study: StudyFixture, tmp_path: Path) -> None:
    p = _write(tmp_path, f"{HEADER}\n7,7,2030-01-01 00:00:00,1717243200,ann,Ann A,hello\n", "t.csv")
    study.import_(p, fmt="4cat-export-csv")
    assert study.sql("SELECT created_at FROM items") == [(dt.datetime(2024, 6, 1, 12, tzinfo=UTC),)]


def test_csv_bad_records_are_rejected_by_row(study: StudyFixture, tmp_path: Path) -> None:
    text = (
        f"{HEADER}\n"
        '1,1,2024-06-01 12:00:00,,ann,Ann A,"two\nlines"\n'  # row 2 spans two lines
        "2,1,someday,,bo,Bo B,no time\n"  # row 3
        "3,1,2024-06-01 12:05:00,,cy\n"  # row 4: too few columns
        ",1,2024-06-01 12:06:00,,dee,Dee D,no id\n"  # row 5
        "5,1,2024-06-01 12:07:00,,ed,Ed E,fine\n"
    )
    s = study.import_(_write(tmp_path, text, "bad.csv"), fmt="4cat-export-csv")
    assert (s.read, s.loaded, s.rejected) == (5, 2, 3)
    assert sorted(study.sql("SELECT locator, reason FROM rejects")) == [
        ("row 3", "bad-timestamp"),
        ("row 4", "bad-row"),
        ("row 5", "missing-id"),
    ]


def test_truncated_csv_is_refused(study: StudyFixture, tmp_path: Path) -> None:
    whole = CSV_CASE.read_text(encoding="utf-8")
    cut = whole.index("biometrics")  # inside a quoted, multi-line body
    p = _write(tmp_path, whole[:cut], "cut.csv")
    with pytest.raises(FormatError) as e:
        study.import_(p, fmt="4cat-export-csv")
    assert "truncated" in e.value.message
    assert study.counts()["items"] == 0


def test_ndjson_maps_x_fields(study: StudyFixture) -> None:
    assert detect_format(NDJSON_CASE).id == "4cat-export-ndjson"
    study.import_(NDJSON_CASE)
    assert study.sql("SELECT DISTINCT platform FROM items") == [("x",)]
    got = study.sql(
        "SELECT reactions, comments, shares, views, hashtags, language FROM items "
        "WHERE platform_id = '1765000000000000001'"
    )
    assert got == [(31, 2, 7, 4100, ["Hamilton"], "en")]
    # the retweet names its origin; the reply and the retweet mention @settle_on
    assert study.sql("SELECT count(*) FROM interactions WHERE kind = 'share'") == [(1,)]
    assert study.sql("SELECT count(*) FROM interactions WHERE kind = 'mention'") == [(2,)]


def test_ndjson_bad_lines_are_rejected_by_line(study: StudyFixture, tmp_path: Path) -> None:
    good = {"id": "1", "thread_id": "1", "unix_timestamp": 1717243200, "author": "a", "body": "x"}
    lines = [
        json.dumps(good),
        '{"id": "2", "body": "cut',
        "[1, 2]",
        "",
        json.dumps({**good, "id": "3", "unix_timestamp": "soon"}),
    ]
    p = _write(tmp_path, "\n".join(lines) + "\n", "d.ndjson")
    s = study.import_(p, fmt="4cat-export-ndjson")
    assert (s.read, s.loaded, s.rejected) == (4, 1, 3)
    assert sorted(study.sql("SELECT locator, reason FROM rejects")) == [
        ("line 2", "bad-json"),
        ("line 3", "not-an-object"),
        ("line 5", "bad-timestamp"),
    ]


def test_ndjson_cut_last_line_is_refused(study: StudyFixture, tmp_path: Path) -> None:
    whole = NDJSON_CASE.read_text(encoding="utf-8").rstrip("\n")
    p = _write(tmp_path, whole[:-20], "cut.ndjson")
    with pytest.raises(FormatError):
        study.import_(p, fmt="4cat-export-ndjson")
    assert study.counts()["items"] == 0
