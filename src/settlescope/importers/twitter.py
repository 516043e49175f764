"""X (Twitter) importers: API v2 JSONL (twarc2), twarc-csv CSV, API v1.1 JSON, Gnip Activity Streams.

Accounts are referenced everywhere by the platform's numeric user id (authors, mentions,
shared-from), so that the same person is one account whichever file or API version named
them; a username is used only where the file gives no id for an account.

What is imported and what is refused, per twarc2 output:

- tweet pages ``{data: [...], includes: {...}, meta, __twarc}`` and flattened tweets (one per
  line, as ``twarc2 flatten`` writes): one item per tweet of ``data``. Tweets in
  ``includes.tweets`` are context (the replied-to, quoted or retweeted originals): they name
  the shared-from account but are not items;
- user lookups (``twarc2 users``): one ``audience`` row per user, the followers count on the
  day the data was retrieved (definition ``x-followers-count``);
- lines that are API error objects become rejects (``api-error``); a line cut off by an
  interrupted stream becomes a ``bad-json`` reject;
- tweet counts, list lookups and compliance results hold no tweets: they are refused.

The v1.1 importer reads a JSON array, one status per line, or a search response
``{"statuses": [...]}``; Gnip Activity Streams (``gnip-activity-json``) is the legacy
enterprise format (``verb: post|share``, ``actor``, ``object``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from settlescope.importers.base import Batch, Reject, Sniff, Source, importer, json_text
from settlescope.importers.reading import (
    BatchBuilder,
    JsonRecord,
    check_encoding,
    json_array,
    json_document,
    json_lines,
    json_shape,
    raw_json,
    record_batches,
    time_of,
)

PLATFORM = "x"
V1_TIME_RE = re.compile(r'"created_at"\s*:\s*"\w{3} \w{3} \d\d \d\d:\d\d:\d\d [+-]\d{4} \d{4}"')
# Items without mentions carry None, not []: the framework's canonical_items fails on a batch in
# which every mention list is empty (an empty flattened list loses its type).
NO_LANGUAGE = frozenset({"und", "zxx", "qme", "qht", "qam", "qct", "qst", ""})


def _text_or_none(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v)
    return s or None


def _int_or_none(*values: Any) -> int | None:
    total = None
    for v in values:
        if isinstance(v, bool) or v is None or v == "":
            continue
        try:
            total = (total or 0) + int(float(v))
        except (TypeError, ValueError):
            continue
    return total


def _lang(v: Any) -> str | None:
    return None if not isinstance(v, str) or v in NO_LANGUAGE else v


def _account(ref: str, handle: Any, name: Any) -> dict[str, Any]:
    return dict(
        platform=PLATFORM,
        ref=ref,
        platform_id=ref,
        handle=_text_or_none(handle),
        display_name=_text_or_none(name),
        kind="person",
    )


# -- API v2 (twarc2) ---------------------------------------------------------------------------


def _detect_v2(s: Sniff) -> float:
    text = json_text(s.head)
    if not text.startswith("{"):
        return 0.0
    first = text.split("\n", 1)[0]
    try:
        obj = orjson.loads(first)
    except orjson.JSONDecodeError:
        obj = None
    if isinstance(obj, dict):
        kind = _v2_line_kind(obj)
        if kind in ("page", "flat", "error"):
            return 0.9
        if kind in ("counts", "lists", "compliance", "users"):
            return 0.8
        return 0.0
    # A first line longer than the sniffed head (twarc2 pages with large includes).
    compact = re.sub(r"\s+", "", text[:200])
    if (
        compact.startswith(('{"data":[{', '{"data":{'))
        and '"public_metrics"' in text
        and ('"author_id"' in text or '"username"' in text)
    ):
        return 0.85
    return 0.0


def _v2_line_kind(obj: dict[str, Any]) -> str:
    data = obj.get("data")
    if isinstance(data, dict):
        data = [data]
    if isinstance(data, list):
        if not data:
            return "empty"
        first = data[0] if isinstance(data[0], dict) else {}
        if "tweet_count" in first and "start" in first:
            return "counts"
        if "member_count" in first or ("owner_id" in first and "username" not in first):
            return "lists"
        if "username" in first and "text" not in first:
            return "users"
        if "__twarc" in obj or "includes" in obj or "text" in first or "author_id" in first:
            return "page"
        return "other"
    if "errors" in obj and "id" not in obj:
        return "error"
    if "meta" in obj and "__twarc" in obj:
        return "empty"
    if (
        "text" in obj
        and "id" in obj
        and ("author_id" in obj or "author" in obj)
        and (
            "conversation_id" in obj
            or "edit_history_tweet_ids" in obj
            or "__twarc" in obj
            or "public_metrics" in obj
        )
    ):
        return "flat"
    if "username" in obj and "id" in obj and "public_metrics" in obj and "text" not in obj:
        return "users"
    if obj.get("action") == "delete" and "reason" in obj and "id" in obj:
        return "compliance"
    return "other"


_REFUSED = {
    "counts": (
        "this is a tweet counts file (from the counts endpoint): it holds numbers of "
        "tweets per time bucket, not tweets",
        "import the tweets themselves (twarc2 search or timeline output)",
    ),
    "lists": (
        "this is a Twitter list lookup: it holds descriptions of lists, not tweets",
        "import the tweets of the list members instead (twarc2 timelines)",
    ),
    "compliance": (
        "this is a compliance job result: it lists tweets or users to delete, not tweets",
        "use it to delete records from your data; it is not imported",
    ),
    "other": (
        "the file is not twarc2 output: its lines are neither tweet pages, flattened "
        "tweets nor user lookups",
        "check the file, or name the right format with --format",
    ),
}


def _v2_mode(source: Source) -> str:
    for rec in json_lines(source):
        if rec.reason or not isinstance(rec.value, dict):
            continue
        kind = _v2_line_kind(rec.value)
        if kind in ("empty", "error"):
            continue
        if kind in _REFUSED:
            msg, hint = _REFUSED[kind]
            raise source.error(msg, locator=rec.locator, hint=hint)
        return "users" if kind == "users" else "tweets"
    return "tweets"


def _v2_mentions(tweet: dict[str, Any], by_name: dict[str, str]) -> list[str]:
    out = []
    ents = tweet.get("entities") if isinstance(tweet.get("entities"), dict) else {}
    for m in ents.get("mentions") or []:
        if not isinstance(m, dict):
            continue
        name = m.get("username")
        ref = m.get("id") or (by_name.get(name.lower()) if isinstance(name, str) else None) or name
        if ref:
            out.append(str(ref))
    return out


def v2_row(
    tweet: dict[str, Any],
    users: dict[str, dict[str, Any]],
    tweets: dict[str, dict[str, Any]],
    locator: str,
    raw: str,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """An item from a v2 tweet, with its page's ``includes`` (users and tweets by id)."""
    by_name = {str(u.get("username", "")).lower(): k for k, u in users.items()}
    author = _text_or_none(tweet.get("author_id"))
    embedded = tweet.get("author") if isinstance(tweet.get("author"), dict) else None
    if embedded:
        author = author or _text_or_none(embedded.get("id"))
    user = embedded or users.get(author or "", {})
    parent = shared = None
    for ref in tweet.get("referenced_tweets") or []:
        if not isinstance(ref, dict):
            continue
        rid = _text_or_none(ref.get("id"))
        if ref.get("type") == "replied_to":
            parent = rid
        elif ref.get("type") in ("retweeted", "quoted") and shared is None:
            orig = ref if "author_id" in ref else tweets.get(rid or "", {})
            shared = _text_or_none(orig.get("author_id"))
    ents = tweet.get("entities") if isinstance(tweet.get("entities"), dict) else {}
    pm = tweet.get("public_metrics") if isinstance(tweet.get("public_metrics"), dict) else {}
    note = tweet.get("note_tweet") if isinstance(tweet.get("note_tweet"), dict) else {}
    return dict(
        platform=PLATFORM,
        platform_id=_text_or_none(tweet.get("id")),
        author=author,
        author_name=_text_or_none(user.get("name") or user.get("username")),
        author_kind="person",
        created_at=time_of(tweet.get("created_at"), tz),
        kind="reply" if parent else "post",
        parent_id=parent,
        thread_id=_text_or_none(tweet.get("conversation_id")),
        shared_from=shared,
        text=note.get("text") or _text_or_none(tweet.get("text")),
        language=_lang(tweet.get("lang")),
        urls=[
            u.get("unwound_url") or u.get("expanded_url") or u.get("url")
            for u in ents.get("urls") or []
            if isinstance(u, dict) and (u.get("expanded_url") or u.get("url"))
        ],
        hashtags=[
            h["tag"] for h in ents.get("hashtags") or [] if isinstance(h, dict) and h.get("tag")
        ],
        mentions=_v2_mentions(tweet, by_name) or None,
        reactions=_int_or_none(pm.get("like_count")),
        comments=_int_or_none(pm.get("reply_count")),
        shares=_int_or_none(pm.get("retweet_count"), pm.get("quote_count")),
        views=_int_or_none(pm.get("impression_count")),
        _locator=locator,
        _raw=raw[:4000],
    )


