"""The generic NDJSON importer's reader for DuckDB workspaces: items parsed on every core.

Python reads the file in blocks and splits them into numbered lines, exactly as the block
parser (:func:`settlescope.importers.generic.parse_generic_ndjson`) does; one DuckDB statement
parses and converts all of them, with the block parser's SQL, into the raw staging table of
:mod:`settlescope.importers.bulk`. Records DuckDB would read otherwise than orjson (see
:func:`_odd_scalar` and ``_LENIENT``) and lines it cannot parse are read again with the block
parser's own code, so the rows and rejects are the same whichever reader ran.
"""

from __future__ import annotations

import contextlib
import io
import queue
import threading
from collections.abc import Iterator
from typing import cast

import duckdb
import numpy as np
import orjson
import pyarrow as pa

from settlescope.importers.base import Batch, Reject, Source
from settlescope.importers.bulk import RAW_ITEM_COLUMNS, RAW_STAGE, create_raw_stage, invalid_sql
from settlescope.importers.generic import (
    INT_FIELDS,
    LIST_FIELDS,
    Converter,
    _decode_block,
    _from_records,
    _parse_numbered,
)
from settlescope.importers.normalize import to_table
from settlescope.store.workspace import Workspace
from settlescope.study.model import ColumnMapping

FAST_BLOCK_BYTES = 8 << 20
_LINES = "_ndjson_lines"
_LINE_SCHEMA = pa.schema([("ln", pa.int64()), ("line", pa.string())])
_RECHECK = "_stage_ndjson_recheck"
_RECHECK_SLICE = 20_000


def _odd_scalar(x: str, number_like: bool) -> str:
    """SQL: the text DuckDB gives for scalar ``x`` may differ from the block parser's.

    The block parser writes an integral number read as a fraction (``12.0``, ``1e+20``) as
    an integer and an integer beyond 64 bits as orjson reads it (a fraction); it writes an
    object or array back with orjson; it rejects NaN and infinity, which DuckDB's reader
    accepts in any case. DuckDB gives these as its own text. Records with such a value (or
    a string that looks like one) are re-read in Python. ``number_like`` fields (counts,
    times) read ``12.0`` and ``12`` alike and skip those checks. Cheap tests on the first
    character come first (no IN lists: DuckDB plans those as joins), as most values are
    plain strings.
    """
    first = f"ord({x})"
    not_finite = (
        f"CASE WHEN strlen({x}) <= 9 AND ({first} = 43 OR {first} = 45 OR {first} = 73 "
        f"OR {first} = 78 OR {first} = 105 OR {first} = 110) "
        f"THEN regexp_full_match({x}, '(?i)[-+]?(nan|inf|infinity)') ELSE false END"
    )
    if number_like:
        return f"({not_finite})"
    # A number as DuckDB writes it: 12.0, 1e+20, or 20 digits and more.
    number = (
        f"((ends_with({x}, '.0') OR contains({x}, 'e+')) AND NOT contains({x}, ' ') "
        f"OR CASE WHEN strlen({x}) >= 20 THEN regexp_full_match({x}, '-?[0-9]+') END)"
    )
    return (
        f"(CASE WHEN {first} BETWEEN 45 AND 57 THEN {number} OR ({not_finite}) "
        f"WHEN {first} = 91 OR {first} = 123 THEN true ELSE {not_finite} END)"
    )


# A list of strings as DuckDB writes it back (compact JSON).
_STRING_LIST = r'\["([^"\\]|\\.)*"(,"([^"\\]|\\.)*")*\]'
# Lines DuckDB's JSON reader accepts and orjson refuses: NaN and Infinity, trailing commas.
_LENIENT = ("NaN", "Infinity", ",}", ",]", ", }", ", ]")


def _views(source: Source, size: int) -> Iterator[tuple[memoryview, int]]:
    """Yield (block, bytes done), each block ending at a newline, without copying.

    Each block is a view of a buffer of its own, read into directly, so that the Arrow
    arrays made from it can outlive the next read.
    """
    rest = b""
    done = 0
    with source.open_binary() as fh:
        reader = cast(io.BufferedReader, fh)  # a file opened "rb"
        while True:
            buf = bytearray(len(rest) + size)
            buf[: len(rest)] = rest
            n = reader.readinto(memoryview(buf)[len(rest) :])
            end = len(rest) + n
            if n == 0:
                if rest:
                    yield memoryview(rest), done + len(rest)
                return
            cut = buf.rfind(b"\n", 0, end)
            if cut < 0:  # a line longer than the block: read on
                rest = bytes(buf[:end])
                continue
            rest = bytes(buf[cut + 1 : end])
            done += cut + 1
            yield memoryview(buf)[: cut + 1], done


