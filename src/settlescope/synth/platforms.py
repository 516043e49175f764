"""Writers of real platform export formats and of the generic NDJSON format.

Formats written (one container at a time, streamed):

- Telegram Desktop single-chat ``result.json``: ``name``, ``type``, ``id``, ``messages``;
  messages carry ``id``, ``type`` (``message``/``service``), ``date`` (local wall clock, no
  offset), ``date_unixtime`` (string), ``from``/``from_id`` (``user<n>``/``channel<n>``),
  ``text`` (a string, or a list of strings and entity objects) with parallel
  ``text_entities``, ``reply_to_message_id``, ``forwarded_from``, ``edited``/
  ``edited_unixtime`` and ``reactions`` (``[{type: emoji, count, emoji}]``). Service actions:
  ``join_group_by_link``, ``invite_members``, ``pin_message``. One message per line.
- WhatsApp "Export chat" text in six locale styles (see :data:`WA_STYLES`), times local to the
  partner's zone. Android styles have no seconds, so their times are whole minutes (the
  generic records carry the same whole-minute times). iOS styles use CRLF line ends and
  U+200E marks before media and system bodies, as real iOS exports do.
- CrowdTangle Facebook posts CSV (the historical column set of its "Download" button).
- Generic NDJSON items and edges (field names in :data:`ITEM_FIELDS`, :data:`EDGE_FIELDS`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

ITEM_FIELDS = (
    "platform", "platform_id", "container", "author", "author_name", "author_kind",
    "created_at", "kind", "parent_id", "thread_id", "shared_from", "text", "language", "urls",
    "hashtags", "mentions", "reactions", "comments", "shares", "views",
)  # fmt: skip
EDGE_FIELDS = ("platform", "source", "target", "kind", "created_at", "weight", "item_id")

URL_RE = re.compile(
    r"https?://[^\s\"'<>)]+|\b(?:tinyurl\.com|bit\.ly)/[^\s\"'<>)]+|\b[\w-]+\.example-offer\.com\b"
)
HASHTAG_RE = re.compile(r"(?<!\w)#\w+")


@dataclass
class Rendered:
    """Items of one container in a platform-neutral form (parallel lists).

    ``local`` is the local wall-clock time ``YYYY-MM-DDTHH:MM:SS`` and ``offset`` its UTC
    offset; ``mention_ids``/``mention_names`` hold at most one planted mention per item.
    """

    platform: str
    container: str
    ids: list[str]
    ts: list[int]
    local: list[str]
    offset: list[str]
    author: list[str]
    author_name: list[str]
    author_kind: list[str]
    kind: list[str]
    parent_id: list[str | None]
    thread_id: list[str | None]
    shared_from: list[str | None]
    text: list[str]
    language: list[str | None]
    reactions: list[int | None]
    comments: list[int | None]
    shares: list[int | None]
    views: list[int | None]
    mention_ids: list[str | None]
    mention_names: list[str | None]
    extra: dict[str, list[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


def write_generic(r: Rendered, *fhs: IO[bytes], chunk: int = 20_000) -> None:
    """Write the generic NDJSON lines of all items of ``r`` to every handle in ``fhs``."""
    for lo in range(0, len(r), chunk):
        data = _generic_chunk(r, lo, min(len(r), lo + chunk))
        for fh in fhs:
            fh.write(data)


def _generic_chunk(r: Rendered, lo: int, hi: int) -> bytes:
    out = []
    dumps = orjson.dumps
    for i in range(lo, hi):
        text = r.text[i]
        out.append(
            dumps(
                {
                    "platform": r.platform,
                    "platform_id": r.ids[i],
                    "container": r.container,
                    "author": r.author[i],
                    "author_name": r.author_name[i],
                    "author_kind": r.author_kind[i],
                    "created_at": r.local[i] + r.offset[i],
                    "kind": r.kind[i],
                    "parent_id": r.parent_id[i],
                    "thread_id": r.thread_id[i],
                    "shared_from": r.shared_from[i],
                    "text": text,
                    "language": r.language[i],
                    "urls": URL_RE.findall(text),
                    "hashtags": HASHTAG_RE.findall(text),
                    "mentions": [r.mention_ids[i]] if r.mention_ids[i] else [],
                    "reactions": r.reactions[i],
                    "comments": r.comments[i],
                    "shares": r.shares[i],
                    "views": r.views[i],
                }
            )
        )
    out.append(b"")
    return b"\n".join(out)


# -- Telegram -------------------------------------------------------------------------------

_TG_EMOJI = ("👍", "❤", "🙏", "🔥", "😢")


def _tg_text(text: str, mention: tuple[str, str] | None, bold: bool) -> tuple[Any, list]:
    parts: list[Any] = []
    if mention:
        parts.append({"type": "mention_name", "text": mention[0], "user_id": int(mention[1][4:])})
        parts.append(" ")
    pos = 0
    for m in URL_RE.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        parts.append({"type": "link", "text": m.group(0)})
        pos = m.end()
    rest = text[pos:]
    if bold and not parts and rest:
        head, _, tail = rest.partition(" ")
        parts = [{"type": "bold", "text": head}, " " + tail] if tail else [rest]
    elif rest:
        parts.append(rest)
    if len(parts) == 1 and isinstance(parts[0], str):
        return parts[0], [{"type": "plain", "text": parts[0]}]
    ents = [p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts]
    return parts, ents


def telegram_messages(
    r: Rendered, msg_ids: list[int], reply_ids: list[int | None], services: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """Telegram message objects of ``r`` and ``services``, in id order, made lazily."""
    forwarded = r.extra.get("forwarded_from", [None] * len(r))
    edited = r.extra.get("edited", [None] * len(r))
    keys = [(mid, i) for i, mid in enumerate(msg_ids)]
    keys += [(int(s["id"]), -1 - k) for k, s in enumerate(services)]
    keys.sort()
    for _, i in keys:
        if i < 0:
            yield services[-1 - i]
            continue
        m: dict[str, Any] = {
            "id": msg_ids[i],
            "type": "message",
            "date": r.local[i],
            "date_unixtime": str(r.ts[i]),
        }
        if edited[i] is not None:
            m["edited"] = edited[i][0]
            m["edited_unixtime"] = str(edited[i][1])
        m["from"] = r.author_name[i]
        m["from_id"] = r.author[i]
        if forwarded[i]:
            m["forwarded_from"] = forwarded[i]
        if reply_ids[i] is not None:
            m["reply_to_message_id"] = reply_ids[i]
        mention = (r.mention_names[i], r.mention_ids[i]) if r.mention_ids[i] else None
        text = r.text[i]
        if mention:
            text = text[len(mention[0]) + 1 :]  # the mention is rendered as an entity
        m["text"], m["text_entities"] = _tg_text(text, mention, r.author_kind[i] == "channel")
        rc = r.reactions[i] or 0
        if rc:
            k1 = (rc + 1) // 2
            reacts = [{"type": "emoji", "count": k1, "emoji": _TG_EMOJI[i % 5]}]
            if rc - k1:
                reacts.append({"type": "emoji", "count": rc - k1, "emoji": _TG_EMOJI[(i + 2) % 5]})
            m["reactions"] = reacts
        yield m


def write_telegram(
    fh: IO[bytes], name: str, chat_type: str, chat_id: int, msgs: Iterable[dict[str, Any]]
) -> None:
    """Write a Telegram Desktop single-chat export (messages one per line), streaming."""
    head = orjson.dumps({"name": name, "type": chat_type, "id": chat_id})[:-1]
    fh.write(head + b',\n "messages": [\n')
    buf: list[bytes] = []
    first = True
    for m in msgs:
        buf.append(orjson.dumps(m))
        if len(buf) >= 10_000:
            fh.write((b"" if first else b",\n") + b",\n".join(buf))
            first = False
            buf = []
    if buf:
        fh.write((b"" if first else b",\n") + b",\n".join(buf))
    fh.write(b"\n ]\n}\n")


# -- WhatsApp -------------------------------------------------------------------------------

WA_STYLES: tuple[str, ...] = (
    "android_dmy24",  # 28/01/2026, 14:05 - Name: text        (en-GB / en-CA older)
    "ios_mdy12",  # [1/28/26, 2:05:09 PM] Name: text          (en-US iOS; U+202F before PM)
    "android_dot24",  # 28.01.2026, 14:05 - Name: text        (uk / ru phones)
    "android_mdy12",  # 1/28/26, 2:05 PM - Name: text         (en-US Android; U+202F)
    "ios_dmy24",  # [28/01/2026, 14:05:09] Name: text         (en-GB / en-CA iOS)
    "android_iso24",  # 2026-01-28, 14:05 - Name: text        (en-CA Android)
)
DAY_FIRST = frozenset({"android_dmy24", "android_dot24", "ios_dmy24"})
MONTH_FIRST = frozenset({"ios_mdy12", "android_mdy12"})


def wa_is_ios(style: str) -> bool:
    return style.startswith("ios")


def wa_header(style: str, local: str) -> str:
    """The date-time part of a WhatsApp line for local ISO time ``local``."""
    y, mo, d, hh, mi, ss = (
        local[0:4],
        local[5:7],
        local[8:10],
        local[11:13],
        local[14:16],
        local[17:19],
    )
    if style == "android_dmy24":
        return f"{d}/{mo}/{y}, {hh}:{mi} - "
    if style == "android_dot24":
        return f"{d}.{mo}.{y}, {hh}:{mi} - "
    if style == "android_iso24":
        return f"{y}-{mo}-{d}, {hh}:{mi} - "
    if style == "ios_dmy24":
        return f"[{d}/{mo}/{y}, {hh}:{mi}:{ss}] "
    h = int(hh)
    ampm = "AM" if h < 12 else "PM"
    h12 = h % 12 or 12
    md = f"{int(mo)}/{int(d)}/{y[2:]}"
    if style == "android_mdy12":
        return f"{md}, {h12}:{mi}\u202f{ampm} - "
    return f"[{md}, {h12}:{mi}:{ss}\u202f{ampm}] "


def wa_media(style: str) -> str:
    return "\u200eimage omitted" if wa_is_ios(style) else "<Media omitted>"


def wa_deleted(style: str) -> str:
    return "\u200eThis message was deleted." if wa_is_ios(style) else "This message was deleted"


def wa_lines(style: str, subject: str, entries: list[tuple[int, int, str, str | None, str]]) -> str:
    """Render WhatsApp lines; entries are ``(ts, order, local, author or None, body)``.

    ``author`` None marks a system message.
    """
    ios = wa_is_ios(style)
    nl = "\r\n" if ios else "\n"
    out = []
    for _, _, local, author, body in sorted(entries, key=lambda e: (e[0], e[1])):
        head = wa_header(style, local)
        body = body.replace("\n", nl)
        if author is None:
            if ios:
                out.append(f"\u200e{head}{subject}: \u200e{body}")
            else:
                out.append(f"{head}{body}")
        else:
            pre = "\u200e" if (ios and body.startswith("\u200e")) else ""
            out.append(f"{pre}{head}{author}: {body}")
    return nl.join(out) + nl


# -- CrowdTangle ----------------------------------------------------------------------------

CT_COLUMNS: tuple[str, ...] = (
    "Page Name", "User Name", "Facebook Id", "Page Category", "Page Admin Top Country",
    "Page Description", "Page Created", "Likes at Posting", "Followers at Posting",
    "Post Created", "Post Created Date", "Post Created Time", "Type", "Total Interactions",
    "Likes", "Comments", "Shares", "Love", "Wow", "Haha", "Sad", "Angry", "Care",
    "Video Share Status", "Is Video Owner?", "Post Views", "Total Views",
    "Total Views For All Crossposts", "Video Length", "URL", "Message", "Link", "Final Link",
    "Image Text", "Link Text", "Description", "Sponsor Id", "Sponsor Name", "Sponsor Category",
    "Overperforming Score (weighted  —  Likes 1x Shares 1x Comments 1x Love 1x Wow 1x Haha 1x Sad 1x Angry 1x Care 1x )",
)  # fmt: skip


def ct_writer(fh: IO[str]) -> Any:
    """A csv writer for CrowdTangle rows, header already written."""
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(CT_COLUMNS)
    return w


def csv_text(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()