def _api_error_message(obj: dict[str, Any]) -> str:
    errs = obj.get("errors")
    first = errs[0] if isinstance(errs, list) and errs and isinstance(errs[0], dict) else {}
    detail = first.get("detail") or first.get("title") or first.get("message") or "an error"
    return f"the API returned an error instead of tweets: {detail}"


@importer(
    id="twitter-v2-jsonl",
    name="X/Twitter API v2 JSONL (twarc2)",
    reads="twarc2 output: one API v2 response page per line ({data, includes, meta, __twarc}), "
    "flattened tweets (twarc2 flatten), or user lookups (followers counts as audience)",
    fills=("items", "audience", "accounts"),
    extensions=(".jsonl", ".json", ".ndjson"),
    detect=_detect_v2,
    expect="one Twitter API v2 response per line, as twarc2 writes it: "
    '{"data": [...tweets...], "includes": {"users": [...]}, "__twarc": {...}}',
)
def parse_v2(source: Source) -> Iterator[Batch]:
    mode = _v2_mode(source)
    buf = BatchBuilder()
    for rec in json_lines(source):
        buf.done = rec.done
        if rec.reason:
            buf.reject(rec.reject())
        elif not isinstance(rec.value, dict):
            buf.reject(
                Reject(
                    rec.locator, "not-an-object", "each line must be a JSON object", rec.raw[:4000]
                )
            )
        else:
            _v2_line(rec, mode, buf, source.tz)
        if buf.full():
            yield buf.take()
    if buf.pending():
        yield buf.take()


