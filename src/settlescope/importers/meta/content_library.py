"""Meta Content Library CSV exports of posts (``meta-content-library-csv``).

See :data:`MCL_COLUMNS` for the accepted columns and :mod:`settlescope.importers.meta`.
"""

from __future__ import annotations

from collections.abc import Iterator

from settlescope.importers.base import Batch, Reject, Sniff, Source, importer
from settlescope.importers.reading import (
    BatchBuilder,
    CsvRecords,
    csv_cells,
    csv_dict_rows,
    hashtags_of,
    head_lines,
    parse_iso,
    to_int,
    urls_of,
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
    lines = head_lines(s, 1)
    if not lines:
        return 0.0
    cols = {c.strip().lstrip("\ufeff") for c in csv_cells(lines[0])}
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
    cols: dict[str, str] = {}
    platform = "facebook"
    buf = BatchBuilder(tables=("items",), aux_tables=("accounts",), count_rejects=False)

    def on_header(header: list[str]) -> None:
        nonlocal platform
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

    for loc, row, raw in csv_dict_rows(recs, on_header, buf.reject):

        def get(key: str, row: dict[str, str] = row) -> str | None:
            c = cols.get(key)
            v = row.get(c, "").strip() if c else ""
            return v or None

        created = parse_iso(get("created"))
        if created is None:
            buf.reject(Reject(loc, "bad-timestamp", "creation_time is not a date and time", raw))
            continue
        owner = get("owner_id") or get("owner_handle")
        okind = MCL_OWNER_KIND.get((get("owner_type") or "page").lower(), "page")
        if owner:
            buf.accounts[owner] = dict(
                platform=platform,
                ref=owner,
                platform_id=get("owner_id"),
                handle=get("owner_handle"),
                display_name=get("owner_name"),
                kind=okind,
            )
        text = row.get(cols["text"]) if "text" in cols else None
        buf.add(
            "items",
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
            ),
        )
        if buf.full():
            yield buf.take(bytes_done=recs.bytes_done)
    if not cols:
        raise source.error("the file is empty", hint="export the posts again")
    yield buf.take(bytes_done=recs.bytes_done)
