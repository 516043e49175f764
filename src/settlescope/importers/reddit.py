"""Reddit importers: API listings (also inside recorded test cassettes) and Pushshift-style dumps.

Items are identified by Reddit's *fullnames* (``t3_<id>`` for a submission, ``t1_<id>`` for a
comment), which are also what ``parent_id`` and ``link_id`` hold, so replies and threads link
up without translation. Accounts are referenced by username (Reddit's public handle);
``[deleted]`` and ``[removed]`` authors are left empty. The subreddit is the container.

- ``reddit-api-json``: an API response, ``{"kind": "Listing", "data": {"children": [...]}}``,
  a list of listings (``/comments/<id>`` returns the submission and its comment tree, with
  replies nested as listings), a single thing, or a betamax cassette (PRAW's recorded tests)
  whose ``interactions[].response.body.string`` holds such responses as JSON text.
  ``more`` placeholders (comments not loaded) are not records and are skipped.
- ``reddit-ndjson``: one submission or comment per line, as in Pushshift and Arctic Shift
  dumps; fullnames are built from ``id`` and the kind when ``name`` is absent.
"""

from __future__ import annotations

import base64
import gzip
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from settlescope.importers.base import Batch, Reject, Sniff, Source, importer, json_text
from settlescope.importers.reading import (
    BatchBuilder,
    JsonRecord,
    json_document,
    json_lines,
    raw_json,
    record_batches,
    time_of,
)

PLATFORM = "reddit"
GONE = frozenset({"[deleted]", "[removed]", ""})
_KIND_RE = re.compile(r'"kind"\s*:\s*"(Listing|t1|t3)"')


def _fullname(d: dict[str, Any], kind: str) -> str | None:
    name = d.get("name")
    if isinstance(name, str) and re.fullmatch(r"t\d_\w+", name):
        return name
    rid = d.get("id")
    if rid is None or isinstance(rid, bool) or str(rid) == "":
        return None
    rid = str(rid)
    return rid if rid.startswith(f"{kind}_") else f"{kind}_{rid}"


def _kind_of(d: dict[str, Any]) -> str | None:
    name = d.get("name")
    if isinstance(name, str) and name[:3] in ("t1_", "t3_"):
        return name[:2]
    if "body" in d and ("link_id" in d or "parent_id" in d):
        return "t1"
    if "title" in d:
        return "t3"
    return None


def _ref(v: Any, default_kind: str) -> str | None:
    """A parent or link reference as a fullname (old dumps sometimes hold bare ids)."""
    if v is None or isinstance(v, bool) or v == "":
        return None
    s = str(v)
    return s if re.fullmatch(r"t\d_\w+", s) else f"{default_kind}_{s}"


def _int(v: Any) -> int | None:
    if isinstance(v, bool) or v is None:
        return None
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return None


def thing_row(d: dict[str, Any], kind: str, locator: str, raw: str, tz: ZoneInfo) -> dict[str, Any]:
    """An item from a submission (t3) or a comment (t1)."""
    fullname = _fullname(d, kind)
    author = d.get("author")
    author = author if isinstance(author, str) and author not in GONE else None
    if kind == "t3":
        title = d.get("title") or ""
        body = d.get("selftext") or ""
        text = f"{title}\n\n{body}".strip() if body not in GONE else title
        url = d.get("url")
        urls = [url] if isinstance(url, str) and url and not d.get("is_self") else None
        parent = None
        thread = fullname
    else:
        text = d.get("body")
        urls = None
        thread = _ref(d.get("link_id"), "t3")
        # a bare parent id is the submission when it equals the link id, else a comment
        bare_parent = str(d.get("parent_id"))
        parent = _ref(d.get("parent_id"), "t3" if thread == f"t3_{bare_parent}" else "t1")
    sub = d.get("subreddit")
    return dict(
        platform=PLATFORM,
        platform_id=fullname,
        container=sub if isinstance(sub, str) and sub else None,
        container_kind="group",
        author=author,
        author_kind="person",
        created_at=time_of(d.get("created_utc"), tz),
        kind="post" if kind == "t3" else "comment",
        parent_id=parent,
        thread_id=thread,
        text=text if isinstance(text, str) and text else None,
        urls=urls,
        reactions=_int(d.get("score")),
        comments=_int(d.get("num_comments")) if kind == "t3" else None,
        _locator=locator,
        _raw=raw[:4000],
    )


# -- API listings ------------------------------------------------------------------------------


def _detect_api(s: Sniff) -> float:
    text = json_text(s.head)
    if not text.startswith(("{", "[")):
        return 0.0
    if '"interactions"' in text and "reddit.com" in text:
        return 0.9
    if _KIND_RE.search(text[:4000]) and ('"subreddit"' in text or '"children"' in text):
        return 0.9
    return 0.0


