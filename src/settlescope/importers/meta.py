"""Meta (Facebook and Instagram) importers: CrowdTangle, Content Library, insights, DYI.

Formats
-------
``crowdtangle-json``
    CrowdTangle API ``/posts`` responses ``{status, result: {posts: [...]}}`` (or a JSON array
    of such responses). ``date`` is ``YYYY-MM-DD HH:MM:SS`` in UTC; ``platformId`` is
    ``<page id>_<post id>``; reactions are the sum of ``statistics.actual`` reaction counts.
``crowdtangle-csv``
    CrowdTangle dashboard CSV downloads. Facebook lists (``Page Name`` or ``Group Name``,
    ``User Name``, ``Facebook Id``, ``Post Created`` ... ``Sponsor Category``, an
    ``Overperforming Score (...)`` column) and Instagram lists (``Account``, ``User Name``,
    ``Followers at Posting``, ``Post Created``, ``Type``, ``Likes``, ``Comments``, ``Views``,
    ``URL``, ``Link``, ``Photo``, ``Title``, ``Description``). ``Post Created`` carries the
    dashboard's time zone as an abbreviation (``2021-01-15 10:00:00 EST``): the North American
    and European abbreviations in :data:`ZONE_ABBR` are understood; any other needs
    ``--time-zone``. The post id is taken from ``URL``; Facebook ids are written
    ``<Facebook Id>_<post id>`` as the CrowdTangle API does, so both formats merge.
``meta-content-library-csv``
    Meta Content Library CSV exports of posts. Accepted columns (see :data:`MCL_COLUMNS`):
    ``id``, ``creation_time``, ``text``, ``post_owner.id|name|type|username`` (Facebook) or
    ``owner.id|username|name`` (Instagram), ``statistics.reaction_count``
    (``statistics.like_count`` on Instagram), ``statistics.comment_count``,
    ``statistics.share_count``, ``statistics.views`` (or ``statistics.view_count``),
    ``link_attachment.link``, ``lang``; ``is_branded_content`` and ``match_type`` are read
    but not stored. Times are ISO 8601 (``Z``, ``+0000`` or ``+00:00``), epoch seconds, or
    zone-less UTC.
``meta-insights-csv``
    Facebook Page and Instagram insights exported from Meta Business Suite (and the legacy
    Facebook Page Insights "Page data" export); see :func:`parse_insights` for the layouts.
``facebook-dyi-json``
    "Download Your Information" JSON from Facebook and Instagram: message threads
    (``messages/inbox/<thread>/message_N.json``), ``your_posts_N.json`` and ``comments.json``.
    Meta writes UTF-8 bytes escaped as Latin-1 code points ("mojibake"); :func:`fix_mojibake`
    repairs every string that round-trips.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import ijson
import orjson

from settlescope.importers.base import (
    Batch,
    Reject,
    Sniff,
    Source,
    encoding_error,
    importer,
    json_text,
)

BATCH = 2000
RAW_LIMIT = 4000
HASHTAG_RE = re.compile(r"(?<![\w#])#(\w+)")
URL_RE = re.compile(r"https?://[^\s\"'<>)\]]+")
UTC = dt.UTC

# Time-zone abbreviations CrowdTangle prints after "Post Created" (the dashboard's zone).
# Ambiguous ones (IST, CST outside North America ...) are read as their North American or
# European meaning only where that is the usual dashboard setting; others need --time-zone.
ZONE_ABBR: dict[str, float] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2,
    "EET": 2, "EEST": 3, "MSK": 3, "NST": -3.5, "NDT": -2.5, "AST": -4, "ADT": -3,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10,
}  # fmt: skip


# -- shared reading helpers ----------------------------------------------------------------


class Utf8Stream(io.RawIOBase):
    """A file's bytes re-encoded to UTF-8 from ``source.encoding``, strictly, without a BOM.

    JSON parsers read this instead of the file, so a wrong encoding becomes an
    :class:`~settlescope.errors.EncodingError` naming ``--encoding`` rather than a parse error.
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


def json_items(source: Source, prefix: str, what: str) -> Iterator[tuple[int, Any, int]]:
    """Yield ``(index, value, bytes_done)`` for each element under an ijson ``prefix``.

    A file that is not valid JSON or ends early is refused with its byte position.
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
            hint="export or download the file again; a cut-off download cannot be imported",
        ) from None
    finally:
        stream.close()


def json_scalars(source: Source, depth: int = 1) -> dict[str, Any]:
    """The top-level scalar values and small arrays of objects of a JSON object (one pass).

    Only keys at ``depth`` 1 are kept (strings, numbers, and arrays of flat objects up to
    1,000 elements, such as DYI ``participants``), so memory stays small on large files.
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
            hint="export or download the file again; a cut-off download cannot be imported",
        ) from None
    finally:
        stream.close()
    return out


def first_char(s: Sniff) -> str:
    t = json_text(s.head)
    return t[:1]


def raw_json(obj: Any) -> str:
    try:
        return orjson.dumps(obj, default=str).decode()[:RAW_LIMIT]
    except TypeError:
        return str(obj)[:RAW_LIMIT]


def text_or_none(v: Any) -> str | None:
    """A string field, or None when it is missing, empty or not a string."""
    return v if isinstance(v, str) and v else None


