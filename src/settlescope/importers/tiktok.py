"""TikTok importers: Research API responses and Zeeschuimer/4CAT NDJSON captures.

Formats
-------
``tiktok-research-json``
    Responses of the TikTok Research API, saved as JSON (one response per file, or a JSON
    array of responses):

    - ``/v2/research/video/query/``: ``{data: {videos: [...]}, error}``; a video has ``id`` (or
      ``video_id``), ``create_time`` (epoch seconds), ``username``, ``video_description``,
      ``like_count``, ``comment_count``, ``share_count``, ``view_count``, ``hashtag_names``.
    - ``/v2/research/video/comment/list/``: ``{data: {comments: [...]}}``; a comment has
      ``id``, ``text``, ``create_time``, ``video_id``, ``parent_comment_id``, ``like_count``,
      ``reply_count``. A comment whose parent is its video (TikTok writes ``parent_comment_id
      == video_id`` for top-level comments) replies to the video. The API gives no comment
      author, so comments have none.
    - ``/v2/research/user/info/``: ``{data: {follower_count, following_count, likes_count,
      video_count, ...}}`` → audience rows. The response does not name the user: the account
      is ``data.username`` when present, else the partner's TikTok account (``--partner P``);
      without either the rows are rejected (``missing-account``). The date is the day the
      response was made, read from ``error.log_id`` (TikTok's log ids begin with the UTC
      request time ``YYYYMMDDhhmmss``); without it the rows are rejected (``bad-date``).

    A Research API *query* (``{and: [...], or: [...], not: [...]}``) is the request, not data:
    it is refused with a message saying so. Ids are 64-bit integers, read exactly.
``zeeschuimer-ndjson``
    Zeeschuimer captures (as uploaded to 4CAT): one JSON object per line with
    ``nav_index``, ``item_id``, ``timestamp_collected``, ``source_platform`` and ``data``.
    ``tiktok.com`` items carry a TikTok item (``id``, ``createTime``, ``desc``, ``author``
    {``uniqueId``, ``id``, ``nickname``}, ``stats`` {``diggCount``, ``commentCount``,
    ``shareCount``, ``playCount``}, ``challenges``/``textExtra`` hashtags). ``instagram.com``
    items (``id``, ``taken_at``, ``user`` {``pk``, ``username``, ``full_name``}, ``caption``
    {``text``}, ``like_count``, ``comment_count``, ``play_count``) are read too. Lines of
    other platforms are rejected with ``unsupported-platform``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import ijson
import orjson

from settlescope.importers.base import Batch, Reject, Sniff, Source, importer, json_text
from settlescope.importers.reading import (
    RAW_LIMIT,
    BatchBuilder,
    Utf8Stream,
    decoded_lines,
    epoch_time,
    hashtags_of,
    json_items,
    raw_json,
    text_or_none,
    to_int,
    urls_of,
)

PLATFORM = "tiktok"


def _epoch(v: Any) -> dt.datetime | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, str) and re.fullmatch(r"\d{9,13}", v.strip()):
        v = int(v.strip())
    if not isinstance(v, (int, float)):
        return None
    return epoch_time(float(v))


def _id(v: Any) -> str | None:
    if v is None or isinstance(v, bool) or v == "":
        return None
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else None
    return str(v)


# -- Research API ----------------------------------------------------------------------------


def _research_kind(s: Sniff) -> str | None:
    t = json_text(s.head)
    if t[:1] not in ("{", "["):
        return None
    if re.search(r'"data"\s*:\s*\{', t):
        if re.search(r'"videos"\s*:\s*\[', t):
            return "videos"
        if re.search(r'"comments"\s*:\s*\[', t) and (
            '"video_id"' in t or '"parent_comment_id"' in t
        ):
            return "comments"
        if '"follower_count"' in t or ('"likes_count"' in t and '"video_count"' in t):
            return "user"
    if re.search(r'"(and|or|not)"\s*:\s*\[', t) and '"field_name"' in t and '"operation"' in t:
        return "query"
    return None


def _detect_research(s: Sniff) -> float:
    k = _research_kind(s)
    return {"videos": 0.9, "comments": 0.9, "user": 0.85, "query": 0.3}.get(k or "", 0.0)


@importer(
    id="tiktok-research-json",
    name="TikTok Research API JSON",
    reads="TikTok Research API responses saved as JSON: video query ({data: {videos}}), "
    "comment list ({data: {comments}}) and user info ({data: {follower_count, ...}})",
    fills=("items", "audience", "accounts"),
    extensions=(".json",),
    detect=_detect_research,
    expect='a TikTok Research API response such as {"data": {"videos": [...]}, "error": {...}}',
)
def parse_tiktok_research(source: Source) -> Iterator[Batch]:
    kind = _research_kind(Sniff.of(source.path))
    if kind == "query":
        raise source.error(
            "this is a TikTok Research API query (the request's and/or/not conditions), not data",
            hint='import the responses the query returned ({"data": {"videos": [...]}}); keep '
            "the query file with the study as a record of how the data were collected",
        )
    if kind is None:
        raise source.error(
            "this is not a TikTok Research API response",
            hint='expected {"data": {"videos": [...]}} or {"data": {"comments": [...]}}',
        )
    array = json_text(Sniff.of(source.path).head)[:1] == "["
    if kind == "user":
        yield from _user_info(source, array)
        return
    prefix = ("item." if array else "") + f"data.{kind}.item"
    buf = BatchBuilder(tables=("items",), aux_tables=("accounts",), count_rejects=False)
    hint = "download the response again; a cut-off file cannot be imported"
    for i, obj, done in json_items(source, prefix, kind, hint=hint):
        loc = f"/data/{kind}/{i}" if not array else f"{kind} {i}"
        if not isinstance(obj, dict):
            buf.reject(
                Reject(loc, "not-an-object", "each entry must be a JSON object", raw_json(obj))
            )
            continue
        row = _video(obj, buf.accounts) if kind == "videos" else _comment(obj)
        row["_locator"] = loc
        row["_raw"] = raw_json(obj)
        buf.add("items", row)
        if buf.full():
            yield buf.take(bytes_done=done)
    yield buf.take(bytes_done=source.size)


def _video(v: dict[str, Any], accounts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    user = v.get("username") if isinstance(v.get("username"), str) and v.get("username") else None
    if user:
        accounts[user] = dict(
            platform=PLATFORM,
            ref=user,
            platform_id=None,
            handle=user,
            display_name=None,
            kind="person",
        )
    text = v.get("video_description") if isinstance(v.get("video_description"), str) else None
    tags = v.get("hashtag_names") if isinstance(v.get("hashtag_names"), list) else None
    return dict(
        platform=PLATFORM,
        platform_id=_id(v.get("id", v.get("video_id"))),
        author=user,
        author_kind="person",
        created_at=_epoch(v.get("create_time")),
        kind="post",
        text=text,
        urls=urls_of(text),
        hashtags=["#" + str(t) for t in tags if t] if tags else hashtags_of(text),
        reactions=to_int(v.get("like_count")),
        comments=to_int(v.get("comment_count")),
        shares=to_int(v.get("share_count")),
        views=to_int(v.get("view_count")),
    )


def _comment(c: dict[str, Any]) -> dict[str, Any]:
    video = _id(c.get("video_id"))
    parent = _id(c.get("parent_comment_id")) or video
    text = c.get("text") if isinstance(c.get("text"), str) else None
    return dict(
        platform=PLATFORM,
        platform_id=_id(c.get("id")),
        created_at=_epoch(c.get("create_time")),
        kind="comment" if parent == video else "reply",
        parent_id=parent,
        thread_id=video,
        text=text,
        urls=urls_of(text),
        hashtags=hashtags_of(text),
        reactions=to_int(c.get("like_count")),
        comments=to_int(c.get("reply_count")),
    )


USER_METRICS = (
    ("follower_count", "followers", "tiktok-followers"),
    ("following_count", "following", "tiktok-following"),
    ("likes_count", "likes_received", "tiktok-likes-received"),
    ("video_count", "videos", "tiktok-videos"),
)


def _user_info(source: Source, array: bool) -> Iterator[Batch]:
    prefix = "item" if array else ""
    rows: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    stream = Utf8Stream(source)
    try:
        for i, resp in enumerate(ijson.items(io.BufferedReader(stream), prefix, use_float=True)):
            base = f"/{i}" if array else ""
            data = resp.get("data") if isinstance(resp, dict) else None
            if not isinstance(data, dict):
                continue
            err = resp.get("error") if isinstance(resp.get("error"), dict) else {}
            day = _log_day(err.get("log_id"))
            user = data.get("username") if isinstance(data.get("username"), str) else None
            account = user or _partner_handle(source)
            if account:
                accounts.append(
                    dict(
                        platform=PLATFORM,
                        ref=account,
                        platform_id=None,
                        handle=account,
                        display_name=text_or_none(data.get("display_name")),
                        kind="person" if user else "organization",
                    )
                )
            for key, metric, definition in USER_METRICS:
                v = to_int(data.get(key))
                if v is None:
                    continue
                rows.append(
                    dict(
                        platform=PLATFORM,
                        account=account,
                        account_kind="person" if user else "organization",
                        date=day,
                        metric=metric,
                        value=float(v),
                        definition=definition,
                        _locator=f"{base}/data/{key}",
                        _raw=raw_json(data)[:RAW_LIMIT],
                    )
                )
    except ijson.JSONError as e:
        raise source.error(
            f"the file is not complete, valid JSON ({e})",
            locator=f"byte {stream.done}",
            hint="download the response again",
        ) from None
    finally:
        stream.close()
    rejects = []
    good = []
    for r in rows:
        if r["account"] is None:
            rejects.append(
                Reject(
                    r["_locator"],
                    "missing-account",
                    "the user info response does not name the user: import it with "
                    "--partner P (the partner whose TikTok account it describes)",
                    r["_raw"],
                )
            )
        elif r["date"] is None:
            rejects.append(
                Reject(
                    r["_locator"], "bad-date", "the response has no log_id to date it by", r["_raw"]
                )
            )
        else:
            good.append(r)
    yield Batch(
        rows={"audience": good}, aux={"accounts": accounts}, rejects=rejects, bytes_done=source.size
    )


def _log_day(log_id: Any) -> dt.date | None:
    if not isinstance(log_id, str):
        return None
    m = re.match(r"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})", log_id)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _partner_handle(source: Source) -> str | None:
    if not (source.partner_id and source.study is not None):
        return None
    for a in source.study.organization(source.partner_id).accounts:
        if a.platform == PLATFORM:
            return a.handle
    return None


# -- Zeeschuimer NDJSON ------------------------------------------------------------------------


def _detect_zeeschuimer(s: Sniff) -> float:
    t = json_text(s.head)
    if not t.startswith("{"):
        return 0.0
    first = t.split("\n", 1)[0]
    if (
        '"source_platform"' in first
        and ('"item_id"' in first or '"nav_index"' in first)
        and '"data"' in first
    ):
        return 0.9
    return 0.0


@importer(
    id="zeeschuimer-ndjson",
    name="Zeeschuimer / 4CAT NDJSON capture",
    reads="Zeeschuimer browser captures as NDJSON (one captured item per line, with "
    "source_platform and data): TikTok and Instagram items",
    fills=("items", "accounts"),
    extensions=(".ndjson", ".jsonl", ".json"),
    detect=_detect_zeeschuimer,
    expect='one JSON object per line like {"nav_index": ..., "item_id": ..., '
    '"source_platform": "tiktok.com", "data": {...}}',
)
def parse_zeeschuimer(source: Source) -> Iterator[Batch]:
    buf = BatchBuilder(tables=("items",), aux_tables=("accounts",), count_rejects=False)
    done = 0
    last = ""
    for n, (text, done) in enumerate(decoded_lines(source), start=1):
        last = text
        line = text.strip()
        if not line:
            continue
        loc = f"line {n}"
        raw = line[:RAW_LIMIT]
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            if not text.endswith("\n") and n > 1:
                raise source.error(
                    "the file ends in the middle of a line: it looks truncated",
                    locator=loc,
                    hint="export the capture from Zeeschuimer again",
                ) from None
            buf.reject(Reject(loc, "bad-json", f"not valid JSON: {e}", raw))
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("data"), dict):
            buf.reject(
                Reject(loc, "not-an-item", "a line must be an object with a 'data' object", raw)
            )
            continue
        plat = str(obj.get("source_platform") or "").lower()
        data = obj["data"]
        if plat.endswith("tiktok.com"):
            row = _tiktok_item(data, buf.accounts)
        elif plat.endswith("instagram.com"):
            row = _instagram_item(data, buf.accounts)
        else:
            buf.reject(
                Reject(
                    loc,
                    "unsupported-platform",
                    f"items from '{plat or '?'}' are not read (only tiktok.com and instagram.com)",
                    raw,
                )
            )
            continue
        row["_locator"] = loc
        row["_raw"] = raw
        buf.add("items", row)
        if buf.full():
            yield buf.take(bytes_done=done)
    if not last and not buf.pending():
        raise source.error("the file is empty", hint="export the capture again")
    yield buf.take(bytes_done=done)


def _tiktok_item(
    d: dict[str, Any], accounts: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, Any]:
    author = d.get("author") if isinstance(d.get("author"), dict) else {}
    handle = author.get("uniqueId") if isinstance(author.get("uniqueId"), str) else None
    if handle is None and isinstance(d.get("author"), str):
        handle = d["author"]
    if handle:
        accounts[(PLATFORM, handle)] = dict(
            platform=PLATFORM,
            ref=handle,
            platform_id=_id(author.get("id")),
            handle=handle,
            display_name=text_or_none(author.get("nickname")),
            kind="person",
        )
    stats = d.get("stats") if isinstance(d.get("stats"), dict) else {}
    text = d.get("desc") if isinstance(d.get("desc"), str) else None
    challenges = d.get("challenges") if isinstance(d.get("challenges"), list) else []
    extra = d.get("textExtra") if isinstance(d.get("textExtra"), list) else []
    tags = [c["title"] for c in challenges if isinstance(c, dict) and text_or_none(c.get("title"))]
    mentions = [
        x["userUniqueId"]
        for x in extra
        if isinstance(x, dict) and text_or_none(x.get("userUniqueId"))
    ]
    return dict(
        platform=PLATFORM,
        platform_id=_id(d.get("id")),
        author=handle,
        author_name=text_or_none(author.get("nickname")),
        author_kind="person",
        created_at=_epoch(d.get("createTime")),
        kind="post",
        text=text,
        urls=urls_of(text),
        hashtags=["#" + t for t in tags] if tags else hashtags_of(text),
        mentions=mentions or None,
        reactions=to_int(stats.get("diggCount")),
        comments=to_int(stats.get("commentCount")),
        shares=to_int(stats.get("shareCount")),
        views=to_int(stats.get("playCount")),
    )


def _instagram_item(
    d: dict[str, Any], accounts: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, Any]:
    user = (
        d.get("user")
        if isinstance(d.get("user"), dict)
        else (d.get("owner") if isinstance(d.get("owner"), dict) else {})
    )
    handle = user.get("username") if isinstance(user.get("username"), str) else None
    if handle:
        accounts[("instagram", handle)] = dict(
            platform="instagram",
            ref=handle,
            platform_id=_id(user.get("pk") or user.get("id")),
            handle=handle,
            display_name=text_or_none(user.get("full_name")),
            kind="person",
        )
    cap = d.get("caption")
    text = cap.get("text") if isinstance(cap, dict) else (cap if isinstance(cap, str) else None)
    return dict(
        platform="instagram",
        platform_id=_id(d.get("id") or d.get("pk")),
        author=handle,
        author_name=text_or_none(user.get("full_name")),
        author_kind="person",
        created_at=_epoch(d.get("taken_at")),
        kind="post",
        text=text,
        urls=urls_of(text),
        hashtags=hashtags_of(text),
        reactions=to_int(d.get("like_count")),
        comments=to_int(d.get("comment_count")),
        views=to_int(d.get("play_count") or d.get("view_count")),
    )
