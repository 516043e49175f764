"""Client records: aggregate and client-level tables, the small-cell rule, bad input.

Expected counts are worked out by hand from the small tables written here: the IRCC rule
suppresses 0-5 and rounds the rest to the nearest 5 (halves up).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from settlescope.cli.main import app
from settlescope.errors import FormatError
from tests.conftest import StudyFixture

PARTNERS = """
[[partners]]
id = "p1"
name = "Harbour Newcomers"

[[partners]]
id = "p2"
name = "Prairie Welcome"
"""

AGG = (
    "period_start,period_end,dimension,category,count\n"
    "2026-01-01,2026-06-30,age_band,25-44,12\n"  # -> 10
    "2026-01-01,2026-06-30,Age group,45 to 64,13\n"  # -> 15 (header spelling, band spelling)
    "2026-01-01,2026-06-30,gender,Femme,3\n"  # -> suppressed
    "2026-01-01,2026-06-30,gender,M,0\n"  # -> suppressed
    "2026-01-01,2026-06-30,Language,Punjabi,6\n"  # -> 5, category pa
    "2026-01-01,2026-06-30,service_type,Information and Orientation,1234\n"  # -> 1235 (IO)
    "2026-01-01,2026-06-30,region,Brandon,<5\n"  # suppressed at source
)


def _with_partners(study: StudyFixture, extra: str = "") -> StudyFixture:
    toml = study.dir / "study.toml"
    text = toml.read_text(encoding="utf-8")
    if extra:
        text = text.replace("store_client_rows = false\n", "", 1)
        text = text.replace("[privacy]\n", "[privacy]\n" + extra, 1)
    toml.write_text(text + PARTNERS, encoding="utf-8")
    study.reload()
    return study


@pytest.fixture
def partners(study: StudyFixture) -> StudyFixture:
    return _with_partners(study)


def _records(study: StudyFixture) -> dict[tuple[str, str], tuple[int | None, bool]]:
    rows = study.sql("SELECT dimension, category, count, suppressed FROM client_records")
    return {(d, c): (n, s) for d, c, n, s in rows}


def test_aggregate_table_with_the_ircc_rule(partners: StudyFixture, tmp_path: Path) -> None:
    f = tmp_path / "clients.csv"
    f.write_text(AGG, encoding="utf-8")
    s = partners.import_(f, fmt="clients-csv", partner="p1")
    assert (s.read, s.loaded, s.duplicates, s.rejected) == (7, 7, 0, 0)
    assert _records(partners) == {
        ("age_band", "25-44"): (10, False),
        ("age_band", "45-64"): (15, False),
        ("gender", "female"): (None, True),
        ("gender", "male"): (None, True),
        ("language", "pa"): (5, False),
        ("service_type", "IO"): (1235, False),
        ("region", "Brandon"): (None, True),
    }
    # the raw counts are nowhere in the workspace
    assert partners.sql("SELECT count(*) FROM client_records WHERE count IN (12, 13, 1234)") == [
        (0,)
    ]
    (wave, partner) = partners.sql("SELECT DISTINCT wave, partner_id FROM client_records")[0]
    assert (wave, partner) == ("baseline", "p1")


def test_import_twice_changes_nothing(partners: StudyFixture, tmp_path: Path) -> None:
    f = tmp_path / "clients.csv"
    f.write_text(AGG, encoding="utf-8")
    partners.import_(f, fmt="clients-csv", partner="p1")
    before = partners.counts()
    again = partners.import_(f, fmt="clients-csv", partner="p1")
    assert again.skipped_same_file
    forced = partners.import_(f, fmt="clients-csv", partner="p1", force=True)
    assert (forced.loaded, forced.duplicates) == (0, 7)
    after = partners.counts()
    assert after["client_records"] == before["client_records"] == 7


def test_the_study_sets_the_rule(study: StudyFixture, tmp_path: Path) -> None:
    s = _with_partners(study, "client_suppress_max = 9\nclient_round_to = 10\n")
    f = tmp_path / "clients.csv"
    f.write_text(AGG, encoding="utf-8")
    s.import_(f, fmt="clients-csv", partner="p1")
    rec = _records(s)
    # 12 -> 10, 13 -> 10, 6 <= 9 suppressed, 1234 -> 1230
    assert rec[("age_band", "25-44")] == (10, False)
    assert rec[("age_band", "45-64")] == (10, False)
    assert rec[("language", "pa")] == (None, True)
    assert rec[("service_type", "IO")] == (1230, False)


def test_non_numeric_count_is_a_reject_with_its_line(
    partners: StudyFixture, tmp_path: Path
) -> None:
    f = tmp_path / "clients.csv"
    f.write_text(
        "period_start,period_end,dimension,category,count\n"
        "2026-01-01,2026-06-30,gender,female,20\n"
        "2026-01-01,2026-06-30,gender,male,twelve\n",
        encoding="utf-8",
    )
    s = partners.import_(f, fmt="clients-csv", partner="p1")
    assert (s.read, s.loaded, s.rejected) == (2, 1, 1)
    (loc, reason, raw) = partners.sql("SELECT locator, reason, raw FROM rejects")[0]
    assert (loc, reason) == ("line 3", "bad-count")
    assert "twelve" in raw


def test_unknown_dimension_is_refused_naming_file_row_and_column(
    partners: StudyFixture, tmp_path: Path
) -> None:
    f = tmp_path / "clients.csv"
    f.write_text(
        "period_start,period_end,dimension,category,count\n"
        "2026-01-01,2026-06-30,gender,female,20\n"
        "2026-01-01,2026-06-30,shoe size,42,7\n",
        encoding="utf-8",
    )
    before = partners.counts()
    with pytest.raises(FormatError) as e:
        partners.import_(f, fmt="clients-csv", partner="p1")
    msg = str(e.value)
    assert "shoe size" in msg and str(f) in msg and "line 3" in msg and "dimension" in msg
    assert partners.counts() == before  # nothing written


def test_wrong_header_is_refused(partners: StudyFixture, tmp_path: Path) -> None:
    f = tmp_path / "clients.csv"
    f.write_text("date,what,how many\n2026-01-01,female,20\n", encoding="utf-8")
    with pytest.raises(FormatError) as e:
        partners.import_(f, fmt="clients-csv", partner="p1")
    assert "clients.csv" in str(e.value)


def test_xlsx_aggregate_table(partners: StudyFixture, tmp_path: Path) -> None:
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Clients"
    ws.append(["Period start", "Period end", "Dimension", "Category", "Clients"])
    ws.append([dt.date(2026, 1, 1), dt.date(2026, 6, 30), "Gender", "Women", 57])  # -> 55
    ws.append([dt.date(2026, 1, 1), dt.date(2026, 6, 30), "Gender", "Men", 43.0])  # -> 45
    ws.append([dt.date(2026, 1, 1), dt.date(2026, 6, 30), "Gender", "X", "n/a"])  # reject
    f = tmp_path / "clients.xlsx"
    wb.save(f)
    s = partners.import_(f, fmt="clients-xlsx", partner="p2")
    assert (s.read, s.loaded, s.rejected) == (3, 2, 1)
    assert _records(partners) == {
        ("gender", "female"): (55, False),
        ("gender", "male"): (45, False),
    }
    (loc,) = partners.sql("SELECT locator FROM rejects")[0]
    assert loc == "sheet 'Clients' row 4"


CLIENT_LEVEL = (
    "Client ID,Age,Sex,Services,City\n"
    + "".join(f"c{i},30,F,IO;LT,Toronto\n" for i in range(7))  # 7 women 25-44, IO and LT
    + "".join(f"d{i},50,M,IO,Airdrie\n" for i in range(3))  # 3 men 45-64, IO
    + ",40,F,IO,Toronto\n"  # no client id: reject
)


def test_client_level_table_is_aggregated_and_rows_not_kept(
    partners: StudyFixture, tmp_path: Path
) -> None:
    f = tmp_path / "clients.csv"
    f.write_text(CLIENT_LEVEL, encoding="utf-8")
    s = partners.import_(f, fmt="clients-csv", partner="p1")
    assert (s.read, s.loaded, s.rejected) == (11, 10, 1)
    rec = _records(partners)
    # IO: 10 clients -> 10; LT: 7 -> 5; women 7 -> 5; men 3 -> suppressed; Toronto 7 -> 5
    assert rec[("service_type", "IO")] == (10, False)
    assert rec[("service_type", "LT")] == (5, False)
    assert rec[("gender", "female")] == (5, False)
    assert rec[("gender", "male")] == (None, True)
    assert rec[("age_band", "25-44")] == (5, False)
    assert rec[("region", "Toronto")] == (5, False)
    assert partners.counts()["client_rows"] == 0
    # the period is the wave's
    assert partners.sql("SELECT DISTINCT period_start, period_end FROM client_records")[0] == (
        partners.opened.study.wave("baseline").start,
        partners.opened.study.wave("baseline").end,
    )


def test_client_rows_kept_when_the_study_opts_in(study: StudyFixture, tmp_path: Path) -> None:
    s = _with_partners(study, "store_client_rows = true\n")
    f = tmp_path / "clients.csv"
    f.write_text(CLIENT_LEVEL, encoding="utf-8")
    s.import_(f, fmt="clients-csv", partner="p1")
    rows = s.sql("SELECT client_ref, attributes FROM client_rows ORDER BY attributes")
    assert len(rows) == 10
    # references are pseudonymised, attributes normalised
    assert not any(ref.startswith(("c", "d")) for ref, _ in rows)
    assert rows[0][1] == '{"age_band":"25-44","gender":"female","region":"Toronto",' + (
        '"service_type":["IO","LT"]}'
    )


def test_client_level_unknown_column_is_refused(partners: StudyFixture, tmp_path: Path) -> None:
    f = tmp_path / "clients.csv"
    f.write_text("client id,age,gender,notes\nc1,30,F,likes tea\n", encoding="utf-8")
    with pytest.raises(FormatError) as e:
        partners.import_(f, fmt="clients-csv", partner="p1")
    assert "notes" in str(e.value) and "line 1" in str(e.value)


def test_cli_import_clients(partners: StudyFixture, tmp_path: Path) -> None:
    f = tmp_path / "clients.csv"
    f.write_text(AGG, encoding="utf-8")
    r = CliRunner().invoke(
        app, ["import-clients", str(f), "--partner", "p1", "--wave", "baseline",
              "--study", str(partners.dir)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "read 7 = loaded 7 + duplicates 0 + rejected 0" in r.output
    r = CliRunner().invoke(app, ["import-clients", str(f), "--partner", "nobody",
                                 "--study", str(partners.dir)])  # fmt: skip
    assert r.exit_code != 0 and "nobody" in r.output


def test_demo_has_client_records_for_both_waves(demo_study: Path) -> None:
    import json

    import duckdb

    truth = json.loads((demo_study / "truth.json").read_text(encoding="utf-8"))["partners"]
    con = duckdb.connect(str(demo_study / "workspace.duckdb"), read_only=True)
    got = dict(
        ((p, w), n)
        for p, w, n in con.execute(
            "SELECT partner_id, wave, sum(count) FROM client_records "
            "WHERE dimension = 'immigration_category' GROUP BY ALL"
        ).fetchall()
    )
    for p, entry in truth.items():
        if not p.startswith("p"):
            continue
        for wave, n in entry["clients"].items():
            # six categories, each rounded to 5 (at most 2.5 off) or suppressed (at most 5)
            assert abs(got[(p, wave)] - n) <= 6 * 5, (p, wave)
