"""Parsing a WhatsApp export block by block, as Arrow columns (see :class:`Blocks`)."""

from __future__ import annotations

import datetime as dt
import gc
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from settlescope.importers.base import Batch, Reject, Source, encoding_error
from settlescope.importers.whatsapp.files import ChatFile, is_utf8
from settlescope.importers.whatsapp.headers import Clock, Style
from settlescope.importers.whatsapp.rules import DELETED, NO_MARKS, classify, membership_events

PLATFORM = "whatsapp"
_TS = pa.timestamp("us", tz="UTC")


_DELETED = pa.array(sorted(DELETED), pa.string())
_NULL = pa.scalar(None, pa.string())


class Blocks:
    """Turns blocks of an export's bytes into item tables, membership edges and rejects.

    A block is UTF-8 bytes, carried over from the block before up to the start of its last
    message. numpy finds where its lines start, and Arrow matches the style's header pattern
    (:meth:`Style.header_pattern`, in RE2) at the start of every line at once: the lines that
    match start a message, the others continue the one before. From there a message is a few
    byte offsets into the block (where its header line starts, where the header ends, where
    its first ``:`` is, where its first line and its text end), and the names, the texts and
    the rest of the header lines are cut out of the block at those offsets as Arrow columns
    (:class:`Cutter`). Times come from the distinct date and time strings, read once each
    (:class:`Clock`). Only the messages that are not a plain ``Name: text`` (system lines,
    media, deleted, direction marks, quotes in the name ...) go through the message rules one
    by one, in :func:`classify`. The last message of a block is carried into the next one,
    which may hold its continuation lines.
    """

    def __init__(
        self,
        source: Source,
        style: Style,
        order: str,
        slug: str,
        chat_pid: str,
        container_kind: str,
        you: str,
        sample: str,
    ) -> None:
        self.source = source
        self.pattern = style.header_pattern(sample)
        self.full = style.header_pattern()
        self.tsep = style.tsep
        self.clock = Clock(style, order, source.tz)
        self.slug = slug
        self.chat_pid = chat_pid
        self.container_kind = container_kind
        self.you = you
        self.author_cache: dict[str | None, str | None] = {None: None}
        # (epoch, hash) of the recent messages, in file order: the last part of an id counts
        # the identical messages before it in the same second (see _counts)
        self.recent_secs = np.empty(0, np.int64)
        self.recent_hashes = np.empty(0, np.uint64)
        self.tables: list[pa.Table] = []
        self.edges: list[dict[str, Any]] = []
        self.rejects: list[Reject] = []
        self.consts = {
            k: pa.scalar(v, pa.string())
            for k, v in (
                ("platform", PLATFORM),
                ("container", slug),
                ("container_kind", container_kind),
                ("author_kind", "person"),
            )
        }

    def parse(self, inp: ChatFile) -> Iterator[Batch]:
        """Read the export block by block, a batch per block."""
        source = self.source
        carry = b""
        line_no = 1
        started = False
        done = 0
        for data, done in inp.utf8_blocks():
            carry, line_no, started = _no_gc(self.chunk, carry + data, line_no, False, started)
            if self.pending():
                yield self.flush(int(done * source.size / inp.size))
        _, _, started = _no_gc(self.chunk, carry, line_no, True, started)
        if not started:
            raise source.error("the chat export holds no messages", hint="export the chat again")
        yield self.flush(int(done * source.size / inp.size))

    def pending(self) -> bool:
        return bool(self.tables or self.edges or self.rejects)

    def flush(self, bytes_done: int) -> Batch:
        rows: dict[str, Any] = {}
        if self.tables:
            t = self.tables
            rows["items"] = t[0] if len(t) == 1 else pa.concat_tables(t)
        if self.edges:
            rows["interactions"] = list(self.edges)
        batch = Batch(rows=rows, rejects=list(self.rejects), bytes_done=bytes_done)
        for col in (self.tables, self.edges, self.rejects):
            col.clear()
        return batch

    def chunk(self, data: bytes, line0: int, final: bool, started: bool) -> tuple[bytes, int, bool]:
        """Parse the messages of ``data`` (all but the last unless ``final``, when it ends).

        ``line0`` is the number of its first line. Returns the bytes to carry into the next
        block, the number of their first line, and whether a header has been seen.
        """
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n")
        size = len(data)
        if size >= 1 << 31:  # Arrow's string offsets are 32-bit
            raise self.source.error(
                "a single message of more than 2 GiB: this is not a chat export",
                locator=f"line {line0}",
                hint="check that the file is the chat's .txt",
            )
        cut = Cutter(data)
        # every line: where it ends (its newline, or the end of the data) and starts; the
        # last line goes on in the next block unless this is the end
        line_ends = np.flatnonzero(cut.u8 == 10)
        if size and data[-1] != 10:
            line_ends = np.append(line_ends, size)
        line_starts = np.empty(len(line_ends), np.int64)
        line_starts[:1] = 0
        line_starts[1:] = line_ends[:-1] + 1
        whole = size if final or not size else int(line_starts[-1])
        self._check_utf8(cut, whole, line0)
        offsets = pa.py_buffer(np.append(line_starts, size).astype(np.int32))
        lines = pa.StringArray.from_buffers(len(line_starts), offsets, cut.buf)
        found = pc.extract_regex(lines, self.pattern)
        is_header = found.is_valid()
        if self.full != self.pattern:
            # a header that the file's usual characters do not match: the full pattern
            others = lines.filter(pc.invert(is_header))
            if pc.any(pc.match_substring_regex(others, self.full)).as_py():
                found = pc.extract_regex(lines, self.full)
                is_header = found.is_valid()
        hdr = np.flatnonzero(is_header.to_numpy(zero_copy_only=False))
        if not started:
            first = int(line_starts[hdr[0]]) if len(hdr) else whole
            for k, line in enumerate(data[: min(first, whole)].decode().split("\n")):
                if line.strip():
                    raise self.source.error(
                        "this does not look like a WhatsApp chat export: the first line has no "
                        "date and time header",
                        locator=f"line {line0 + k}",
                        hint="expected lines like '18/03/2022, 14:56 - Name: text'",
                    )
        if len(hdr) == 0:
            if final or not size:
                return b"", line0 + len(line_ends), started
            return data[whole:], line0 + len(line_ends) - 1, started
        starts = line_starts[hdr]  # where each message's header line starts
        nexts = np.append(starts[1:], size)  # where the next one starts
        carry, next_line = b"", line0 + len(line_ends)
        n = len(hdr)
        if not final:  # the last message may go on in the next block
            carry, next_line = data[starts[-1] :], line0 + int(hdr[-1])
            n -= 1
            if n == 0:
                return carry, next_line, True
        nexts = nexts[:n]
        self._messages(
            cut,
            found.filter(is_header).slice(0, n),
            line0 + hdr[:n],
            starts[:n],
            line_ends[hdr[:n]],
            nexts - (cut.u8[nexts - 1] == 10),  # where each message ends, before a newline
        )
        return carry, next_line, True

    def _check_utf8(self, cut: Cutter, end: int, line0: int) -> None:
        """Refuse the file if the block's first ``end`` bytes are not UTF-8, naming the line."""
        if is_utf8(cut.buf, end):
            return
        try:
            cut.data[:end].decode("utf-8")
        except UnicodeDecodeError as e:
            line = line0 + cut.data.count(b"\n", 0, e.start)
            raise encoding_error(self.source, cut.data, e, f"line {line}") from None

    def _messages(
        self,
        cut: Cutter,
        heads: pa.StructArray,
        line_nos: np.ndarray,
        starts: np.ndarray,
        line_ends: np.ndarray,
        ends: np.ndarray,
    ) -> None:
        """The items, edges and rejects of ``n`` messages, given where each one is in the block."""
        n = len(starts)
        data, u8 = cut.data, cut.u8
        body = starts + pc.binary_length(heads.field("head")).to_numpy()  # after the header
        stamps, bad = self._stamps(heads)
        for k, e in bad.items():
            self.rejects.append(
                Reject(
                    f"line {line_nos[k]}",
                    "bad-date",
                    f"the date or time in the header is impossible ({e})",
                    data[starts[k] : ends[k]].decode()[:4000],
                )
            )

        # continuation lines: the text of a message runs to the next header, without the
        # blank lines at its end (layout)
        conts: dict[int, list[str]] = {}
        text_end = line_ends.copy()
        for k in np.flatnonzero(ends > line_ends).tolist():
            cont = data[line_ends[k] + 1 : ends[k]].decode().split("\n")
            while cont and not cont[-1].strip():
                cont.pop()
            if cont:
                conts[k] = cont
                text_end[k] += 1 + len("\n".join(cont).encode())
        fulls = cut(body, text_end)  # the rest of the header line and the lines after it

        # A plain "Name: text" message: the first ':' of its header line is followed by a
        # space, the name before it has 1 to 100 characters and no quotes, and no direction
        # mark follows.
        colons = np.flatnonzero(u8 == 58)
        colon = np.append(colons, cut.top + 1)[np.searchsorted(colons, body)]
        colon[colon >= line_ends] = -1  # no ':' on the header line
        text_at = colon + 2
        plain = (colon > body) & (text_at <= line_ends) & (u8[np.minimum(colon + 1, cut.top)] == 32)
        names = cut(body, np.where(plain, colon, body))
        plain &= ~cut.mark_at(text_at, line_ends)
        if (colon - body > 100).any():
            plain &= pc.less_equal(pc.utf8_length(names), 100).to_numpy(zero_copy_only=False)
        quoted = pc.or_(pc.match_substring(names, '"'), pc.match_substring(names, "“"))
        plain &= ~quoted.to_numpy(zero_copy_only=False)
        texts = cut(np.where(plain, text_at, body), text_end)
        authors = pc.if_else(pa.array(plain), names, _NULL)
        # the messages that the rules look at one by one: all but plain "Name: text" ones
        has_lm = cut.mark_at(starts, line_ends)
        odd = (
            ~plain
            | has_lm
            | np.isin(u8[line_ends - 1], (41, 46, 62))  # ")", "." or ">" ends the first line
            | pc.is_in(texts, value_set=_DELETED).to_numpy(zero_copy_only=False)
        )

        # ids: <chat>/<epoch>/<hash of the text>/<n-th identical message in that second>
        pieces = list(map(data.__getitem__, map(slice, body.tolist(), text_end.tolist())))
        hashes = np.fromiter(map(zlib.crc32, pieces), np.uint64, n) << np.uint64(32)
        hashes |= np.fromiter(map(zlib.adler32, pieces), np.uint64, n)
        good = np.ones(n, bool)
        if bad:
            good[list(bad)] = False
            stamps[~good] = 0
        counts = self._counts(stamps[good], hashes[good])
        if counts is not None and bad:
            counts_all = np.zeros(n, np.int64)
            counts_all[good] = counts
            counts = counts_all
        pids = pc.binary_join_element_wise(
            self.chat_pid,
            pa.array(stamps).cast(pa.string()),
            pa.array(hashes).cast(pa.string()),
            "0" if counts is None else pa.array(counts).cast(pa.string()),
            "/",
        )

        kinds: pa.Array = pa.repeat(pa.scalar("message", pa.string()), n)
        drop = set(bad)
        rows = [k for k in np.flatnonzero(odd).tolist() if k not in bad]
        if rows:
            late: dict[str, int] = {}  # name -> first row (among the ones done one by one)
            early: dict[str, int] | None = None

            def is_known(name: str, k: int) -> bool:
                nonlocal early
                if name in self.author_cache or late.get(name, n) < k:
                    return True
                if early is None:  # name -> first plain row
                    names_of = authors.to_pylist()
                    early = {names_of[j]: j for j in np.flatnonzero(~odd & good)[::-1].tolist()}
                return early.get(name, n) < k

            new: tuple[list[str | None], list[str | None], list[str | None]] = ([], [], [])
            for k in rows:
                rest = data[body[k] : line_ends[k]].decode()
                lm = data[starts[k] : starts[k] + 3].decode() if has_lm[k] else ""
                author, kind, txt = classify(rest, conts.get(k), lm, is_known, k)
                if kind == "system":
                    events = membership_events(txt or "")
                    if events:
                        raw = data[body[k] : text_end[k]].decode()
                        item_id = pids[k].as_py()
                        self._memberships(events, raw, item_id, int(stamps[k]), int(line_nos[k]))
                        drop.add(k)
                    author = None
                elif author not in late:
                    late[author] = k  # type: ignore[index]
                for col, v in zip(new, (author, kind, txt), strict=True):
                    col.append(v)
            mask = pa.array(_mask(n, rows))
            authors = pc.replace_with_mask(authors, mask, pa.array(new[0], pa.string()))
            kinds = pc.replace_with_mask(kinds, mask, pa.array(new[1], pa.string()))
            texts = pc.replace_with_mask(texts, mask, pa.array(new[2], pa.string()))

        # authors: cleaned once per distinct name
        enc = pc.dictionary_encode(authors)
        names_raw = enc.dictionary.to_pylist()
        cache = self.author_cache
        for a in names_raw:
            if a not in cache:
                cache[a] = a.translate(NO_MARKS).strip()
        clean = [cache[a] for a in names_raw]
        if clean != names_raw:
            authors = pa.array(clean, pa.string()).take(enc.indices)
        raws = fulls
        if (text_end - body > 4000).any():  # bytes: at least as many as characters
            raws = pc.utf8_slice_codeunits(raws, 0, 4000)
        arrays: dict[str, Any] = {k: pa.repeat(v, n) for k, v in self.consts.items()}
        arrays.update(
            {
                "platform_id": pids,
                "author": authors,
                "author_name": authors,
                "created_at": pa.array(stamps * 1_000_000).cast(_TS),
                "kind": kinds,
                "text": texts,
                "_locator": pc.binary_join_element_wise(
                    "line", pa.array(line_nos).cast(pa.string()), " "
                ),
                "_raw": raws,
            }
        )
        table = pa.table(arrays)
        if drop:
            table = table.filter(pa.array(~_mask(n, drop)))
        self.tables.append(table)

    def _memberships(
        self, events: list[tuple[str, int]], raw: str, item_id: str, stamp: int, line_no: int
    ) -> None:
        """One ``membership`` edge per person a join or leave line names."""
        for person, w in events:
            ref = self.you if person == "you" else person
            self.edges.append(
                dict(
                    platform=PLATFORM,
                    kind="membership",
                    source=ref,
                    source_kind="person",
                    source_name=ref,
                    target=self.slug,
                    target_kind=self.container_kind,
                    container=self.slug,
                    item_id=item_id,
                    created_at=dt.datetime.fromtimestamp(stamp, dt.UTC),
                    weight=float(w),
                    _locator=f"line {line_no}",
                    _raw=raw if len(raw) <= 4000 else raw[:4000],
                )
            )

    def _stamps(self, heads: pa.StructArray) -> tuple[np.ndarray, dict[int, Exception]]:
        """The UTC epoch of each header, and the rows whose date or time is impossible."""
        dates, times, secs, tails = (heads.field(f) for f in ("date", "time", "sec", "tail"))
        mins = times
        if pc.max(pc.binary_length(tails)).as_py():
            mins = pc.binary_join_element_wise(times, tails, "")
        stamps, ok = self.clock.stamps(dates, mins, secs)
        bad: dict[int, Exception] = {}
        if not ok.all():  # days the offset changes, impossible fields: one by one
            rows = np.flatnonzero(~ok)
            idx = pa.array(rows)
            cols = (c.take(idx).to_pylist() for c in (dates, times, mins, secs, tails))
            for k, d, t, m, s, tail in zip(rows.tolist(), *cols, strict=True):
                st = self.clock.stamp(d, t + self.tsep + s + tail if s else m)
                if isinstance(st, Exception):
                    bad[k] = st
                else:
                    stamps[k] = st
        return stamps, bad

    def _counts(self, secs: np.ndarray, hashes: np.ndarray) -> np.ndarray | None:
        """How many messages with the same (epoch, hash) came before each one (None: none did).

        The messages from a day before the block's earliest one on are kept for the next
        blocks: an identical message in the same second that comes after a message more than
        a day later (a phone's clock set back by more than a day) would not be counted.
        """
        if not len(secs):
            return None
        before = len(self.recent_secs)
        all_s = np.concatenate((self.recent_secs, secs))
        all_h = np.concatenate((self.recent_hashes, hashes))
        # one 64-bit key per message: if no two are equal, no two messages are identical
        mixed = np.sort(all_h ^ (all_s.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)))
        counts = None
        if (mixed[1:] == mixed[:-1]).any():
            order = np.lexsort((all_h, all_s))  # stable: file order among equal keys
            s_o, h_o = all_s[order], all_h[order]
            same = (s_o[1:] == s_o[:-1]) & (h_o[1:] == h_o[:-1])
            idx = np.arange(len(all_s))
            run_start = np.maximum.accumulate(np.where(np.append(True, ~same), idx, 0))
            ranks = np.empty(len(all_s), np.int64)
            ranks[order] = idx - run_start
            counts = ranks[before:] if ranks[before:].any() else None
        # what a later message may still equal: from a day before this block's earliest one
        # (or before its latest, should that grow past 500,000 messages)
        keep = all_s >= int(secs.min()) - 86400
        if keep.sum() > 500_000:
            keep = all_s >= int(secs.max()) - 86400
        self.recent_secs, self.recent_hashes = all_s[keep], all_h[keep]
        return counts


