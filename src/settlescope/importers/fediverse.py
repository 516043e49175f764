"""Fediverse importers: Mastodon API statuses and Bluesky (AT Protocol) API responses.

Mastodon (``mastodon-json``)
    A JSON array of Status entities, a single status, one status per line, or a recorded
    HTTP cassette (R vcr / httptest YAML: ``http_interactions[].response.body.string`` holds the
    JSON). Accounts are referenced by their full address ``user@instance``: ``acct`` is
    relative to the instance that answered (local users have no ``@domain``), so the domain is
    added from the account's profile URL. Status ids are the answering instance's own ids (that
    is what ``in_reply_to_id`` points at): do not merge exports taken from different instances.
    A reblog is an item shared from the original's author. Content is HTML and is stored as
    plain text. A cassette that holds no statuses (a poll, an account) is refused.

Bluesky (``bluesky-json``)
    XRPC responses: ``getAuthorFeed``/``getTimeline`` ``{feed: [{post, reply?, reason?}]}``,
    ``getPostThread`` ``{thread: {post, parent?, replies}}`` (parents and replies are items too),
    ``getPosts`` ``{posts}``, ``getFollows``/``getFollowers`` (``follow`` interactions between
    the subject and each listed account), and ``getRecord``/``listRecords`` records: a post is
    an item, a like a ``reaction`` interaction, a repost a ``share`` interaction, a follow a
    ``follow`` interaction. at:// URIs are the items' ids, DIDs the accounts' refs (handles are
    their names). A repost in a feed becomes an item ``<post uri>#repost/<reposter did>`` shared
    from the post's author. Other documents (DID documents, feed generator records, profiles)
    hold no posts or edges and are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import orjson

from settlescope.importers.base import Batch, Reject, Sniff, Source, importer, json_text
from settlescope.importers.reading import (
    MAX_DOCUMENT_BYTES,
    BatchBuilder,
    JsonRecord,
    json_array,
    json_document,
    json_lines,
    json_shape,
    raw_json,
    record_batches,
    time_of,
)

# -- HTML to text --------------------------------------------------------------------------------


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(html: Any) -> str | None:
    """Plain text of a status's HTML content (paragraphs and line breaks kept)."""
    if not isinstance(html, str) or not html:
        return None
    p = _Text()
    p.feed(html)
    p.close()
    text = re.sub(r"\n{3,}", "\n\n", "".join(p.parts)).strip()
    return text or None


# -- Mastodon ------------------------------------------------------------------------------------

MASTODON = "mastodon"


def _is_status(v: Any) -> bool:
    return (
        isinstance(v, dict)
        and isinstance(v.get("account"), dict)
        and "created_at" in v
        and "id" in v
    )


def _detect_mastodon(s: Sniff) -> float:
    text = json_text(s.head)
    if text.startswith("http_interactions:") or text.startswith("---\nhttp_interactions:"):
        return 0.9 if "/api/v1/" in text or "/api/v2/" in text else 0.0
    if not text.startswith(("{", "[")):
        return 0.0
    if (
        '"acct"' in text
        and '"account"' in text
        and ('"favourites_count"' in text or '"reblogs_count"' in text)
    ):
        return 0.9
    return 0.0


def full_acct(account: Any) -> str | None:
    """``user@instance`` for an account or a mention (local accounts get the URL's domain)."""
    if not isinstance(account, dict):
        return None
    acct = account.get("acct") or account.get("username")
    if not isinstance(acct, str) or not acct:
        return None
    acct = acct.lstrip("@")
    if "@" in acct:
        return acct
    host = urlparse(str(account.get("url") or "")).hostname
    return f"{acct}@{host}" if host else acct