def to_int(v: Any) -> int | None:
    """A count from JSON or CSV (``"1,234"``, ``12.0``, ``""``) or None (also beyond int64)."""
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
    if not text:
        return None
    tags = ["#" + t for t in HASHTAG_RE.findall(text)]
    return tags or None


def urls_of(*parts: Any) -> list[str] | None:
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


def parse_iso(value: Any, default_tz: dt.tzinfo = UTC) -> dt.datetime | None:
    """ISO 8601 (``Z``, ``+0000``, ``+00:00``, space or ``T``), epoch seconds/ms, or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _epoch(float(value))
    s = str(value).strip()
    if not s:
        return None
    if re.fullmatch(r"-?\d{9,13}(\.\d+)?", s):
        return _epoch(float(s))
    s2 = s.replace("Z", "+00:00") if s.endswith("Z") else s
    m = re.search(r"([+-])(\d{2})(\d{2})$", s2)
    if m and not re.search(r"[+-]\d{2}:\d{2}$", s2):
        s2 = s2[: m.start()] + f"{m.group(1)}{m.group(2)}:{m.group(3)}"
    try:
        t = dt.datetime.fromisoformat(s2)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=default_tz)


def _epoch(x: float) -> dt.datetime | None:
    if abs(x) > 1e11:
        x /= 1000
    try:
        return dt.datetime.fromtimestamp(x, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def decoded_lines(source: Source) -> Iterator[tuple[str, int]]:
    """Lines of a text file with their newlines, decoded strictly, with bytes done."""
    enc = source.encoding
    if enc.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
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


class CsvRecords:
    """CSV records of a text file, numbered as rows (the first record is row 1).

    ``bytes_done`` follows the reading; a file that ends inside a quoted field is refused.
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


def sniff_delimiter(line: str) -> str:
    return max((",", ";", "\t"), key=line.count)


def _head_lines(s: Sniff, n: int = 12) -> list[str]:
    text = s.text()
    lines = text.splitlines()
    if len(s.head) >= 65536 and lines:
        lines = lines[:-1]
    return lines[:n]


def _csv_row(line: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=sniff_delimiter(line)), [])
    except csv.Error:
        return []


# -- CrowdTangle API JSON ------------------------------------------------------------------

CT_ACCOUNT_KIND = {
    "facebook_page": "page",
    "facebook_group": "group",
    "facebook_profile": "person",
    "instagram_profile": "page",
}
CT_REACTIONS = ("likeCount", "loveCount", "wowCount", "hahaCount", "sadCount", "angryCount",
                "thankfulCount", "careCount")  # fmt: skip


def _detect_ct_json(s: Sniff) -> float:
    t = json_text(s.head)
    if t[:1] not in ("{", "["):
        return 0.0
    if re.search(r'"result"\s*:\s*\{\s*"posts"', t) or (
        '"posts"' in t and '"platformId"' in t and ('"statistics"' in t or '"account"' in t)
    ):
        return 0.9
    return 0.0


@importer(
    id="crowdtangle-json",
    name="CrowdTangle API JSON",
    reads="CrowdTangle API /posts responses: {status, result: {posts: [...]}}, or a JSON array "
    "of such responses; Facebook and Instagram posts with their account and statistics",
    fills=("items", "accounts"),
    extensions=(".json",),
    detect=_detect_ct_json,
    expect='a JSON object {"status": 200, "result": {"posts": [...]}} as the CrowdTangle API returns',
)
def parse_crowdtangle_json(source: Source) -> Iterator[Batch]:
    head = Sniff.of(source.path)
    prefix = "item.result.posts.item" if first_char(head) == "[" else "result.posts.item"
    items: list[dict[str, Any]] = []
    accounts: dict[str, dict[str, Any]] = {}
    rejects: list[Reject] = []
    seen = False
    done = 0
    for i, post, done in json_items(source, prefix, "posts"):
        seen = True
        loc = f"/result/posts/{i}" if prefix == "result.posts.item" else f"post {i}"
        if not isinstance(post, dict):
            rejects.append(
                Reject(loc, "not-an-object", "a post must be a JSON object", raw_json(post))
            )
            continue
        row = _ct_post(post, loc, accounts)
        if row is None:
            rejects.append(Reject(loc, "missing-id", "the post has no platformId", raw_json(post)))
        else:
            items.append(row)
        if len(items) >= BATCH:
            yield Batch(
                rows={"items": items},
                aux={"accounts": list(accounts.values())},
                rejects=rejects,
                bytes_done=done,
            )
            items, rejects, accounts = [], [], {}
    if not seen:
        raise source.error(
            "no posts found under result.posts",
            locator="/result/posts",
            hint="this importer reads CrowdTangle API /posts responses; check that the query returned posts",
        )
    yield Batch(
        rows={"items": items},
        aux={"accounts": list(accounts.values())},
        rejects=rejects,
        bytes_done=done,
    )


