"""The workspace: schema version, migrations, de-duplicating inserts, status counts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from settlescope.errors import WorkspaceError
from settlescope.store.schema import SCHEMA_VERSION, TABLES
from settlescope.store.workspace import META_TABLE, Workspace


def items(*rows: dict) -> pa.Table:  # type: ignore[type-arg]
    return pa.Table.from_pylist(list(rows), schema=TABLES["items"])


def test_new_workspace_has_every_table_and_the_version(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "w.duckdb", create=True) as ws:
        assert ws.schema_version() == SCHEMA_VERSION
        assert set(TABLES) <= set(ws.backend.list_tables())
        assert all(v == 0 for v in ws.counts().values())


def test_migrates_a_version_0_database(tmp_path: Path) -> None:
    # A DuckDB file with no settlescope tables is version 0; opening it migrates it.
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("CREATE TABLE unrelated (x INT)")
    con.close()
    with Workspace.open(tmp_path / "old.duckdb") as ws:
        assert ws.schema_version() == SCHEMA_VERSION
        assert "items" in ws.backend.list_tables()


def test_refuses_a_newer_workspace(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "w.duckdb", create=True) as ws:
        ws.duck.execute(f"UPDATE {META_TABLE} SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(WorkspaceError, match="newer"):
        Workspace.open(tmp_path / "w.duckdb")


def test_refuses_a_file_that_is_not_a_workspace(tmp_path: Path) -> None:
    bad = tmp_path / "w.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(WorkspaceError):
        Workspace.open(bad)


def test_staged_rows_merge_on_the_key_first_wins(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "w.duckdb", create=True) as ws:
        with ws.staging(), ws.transaction():
            ws.stage(
                "items",
                items(
                    {"item_key": "x:1", "text": "first"},
                    {"item_key": "x:2"},
                    {"item_key": "x:1", "text": "again"},
                ),
            )
            assert ws.merge_staged("items") == (2, 3)  # 2 inserted of 3 staged
        with ws.staging(), ws.transaction():
            ws.stage("items", items({"item_key": "x:2"}, {"item_key": "x:3"}))
            assert ws.merge_staged("items") == (1, 2)
        assert ws.count("items") == 3
        first = ws.duck.execute("SELECT text FROM items WHERE item_key = 'x:1'").fetchall()
        assert first == [("first",)]
        assert not [t for t in ws.backend.list_tables() if t.startswith("_stage_")]


def test_mixed_staging_counts_only_the_records(tmp_path: Path) -> None:
    """Records and derived rows staged together: only the records count as read/loaded.

    By hand: the table holds x:1. Staged records x:1 (already there), x:4, x:4 (again) and
    x:5; derived (non-primary) rows x:5 (after the record), x:6 and x:6. New rows: x:4 (its
    first copy), x:5 (the record, staged first), x:6 (its first copy) = 3, of which 2 are
    records; 4 records were staged.
    """
    with Workspace.open(tmp_path / "w.duckdb", create=True) as ws:
        with ws.staging(), ws.transaction():
            ws.stage("items", items({"item_key": "x:1", "text": "old"}))
            ws.merge_staged("items")
        with ws.staging(), ws.transaction():
            ws.stage(
                "items",
                items(
                    {"item_key": "x:1", "text": "new"},
                    {"item_key": "x:4", "text": "first"},
                    {"item_key": "x:4", "text": "second"},
                    {"item_key": "x:5", "text": "record"},
                ),
            )
            ws.stage(
                "items",
                items(
                    {"item_key": "x:5", "text": "derived"},
                    {"item_key": "x:6", "text": "one"},
                    {"item_key": "x:6", "text": "two"},
                ),
                primary=False,
            )
            assert ws.merge_staged("items") == (2, 4)
        got = dict(ws.duck.execute("SELECT item_key, text FROM items").fetchall())
        assert got == {"x:1": "old", "x:4": "first", "x:5": "record", "x:6": "one"}
        assert not [t for t in ws.backend.list_tables() if t.startswith("_stage_")]


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "w.duckdb", create=True) as ws:
        with pytest.raises(RuntimeError), ws.staging(), ws.transaction():
            ws.stage("items", items({"item_key": "x:1"}))
            ws.merge_staged("items")
            raise RuntimeError("boom")
        assert ws.count("items") == 0
        assert not [t for t in ws.backend.list_tables() if t.startswith("_stage_")]


def test_status_breaks_down_by_wave_platform_partner(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "w.duckdb", create=True) as ws:
        with ws.staging(), ws.transaction():
            ws.stage(
                "items",
                items(
                    {"item_key": "a", "wave": "baseline", "platform": "x", "partner_id": "p01"},
                    {
                        "item_key": "b",
                        "wave": "baseline",
                        "platform": "telegram",
                        "partner_id": "p01",
                    },
                    {"item_key": "c", "wave": "followup", "platform": "x"},
                ),
            )
            ws.merge_staged("items")
        st = ws.status()["tables"]["items"]
    assert st["rows"] == 3
    assert st["by_wave"] == {"baseline": 2, "followup": 1}
    assert st["by_platform"] == {"telegram": 1, "x": 2}
    assert st["by_partner_id"] == {"(none)": 1, "p01": 2}


def test_a_version_1_workspace_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    import duckdb

    from settlescope.store.schema import MIGRATIONS

    # Build a workspace exactly as schema v1 made it, with one result row in it.
    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE settlescope_meta (key VARCHAR, value VARCHAR)")
    for stmt in MIGRATIONS[1]:
        con.execute(stmt)
    con.execute("INSERT INTO settlescope_meta VALUES ('schema_version', '1')")
    cols = [r[0] for r in con.execute("DESCRIBE results").fetchall()]
    assert "dimension" not in cols and len(cols) == 13
    con.execute(
        "INSERT INTO results (measure_id, measure_version, wave, metric, value) "
        "VALUES ('m', 1, 'baseline', 'x', 2.5)"
    )
    con.close()
    with Workspace.open(path) as ws:
        assert ws.schema_version() == 2
        rows = ws.duck.execute("SELECT metric, value, dimension FROM results").fetchall()
        assert rows == [("x", 2.5, None)]
        for name in ("measure_runs", "graph_layouts", "node_attributes", "client_rows"):
            assert ws.count(name) == 0
