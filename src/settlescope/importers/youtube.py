"""YouTube Data API v3 responses saved as JSON (``youtube-api-json``).

One response per file (``{"kind": "youtube#...ListResponse", "items": [...]}``) or a JSON
array of responses (pages saved together). Each item is read by its own ``kind``:

- ``youtube#searchResult`` with ``id.kind == youtube#video`` and ``youtube#video``: a video
  (``post``) by its channel (``snippet.channelId``/``channelTitle``), text ``title`` and
  ``description``, ``statistics`` (``viewCount``, ``likeCount``, ``commentCount``, strings)
  when present. Search results for channels or playlists are rejected (``not-a-video``).
- ``youtube#commentThread``: the top-level comment replies to the video (``parent`` = video
  id), each ``replies.comments[]`` replies to its ``parentId`` (the top-level comment); the
  thread root is the video. Each comment is one record. Commenters are people (pseudonymised)
  unless the commenter is the video's own channel.
- ``youtube#comment`` (``comments.list``): as a reply when it has ``parentId``.
- ``youtube#channel``: audience rows for the channel: ``subscribers`` (definition
  ``youtube-subscribers``; skipped when ``hiddenSubscriberCount``), ``channel_views``
  (``youtube-channel-views``) and ``videos`` (``youtube-videos``), and the channel's account.
  A channel response carries no date: the date is ``--option as_of=YYYY-MM-DD`` if given, else
  a ``YYYYMMDD`` timestamp in the file name (``...-20240115T101500Z.json``), else the day the
  file was last modified (UTC).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from typing import Any

from settlescope.importers.base import Batch, Reject, Sniff, Source, importer, json_text
from settlescope.importers.reading import (
    BatchBuilder,
    hashtags_of,
    json_items,
    parse_iso,
    raw_json,
    text_or_none,
    to_int,
    urls_of,
)

PLATFORM = "youtube"
KIND_RE = re.compile(r'"kind"\s*:\s*"youtube#(\w+)"')


def _detect(s: Sniff) -> float:
    t = json_text(s.head)
    if t[:1] not in ("{", "["):
        return 0.0
    m = KIND_RE.search(t)
    if m and m.group(1).endswith("ListResponse"):
        return 0.95
    if m and '"items"' in t:
        return 0.6
    return 0.0


@importer(
    id="youtube-api-json",
    name="YouTube Data API v3 JSON",
    reads="YouTube Data API v3 responses saved as JSON: search.list, videos.list, "
    "commentThreads.list, comments.list and channels.list (one response or an array of pages)",
    fills=("items", "audience", "accounts"),
    extensions=(".json",),
    detect=_detect,
    expect='a YouTube Data API response such as {"kind": "youtube#searchListResponse", "items": [...]}',
)
def parse_youtube(source: Source) -> Iterator[Batch]:
    array = json_text(Sniff.of(source.path).head)[:1] == "["
    prefix = "item.items.item" if array else "items.item"
    buf = BatchBuilder(tables=("items", "audience"), aux_tables=("accounts",), count_rejects=False)
    as_of: dt.date | None = None
    hint = "download the response again; a cut-off file cannot be imported"
    for i, obj, done in json_items(source, prefix, "items", hint=hint):
        loc = f"/items/{i}" if not array else f"item {i}"
        if not isinstance(obj, dict):
            buf.reject(
                Reject(loc, "not-an-object", "each item must be a JSON object", raw_json(obj))
            )
            continue
        kind = str(obj.get("kind") or "")
        if kind == "youtube#commentThread":
            buf.rows["items"].extend(_thread(obj, loc, buf.accounts))
        elif kind == "youtube#comment":
            buf.add("items", _comment(obj, loc, None, None, buf.accounts))
        elif kind in ("youtube#video", "youtube#searchResult"):
            row = _video(obj, loc, buf.accounts)
            if row is None:
                what = (
                    (obj.get("id") or {}).get("kind") if isinstance(obj.get("id"), dict) else None
                )
                buf.reject(
                    Reject(
                        loc,
                        "not-a-video",
                        f"a search result for {what or 'something'} other than a video",
                        raw_json(obj),
                    )
                )
            else:
                buf.add("items", row)
        elif kind == "youtube#channel":
            if as_of is None:
                as_of = _as_of(source)
            buf.rows["audience"].extend(_channel(obj, loc, as_of, buf.accounts))
        else:
            buf.reject(
                Reject(
                    loc,
                    "unsupported-kind",
                    f"items of kind '{kind or '?'}' are not read",
                    raw_json(obj),
                )
            )
        if buf.full():
            yield buf.take(bytes_done=done)
    yield buf.take(bytes_done=source.size)


def _channel_account(
    accounts: dict[str, dict[str, Any]], cid: Any, title: Any, handle: Any = None
) -> None:
    if isinstance(cid, str) and cid:
        prev = accounts.get(cid, {})
        accounts[cid] = dict(
            platform=PLATFORM,
            ref=cid,
            platform_id=cid,
            handle=handle if isinstance(handle, str) else prev.get("handle"),
            display_name=title if isinstance(title, str) else prev.get("display_name"),
            kind="channel",
        )


def _video(
    v: dict[str, Any], loc: str, accounts: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    vid = v.get("id")
    if isinstance(vid, dict):
        if vid.get("kind") not in (None, "youtube#video") or not vid.get("videoId"):
            return None
        vid = vid.get("videoId")
    sn = v.get("snippet") if isinstance(v.get("snippet"), dict) else {}
    st = v.get("statistics") if isinstance(v.get("statistics"), dict) else {}
    cid = sn.get("channelId") if isinstance(sn.get("channelId"), str) else None
    _channel_account(accounts, cid, sn.get("channelTitle"))
    title = sn.get("title") if isinstance(sn.get("title"), str) else ""
    desc = sn.get("description") if isinstance(sn.get("description"), str) else ""
    text = "\n\n".join(p for p in (html.unescape(title), desc) if p) or None
    tags = sn.get("tags") if isinstance(sn.get("tags"), list) else None
    return dict(
        platform=PLATFORM,
        platform_id=str(vid) if vid else None,
        container=cid,
        container_kind="channel",
        author=cid,
        author_name=text_or_none(sn.get("channelTitle")),
        author_kind="channel",
        created_at=parse_iso(sn.get("publishedAt")),
        kind="post",
        text=text,
        language=text_or_none(sn.get("defaultLanguage"))
        or text_or_none(sn.get("defaultAudioLanguage")),
        urls=urls_of(desc),
        hashtags=hashtags_of(text) or (["#" + str(t) for t in tags] if tags else None),
        reactions=to_int(st.get("likeCount")),
        comments=to_int(st.get("commentCount")),
        views=to_int(st.get("viewCount")),
        _locator=loc,
        _raw=raw_json(v),
    )


def _thread(
    t: dict[str, Any], loc: str, accounts: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    sn = t.get("snippet") if isinstance(t.get("snippet"), dict) else {}
    video = sn.get("videoId") if isinstance(sn.get("videoId"), str) else None
    owner = sn.get("channelId") if isinstance(sn.get("channelId"), str) else None
    top = sn.get("topLevelComment") if isinstance(sn.get("topLevelComment"), dict) else {}
    rows = [
        _comment(
            top,
            f"{loc}/snippet/topLevelComment",
            video,
            owner,
            accounts,
            replies=to_int(sn.get("totalReplyCount")),
        )
    ]
    reps = t.get("replies") if isinstance(t.get("replies"), dict) else {}
    for j, c in enumerate(reps.get("comments") or []):
        if isinstance(c, dict):
            rows.append(
                _comment(
                    c,
                    f"{loc}/replies/comments/{j}",
                    video,
                    owner,
                    accounts,
                    parent=top.get("id") if isinstance(top.get("id"), str) else None,
                )
            )
    return rows


def _comment(
    c: dict[str, Any],
    loc: str,
    video: str | None,
    owner: str | None,
    accounts: dict[str, dict[str, Any]],
    *,
    parent: str | None = None,
    replies: int | None = None,
) -> dict[str, Any]:
    sn = c.get("snippet") if isinstance(c.get("snippet"), dict) else {}
    video = sn.get("videoId") if isinstance(sn.get("videoId"), str) else video
    owner = owner or (sn.get("channelId") if isinstance(sn.get("channelId"), str) else None)
    aid = sn.get("authorChannelId")
    author = aid.get("value") if isinstance(aid, dict) else (aid if isinstance(aid, str) else None)
    name = sn.get("authorDisplayName") if isinstance(sn.get("authorDisplayName"), str) else None
    is_owner = author is not None and author == owner
    if is_owner:
        _channel_account(accounts, author, name)
    pid = sn.get("parentId") if isinstance(sn.get("parentId"), str) else parent
    text = sn.get("textOriginal") if isinstance(sn.get("textOriginal"), str) else None
    if text is None and isinstance(sn.get("textDisplay"), str):
        text = html.unescape(re.sub(r"<br\s*/?>", "\n", sn["textDisplay"]))
    return dict(
        platform=PLATFORM,
        platform_id=c.get("id") if isinstance(c.get("id"), str) else None,
        container=owner,
        container_kind="channel",
        author=author or name,
        author_name=name,
        author_kind="channel" if is_owner else "person",
        created_at=parse_iso(sn.get("publishedAt")),
        kind="reply" if pid else "comment",
        parent_id=pid or video,
        thread_id=video,
        text=text,
        urls=urls_of(text),
        hashtags=hashtags_of(text),
        reactions=to_int(sn.get("likeCount")),
        comments=replies,
        _locator=loc,
        _raw=raw_json(c),
    )


CHANNEL_METRICS = (
    ("subscriberCount", "subscribers", "youtube-subscribers"),
    ("viewCount", "channel_views", "youtube-channel-views"),
    ("videoCount", "videos", "youtube-videos"),
)


def _channel(
    ch: dict[str, Any], loc: str, day: dt.date, accounts: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    sn = ch.get("snippet") if isinstance(ch.get("snippet"), dict) else {}
    st = ch.get("statistics") if isinstance(ch.get("statistics"), dict) else {}
    cid = ch.get("id") if isinstance(ch.get("id"), str) else None
    _channel_account(accounts, cid, sn.get("title"), sn.get("customUrl"))
    rows = []
    for key, metric, definition in CHANNEL_METRICS:
        if key == "subscriberCount" and st.get("hiddenSubscriberCount") is True:
            continue
        v = to_int(st.get(key))
        if v is None:
            continue
        rows.append(
            dict(
                platform=PLATFORM,
                account=cid,
                account_kind="channel",
                date=day,
                metric=metric,
                value=float(v),
                definition=definition,
                _locator=f"{loc}/statistics/{key}",
                _raw=raw_json(st),
            )
        )
    return rows


def _as_of(source: Source) -> dt.date:
    opt = source.options.extra.get("as_of")
    if opt:
        try:
            return dt.date.fromisoformat(opt)
        except ValueError:
            raise source.error(
                f"as_of '{opt}' is not a date", field="as_of", hint="give it as YYYY-MM-DD"
            ) from None
    m = re.search(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?:T\d{4,6})?", source.path.name)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    return dt.datetime.fromtimestamp(source.path.stat().st_mtime, dt.UTC).date()