def _ct_post(
    post: dict[str, Any], loc: str, accounts: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    pid = post.get("platformId") or post.get("id")
    if pid in (None, ""):
        return None
    platform = (text_or_none(post.get("platform")) or "facebook").lower()
    acc = post.get("account") if isinstance(post.get("account"), dict) else {}
    ref = acc.get("platformId") or acc.get("id")
    ref = str(ref) if ref not in (None, "") else None
    kind = CT_ACCOUNT_KIND.get(str(acc.get("accountType") or ""), "page")
    if ref:
        accounts[ref] = dict(
            platform=platform,
            ref=ref,
            platform_id=ref,
            handle=text_or_none(acc.get("handle")),
            display_name=text_or_none(acc.get("name")),
            kind=kind,
        )
    stats = post.get("statistics") if isinstance(post.get("statistics"), dict) else {}
    actual = stats.get("actual") if isinstance(stats.get("actual"), dict) else {}
    counts = [to_int(actual.get(k)) for k in CT_REACTIONS]
    present = [c for c in counts if c is not None]
    links = post.get("expandedLinks") if isinstance(post.get("expandedLinks"), list) else []
    text = post.get("message") if isinstance(post.get("message"), str) else None
    return dict(
        platform=platform,
        platform_id=str(pid),
        container=ref if kind in ("page", "group") else None,
        container_kind=kind if kind in ("page", "group") else None,
        author=ref,
        author_name=text_or_none(acc.get("name")),
        author_kind=kind,
        created_at=parse_iso(post.get("date")),
        kind="post",
        text=text,
        language=text_or_none(post.get("languageCode")),
        urls=urls_of(
            [lk.get("expanded") or lk.get("original") for lk in links if isinstance(lk, dict)],
            post.get("link"),
        ),
        hashtags=hashtags_of(text),
        reactions=sum(present) if present else None,
        comments=to_int(actual.get("commentCount")),
        shares=to_int(actual.get("shareCount")),
        views=to_int(actual.get("videoViewCount") or post.get("videoViewCount")),
        _locator=loc,
        _raw=raw_json(post),
    )


# -- CrowdTangle CSV -------------------------------------------------------------------------

CT_FB_REQUIRED = frozenset({"User Name", "Post Created", "URL", "Type"})
CT_FB_REACTIONS = ("Likes", "Love", "Wow", "Haha", "Sad", "Angry", "Care", "Thankful")


def _ct_csv_kind(cols: set[str]) -> str | None:
    if not {"Post Created", "URL"} <= cols:
        return None
    if "Facebook Id" in cols or "Page Name" in cols or "Group Name" in cols:
        return "facebook"
    if "Account" in cols and "User Name" in cols:
        return "instagram"
    return None


def _detect_ct_csv(s: Sniff) -> float:
    lines = _head_lines(s, 1)
    if not lines:
        return 0.0
    cols = {c.strip() for c in _csv_row(lines[0])}
    return 0.9 if _ct_csv_kind(cols) else 0.0


@importer(
    id="crowdtangle-csv",
    name="CrowdTangle CSV export",
    reads="CrowdTangle dashboard CSV downloads of Facebook Page/Group lists and Instagram lists",
    fills=("items", "accounts"),
    extensions=(".csv",),
    detect=_detect_ct_csv,
    expect="a CSV whose header has CrowdTangle's columns: Page Name (or Group Name, or Account), "
    "User Name, Facebook Id, Post Created, Type, ..., URL, Message",
)
def parse_crowdtangle_csv(source: Source) -> Iterator[Batch]:
    recs = CsvRecords(source)
    header: list[str] | None = None
    platform = "facebook"
    items: list[dict[str, Any]] = []
    accounts: dict[str, dict[str, Any]] = {}
    rejects: list[Reject] = []
    for n, rec, raw in recs:
        if header is None:
            header = [h.strip().lstrip("\ufeff") for h in rec]
            kind = _ct_csv_kind(set(header))
            if kind is None:
                raise source.error(
                    "the header is not CrowdTangle's",
                    locator="row 1",
                    hint="expected columns such as Page Name, User Name, Facebook Id, "
                    "Post Created, URL",
                )
            platform = source.options.platform or kind
            continue
        if not any(c.strip() for c in rec):
            continue
        loc = f"row {n}"
        if len(rec) != len(header):
            rejects.append(
                Reject(loc, "bad-row", f"expected {len(header)} columns, found {len(rec)}", raw)
            )
            continue
        row = dict(zip(header, rec, strict=True))
        item, reason, msg = _ct_csv_item(row, platform, source, accounts)
        if item is None:
            rejects.append(Reject(loc, reason, msg, raw))
            continue
        item["_locator"] = loc
        item["_raw"] = raw
        items.append(item)
        if len(items) >= BATCH:
            yield Batch(
                rows={"items": items},
                aux={"accounts": list(accounts.values())},
                rejects=rejects,
                bytes_done=recs.bytes_done,
            )
            items, rejects, accounts = [], [], {}
    if header is None:
        raise source.error("the file is empty", hint="export the CrowdTangle list again")
    yield Batch(
        rows={"items": items},
        aux={"accounts": list(accounts.values())},
        rejects=rejects,
        bytes_done=recs.bytes_done,
    )


def _post_id_from_url(url: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    m = re.search(r"[?&](?:story_fbid|fbid|v)=(\w+)", url)
    if m:
        return m.group(1)
    path = re.sub(r"[?#].*$", "", url).rstrip("/")
    last = path.rsplit("/", 1)[-1]
    return last or None


def parse_ct_created(value: str, source: Source) -> tuple[dt.datetime | None, str]:
    """CrowdTangle's ``2021-01-15 10:00:00 EST`` → aware datetime, or (None, reason)."""
    v = value.strip()
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2})?)\s*(\S+)?", v)
    if not m:
        return None, "bad-timestamp"
    try:
        local = dt.datetime.fromisoformat(m.group(1).replace("T", " "))
    except ValueError:
        return None, "bad-timestamp"
    zone = m.group(2)
    if zone is None:
        return local.replace(tzinfo=source.tz), ""
    zu = zone.upper()
    if zu in ZONE_ABBR:
        return local.replace(tzinfo=dt.timezone(dt.timedelta(hours=ZONE_ABBR[zu]))), ""
    mo = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?", zu)
    if mo:
        off = dt.timedelta(hours=int(mo.group(2)), minutes=int(mo.group(3) or 0))
        return local.replace(tzinfo=dt.timezone(off if mo.group(1) == "+" else -off)), ""
    try:
        return local.replace(tzinfo=ZoneInfo(zone)), ""
    except (KeyError, ValueError, OSError):
        pass
    if source.options.time_zone:
        return local.replace(tzinfo=source.tz), ""
    return None, "unknown-time-zone"