def _v2_line(rec: JsonRecord, mode: str, buf: BatchBuilder, tz: ZoneInfo) -> None:
    obj = rec.value
    kind = _v2_line_kind(obj)
    if kind == "empty":
        return  # a page with no results (the last page of a search): nothing to count
    if kind == "error":
        buf.reject(Reject(rec.locator, "api-error", _api_error_message(obj), rec.raw[:4000]))
        return
    want = "users" if mode == "users" else "tweets"
    if kind == "flat":
        records = [(rec.locator, obj)]
        users: dict[str, dict[str, Any]] = {}
        tweets: dict[str, dict[str, Any]] = {}
    elif kind in ("page", "users"):
        data = obj.get("data", obj)
        many = isinstance(data, list)
        data = data if many else [data]
        records = [
            (f"{rec.locator} /data/{i}" if many else rec.locator, d) for i, d in enumerate(data)
        ]
        inc = obj.get("includes") if isinstance(obj.get("includes"), dict) else {}
        users = {
            str(u["id"]): u for u in inc.get("users") or [] if isinstance(u, dict) and "id" in u
        }
        tweets = {
            str(t["id"]): t for t in inc.get("tweets") or [] if isinstance(t, dict) and "id" in t
        }
    else:
        buf.reject(
            Reject(
                rec.locator,
                "not-a-tweet",
                f"this line is not a tweet page ({kind}) in a file of {want}",
                rec.raw[:4000],
            )
        )
        return
    for u in users.values():
        buf.add_aux("accounts", _account(str(u["id"]), u.get("username"), u.get("name")))
    retrieved = (
        obj.get("__twarc", {}).get("retrieved_at") if isinstance(obj.get("__twarc"), dict) else None
    )
    for loc, d in records:
        raw = rec.raw if len(records) == 1 else raw_json(d)
        if not isinstance(d, dict):
            buf.reject(
                Reject(loc, "not-an-object", "a record of data must be a JSON object", raw[:4000])
            )
            continue
        is_user = "username" in d and "text" not in d
        if mode == "users" and is_user:
            _user_audience(d, retrieved or _twarc_time(d), loc, raw, buf, tz)
        elif mode == "tweets" and not is_user:
            buf.add("items", v2_row(d, users, tweets, loc, raw, tz))
        else:
            buf.reject(
                Reject(
                    loc,
                    "not-a-tweet" if want == "tweets" else "not-a-user",
                    f"this record does not belong in a file of {want}",
                    raw[:4000],
                )
            )


