"""Shared pieces for reading source files: text, JSON, NDJSON, CSV, values and batches.

The importers read many formats, but the same few problems come back in each: decode a file
strictly in ``source.encoding``, stream a large JSON document, read one JSON value per line,
read CSV records with their raw text, turn loose values into counts and times, and hand rows
out as :class:`~settlescope.importers.base.Batch` objects every few thousand records. This
module holds one careful version of each, so every importer refuses bad input the same way.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import ijson
import orjson

from settlescope.importers.base import Batch, Reject, Sniff, Source, encoding_error, json_text

BATCH = 2000
"""Records per batch that the importers yield (primary rows, see :class:`BatchBuilder`)."""
RAW_LIMIT = 4000
"""Characters of source text kept in a row's ``_raw`` or a reject's raw text."""
MAX_DOCUMENT_BYTES = 512 << 20
"""The largest JSON document :func:`json_document` loads at once."""
UTC = dt.UTC
HASHTAG_RE = re.compile(r"(?<![\w#])#(\w+)")
URL_RE = re.compile(r"https?://[^\s\"'<>)\]]+")
V1_TIME = "%a %b %d %H:%M:%S %z %Y"
_EPOCH = re.compile(r"-?\d{9,13}(\.\d+)?")
_REFETCH = "export or download the file again; a cut-off download cannot be imported"


def _is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")


# -- batches -----------------------------------------------------------------------------------


class BatchBuilder:
    """Collect rows, aux rows, accounts and rejects; hand them out as a :class:`Batch`.

    Parameters
    ----------
    tables : tuple of str, optional
        Primary tables present in every batch, even when empty (``("items",)``).
    aux_tables : tuple of str, optional
        Aux tables present in every batch, even when empty (``("accounts",)``).
    size : int, optional
        :meth:`full` is true once this many records are held.
    count_rejects : bool, optional
        Whether rejects count towards ``size`` (besides the primary rows).

    Notes
    -----
    ``accounts`` is a dict keyed by account ref that parsers fill directly (the last row for
    a ref wins); :meth:`take` lists it as the ``accounts`` aux table after any rows given to
    :meth:`add_aux`. ``done`` is the ``bytes_done`` of the next batch.

    Examples
    --------
    >>> b = BatchBuilder(tables=("items",), size=2)
    >>> b.add("items", {"platform_id": "1"})
    >>> b.full()
    False
    >>> b.add("items", {"platform_id": "2"})
    >>> b.full(), len(b.take().rows["items"]), b.pending()
    (True, 2, False)
    """

    def __init__(
        self,
        tables: tuple[str, ...] = (),
        aux_tables: tuple[str, ...] = (),
        size: int = BATCH,
        count_rejects: bool = True,
    ) -> None:
        self._tables = tables
        self._aux_tables = aux_tables
        self.size = size
        self.count_rejects = count_rejects
        self.done = 0
        self._reset()

    def _reset(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in self._tables}
        self.aux: dict[str, list[dict[str, Any]]] = {t: [] for t in self._aux_tables}
        self.accounts: dict[Any, dict[str, Any]] = {}
        self.rejects: list[Reject] = []

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Add one primary row (counted by the run) to ``table``."""
        self.rows.setdefault(table, []).append(row)

    def add_aux(self, table: str, row: dict[str, Any]) -> None:
        """Add one aux row (not counted) to ``table``."""
        self.aux.setdefault(table, []).append(row)

    def reject(self, r: Reject) -> None:
        """Add one reject."""
        self.rejects.append(r)

    def count(self) -> int:
        """The records held: primary rows, and rejects when they count."""
        n = sum(len(v) for v in self.rows.values())
        return n + len(self.rejects) if self.count_rejects else n

    def full(self) -> bool:
        """True once the records held reach the batch size."""
        return self.count() >= self.size

    def pending(self) -> bool:
        """True while any primary row or reject is held."""
        return any(self.rows.values()) or bool(self.rejects)

    def take(self, bytes_done: int | None = None) -> Batch:
        """The batch of everything held (``bytes_done`` defaults to ``done``); then empty."""
        aux = dict(self.aux)
        if self.accounts or "accounts" in self._aux_tables:
            aux["accounts"] = aux.get("accounts", []) + list(self.accounts.values())
        b = Batch(
            rows=dict(self.rows),
            aux=aux,
            rejects=list(self.rejects),
            bytes_done=self.done if bytes_done is None else bytes_done,
        )
        self._reset()
        return b


