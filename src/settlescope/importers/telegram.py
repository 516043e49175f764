"""Telegram Desktop JSON exports (``result.json``), streamed.

Telegram Desktop writes two shapes of ``result.json``:

- *one chat* (Export chat history): ``{"name", "type", "id", "messages": [...]}``;
- *the whole account* (Settings > Advanced > Export Telegram data): ``{"about", ...,
  "chats": {"list": [chat, ...]}, "left_chats": {"list": [chat, ...]}}``.

Both are streamed with ijson, so a channel of millions of messages never sits in memory: a
single chat goes through ijson's C ``items`` iterator; an account export is walked event by
event so that each chat's name, type and id are known before its messages, and no chat is
ever loaded whole.

How messages become rows:

- Every element of a ``messages`` array is one input record and one primary ``items`` row,
  ``platform_id`` ``"<chat id>/<message id>"``. Messages without an id (hand-trimmed test
  exports) get a content id ``"<chat>/h<hash of date, sender and text>"``, so re-importing is
  still idempotent.
- Service messages (``"type": "service"``: ``create_group``, ``pin_message``, ``phone_call``,
  ``topic_created``, joins ...) are items of kind ``service`` whose author is the actor and
  whose text is the action (``"topic_created: Finances"``). Measures that count content must
  filter ``kind != 'service'``. Joins (``join_group_by_link``, ``join_group_by_request``,
  ``invite_members``) *also* yield ``membership`` edges (member → chat) as auxiliary rows,
  linked to the service item; invited members are named only by display name in exports, so
  their refs are those names (pseudonymised like any person).
- Kind: ``post`` in channels, ``reply`` when the message answers another, ``message``
  otherwise.
- Replies: ``reply_to_message_id`` (in the chat given by ``reply_to_peer_id`` when present)
  becomes ``parent_id``. In forum supergroups a message that "replies" to a ``topic_created``
  service message is *in* that topic rather than answering its creator: it gets the topic as
  ``thread_id`` and no parent. Other replies inherit their parent's thread.
- Forwards: ``forwarded_from_id`` (newer exports) or the ``forwarded_from`` name becomes
  ``shared_from``; the framework derives the share edge.
- Text given as a list of strings and entity objects is flattened to plain text; mentions
  come from ``mention`` (handle, without ``@``) and ``mention_name`` (``user<id>``) entities,
  URLs from ``link`` and ``text_link`` (its ``href``), hashtags (without ``#``) from
  ``hashtag``. When ``text`` is a plain string, entities are taken from ``text_entities``.
- Reactions: the ``count`` of every entry of ``reactions`` is summed.
- Times: ``date_unixtime`` (UTC epoch) when present, else ``date`` (local time without a zone,
  read in the study's or ``--time-zone`` zone). ``edited`` never replaces the original time.
- Authors: ``from_id``/``actor_id`` ``user…`` is a person, ``channel…`` a channel, ``chat…`` a
  group; without an id, the display name is the ref. The chat is the container: channels and
  supergroups are ``channel<id>`` (the same ref Telegram uses in ``from_id``), basic groups
  ``chat<id>``, personal and bot chats ``user<id>`` of kind person.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import hashlib
import io
import re
from collections.abc import Iterator
from typing import IO, Any

import ijson
import orjson

from settlescope.errors import EncodingError, SettlescopeError
from settlescope.importers.base import Batch, Reject, Sniff, Source, importer, json_text
from settlescope.importers.reading import raw_json

PLATFORM = "telegram"
BATCH_ROWS = 5000

CHANNEL_TYPES = frozenset({"public_channel", "private_channel"})
SUPERGROUP_TYPES = frozenset({"public_supergroup", "private_supergroup"})
PERSON_TYPES = frozenset({"personal_chat", "bot_chat", "saved_messages"})
JOIN_ACTIONS = frozenset({"join_group_by_link", "join_group_by_request", "invite_members"})
KIND_BY_PREFIX = (("user", "person"), ("channel", "channel"), ("chat", "group"))

_HEAD_MESSAGES = re.compile(r'"messages"\s*:\s*\[')
_HEAD_TELEGRAM = re.compile(
    r'"(date_unixtime|from_id|actor_id|text_entities)"\s*:'
    r'|"type"\s*:\s*"(personal_chat|bot_chat|saved_messages|private_group|private_supergroup|'
    r'public_supergroup|private_channel|public_channel)"'
)
_HEAD_ACCOUNT = re.compile(r'"(personal_information|frequent_contacts|left_chats)"\s*:')
_MESSAGE_SHAPE = re.compile(r'"type"\s*:\s*"(message|service)"')
_PEER = re.compile(r"^(user|channel|chat)(-?\d+)$")


def _detect(s: Sniff) -> float:
    text = json_text(s.head)
    if not text.startswith("{"):
        return 0.0
    if _HEAD_ACCOUNT.search(text):
        return 0.9
    if not _HEAD_MESSAGES.search(text):
        return 0.0
    if _HEAD_TELEGRAM.search(text):
        return 0.9
    # trimmed exports (no ids at all) still carry Telegram's message shape
    if _MESSAGE_SHAPE.search(text) and '"date' in text:
        return 0.7
    return 0.0


# -- reading the file ---------------------------------------------------------------------


class _Recoded(io.RawIOBase):
    """A binary stream of UTF-8 bytes read from a file in another encoding."""

    def __init__(self, fh: IO[bytes], encoding: str) -> None:
        self._fh = fh
        self._dec = codecs.getincrementaldecoder(encoding)(errors="strict")
        self._buf = b""
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.consumed

    def readinto(self, b: Any) -> int:
        while not self._buf:
            chunk = self._fh.read(1 << 16)
            self.consumed += len(chunk)
            self._buf = self._dec.decode(chunk, final=not chunk).encode("utf-8")
            if not chunk:
                break
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def _open(source: Source) -> IO[bytes]:
    fh = source.open_binary()
    enc = source.encoding.lower().replace("_", "-")
    if enc not in ("utf-8", "utf8", "utf-8-sig"):
        return io.BufferedReader(_Recoded(fh, source.encoding))  # type: ignore[return-value]
    if fh.read(3) != b"\xef\xbb\xbf":
        fh.seek(0)
    return fh


def _check_tail(source: Source) -> None:
    """Refuse a file cut short before anything is written (a JSON document ends with ``}``)."""
    with source.open_binary() as fh:
        fh.seek(max(0, source.size - 64))
        tail = fh.read()
    if not tail.rstrip().endswith(b"}"):
        raise source.error(
            "the file does not end like a Telegram export (with '}'): "
            "the file looks truncated or damaged; export it again",
            locator="end of file",
            hint="export the chat again from Telegram Desktop (Export chat history, format JSON)",
        )


class _Place:
    """Where the reader is, for error messages."""

    def __init__(self) -> None:
        self.locator = "the start"


def _json_error(source: Source, e: Exception, place: _Place, pos: int | None) -> SettlescopeError:
    near = f" (near byte {pos:,})" if pos is not None else ""
    detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if "UTF8" in detail or "UTF-8" in detail:
        return EncodingError(
            f"the file is not valid UTF-8 text after {place.locator}{near}",
            file=source.name,
            locator=f"after {place.locator}",
            hint="Telegram exports are UTF-8: the file looks truncated or damaged; export it again",
        )
    return source.error(
        f"the JSON could not be read after {place.locator}{near}: {detail}; "
        "the file looks truncated or damaged; export it again",
        locator=f"after {place.locator}{near}",
        hint="export the chat again from Telegram Desktop (Export chat history, format JSON)",
    )


Chat = dict[str, Any]


def _single_chat_meta(fh: IO[bytes]) -> tuple[Chat, str]:
    """Name, type and id of a one-chat export, read from the events before ``messages``.

    Returns the metadata and the shape: ``"chat"``, ``"account"`` or ``"none"`` (no messages).
    """
    meta: Chat = {"_base": "/messages"}
    for prefix, event, value in ijson.parse(fh, use_float=True):
        if prefix in ("name", "type", "id") and event in ("string", "number"):
            meta[prefix] = value
        elif prefix in ("chats", "left_chats") and event == "start_map":
            return meta, "account"
        elif prefix == "messages" and event == "start_array":
            return meta, "chat"
    return meta, "none"


def _account_chats(fh: IO[bytes]) -> Iterator[tuple[Chat, int, Any]]:
    """Walk a whole-account export: (chat, index, message) without loading any chat whole."""
    chat: Chat = {}
    index = -1
    chat_no = {"chats": -1, "left_chats": -1}
    builder: ijson.ObjectBuilder | None = None
    depth = 0
    for prefix, event, value in ijson.parse(fh, use_float=True):
        if builder is not None:
            builder.event(event, value)
            if event in ("start_map", "start_array"):
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
            if depth == 0:
                index += 1
                yield chat, index, builder.value
                builder = None
            continue
        head, _, rest = prefix.partition(".")
        if head not in chat_no or not rest.startswith("list.item"):
            continue
        if rest == "list.item":
            if event == "start_map":
                chat_no[head] += 1
                chat = {"_base": f"/{head}/list/{chat_no[head]}/messages"}
                index = -1
            continue
        field = rest[len("list.item.") :]
        if field in ("name", "type", "id") and event in ("string", "number"):
            chat[field] = value
        elif field == "messages.item":
            builder = ijson.ObjectBuilder()
            builder.event(event, value)
            depth = 1 if event in ("start_map", "start_array") else 0
            if depth == 0:
                index += 1
                yield chat, index, builder.value
                builder = None


# -- converting one message -----------------------------------------------------------------


def _str_id(v: Any) -> str | None:
    if v is None or isinstance(v, (bool, dict, list)):
        return None
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else None
    s = str(v).strip()
    return s or None


def _chat_refs(chat: Chat) -> None:
    """Fill in the chat's container ref, kind and platform-id prefix (once per chat)."""
    if "_ref" in chat:
        return
    cid = _str_id(chat.get("id"))
    ctype = chat.get("type") if isinstance(chat.get("type"), str) else None
    name = chat.get("name") if isinstance(chat.get("name"), str) else None
    if ctype in CHANNEL_TYPES:
        kind, prefix = "channel", "channel"
    elif ctype in SUPERGROUP_TYPES:
        kind, prefix = "group", "channel"
    elif ctype in PERSON_TYPES:
        kind, prefix = "person", "user"
    else:
        kind, prefix = "group", "chat"
    if cid is not None:
        ref: str | None = cid if _PEER.match(cid) else f"{prefix}{cid}"
        m = _PEER.match(cid)
        chat["_pid"] = m.group(2) if m else cid
    else:
        ref = name
        chat["_pid"] = name or "chat"
    chat["_ref"] = ref
    chat["_kind"] = kind
    chat["_channel"] = ctype in CHANNEL_TYPES
    chat["_name"] = name
    chat["_topics"] = set()
    chat["_thread_of"] = {}


