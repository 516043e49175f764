"""Telegram importer benchmark: a 1M-message ``result.json`` imported in a child process.

The export is written message by message (never held in memory), shaped like a public
supergroup export from Telegram Desktop: ``date`` and ``date_unixtime``, ``from_id``, text
as a string or as a list with link/mention/hashtag entities, replies, forwards, reactions and
a few service messages. The import runs in a fresh child process with a fresh study, so its
wall time and peak RSS (``ru_maxrss``) are its own; a second child runs the parser and the
framework's normalisation alone, without the workspace, to tell the two apart.

Usage::

    python bench/importers_telegram.py          # 1,000,000 messages

Target: peak RSS under 1 GiB.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import multiprocessing.context
import resource
import tempfile
import time
from pathlib import Path

import orjson


def write_export(path: Path, n: int) -> None:
    """Write a one-chat Telegram Desktop export of ``n`` messages to ``path``, streamed."""
    with path.open("wb") as fh:
        fh.write(
            b'{\n "name": "Bench newcomers group",\n "type": "public_supergroup",\n'
            b' "id": 1700000001,\n "messages": [\n'
        )
        base = 1_700_000_000
        for i in range(1, n + 1):
            t = base + i * 7
            msg: dict[str, object] = {
                "id": i,
                "type": "message",
                "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)),
                "date_unixtime": str(t),
                "from": f"Member {i % 5000}",
                "from_id": f"user{100000 + i % 5000}",
            }
            if i % 500 == 0:
                msg = {
                    "id": i,
                    "type": "service",
                    "date_unixtime": str(t),
                    "actor": "Member 1",
                    "actor_id": "user100001",
                    "action": "invite_members",
                    "members": [f"New member {i}"],
                    "text": "",
                }
            elif i % 3 == 0:
                msg["text"] = [
                    "see ",
                    {"type": "link", "text": "https://example.org/jobs"},
                    " and ask ",
                    {"type": "mention", "text": f"@helper{i % 50}"},
                    " ",
                    {"type": "hashtag", "text": "#jobs"},
                ]
                msg["text_entities"] = [{"type": "plain", "text": "..."}]
            else:
                msg["text"] = f"message number {i} about housing and work permits"
                msg["text_entities"] = [{"type": "plain", "text": msg["text"]}]
            if i % 4 == 0 and i > 1:
                msg["reply_to_message_id"] = i - 1
            if i % 11 == 0:
                msg["forwarded_from"] = "IRCC News"
            if i % 7 == 0:
                msg["reactions"] = [{"type": "emoji", "count": 3, "emoji": "👍"}]
            fh.write(b"  " + orjson.dumps(msg) + (b",\n" if i < n else b"\n"))
        fh.write(b" ]\n}\n")


def _child(path: str, workdir: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from settlescope.importers.run import import_file
    from settlescope.study.setup import create_study, open_study

    study_dir = Path(workdir) / "study"
    create_study(study_dir, name="bench", key_file=Path(workdir) / "bench.key")
    opened = open_study(study_dir)
    t0 = time.perf_counter()
    with opened.workspace() as ws:
        s = import_file(
            ws,
            Path(path),
            wave="baseline",
            study=opened.study,
            format_id="telegram-json",
            pseudonymiser=opened.pseudonymiser(),
        )
    out.put(
        {
            "read": s.read,
            "loaded": s.loaded,
            "rejected": s.rejected,
            "seconds": time.perf_counter() - t0,
            "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }
    )


def _child_parse(path: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """The parser and the framework's normalisation alone, without the store."""
    from zoneinfo import ZoneInfo

    from settlescope.importers.base import Source
    from settlescope.importers.normalize import (
        AccountBook,
        canonical,
        canonical_accounts,
        split_invalid,
        to_table,
    )
    from settlescope.importers.telegram import parse_telegram

    book = AccountBook(None, None, "bench")
    ctx = {"wave": "b", "run_id": "bench", "partner_id": None, "sha256": "0" * 64}
    t0 = time.perf_counter()
    for batch in parse_telegram(Source(path=Path(path), study=None, tz=ZoneInfo("UTC"))):
        for table, rows in [*batch.aux.items(), *batch.rows.items()]:
            t = to_table(rows, table)
            if table == "accounts":
                canonical_accounts(t, book)
            else:
                canonical(table, split_invalid(table, t)[0], book, ctx)
        book.take_new()
    out.put(
        {
            "seconds": time.perf_counter() - t0,
            "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }
    )


def _run(
    ctx: mp.context.SpawnContext, target: object, args: tuple[object, ...]
) -> dict[str, float]:
    q = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, q))
    proc.start()
    res = q.get()
    proc.join()
    return res  # type: ignore[no-any-return]


def bench_telegram(n: int = 1_000_000) -> dict[str, float]:
    """Import an ``n``-message export in a child process; return its rate and peak RSS.

    Example
    -------
    >>> bench_telegram(10_000)  # doctest: +SKIP
    {'messages': 10000, 'seconds': ..., 'msgs_per_s': ..., 'peak_rss_mib': ...}
    """
    with tempfile.TemporaryDirectory(prefix="settlescope-bench-tg-") as tmp:
        path = Path(tmp) / "result.json"
        write_export(path, n)
        ctx = mp.get_context("spawn")
        res = _run(ctx, _child, (str(path), tmp))
        parse = _run(ctx, _child_parse, (str(path),))
        if res["read"] != n or res["rejected"]:
            raise RuntimeError(f"the import read {res['read']} of {n} messages: {res}")
        figures = {
            "messages": n,
            "seconds": round(res["seconds"], 2),
            "msgs_per_s": round(n / res["seconds"]),
            "peak_rss_mib": round(res["rss_kib"] / 1024, 1),
            # the same file through the parser and normalisation only (no workspace), to tell
            # the importer's own memory from the store's
            "parser_seconds": round(parse["seconds"], 2),
            "parser_peak_rss_mib": round(parse["rss_kib"] / 1024, 1),
            "file_mib": round(path.stat().st_size / 2**20, 1),
        }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    bench_telegram()