# -- strict text -------------------------------------------------------------------------------


class Utf8Stream(io.RawIOBase):
    """A file's bytes re-encoded to UTF-8 from ``source.encoding``, strictly, without a BOM.

    JSON parsers read this instead of the file, so a wrong encoding becomes an
    :class:`~settlescope.errors.EncodingError` naming ``--encoding`` rather than a parse error.
    ``done`` is the number of the file's bytes read so far.

    Parameters
    ----------
    source : Source
        The file to read.

    Examples
    --------
    >>> stream = Utf8Stream(source)  # doctest: +SKIP
    >>> ijson.items(io.BufferedReader(stream), "item")  # doctest: +SKIP
    """

    def __init__(self, source: Source) -> None:
        self._source = source
        self._fh = source.open_binary()
        enc = source.encoding.lower().replace("_", "-")
        self._enc = "utf-8-sig" if enc in ("utf-8", "utf8", "utf-8-sig") else source.encoding
        self._dec = codecs.getincrementaldecoder(self._enc)(errors="strict")
        self._buf = b""
        self._offset = 0
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            chunk = self._fh.read(1 << 16)
            final = not chunk
            try:
                text = self._dec.decode(chunk, final=final)
            except UnicodeDecodeError as e:
                raise encoding_error(
                    self._source, chunk or e.object, e, f"byte {self._offset + max(0, e.start)}"
                ) from None
            self._offset += len(chunk)
            self.done = self._offset
            self._buf = text.encode("utf-8")
            if final:
                break
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def decoded_lines(source: Source) -> Iterator[tuple[str, int]]:
    """Lines of a text file with their newlines, decoded strictly, with bytes done.

    Parameters
    ----------
    source : Source
        The file; a UTF-8 BOM is dropped.

    Yields
    ------
    tuple of (str, int)
        The line's text and the number of the file's bytes read through it.

    Raises
    ------
    EncodingError
        At the first line that is not valid in ``source.encoding``.

    Examples
    --------
    >>> for text, done in decoded_lines(source):  # doctest: +SKIP
    ...     print(text.rstrip("\\n"))
    """
    enc = source.encoding
    if _is_utf8(enc):
        enc = "utf-8-sig"
    dec = codecs.getincrementaldecoder(enc)(errors="strict")
    done = 0
    with source.open_binary() as fh:
        for n, raw in enumerate(fh, start=1):
            done += len(raw)
            try:
                text = dec.decode(raw)
            except UnicodeDecodeError as e:
                raise encoding_error(source, raw, e, f"line {n}") from None
            yield text, done
        try:
            tail = dec.decode(b"", final=True)
        except UnicodeDecodeError as e:
            raise encoding_error(source, b"\x00", e, "end of file") from None
        if tail:
            yield tail, done


def check_encoding(source: Source) -> None:
    """Decode the whole file strictly (streaming) and refuse it at the first bad byte.

    Parameters
    ----------
    source : Source
        The file to check against ``source.encoding``.

    Raises
    ------
    EncodingError
        Naming the line of the first byte that does not decode.

    Examples
    --------
    >>> check_encoding(source)  # doctest: +SKIP
    """
    enc = source.encoding
    dec = codecs.getincrementaldecoder(enc)(errors="strict")
    line = 1
    with source.open_binary() as fh:
        while chunk := fh.read(1 << 20):
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as e:
                where = line + chunk.count(b"\n", 0, e.start)
                raise encoding_error(source, chunk, e, f"line {where}") from None
            line += chunk.count(b"\n")
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError as e:
            raise encoding_error(source, b"\x00", e, "end of file") from None


# -- JSON documents ----------------------------------------------------------------------------