def _ct_csv_item(
    row: dict[str, str], platform: str, source: Source, accounts: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any] | None, str, str]:
    created, why = parse_ct_created(row.get("Post Created", ""), source)
    if (
        created is None
        and row.get("Post Created Date")
        and row.get("Post Created Time")
        and why == "bad-timestamp"
    ):
        created, why = parse_ct_created(
            f"{row['Post Created Date']} {row['Post Created Time']}", source
        )
    if created is None:
        msg = (
            "the time zone after 'Post Created' is not one settlescope knows: re-run with "
            "--time-zone ZONE (the zone of the CrowdTangle dashboard)"
            if why == "unknown-time-zone"
            else "'Post Created' is not a date and time"
        )
        return None, why, msg
    post = _post_id_from_url(row.get("URL", ""))
    if not post:
        return None, "missing-id", "the URL column holds no post address"
    if platform == "instagram":
        handle = row.get("User Name", "").strip() or None
        ref = handle
        name = row.get("Account") or None
        kind = "page"
        pid = post
        text = row.get("Description") or row.get("Title") or None
        link_cols = (row.get("Link"),)
        mentions = re.findall(r"(?<![\w.@])@([A-Za-z0-9_.]*[A-Za-z0-9_])", text or "") or None
        reactions = to_int(row.get("Likes"))
        views = to_int(row.get("Views"))
    else:
        fb_id = row.get("Facebook Id", "").strip() or None
        handle = row.get("User Name", "").strip() or None
        ref = fb_id or handle
        kind = "group" if "Group Name" in row and "Page Name" not in row else "page"
        name = row.get("Page Name") or row.get("Group Name") or None
        pid = f"{fb_id}_{post}" if fb_id and "_" not in post else post
        text = row.get("Message") or None
        mentions = None
        link_cols = (row.get("Link"), row.get("Final Link"))
        parts = [to_int(row.get(c)) for c in CT_FB_REACTIONS if c in row]
        present = [p for p in parts if p is not None]
        reactions = sum(present) if present else None
        pv = to_int(row.get("Post Views"))
        views = pv if (pv or "video" in row.get("Type", "").lower()) else None
    if ref:
        accounts[ref] = dict(
            platform=platform,
            ref=ref,
            platform_id=ref if ref != handle else None,
            handle=handle,
            display_name=name,
            kind=kind,
        )
    return (
        dict(
            platform=platform,
            platform_id=pid,
            container=ref,
            container_kind=kind,
            author=ref,
            author_name=name,
            author_kind=kind,
            created_at=created,
            kind="post",
            text=text,
            urls=urls_of(*[c for c in link_cols if c], text),
            hashtags=hashtags_of(text),
            mentions=mentions,
            reactions=reactions,
            comments=to_int(row.get("Comments")),
            shares=to_int(row.get("Shares")),
            views=views,
        ),
        "",
        "",
    )


# -- Meta Content Library CSV -------------------------------------------------------------------

MCL_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "created": ("creation_time",),
    "text": ("text",),
    "owner_id": ("post_owner.id", "owner.id"),
    "owner_name": ("post_owner.name", "owner.name"),
    "owner_handle": ("post_owner.username", "owner.username"),
    "owner_type": ("post_owner.type", "owner.type"),
    "reactions": ("statistics.reaction_count", "statistics.like_count"),
    "comments": ("statistics.comment_count",),
    "shares": ("statistics.share_count",),
    "views": ("statistics.views", "statistics.view_count", "statistics.views_count"),
    "link": ("link_attachment.link",),
    "lang": ("lang", "language"),
}
MCL_OWNER_KIND = {"page": "page", "group": "group", "user": "person", "profile": "person",
                  "event": "page", "business": "organization"}  # fmt: skip


def _detect_mcl(s: Sniff) -> float:
    lines = _head_lines(s, 1)
    if not lines:
        return 0.0
    cols = {c.strip().lstrip("\ufeff") for c in _csv_row(lines[0])}
    if (
        "creation_time" in cols
        and "id" in cols
        and any(c.startswith(("post_owner.", "owner.", "statistics.")) for c in cols)
    ):
        return 0.9
    return 0.0