def _twarc_time(obj: dict[str, Any]) -> Any:
    meta = obj.get("__twarc")
    return meta.get("retrieved_at") if isinstance(meta, dict) else None


def _user_audience(
    u: dict[str, Any], retrieved: Any, loc: str, raw: str, buf: BatchBuilder, tz: ZoneInfo
) -> None:
    when = time_of(retrieved, tz)
    pm = u.get("public_metrics") if isinstance(u.get("public_metrics"), dict) else {}
    buf.add(
        "audience",
        dict(
            platform=PLATFORM,
            account=_text_or_none(u.get("id")),
            date=when.astimezone(dt.UTC).date() if when else None,
            metric="followers",
            value=_int_or_none(pm.get("followers_count")),
            definition="x-followers-count",
            _locator=loc,
            _raw=raw[:4000],
        ),
    )


# -- twarc-csv ---------------------------------------------------------------------------------

CSV_NEED = {"id", "conversation_id", "author_id", "created_at", "text"}


def _detect_csv(s: Sniff) -> float:
    text = s.head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text or text.lstrip().startswith(("{", "[", "<")):
        return 0.0
    first = text.splitlines()[0] if text.splitlines() else ""
    cols = {c.strip().lower() for c in next(csv.reader([first]), [])}
    if CSV_NEED <= cols and any(
        c.startswith(("public_metrics.", "author.", "referenced_tweets")) for c in cols
    ):
        return 0.9
    return 0.0


def _json_list(v: str | None) -> list[Any]:
    if not v:
        return []
    try:
        out = orjson.loads(v)
    except orjson.JSONDecodeError:
        return [p for p in re.split(r"\s*[,;]\s*", v) if p]
    return out if isinstance(out, list) else []


@importer(
    id="twitter-csv",
    name="X/Twitter CSV (twarc-csv)",
    reads="the CSV that twarc-csv (twarc2 csv) writes from API v2 tweets: id, conversation_id, "
    "referenced_tweets.replied_to.id, author_id, author.username, created_at, text, "
    "public_metrics.*, entities.mentions ...",
    fills=("items", "accounts"),
    extensions=(".csv",),
    detect=_detect_csv,
    expect="a CSV written by twarc-csv, whose header has id, conversation_id, author_id, "
    "created_at, text and public_metrics.* columns",
)
def parse_csv(source: Source) -> Iterator[Batch]:
    check_encoding(source)
    names: dict[str, str] = {}  # lower-cased username -> user id, for mentions
    for _, row, _ in _csv_rows(source):
        for name_col, id_col in (
            ("author.username", "author_id"),
            ("in_reply_to_username", "in_reply_to_user_id"),
            ("retweeted_username", "retweeted_user_id"),
            ("quoted_username", "quoted_user_id"),
        ):
            if row.get(name_col) and row.get(id_col):
                names[row[name_col].lower().lstrip("@")] = row[id_col]
    buf = BatchBuilder()
    seen_accounts: set[str] = set()
    for n, row, done in _csv_rows(source):
        buf.done = done
        loc = f"row {n}"
        raw = ",".join(v if v is not None else "" for v in row.values())[:4000]
        if row.get(None):  # type: ignore[call-overload]
            buf.reject(Reject(loc, "bad-row", "the row has more fields than the header", raw))
            continue
        author = row.get("author_id") or row.get("author.id") or None
        if author and author not in seen_accounts and row.get("author.username"):
            seen_accounts.add(author)
            buf.add_aux(
                "accounts", _account(author, row.get("author.username"), row.get("author.name"))
            )
        mentions = []
        for m in _json_list(row.get("entities.mentions")):
            name = m.get("username") if isinstance(m, dict) else str(m)
            mid = m.get("id") if isinstance(m, dict) else None
            name = (name or "").lstrip("@")
            if mid or name:
                mentions.append(str(mid or names.get(name.lower(), name)))
        hashtags = [
            h.get("tag") if isinstance(h, dict) else str(h).lstrip("#")
            for h in _json_list(row.get("entities.hashtags"))
        ]
        urls = [
            u.get("expanded_url") if isinstance(u, dict) else str(u)
            for u in _json_list(row.get("entities.urls"))
        ]
        parent = row.get("referenced_tweets.replied_to.id") or None
        text = row.get("text")
        buf.add(
            "items",
            dict(
                platform=PLATFORM,
                platform_id=row.get("id") or None,
                author=author,
                author_name=row.get("author.name") or row.get("author.username") or None,
                author_kind="person",
                created_at=time_of(row.get("created_at"), source.tz),
                kind="reply" if parent else "post",
                parent_id=parent,
                thread_id=row.get("conversation_id") or None,
                shared_from=row.get("retweeted_user_id") or row.get("quoted_user_id") or None,
                # twarc-csv escapes line breaks in text as a literal backslash-n
                text=text.replace("\\n", "\n") if text else None,
                language=_lang(row.get("lang")),
                urls=[u for u in urls if u],
                hashtags=[h for h in hashtags if h],
                mentions=mentions or None,
                reactions=_int_or_none(row.get("public_metrics.like_count")),
                comments=_int_or_none(row.get("public_metrics.reply_count")),
                shares=_int_or_none(
                    row.get("public_metrics.retweet_count"), row.get("public_metrics.quote_count")
                ),
                views=_int_or_none(row.get("public_metrics.impression_count")),
                _locator=loc,
                _raw=raw,
            ),
        )
        if buf.full():
            yield buf.take()
    if buf.pending():
        yield buf.take()


