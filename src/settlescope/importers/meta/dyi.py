"""Facebook and Instagram "Download Your Information" JSON (``facebook-dyi-json``).

Message threads, ``your_posts_N.json`` and ``comments.json``; Meta writes UTF-8 bytes escaped
as Latin-1 code points, which :func:`fix_mojibake` repairs. See :mod:`settlescope.importers.meta`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from settlescope.importers.base import Batch, Reject, Sniff, Source, importer, json_text
from settlescope.importers.reading import (
    BatchBuilder,
    epoch_time,
    hashtags_of,
    json_items,
    json_scalars,
    raw_json,
    urls_of,
)

# -- Download Your Information JSON ---------------------------------------------------------------


def fix_mojibake(s: str) -> str:
    """Undo Meta's DYI escaping of UTF-8 bytes as Latin-1 code points, when it round-trips.

    >>> fix_mojibake("Ã©tÃ©")
    'été'
    """
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def _fix_deep(v: Any) -> Any:
    if isinstance(v, str):
        return fix_mojibake(v)
    if isinstance(v, list):
        return [_fix_deep(x) for x in v]
    if isinstance(v, dict):
        return {k: _fix_deep(x) for k, x in v.items()}
    return v


def _dyi_kind(s: Sniff) -> str | None:
    t = json_text(s.head)
    if t[:1] not in ("{", "["):
        return None
    if '"sender_name"' in t and '"timestamp_ms"' in t:
        return "messages"
    if re.search(r'"comments_v2"\s*:', t):
        return "comments"
    if (
        t[:1] == "["
        and re.search(r'"timestamp"\s*:\s*\d', t)
        and re.search(r'"data"\s*:\s*\[', t)
        and ('"post"' in t or '"attachments"' in t or '"title"' in t)
    ):
        return "posts"
    return None


@importer(
    id="facebook-dyi-json",
    name="Facebook/Instagram Download Your Information JSON",
    reads="Meta 'Download Your Information' JSON: message threads (messages/inbox/*/message_N.json), "
    "your_posts_N.json and comments.json, with Meta's mojibake repaired",
    fills=("items", "accounts"),
    extensions=(".json",),
    detect=lambda s: 0.9 if _dyi_kind(s) else 0.0,
    expect="a Meta DYI JSON file: a message thread {participants, messages: [{sender_name, "
    "timestamp_ms, content}]}, a your_posts list, or {comments_v2: [...]}",
)
def parse_facebook_dyi(source: Source) -> Iterator[Batch]:
    kind = _dyi_kind(Sniff.of(source.path))
    platform = source.options.platform or (
        "instagram" if "instagram" in str(source.path).lower() else "facebook"
    )
    if kind == "messages":
        yield from _dyi_messages(source, platform)
    elif kind == "comments":
        yield from _dyi_records(source, platform, "comments_v2.item", "comment")
    elif kind == "posts":
        yield from _dyi_records(source, platform, "item", "post")
    else:
        raise source.error(
            "this is not a DYI messages, posts or comments file",
            hint="import message_N.json, your_posts_N.json or comments.json",
        )


def _dyi_messages(source: Source, platform: str) -> Iterator[Batch]:
    top = json_scalars(source)
    basis = str(top.get("thread_path") or top.get("title") or source.path.name)
    thread = "dyi-" + hashlib.sha256(fix_mojibake(basis).encode()).hexdigest()[:16]
    buf = BatchBuilder(tables=("items",), count_rejects=False)
    seen: dict[str, int] = {}
    done = 0
    any_msg = False
    for i, msg, done in json_items(source, "messages.item", "messages"):
        any_msg = True
        loc = f"/messages/{i}"
        if not isinstance(msg, dict):
            buf.reject(
                Reject(loc, "not-an-object", "a message must be a JSON object", raw_json(msg))
            )
            continue
        m = _fix_deep(msg)
        ts = m.get("timestamp_ms")
        created = (
            epoch_time(float(ts))
            if isinstance(ts, (int, float)) and not isinstance(ts, bool)
            else None
        )
        sender = m.get("sender_name") if isinstance(m.get("sender_name"), str) else None
        if created is None:
            buf.reject(
                Reject(
                    loc, "bad-timestamp", "timestamp_ms is missing or not a number", raw_json(msg)
                )
            )
            continue
        if not sender:
            buf.reject(Reject(loc, "missing-author", "sender_name is missing", raw_json(msg)))
            continue
        base = f"{thread}/{int(ts)}"
        k = seen.get(base, 0)
        seen[base] = k + 1
        text = m.get("content") if isinstance(m.get("content"), str) else None
        share = m.get("share") if isinstance(m.get("share"), dict) else {}
        reactions = m.get("reactions") if isinstance(m.get("reactions"), list) else None
        buf.add(
            "items",
            dict(
                platform=platform,
                platform_id=base if k == 0 else f"{base}#{k}",
                container=thread,
                container_kind="group",
                author=sender,
                author_name=sender,
                author_kind="person",
                created_at=created,
                kind="message",
                text=text,
                urls=urls_of(share.get("link"), text),
                hashtags=hashtags_of(text),
                reactions=len(reactions) if reactions is not None else None,
                _locator=loc,
                _raw=raw_json(m),
            ),
        )
        if buf.full():
            yield buf.take(bytes_done=done)
    if not any_msg and not top:
        raise source.error(
            "no messages found",
            locator="/messages",
            hint="import a message_N.json file from messages/inbox/<thread>/",
        )
    yield buf.take(bytes_done=done)


def _dyi_records(source: Source, platform: str, prefix: str, kind: str) -> Iterator[Batch]:
    owner = None
    if source.partner_id and source.study is not None:
        accs = [
            a
            for a in source.study.organization(source.partner_id).accounts
            if a.platform == platform
        ]
        owner = accs[0].handle if accs else None
    buf = BatchBuilder(tables=("items",), count_rejects=False)
    seen: dict[str, int] = {}
    done = 0
    for i, rec, done in json_items(source, prefix, "records"):
        loc = f"/comments_v2/{i}" if kind == "comment" else f"/{i}"
        if not isinstance(rec, dict):
            buf.reject(
                Reject(loc, "not-an-object", "a record must be a JSON object", raw_json(rec))
            )
            continue
        r = _fix_deep(rec)
        texts: list[str] = []
        author = None
        ts = r.get("timestamp")
        for d in r.get("data") or []:
            if not isinstance(d, dict):
                continue
            if isinstance(d.get("post"), str):
                texts.append(d["post"])
            c = d.get("comment")
            if isinstance(c, dict):
                if isinstance(c.get("comment"), str):
                    texts.append(c["comment"])
                author = c.get("author") if isinstance(c.get("author"), str) else author
                ts = c.get("timestamp", ts)
        links: list[Any] = []
        for a in r.get("attachments") or []:
            for d in (a.get("data") or []) if isinstance(a, dict) else []:
                ext = d.get("external_context") if isinstance(d, dict) else None
                if isinstance(ext, dict):
                    links.append(ext.get("url"))
        title = r.get("title") if isinstance(r.get("title"), str) else ""
        if author is None:
            author = owner or _dyi_actor(title)
        created = (
            epoch_time(float(ts))
            if isinstance(ts, (int, float)) and not isinstance(ts, bool)
            else None
        )
        if created is None:
            buf.reject(
                Reject(loc, "bad-timestamp", "timestamp is missing or not a number", raw_json(rec))
            )
            continue
        if not author:
            buf.reject(
                Reject(
                    loc,
                    "missing-author",
                    "the author is not named: import with --partner P "
                    "if this is an organization's own export",
                    raw_json(rec),
                )
            )
            continue
        text = "\n".join(texts) or None
        base = f"dyi-{kind}/{int(ts)}"
        k = seen.get(base, 0)
        seen[base] = k + 1
        buf.add(
            "items",
            dict(
                platform=platform,
                platform_id=base if k == 0 else f"{base}#{k}",
                author=author,
                author_name=author,
                author_kind="page" if owner and author == owner else "person",
                created_at=created,
                kind=kind,
                text=text,
                urls=urls_of([u for u in links if isinstance(u, str)], text),
                hashtags=hashtags_of(text),
                _locator=loc,
                _raw=raw_json(r),
            ),
        )
        if buf.full():
            yield buf.take(bytes_done=done)
    yield buf.take(bytes_done=done)


def _dyi_actor(title: str) -> str | None:
    m = re.match(r"(.+?) (?:updated|shared|posted|wrote|added|commented|replied|was)\b", title)
    return m.group(1) if m else None