def first_char(s: Sniff) -> str:
    """The first character of a sniffed JSON file, after any BOM and white space.

    Examples
    --------
    >>> first_char(Sniff.of(path))  # doctest: +SKIP
    '['
    """
    return json_text(s.head)[:1]


def json_items(
    source: Source, prefix: str, what: str, hint: str = _REFETCH
) -> Iterator[tuple[int, Any, int]]:
    """Yield ``(index, value, bytes_done)`` for each element under an ijson ``prefix``.

    Parameters
    ----------
    source : Source
        The JSON file, decoded strictly through :class:`Utf8Stream`.
    prefix : str
        The ijson prefix of the elements, such as ``"result.posts.item"``.
    what : str
        What the elements are, in the plural, for the refusal message.
    hint : str, optional
        What to do when the file is refused.

    Raises
    ------
    FormatError
        When the file is not valid JSON or ends early, with its byte position.

    Examples
    --------
    >>> for i, post, done in json_items(source, "result.posts.item", "posts"):  # doctest: +SKIP
    ...     print(i, post["platformId"])
    """
    stream = Utf8Stream(source)
    i = -1
    try:
        for i, value in enumerate(ijson.items(io.BufferedReader(stream), prefix, use_float=True)):
            yield i, value, stream.done
    except ijson.JSONError as e:
        raise source.error(
            f"the file is not complete, valid JSON ({e}); {i + 1} {what} were read before the problem",
            locator=f"byte {stream.done}",
            hint=hint,
        ) from None
    finally:
        stream.close()


def json_scalars(source: Source) -> dict[str, Any]:
    """The top-level scalar values and small arrays of objects of a JSON object (one pass).

    Only top-level keys are kept (strings, numbers, booleans, and for arrays of objects up to
    1,000 of their ``name`` values, such as DYI ``participants``), so memory stays small on
    large files.

    Parameters
    ----------
    source : Source
        The JSON file.

    Returns
    -------
    dict
        Key to value, or key to a list of names.

    Raises
    ------
    FormatError
        When the file is not complete, valid JSON.

    Examples
    --------
    >>> json_scalars(source)["title"]  # doctest: +SKIP
    'Ana Silva'
    """
    out: dict[str, Any] = {}
    stream = Utf8Stream(source)
    try:
        for prefix, event, value in ijson.parse(io.BufferedReader(stream), use_float=True):
            if "." not in prefix and event in ("string", "number", "boolean") and prefix:
                out[prefix] = value
            elif prefix.endswith(".item.name") and prefix.count(".") == 2 and event == "string":
                key = prefix.split(".", 1)[0]
                lst = out.setdefault(key, [])
                if isinstance(lst, list) and len(lst) < 1000:
                    lst.append(value)
    except ijson.JSONError as e:
        raise source.error(
            f"the file is not complete, valid JSON ({e})",
            locator=f"byte {stream.done}",
            hint=_REFETCH,
        ) from None
    finally:
        stream.close()
    return out


@dataclass(frozen=True)
class JsonRecord:
    """One record of a JSON file: a parsed value, or the reason it could not be parsed.

    Examples
    --------
    >>> JsonRecord("line 3", None, "{", 10, "bad-json", "cut off").reject().reason
    'bad-json'
    """

    locator: str
    value: Any
    raw: str
    done: int
    reason: str | None = None
    message: str = ""

    def reject(self) -> Reject:
        """The record as a :class:`Reject` (reason ``bad-json`` unless another is set)."""
        return Reject(self.locator, self.reason or "bad-json", self.message, self.raw[:RAW_LIMIT])