@functools.lru_cache(maxsize=65536)
def _account_kind(ref: str) -> str:
    m = _PEER.match(ref)
    if m:
        for prefix, kind in KIND_BY_PREFIX:
            if m.group(1) == prefix:
                return kind
    return "person"


def _when(msg: dict[str, Any], source: Source) -> dt.datetime | None:
    unix = msg.get("date_unixtime")
    if unix is not None and not isinstance(unix, (bool, dict, list)):
        try:
            return dt.datetime.fromtimestamp(int(str(unix).strip()), dt.UTC)
        except (ValueError, OverflowError, OSError):
            pass
    date = msg.get("date")
    if isinstance(date, str):
        try:
            t = dt.datetime.fromisoformat(date.strip())
        except ValueError:
            return None
        return t.replace(tzinfo=source.tz) if t.tzinfo is None else t
    return None


def _flatten(msg: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    """Plain text and the entity objects of a message."""
    text = msg.get("text")
    if isinstance(text, str):
        ents = msg.get("text_entities")
        return text, [e for e in ents if isinstance(e, dict)] if isinstance(ents, list) else []
    if isinstance(text, list):
        parts = []
        ents = []
        for part in text:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                t = part.get("text")
                if isinstance(t, str):
                    parts.append(t)
                ents.append(part)
        return "".join(parts), ents
    return None, []


def _entities(ents: list[dict[str, Any]]) -> tuple[list[str], list[str], list[str]]:
    urls: list[str] = []
    tags: list[str] = []
    mentions: list[str] = []
    for e in ents:
        kind = e.get("type")
        t = e.get("text") if isinstance(e.get("text"), str) else ""
        if kind == "link" and t:
            urls.append(t.strip())
        elif kind == "text_link" and isinstance(e.get("href"), str):
            urls.append(e["href"])
        elif kind == "hashtag" and t:
            tags.append(t.strip().lstrip("#"))
        elif kind == "mention" and t:
            mentions.append(t.strip().lstrip("@"))
        elif kind == "mention_name":
            uid = _str_id(e.get("user_id"))
            if uid:
                mentions.append(uid if _PEER.match(uid) else f"user{uid}")
            elif t:
                mentions.append(t.strip())
    return urls, tags, mentions


def _reactions(msg: dict[str, Any]) -> int | None:
    rs = msg.get("reactions")
    if not isinstance(rs, list):
        return None
    total = 0
    for r in rs:
        if (
            isinstance(r, dict)
            and isinstance(r.get("count"), (int, float))
            and not isinstance(r["count"], bool)
        ):
            total += int(r["count"])
    return total


def _peer_pid(v: Any) -> str | None:
    s = _str_id(v)
    if s is None:
        return None
    m = _PEER.match(s)
    return m.group(2) if m else s


def _convert(
    chat: Chat, index: int, msg: Any, source: Source
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], Reject | None]:
    """One message → (item row, membership edges, reject)."""
    locator = f"{chat['_base']}/{index}"
    if not isinstance(msg, dict):
        return (
            None,
            [],
            Reject(locator, "not-an-object", "a message must be a JSON object", raw_json(msg)),
        )
    mtype = msg.get("type", "message")
    if mtype not in ("message", "service"):
        return (
            None,
            [],
            Reject(
                locator,
                "unknown-message-type",
                f"message type {mtype!r} is neither 'message' nor 'service'",
                raw_json(msg),
            ),
        )
    service = mtype == "service"
    text, ents = _flatten(msg)
    author_id = _str_id(msg.get("actor_id" if service else "from_id"))
    name_field = msg.get("actor" if service else "from")
    author_name = name_field if isinstance(name_field, str) and name_field.strip() else None
    author = author_id or author_name
    author_kind = _account_kind(author_id) if author_id else "person"
    created = _when(msg, source)
    mid = _str_id(msg.get("id"))
    if mid is None:
        digest = hashlib.sha1(
            orjson.dumps([msg.get("date_unixtime"), msg.get("date"), author, text], default=str)
        ).hexdigest()[:16]
        mid = f"h{digest}"
    pid = f"{chat['_pid']}/{mid}"
    row: dict[str, Any] = {
        "platform": PLATFORM,
        "platform_id": pid,
        "container": chat["_ref"],
        "container_kind": chat["_kind"],
        "author": author,
        "author_name": author_name,
        "author_kind": author_kind,
        "created_at": created,
        "_locator": locator,
    }
    if created is None:
        # only rows the framework will reject need their source text (it costs time per row)
        row["_raw"] = raw_json(msg)
    edges: list[dict[str, Any]] = []
    if service:
        action = msg.get("action") if isinstance(msg.get("action"), str) else "service"
        title = msg.get("title") if isinstance(msg.get("title"), str) else None
        row["kind"] = "service"
        row["text"] = f"{action}: {title}" if title else action
        if action == "topic_created":
            chat["_topics"].add(mid)
        if action in JOIN_ACTIONS:
            members = msg.get("members")
            refs = (
                [m for m in members if isinstance(m, str) and m.strip()]
                if action == "invite_members" and isinstance(members, list)
                else ([author] if author else [])
            )
            for ref in refs:
                edges.append(
                    {
                        "platform": PLATFORM,
                        "kind": "membership",
                        "source": ref,
                        "source_kind": _account_kind(ref),
                        "target": chat["_ref"],
                        "target_kind": chat["_kind"],
                        "target_name": chat["_name"],
                        "item_id": pid,
                        "container": chat["_ref"],
                        "created_at": created,
                        "_locator": locator,
                    }
                )
        return row, edges, None
    urls, tags, mentions = _entities(ents)
    row["text"] = text
    row["urls"] = urls or None
    row["hashtags"] = tags or None
    row["mentions"] = mentions or None
    row["reactions"] = _reactions(msg)
    views = msg.get("views")
    if isinstance(views, int) and not isinstance(views, bool):
        row["views"] = views
    fwd = _str_id(msg.get("forwarded_from_id")) or (
        msg["forwarded_from"].strip()
        if isinstance(msg.get("forwarded_from"), str) and msg["forwarded_from"].strip()
        else None
    )
    row["shared_from"] = fwd
    reply_to = _str_id(msg.get("reply_to_message_id"))
    peer = _peer_pid(msg.get("reply_to_peer_id"))
    thread_of: dict[str, str] = chat["_thread_of"]
    kind = "post" if chat["_channel"] else "message"
    if reply_to is not None and (peer is None or peer == chat["_pid"]):
        if reply_to in chat["_topics"]:
            # a message in a forum topic: the topic is its thread, not a parent to answer
            row["thread_id"] = f"{chat['_pid']}/{reply_to}"
            thread_of[mid] = reply_to
        else:
            root = thread_of.get(reply_to, reply_to)
            row["parent_id"] = f"{chat['_pid']}/{reply_to}"
            row["thread_id"] = f"{chat['_pid']}/{root}"
            thread_of[mid] = root
            kind = "reply"
    elif reply_to is not None and peer is not None:
        row["parent_id"] = f"{peer}/{reply_to}"
        kind = "reply"
    row["kind"] = kind
    return row, edges, None