def _bodies(doc: Any) -> Iterator[tuple[str, Any]]:
    """The API responses in a document: itself, or each recorded response of a cassette."""
    if isinstance(doc, dict) and isinstance(doc.get("interactions"), list):
        for i, it in enumerate(doc["interactions"]):
            resp = it.get("response") if isinstance(it, dict) else None
            body = resp.get("body") if isinstance(resp, dict) else None
            if not isinstance(body, dict):
                continue
            text = body.get("string")
            if not text and isinstance(body.get("base64_string"), str):
                try:
                    data = base64.b64decode(body["base64_string"])
                    text = (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode(
                        "utf-8"
                    )
                except (ValueError, OSError, UnicodeDecodeError):
                    text = None
            if not isinstance(text, str) or not text.strip():
                continue
            try:
                yield f"/interactions/{i}/response/body", orjson.loads(text)
            except orjson.JSONDecodeError:
                continue  # a recorded response that is not JSON (an HTML error page)
    else:
        yield "", doc


def _walk(value: Any, pointer: str, out: list[tuple[str, Any]]) -> None:
    """Collect (pointer, thing) for every t1/t3 in a response, descending into replies."""
    if isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{pointer}/{i}", out)
    elif isinstance(value, dict):
        kind = value.get("kind")
        data = value.get("data")
        if kind == "Listing" and isinstance(data, dict):
            _walk(data.get("children"), f"{pointer}/data/children", out)
        elif kind in ("t1", "t3"):
            out.append((pointer, value))
            if isinstance(data, dict) and isinstance(data.get("replies"), (dict, list)):
                _walk(data["replies"], f"{pointer}/data/replies", out)
        elif kind == "more" or "access_token" in value or "json" in value:
            return  # 'load more comments' stubs, token calls and action results: not records
        elif kind is not None:
            out.append((pointer, value))  # another kind of thing: rejected by the caller


@importer(
    id="reddit-api-json",
    name="Reddit API JSON",
    reads="Reddit API responses: listings of submissions (t3) and comments (t1) with nested "
    "replies, or recorded responses in a betamax cassette (interactions[].response.body.string)",
    fills=("items",),
    extensions=(".json",),
    detect=_detect_api,
    expect='a Reddit API response such as {"kind": "Listing", "data": {"children": '
    '[{"kind": "t3", "data": {...}}]}}',
)
def parse_api(source: Source) -> Iterator[Batch]:
    doc = json_document(source)
    things: list[tuple[str, Any]] = []
    for pointer, body in _bodies(doc):
        _walk(body, pointer, things)
    if not things:
        raise source.error(
            "the file holds no Reddit submissions or comments",
            hint="check that this is a listing, /comments/ or /api/info response",
        )
    buf = BatchBuilder()
    buf.done = source.size
    for pointer, thing in things:
        kind = thing.get("kind")
        data = thing.get("data")
        loc = pointer or "/"
        if kind not in ("t1", "t3") or not isinstance(data, dict):
            buf.reject(
                Reject(
                    loc,
                    "not-a-post",
                    f"a '{kind}' thing is not a submission or comment",
                    raw_json(thing),
                )
            )
        else:
            slim = {k: v for k, v in data.items() if k != "replies"}
            buf.add("items", thing_row(data, kind, loc, raw_json(slim), source.tz))
        if buf.full():
            yield buf.take()
    if buf.pending():
        yield buf.take()


# -- Pushshift / Arctic Shift NDJSON ------------------------------------------------------------


def _detect_ndjson(s: Sniff) -> float:
    text = json_text(s.head)
    if not text.startswith("{"):
        return 0.0
    first = text.split("\n", 1)[0]
    try:
        obj = orjson.loads(first)
    except orjson.JSONDecodeError:
        obj = None
    if isinstance(obj, dict):
        keys = set(obj)
        if {"subreddit", "created_utc", "author", "id"} <= keys and keys & {
            "body",
            "selftext",
            "title",
        }:
            return 0.9
        return 0.0
    # a first line longer than the sniffed head
    if all(
        f'"{k}"' in first for k in ("subreddit", "created_utc", "author")
    ) and not _KIND_RE.search(first):
        return 0.6
    return 0.0


@importer(
    id="reddit-ndjson",
    name="Reddit NDJSON dump (Pushshift, Arctic Shift)",
    reads="one Reddit submission or comment per line (id, author, created_utc, subreddit, "
    "title/selftext or body, parent_id and link_id), as in Pushshift and Arctic Shift dumps",
    fills=("items",),
    extensions=(".ndjson", ".jsonl", ".json"),
    detect=_detect_ndjson,
    expect='one Reddit submission or comment per line: {"id": "...", "author": "...", '
    '"created_utc": 1600000000, "subreddit": "...", "body": "..."}',
)
def parse_ndjson(source: Source) -> Iterator[Batch]:
    def thing(rec: JsonRecord, v: dict[str, Any], buf: BatchBuilder) -> None:
        if (kind := _kind_of(v)) is None:
            buf.reject(
                Reject(
                    rec.locator,
                    "not-a-post",
                    "the line is neither a submission (title) nor a comment (body)",
                    rec.raw[:4000],
                )
            )
        else:
            buf.add("items", thing_row(v, kind, rec.locator, rec.raw, source.tz))

    yield from record_batches(json_lines(source), thing, "each line")