def record_batches(
    records: Iterable[JsonRecord],
    handle: Callable[[JsonRecord, Any, BatchBuilder], None],
    noun: str | None = None,
) -> Iterator[Batch]:
    """Batches of JSON records, each read by ``handle`` into a :class:`BatchBuilder`.

    Parameters
    ----------
    records : iterable of JsonRecord
        From :func:`json_lines`, :func:`json_array` or the like; a record that could not be
        parsed becomes its reject.
    handle : callable
        ``handle(record, value, builder)`` adds the value's rows, aux rows or rejects.
    noun : str, optional
        When given, a value that is not a JSON object is rejected as ``not-an-object``
        ("<noun> must be a JSON object") instead of being handed to ``handle``.

    Yields
    ------
    Batch
        Every :data:`BATCH` records (rows and rejects), and the rest at the end.

    Examples
    --------
    >>> def handle(rec, v, buf):  # doctest: +SKIP
    ...     buf.add("items", {"platform_id": v["id"], "_locator": rec.locator})
    >>> list(record_batches(json_lines(source), handle, "each line"))  # doctest: +SKIP
    """
    buf = BatchBuilder()
    for rec in records:
        buf.done = rec.done
        v = rec.value
        if rec.reason:
            buf.reject(rec.reject())
        elif noun is not None and not isinstance(v, dict):
            buf.reject(
                Reject(
                    rec.locator,
                    "not-an-object",
                    f"{noun} must be a JSON object",
                    rec.raw[:RAW_LIMIT],
                )
            )
        else:
            handle(rec, v, buf)
        if buf.full():
            yield buf.take()
    if buf.pending():
        yield buf.take()


def json_shape(source: Source) -> str:
    """Whether a JSON file is an ``array``, ``lines`` (NDJSON) or one ``object`` document.

    Parameters
    ----------
    source : Source
        The file.

    Returns
    -------
    str
        ``"array"``, ``"lines"`` or ``"object"``.

    Raises
    ------
    FormatError
        When the file does not start with ``{`` or ``[``.

    Examples
    --------
    >>> json_shape(source)  # doctest: +SKIP
    'lines'
    """
    with source.open_binary() as fh:
        head = fh.read(1 << 16)
    text = json_text(head)
    if text.startswith("["):
        return "array"
    if not text.startswith("{"):
        raise source.error(
            "the file is not JSON (it does not start with '{' or '[')",
            locator="line 1",
            hint="check that this is the export file itself, not a web page or a CSV",
        )
    first = text.split("\n", 1)[0].strip()
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        # a pretty-printed document, or a first line longer than the head: read the real line
        with source.open_binary() as fh:
            line = fh.readline(MAX_DOCUMENT_BYTES)
        try:
            orjson.loads(line.decode(source.encoding, errors="replace").lstrip("\ufeff"))
        except orjson.JSONDecodeError:
            return "object"
    return "lines"


def json_lines(source: Source) -> Iterator[JsonRecord]:
    """One record per non-blank line of an NDJSON file; bad lines come back with a reason.

    Parameters
    ----------
    source : Source
        The file, read with ``source.text_lines()``.

    Yields
    ------
    JsonRecord
        Located ``line N``; a line that is not JSON has reason ``bad-json``.

    Examples
    --------
    >>> [r.locator for r in json_lines(source)]  # doctest: +SKIP
    ['line 1', 'line 2']
    """
    for n, line, done in source.text_lines():
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            yield JsonRecord(
                f"line {n}",
                None,
                line,
                done,
                "bad-json",
                f"not valid JSON (the line may be cut off): {e}",
            )
            continue
        yield JsonRecord(f"line {n}", value, line, done)


def _utf8_stream(source: Source) -> io.BufferedIOBase | io.BytesIO:
    if _is_utf8(source.encoding):
        return source.open_binary()  # type: ignore[return-value]
    with source.open_binary() as fh:
        return io.BytesIO(fh.read().decode(source.encoding).encode("utf-8"))


def check_tail(source: Source, ends: bytes) -> None:
    """Refuse a JSON file whose last non-blank byte is not one of ``ends`` (it is cut off).

    Examples
    --------
    >>> check_tail(source, b"]")  # doctest: +SKIP
    """
    with source.open_binary() as fh:
        fh.seek(max(0, source.size - 4096))
        tail = fh.read().rstrip()
    if not tail or tail[-1:] not in [bytes([b]) for b in ends]:
        raise source.error(
            "the JSON ends in the middle of the data: it looks truncated",
            locator="end of file",
            hint="export or copy the file again; a complete file ends with ']'",
        )


