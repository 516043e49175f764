"""The generic mapped CSV and NDJSON importers, with presets for 4CAT and Netlytic files.

A *mapping* says which source column holds each canonical field (``platform_id``, ``text``,
``author``, ``created_at`` ...). It comes from a named ``[mappings.NAME]`` table in the study,
from ``--map field=column`` on the command line, or from a preset. Without one, the columns
are expected to carry the canonical names themselves.

Files are streamed in blocks. NDJSON blocks are parsed by Arrow's C++ JSON reader; a block it
cannot parse (a broken line, types that change) is re-read line by line so that only the bad
lines become rejects. Values are converted (times, numbers) by a private in-memory DuckDB,
vectorised, in the time zone of the study or partner for times without an offset. In a DuckDB
workspace, NDJSON files of items are read by the workspace's DuckDB instead, with the same
conversions and the same results (:mod:`settlescope.importers.duckdb_ndjson`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.json as pj

from settlescope.errors import EncodingError, FormatError
from settlescope.importers.base import (
    Batch,
    Reject,
    Sniff,
    Source,
    encoding_error,
    importer,
    json_text,
)
from settlescope.store.workspace import Workspace
from settlescope.study.model import ColumnMapping

BLOCK_BYTES = 4 << 20

ITEM_FIELDS = (
    "platform",
    "platform_id",
    "container",
    "container_kind",
    "author",
    "author_name",
    "author_kind",
    "created_at",
    "kind",
    "parent_id",
    "thread_id",
    "shared_from",
    "text",
    "language",
    "urls",
    "hashtags",
    "mentions",
    "reactions",
    "comments",
    "shares",
    "views",
)
EDGE_FIELDS = (
    "platform",
    "kind",
    "source",
    "source_name",
    "source_kind",
    "target",
    "target_name",
    "target_kind",
    "item_id",
    "container",
    "created_at",
    "weight",
)
LIST_FIELDS = frozenset({"urls", "hashtags", "mentions"})
# Fields read as text whatever they look like (times above all: see parse_generic_ndjson).
TEXT_FIELDS = frozenset(
    {"created_at", "text", "author_name", "source_name", "target_name", "language", "kind",
     "container_kind", "author_kind", "source_kind", "target_kind", "platform"}
)  # fmt: skip
INT_FIELDS = frozenset({"reactions", "comments", "shares", "views"})
FLOAT_FIELDS = frozenset({"weight"})

PRESETS: dict[str, ColumnMapping] = {
    # 4CAT's "Custom/other" upload: id, thread_id, author, body, timestamp.
    "4cat-csv": ColumnMapping(
        format="csv",
        platform="other",
        table="items",
        columns={
            "platform_id": "id",
            "thread_id": "thread_id",
            "author": "author",
            "text": "body",
            "created_at": "timestamp",
        },
    ),
    # Netlytic's text/CSV upload: author and to are required; description (or title) and
    # pubdate (year-month-day, '15-07-07') are optional.
    "netlytic-csv": ColumnMapping(
        format="csv",
        platform="other",
        table="interactions",
        interaction_kind="reply",
        columns={"source": "author", "target": "to", "created_at": "pubdate"},
        timestamp_format="%y-%m-%d",
    ),
}


def mapping_fields(m: ColumnMapping) -> tuple[str, ...]:
    return ITEM_FIELDS if m.table == "items" else EDGE_FIELDS


def validate_mapping(m: ColumnMapping, source: Source) -> None:
    allowed = set(mapping_fields(m))
    for f in m.columns:
        if f not in allowed:
            raise FormatError(
                f"the mapping names '{f}', which is not a canonical field of {m.table}",
                file=source.name,
                field=f,
                hint="use one of: " + ", ".join(sorted(allowed)),
            )


def _identity(table: str) -> ColumnMapping:
    fields = ITEM_FIELDS if table == "items" else EDGE_FIELDS
    return ColumnMapping(format="ndjson", table=table, columns={f: f for f in fields})  # type: ignore[arg-type]


# -- conversion of string columns to raw rows ---------------------------------------------


class Converter:
    """Turns a table of source columns into raw canonical rows, vectorised in DuckDB."""

    def __init__(self, mapping: ColumnMapping, source: Source) -> None:
        if source.options.platform:
            mapping = mapping.model_copy(update={"platform": source.options.platform})
        self.m = mapping
        self.source = source
        self._con: duckdb.DuckDBPyConnection | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:  # opened on first use: the DuckDB reader may never need it
            self._con = duckdb.connect(":memory:")
            self._con.execute(f"SET TimeZone = '{self.source.tz.key}'")
            self._con.execute("SET threads = 2")
            self._con.execute("SET memory_limit = '128MB'")
        return self._con

    def __call__(self, t: pa.Table, locators: pa.Array) -> pa.Table:
        cols: dict[str, pa.Array] = {}
        for field_name, col_name in self.m.columns.items():
            if col_name not in t.column_names:
                continue
            col = t.column(col_name).combine_chunks()
            cols[field_name] = _as_list(col) if field_name in LIST_FIELDS else _as_string(col)
        cols["_locator"] = locators
        b = pa.table(cols)  # noqa: F841  (read by DuckDB by name)
        sel = self.select({f: f'"{f}"' for f in cols if f != "_locator"})
        sql = ", ".join(f"{e} AS {f}" for f, e in sel.items())
        out = self.con.execute(f'SELECT {sql}, "_locator" FROM b').fetch_arrow_table()
        i = out.schema.get_field_index("created_at")
        if i >= 0:
            out = out.set_column(i, "created_at", out.column(i).cast(pa.timestamp("us", tz="UTC")))
        return out

    def select(self, values: dict[str, str]) -> dict[str, str]:
        """The SQL that converts source values to raw canonical columns, by column.

        ``values`` maps each field present in the source to an SQL expression of its text
        (or, for list fields, of its list of texts); the same conversions serve the block
        parser and the DuckDB reader, so both give the same rows.
        """
        sel = {}
        for f in mapping_fields(self.m):
            if f not in values:
                if f == "platform":
                    sel[f] = f"'{self.m.platform}'"
                elif f == "kind" and self.m.table == "interactions":
                    sel[f] = f"'{self.m.interaction_kind}'"
                continue
            q = values[f]
            if f == "created_at":
                sel[f] = self._time_sql(q)
            elif f in INT_FIELDS:
                sel[f] = f"TRY_CAST(TRY_CAST({q} AS DOUBLE) AS BIGINT)"
            elif f in FLOAT_FIELDS:
                sel[f] = f"TRY_CAST({q} AS DOUBLE)"
            elif f == "platform":
                sel[f] = f"COALESCE(NULLIF(lower({q}), ''), '{self.m.platform}')"
            elif f in LIST_FIELDS:
                sel[f] = q
            else:
                sel[f] = f"NULLIF({q}, '')"
        return sel

    def _time_sql(self, q: str) -> str:
        fmt = self.m.timestamp_format
        epoch = (
            f"CASE WHEN abs(TRY_CAST({q} AS DOUBLE)) > 1e11 "
            f"THEN to_timestamp(TRY_CAST({q} AS DOUBLE) / 1000) "
            f"ELSE to_timestamp(TRY_CAST({q} AS DOUBLE)) END"
        )
        parts = []
        if fmt:
            fmt_sql = fmt.replace("'", "''")
            parts.append(f"try_strptime({q}, '{fmt_sql}')::TIMESTAMPTZ")
        # The common case (ISO 8601) first: COALESCE stops at the first non-null value.
        parts += [
            f"TRY_CAST({q} AS TIMESTAMPTZ)",
            f"CASE WHEN regexp_full_match({q}, '-?[0-9]{{9,13}}(\\.[0-9]+)?') THEN {epoch} END",
        ]
        return "COALESCE(" + ", ".join(parts) + ")"


def _as_string(col: pa.Array) -> pa.Array:
    t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return col.cast(pa.string())
    if pa.types.is_null(t):
        return pa.nulls(len(col), pa.string())
    if pa.types.is_integer(t) or pa.types.is_boolean(t) or pa.types.is_timestamp(t):
        return col.cast(pa.string())
    if pa.types.is_floating(t):
        # 12.0 from JSON is an id or a count: print it without the fraction when it has none.
        ints = pc.cast(col, pa.int64(), safe=False)
        whole = pc.equal(pc.cast(ints, pa.float64()), col)
        return pc.if_else(whole, ints.cast(pa.string()), col.cast(pa.string()))
    return pa.array(
        [None if v is None else orjson.dumps(v, default=str).decode() for v in col.to_pylist()],
        pa.string(),
    )


def _as_list(col: pa.Array) -> pa.Array:
    t = col.type
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        if pa.types.is_string(t.value_type):
            return col.cast(pa.list_(pa.string()))
        try:
            return col.cast(pa.list_(pa.string()))
        except pa.ArrowNotImplementedError:
            return pa.array(
                [[str(x) for x in v] if v is not None else None for v in col.to_pylist()],
                pa.list_(pa.string()),
            )
    s = _as_string(col)
    parts = pc.split_pattern_regex(pc.utf8_trim_whitespace(s), r"\s*[,;]\s*")
    return pa.array(
        [[p for p in v if p] if v is not None else None for v in parts.to_pylist()],
        pa.list_(pa.string()),
    )


# -- NDJSON --------------------------------------------------------------------------------


def _blocks(source: Source) -> Iterator[tuple[bytes, int, int]]:
    """Yield (block, first line number, bytes done), each block ending at a newline."""
    line = 1
    done = 0
    rest = b""
    with source.open_binary() as fh:
        while True:
            chunk = fh.read(BLOCK_BYTES)
            if not chunk:
                break
            chunk = rest + chunk
            cut = chunk.rfind(b"\n")
            if cut < 0:
                rest = chunk
                continue
            block, rest = chunk[: cut + 1], chunk[cut + 1 :]
            done += len(block)
            yield block, line, done
            line += block.count(b"\n")
        if rest:
            done += len(rest)
            yield rest, line, done


def _decode_block(source: Source, block: bytes, first_line: int) -> bytes:
    enc = source.encoding.lower().replace("_", "-")
    try:
        if enc in ("utf-8", "utf8", "utf-8-sig"):
            block.decode("utf-8")
            return block.removeprefix(b"\xef\xbb\xbf") if first_line == 1 else block
        return block.decode(enc).encode("utf-8")
    except UnicodeDecodeError as e:
        line = first_line + block.count(b"\n", 0, e.start)
        raise encoding_error(source, block, e, f"line {line}") from None


def _check_ndjson_tail(source: Source) -> None:
    with source.open_binary() as fh:
        fh.seek(max(0, source.size - 65536))
        tail = fh.read()
    if tail.endswith(b"\n") or tail.endswith(b"\r"):
        return
    last = tail.rsplit(b"\n", 1)[-1]
    try:
        orjson.loads(last)
    except orjson.JSONDecodeError:
        raise FormatError(
            "the file ends in the middle of a record: it looks truncated",
            file=source.name,
            locator="last line",
            hint="export or copy the file again; a complete NDJSON file ends with a whole line",
        ) from None


def _parse_lines(
    block: bytes, first_line: int
) -> tuple[list[dict[str, Any]], list[int], list[Reject]]:
    return _parse_numbered((first_line + i, raw) for i, raw in enumerate(block.split(b"\n")))


def _parse_numbered(
    lines: Iterable[tuple[int, bytes]],
) -> tuple[list[dict[str, Any]], list[int], list[Reject]]:
    """Parse numbered lines: the objects and their line numbers, and rejects (blanks skipped)."""
    good: list[dict[str, Any]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    for n, raw in lines:
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as e:
            rejects.append(
                Reject(
                    f"line {n}",
                    "bad-json",
                    f"not valid JSON: {e}",
                    raw.decode("utf-8", "replace")[:4000],
                )
            )
            continue
        if not isinstance(obj, dict):
            rejects.append(
                Reject(
                    f"line {n}",
                    "not-an-object",
                    "each line must be a JSON object",
                    raw.decode("utf-8", "replace")[:4000],
                )
            )
            continue
        good.append(obj)
        numbers.append(n)
    return good, numbers, rejects


def _raw_lines(block: bytes, lines: list[int], first_line: int) -> pa.Array:
    """The source text of the given lines, split in Arrow (no Python loop over the lines)."""
    all_lines = pc.list_flatten(pc.split_pattern(pa.array([block], pa.binary()), b"\n"))
    idx = pa.array(lines, pa.int64())
    return pc.cast(pc.take(all_lines, pc.subtract(idx, first_line)), pa.string(), safe=False)


def _nonblank_lines(block: bytes, first_line: int) -> list[int]:
    return [first_line + i for i, raw in enumerate(block.split(b"\n")) if raw.strip()]


def _from_records(
    records: list[dict[str, Any]], columns: set[str], list_columns: frozenset[str] = frozenset()
) -> pa.Table:
    """Records with any value types → table of the mapped columns (strings / lists).

    A value of a list column given as text (``"a, b"``) is split as a whole column of text
    would be (see :func:`_as_list`), whatever the other records hold.
    """
    out: dict[str, list[Any]] = {c: [] for c in columns}
    for r in records:
        for c in columns:
            v = _dig(r, c)
            if isinstance(v, list):
                out[c].append([x if isinstance(x, str) else orjson.dumps(x).decode() for x in v])
            elif v is None or isinstance(v, str):
                out[c].append(v)
            elif isinstance(v, bool):
                out[c].append(str(v).lower())
            elif isinstance(v, (int, float)):
                out[c].append(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
            else:
                out[c].append(orjson.dumps(v).decode())
    arrays = {}
    for c, vals in out.items():
        if any(isinstance(v, list) for v in vals):
            texts = [i for i, v in enumerate(vals) if isinstance(v, str)]
            if c in list_columns and texts:
                split = _as_list(pa.array([vals[i] for i in texts], pa.string())).to_pylist()
                for i, parts in zip(texts, split, strict=True):
                    vals[i] = parts
            arrays[c] = pa.array(
                [v if isinstance(v, list) or v is None else [v] for v in vals],
                pa.list_(pa.string()),
            )
        else:
            arrays[c] = pa.array(vals, pa.string())
    return pa.table(arrays) if arrays else pa.table({"_": pa.nulls(len(records))})


def _dig(obj: dict[str, Any], path: str) -> Any:
    if path in obj:
        return obj[path]
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _flatten_dotted(t: pa.Table, columns: set[str]) -> pa.Table:
    """Make dotted mapped columns (``user.id``) available from struct columns."""
    extra = {}
    for c in columns:
        if c in t.column_names or "." not in c:
            continue
        head, *rest = c.split(".")
        if head not in t.column_names:
            continue
        col = t.column(head)
        try:
            for part in rest:
                col = pc.struct_field(col, part)
        except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError):
            continue
        extra[c] = col
    for k, v in extra.items():
        t = t.append_column(k, v)
    return t


def _detect_ndjson(s: Sniff) -> float:
    text = json_text(s.head)
    if not text.startswith("{"):
        return 0.0
    first = text.split("\n", 1)[0].strip()
    try:
        obj = orjson.loads(first)
    except orjson.JSONDecodeError:
        return 0.0
    if not isinstance(obj, dict):
        return 0.0
    keys = set(obj)
    canonical = set(ITEM_FIELDS) | set(EDGE_FIELDS)
    if len(keys & canonical) >= 3 and (
        {"platform_id", "created_at"} <= keys or {"source", "target"} <= keys
    ):
        return 0.6
    return 0.05 if s.suffix in (".ndjson", ".jsonl", ".json", ".ldjson") else 0.02


def _detect_csv_header(s: Sniff, need: set[str], score: float) -> float:
    header = _header_of(s)
    if header is None:
        return 0.0
    cols = {h.strip().lower() for h in header}
    if need and need <= cols:
        return score
    return 0.0 if need else 0.05


def _header_of(s: Sniff) -> list[str] | None:
    text = s.head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text or text.lstrip().startswith(("{", "[", "<")):
        return None
    first = text.splitlines()[0] if text.splitlines() else ""
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    row = next(csv.reader([first], delimiter=delim), None)
    if not row or len(row) < 2:
        return None
    return row


def _ndjson_mapping(source: Source, default_table: str | None) -> ColumnMapping:
    if source.options.mapping is not None:
        return source.options.mapping
    table = default_table
    if table is None:
        with source.open_binary() as fh:
            for raw in fh:
                if raw.strip():
                    try:
                        obj = orjson.loads(raw)
                    except orjson.JSONDecodeError:
                        continue
                    if (
                        isinstance(obj, dict)
                        and "source" in obj
                        and "target" in obj
                        and "platform_id" not in obj
                    ):
                        table = "interactions"
                    break
    return _identity(table or "items")


# -- NDJSON read by the workspace's DuckDB (bulk path, see duckdb_ndjson) -----------------

FAST_PATH = True
"""Read NDJSON items with the workspace's DuckDB when it can (False: always the block parser)."""


