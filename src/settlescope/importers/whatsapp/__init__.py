"""WhatsApp "Export chat" files: the ``.txt`` and the ``.zip`` that holds it with the media.

A WhatsApp export is plain text, one message per header line, in the phone's locale::

    18/03/2022, 14:56 - Dmitry S: Hello                       (Android, day first, 24 h)
    1/1/21, 12:00 PM - A: Hi                                  (Android, month first, 12 h)
    [3/27/22, 21:41:35] Dmitry S: Hello World                 (iOS, seconds, brackets)
    [14:56:01, 3/18/22] Musk Elon: ...                        (iOS, Vietnamese: time first)
    [١٨‏/٣‏/٢٠٢٢، ٢:٥٦:٠٠ م] ...                               (Arabic-Indic digits, RLM marks)
    [3/27/2565 BE, 21:41:35] / [3/27/R4, 21:41:35]            (Buddhist and Japanese eras)

How it is read
--------------
- **Header style.** The first lines of the file (up to 64 KiB) decide the layout (Android
  ``date, time - ``; iOS ``[date, time] ``; iOS time first), the date and time separators,
  the AM/PM markers (``AM``, ``a. m.``, ``p.m.``, ``م``/``ص``, ``午後`` ...), direction marks and
  eras. One header pattern is then built for that style, narrowed to the digits, spaces and
  markers that those first headers use (a header written otherwise later in the file is
  still matched, by the style's full pattern). A line that does not match it continues the
  previous message.
- **Blocks.** The file is read in 4 MiB blocks of bytes in a single streaming pass. A UTF-8
  file is not decoded: Arrow checks that the bytes are UTF-8 (other encodings, given with
  ``--encoding``, are decoded and encoded again). In each block numpy finds where the lines
  start, Arrow's regular expressions (RE2) match the header pattern on every line at once,
  and each message's name, text and date and time strings are cut out of the block as Arrow
  columns (see :class:`Blocks`). Only the messages that are not a plain ``Name: text`` go
  through the rules below one by one.
- **Date order.** Day-first or month-first is settled from the whole file: a date whose first
  field is above 12 means day first, a second field above 12 means month first (the file is
  scanned until one is found). A file where no date settles it is refused with a message naming
  ``--date-order``; ``source.options.date_order`` (``dmy``/``mdy``) overrides the scan.
  Year-first dates are year-month-day unless a middle field above 12 shows year-day-month.
- **Years.** Two-digit years are 20xx; years of 2400 and above are Buddhist Era (minus 543);
  Japanese era years (``R4`` Reiwa, ``H31`` Heisei, ``S64`` Showa) are converted.
- **Time zone.** Export times are local phone times without an offset: they are read in
  ``source.tz`` (the study's or the partner's zone). Times that fall twice in the autumn DST
  change take the first (``fold=0``); times that do not exist in the spring change are read with
  the offset before the change (zoneinfo's rule). The UTC offset is looked up once per local
  day (on the days it changes, so is the local second it changes at); dates and times (to
  the minute) are parsed once per distinct string, without strptime.

What each record becomes (one rule, used for the golden counts)
---------------------------------------------------------------
- A message ``Name: text`` is an item, ``kind="message"``, author = the name or phone number
  as the export shows it (a person; the framework pseudonymises it).
- A media message (``<Media omitted>`` and its translations, iOS ``image omitted`` lines, which
  the export marks with a leading U+200E/U+200F, ``<attached: ...>`` and ``... (file
  attached)``) is an item with ``kind="media"`` whose ``text`` is the caption, or null.
- ``This message was deleted`` / ``You deleted this message`` (in the sample languages) is an
  item with ``kind="deleted"`` and null text.
- Joins, adds, leaves and removals (``X added Y``, ``X joined using this group's invite link``,
  ``X left``, ``X removed Y``, ``You were added``, in English, German, French, Spanish and
  Portuguese) are **not items**: each person concerned becomes a ``membership`` row of
  ``interactions`` (primary, counted) from the person to the chat, ``weight`` +1 for a join and
  -1 for a leave. "You" (the person who exported) is the account ``(you)@<chat>``. Its
  ``item_id`` is the id the system line would have had as an item (no item is loaded with it):
  it keeps a join and a leave by the same person in the same minute apart, and makes
  overlapping exports merge.
- Every other system line (end-to-end encryption notices, security code changed, created
  group, subject/icon/description/settings changed, disappearing messages ...) is an item with
  ``kind="system"`` and **no author**, so the author count is the count of people who wrote.
- Nothing is dropped: a header whose date or time is impossible is a reject (``bad-date``).

The chat is the container: its id is a slug of the file name without the ``WhatsApp Chat
with`` prefix (``source.options.extra["chat"]`` overrides it). It is a ``group`` when the
start of the file shows more than two writers or a membership event, otherwise a one-to-one
chat with a person (``container_kind="person"``, pseudonymised);
``source.options.extra["chat_kind"]`` overrides the guess.

Item ids make overlapping exports of the same chat merge: ``<chat>/<UTC epoch seconds>/<hash
of the name and text>/<n>``, where ``n`` numbers identical messages sent in the same second
(counted back to a day before the block's earliest message). They do not depend on the line
number. (The chat part is a hash of the slug, so a person's name is not
kept in an id.) The hash is a 64-bit number, CRC-32 and Adler-32 of the UTF-8 header rest and
message lines side by side, in decimal: it only has to tell apart the messages of one second.

WhatsApp text exports do not contain quoted replies, reactions or forwards: there are no
reply, share or mention edges (``reply_edges`` is always 0).

Example
-------
>>> from settlescope.importers.run import import_file
>>> import_file(ws, Path("WhatsApp Chat with Newcomers.zip"), wave="baseline", study=s)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterator

from settlescope.importers.base import Batch, Sniff, Source, importer
from settlescope.importers.whatsapp.blocks import PLATFORM, Blocks
from settlescope.importers.whatsapp.files import ZIP_ERRORS, ChatFile, chat_member
from settlescope.importers.whatsapp.headers import detect_style, resolve_date_order
from settlescope.importers.whatsapp.rules import NO_MARKS, chat_slug, membership_events

__all__ = ["PLATFORM", "chat_slug", "detect_style", "membership_events", "parse_whatsapp"]


def _is_group(style_rx: re.Pattern[str], lines: list[str]) -> bool:
    authors: set[str] = set()
    for line in lines:
        m = style_rx.match(line)
        if m is None:
            continue
        rest = line[m.end() :]
        i = rest.find(": ")
        body = rest[i + 2 :] if i > 0 else rest
        if i > 0 and '"' not in rest[:i] and not body.startswith(("\u200e", "\u200f")):
            authors.add(rest[:i])
        elif membership_events(body.translate(NO_MARKS).strip()):
            return True
    return len(authors) > 2


def _detect(s: Sniff) -> float:
    head = s.head
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(s.path) as zf:
                found = chat_member(zf)
        except ZIP_ERRORS:
            return 0.0
        return 0.9 if found is not None else 0.0
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = text.splitlines()[:50]
    return 0.9 if detect_style(lines) is not None else 0.0


@importer(
    id="whatsapp-txt",
    name="WhatsApp chat export",
    reads="a WhatsApp 'Export chat' file (.txt, or the .zip with the chat and its media), "
    "Android or iOS, any language and date style",
    fills=("items", "interactions", "accounts"),
    extensions=(".txt", ".zip"),
    detect=_detect,
    expect="a WhatsApp chat export: lines such as '18/03/2022, 14:56 - Name: text' or "
    "'[3/27/22, 21:41:35] Name: text' (or a .zip holding that file)",
)
def parse_whatsapp(source: Source) -> Iterator[Batch]:
    """Stream a WhatsApp export as items and membership interactions (see the module docs)."""
    inp = ChatFile(source)
    head_lines: list[str] = []
    for _, lines, _ in inp.blocks(first=1 << 16, size=1 << 16):
        head_lines.extend(lines)
        if len(head_lines) >= 2000:  # what the style and the group guess look at
            break
    style = detect_style(head_lines[:400])
    if style is None:
        first = next((ln for ln in head_lines if ln.strip()), "")
        raise source.error(
            "this does not look like a WhatsApp chat export: the first line has no date and time header",
            locator="line 1",
            hint="expected lines like '18/03/2022, 14:56 - Name: text' or '[3/27/22, 21:41:35] Name: "
            f"text'; the file starts with: {first[:80]!r}",
        )
    rx = style.regex()
    every_line = (ln for _, block, _ in inp.blocks(first=1 << 16) for ln in block)
    order = resolve_date_order(source, every_line, style, rx)
    extra = source.options.extra
    slug = extra.get("chat") or chat_slug(source.path)
    kind_opt = extra.get("chat_kind")
    container_kind = kind_opt or ("group" if _is_group(rx, head_lines[:2000]) else "person")
    # The chat part of item ids is a hash of the slug: it does not depend on the group/person
    # guess (so overlapping exports merge) and keeps no person's name in an id.
    chat_pid = "c" + hashlib.blake2b(slug.encode(), digest_size=6).hexdigest()
    you = f"(you)@{slug}"
    # the headers of the first lines: the characters the file writes its headers with
    sample = "".join(m.group(0) for m in map(rx.match, head_lines[:400]) if m)
    blocks = Blocks(source, style, order, slug, chat_pid, container_kind, you, sample)
    yield from blocks.parse(inp)