def json_array(source: Source, prefix: str = "item", pointer: str = "") -> Iterator[JsonRecord]:
    """Stream the elements of a JSON array without loading the file.

    Parameters
    ----------
    source : Source
        The file; its tail and encoding are checked before anything is yielded.
    prefix : str, optional
        The ijson prefix of the elements (``"item"`` for a top-level array).
    pointer : str, optional
        The JSON pointer of the array, for the records' locators (``"/data"``).

    Raises
    ------
    FormatError
        When the file is cut off or not valid JSON.

    Examples
    --------
    >>> [r.locator for r in json_array(source)]  # doctest: +SKIP
    ['/0', '/1']
    """
    check_tail(source, b"]}" if prefix != "item" else b"]")
    check_encoding(source)
    i = -1
    fh = _utf8_stream(source)
    try:
        for i, value in enumerate(ijson.items(fh, prefix, use_float=True)):
            yield JsonRecord(f"{pointer}/{i}", value, raw_json(value), fh.tell())
    except ijson.JSONError as e:
        raise source.error(
            f"the JSON is broken after element {i} of the array: {str(e).splitlines()[0]}",
            locator=f"{pointer}/{i + 1}",
            hint="export or copy the file again; it may be cut off or edited by hand",
        ) from None
    finally:
        fh.close()


def json_document(source: Source) -> Any:
    """Load one JSON document (such as an API response); refuse a huge or broken one.

    Raises
    ------
    FormatError
        When the file is larger than :data:`MAX_DOCUMENT_BYTES` or not valid JSON.
    EncodingError
        When it does not decode in ``source.encoding``.

    Examples
    --------
    >>> json_document(source)["kind"]  # doctest: +SKIP
    'Listing'
    """
    if source.size > MAX_DOCUMENT_BYTES:
        raise source.error(
            "the JSON document is too large to read at once",
            hint="split it into one record per line (NDJSON), for example with jq -c '.[]'",
        )
    with source.open_binary() as fh:
        data = fh.read()
    try:
        text = data.decode(source.encoding)
    except UnicodeDecodeError as e:
        where = data.count(b"\n", 0, e.start) + 1
        raise encoding_error(source, data, e, f"line {where}") from None
    try:
        return orjson.loads(text.lstrip("\ufeff"))
    except orjson.JSONDecodeError as e:
        raise source.error(
            f"the file is not valid JSON: {e}",
            locator=f"line {text.count(chr(10), 0, e.pos) + 1}",
            hint="export or copy the file again; it may be cut off",
        ) from None


def raw_json(obj: Any) -> str:
    """A value as compact JSON text for ``_raw`` (at most :data:`RAW_LIMIT` characters).

    Examples
    --------
    >>> raw_json({"id": 1})
    '{"id":1}'
    """
    try:
        return orjson.dumps(obj, default=str).decode()[:RAW_LIMIT]
    except TypeError:  # integers beyond 64 bits
        return str(obj)[:RAW_LIMIT]


# -- CSV ---------------------------------------------------------------------------------------


class CsvRecords:
    """CSV records of a text file, numbered as rows (the first record is row 1).

    Iterating yields ``(row number, fields, raw text)``. ``bytes_done`` follows the reading;
    a file that ends inside a quoted field is refused.

    Parameters
    ----------
    source : Source
        The file, decoded strictly with :func:`decoded_lines`.
    delimiter : str, optional
        The field delimiter (a comma by default).

    Examples
    --------
    >>> for n, fields, raw in CsvRecords(source):  # doctest: +SKIP
    ...     print(n, fields)
    """

    def __init__(self, source: Source, delimiter: str | None = None) -> None:
        self.source = source
        self.bytes_done = 0
        self._delim = delimiter

    def _lines(self) -> Iterator[str]:
        for text, done in decoded_lines(self.source):
            self.bytes_done = done
            yield text

    def __iter__(self) -> Iterator[tuple[int, list[str], str]]:
        lines = self._lines()
        buf: list[str] = []

        def feed() -> Iterator[str]:
            for ln in lines:
                buf.append(ln)
                yield ln

        delim = self._delim or ","
        reader = csv.reader(feed(), delimiter=delim, strict=True)
        n = 0
        while True:
            buf.clear()
            try:
                rec = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise self.source.error(
                    f"the CSV cannot be read past this point ({e}): the file looks cut off or "
                    "is not a CSV",
                    locator=f"row {n + 1}",
                    hint="export the file again; do not edit it in a text editor that changes quotes",
                ) from None
            n += 1
            yield n, rec, "".join(buf)[:RAW_LIMIT]


