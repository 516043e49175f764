"""The generic mapped CSV/NDJSON importers and the framework's guarantees on bad input.

Expected values are counted by hand from the small files written in each test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from settlescope.errors import EncodingError, FormatError
from settlescope.importers.base import ImportOptions
from settlescope.study.model import ColumnMapping

from ..conftest import StudyFixture

NDJSON = """\
{"platform":"facebook","platform_id":"1","author":"alice","created_at":"2026-02-01T10:00:00-05:00","text":"Where do I get a SIN?","mentions":["bob"]}
{"platform":"facebook","platform_id":"2","author":"bob","created_at":"2026-02-01 10:30:00","parent_id":"1","text":"Service Canada"}
{"platform":"facebook","platform_id":"3", broken
{"platform":"facebook","platform_id":"4","author":"carol","created_at":"2026-02-02T09:00:00Z","parent_id":"2","reactions":3}
"""


def write(p: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def test_broken_line_is_rejected_and_the_rest_loaded(study: StudyFixture, tmp_path: Path) -> None:
    s = study.import_(write(tmp_path / "a.ndjson", NDJSON))
    assert (s.read, s.loaded, s.duplicates, s.rejected) == (4, 3, 0, 1)
    ((loc, reason, raw),) = study.sql("SELECT locator, reason, raw FROM rejects")
    assert (
        loc == "line 3"
        and reason == "bad-json"
        and raw.startswith('{"platform":"facebook","platform_id":"3"')
    )
    # two replies (2 → 1, 4 → 2) and one mention (1 → bob)
    kinds = dict(study.sql("SELECT kind, count(*) FROM interactions GROUP BY kind"))
    assert kinds == {"reply": 2, "mention": 1}
    # a zone-less time is read in the study's zone (America/Toronto, UTC-5 in February)
    when = study.sql("SELECT created_at FROM items WHERE platform_id = '2'")[0][0]
    assert when.astimezone(dt.UTC) == dt.datetime(2026, 2, 1, 15, 30, tzinfo=dt.UTC)
    roots = dict(study.sql("SELECT platform_id, root_key FROM items"))
    assert roots["1"] == "facebook:1"


@pytest.mark.parametrize(
    ("created_at", "utc"),
    [
        ('"2026-02-01T03:00:00Z"', dt.datetime(2026, 2, 1, 3, 0)),
        ('"2026-02-01T03:00:00-05:00"', dt.datetime(2026, 2, 1, 8, 0)),
        ('"2026-02-01T03:00:00+01:00"', dt.datetime(2026, 2, 1, 2, 0)),
        ('"2026-02-01 03:00:00"', dt.datetime(2026, 2, 1, 8, 0)),  # study zone, UTC-5
        ("1769914800", dt.datetime(2026, 2, 1, 3, 0)),  # epoch seconds
    ],
    ids=["zulu", "minus-5", "plus-1", "zone-less", "epoch"],
)
def test_times_keep_their_offset_in_a_clean_file(
    study: StudyFixture, tmp_path: Path, created_at: str, utc: dt.datetime
) -> None:
    # Clean files take the reader's fast path; every line here is valid.
    lines = "".join(
        f'{{"platform":"x","platform_id":"{i}","author":"a","created_at":{created_at}}}\n'
        for i in range(3)
    )
    s = study.import_(write(tmp_path / "t.ndjson", lines))
    assert (s.loaded, s.rejected) == (3, 0)
    got = {r[0].astimezone(dt.UTC) for r in study.sql("SELECT created_at FROM items")}
    assert got == {utc.replace(tzinfo=dt.UTC)}


def test_same_file_twice_changes_nothing(study: StudyFixture, tmp_path: Path) -> None:
    f = write(tmp_path / "a.ndjson", NDJSON)
    study.import_(f)
    before = study.counts()
    again = study.import_(f)
    assert again.skipped_same_file
    assert study.counts() == before
    forced = study.import_(f, force=True)
    assert (forced.loaded, forced.duplicates, forced.rejected) == (0, 3, 1)
    after = study.counts()
    assert {k: v for k, v in after.items() if k not in ("import_runs", "rejects")} == {
        k: v for k, v in before.items() if k not in ("import_runs", "rejects")
    }


def test_overlapping_exports_merge_on_the_platform_id(study: StudyFixture, tmp_path: Path) -> None:
    lines = NDJSON.splitlines()
    a = write(tmp_path / "a.ndjson", "\n".join([lines[0], lines[1]]) + "\n")
    b = write(tmp_path / "b.ndjson", "\n".join([lines[1], lines[3]]) + "\n")
    study.import_(a)
    s = study.import_(b)
    assert (s.loaded, s.duplicates) == (1, 1)
    assert study.sql("SELECT count(*) FROM items")[0][0] == 3


def test_truncated_file_is_refused_and_nothing_written(study: StudyFixture, tmp_path: Path) -> None:
    text = NDJSON.replace('{"platform":"facebook","platform_id":"3", broken\n', "")
    f = write(tmp_path / "t.ndjson", text[: len(text) - 20])
    before = study.counts()
    with pytest.raises(FormatError, match="truncated"):
        study.import_(f)
    assert study.counts() == before


def test_other_format_is_refused_before_anything_is_written(
    study: StudyFixture, tmp_path: Path
) -> None:
    f = write(tmp_path / "x.ndjson", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    before = study.counts()
    with pytest.raises(FormatError) as e:
        study.import_(f, fmt="generic-ndjson")
    assert str(f) in str(e.value) and "expected one JSON object per line" in str(e.value)
    with pytest.raises(FormatError):
        study.import_(f, fmt="4cat-csv")
    assert study.counts() == before


CP1252 = "id,thread_id,author,body,timestamp\r\n1,1,Zoë,Café à Montréal – “bienvenue”,2026-03-01 12:00:00\r\n".encode(
    "cp1252"
)


def test_windows_1252_csv_is_refused_naming_encoding(study: StudyFixture, tmp_path: Path) -> None:
    f = write(tmp_path / "excel.csv", CP1252)
    before = study.counts()
    with pytest.raises(EncodingError) as e:
        study.import_(f)
    assert "--encoding cp1252" in str(e.value)
    assert study.counts() == before


def test_windows_1252_csv_decodes_with_encoding(study: StudyFixture, tmp_path: Path) -> None:
    f = write(tmp_path / "excel.csv", CP1252)
    s = study.import_(f, options=ImportOptions(encoding="cp1252"))
    assert s.loaded == 1
    assert study.sql("SELECT text FROM items")[0][0] == "Café à Montréal – “bienvenue”"


FOURCAT = """\
id,thread_id,author,body,timestamp
10,10,dave,"hello, world",2026-03-01 12:00:00
11,10,erin,"multi
line",2026-03-01 12:05:00
12,10,short
13,10,frank,hi,not a time
14,10,gina,ok,1772384400
"""


def test_4cat_preset_rows_and_rejects(study: StudyFixture, tmp_path: Path) -> None:
    s = study.import_(
        write(tmp_path / "4cat.csv", FOURCAT), options=ImportOptions(platform="reddit")
    )
    # records (header = row 1): 10, 11 (two physical lines), 12 (3 columns), 13 (bad time),
    # 14 → 5 read, 3 loaded, 2 rejected.
    assert (s.format_id, s.read, s.loaded, s.rejected) == ("4cat-csv", 5, 3, 2)
    assert sorted(study.sql("SELECT locator, reason FROM rejects")) == [
        ("row 4", "bad-row"),
        ("row 5", "bad-timestamp"),
    ]
    texts = dict(study.sql("SELECT platform_id, text FROM items"))
    assert texts["11"] == "multi\nline"
    # epoch seconds are read as UTC: 1772384400 = 2026-03-01 17:00:00 UTC
    when = study.sql("SELECT created_at FROM items WHERE platform_id = '14'")[0][0]
    assert when.astimezone(dt.UTC) == dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)
    assert study.sql("SELECT DISTINCT platform FROM items") == [("reddit",)]


def test_netlytic_preset_makes_edges(study: StudyFixture, tmp_path: Path) -> None:
    text = "author,to,description,pubdate\nann,bo,hi,15-07-07\nbo,ann,hey,15-07-08\nann,bo,again,15-07-09\n"
    s = study.import_(write(tmp_path / "net.csv", text))
    assert (s.format_id, s.loaded) == ("netlytic-csv", 3)
    rows = study.sql("SELECT kind, created_at FROM interactions ORDER BY created_at")
    assert [r[0] for r in rows] == ["reply"] * 3
    assert rows[0][1].astimezone(dt.UTC).date() == dt.date(2015, 7, 7)


def test_missing_mapped_column_names_it(study: StudyFixture, tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", "post,msg,when\n1,hi,2026-01-01\n")
    m = ColumnMapping(
        format="csv",
        table="items",
        platform="facebook",
        columns={"platform_id": "post", "text": "message", "created_at": "when"},
    )
    with pytest.raises(FormatError) as e:
        study.import_(f, fmt="generic-csv", options=ImportOptions(mapping=m))
    assert e.value.field == "message" and "--map" in (e.value.hint or "")


def test_mapping_from_the_study_file(study: StudyFixture, tmp_path: Path) -> None:
    toml = (study.dir / "study.toml").read_text()
    toml += '\n[mappings.fbexport]\nformat = "csv"\nplatform = "facebook"\ncolumns = { platform_id = "post", text = "msg", created_at = "when", author = "who" }\n'
    (study.dir / "study.toml").write_text(toml)
    study.reload()
    f = write(
        tmp_path / "m.csv",
        "post,msg,when,who\n1,hi,2026-01-01T00:00:00Z,zed\n2,yo,2026-01-02T00:00:00Z,zed\n",
    )
    s = study.import_(
        f, fmt="generic-csv", options=ImportOptions(mapping=study.opened.study.mappings["fbexport"])
    )
    assert s.loaded == 2
    assert study.sql("SELECT count(DISTINCT author_key) FROM items")[0][0] == 1


def test_every_record_is_accounted_for_on_many_lines(study: StudyFixture, tmp_path: Path) -> None:
    # 5000 lines, every 7th broken and every 11th a duplicate id of the line before.
    lines = []
    broken = dup = 0
    for i in range(5000):
        if i % 7 == 3:
            lines.append('{"platform_id": oops}')
            broken += 1
        elif i % 11 == 5 and i > 0:
            lines.append(
                f'{{"platform":"x","platform_id":"{i - 1}","created_at":"2026-01-01T00:00:00Z"}}'
            )
            dup += 1
        else:
            lines.append(
                f'{{"platform":"x","platform_id":"{i}","created_at":"2026-01-01T00:00:00Z"}}'
            )
    f = write(tmp_path / "many.ndjson", "\n".join(lines) + "\n")
    s = study.import_(f)
    assert s.read == 5000 and s.rejected == broken
    # a duplicate line only merges when the line before it was loaded (not broken)
    assert s.loaded + s.duplicates == 5000 - broken
    assert study.sql("SELECT count(*) FROM rejects")[0][0] == broken
    assert study.sql("SELECT count(*) FROM items")[0][0] == s.loaded