def _bulk_ndjson(source: Source, ws: Workspace) -> Iterator[Batch] | None:
    """Stage the file's raw items in the workspace's DuckDB, or None to use the block parser.

    Items mapped by plain column names are read this way; interactions and dotted paths
    (``user.id``) go through :func:`parse_generic_ndjson`.
    """
    if not FAST_PATH:
        return None
    _check_ndjson_tail(source)
    mapping = _ndjson_mapping(source, None)
    validate_mapping(mapping, source)
    columns = mapping.columns
    list_columns = {c for f, c in columns.items() if f in LIST_FIELDS}
    scalar_columns = {c for f, c in columns.items() if f not in LIST_FIELDS}
    if (
        mapping.table != "items"
        or any("." in c for c in columns.values())
        or list_columns & scalar_columns
    ):
        return None
    from settlescope.importers.duckdb_ndjson import DuckNdjson  # it builds on this module

    return DuckNdjson(source, mapping, ws).batches()


@importer(
    id="generic-ndjson",
    name="Generic mapped NDJSON",
    reads="one JSON object per line, fields named as settlescope's canonical fields or mapped "
    "with --mapping/--map (items, or interactions with source/target)",
    fills=("items", "interactions", "accounts"),
    extensions=(".ndjson", ".jsonl", ".json"),
    detect=_detect_ndjson,
    expect='one JSON object per line (NDJSON), for example {"platform_id": "1", "created_at": ...}',
    bulk=_bulk_ndjson,
)
def parse_generic_ndjson(source: Source) -> Iterator[Batch]:
    _check_ndjson_tail(source)
    mapping = _ndjson_mapping(source, None)
    validate_mapping(mapping, source)
    conv = Converter(mapping, source)
    wanted = set(mapping.columns.values())
    list_columns = frozenset(c for f, c in mapping.columns.items() if f in LIST_FIELDS)
    # Arrow's JSON reader turns ISO 8601 strings into zone-less timestamps, converting any
    # offset to UTC: "03:00-05:00" and "08:00" would then read alike, and the study's zone
    # would be applied to both. Text fields keep their source text, so they are read as
    # strings; a block where one holds a number falls back to the line-by-line reader.
    as_text = pa.schema(
        [
            (col, pa.string())
            for f, col in mapping.columns.items()
            if f in TEXT_FIELDS and "." not in col
        ]
    )
    parse_opts = pj.ParseOptions(explicit_schema=as_text, unexpected_field_behavior="infer")
    for block, first_line, done in _blocks(source):
        block = _decode_block(source, block, first_line)
        rejects: list[Reject] = []
        try:
            t = pj.read_json(
                io.BytesIO(block),
                read_options=pj.ReadOptions(block_size=len(block) + 1),
                parse_options=parse_opts,
            )
            t = _flatten_dotted(t, wanted)
            lines = _nonblank_lines(block, first_line) if t.num_rows else []
            t = t.select([c for c in t.column_names if c in wanted])
            if len(lines) != t.num_rows:
                raise pa.ArrowInvalid("row count mismatch")
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            records, lines, rejects = _parse_lines(block, first_line)
            t = _from_records(records, wanted, list_columns)
        locs = pa.array([f"line {n}" for n in lines], pa.string())
        raw_table = conv(t, locs) if len(lines) else None
        if raw_table is not None:
            # The source text is only needed for rows the framework will reject.
            required = (
                ("platform_id", "created_at") if mapping.table == "items" else ("source", "target")
            )
            if any(
                c not in raw_table.column_names or raw_table.column(c).null_count for c in required
            ):
                raw_table = raw_table.append_column("_raw", _raw_lines(block, lines, first_line))
        rows = {mapping.table: raw_table} if raw_table is not None else {}
        yield Batch(rows=rows, rejects=rejects, bytes_done=done)