@importer(
    id="meta-content-library-csv",
    name="Meta Content Library CSV",
    reads="Meta Content Library CSV exports of Facebook and Instagram posts (id, creation_time, "
    "text, post_owner.*, statistics.*, link_attachment.link ...)",
    fills=("items", "accounts"),
    extensions=(".csv",),
    detect=_detect_mcl,
    expect="a CSV whose header has Meta Content Library columns: id, creation_time, text, "
    "post_owner.id, post_owner.name, statistics.reaction_count ...",
)
def parse_meta_content_library(source: Source) -> Iterator[Batch]:
    recs = CsvRecords(source)
    header: list[str] | None = None
    cols: dict[str, str] = {}
    platform = "facebook"
    items: list[dict[str, Any]] = []
    accounts: dict[str, dict[str, Any]] = {}
    rejects: list[Reject] = []
    for n, rec, raw in recs:
        if header is None:
            header = [h.strip().lstrip("\ufeff") for h in rec]
            for key, names in MCL_COLUMNS.items():
                for nm in names:
                    if nm in header:
                        cols[key] = nm
                        break
            if "id" not in cols or "created" not in cols:
                raise source.error(
                    "the header lacks the columns id and creation_time",
                    locator="row 1",
                    hint="export the posts again from Meta Content Library as CSV",
                )
            ig = "post_owner.id" not in header and (
                "owner.username" in header or "statistics.like_count" in header
            )
            platform = source.options.platform or ("instagram" if ig else "facebook")
            continue
        if not any(c.strip() for c in rec):
            continue
        loc = f"row {n}"
        if len(rec) != len(header):
            rejects.append(
                Reject(loc, "bad-row", f"expected {len(header)} columns, found {len(rec)}", raw)
            )
            continue
        row = dict(zip(header, rec, strict=True))

        def get(key: str, row: dict[str, str] = row) -> str | None:
            c = cols.get(key)
            v = row.get(c, "").strip() if c else ""
            return v or None

        created = parse_iso(get("created"))
        if created is None:
            rejects.append(
                Reject(loc, "bad-timestamp", "creation_time is not a date and time", raw)
            )
            continue
        owner = get("owner_id") or get("owner_handle")
        okind = MCL_OWNER_KIND.get((get("owner_type") or "page").lower(), "page")
        if owner:
            accounts[owner] = dict(
                platform=platform,
                ref=owner,
                platform_id=get("owner_id"),
                handle=get("owner_handle"),
                display_name=get("owner_name"),
                kind=okind,
            )
        text = row.get(cols["text"]) if "text" in cols else None
        items.append(
            dict(
                platform=platform,
                platform_id=get("id"),
                container=owner if okind in ("page", "group") else None,
                container_kind=okind if okind in ("page", "group") else None,
                author=owner,
                author_name=get("owner_name"),
                author_kind=okind,
                created_at=created,
                kind="post",
                text=text or None,
                language=get("lang"),
                urls=urls_of(get("link")),
                hashtags=hashtags_of(text),
                reactions=to_int(get("reactions")),
                comments=to_int(get("comments")),
                shares=to_int(get("shares")),
                views=to_int(get("views")),
                _locator=loc,
                _raw=raw,
            )
        )
        if len(items) >= BATCH:
            yield Batch(
                rows={"items": items},
                aux={"accounts": list(accounts.values())},
                rejects=rejects,
                bytes_done=recs.bytes_done,
            )
            items, rejects, accounts = [], [], {}
    if header is None:
        raise source.error("the file is empty", hint="export the posts again")
    yield Batch(
        rows={"items": items},
        aux={"accounts": list(accounts.values())},
        rejects=rejects,
        bytes_done=recs.bytes_done,
    )


# -- Meta insights CSV ---------------------------------------------------------------------------

# (pattern on a lower-cased column or block title, metric, definition). First match wins.
INSIGHT_METRICS: tuple[tuple[str, str, str], ...] = (
    (r"unfollow", "unfollows", "meta-follows-2024"),
    (r"unlike", "page_fans_removed", "meta-page-fans-legacy"),
    (
        r"lifetime total likes|total page likes|page likes total|^page likes$|^fans$|lifetime.*fans",
        "page_fans",
        "meta-page-fans-legacy",
    ),
    (r"new likes|page likes|daily.*likes", "page_fans_new", "meta-page-fans-legacy"),
    (
        r"followers total|total followers|lifetime.*follow|^followers$|followers$",
        "followers",
        "meta-follows-2024",
    ),
    (r"new follow|^follows$|follows$|daily.*follow", "follows", "meta-follows-2024"),
    (r"impression", "impressions", "meta-impressions-legacy"),
    (r"views?$|^views|media view", "views", "meta-views-2024"),
    (r"reach", "reach", "meta-reach"),
    (r"visit", "profile_visits", "meta-visits"),
    (r"interaction|engage", "interactions", "meta-content-interactions"),
)
BREAKDOWN_DIMENSIONS = {
    "city": "city",
    "town": "city",
    "top cities": "city",
    "country": "country",
    "top countries": "country",
    "language": "language",
    "age": "age",
    "gender": "gender",
    "age range": "age",
}
GENDER_CODE = {"women": "F", "woman": "F", "female": "F", "f": "F", "men": "M", "man": "M",
               "male": "M", "m": "M", "unknown": "U", "u": "U", "other": "U"}  # fmt: skip
DATE_HEADERS = ("date", "day", "date (utc)", "data", "fecha", "datum")