def csv_dict_rows(
    records: CsvRecords,
    on_header: Callable[[list[str]], None],
    reject: Callable[[Reject], None],
) -> Iterator[tuple[str, dict[str, str], str]]:
    """The rows of a CSV with a header line, as dicts keyed by the header's names.

    Parameters
    ----------
    records : CsvRecords
        The file's records; the first is the header (white space and a BOM are trimmed).
    on_header : callable
        Called once with the header, before any row; it may refuse the file.
    reject : callable
        Given a ``bad-row`` :class:`Reject` for each row whose number of fields differs
        from the header's. Rows with only blank fields are skipped.

    Yields
    ------
    tuple of (str, dict, str)
        The row's locator (``row N``), its fields by column name, and its raw text.

    Examples
    --------
    >>> rows = csv_dict_rows(CsvRecords(source), print, buf.reject)  # doctest: +SKIP
    >>> next(rows)[0]  # doctest: +SKIP
    'row 2'
    """
    header: list[str] | None = None
    for n, rec, raw in records:
        if header is None:
            header = [h.strip().lstrip("\ufeff") for h in rec]
            on_header(header)
            continue
        if not any(c.strip() for c in rec):
            continue
        loc = f"row {n}"
        if len(rec) != len(header):
            reject(Reject(loc, "bad-row", f"expected {len(header)} columns, found {len(rec)}", raw))
            continue
        yield loc, dict(zip(header, rec, strict=True)), raw


def sniff_delimiter(line: str) -> str:
    """The most frequent of comma, semicolon and tab in a header line.

    Examples
    --------
    >>> sniff_delimiter("a;b;c")
    ';'
    """
    return max((",", ";", "\t"), key=line.count)


def head_lines(s: Sniff, n: int = 12) -> list[str]:
    """The first ``n`` complete lines of a sniffed head (a line cut by the head is dropped).

    Examples
    --------
    >>> head_lines(Sniff.of(path), 1)  # doctest: +SKIP
    ['id,creation_time,text']
    """
    text = s.text()
    lines = text.splitlines()
    if len(s.head) >= 65536 and lines:
        lines = lines[:-1]
    return lines[:n]


def csv_cells(line: str) -> list[str]:
    """The fields of one CSV line, with its delimiter sniffed; ``[]`` if it is not CSV.

    Examples
    --------
    >>> csv_cells('a;"b;c";d')
    ['a', 'b;c', 'd']
    """
    try:
        return next(csv.reader([line], delimiter=sniff_delimiter(line)), [])
    except csv.Error:
        return []


# -- values ------------------------------------------------------------------------------------


def text_or_none(v: Any) -> str | None:
    """A string field, or None when it is missing, empty or not a string.

    Examples
    --------
    >>> text_or_none(""), text_or_none(3), text_or_none("a")
    (None, None, 'a')
    """
    return v if isinstance(v, str) and v else None


def to_int(v: Any) -> int | None:
    """A count from JSON or CSV (``"1,234"``, ``12.0``, ``""``) or None (also beyond int64).

    Examples
    --------
    >>> to_int("1,234"), to_int(12.0), to_int(""), to_int("N/A")
    (1234, 12, None, None)
    """
    n = _to_int(v)
    return n if n is None or -(2**63) <= n < 2**63 else None


def _to_int(v: Any) -> int | None:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v) if v == v and abs(v) < 9.2e18 else None
    s = str(v).strip().replace(",", "").replace("\u202f", "").replace(" ", "")
    if not s or s.upper() in ("N/A", "NA", "-", "NULL", "NONE"):
        return None
    try:
        return int(float(s)) if ("." in s or "e" in s.lower()) else int(s)
    except (ValueError, OverflowError):
        return None