def status_row(s: dict[str, Any], locator: str, raw: str, tz: ZoneInfo) -> dict[str, Any]:
    reblog = s.get("reblog") if isinstance(s.get("reblog"), dict) else None
    content = reblog if reblog else s
    parent = s.get("in_reply_to_id")
    card = content.get("card") if isinstance(content.get("card"), dict) else {}
    account = s.get("account") if isinstance(s.get("account"), dict) else {}
    return dict(
        platform=MASTODON,
        platform_id=str(s["id"]) if s.get("id") not in (None, "") else None,
        author=full_acct(account),
        author_name=account.get("display_name") or account.get("username") or None,
        author_kind="group" if account.get("group") else "person",
        created_at=time_of(s.get("created_at"), tz),
        kind="reply" if parent else "post",
        parent_id=str(parent) if parent else None,
        shared_from=full_acct(reblog.get("account")) if reblog else None,
        text=html_text(content.get("content")),
        language=content.get("language") or None,
        urls=[card["url"]] if isinstance(card.get("url"), str) else None,
        hashtags=[
            t["name"] for t in content.get("tags") or [] if isinstance(t, dict) and t.get("name")
        ]
        or None,
        mentions=[m for m in (full_acct(x) for x in content.get("mentions") or []) if m] or None,
        reactions=_int(s.get("favourites_count")),
        comments=_int(s.get("replies_count")),
        shares=_int(s.get("reblogs_count")),
        _locator=locator,
        _raw=raw[:4000],
    )


def _int(v: Any) -> int | None:
    if isinstance(v, bool) or v is None:
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _cassette_bodies(source: Source) -> Iterator[tuple[str, Any]]:
    """(pointer, parsed JSON) for each recorded response of a vcr/httptest YAML cassette."""
    import yaml  # PyYAML: only cassettes need it

    if source.size > MAX_DOCUMENT_BYTES:
        raise source.error("the cassette is too large to read", hint="split it into smaller files")
    with source.open_binary() as fh:
        data = fh.read()
    try:
        text = data.decode(source.encoding)
    except UnicodeDecodeError as e:
        from settlescope.importers.base import encoding_error

        raise encoding_error(source, data, e, f"byte {e.start}") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        doc = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise source.error(
            f"the cassette is not valid YAML: {getattr(e, 'problem', None) or e}",
            locator=f"line {mark.line + 1}" if mark is not None else None,
            hint="record or copy the file again; it may be cut off",
        ) from None
    inter = doc.get("http_interactions") if isinstance(doc, dict) else None
    if not isinstance(inter, list):
        raise source.error(
            "the YAML is not an HTTP cassette (no http_interactions)",
            hint="use the API's JSON response instead",
        )
    for i, it in enumerate(inter):
        resp = it.get("response") if isinstance(it, dict) else None
        body = resp.get("body") if isinstance(resp, dict) else None
        string = body.get("string") if isinstance(body, dict) else None
        if not isinstance(string, str) or not string.strip():
            continue
        pointer = f"/http_interactions/{i}/response/body"
        try:
            yield pointer, orjson.loads(string)
        except orjson.JSONDecodeError as e:
            raise source.error(
                f"a recorded response is not valid JSON: {e}",
                locator=pointer,
                hint="record or copy the cassette again",
            ) from None


def _mastodon_records(source: Source) -> Iterator[JsonRecord]:
    with source.open_binary() as fh:
        head = json_text(fh.read(256))
    if head.startswith(("http_interactions:", "---")):
        found = False
        for pointer, body in _cassette_bodies(source):
            values = body if isinstance(body, list) else [body]
            for i, v in enumerate(values):
                if _is_status(v):
                    found = True
                    loc = f"{pointer}/{i}" if isinstance(body, list) else pointer
                    yield JsonRecord(loc, v, raw_json(v), source.size)
        if not found:
            raise source.error(
                "the cassette holds no Mastodon statuses (it records another API call, such as "
                "a poll or an account)",
                hint="import a cassette or JSON file of statuses",
            )
        return
    shape = json_shape(source)
    if shape == "array":
        yield from json_array(source)
    elif shape == "lines":
        yield from json_lines(source)
    else:
        doc = json_document(source)
        yield JsonRecord("/", doc, raw_json(doc), source.size)