def insight_metric(name: str) -> tuple[str, str] | None:
    """The metric and definition a column or title names, qualified by window and source.

    ``Weekly Total Reach`` → ``reach_7d``, ``Daily Organic Reach`` → ``reach_organic``.
    """
    s = name.strip().lower()
    for pat, metric, definition in INSIGHT_METRICS:
        if re.search(pat, s):
            for word, suffix in (
                ("organic", "_organic"),
                ("paid", "_paid"),
                ("viral", "_viral"),
                ("unique", "_unique"),
                ("weekly", "_7d"),
                ("28 day", "_28d"),
                ("28-day", "_28d"),
            ):
                if word in s:
                    metric += suffix
            return metric, definition
    return None


def _detect_insights(s: Sniff) -> float:
    lines = [ln for ln in _head_lines(s, 12) if ln.strip()]
    if not lines or lines[0].lstrip().startswith(("{", "[")):
        return 0.0
    for ln in lines:
        row = [c.strip().lower() for c in _csv_row(ln)]
        if len(row) >= 2 and row[0] in DATE_HEADERS:
            metrics = [c for c in row[1:] if c and (c == "primary" or insight_metric(c))]
            if metrics:
                return 0.85
        if len(row) >= 2 and row[0] == "account" and "metric definition" in row:
            return 0.9
    return 0.0


@importer(
    id="meta-insights-csv",
    name="Meta Business Suite insights CSV",
    reads="Facebook Page and Instagram insights exported from Meta Business Suite: daily reach, "
    "views or impressions, follows and followers or page likes, and audience breakdowns by "
    "city, country, age and gender, and language; also the legacy Page Insights 'Page data' export",
    fills=("audience", "audience_breakdown", "accounts"),
    extensions=(".csv",),
    detect=_detect_insights,
    expect="a Meta Business Suite insights CSV: optional 'sep=,' and title lines, then a header "
    "starting with Date (Date,Primary or Date,Reach,Views,...) and daily rows",
)
def parse_insights(source: Source) -> Iterator[Batch]:
    """Read an insights export as blocks of rows separated by empty lines.

    Layouts understood
    ------------------
    - Meta Business Suite, one metric per file: ``sep=,``, a title line (``"Facebook Page
      reach"``, ``"Views"``, ``"Instagram follows"``), sometimes a description line, then
      ``Date,Primary`` and rows ``"2026-01-15T00:00:00","523"``.
    - Several metrics per block: ``Date,Reach,Views,Follows,Unfollows,Followers total``
      (``Impressions`` in place of ``Views`` under the legacy definition).
    - The legacy Page Insights export: a header of metric names (``Lifetime Total Likes``,
      ``Daily Total Reach`` ...), a second row of descriptions (empty first cell), then data.
    - Breakdown blocks after a title: ``Age,Women,Men`` (age × gender, stored as
      ``age-gender`` with categories ``F.18-24`` as Meta's API writes them), ``City,Followers``,
      ``Country,Followers``, ``Language,Followers``, ``Gender,...``.
    - A metadata row ``Account,<handle>,Platform,<platform>,Metric definition,<...>`` (the
      synthetic generator's layout).

    Dates are ``2026-01-15``, ``2026-01-15T00:00:00`` or ``01/15/2026``; slashed dates are
    read month first (Meta's US-English exports) unless a day above 12 shows otherwise or
    ``--date-order dmy`` is given. Breakdowns carry no date: they are dated at the last day of
    the file's daily rows.
    """
    blocks: list[list[tuple[int, list[str], str]]] = [[]]
    n_lines = 0
    total_bytes = 0
    meta: dict[str, str] = {}
    recs = CsvRecords(source)
    for n, rec, raw in recs:
        n_lines = n
        total_bytes = recs.bytes_done
        cells = [c.strip() for c in rec]
        if n == 1 and len(cells) == 1 and cells[0].lower().startswith("sep="):
            continue
        if not any(cells):
            if blocks[-1]:
                blocks.append([])
            continue
        low = [c.lower() for c in cells]
        if low and low[0] == "account" and len(cells) >= 2:
            for k, v in zip(cells[0::2], cells[1::2], strict=False):
                meta[k.lower()] = v
            continue
        blocks[-1].append((n, cells, raw))
        if n > 2_000_000:
            raise source.error(
                "the file is far larger than an insights export",
                locator=f"row {n}",
                hint="check that this is a Meta Business Suite insights export",
            )
    if n_lines == 0:
        raise source.error("the file is empty", hint="export the insights again")
    platform = _insights_platform(source, meta, blocks)
    account = _insights_account(source, platform, meta)
    acc_kind = "page" if platform == "facebook" else "organization"
    parsed = [_insights_block(b) for b in blocks if b]
    if not any(p["kind"] for p in parsed):
        raise source.error(
            "no insights table found (a header starting with Date, or a breakdown "
            "such as Age,Women,Men)",
            locator="row 1",
            hint="export the insights again from Meta Business Suite as CSV",
        )
    order = _date_order(source, parsed)
    audience: list[dict[str, Any]] = []
    breakdown: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    last_date: dt.date | None = None
    series_def = meta.get("metric definition", "").lower()
    for p in parsed:
        if p["kind"] != "series":
            continue
        for n, cells, raw in p["rows"]:
            d = parse_insight_date(cells[0], order)
            loc = f"row {n}"
            if d is None:
                rejects.append(Reject(loc, "bad-date", f"'{cells[0]}' is not a date", raw))
                continue
            last_date = d if last_date is None or d > last_date else last_date
            for j, (metric, definition) in p["columns"].items():
                v = _num(cells[j]) if j < len(cells) else None
                if v is None:
                    continue
                if metric == "views" and series_def == "impressions":
                    metric, definition = "impressions", "meta-impressions-legacy"
                audience.append(
                    dict(
                        platform=platform,
                        account=account,
                        account_kind=acc_kind,
                        date=d,
                        metric=metric,
                        value=v,
                        definition=definition,
                        _locator=f"{loc} {p['names'][j]}",
                        _raw=raw,
                    )
                )
    for p in parsed:
        if p["kind"] != "breakdown":
            continue
        for n, cells, raw in p["rows"]:
            loc = f"row {n}"
            if last_date is None:
                rejects.append(
                    Reject(
                        loc,
                        "bad-date",
                        "a breakdown without daily rows has no date: "
                        "export it together with the daily metrics",
                        raw,
                    )
                )
                continue
            cat = cells[0]
            for j, (dimension, category, metric, definition) in p["columns"].items():
                v = _num(cells[j]) if j < len(cells) else None
                if v is None:
                    continue
                c = category.replace("{}", cat) if category else cat
                breakdown.append(
                    dict(
                        platform=platform,
                        account=account,
                        account_kind=acc_kind,
                        date=last_date,
                        metric=metric,
                        dimension=dimension,
                        category=c,
                        value=v,
                        definition=definition,
                        _locator=f"{loc} {p['names'][j]}",
                        _raw=raw,
                    )
                )
    if platform == "instagram":
        # Instagram followers were always follows: only Facebook Pages moved from fans to follows.
        for r in (*audience, *breakdown):
            if r["definition"] == "meta-follows-2024":
                r["definition"] = "instagram-followers"
    accounts = [
        dict(
            platform=platform,
            ref=account,
            platform_id=None,
            handle=account,
            display_name=None,
            kind=acc_kind,
        )
    ]
    yield Batch(
        rows={"audience": audience, "audience_breakdown": breakdown},
        aux={"accounts": accounts},
        rejects=rejects,
        bytes_done=total_bytes,
    )