def _csv_rows(source: Source) -> Iterator[tuple[int, dict[str, Any], int]]:
    """(record number with the header as 1, row as a dict, bytes done), strictly decoded."""
    with source.open_binary() as fh:
        text = io.TextIOWrapper(
            fh,
            encoding=source.encoding
            if source.encoding.lower() not in ("utf-8", "utf8")
            else "utf-8-sig",
            errors="strict",
            newline="",
        )
        reader = csv.DictReader(text)
        try:
            if not reader.fieldnames or not CSV_NEED <= {f.strip() for f in reader.fieldnames}:
                raise source.error(
                    "the header does not name the twarc-csv columns (id, conversation_id, "
                    "author_id, created_at, text)",
                    locator="row 1",
                    hint="export the CSV again with twarc-csv, or use --format generic-csv with a mapping",
                )
            n = 1
            for row in reader:
                n += 1
                yield n, row, fh.tell()
        except csv.Error as e:
            raise source.error(
                f"the CSV could not be read: {e}",
                locator=f"row {reader.line_num}",
                hint="check that the file is complete (not cut off)",
            ) from None


# -- API v1.1 ----------------------------------------------------------------------------------


def _detect_v1(s: Sniff) -> float:
    text = json_text(s.head)
    if not text.startswith(("{", "[")):
        return 0.0
    if V1_TIME_RE.search(text) and '"screen_name"' in text and '"id_str"' in text:
        return 0.9
    return 0.0


def v1_row(t: dict[str, Any], locator: str, raw: str, tz: ZoneInfo) -> dict[str, Any]:
    """An item from a v1.1 status (standard or enterprise 'original format')."""
    user = t.get("user") if isinstance(t.get("user"), dict) else {}
    ext = t.get("extended_tweet") if isinstance(t.get("extended_tweet"), dict) else {}
    rt = t.get("retweeted_status") if isinstance(t.get("retweeted_status"), dict) else None
    quoted = t.get("quoted_status") if isinstance(t.get("quoted_status"), dict) else None
    text = ext.get("full_text") or t.get("full_text") or t.get("text")
    if rt is not None:
        rt_ext = rt.get("extended_tweet") if isinstance(rt.get("extended_tweet"), dict) else {}
        full = rt_ext.get("full_text") or rt.get("full_text")
        rt_user = rt.get("user") if isinstance(rt.get("user"), dict) else {}
        if full and rt_user.get("screen_name"):
            text = f"RT @{rt_user['screen_name']}: {full}"
    origin = rt or quoted
    shared = None
    if origin is not None and isinstance(origin.get("user"), dict):
        shared = _id_str(origin["user"])
    ents = ext.get("entities") if isinstance(ext.get("entities"), dict) else t.get("entities")
    ents = ents if isinstance(ents, dict) else {}
    parent = _text_or_none(t.get("in_reply_to_status_id_str") or t.get("in_reply_to_status_id"))
    meta = t.get("metadata") if isinstance(t.get("metadata"), dict) else {}
    return dict(
        platform=PLATFORM,
        platform_id=_id_str(t),
        author=_id_str(user),
        author_name=_text_or_none(user.get("name") or user.get("screen_name")),
        author_kind="person",
        created_at=time_of(t.get("created_at"), tz),
        kind="reply" if parent else "post",
        parent_id=parent,
        shared_from=shared,
        text=_text_or_none(text),
        language=_lang(t.get("lang") or meta.get("iso_language_code")),
        **_entity_lists(ents),
        reactions=_int_or_none(t.get("favorite_count")),
        comments=_int_or_none(t.get("reply_count")),
        shares=_int_or_none(t.get("retweet_count"), t.get("quote_count")),
        _locator=locator,
        _raw=raw[:4000],
    )


