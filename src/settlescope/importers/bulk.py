"""Bulk imports: raw rows staged in DuckDB by the importer, made canonical with set-based SQL.

The block path (:mod:`settlescope.importers.normalize`) makes each batch of raw rows canonical
with Arrow, one Python round trip per batch. An importer that can write its raw rows straight
into the workspace's DuckDB (``ImporterSpec.bulk``) has them made canonical here, once for the
whole file: accounts are resolved through a table of the distinct references (each resolved
once in Python, where the keyed hash lives), keys, thread roots and partners are joined in by
DuckDB on all cores, and rows missing a required field become rejects with their line and
text. The rows are the block path's, row for row; ``tests/importers/test_generic_pinned.py``
holds both paths to one expected result.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from settlescope.importers.base import RAW, REQUIRED, Reject
from settlescope.importers.normalize import AccountBook
from settlescope.store.schema import duck_type
from settlescope.store.workspace import Workspace

RAW_STAGE = "_stage_raw_items"
"""The scratch table an importer stages raw items in (dropped with the run's staging)."""
REFMAP = "_stage_account_refs"
"""The scratch table of account references and their keys."""
COPIES = "_stage_item_copies"
MENTIONS = "_stage_mention_keys"

# Columns the scratch table adds to the raw item columns: the record's line in the file (its
# order: the first line of an id wins), its text (kept for rows that may be rejected), and
# whether the importer still has to re-read the record itself.
STAGE_EXTRA = (("_seq", "BIGINT"), ("_raw", "VARCHAR"), ("_recheck", "BOOLEAN"))
RAW_ITEM_COLUMNS = tuple(f.name for f in RAW["items"] if not f.name.startswith("_"))


def create_raw_stage(ws: Workspace) -> str:
    """Create the (empty) scratch table for raw items and return its name."""
    cols = [f'"{f.name}" {duck_type(f.type)}' for f in RAW["items"] if not f.name.startswith("_")]
    cols += [f"{name} {typ}" for name, typ in STAGE_EXTRA]
    ws.create_scratch(RAW_STAGE, ", ".join(cols))
    return RAW_STAGE


def invalid_sql(table: str = "") -> str:
    """SQL condition of a raw item that lacks a required field (see ``REQUIRED``).

    Text fields count as missing when empty too, as in ``normalize.split_invalid``.
    """
    out = []
    for col, _ in (("platform", ""), *REQUIRED["items"]):
        c = f'{table}."{col}"' if table else f'"{col}"'
        out.append(f"{c} IS NULL" if col == "created_at" else f"({c} IS NULL OR {c} = '')")
    return " OR ".join(out)


def resolve_staged_items(ws: Workspace, book: AccountBook) -> tuple[list[Reject], int]:
    """Reject the staged raw items that lack a required field; resolve the others' accounts.

    Returns the rejects (located by line, with their text) and the number of valid rows.
    The accounts the valid rows name are staged; their keys, the mentions' keys and the ids
    found on several lines are kept in scratch tables for :func:`merge_staged_items`. Runs
    before the import's transaction, each step in a statement of its own, so that DuckDB
    can spill to disk between them and memory stays flat.
    """
    con = ws.duck
    rejects = _invalid_rows(con)
    (staged,) = con.execute(f"SELECT count(*) FROM {RAW_STAGE}").fetchone()  # type: ignore[misc]
    refmap, accounts = book.resolve(_references(con))
    ws.stage("accounts", accounts, primary=False)
    del accounts
    ws.create_scratch(
        REFMAP,
        "platform VARCHAR, ref VARCHAR, kind VARCHAR, role INTEGER, account_key VARCHAR, "
        "org_id VARCHAR",
    )
    con.register("_refmap_rows", refmap)
    try:
        con.execute(f"INSERT INTO {REFMAP} SELECT * FROM _refmap_rows")
    finally:
        con.unregister("_refmap_rows")
    del refmap
    key = "platform || ':' || platform_id"
    ws.create_scratch(COPIES, "item_key VARCHAR, first BIGINT")
    con.execute(
        f"""
        INSERT INTO {COPIES}
        WITH hashed AS (  -- ids that may be on several lines (grouping hashes is quicker)
            SELECT hash({key}) AS h FROM {RAW_STAGE} WHERE NOT ({invalid_sql()})
            GROUP BY h HAVING count(*) > 1
        )
        SELECT {key} AS item_key, min(_seq) AS first FROM {RAW_STAGE}
        WHERE NOT ({invalid_sql()}) AND hash({key}) IN (SELECT h FROM hashed)
        GROUP BY ALL HAVING count(*) > 1
        """
    )
    ws.create_scratch(MENTIONS, "_seq BIGINT, keys VARCHAR[]")
    con.execute(
        f"""
        INSERT INTO {MENTIONS}
        SELECT u._seq, list(k.account_key ORDER BY u.pos)
        FROM (SELECT _seq, platform, unnest(mentions) AS ref,
                     generate_subscripts(mentions, 1) AS pos
              FROM {RAW_STAGE} WHERE len(mentions) > 0 AND NOT ({invalid_sql()})) u
        LEFT JOIN (SELECT * FROM {REFMAP} WHERE role = 3) k
               ON k.platform = u.platform AND k.ref = u.ref
        GROUP BY u._seq
        """
    )
    return rejects, int(staged) - len(rejects)


def merge_staged_items(ws: Workspace, ctx: dict[str, Any]) -> int:
    """Insert the valid staged items that are new (inside the transaction); return how many.

    As :meth:`Workspace.merge_staged` does, the first line of an id wins over later copies in
    the file, and ids already in the workspace are left as they are.
    """
    # Joins that would find nothing are left out: most files have no repeated ids, many no
    # shared posts or mentions, and each join probes every row.
    copies, mentions, shared = ws.duck.execute(
        f"SELECT (SELECT count(*) FROM {COPIES}), (SELECT count(*) FROM {MENTIONS}), "
        f"(SELECT count(*) FROM {REFMAP} WHERE role = 2)"
    ).fetchone()  # type: ignore[misc]
    return ws.insert_new("items", _canonical_sql(ctx, bool(copies), bool(mentions), bool(shared)))


def _invalid_rows(con: duckdb.DuckDBPyConnection) -> list[Reject]:
    rows = con.execute(
        f"SELECT _seq, _raw, platform, platform_id, created_at FROM {RAW_STAGE} "
        f"WHERE {invalid_sql()} ORDER BY _seq"
    ).fetchall()
    required = (("platform", "missing-platform"), *REQUIRED["items"])
    out = []
    for seq, raw, *values in rows:
        col, reason = next(
            (c, r) for (c, r), v in zip(required, values, strict=True) if v in (None, "")
        )
        out.append(Reject(f"line {seq}", reason, f"field '{col}' is missing or unreadable", raw))
    return out


def _references(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Every distinct account reference of the valid rows, once per role (see resolve)."""
    valid = f"FROM {RAW_STAGE} WHERE NOT ({invalid_sql()})"
    queries = (
        f"""SELECT platform, author AS ref, COALESCE(author_kind, 'person') AS kind,
                   arg_min_null(author_name, _seq) AS name, 0 AS role, min(_seq) AS first
            {valid} AND author IS NOT NULL GROUP BY ALL""",
        f"""SELECT platform, container AS ref, COALESCE(container_kind, 'group') AS kind,
                   NULL::VARCHAR AS name, 1 AS role, min(_seq) AS first
            {valid} AND container IS NOT NULL GROUP BY ALL""",
        f"""SELECT platform, shared_from AS ref, 'person' AS kind, NULL::VARCHAR AS name,
                   2 AS role, min(_seq) AS first
            {valid} AND shared_from IS NOT NULL GROUP BY ALL""",
        f"""SELECT platform, ref, 'person' AS kind, NULL::VARCHAR AS name, 3 AS role,
                   min(_seq) AS first
            FROM (SELECT platform, unnest(mentions) AS ref, _seq {valid} AND len(mentions) > 0)
            WHERE ref IS NOT NULL GROUP BY ALL""",
    )
    # One query per role: DuckDB 1.4 can stall for good on a UNION ALL of three or more
    # grouped scans like these when it runs on fewer than four threads.
    return pa.concat_tables([con.execute(q).fetch_arrow_table() for q in queries])


def _canonical_sql(ctx: dict[str, Any], copies: bool, mentions: bool, shared: bool) -> str:
    """The canonical items of the valid staged rows, the first line of each id only.

    ``copies``, ``mentions`` and ``shared`` say whether the file has repeated ids, mentions
    and shared-from accounts; without them their joins are left out.
    """
    partner = ctx.get("partner_id")
    partner_sql = _literal(partner) if partner else "COALESCE(c.org_id, a.org_id)"

    def ref(alias: str, role: int, col: str, kind: str) -> str:
        return (
            f"LEFT JOIN (SELECT platform, ref, kind, account_key, org_id FROM {REFMAP} "
            f"WHERE role = {role}) {alias} ON {alias}.platform = r.platform "
            f"AND {alias}.ref = r.{col} AND {alias}.kind = {kind}"
        )

    key = "r.platform || ':' || r.platform_id"
    return f"""
    SELECT
        {key} AS item_key,
        r.platform,
        r.platform_id,
        c.account_key AS container_key,
        a.account_key AS author_key,
        r.created_at,
        COALESCE(r.kind, 'post') AS kind,
        r.platform || ':' || r.parent_id AS parent_key,
        CASE WHEN r.thread_id IS NOT NULL THEN r.platform || ':' || r.thread_id
             WHEN r.parent_id IS NULL THEN {key} END AS root_key,
        {"s.account_key" if shared else "NULL::VARCHAR"} AS shared_from_key,
        r.text,
        r.language,
        r.urls,
        r.hashtags,
        {"CASE WHEN len(r.mentions) > 0 THEN m.keys ELSE r.mentions END" if mentions else "r.mentions"}
            AS mentions,
        r.reactions,
        r.comments,
        r.shares,
        r.views,
        {partner_sql} AS partner_id,
        {_literal(ctx["wave"])} AS wave,
        {_literal(ctx["run_id"])} AS run_id
    FROM {RAW_STAGE} r
    {ref("a", 0, "author", "COALESCE(r.author_kind, 'person')")}
    {ref("c", 1, "container", "COALESCE(r.container_kind, 'group')")}
    {ref("s", 2, "shared_from", "'person'") if shared else ""}
    {f"LEFT JOIN {MENTIONS} m ON m._seq = r._seq" if mentions else ""}
    {f"LEFT JOIN {COPIES} copies ON copies.item_key = {key}" if copies else ""}
    WHERE NOT ({invalid_sql("r")})
    {"AND (copies.first IS NULL OR copies.first = r._seq)" if copies else ""}
    """


def _literal(v: object) -> str:
    return "'" + str(v).replace("'", "''") + "'"