def _container_account(chat: Chat) -> dict[str, Any] | None:
    if not chat.get("_ref"):
        return None
    return {
        "platform": PLATFORM,
        "ref": chat["_ref"],
        "platform_id": _str_id(chat.get("id")),
        "handle": None,
        "display_name": chat["_name"],
        "kind": chat["_kind"],
    }


class _Reader:
    """The open file being read (it changes once, after the first look at the chat's name)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.fh: IO[bytes] | None = None

    def open(self) -> IO[bytes]:
        self.close()
        self.fh = _open(self.source)
        return self.fh

    def tell(self) -> int | None:
        try:
            return self.fh.tell() if self.fh is not None else None
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    def messages(self) -> Iterator[tuple[Chat, int, Any]]:
        meta, shape = _single_chat_meta(self.open())
        if shape == "none":
            raise self.source.error(
                'no messages found: the file has no "messages" list',
                locator="/messages",
                hint="export the chat again from Telegram Desktop with format JSON",
            )
        fh = self.open()
        if shape == "account":
            yield from _account_chats(fh)
            return
        for index, msg in enumerate(ijson.items(fh, "messages.item", use_float=True)):
            yield meta, index, msg


@importer(
    id="telegram-json",
    name="Telegram Desktop JSON export",
    reads="Telegram Desktop's result.json: one chat or channel (Export chat history) or the "
    "whole account (Export Telegram data), format JSON",
    fills=("items", "interactions", "accounts"),
    extensions=(".json",),
    detect=_detect,
    expect='a Telegram Desktop result.json: a JSON object with "messages" (one chat) or '
    '"chats": {"list": [...]} (whole account)',
)
def parse_telegram(source: Source) -> Iterator[Batch]:
    """Stream a Telegram Desktop export into items, membership edges and chat accounts.

    Example
    -------
    >>> from settlescope.importers.run import import_file
    >>> import_file(ws, Path("result.json"), wave="baseline", study=study)  # doctest: +SKIP
    """
    _check_tail(source)
    place = _Place()
    reader = _Reader(source)
    items: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    try:
        for chat, index, msg in reader.messages():
            if "_ref" not in chat:
                _chat_refs(chat)
                acc = _container_account(chat)
                if acc:
                    accounts.append(acc)
            place.locator = f"{chat['_base']}/{index}"
            try:
                row, new_edges, bad = _convert(chat, index, msg, source)
            except (TypeError, ValueError, AttributeError, OverflowError) as e:
                row, new_edges = None, []
                bad = Reject(
                    place.locator,
                    "bad-message",
                    f"the message could not be read: {e}",
                    raw_json(msg),
                )
            if row is not None:
                items.append(row)
            edges.extend(new_edges)
            if bad is not None:
                rejects.append(bad)
            if len(items) + len(rejects) >= BATCH_ROWS:
                yield _batch(items, edges, accounts, rejects, reader.tell())
                items, edges, accounts, rejects = [], [], [], []
        yield _batch(items, edges, accounts, rejects, source.size)
    except ijson.JSONError as e:
        raise _json_error(source, e, place, reader.tell()) from None
    except UnicodeDecodeError as e:
        raise EncodingError(
            f"the file is not valid {source.encoding} text after {place.locator}",
            file=source.name,
            locator=f"after {place.locator}",
            hint="Telegram exports are UTF-8: leave out --encoding, or export the chat again",
        ) from e
    finally:
        reader.close()


def _batch(
    items: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    accounts: list[dict[str, Any]],
    rejects: list[Reject],
    done: int | None,
) -> Batch:
    aux: dict[str, Any] = {}
    if accounts:
        aux["accounts"] = accounts
    if edges:
        aux["interactions"] = edges
    return Batch(rows={"items": items} if items else {}, aux=aux, rejects=rejects, bytes_done=done)
