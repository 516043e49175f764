"""The canonical schema (DESIGN §4), versioned, with one migration per change.

Tables are declared once as Arrow schemas; the DuckDB DDL and the Spark tables are derived
from them so both engines hold the same columns. All timestamps are UTC.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 2

TS = pa.timestamp("us", tz="UTC")
STR = pa.string()
I64 = pa.int64()
F64 = pa.float64()
STRS = pa.list_(pa.string())

TABLES: dict[str, pa.Schema] = {
    "import_runs": pa.schema(
        [
            ("run_id", STR),
            ("source_path", STR),
            ("source_name", STR),
            ("sha256", STR),
            ("size_bytes", I64),
            ("format_id", STR),
            ("importer_version", I64),
            ("wave", STR),
            ("partner_id", STR),
            ("started_at", TS),
            ("finished_at", TS),
            ("rows_read", I64),
            ("rows_loaded", I64),
            ("rows_duplicate", I64),
            ("rows_rejected", I64),
            ("status", STR),
            ("options", STR),
        ]
    ),
    "rejects": pa.schema(
        [
            ("run_id", STR),
            ("source", STR),
            ("locator", STR),
            ("reason", STR),
            ("message", STR),
            ("raw", STR),
        ]
    ),
    "organizations": pa.schema(
        [
            ("org_id", STR),
            ("name", STR),
            ("region", STR),
            ("type", STR),
            ("is_partner", pa.bool_()),
            ("time_zone", STR),
        ]
    ),
    "accounts": pa.schema(
        [
            ("account_key", STR),
            ("platform", STR),
            ("platform_id", STR),
            ("handle", STR),
            ("display_name", STR),
            ("kind", STR),
            ("org_id", STR),
            ("pseudonymised", pa.bool_()),
            ("run_id", STR),
        ]
    ),
    "items": pa.schema(
        [
            ("item_key", STR),
            ("platform", STR),
            ("platform_id", STR),
            ("container_key", STR),
            ("author_key", STR),
            ("created_at", TS),
            ("kind", STR),
            ("parent_key", STR),
            ("root_key", STR),
            ("shared_from_key", STR),
            ("text", STR),
            ("language", STR),
            ("urls", STRS),
            ("hashtags", STRS),
            ("mentions", STRS),
            ("reactions", I64),
            ("comments", I64),
            ("shares", I64),
            ("views", I64),
            ("partner_id", STR),
            ("wave", STR),
            ("run_id", STR),
        ]
    ),
    "interactions": pa.schema(
        [
            ("interaction_key", STR),
            ("platform", STR),
            ("kind", STR),
            ("source_key", STR),
            ("target_key", STR),
            ("item_key", STR),
            ("container_key", STR),
            ("created_at", TS),
            ("weight", F64),
            ("partner_id", STR),
            ("wave", STR),
            ("run_id", STR),
        ]
    ),
    "audience": pa.schema(
        [
            ("audience_key", STR),
            ("account_key", STR),
            ("platform", STR),
            ("date", pa.date32()),
            ("metric", STR),
            ("value", F64),
            ("definition", STR),
            ("partner_id", STR),
            ("wave", STR),
            ("run_id", STR),
        ]
    ),
    "audience_breakdown": pa.schema(
        [
            ("breakdown_key", STR),
            ("account_key", STR),
            ("platform", STR),
            ("date", pa.date32()),
            ("metric", STR),
            ("dimension", STR),
            ("category", STR),
            ("value", F64),
            ("definition", STR),
            ("partner_id", STR),
            ("wave", STR),
            ("run_id", STR),
        ]
    ),
    "client_records": pa.schema(
        [
            ("record_key", STR),
            ("partner_id", STR),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("dimension", STR),
            ("category", STR),
            ("count", I64),
            ("suppressed", pa.bool_()),
            ("wave", STR),
            ("run_id", STR),
        ]
    ),
    "survey_responses": pa.schema(
        [
            ("respondent_id", STR),
            ("wave", STR),
            ("weight", F64),
            ("strata", STR),
            ("cluster", STR),
            ("fpc", F64),
            ("answers", STR),
            ("run_id", STR),
        ]
    ),
    "survey_codebook": pa.schema(
        [
            ("variable", STR),
            ("question", STR),
            ("type", STR),
            ("value_labels", STR),
            ("scale", STR),
            ("wave", STR),
        ]
    ),
    "qual_sessions": pa.schema(
        [
            ("session_id", STR),
            ("kind", STR),
            ("segment", STR),
            ("partner_id", STR),
            ("held_on", pa.date32()),
            ("source", STR),
            ("wave", STR),
            ("run_id", STR),
        ]
    ),
    "participants": pa.schema(
        [
            ("participant_id", STR),
            ("session_id", STR),
            ("attributes", STR),
        ]
    ),
    "utterances": pa.schema(
        [
            ("utterance_id", STR),
            ("session_id", STR),
            ("participant_id", STR),
            ("speaker", STR),
            ("start_s", F64),
            ("end_s", F64),
            ("text", STR),
            ("run_id", STR),
        ]
    ),
    "codes": pa.schema(
        [
            ("code_id", STR),
            ("parent_id", STR),
            ("name", STR),
            ("description", STR),
            ("codebook", STR),
        ]
    ),
    "codings": pa.schema(
        [
            ("coding_id", STR),
            ("coder", STR),
            ("utterance_id", STR),
            ("start_char", I64),
            ("end_char", I64),
            ("code_id", STR),
        ]
    ),
    "item_labels": pa.schema(
        [
            ("item_key", STR),
            ("taxonomy", STR),
            ("category", STR),
            ("score", F64),
            ("method", STR),
            ("version", STR),
        ]
    ),
    "item_flags": pa.schema(
        [
            ("item_key", STR),
            ("flag", STR),
            ("rule_id", STR),
            ("evidence", STR),
            ("method", STR),
            ("version", STR),
        ]
    ),
    "results": pa.schema(
        [
            ("measure_id", STR),
            ("measure_version", I64),
            ("params_hash", STR),
            ("wave", STR),
            ("scope", STR),
            ("scope_id", STR),
            ("metric", STR),
            ("value", F64),
            ("lower", F64),
            ("upper", F64),
            ("n", I64),
            ("unit", STR),
            ("computed_at", TS),
            # v2: a breakdown within the scope (month, platform, category ...), so one measure
            # can report e.g. posts per month without encoding the month in the metric name.
            ("dimension", STR),
            ("category", STR),
        ]
    ),
    # v2: one row per measure run (measure, version, parameters, wave), for provenance and
    # to tell whether results are stale against the imports they were computed from.
    "measure_runs": pa.schema(
        [
            ("measure_id", STR),
            ("measure_version", I64),
            ("params_hash", STR),
            ("params", STR),
            ("wave", STR),
            ("started_at", TS),
            ("finished_at", TS),
            ("rows", I64),
            ("inputs_fingerprint", STR),
            ("status", STR),
        ]
    ),
    # v2: node positions of a network map, computed once and kept so maps stay stable.
    "graph_layouts": pa.schema(
        [
            ("layout_id", STR),
            ("account_key", STR),
            ("x", F64),
            ("y", F64),
            ("algorithm", STR),
            ("seed", I64),
            ("computed_at", TS),
        ]
    ),
    # v2: per-account memberships and positions computed by measures (community of a node,
    # its k-core ...), too many to keep as result rows.
    "node_attributes": pa.schema(
        [
            ("measure_id", STR),
            ("measure_version", I64),
            ("params_hash", STR),
            ("wave", STR),
            ("scope", STR),
            ("scope_id", STR),
            ("account_key", STR),
            ("attribute", STR),
            ("value", F64),
            ("label", STR),
        ]
    ),
    # v2: client-level rows, kept only when the study opts in (privacy.store_client_rows).
    "client_rows": pa.schema(
        [
            ("record_key", STR),
            ("partner_id", STR),
            ("client_ref", STR),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("attributes", STR),
            ("wave", STR),
            ("run_id", STR),
        ]
    ),
}

# The key column each table de-duplicates on (idempotent, merging imports).
KEYS: dict[str, str] = {
    "accounts": "account_key",
    "items": "item_key",
    "interactions": "interaction_key",
    "audience": "audience_key",
    "audience_breakdown": "breakdown_key",
    "client_records": "record_key",
    "client_rows": "record_key",
}

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    TS: "TIMESTAMPTZ",
    STRS: "VARCHAR[]",
}


def duck_type(t: pa.DataType) -> str:
    """The DuckDB type of an Arrow type used in the schema."""
    return _DUCK_TYPES[t]


def duckdb_ddl(name: str) -> str:
    """CREATE TABLE statement for one canonical table."""
    cols = ", ".join(f'"{f.name}" {_DUCK_TYPES[f.type]}' for f in TABLES[name])
    return f'CREATE TABLE IF NOT EXISTS "{name}" ({cols})'


def empty(name: str) -> pa.Table:
    """An empty Arrow table with the canonical columns of ``name``."""
    return TABLES[name].empty_table()


# Tables as schema v1 created them; migrations after v1 name their own changes, so that the
# v1 step keeps creating exactly the v1 tables whatever later versions add.
V1_TABLES = (
    "import_runs", "rejects", "organizations", "accounts", "items", "interactions", "audience",
    "audience_breakdown", "client_records", "survey_responses", "survey_codebook",
    "qual_sessions", "participants", "utterances", "codes", "codings", "item_labels",
    "item_flags", "results",
)  # fmt: skip
_V1_RESULTS_COLUMNS = 13


def _v1_ddl(name: str) -> str:
    if name != "results":
        return duckdb_ddl(name)
    cols = ", ".join(
        f'"{f.name}" {_DUCK_TYPES[f.type]}' for f in list(TABLES["results"])[:_V1_RESULTS_COLUMNS]
    )
    return f'CREATE TABLE IF NOT EXISTS "results" ({cols})'


# Migrations: MIGRATIONS[v] takes a workspace from version v-1 to v. Version 0 is an empty
# database. Each entry is a list of SQL statements run in one transaction.
MIGRATIONS: dict[int, list[str]] = {
    1: [_v1_ddl(name) for name in V1_TABLES],
    2: [
        'ALTER TABLE "results" ADD COLUMN IF NOT EXISTS "dimension" VARCHAR',
        'ALTER TABLE "results" ADD COLUMN IF NOT EXISTS "category" VARCHAR',
        duckdb_ddl("measure_runs"),
        duckdb_ddl("graph_layouts"),
        duckdb_ddl("node_attributes"),
        duckdb_ddl("client_rows"),
    ],
}