def _id_str(obj: dict[str, Any]) -> str | None:
    v = obj.get("id_str") or obj.get("id")
    return None if v is None or isinstance(v, bool) else str(v)


def _entity_lists(ents: dict[str, Any]) -> dict[str, Any]:
    """``urls``, ``hashtags`` and ``mentions`` of v1.1 (and Gnip) ``entities``."""
    mentions = (
        _id_str(x) or _text_or_none(x.get("screen_name"))
        for x in ents.get("user_mentions") or []
        if isinstance(x, dict)
    )
    return dict(
        urls=[
            u.get("expanded_url") or u.get("url")
            for u in ents.get("urls") or []
            if isinstance(u, dict) and (u.get("expanded_url") or u.get("url"))
        ],
        hashtags=[
            h["text"] for h in ents.get("hashtags") or [] if isinstance(h, dict) and h.get("text")
        ],
        mentions=[m for m in mentions if m] or None,
    )


def _v1_user_account(t: dict[str, Any], buf: BatchBuilder, seen: set[str]) -> None:
    user = t.get("user") if isinstance(t.get("user"), dict) else {}
    ref = _id_str(user)
    if ref and ref not in seen:
        seen.add(ref)
        buf.add_aux("accounts", _account(ref, user.get("screen_name"), user.get("name")))


def _json_records(source: Source, list_key: str) -> Iterator[JsonRecord]:
    """Records of a JSON array, NDJSON, or a document holding ``list_key`` (or one record)."""
    shape = json_shape(source)
    if shape == "array":
        yield from json_array(source)
    elif shape == "lines":
        yield from json_lines(source)
    else:
        doc = json_document(source)
        if isinstance(doc, dict) and isinstance(doc.get(list_key), list):
            for i, v in enumerate(doc[list_key]):
                yield JsonRecord(f"/{list_key}/{i}", v, raw_json(v), source.size)
        else:
            yield JsonRecord("/", doc, raw_json(doc), source.size)


@importer(
    id="twitter-v1-json",
    name="X/Twitter API v1.1 JSON",
    reads="v1.1 statuses: a JSON array, one status per line (also Gnip 'original format'), "
    "or a search response {statuses: [...]}",
    fills=("items", "accounts"),
    extensions=(".json", ".jsonl", ".ndjson"),
    detect=_detect_v1,
    expect='Twitter API v1.1 statuses, with "created_at": "Wed Oct 10 20:19:24 +0000 2018", '
    '"id_str" and a "user" with "screen_name"',
)
def parse_v1(source: Source) -> Iterator[Batch]:
    seen: set[str] = set()

    def status(rec: JsonRecord, v: dict[str, Any], buf: BatchBuilder) -> None:
        if "user" in v and ("id_str" in v or "id" in v) and "created_at" in v:
            _v1_user_account(v, buf, seen)
            buf.add("items", v1_row(v, rec.locator, rec.raw, source.tz))
        elif set(v) <= {"info", "limit", "delete", "scrub_geo", "status_withheld", "warning"}:
            return  # stream control messages (limit notices, deletions): not records
        elif "errors" in v:
            buf.reject(Reject(rec.locator, "api-error", _api_error_message(v), rec.raw[:4000]))
        else:
            buf.reject(
                Reject(
                    rec.locator, "not-a-tweet", "this record is not a v1.1 status", rec.raw[:4000]
                )
            )

    yield from record_batches(_json_records(source, "statuses"), status, "a status")