def _mask(n: int, rows: Iterable[int]) -> np.ndarray:
    m = np.zeros(n, bool)
    m[list(rows)] = True
    return m


class Cutter:
    """Cuts spans out of one block of bytes, as Arrow string arrays."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.u8 = np.frombuffer(data, np.uint8)
        self.buf = pa.py_buffer(data)
        self.top = max(len(data) - 1, 0)

    def __call__(self, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
        """The strings ``data[starts[i]:ends[i]]``, for spans in order that do not overlap.

        The spans and the gaps between them are the values of one array over the block itself,
        made without copying; taking every other value copies just the spans.
        """
        n = len(starts)
        offsets = np.empty(2 * n + 1, np.int32)
        offsets[0] = 0
        offsets[1::2] = starts
        offsets[2::2] = ends
        both = pa.StringArray.from_buffers(2 * n, pa.py_buffer(offsets), self.buf)
        odd = pa.array(np.arange(1, 2 * n, 2, dtype=np.int32))
        return pc.take(both, odd, boundscheck=False)

    def mark_at(self, pos: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Whether a direction mark (U+200E or U+200F) starts at each position, before ``end``."""
        u8, top = self.u8, self.top
        return (
            (pos + 3 <= end)
            & (u8[np.minimum(pos, top)] == 0xE2)
            & (u8[np.minimum(pos + 1, top)] == 0x80)
            & np.isin(u8[np.minimum(pos + 2, top)], (0x8E, 0x8F))
        )


def _no_gc(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` with the cyclic garbage collector paused: a block makes some hundred
    thousand small objects and no cycles, and collections during it would only rescan them."""
    was = gc.isenabled()
    gc.disable()
    try:
        return fn(*args)
    finally:
        if was:
            gc.enable()