def _insights_platform(source: Source, meta: dict[str, str], blocks: list[Any]) -> str:
    if source.options.platform in ("facebook", "instagram"):
        return source.options.platform
    p = meta.get("platform", "").lower()
    if p in ("facebook", "instagram"):
        return p
    titles = " ".join(" ".join(r[1]) for b in blocks for r in b[:3]).lower()
    if "instagram" in titles:
        return "instagram"
    if "facebook" in titles or "lifetime total likes" in titles:
        return "facebook"
    name = source.path.name.lower()
    if "instagram" in name or re.search(r"(^|[_\-. ])ig([_\-. ]|$)", name):
        return "instagram"
    if "facebook" in name or re.search(r"(^|[_\-. ])fb([_\-. ]|$)", name):
        return "facebook"
    raise source.error(
        "the file does not say whether it is Facebook or Instagram insights",
        hint="re-run with --platform facebook or --platform instagram",
    )


def _insights_account(source: Source, platform: str, meta: dict[str, str]) -> str:
    named = meta.get("account") or None
    if source.partner_id and source.study is not None:
        org = source.study.organization(source.partner_id)
        accs = [a for a in org.accounts if a.platform == platform]
        if not accs:
            raise source.error(
                f"partner '{source.partner_id}' has no {platform} account in study.toml",
                hint=f"add its {platform} account under [[partners.accounts]] in study.toml",
            )
        if named and named.lower().lstrip("@") not in {
            x.lower().lstrip("@") for a in accs for x in (a.handle, a.id or "")
        }:
            raise source.error(
                f"the file is for the account '{named}', which is not the {platform} account "
                f"of partner '{source.partner_id}'",
                hint="check --partner, or add the account to the partner in study.toml",
            )
        return accs[0].handle
    if named:
        return named
    raise source.error(
        "insights files belong to one partner: use --partner P",
        hint="name the partner whose page or profile this export is from, e.g. --partner p01",
    )