def hashtags_of(text: str | None) -> list[str] | None:
    """The ``#tags`` in a text (with their ``#``), or None when there are none.

    Examples
    --------
    >>> hashtags_of("new in #Toronto and #Montréal")
    ['#Toronto', '#Montréal']
    """
    if not text:
        return None
    tags = ["#" + t for t in HASHTAG_RE.findall(text)]
    return tags or None


def urls_of(*parts: Any) -> list[str] | None:
    """The distinct http(s) URLs in link fields, texts and lists of links, or None.

    A part with white space is searched for URLs; otherwise it is taken as one link.

    Examples
    --------
    >>> urls_of("https://a.ca", "see https://b.ca now", ["https://a.ca", "x"])
    ['https://a.ca', 'https://b.ca']
    """
    out: list[str] = []
    for p in parts:
        if isinstance(p, str) and p.strip():
            cands = URL_RE.findall(p) if " " in p.strip() or "\n" in p else [p.strip()]
            for u in cands:
                if u.startswith(("http://", "https://")) and u not in out:
                    out.append(u)
        elif isinstance(p, list):
            for u in p:
                if isinstance(u, str) and u.startswith(("http://", "https://")) and u not in out:
                    out.append(u)
    return out or None


def epoch_time(x: float) -> dt.datetime | None:
    """A UTC time from epoch seconds (or milliseconds, above 1e11), or None when out of range.

    Examples
    --------
    >>> epoch_time(1_600_000_000_000).isoformat()
    '2020-09-13T12:26:40+00:00'
    """
    if abs(x) > 1e11:
        x /= 1000
    try:
        return dt.datetime.fromtimestamp(x, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_iso(value: Any, default_tz: dt.tzinfo = UTC) -> dt.datetime | None:
    """ISO 8601 (``Z``, ``+0000``, ``+00:00``, space or ``T``), epoch seconds/ms, or None.

    Parameters
    ----------
    value : Any
        The value; numbers and 9-13 digit strings are epoch times.
    default_tz : tzinfo, optional
        The zone of a zone-less time.

    Examples
    --------
    >>> parse_iso("2021-01-15T10:00:00+0000").isoformat()
    '2021-01-15T10:00:00+00:00'
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return epoch_time(float(value))
    s = str(value).strip()
    if not s:
        return None
    if re.fullmatch(r"-?\d{9,13}(\.\d+)?", s):
        return epoch_time(float(s))
    s2 = s.replace("Z", "+00:00") if s.endswith("Z") else s
    m = re.search(r"([+-])(\d{2})(\d{2})$", s2)
    if m and not re.search(r"[+-]\d{2}:\d{2}$", s2):
        s2 = s2[: m.start()] + f"{m.group(1)}{m.group(2)}:{m.group(3)}"
    try:
        t = dt.datetime.fromisoformat(s2)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=default_tz)


def time_of(value: Any, tz: ZoneInfo) -> dt.datetime | None:
    """A timezone-aware time from ISO 8601, v1.1 ``Wed Oct 10 20:19:24 +0000 2018`` or epoch.

    Zone-less ISO times are read in ``tz``; epoch numbers above 1e11 are milliseconds.
    Returns None for anything unreadable (the framework then rejects the row).

    Examples
    --------
    >>> time_of("Wed Oct 10 20:19:24 +0000 2018", ZoneInfo("UTC")).isoformat()
    '2018-10-10T20:19:24+00:00'
    """
    try:
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, (int, float)) or (isinstance(value, str) and _EPOCH.fullmatch(value)):
            x = float(value)
            if x > 1e11:
                x /= 1000
            return dt.datetime.fromtimestamp(x, dt.UTC)
        if not isinstance(value, str) or not value.strip():
            return None
        s = value.strip()
        try:
            t = dt.datetime.fromisoformat(s)
        except ValueError:
            t = dt.datetime.strptime(s, V1_TIME)
        return t if t.tzinfo is not None else t.replace(tzinfo=tz)
    except (ValueError, OverflowError, OSError):
        return None