@importer(
    id="mastodon-json",
    name="Mastodon API statuses (JSON, or a recorded YAML cassette)",
    reads="Mastodon API Status entities: a JSON array (timelines, account statuses), a single "
    "status, one per line, or a vcr/httptest YAML cassette holding such responses",
    fills=("items", "accounts"),
    extensions=(".json", ".jsonl", ".yml", ".yaml"),
    detect=_detect_mastodon,
    expect='Mastodon statuses: [{"id": "...", "created_at": ..., "account": {"acct": ...}, '
    '"content": "<p>...</p>", "favourites_count": 0, ...}]',
)
def parse_mastodon(source: Source) -> Iterator[Batch]:
    seen: set[str] = set()

    def status(rec: JsonRecord, v: Any, buf: BatchBuilder) -> None:
        if not _is_status(v):
            buf.reject(
                Reject(
                    rec.locator,
                    "not-a-status",
                    "this record is not a Mastodon status (it has no id, created_at and account)",
                    rec.raw[:4000],
                )
            )
            return
        row = status_row(v, rec.locator, rec.raw, source.tz)
        if row["author"] and row["author"] not in seen:
            seen.add(row["author"])
            acc = v["account"]
            buf.add_aux(
                "accounts",
                dict(
                    platform=MASTODON,
                    ref=row["author"],
                    platform_id=row["author"],
                    handle=row["author"],
                    display_name=acc.get("display_name") or None,
                    kind=row["author_kind"],
                ),
            )
        buf.add("items", row)

    yield from record_batches(_mastodon_records(source), status)


# -- Bluesky -------------------------------------------------------------------------------------

BLUESKY = "bluesky"
_AT_DID = re.compile(r"^at://(did:[a-z]+:[^/]+)")


def _did_of_uri(uri: Any) -> str | None:
    m = _AT_DID.match(uri) if isinstance(uri, str) else None
    return m.group(1) if m else None


def _detect_bluesky(s: Sniff) -> float:
    text = json_text(s.head)
    if not text.startswith("{"):
        return 0.0
    if '"at://' in text and ("app.bsky" in text or '"did:' in text):
        return 0.9
    if '"did"' in text and '"handle"' in text and ('"follows"' in text or '"followers"' in text):
        return 0.9
    return 0.0