# -- CSV -----------------------------------------------------------------------------------


def _csv_parse(source: Source, mapping: ColumnMapping) -> Iterator[Batch]:
    validate_mapping(mapping, source)
    head = Sniff.of(source.path).head
    enc = source.encoding
    if enc.lower().replace("-", "") in ("utf8", "utf8sig"):
        enc = "utf8"
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.start < len(head) - 4:  # not just a character cut at the sniff boundary
                line = head.count(b"\n", 0, e.start) + 1
                raise encoding_error(source, head, e, f"line {line}") from None
    text_head = head.decode(enc if enc != "utf8" else "utf-8", errors="replace").lstrip("\ufeff")
    first_line = text_head.splitlines()[0] if text_head.strip() else ""
    delim = max(",;\t", key=first_line.count)
    header = [h.strip() for h in next(csv.reader([first_line], delimiter=delim), [])]
    if len(header) < 2 or text_head.lstrip().startswith(("{", "[", "<")):
        raise FormatError(
            "no header row found",
            file=source.name,
            locator="line 1",
            hint="the first line must name the columns",
        )
    lower = {h.lower(): h for h in header}
    required = {"items": ("platform_id", "created_at"), "interactions": ("source", "target")}[
        mapping.table
    ]
    explicit = source.options.mapping is not None
    columns = {}
    missing = []
    for f, c in mapping.columns.items():
        if c in header:
            columns[f] = c
        elif c.lower() in lower:
            columns[f] = lower[c.lower()]
        elif explicit or f in required:
            missing.append(c)
    if missing:
        raise FormatError(
            "required column(s) missing: " + ", ".join(missing),
            file=source.name,
            locator="line 1 (header)",
            field=missing[0],
            hint=f"the header has: {', '.join(header)}; map the columns with --map FIELD=COLUMN "
            "or a [mappings.NAME] table in study.toml",
        )
    mapping = mapping.model_copy(update={"columns": columns})
    _check_csv_tail(source, len(header), delim)
    conv = Converter(mapping, source)
    bad_rows: list[Reject] = []

    def on_invalid(row: Any) -> str:
        loc = f"row {row.number}" if row.number is not None else "row ?"
        bad_rows.append(
            Reject(
                loc,
                "bad-row",
                f"expected {row.expected_columns} columns, found {row.actual_columns}",
                row.text[:4000],
            )
        )
        return "skip"

    read_opts = pcsv.ReadOptions(
        encoding=enc, block_size=BLOCK_BYTES, column_names=header, skip_rows=1, use_threads=False
    )
    parse_opts = pcsv.ParseOptions(
        delimiter=delim, newlines_in_values=True, invalid_row_handler=on_invalid
    )
    conv_opts = pcsv.ConvertOptions(
        column_types={h: pa.string() for h in header},
        include_columns=list(dict.fromkeys(columns.values())),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    counter = _CountingReader(source.open_binary())
    try:
        reader = pcsv.open_csv(
            counter, read_options=read_opts, parse_options=parse_opts, convert_options=conv_opts
        )
        row0 = 2
        total = source.size
        for rb in reader:
            t = pa.Table.from_batches([rb])
            # Rows are numbered as records of the file, the header being row 1; rows skipped
            # as invalid while this batch was parsed keep their numbers.
            skipped = {_row_no(r.locator) for r in bad_rows}
            nums = []
            while len(nums) < t.num_rows:
                if row0 not in skipped:
                    nums.append(row0)
                row0 += 1
            locs = pa.array([f"row {n}" for n in nums], pa.string())
            rejects, bad_rows[:] = list(bad_rows), []
            yield Batch(
                rows={mapping.table: conv(t, locs)}, rejects=rejects, bytes_done=counter.done
            )
        if bad_rows:
            yield Batch(rejects=list(bad_rows), bytes_done=total)
    except pa.ArrowInvalid as e:
        msg = str(e)
        if "UTF8" in msg or "UTF-8" in msg:
            raise EncodingError(
                "the file is not valid UTF-8 text",
                file=source.name,
                hint="the file looks like Windows-1252 (saved by Excel): re-run with --encoding cp1252",
            ) from None
        raise FormatError(
            f"the CSV could not be read: {msg}",
            file=source.name,
            hint="check that the file is complete (not cut off) and is a CSV",
        ) from None
    finally:
        counter.close()


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read through it, for progress."""

    def __init__(self, fh: Any) -> None:
        self._fh = fh
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._fh.readinto(b)
        self.done += n or 0
        return n  # type: ignore[no-any-return]

    def close(self) -> None:
        self._fh.close()
        super().close()


def _row_no(locator: str) -> int:
    m = re.match(r"row (\d+)$", locator)
    return int(m.group(1)) if m else -1


def _check_csv_tail(source: Source, ncols: int, delim: str) -> None:
    with source.open_binary() as fh:
        fh.seek(max(0, source.size - 65536))
        tail = fh.read()
    if tail.endswith(b"\n") or tail.endswith(b"\r"):
        return
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
    fields = next(csv.reader([last], delimiter=delim), [])
    if last.count('"') % 2 == 1 or len(fields) < ncols:
        raise FormatError(
            "the file ends in the middle of a row: it looks truncated",
            file=source.name,
            locator="last line",
            hint="export or copy the file again",
        )


def _csv_mapping(source: Source, preset: str | None) -> ColumnMapping:
    if source.options.mapping is not None:
        return source.options.mapping
    if preset:
        return PRESETS[preset]
    return _identity("items").model_copy(update={"format": "csv"})


@importer(
    id="generic-csv",
    name="Generic mapped CSV",
    reads="a CSV with a header row; columns mapped onto canonical fields with --mapping NAME "
    "(study.toml) or --map FIELD=COLUMN, or named as canonical fields",
    fills=("items", "interactions", "accounts"),
    extensions=(".csv", ".tsv", ".txt"),
    detect=lambda s: (
        _detect_csv_header(s, {"platform_id", "created_at"}, 0.5)
        or _detect_csv_header(s, set(), 0.05)
    ),
    expect="a CSV file whose first line names the columns",
)
def parse_generic_csv(source: Source) -> Iterator[Batch]:
    yield from _csv_parse(source, _csv_mapping(source, None))


@importer(
    id="4cat-csv",
    name="4CAT minimal CSV",
    reads="4CAT's custom upload CSV: id, thread_id, author, body, timestamp",
    fills=("items", "accounts", "interactions"),
    extensions=(".csv",),
    detect=lambda s: _detect_csv_header(s, {"id", "thread_id", "author", "body", "timestamp"}, 0.8),
    expect="a CSV with the columns id, thread_id, author, body, timestamp",
)
def parse_4cat_csv(source: Source) -> Iterator[Batch]:
    yield from _csv_parse(source, _csv_mapping(source, "4cat-csv"))


@importer(
    id="netlytic-csv",
    name="Netlytic CSV",
    reads="Netlytic's upload CSV: author and to (required), description or title, pubdate",
    fills=("interactions", "accounts"),
    extensions=(".csv",),
    detect=lambda s: _detect_csv_header(s, {"author", "to"}, 0.7),
    expect="a CSV with lower-case columns author and to (and optionally description, title, pubdate)",
)
def parse_netlytic_csv(source: Source) -> Iterator[Batch]:
    yield from _csv_parse(source, _csv_mapping(source, "netlytic-csv"))


def parse_map_option(
    values: list[str], table: str, platform: str | None, fmt: str
) -> ColumnMapping:
    """Build a mapping from ``--map FIELD=COLUMN`` options."""
    cols = {}
    for v in values:
        if "=" not in v:
            from settlescope.errors import UsageError

            raise UsageError(
                f"--map takes FIELD=COLUMN, not '{v}'",
                field="--map",
                hint="for example --map text=message --map created_at=time",
            )
        f, c = v.split("=", 1)
        cols[f.strip()] = c.strip()
    return ColumnMapping(format=fmt, table=table, platform=platform or "other", columns=cols)  # type: ignore[arg-type]
