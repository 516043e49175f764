"""The Workspace: one study's store, reached through Ibis.

The embedded default is one DuckDB file per study. The same tables and queries also run on
Apache Spark through Ibis's PySpark backend (:meth:`Workspace.on_spark`), for studies that
outgrow one machine. Writes that must be de-duplicated (imports) are written once as Ibis
expressions (an anti-join on the table's key) so both engines run the same logic.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa

from settlescope.errors import WorkspaceError
from settlescope.store.schema import KEYS, MIGRATIONS, SCHEMA_VERSION, TABLES

META_TABLE = "settlescope_meta"

_SPARK_TYPES = {
    pa.string(): "STRING",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us", tz="UTC"): "TIMESTAMP",
    pa.list_(pa.string()): "ARRAY<STRING>",
}

# DuckDB's buffer pool, unless SETTLESCOPE_MEMORY_LIMIT says otherwise: for queries, and
# less for bulk imports, whose readers and writers hold memory of their own beside the pool
# (see Workspace.import_memory).
MEMORY_ENV = "SETTLESCOPE_MEMORY_LIMIT"
MEMORY_LIMIT = "400MB"
IMPORT_MEMORY_LIMIT = "256MB"

# Columns by which `status` breaks counts down, where a table has them.
BREAKDOWNS = ("wave", "platform", "partner_id")


class Workspace:
    """A study's canonical store.

    Use :meth:`open` for the DuckDB file of a study, or :meth:`on_spark` for a Spark session.

    Example
    -------
    >>> ws = Workspace.open(":memory:")
    >>> ws.count("items")
    0
    """

    def __init__(self, backend: Any, engine: str, path: str | None = None) -> None:
        self.backend = backend
        self.engine = engine
        self.path = path
        self._in_tx = False
        self._touched: set[str] = set()
        self._run_id: str | None = None
        self._staged: set[str] = set()
        self._seq = 0

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, create: bool = False, read_only: bool = False) -> Workspace:
        """Open (and migrate) the DuckDB workspace at ``path``."""
        p = str(path)
        if p != ":memory:" and not create and not Path(p).exists():
            raise WorkspaceError(
                "the workspace does not exist",
                file=p,
                hint="create the study first with `settlescope init DIR`",
            )
        try:
            con = duckdb.connect(p, read_only=read_only)
        except duckdb.IOException as e:
            msg = str(e)
            if "lock" in msg.lower():
                raise WorkspaceError(
                    "the workspace is in use by another settlescope process",
                    file=p,
                    hint="wait for the other command to finish, then try again",
                ) from None
            raise WorkspaceError(
                f"cannot open the workspace: {msg}",
                file=p,
                hint="check that the file is a settlescope workspace and is not damaged",
            ) from None
        except duckdb.Error as e:
            raise WorkspaceError(
                f"not a settlescope workspace ({e})",
                file=p,
                hint="point --study at a folder made by `settlescope init`",
            ) from None
        # Bounded memory for big imports; DuckDB spills to a temp folder beside the file.
        con.execute(f"SET memory_limit = '{os.environ.get(MEMORY_ENV, MEMORY_LIMIT)}'")
        # DuckDB's allocator keeps freed memory for reuse; a background thread hands it back
        # to the system, which keeps the process's peak memory near the limit above.
        con.execute("SET allocator_background_threads = true")
        # The CLI shows its own progress; DuckDB's bar would print over it.
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = false")
        # Results must not depend on the machine's zone: times are UTC, and local calendars
        # (months, weekdays) are computed explicitly in the study's zone.
        con.execute("SET TimeZone = 'UTC'")
        backend = ibis.duckdb.from_connection(con)
        ws = cls(backend, "duckdb", p)
        if not read_only:
            ws.migrate()
            ws.drop_leftover_staging()
        return ws

    @classmethod
    def on_spark(cls, session: Any, database: str = "settlescope") -> Workspace:
        """A workspace in a Spark session's catalog (tables in ``database``)."""
        session.sql(f"CREATE DATABASE IF NOT EXISTS {database}")
        session.catalog.setCurrentDatabase(database)
        backend = ibis.pyspark.connect(session)
        ws = cls(backend, "spark", database)
        ws.migrate()
        return ws

    @property
    def duck(self) -> duckdb.DuckDBPyConnection:
        if self.engine != "duckdb":
            raise WorkspaceError("this operation needs the DuckDB engine")
        return self.backend.con  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.engine == "duckdb":
            self.backend.disconnect()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------------------
    def schema_version(self) -> int:
        if META_TABLE not in self.backend.list_tables():
            return 0
        t = self.backend.table(META_TABLE)
        rows = t.filter(t.key == "schema_version").select("value").to_pyarrow().to_pylist()
        return int(rows[0]["value"]) if rows else 0

    def migrate(self) -> None:
        """Bring the workspace to :data:`SCHEMA_VERSION`, one migration at a time."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise WorkspaceError(
                f"the workspace has schema version {current}, newer than this settlescope "
                f"({SCHEMA_VERSION})",
                file=self.path,
                hint="upgrade settlescope to open it",
            )
        if current == SCHEMA_VERSION:
            return
        if self.engine == "duckdb":
            con = self.duck
            con.execute("BEGIN")
            try:
                con.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR, value VARCHAR)")
                for v in range(current + 1, SCHEMA_VERSION + 1):
                    for stmt in MIGRATIONS[v]:
                        con.execute(stmt)
                con.execute(f"DELETE FROM {META_TABLE} WHERE key = 'schema_version'")
                con.execute(
                    f"INSERT INTO {META_TABLE} VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
                )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        else:
            existing = set(self.backend.list_tables())
            for name, schema in TABLES.items():
                if name not in existing:
                    self.backend.create_table(name, schema=ibis.schema(schema))
                    continue
                # Later versions only add columns: add the ones an older table lacks.
                have = set(self.table(name).columns)
                missing = [f for f in schema if f.name not in have]
                if missing:
                    cols = ", ".join(f"`{f.name}` {_SPARK_TYPES[f.type]}" for f in missing)
                    self.backend._session.sql(f"ALTER TABLE `{name}` ADD COLUMNS ({cols})")
            meta = pa.table({"key": ["schema_version"], "value": [str(SCHEMA_VERSION)]})
            self.backend.create_table(META_TABLE, meta, overwrite=True)

    # -- reading ---------------------------------------------------------------------------
    def table(self, name: str) -> ibis.Table:
        return self.backend.table(name)

    def count(self, name: str) -> int:
        return int(self.table(name).count().to_pyarrow().as_py())

    def counts(self) -> dict[str, int]:
        return {name: self.count(name) for name in TABLES}

    def fetch(self, expr: ibis.Table) -> pa.Table:
        """Run ``expr`` and return its rows, streamed in batches.

        The rows are gathered on the Python side, so a large result does not have to fit in
        the engine's own memory budget (DuckDB's ``memory_limit``) as well.
        """
        schema = expr.schema().to_pyarrow()
        reader = expr.to_pyarrow_batches(chunk_size=1 << 20)
        # the engine may hand sums back wider than declared (DuckDB: HUGEINT as decimal)
        batches = [b if b.schema == schema else b.cast(schema) for b in reader]
        return pa.Table.from_batches(batches, schema=schema)

    @contextlib.contextmanager
    def memory_budget(self, limit: str | None) -> Iterator[None]:
        """Let the embedded engine use ``limit`` (``"2GB"``) inside the block.

        Imports run under a small budget so they stream; measures hold whole graphs in Python
        anyway and their joins and windows over tens of millions of interactions need room.
        """
        if self.engine != "duckdb" or not limit:
            yield
            return
        before = self.duck.execute("SELECT current_setting('memory_limit')").fetchone()[0]  # type: ignore[index]
        self.duck.execute(f"SET memory_limit = '{limit}'")
        try:
            yield
        finally:
            self.duck.execute(f"SET memory_limit = '{before}'")

    # -- writing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, run_id: str | None = None) -> Iterator[None]:
        """All writes inside commit together or not at all.

        On DuckDB this is a database transaction, so a killed process leaves the file as it was.
        On Spark (no multi-table transactions) a failure removes the rows the run wrote.
        """
        if self._in_tx:
            raise WorkspaceError("nested transactions are not supported")
        self._in_tx, self._touched, self._run_id = True, set(), run_id
        try:
            if self.engine == "duckdb":
                self.duck.execute("BEGIN TRANSACTION")
            yield
            if self.engine == "duckdb":
                self.duck.execute("COMMIT")
        except BaseException:
            if self.engine == "duckdb":
                with contextlib.suppress(duckdb.Error):
                    self.duck.execute("ROLLBACK")
            else:
                self._compensate()
            raise
        finally:
            self._in_tx = False

    @contextlib.contextmanager
    def import_memory(self) -> Iterator[None]:
        """Run an import with DuckDB's smaller import memory limit (DuckDB workspaces).

        JSON parsing threads and table writers allocate beside DuckDB's buffer pool, so an
        import keeps the pool at :data:`IMPORT_MEMORY_LIMIT`: a 2 GB file then imports in
        under 1 GiB in all. A limit set with SETTLESCOPE_MEMORY_LIMIT is kept as it is.
        """
        if self.engine != "duckdb" or MEMORY_ENV in os.environ:
            yield
            return
        self.duck.execute(f"SET memory_limit = '{IMPORT_MEMORY_LIMIT}'")
        try:
            yield
        finally:
            with contextlib.suppress(duckdb.Error):
                self.duck.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")

    @contextlib.contextmanager
    def staging(self) -> Iterator[None]:
        """Scope of an import's staging tables: they are dropped however the block ends.

        Staging runs outside the transaction (each batch commits to a scratch table), which
        keeps memory flat however large the file; the canonical tables only change in the
        short transaction that merges the staged rows. Scratch tables left by a killed
        process are dropped the next time the workspace is opened.
        """
        try:
            yield
        finally:
            for st in list(self._staged):
                with contextlib.suppress(Exception):
                    self._drop(st)
            self._staged.clear()

    def drop_leftover_staging(self) -> None:
        for name in self.backend.list_tables():
            if name.startswith(("_stage_", "_new_")):
                self._drop(name)

    def _drop(self, name: str) -> None:
        if self.engine == "duckdb":
            self.duck.execute(f'DROP TABLE IF EXISTS "{name}"')
        else:
            self.backend._session.sql(f"DROP TABLE IF EXISTS `{name}`")

    def _compensate(self) -> None:
        if not self._run_id:
            return
        for name in self._touched:
            if "run_id" not in TABLES[name].names:
                continue
            t = self.table(name)
            keep = t.filter(t.run_id.isnull() | (t.run_id != self._run_id)).to_pyarrow()
            self.backend.create_table(name, keep, overwrite=True)

    def append(self, name: str, data: pa.Table) -> None:
        """Append rows as they are (no de-duplication)."""
        if data.num_rows == 0:
            return
        self._touched.add(name)
        data = data.select(TABLES[name].names).cast(TABLES[name])
        self.backend.insert(name, ibis.memtable(data))

    # -- staged, set-based merging (imports) ---------------------------------------------
    #
    # An import stages every batch (append only, cheap), then merges each table once at the
    # end: one de-duplication and one anti-join against the table, instead of one per batch.

    def stage(self, name: str, data: pa.Table, *, primary: bool = True) -> None:
        """Append rows to the run's staging table for ``name``.

        ``primary`` rows are the input records that the run counts; the others (accounts,
        derived edges) are merged silently.
        """
        if data.num_rows == 0:
            return
        n = data.num_rows
        data = data.select(TABLES[name].names).cast(TABLES[name])
        data = data.append_column("_seq", pa.array(range(self._seq, self._seq + n), pa.int64()))
        data = data.append_column("_primary", pa.array([primary] * n, pa.bool_()))
        self._seq += n
        st = f"_stage_{name}"
        if self.engine == "duckdb":
            con = self.duck
            con.register("_stage_batch", data)
            try:
                if st not in self._staged:
                    con.execute(
                        f'CREATE OR REPLACE TEMP TABLE "{st}" AS SELECT * FROM _stage_batch'
                    )
                else:
                    con.execute(f'INSERT INTO "{st}" SELECT * FROM _stage_batch')
            finally:
                con.unregister("_stage_batch")
        elif st not in self._staged:
            self.backend.create_table(st, ibis.memtable(data), overwrite=True)
        else:
            self.backend.insert(st, ibis.memtable(data))
        self._staged.add(st)

    def stage_expr(self, name: str, expr: ibis.Table, *, primary: bool = False) -> int:
        """Stage the rows of a query (computed in the engine, never pulled into Python)."""
        st = f"_stage_{name}"
        if self.engine != "duckdb":
            e = expr.select(TABLES[name].names).mutate(
                _seq=(ibis.row_number() + self._seq).cast("int64"), _primary=ibis.literal(primary)
            )
            n = int(e.count().to_pyarrow().as_py())
            if st in self._staged:
                self.backend.insert(st, e)
            else:
                self.backend.create_table(st, e, overwrite=True)
                self._staged.add(st)
            self._seq += n
            return n
        cols = ", ".join(f'"{c}"' for c in TABLES[name].names)
        sql = ibis.to_sql(expr.select(TABLES[name].names), dialect="duckdb")
        select = (
            f"SELECT {cols}, {self._seq} + row_number() OVER () AS _seq, "
            f"{'true' if primary else 'false'} AS _primary FROM ({sql})"
        )
        con = self.duck
        before = 0
        if st in self._staged:
            before = con.execute(f'SELECT count(*) FROM "{st}"').fetchone()[0]  # type: ignore[index]
            con.execute(f'INSERT INTO "{st}" {select}')
        else:
            con.execute(f'CREATE OR REPLACE TEMP TABLE "{st}" AS {select}')
            self._staged.add(st)
        n = int(con.execute(f'SELECT count(*) FROM "{st}"').fetchone()[0]) - before  # type: ignore[index]
        self._seq += n
        return n

    def create_scratch(self, name: str, columns: str) -> None:
        """Create an empty temporary table for the run, dropped when staging ends (DuckDB).

        Bulk importers write their raw rows into it (see :mod:`settlescope.importers.bulk`).
        """
        if not name.startswith("_stage_"):
            raise WorkspaceError(f"a scratch table's name starts with _stage_, not '{name}'")
        self.duck.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" ({columns})')
        self._staged.add(name)

    def is_staged(self, name: str) -> bool:
        """Whether the run has staged rows for ``name``."""
        return f"_stage_{name}" in self._staged

    def insert_new(self, name: str, rows: str | ibis.Table) -> int:
        """Insert the rows of a query whose key ``name`` does not hold yet; return how many.

        For DuckDB, inside :meth:`transaction`: the rows go from the query to the table in
        one statement, without a staging table. The query (SQL text or an Ibis expression
        with the columns of ``name``) must give each key once.
        """
        if self.engine != "duckdb":
            raise WorkspaceError("this operation needs the DuckDB engine")
        if not isinstance(rows, str):
            rows = ibis.to_sql(rows.select(TABLES[name].names), dialect="duckdb")
        key, cols = KEYS[name], ", ".join(f'"{c}"' for c in TABLES[name].names)
        self._touched.add(name)
        (n,) = self.duck.execute(
            f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM ({rows}) AS s '
            f'ANTI JOIN "{name}" AS t ON t."{key}" = s."{key}"'
        ).fetchone()  # type: ignore[misc]
        return int(n)

    def merge_staged(self, name: str) -> tuple[int, int]:
        """Merge the staged rows of ``name`` into it, the first occurrence of a key winning.

        Returns (primary rows inserted, primary rows staged); the difference are duplicates,
        of rows already in the table or earlier in the same run.
        """
        st = f"_stage_{name}"
        if st not in self._staged:
            return 0, 0
        self._touched.add(name)
        if self.engine == "duckdb":
            result = self._merge_staged_duck(name, st)
        else:
            result = self._merge_staged_ibis(name, st)
        self._drop(st)
        self._staged.discard(st)
        return result

    def _merge_staged_duck(self, name: str, st: str) -> tuple[int, int]:
        """DuckDB: settle the few keys that may repeat by their hashes, then insert once.

        Grouping and joining on the keys themselves (long strings) needs hash tables of
        every staged key, which do not fit the import's memory budget for an edge list of
        ten million rows. Hashes (8 bytes) do: a row whose key hash is unique among the
        staged rows and absent from the table is new for certain; only the rows of the
        other hashes (repeated ids, keys already loaded, rare collisions) are compared on
        their keys, and of those the first staged row of a key not in the table wins.
        """
        con, key = self.duck, f'"{KEYS[name]}"'
        cand, win = f"{st}_cand", f"{st}_win"
        total, primary = con.execute(
            f'SELECT count(*), count(*) FILTER (WHERE _primary) FROM "{st}"'
        ).fetchone()  # type: ignore[misc]
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE "{cand}" AS
            SELECT h FROM (SELECT hash({key}) AS h FROM "{st}" GROUP BY h HAVING count(*) > 1)
            UNION
            SELECT hash({key}) AS h FROM "{name}"
            WHERE hash({key}) IN (SELECT hash({key}) FROM "{st}")"""
        )
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE "{win}" AS
                SELECT _seq, _primary FROM (
                    SELECT s._seq, s._primary, s.{key},
                           row_number() OVER (PARTITION BY s.{key} ORDER BY s._seq) AS rn
                    FROM "{st}" s SEMI JOIN "{cand}" c ON hash(s.{key}) = c.h
                ) AS r
                WHERE rn = 1 AND NOT EXISTS (SELECT 1 FROM "{name}" t WHERE t.{key} = r.{key})"""
            )
            (win_primary,) = con.execute(
                f'SELECT count(*) FILTER (WHERE _primary) FROM "{win}"'
            ).fetchone()  # type: ignore[misc]
            cols = ", ".join(f's."{c}"' for c in TABLES[name].names)
            names = ", ".join(f'"{c}"' for c in TABLES[name].names)
            picked = (
                f'FROM "{st}" s LEFT JOIN "{cand}" c ON hash(s.{key}) = c.h '
                f'LEFT JOIN "{win}" w ON w._seq = s._seq WHERE c.h IS NULL OR w._seq IS NOT NULL'
            )
            mixed = 0 < primary < total
            # With only primary rows staged, every inserted row is one; with a mix (records
            # and derived edges), count the primary ones among the unique-hash rows too.
            plain_primary = 0
            if mixed:
                (plain_primary,) = con.execute(
                    f'SELECT count(*) FILTER (WHERE s._primary) FROM "{st}" s '
                    f'ANTI JOIN "{cand}" c ON hash(s.{key}) = c.h'
                ).fetchone()  # type: ignore[misc]
            (inserted,) = con.execute(
                f'INSERT INTO "{name}" ({names}) SELECT {cols} {picked}'
            ).fetchone()  # type: ignore[misc]
        finally:
            for t in (cand, win):
                with contextlib.suppress(duckdb.Error):
                    con.execute(f'DROP TABLE IF EXISTS "{t}"')
        if mixed:
            return int(plain_primary) + int(win_primary), int(primary)
        return (int(inserted) if primary else 0), int(primary)

    def _merge_staged_ibis(self, name: str, st: str) -> tuple[int, int]:
        key = KEYS[name]
        s = self.table(st)
        counts = s.aggregate(total=s.count(), primary=s._primary.sum()).to_pyarrow().to_pylist()[0]
        staged_total, staged_primary = int(counts["total"]), int(counts["primary"] or 0)
        first = s.group_by(key).aggregate(_first=s._seq.min())
        existing = self.table(name).select(key)
        fresh = first.anti_join(existing, key)
        new = s.semi_join(fresh, [s[key] == fresh[key], s._seq == fresh._first])
        mixed = 0 < staged_primary < staged_total
        # With only primary rows staged, the rows inserted are the table's growth; with a mix
        # (records and derived edges), count the primary ones among the new rows first.
        inserted_primary = (
            int(new.filter(new._primary).count().to_pyarrow().as_py()) if mixed else 0
        )
        before = self.count(name) if not mixed else 0
        self.backend.insert(name, new.select(TABLES[name].names))
        if not mixed and staged_primary:
            inserted_primary = self.count(name) - before
        return inserted_primary, staged_primary

    def append_staged(self, name: str) -> int:
        """Append every staged row of ``name`` as it is (tables without a key: rejects)."""
        st = f"_stage_{name}"
        if st not in self._staged:
            return 0
        self._touched.add(name)
        s = self.table(st)
        n = int(s.count().to_pyarrow().as_py())
        if self.engine == "duckdb":
            cols = ", ".join(f'"{c}"' for c in TABLES[name].names)
            self.duck.execute(
                f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM "{st}" ORDER BY _seq'
            )
        else:
            self.backend.insert(name, s.select(TABLES[name].names))
        self._drop(st)
        self._staged.discard(st)
        return n

    def replace_where(self, name: str, where: dict[str, Any], data: pa.Table) -> None:
        """Replace the rows of ``name`` matching every ``column == value`` of ``where``.

        Used for results: a re-run of a measure replaces its own rows (same id, version,
        parameters and wave) and nothing else.
        """
        self._touched.add(name)
        data = data.select(TABLES[name].names).cast(TABLES[name])
        if self.engine == "duckdb":
            cond = " AND ".join(f'"{k}" = ?' for k in where)
            self.duck.execute(f'DELETE FROM "{name}" WHERE {cond}', list(where.values()))
            self.append(name, data)
            return
        t = self.table(name)
        match = None
        for k, v in where.items():
            c = t[k] == v
            match = c if match is None else match & c
        keep = t.filter(~match).to_pyarrow() if match is not None else t.limit(0).to_pyarrow()
        merged = pa.concat_tables([keep.select(TABLES[name].names).cast(TABLES[name]), data])
        self.backend.create_table(name, merged, overwrite=True)

    def replace_rows(self, name: str, data: pa.Table) -> None:
        """Replace a small table's whole contents (used for organizations from the study)."""
        self._touched.add(name)
        data = data.select(TABLES[name].names).cast(TABLES[name])
        if self.engine == "duckdb":
            self.duck.execute(f'DELETE FROM "{name}"')
            self.append(name, data)
        else:
            self.backend.create_table(name, data, overwrite=True)

    # -- status ----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Row counts per table, broken down by wave, platform and partner."""
        out: dict[str, Any] = {
            "engine": self.engine,
            "schema_version": self.schema_version(),
            "tables": {},
        }
        runs = self.table("import_runs")
        for name in TABLES:
            t = self.table(name)
            entry: dict[str, Any] = {"rows": self.count(name)}
            if name == "rejects":
                t = t.join(runs.select("run_id", "wave", "partner_id"), "run_id", how="left")
            cols = set(t.columns)
            for col in BREAKDOWNS:
                if col not in cols:
                    continue
                g = t.group_by(col).aggregate(n=t.count()).to_pyarrow().to_pylist()
                entry[f"by_{col}"] = {
                    (r[col] if r[col] is not None else "(none)"): int(r["n"])
                    for r in sorted(g, key=lambda r: str(r[col]))
                }
            out["tables"][name] = entry
        return out