class DuckNdjson:
    """NDJSON items read by DuckDB's JSON functions on all cores, block by block.

    Python splits each block into lines (numbered, with their text), exactly as the block
    parser does; DuckDB parses and converts them with the block parser's SQL into the raw
    staging table. Records DuckDB would read differently from the block parser (see
    ``_odd_scalar`` and ``_LENIENT``) and lines it cannot parse are re-read in Python with the
    block parser's code, so the rows and rejects are the same whichever reader ran.
    """

    def __init__(self, source: Source, mapping: ColumnMapping, ws: Workspace) -> None:
        self.source = source
        self.ws = ws
        self.conv = Converter(mapping, source)
        self.m = self.conv.m
        self.list_columns = frozenset(c for f, c in self.m.columns.items() if f in LIST_FIELDS)
        self.insert = self._insert_sql()

    def _insert_sql(self) -> str:
        columns = list(dict.fromkeys(self.m.columns.values()))
        struct = orjson.dumps(
            {c: "JSON" if c in self.list_columns else "VARCHAR" for c in columns}
        ).decode()
        # Each source column once, as a plain column (v0, v1, ...) whatever its name.
        name = {c: f"v{i}" for i, c in enumerate(columns)}
        unpacked = ", ".join('j."' + c.replace('"', '""') + f'" AS {name[c]}' for c in columns)
        values, odd = {}, [f"contains(line, '{s}')" for s in _LENIENT]
        for f, c in self.m.columns.items():
            v = name[c]
            if f in LIST_FIELDS:
                values[f] = (
                    f"CASE WHEN {v} IS NULL THEN NULL WHEN {v} = '[]' THEN []::VARCHAR[] "
                    f"ELSE json_extract_string({v}, '$[*]') END"
                )
                odd.append(f"({v} <> '[]' AND NOT regexp_full_match({v}, '{_STRING_LIST}'))")
            else:
                values[f] = v
                odd.append(_odd_scalar(v, f in INT_FIELDS or f == "created_at"))
        sel = self.conv.select(values)
        converted = ", ".join(
            f"{sel[c]} AS {c}" if c in sel else f"NULL AS {c}" for c in RAW_ITEM_COLUMNS
        )
        parsed = (
            f"SELECT ln, line, try(json_transform(line, '{struct.replace(chr(39), chr(39) * 2)}'))"
            f" AS j FROM {_LINES}"
        )
        flat = f"SELECT ln, line, j IS NULL AS unparsed, {unpacked} FROM ({parsed})"
        recheck = "unparsed OR NOT starts_with(line, '{') OR " + " OR ".join(odd)
        inner = (
            f"SELECT {converted}, ln AS _seq, line, coalesce({recheck}, false) AS _recheck "
            f"FROM ({flat})"
        )
        cols = ", ".join(RAW_ITEM_COLUMNS)
        return (
            f"INSERT INTO {RAW_STAGE} ({cols}, _seq, _raw, _recheck) SELECT {cols}, _seq, "
            f"CASE WHEN _recheck OR {invalid_sql()} THEN rtrim(line, chr(10)) END, _recheck "
            f"FROM ({inner})"
        )

    def batches(self) -> Iterator[Batch]:
        """Stage the file; yield a batch per block read, then one with the exact counts.

        DuckDB reads the whole file in one statement (on a worker thread) from a stream of
        blocks, so it parses on every core without a statement per block. The batches of the
        blocks only report progress: their ``staged`` counts lines, and the last batch
        corrects the count for blank lines and rejects and carries the rejects.
        """
        con = self.ws.duck
        create_raw_stage(self.ws)
        events: queue.Queue[tuple[int, int] | None] = queue.Queue()
        failed: list[BaseException] = []

        def blocks() -> Iterator[pa.RecordBatch]:
            first_line = 1
            try:
                for block, done in _views(self.source, FAST_BLOCK_BYTES):
                    if not utf8:
                        block = memoryview(_decode_block(self.source, bytes(block), first_line))
                    elif first_line == 1 and block[:3] == b"\xef\xbb\xbf":
                        block = block[3:]
                    lines = self._lines(block, first_line)
                    first_line += lines.num_rows
                    events.put((lines.num_rows, done))
                    # Batches of one DuckDB vector: with larger ones DuckDB holds on to far
                    # more memory than its limit while it inserts (600 MB more at 16k rows).
                    yield from lines.to_batches(max_chunksize=2048)
            except BaseException as e:  # DuckDB would only see its message
                failed.append(e)
                raise

        def stage() -> None:
            try:
                con.register(_LINES, pa.RecordBatchReader.from_batches(_LINE_SCHEMA, blocks()))
                con.execute(f"SET TimeZone = '{self.source.tz.key}'")
                result.append(int(con.execute(self.insert).fetchone()[0]))  # type: ignore[index]
            except BaseException as e:
                failed.append(e)
            finally:
                with contextlib.suppress(duckdb.Error):
                    con.execute("SET TimeZone = 'UTC'")
                    con.unregister(_LINES)
                events.put(None)

        utf8 = self.source.encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
        result: list[int] = []
        worker = threading.Thread(target=stage, name="settlescope-ndjson", daemon=True)
        worker.start()
        lines_seen = 0
        try:
            while (event := events.get()) is not None:
                lines_seen += event[0]
                yield Batch(staged=event[0], bytes_done=event[1])
        finally:
            if worker.is_alive():  # the import stopped early: stop DuckDB too
                con.interrupt()
            worker.join()
        if failed:
            raise failed[0]
        staged, rejects = self._reread(result[0])
        yield Batch(staged=staged - lines_seen, rejects=rejects, bytes_done=self.source.size)

    def _lines(self, block: memoryview, first_line: int) -> pa.Table:
        """The block's lines (each with its newline) and their numbers, without copying."""
        ends = np.flatnonzero(np.frombuffer(block, np.uint8) == 10)
        offsets = np.concatenate(([0], ends + 1)).astype(np.int32)
        if offsets[-1] < len(block):  # the file's last line may lack its newline
            offsets = np.append(offsets, np.int32(len(block)))
        n = len(offsets) - 1
        text = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(block))
        try:
            text.validate(full=True)
        except pa.ArrowInvalid:
            _decode_block(self.source, bytes(block), first_line)  # names the line and encoding
            raise
        ln = pa.array(np.arange(first_line, first_line + n, dtype=np.int64))
        return pa.table({"ln": ln, "line": text}, schema=_LINE_SCHEMA)

    def _reread(self, staged: int) -> tuple[int, list[Reject]]:
        """Re-read the records DuckDB flagged with the block parser's code; replace them.

        Returns the number of records staged and the rejects. The flagged lines are moved
        to a scratch table and read back a slice at a time, so memory stays flat however
        many there are.
        """
        con = self.ws.duck
        (flagged,) = con.execute(f"SELECT count(*) FROM {RAW_STAGE} WHERE _recheck").fetchone()  # type: ignore[misc]
        if not flagged:
            return staged, []
        self.ws.create_scratch(_RECHECK, "_seq BIGINT, _raw VARCHAR")
        con.execute(f"INSERT INTO {_RECHECK} SELECT _seq, _raw FROM {RAW_STAGE} WHERE _recheck")
        con.execute(f"DELETE FROM {RAW_STAGE} WHERE _recheck")
        staged -= flagged
        rejects: list[Reject] = []
        for start in range(0, flagged, _RECHECK_SLICE):
            rows = con.execute(
                f"SELECT _seq, _raw FROM {_RECHECK} WHERE rowid >= ? AND rowid < ?",
                [start, start + _RECHECK_SLICE],
            ).fetchall()
            n, bad = self._stage_reread(rows)
            staged += n
            rejects += bad
        return staged, rejects

    def _stage_reread(self, recheck: list[tuple[int, str]]) -> tuple[int, list[Reject]]:
        """Stage flagged records read by the block parser's code; return count and rejects."""
        con = self.ws.duck
        records, numbers, rejects = _parse_numbered((n, raw.encode()) for n, raw in recheck)
        if records:
            wanted = set(self.m.columns.values())
            locs = pa.array([f"line {n}" for n in numbers], pa.string())
            raw = to_table(
                self.conv(_from_records(records, wanted, self.list_columns), locs), "items"
            )
            text = dict(recheck)
            raw = raw.append_column("_seq", pa.array(numbers, pa.int64()))
            raw = raw.set_column(
                raw.schema.get_field_index("_raw"), "_raw", pa.array([text[n] for n in numbers])
            )
            cols = ", ".join(RAW_ITEM_COLUMNS)
            con.register("_ndjson_reread", raw)
            try:
                con.execute(
                    f"INSERT INTO {RAW_STAGE} ({cols}, _seq, _raw, _recheck) "
                    f"SELECT {cols}, _seq, _raw, false FROM _ndjson_reread"
                )
            finally:
                con.unregister("_ndjson_reread")
        return len(records), rejects