def _facets(record: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    mentions, urls, tags = [], [], []
    for f in record.get("facets") or []:
        for feat in (f.get("features") or []) if isinstance(f, dict) else []:
            if not isinstance(feat, dict):
                continue
            t = str(feat.get("$type", ""))
            if t.endswith("#mention") and feat.get("did"):
                mentions.append(str(feat["did"]))
            elif t.endswith("#link") and feat.get("uri"):
                urls.append(str(feat["uri"]))
            elif t.endswith("#tag") and feat.get("tag"):
                tags.append(str(feat["tag"]))
    for t in record.get("tags") or []:
        if isinstance(t, str):
            tags.append(t)
    return mentions, urls, tags


def _quoted_did(record: dict[str, Any]) -> str | None:
    embed = record.get("embed") if isinstance(record.get("embed"), dict) else {}
    rec = embed.get("record") if isinstance(embed.get("record"), dict) else None
    if rec is not None and isinstance(rec.get("record"), dict):  # recordWithMedia nests once more
        rec = rec["record"]
    return _did_of_uri(rec.get("uri")) if rec else None


def post_row(
    uri: Any,
    author: dict[str, Any],
    record: dict[str, Any],
    counts: dict[str, Any],
    locator: str,
    raw: str,
    tz: ZoneInfo,
) -> dict[str, Any]:
    reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
    parent = reply.get("parent") if isinstance(reply.get("parent"), dict) else {}
    root = reply.get("root") if isinstance(reply.get("root"), dict) else {}
    mentions, urls, tags = _facets(record)
    langs = record.get("langs")
    did = author.get("did") or _did_of_uri(uri)
    reposts = _int(counts.get("repostCount"))
    quotes = _int(counts.get("quoteCount"))
    return dict(
        platform=BLUESKY,
        platform_id=uri if isinstance(uri, str) and uri else None,
        author=did,
        author_name=author.get("displayName") or author.get("handle") or None,
        author_kind="person",
        created_at=time_of(record.get("createdAt"), tz),
        kind="reply" if parent.get("uri") else "post",
        parent_id=parent.get("uri") or None,
        thread_id=root.get("uri") or None,
        shared_from=_quoted_did(record),
        text=record.get("text") or None,
        language=langs[0]
        if isinstance(langs, list) and langs and isinstance(langs[0], str)
        else None,
        urls=urls or None,
        hashtags=tags or None,
        mentions=mentions or None,
        reactions=_int(counts.get("likeCount")),
        comments=_int(counts.get("replyCount")),
        shares=None if reposts is None and quotes is None else (reposts or 0) + (quotes or 0),
        _locator=locator,
        _raw=raw[:4000],
    )


class _Bsky:
    """Walks one Bluesky document and fills a row buffer."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.buf = BatchBuilder()
        self.buf.done = source.size
        self.seen: set[str] = set()

    def account(self, a: Any) -> None:
        if isinstance(a, dict) and a.get("did") and a["did"] not in self.seen:
            self.seen.add(a["did"])
            self.buf.add_aux(
                "accounts",
                dict(
                    platform=BLUESKY,
                    ref=a["did"],
                    platform_id=a["did"],
                    handle=a.get("handle"),
                    display_name=a.get("displayName") or None,
                    kind="person",
                ),
            )

    def post_view(self, p: Any, loc: str) -> None:
        if not isinstance(p, dict) or not isinstance(p.get("record"), dict):
            self.buf.reject(
                Reject(
                    loc, "not-a-post", "a post view must have a uri, author and record", raw_json(p)
                )
            )
            return
        author = p.get("author") if isinstance(p.get("author"), dict) else {}
        self.account(author)
        self.buf.add(
            "items",
            post_row(p.get("uri"), author, p["record"], p, loc, raw_json(p), self.source.tz),
        )

    def thread(self, t: Any, loc: str, up: bool = True, down: bool = True) -> None:
        if not isinstance(t, dict):
            return
        if "post" not in t:
            return  # notFoundPost / blockedPost placeholders: nothing to import
        self.post_view(t["post"], f"{loc}/post")
        if up and isinstance(t.get("parent"), dict):
            self.thread(t["parent"], f"{loc}/parent", up=True, down=False)
        if down:
            for i, r in enumerate(t.get("replies") or []):
                self.thread(r, f"{loc}/replies/{i}", up=False, down=True)

    def feed(self, feed: list[Any], loc: str) -> None:
        for i, f in enumerate(feed):
            here = f"{loc}/{i}"
            if not isinstance(f, dict) or not isinstance(f.get("post"), dict):
                self.buf.reject(
                    Reject(here, "not-a-post", "a feed entry must hold a post", raw_json(f))
                )
                continue
            reason = f.get("reason") if isinstance(f.get("reason"), dict) else {}
            if str(reason.get("$type", "")).endswith("#reasonRepost") and isinstance(
                reason.get("by"), dict
            ):
                self.repost(f["post"], reason, here)
            else:
                self.post_view(f["post"], f"{here}/post")

    def repost(self, post: dict[str, Any], reason: dict[str, Any], loc: str) -> None:
        by = reason["by"]
        self.account(by)
        self.account(post.get("author"))
        record = post.get("record") if isinstance(post.get("record"), dict) else {}
        original = post.get("author") if isinstance(post.get("author"), dict) else {}
        self.buf.add(
            "items",
            dict(
                platform=BLUESKY,
                platform_id=f"{post.get('uri')}#repost/{by.get('did')}"
                if post.get("uri") and by.get("did")
                else None,
                author=by.get("did"),
                author_name=by.get("displayName") or by.get("handle") or None,
                author_kind="person",
                created_at=time_of(reason.get("indexedAt"), self.source.tz),
                kind="post",
                shared_from=original.get("did") or _did_of_uri(post.get("uri")),
                text=record.get("text") or None,
                _locator=loc,
                _raw=raw_json({"post": post.get("uri"), "reason": reason}),
            ),
        )

    def record(self, r: Any, loc: str) -> bool:
        """A repo record (getRecord / listRecords): True when it was one we import."""
        if not isinstance(r, dict) or not isinstance(r.get("value"), dict):
            return False
        value = r["value"]
        kind = value.get("$type")
        uri = r.get("uri")
        repo = _did_of_uri(uri)
        when = time_of(value.get("createdAt"), self.source.tz)
        subject = value.get("subject")
        if kind == "app.bsky.feed.post":
            self.buf.add(
                "items", post_row(uri, {"did": repo}, value, {}, loc, raw_json(r), self.source.tz)
            )
        elif kind in ("app.bsky.feed.like", "app.bsky.feed.repost") and isinstance(subject, dict):
            self.buf.add(
                "interactions",
                dict(
                    platform=BLUESKY,
                    kind="reaction" if kind.endswith("like") else "share",
                    source=repo,
                    target=_did_of_uri(subject.get("uri")),
                    item_id=subject.get("uri"),
                    created_at=when,
                    _locator=loc,
                    _raw=raw_json(r),
                ),
            )
        elif kind == "app.bsky.graph.follow" and isinstance(subject, str):
            self.buf.add(
                "interactions",
                dict(
                    platform=BLUESKY,
                    kind="follow",
                    source=repo,
                    target=subject,
                    created_at=when,
                    _locator=loc,
                    _raw=raw_json(r),
                ),
            )
        else:
            return False
        return True

    def follows(self, doc: dict[str, Any]) -> None:
        subject = doc.get("subject") if isinstance(doc.get("subject"), dict) else {}
        self.account(subject)
        outgoing = "follows" in doc
        for i, a in enumerate(doc.get("follows") if outgoing else doc.get("followers") or []):
            loc = f"/{'follows' if outgoing else 'followers'}/{i}"
            if not isinstance(a, dict) or not a.get("did"):
                self.buf.reject(
                    Reject(loc, "not-an-account", "an entry of the list has no did", raw_json(a))
                )
                continue
            self.account(a)
            src, tgt = (subject, a) if outgoing else (a, subject)
            self.buf.add(
                "interactions",
                dict(
                    platform=BLUESKY,
                    kind="follow",
                    source=src.get("did"),
                    source_name=src.get("handle"),
                    target=tgt.get("did"),
                    target_name=tgt.get("handle"),
                    _locator=loc,
                    _raw=raw_json(a),
                ),
            )


@importer(
    id="bluesky-json",
    name="Bluesky (AT Protocol) API JSON",
    reads="Bluesky XRPC responses: getAuthorFeed/getTimeline {feed}, getPostThread {thread}, "
    "getPosts {posts}, getFollows/getFollowers, and getRecord/listRecords records of posts, "
    "likes, reposts and follows",
    fills=("items", "interactions", "accounts"),
    extensions=(".json",),
    detect=_detect_bluesky,
    expect='a Bluesky API response such as {"feed": [{"post": {"uri": "at://did:plc:.../'
    'app.bsky.feed.post/...", "author": {...}, "record": {...}}}]}',
)
def parse_bluesky(source: Source) -> Iterator[Batch]:
    doc = json_document(source)
    w = _Bsky(source)
    if not isinstance(doc, dict):
        raise source.error(
            "the file is not a Bluesky API response (expected a JSON object)",
            hint="import a getAuthorFeed, getPostThread or getRecord response",
        )
    if isinstance(doc.get("feed"), list):
        w.feed(doc["feed"], "/feed")
    elif isinstance(doc.get("thread"), dict):
        w.thread(doc["thread"], "/thread")
    elif isinstance(doc.get("posts"), list):
        for i, p in enumerate(doc["posts"]):
            w.post_view(p, f"/posts/{i}")
    elif isinstance(doc.get("follows"), list) or isinstance(doc.get("followers"), list):
        w.follows(doc)
    elif isinstance(doc.get("records"), list):
        for i, r in enumerate(doc["records"]):
            if not w.record(r, f"/records/{i}"):
                w.buf.reject(
                    Reject(
                        f"/records/{i}",
                        "not-a-post",
                        "this record is not a post, like, repost or follow",
                        raw_json(r),
                    )
                )
    elif "value" in doc and "uri" in doc:
        if not w.record(doc, "/"):
            kind = doc["value"].get("$type") if isinstance(doc["value"], dict) else None
            raise source.error(
                f"this record ({kind or 'unknown type'}) is not a post, like, repost or follow: "
                "there is nothing to import",
                hint="import posts (getAuthorFeed, getPostThread) or like/repost/follow records",
            )
    elif "didDoc" in doc or str(doc.get("id", "")).startswith("did:"):
        raise source.error(
            "this is a DID document (it describes an account's identity and server), not posts",
            hint="import the account's posts (getAuthorFeed) or follows (getFollows) instead",
        )
    else:
        raise source.error(
            "the file is not a Bluesky response that settlescope reads (no feed, thread, posts, "
            "follows or record)",
            hint="import a getAuthorFeed, getPostThread, getFollows or getRecord response",
        )
    if w.buf.pending():
        yield w.buf.take()