# -- Gnip Activity Streams ---------------------------------------------------------------------


def _detect_gnip(s: Sniff) -> float:
    text = json_text(s.head)
    if not text.startswith(("{", "[")):
        return 0.0
    if (
        '"postedTime"' in text
        and '"verb"' in text
        and ("id:twitter.com:" in text or "tag:search.twitter.com" in text)
    ):
        return 0.9
    return 0.0


def _tail_id(v: Any) -> str | None:
    return v.rsplit(":", 1)[-1] if isinstance(v, str) and v else None


_STATUS_LINK = re.compile(r"/status(?:es)?/(\d+)")


def gnip_row(a: dict[str, Any], locator: str, raw: str, tz: ZoneInfo) -> dict[str, Any]:
    actor = a.get("actor") if isinstance(a.get("actor"), dict) else {}
    obj = a.get("object") if isinstance(a.get("object"), dict) else {}
    long = a.get("long_object") if isinstance(a.get("long_object"), dict) else {}
    shared = None
    if a.get("verb") == "share" and isinstance(obj.get("actor"), dict):
        shared = _tail_id(obj["actor"].get("id"))
    quoted = a.get("twitter_quoted_status")
    if shared is None and isinstance(quoted, dict) and isinstance(quoted.get("actor"), dict):
        shared = _tail_id(quoted["actor"].get("id"))
    reply = a.get("inReplyTo") if isinstance(a.get("inReplyTo"), dict) else {}
    m = _STATUS_LINK.search(str(reply.get("link") or ""))
    parent = m.group(1) if m else None
    ents = (
        long.get("twitter_entities")
        if isinstance(long.get("twitter_entities"), dict)
        else a.get("twitter_entities")
    )
    ents = ents if isinstance(ents, dict) else {}
    return dict(
        platform=PLATFORM,
        platform_id=_tail_id(a.get("id")),
        author=_tail_id(actor.get("id")),
        author_name=_text_or_none(actor.get("displayName") or actor.get("preferredUsername")),
        author_kind="person",
        created_at=time_of(a.get("postedTime"), tz),
        kind="reply" if parent else "post",
        parent_id=parent,
        shared_from=shared,
        text=_text_or_none(long.get("body") or a.get("body")),
        language=_lang(a.get("twitter_lang")),
        **_entity_lists(ents),
        reactions=_int_or_none(a.get("favoritesCount")),
        shares=_int_or_none(a.get("retweetCount")),
        _locator=locator,
        _raw=raw[:4000],
    )


@importer(
    id="gnip-activity-json",
    name="X/Twitter Gnip Activity Streams JSON",
    reads="legacy Gnip/enterprise Activity Streams tweets, one activity per line or a JSON array "
    "(verb post|share, actor, object, postedTime, twitter_entities)",
    fills=("items", "accounts"),
    extensions=(".json", ".jsonl", ".ndjson"),
    detect=_detect_gnip,
    expect='Gnip Activity Streams activities: {"id": "tag:search.twitter.com,2005:...", '
    '"verb": "post", "postedTime": ..., "actor": {...}}',
)
def parse_gnip(source: Source) -> Iterator[Batch]:
    seen: set[str] = set()

    def activity(rec: JsonRecord, v: dict[str, Any], buf: BatchBuilder) -> None:
        if "verb" in v and "actor" in v:
            actor = v["actor"] if isinstance(v["actor"], dict) else {}
            ref = _tail_id(actor.get("id"))
            if ref and ref not in seen:
                seen.add(ref)
                buf.add_aux(
                    "accounts",
                    _account(ref, actor.get("preferredUsername"), actor.get("displayName")),
                )
            buf.add("items", gnip_row(v, rec.locator, rec.raw, source.tz))
        elif "info" in v and "error" not in v:
            return  # the closing "info" line of a Gnip stream or replay: not an activity
        elif "error" in v or "errors" in v:
            buf.reject(
                Reject(
                    rec.locator,
                    "api-error",
                    "the stream returned an error instead of an activity",
                    rec.raw[:4000],
                )
            )
        else:
            buf.reject(
                Reject(
                    rec.locator, "not-an-activity", "this record is not an activity", rec.raw[:4000]
                )
            )

    yield from record_batches(_json_records(source, "results"), activity, "an activity")
