"""CrowdTangle importers: ``crowdtangle-json`` (API ``/posts`` responses) and ``crowdtangle-csv``.

``crowdtangle-json`` reads ``{status, result: {posts: [...]}}`` (or a JSON array of such
responses); ``date`` is UTC and ``platformId`` is ``<page id>_<post id>``. ``crowdtangle-csv``
reads dashboard CSV downloads of Facebook and Instagram lists; ``Post Created`` carries the
dashboard's time zone as an abbreviation (see :data:`ZONE_ABBR`). See :mod:`settlescope.importers.meta`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from settlescope.importers.base import Batch, Reject, Sniff, Source, importer, json_text
from settlescope.importers.reading import (
    BatchBuilder,
    CsvRecords,
    csv_cells,
    csv_dict_rows,
    first_char,
    hashtags_of,
    head_lines,
    json_items,
    parse_iso,
    raw_json,
    text_or_none,
    to_int,
    urls_of,
)

# Time-zone abbreviations CrowdTangle prints after "Post Created" (the dashboard's zone).
# Ambiguous ones (IST, CST outside North America ...) are read as their North American or
# European meaning only where that is the usual dashboard setting; others need --time-zone.
ZONE_ABBR: dict[str, float] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2,
    "EET": 2, "EEST": 3, "MSK": 3, "NST": -3.5, "NDT": -2.5, "AST": -4, "ADT": -3,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10,
}  # fmt: skip


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
    buf = BatchBuilder(tables=("items",), aux_tables=("accounts",), count_rejects=False)
    seen = False
    done = 0
    for i, post, done in json_items(source, prefix, "posts"):
        seen = True
        loc = f"/result/posts/{i}" if prefix == "result.posts.item" else f"post {i}"
        if not isinstance(post, dict):
            buf.reject(Reject(loc, "not-an-object", "a post must be a JSON object", raw_json(post)))
            continue
        row = _ct_post(post, loc, buf.accounts)
        if row is None:
            buf.reject(Reject(loc, "missing-id", "the post has no platformId", raw_json(post)))
        else:
            buf.add("items", row)
        if buf.full():
            yield buf.take(bytes_done=done)
    if not seen:
        raise source.error(
            "no posts found under result.posts",
            locator="/result/posts",
            hint="this importer reads CrowdTangle API /posts responses; check that the query returned posts",
        )
    yield buf.take(bytes_done=done)


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
    lines = head_lines(s, 1)
    if not lines:
        return 0.0
    cols = {c.strip() for c in csv_cells(lines[0])}
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
    platform: str | None = None
    buf = BatchBuilder(tables=("items",), aux_tables=("accounts",), count_rejects=False)

    def on_header(header: list[str]) -> None:
        nonlocal platform
        kind = _ct_csv_kind(set(header))
        if kind is None:
            raise source.error(
                "the header is not CrowdTangle's",
                locator="row 1",
                hint="expected columns such as Page Name, User Name, Facebook Id, "
                "Post Created, URL",
            )
        platform = source.options.platform or kind

    for loc, row, raw in csv_dict_rows(recs, on_header, buf.reject):
        item, reason, msg = _ct_csv_item(row, platform or "facebook", source, buf.accounts)
        if item is None:
            buf.reject(Reject(loc, reason, msg, raw))
            continue
        item["_locator"] = loc
        item["_raw"] = raw
        buf.add("items", item)
        if buf.full():
            yield buf.take(bytes_done=recs.bytes_done)
    if platform is None:
        raise source.error("the file is empty", hint="export the CrowdTangle list again")
    yield buf.take(bytes_done=recs.bytes_done)


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
