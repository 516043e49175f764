"""4CAT dataset exports: the full mapped CSV and NDJSON files a 4CAT dataset downloads as.

4CAT (the Capture and Analysis Toolkit) maps every item of a data source to flat fields
(``map_item``): always ``id``, ``thread_id``, ``timestamp`` (UTC, ``YYYY-MM-DD HH:MM:SS``),
``unix_timestamp``, ``author`` and ``body``, plus platform-specific columns (Telegram
``chat``/``reply_to``/``views``, X ``author_fullname``/``retweet_count``/``mentions``, Bluesky
``replied_to_post``, Instagram ``num_likes`` ...). These importers read those mapped fields;
the minimal five-column upload CSV is the separate ``4cat-csv`` importer (generic.py), and
detection here requires a column only full exports have (``unix_timestamp``,
``author_fullname``, ``author_name`` or ``author_id``).

Field choices (the first non-empty column wins):

- ``platform``: ``--platform``, else guessed from the columns (Telegram: ``chat`` with
  ``author_is_bot`` or ``body_markdown``; X: ``retweet_count``/``is_retweet``; Bluesky:
  ``replied_to_post``/``quoted_post``; Instagram: ``likes_hidden``/``num_likes``; Reddit:
  ``subreddit``; Facebook: ``page_name``/``is_in_group``), else ``other``.
- ``created_at``: ``unix_timestamp`` (epoch), else ``timestamp``, which 4CAT writes in UTC
  (so a zone-less value is read as UTC, not in the study's zone).
- ``author``: ``author_id`` when present (stable across renames), else ``author``;
  ``author_name``: ``author_fullname``, ``author_name``, else the ``author`` handle.
- ``parent_id``: ``parent_id``, ``replied_to_post``, or Telegram's ``reply_to`` (a message id
  within the chat, made into 4CAT's ``<chat>-<message id>`` item id). Items with a parent are
  of kind ``reply``, others ``post``.
- ``container``: ``chat``, ``subreddit`` or ``group_name``; ``shared_from``:
  ``retweeted_user``, ``author_forwarded_from_username``/``_name``, ``page_shared_from``.
- lists (comma-separated in CSV): ``urls`` (else ``link_attached``, ``entities_linked``); ``hashtags``/``tags`` (``#`` dropped);
  ``mentions``/``entities_mentioned`` (``@`` dropped).
- counts: reactions ``like_count``/``num_likes``/``likes``; comments ``reply_count``/
  ``num_comments``/``comments``; shares ``retweet_count``/``repost_count``/``shares``; views
  ``views``/``impression_count``/``play_count``/``views_total``. A count that is not a number
  is left empty rather than rejecting the item.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import orjson

from settlescope.errors import EncodingError
from settlescope.importers.base import Batch, Reject, Sniff, Source, importer, json_text
from settlescope.importers.generic import _check_csv_tail, _check_ndjson_tail, _header_of
from settlescope.importers.reading import epoch_time

BATCH_ROWS = 5000
CORE = frozenset({"id", "thread_id", "timestamp", "author", "body"})
EXPORT_ONLY = frozenset({"unix_timestamp", "author_fullname", "author_name", "author_id"})

PLATFORM_SIGNS: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = (
    ("telegram", (frozenset({"chat", "author_is_bot"}), frozenset({"body_markdown"}))),
    ("x", (frozenset({"retweet_count"}), frozenset({"is_retweet"}))),
    ("bluesky", (frozenset({"replied_to_post"}), frozenset({"quoted_post"}))),
    ("instagram", (frozenset({"likes_hidden"}), frozenset({"num_likes"}))),
    ("reddit", (frozenset({"subreddit"}),)),
    ("facebook", (frozenset({"page_name"}), frozenset({"is_in_group"}))),
)


def _guess_platform(columns: set[str], source: Source) -> str:
    if source.options.platform:
        return source.options.platform
    for platform, signs in PLATFORM_SIGNS:
        if any(sign <= columns for sign in signs):
            return platform
    return "other"


def _text(v: Any) -> str | None:
    """A field as trimmed text (numbers without a spurious fraction), or None when empty."""
    if v is None or isinstance(v, (dict, list)):
        return None
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else str(v)
    s = str(v).strip()
    return s or None


def _first(rec: dict[str, Any], *names: str) -> str | None:
    for n in names:
        v = _text(rec.get(n))
        if v is not None:
            return v
    return None


def _count(rec: dict[str, Any], *names: str) -> int | None:
    v = _first(rec, *names)
    if v is None:
        return None
    try:
        return int(float(v))
    except (ValueError, OverflowError):
        return None


def _list(rec: dict[str, Any], *names: str, strip: str = "") -> list[str] | None:
    for n in names:
        v = rec.get(n)
        if isinstance(v, list):
            out = [s.lstrip(strip) for s in (_text(x) for x in v) if s]
        else:
            s = _text(v)
            out = [p.strip().lstrip(strip) for p in re.split(r"[,\s]*,[,\s]*", s)] if s else []
            out = [p for p in out if p]
        if out:
            return out
    return None


def _when(rec: dict[str, Any]) -> dt.datetime | None:
    unix = _first(rec, "unix_timestamp")
    if unix is not None:
        try:
            t = epoch_time(float(unix))
        except ValueError:
            t = None
        if t is not None:
            return t
    ts = _first(rec, "timestamp", "created_at")
    if ts is None:
        return None
    try:
        t = dt.datetime.fromisoformat(ts[:-1] + "+00:00" if ts.endswith("Z") else ts)
    except ValueError:
        return None
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t  # 4CAT writes UTC


def _row(rec: dict[str, Any], platform: str, locator: str, raw: str) -> dict[str, Any]:
    item_id = _first(rec, "id")
    parent = _first(rec, "parent_id", "replied_to_post")
    chat = _first(rec, "chat")
    if parent is None:
        reply_to = _first(rec, "reply_to")
        if reply_to is not None:
            parent = f"{chat}-{reply_to}" if chat and reply_to.isdigit() else reply_to
    author_id = _first(rec, "author_id")
    handle = _first(rec, "author", "author_username")
    return {
        "platform": platform,
        "platform_id": item_id,
        "container": chat or _first(rec, "subreddit", "group_name"),
        "container_kind": "group",
        "author": author_id or handle,
        "author_name": _first(rec, "author_fullname", "author_name")
        or (handle if author_id else None),
        "author_kind": "person",
        "created_at": _when(rec),
        "kind": "reply" if parent else "post",
        "parent_id": parent,
        "thread_id": _first(rec, "thread_id"),
        "shared_from": _first(
            rec,
            "retweeted_user",
            "author_forwarded_from_username",
            "author_forwarded_from_name",
            "page_shared_from",
        ),
        "text": _text(rec.get("body")) and str(rec.get("body")),
        "language": _first(rec, "language_guess", "lang", "language"),
        "urls": _list(rec, "urls", "link_attached", "entities_linked"),
        "hashtags": _list(rec, "hashtags", "tags", strip="#"),
        "mentions": _list(rec, "mentions", "entities_mentioned", strip="@"),
        "reactions": _count(rec, "like_count", "num_likes", "likes"),
        "comments": _count(rec, "reply_count", "num_comments", "comments"),
        "shares": _count(rec, "retweet_count", "repost_count", "shares"),
        "views": _count(rec, "views", "impression_count", "play_count", "views_total"),
        "_locator": locator,
        "_raw": raw[:4000],
    }


# -- CSV ---------------------------------------------------------------------------------------


def _detect_csv(s: Sniff) -> float:
    header = _header_of(s)
    if header is None:
        return 0.0
    cols = {h.strip().lower() for h in header}
    # above the minimal 4cat-csv (0.8), which the full export's columns also satisfy
    return 0.9 if CORE <= cols and cols & EXPORT_ONLY else 0.0


@importer(
    id="4cat-export-csv",
    name="4CAT dataset export (CSV)",
    reads="a 4CAT dataset downloaded as CSV: mapped items with id, thread_id, timestamp, "
    "unix_timestamp, author, body and the data source's own columns",
    fills=("items", "interactions", "accounts"),
    extensions=(".csv",),
    detect=_detect_csv,
    expect="a CSV whose header has id, thread_id, timestamp, author, body and unix_timestamp "
    "(or author_fullname/author_name/author_id), as 4CAT exports datasets",
)
def parse_4cat_export_csv(source: Source) -> Iterator[Batch]:
    """Stream a 4CAT CSV dataset export into items.

    Example
    -------
    >>> import_file(ws, Path("4cat-dataset.csv"), wave="baseline", study=study)  # doctest: +SKIP
    """
    enc = source.encoding
    if enc.lower().replace("-", "").replace("_", "") == "utf8":
        enc = "utf-8-sig"
    # 4CAT bodies can be long; the csv module's default limit (128 KiB per field) is too small.
    csv.field_size_limit(1 << 28)
    with source.open_binary() as fh:
        text = io.TextIOWrapper(fh, encoding=enc, errors="strict", newline="")
        try:
            header_line = text.readline()
            first = header_line.rstrip("\r\n")
            delim = max(",;\t", key=first.count)
            header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delim))]
            if not CORE <= set(header):
                raise source.error(
                    "this is not a 4CAT export: the header lacks "
                    + ", ".join(sorted(CORE - set(header))),
                    locator="row 1",
                    hint="export the dataset from 4CAT as CSV, or use --format generic-csv",
                )
            _check_csv_tail(source, len(header), delim)
            platform = _guess_platform(set(header), source)
            reader = csv.reader(text, delimiter=delim, strict=True)
            rows: list[dict[str, Any]] = []
            rejects: list[Reject] = []
            n = 1
            for fields in reader:
                n += 1
                locator = f"row {n}"
                if not fields:
                    continue
                raw = delim.join(fields)
                if len(fields) != len(header):
                    rejects.append(
                        Reject(
                            locator,
                            "bad-row",
                            f"expected {len(header)} columns, found {len(fields)}",
                            raw[:4000],
                        )
                    )
                    continue
                rows.append(_row(dict(zip(header, fields, strict=True)), platform, locator, raw))
                if len(rows) + len(rejects) >= BATCH_ROWS:
                    yield Batch(rows={"items": rows}, rejects=rejects, bytes_done=fh.tell())
                    rows, rejects = [], []
            yield Batch(
                rows={"items": rows} if rows else {}, rejects=rejects, bytes_done=source.size
            )
        except UnicodeDecodeError as e:
            raise EncodingError(
                f"the file is not valid {source.encoding} text ({e.reason})",
                file=source.name,
                hint="re-run with --encoding NAME (for example --encoding cp1252)",
            ) from None
        except csv.Error as e:
            raise source.error(
                f"the CSV could not be read: {e}; the file looks truncated or damaged",
                hint="download the dataset from 4CAT again",
            ) from None
        finally:
            text.detach()


# -- NDJSON ------------------------------------------------------------------------------------


def _detect_ndjson(s: Sniff) -> float:
    text = json_text(s.head)
    if not text.startswith("{"):
        return 0.0
    try:
        obj = orjson.loads(text.split("\n", 1)[0])
    except orjson.JSONDecodeError:
        return 0.0
    if not isinstance(obj, dict):
        return 0.0
    keys = set(obj)
    return (
        0.9 if {"id", "author", "body"} <= keys and keys & {"unix_timestamp", "thread_id"} else 0.0
    )


@importer(
    id="4cat-export-ndjson",
    name="4CAT dataset export (NDJSON)",
    reads="a 4CAT dataset downloaded as NDJSON: one mapped item per line with id, thread_id, "
    "timestamp/unix_timestamp, author, body and the data source's own fields",
    fills=("items", "interactions", "accounts"),
    extensions=(".ndjson", ".jsonl", ".json"),
    detect=_detect_ndjson,
    expect="one JSON object per line with id, author, body and thread_id or unix_timestamp, "
    "as 4CAT exports datasets",
)
def parse_4cat_export_ndjson(source: Source) -> Iterator[Batch]:
    """Stream a 4CAT NDJSON dataset export into items.

    Example
    -------
    >>> import_file(ws, Path("4cat-dataset.ndjson"), wave="baseline", study=study)  # doctest: +SKIP
    """
    _check_ndjson_tail(source)
    rows: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    platform: str | None = None
    for n, line, done in source.text_lines():
        if not line.strip():
            continue
        locator = f"line {n}"
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            rejects.append(Reject(locator, "bad-json", f"not valid JSON: {e}", line[:4000]))
            continue
        if not isinstance(rec, dict):
            rejects.append(
                Reject(locator, "not-an-object", "each line must be a JSON object", line[:4000])
            )
            continue
        if platform is None:
            platform = _guess_platform(set(rec), source)
        rows.append(_row(rec, platform, locator, line))
        if len(rows) + len(rejects) >= BATCH_ROWS:
            yield Batch(rows={"items": rows}, rejects=rejects, bytes_done=done)
            rows, rejects = [], []
    yield Batch(rows={"items": rows} if rows else {}, rejects=rejects, bytes_done=source.size)