def _insights_block(block: list[tuple[int, list[str], str]]) -> dict[str, Any]:
    """Classify one block: its title lines, header and data rows."""
    titles: list[str] = []
    i = 0
    while i < len(block) and sum(1 for c in block[i][1] if c) <= 1:
        titles.append(next((c for c in block[i][1] if c), ""))
        i += 1
    if i >= len(block):
        return {"kind": None}
    names = block[i][1]
    low = [c.lower() for c in names]
    title = " ".join(titles).lower()
    rows = block[i + 1 :]
    # the legacy export's description row: empty first cell, descriptions in the others
    rows = [r for r in rows if r[1] and r[1][0]]
    if low[0] in DATE_HEADERS:
        cols: dict[int, tuple[str, str]] = {}
        for j, nm in enumerate(low[1:], start=1):
            got = insight_metric(title) if nm in ("primary", "value", "") else insight_metric(nm)
            if got and got[0] not in {c[0] for c in cols.values()}:
                cols[j] = got
        return {"kind": "series" if cols else None, "columns": cols, "rows": rows, "names": names}
    dim = BREAKDOWN_DIMENSIONS.get(low[0]) or BREAKDOWN_DIMENSIONS.get(title)
    if dim is None:
        return {"kind": None}
    base = (
        "meta-page-fans-legacy"
        if re.search(r"fans|likes", title + " " + " ".join(low))
        else ("meta-reach" if "reach" in title + " ".join(low) else "meta-follows-2024")
    )
    metric = {"meta-page-fans-legacy": "page_fans", "meta-reach": "reach"}.get(base, "followers")
    bcols: dict[int, tuple[str, str, str, str]] = {}
    for j, nm in enumerate(low[1:], start=1):
        g = GENDER_CODE.get(nm)
        if dim == "age" and g:
            bcols[j] = ("age-gender", f"{g}.{{}}", metric, base)
        elif nm:
            m = insight_metric(nm)
            bcols[j] = (dim, "", m[0] if m and nm not in ("value", "primary") else metric, base)
    return {"kind": "breakdown" if bcols else None, "columns": bcols, "rows": rows, "names": names}


def _num(v: str) -> float | None:
    s = v.strip().replace(",", "").replace("\u202f", "").replace("%", "")
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        return None


def _date_order(source: Source, parsed: list[dict[str, Any]]) -> str:
    if source.options.date_order in ("dmy", "mdy"):
        return source.options.date_order
    firsts, seconds = [], []
    for p in parsed:
        if p["kind"] == "series":
            for _, cells, _ in p["rows"]:
                m = re.match(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})", cells[0])
                if m:
                    firsts.append(int(m.group(1)))
                    seconds.append(int(m.group(2)))
    if firsts and max(firsts) > 12 and max(seconds) <= 12:
        return "dmy"
    return "mdy"


def parse_insight_date(v: str, order: str) -> dt.date | None:
    """``2026-01-15``, ``2026-01-15T00:00:00(-08:00)``, ``01/15/2026`` (order) → date."""
    s = v.strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", s)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})(?:[ T].*)?", s)
        if m:
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            y = y + 2000 if y < 100 else y
            return dt.date(y, a, b) if order == "mdy" else dt.date(y, b, a)
    except ValueError:
        return None
    return None


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
    items: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    seen: dict[str, int] = {}
    done = 0
    any_msg = False
    for i, msg, done in json_items(source, "messages.item", "messages"):
        any_msg = True
        loc = f"/messages/{i}"
        if not isinstance(msg, dict):
            rejects.append(
                Reject(loc, "not-an-object", "a message must be a JSON object", raw_json(msg))
            )
            continue
        m = _fix_deep(msg)
        ts = m.get("timestamp_ms")
        created = (
            _epoch(float(ts)) if isinstance(ts, (int, float)) and not isinstance(ts, bool) else None
        )
        sender = m.get("sender_name") if isinstance(m.get("sender_name"), str) else None
        if created is None:
            rejects.append(
                Reject(
                    loc, "bad-timestamp", "timestamp_ms is missing or not a number", raw_json(msg)
                )
            )
            continue
        if not sender:
            rejects.append(Reject(loc, "missing-author", "sender_name is missing", raw_json(msg)))
            continue
        base = f"{thread}/{int(ts)}"
        k = seen.get(base, 0)
        seen[base] = k + 1
        text = m.get("content") if isinstance(m.get("content"), str) else None
        share = m.get("share") if isinstance(m.get("share"), dict) else {}
        reactions = m.get("reactions") if isinstance(m.get("reactions"), list) else None
        items.append(
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
            )
        )
        if len(items) >= BATCH:
            yield Batch(rows={"items": items}, rejects=rejects, bytes_done=done)
            items, rejects = [], []
    if not any_msg and not top:
        raise source.error(
            "no messages found",
            locator="/messages",
            hint="import a message_N.json file from messages/inbox/<thread>/",
        )
    yield Batch(rows={"items": items}, rejects=rejects, bytes_done=done)


def _dyi_records(source: Source, platform: str, prefix: str, kind: str) -> Iterator[Batch]:
    owner = None
    if source.partner_id and source.study is not None:
        accs = [
            a
            for a in source.study.organization(source.partner_id).accounts
            if a.platform == platform
        ]
        owner = accs[0].handle if accs else None
    items: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    seen: dict[str, int] = {}
    done = 0
    for i, rec, done in json_items(source, prefix, "records"):
        loc = f"/comments_v2/{i}" if kind == "comment" else f"/{i}"
        if not isinstance(rec, dict):
            rejects.append(
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
            _epoch(float(ts)) if isinstance(ts, (int, float)) and not isinstance(ts, bool) else None
        )
        if created is None:
            rejects.append(
                Reject(loc, "bad-timestamp", "timestamp is missing or not a number", raw_json(rec))
            )
            continue
        if not author:
            rejects.append(
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
        items.append(
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
            )
        )
        if len(items) >= BATCH:
            yield Batch(rows={"items": items}, rejects=rejects, bytes_done=done)
            items, rejects = [], []
    yield Batch(rows={"items": items}, rejects=rejects, bytes_done=done)


def _dyi_actor(title: str) -> str | None:
    m = re.match(r"(.+?) (?:updated|shared|posted|wrote|added|commented|replied|was)\b", title)
    return m.group(1) if m else None
