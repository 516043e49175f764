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
  columns (see :class:`_Blocks`). Only the messages that are not a plain ``Name: text`` go
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

import codecs
import datetime as dt
import gc
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from settlescope.importers.base import Batch, Reject, Sniff, Source, encoding_error, importer

PLATFORM = "whatsapp"
BLOCK = 1 << 22
MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_NO_MARKS = str.maketrans({**{c: None for c in MARKS}, "\u00a0": " ", "\u202f": " "})
_TS = pa.timestamp("us", tz="UTC")
# what a damaged or unusual zip can raise while it is opened or read
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)

# -- header styles -------------------------------------------------------------------------

# AM/PM markers seen in exports: value True for PM. Matched case-insensitively after the time
# (before it for the East Asian ones).
AMPM_AFTER = {
    "am": False,
    "pm": True,
    "a.m.": False,
    "p.m.": True,
    "a. m.": False,
    "p. m.": True,
    "a.m": False,
    "p.m": True,
    "ص": False,
    "م": True,
    "ق.ظ": False,
    "ب.ظ": True,
    "π.μ.": False,
    "μ.μ.": True,
    "sa": False,
    "ch": True,
    "öö": False,
    "ös": True,
    "vorm.": False,
    "nachm.": True,
    "पूर्वाह्न": False,
    "अपराह्न": True,
}
AMPM_BEFORE = {
    "上午": False,
    "下午": True,
    "午前": False,
    "午後": True,
    "오전": False,
    "오후": True,
}

_SP = "[ \u00a0\u202f]"
_M = "[\u200e\u200f]*"


def _alts(words: dict[str, bool]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_GEN_DATE = (
    rf"{_M}(?P<d1>\d{{1,4}}){_M}(?P<ds>[./-]){_M}(?P<d2>\d{{1,2}}){_M}(?P=ds){_M}"
    rf"(?P<era>[MTSHR])?(?P<d3>\d{{1,4}})(?P<be>{_SP}?BE)?{_M}"
)
_GEN_TIME = (
    rf"(?:(?P<ap0>{_alts(AMPM_BEFORE)}){_SP}?)?(?P<h>\d{{1,2}})(?P<ts>[:.])(?P<mi>\d{{2}})"
    rf"(?:(?P=ts)(?P<s>\d{{2}}))?(?:{_SP}?(?P<ap>{_alts(AMPM_AFTER)}))?{_M}"
)
_LAYOUTS = {
    "android": rf"^(?P<lm>[\u200e\u200f]?){_GEN_DATE}[,،]?{_SP}{_GEN_TIME}{_SP}?[-–]{_SP}",
    "ios": rf"^(?P<lm>[\u200e\u200f]?)\[{_GEN_DATE}[,،]?{_SP}{_GEN_TIME}\]{_SP}?",
    "ios-time-first": rf"^(?P<lm>[\u200e\u200f]?)\[{_GEN_TIME}[,،]?{_SP}{_GEN_DATE}\]{_SP}?",
}
_GENERAL = {k: re.compile(v, re.IGNORECASE) for k, v in _LAYOUTS.items()}


@dataclass(frozen=True)
class Style:
    """The header style of one file, decided from its first lines."""

    layout: str
    dsep: str
    tsep: str
    marks: bool  # direction marks inside the date (Arabic)
    era: bool  # Japanese era letters or a " BE" suffix
    ampm: bool
    year_first: bool

    def regex(self, part: str = "line") -> re.Pattern[str]:
        """One compiled expression for exactly this style (no alternatives it does not use).

        ``part="line"`` matches a header at a line start, with a named group per field;
        ``"date"``/``"time"`` match just that part of a header, whole.
        """
        pat, ignore_case = self._pattern(part, r"\d")
        return re.compile(pat, re.IGNORECASE if ignore_case else 0)

    def header_pattern(self, sample: str | None = None) -> str:
        """The header of a line as a pattern for RE2 (Arrow's regular expressions).

        Groups: ``head`` (the whole header, with a direction mark before it and the space
        after it), ``date``, ``time`` (up to the minutes, with an East Asian AM/PM marker
        before it), ``sec`` (the seconds, if shown), ``tail`` (the AM/PM marker and marks
        after the time). RE2's ``\\d`` is ASCII only; ``\\p{Nd}`` is what Python's ``\\d``
        matches (Arabic-Indic digits too).

        With ``sample`` (the text of some of the file's headers), the digits, spaces,
        separators and AM/PM markers are only the ones those headers use: a narrower pattern
        that RE2 matches several times faster, and that matches the same way on the lines it
        matches. A header that writes one of them otherwise is left to the full pattern.
        """
        digit = r"\p{Nd}"
        if sample is not None:
            zeros = sorted({chr(ord(c) - int(c)) for c in sample if c.isdecimal()})
            digit = "[" + "".join(f"{z}-{chr(ord(z) + 9)}" for z in zeros) + "]" if zeros else digit
        pat, ignore_case = self._pattern("header", digit, sample)
        return ("(?i)" if ignore_case else "") + pat

    def _pattern(self, part: str, digit: str, sample: str | None = None) -> tuple[str, bool]:
        header = part == "header"
        low = None if sample is None else sample.lower()

        def g(name: str, body: str) -> str:
            return f"(?:{body})" if header else f"(?P<{name}>{body})"

        def cls(chars: str) -> str:  # a class of those characters (of those in the sample)
            keep = [c for c in chars if low is None or c in low] or list(chars)
            return "[" + "".join(keep).replace("-", "\\-") + "]"

        def alts(words: dict[str, bool]) -> str:
            return _alts({w: v for w, v in words.items() if low is None or w.lower() in low})

        sp = cls(" \u00a0\u202f")
        m = cls("\u200e\u200f") + "*" if self.marks else ""
        ds = re.escape(self.dsep)
        d1 = g("d1", digit + ("{4}" if self.year_first else "{1,2}"))
        d3 = g("d3", digit + ("{2}" if self.year_first else "{1,4}"))
        era = g("era", "[MTSHR]") + "?" if self.era else g("era", "")
        be = rf"(?:{sp}?BE)?" if self.era else ""
        d2 = g("d2", digit + "{1,2}")
        date = rf"{m}{d1}{m}{ds}{m}{d2}{m}{ds}{m}{era}{d3}{be}{m}"
        after, before = alts(AMPM_AFTER), alts(AMPM_BEFORE)
        ap = rf"(?:{sp}?{g('ap', after)})?" if self.ampm and after else g("ap", "")
        ap0 = rf"(?:{g('ap0', before)}{sp}?)?" if self.ampm and before else g("ap0", "")
        ts = re.escape(self.tsep)
        h, mi = g("h", digit + "{1,2}"), g("mi", digit + "{2}")
        time = rf"{ap0}{h}{ts}{mi}(?:{ts}{g('s', digit + '{2}')})?{ap}{m}"
        if part in ("date", "time"):
            return (date if part == "date" else time) + r"\Z", self.ampm
        if header:  # the time without its seconds, the seconds, what follows them
            date = f"(?P<date>{date})"
            time = rf"(?P<time>{ap0}{h}{ts}{mi})(?:{ts}(?P<sec>{digit}{{2}}))?(?P<tail>{ap}{m})"
        lm = g("lm", cls("\u200e\u200f") + "?")
        comma = cls(",\u060c")
        # Where the sample narrows a class, a header written otherwise fails to match, except
        # at the optional space that ends an iOS header: that one keeps every space.
        if self.layout == "android":
            pat = rf"{lm}{date}{comma}?{sp}{time}{sp}?{cls('-–')}{sp}"
        elif self.layout == "ios":
            pat = rf"{lm}\[{date}{comma}?{sp}{time}\]{_SP}?"
        else:
            pat = rf"{lm}\[{time}{comma}?{sp}{date}\]{_SP}?"
        return (f"^(?P<head>{pat})" if header else "^" + pat), self.ampm


def detect_style(lines: list[str]) -> Style | None:
    """The header style of the first non-empty lines, or None if they are not a WhatsApp export."""
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        return None
    best = None
    for name, rx in _GENERAL.items():
        if rx.match(first) is None:
            continue
        hits = [m for m in (rx.match(ln) for ln in lines) if m]
        if best is None or len(hits) > len(best[1]):
            best = (name, hits)
    if best is None:
        return None
    name, hits = best
    return Style(
        layout=name,
        dsep=hits[0].group("ds"),
        tsep=hits[0].group("ts"),
        marks=any(c in "\u200e\u200f" for m in hits for c in m.group(0)[1:]),
        era=any(m.group("era") or m.group("be") for m in hits),
        ampm=any(m.group("ap") or m.group("ap0") for m in hits),
        year_first=len(hits[0].group("d1")) == 4,
    )


# -- what a message is -----------------------------------------------------------------------

MEDIA_OMITTED = frozenset(
    {
        "<Media omitted>",
        "<media omitted>",
        "<Média vynechány>",
        "<Media weggelaten>",
        "<Без медиафайлов>",
        "<Medien ausgeschlossen>",
        "<Médias omis>",
        "<Multimedia omitido>",
        "<Mídia oculta>",
        "<Arquivo de mídia oculto>",
        "<Media omessi>",
        "<Medya dahil edilmedi>",
        "<Media tidak disertakan>",
        "<Медіафайли пропущено>",
        "<تم استبعاد الوسائط>",
    }
)
DELETED = frozenset(
    v
    for s in (
        "This message was deleted",
        "You deleted this message",
        "Tato zpráva byla odstraněna.",
        "Tuto zprávu jste odstranil/a.",
        "Dit bericht is verwijderd",
        "U hebt dit bericht verwijderd",
        "Данное сообщение удалено.",
        "Вы удалили данное сообщение.",
        "Ce message a été supprimé.",
        "Vous avez supprimé ce message.",
        "Diese Nachricht wurde gelöscht.",
        "Du hast diese Nachricht gelöscht.",
        "Esta mensagem foi apagada.",
        "Apagou esta mensagem.",
        "Esta mensagem foi eliminada.",
        "Se eliminó este mensaje.",
        "Eliminaste este mensaje.",
        "Це повідомлення було видалено.",
        "Ви видалили це повідомлення.",
        "यह मैसेज डिलीट कर दिया गया है.",
        "आपने यह मैसेज डिलीट किया.",
        "Pesan ini dihapus.",
        "Anda menghapus pesan ini.",
        "Tin nhắn này đã bị xóa.",
        "Bạn đã xoá tin nhắn này.",
        "Tin nhắn này đã bị xoá.",
        "تم حذف هذه الرسالة.",
        "لقد حذَفت هذه الرسالة.",
        "أنت حذفت هذه الرسالة.",
    )
    for v in (s.rstrip("."), s.rstrip(".") + ".")
)
_ATTACHED = re.compile(
    r"^(.+?\.\w{1,6}) \((?:file attached|bestand bijgevoegd|soubor byl přiložen|файл добавлен|"
    r"файл додано|Datei angehängt|fichier joint|archivo adjunto|arquivo anexado|"
    r"ficheiro anexado|file allegato|dosya ekli|file terlampir)\)$"
)
# System notices that WhatsApp writes under a name (the chat's) on Android.
_NOTICE = re.compile(
    "end-to-end|Ende-zu-Ende|de bout en bout|de extremo a extremo|ponta a ponta|ponto a ponto|"
    "сквозным шифрованием|наскрізним|koncovým šifrováním|terenkripsi|mã hóa đầu cuối|"
    "security code|Sicherheitsnummer|code de sécurité|código de seguridad|código de segurança"
)
# Group notices that iOS writes under the group's name, with a direction mark.
_GROUP_EVENT = re.compile(
    r" created group | changed the subject | changed this group's icon| deleted this group's icon"
    r"| changed the group description| changed the settings| changed their phone number"
    r"| pinned a message| turned (?:on|off) disappearing messages"
)
_YOU = frozenset({"you", "You", "Du", "dich", "vous", "Vous", "te", "ti", "você", "Você"})
_EVENTS: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(p), w)
    for p, w in (
        (
            r"^(?:You|Du|Vous|Tú|Você) (?:were added|wurdest hinzugefügt|avez été ajouté|fuiste añadido|foi adicionado)$",
            10,
        ),
        (
            r"^(?:You|Du|Vous) (?:joined using this group's invite link|joined|left|were removed)$",
            0,
        ),
        (r"^(?P<a>.+?) added (?P<b>.+)$", 1),
        (r"^(?P<b>.+?) joined using this (?:group|community)'s invite link$", 1),
        (r"^(?P<b>.+?) joined$", 1),
        (r"^(?P<b>.+?) left$", -1),
        (r"^(?P<a>.+?) removed (?P<b>.+)$", -1),
        (r"^(?P<a>.+?) hat (?P<b>.+?) hinzugefügt$", 1),
        (r"^(?P<b>.+?) ist (?:über den Einladungslink dieser Gruppe )?beigetreten$", 1),
        (r"^(?P<b>.+?) hat die Gruppe verlassen$", -1),
        (r"^(?P<a>.+?) hat (?P<b>.+?) entfernt$", -1),
        (r"^(?P<a>.+?) a ajouté (?P<b>.+)$", 1),
        (r"^(?P<b>.+?) a rejoint .+$", 1),
        (r"^(?P<b>.+?) est parti(?:e)?$", -1),
        (r"^(?P<a>.+?) a retiré (?P<b>.+)$", -1),
        (r"^(?P<a>.+?) añadió a (?P<b>.+)$", 1),
        (r"^(?P<b>.+?) se unió usando el enlace de invitación de este grupo$", 1),
        (r"^(?P<b>.+?) salió del grupo$", -1),
        (r"^(?P<a>.+?) eliminó a (?P<b>.+)$", -1),
        (r"^(?P<a>.+?) adicionou (?P<b>.+)$", 1),
        (r"^(?P<b>.+?) entrou usando o link de convite deste grupo$", 1),
        (r"^(?P<b>.+?) saiu$", -1),
        (r"^(?P<a>.+?) removeu (?P<b>.+)$", -1),
    )
)
_AND = re.compile(r", | and | und | et | y | e ")


def membership_events(text: str) -> list[tuple[str, int]]:
    """``[(person, +1 join | -1 leave), ...]`` for a system line, empty if it is not one.

    >>> membership_events("Dmitry S removed +7 999 999-99-99")
    [('+7 999 999-99-99', -1)]
    """
    for rx, w in _EVENTS:
        m = rx.match(text)
        if m is None:
            continue
        if w == 10:
            return [("you", 1)]
        if w == 0:
            return [("you", -1 if (" left" in text or "removed" in text) else 1)]
        names = [n.strip() for n in _AND.split(m.group("b")) if n.strip()]
        return [("you" if n in _YOU else n, w) for n in names]
    return []


def chat_slug(path: Path) -> str:
    """The chat's id from an export's file name (``WhatsApp Chat with X.txt`` → ``x``)."""
    stem = path.stem.replace("\u00a0", " ")
    stem = re.sub(
        r"^(?:WhatsApp Chat with |WhatsApp Chat - |WhatsApp Chat – |WhatsApp-Chat mit |"
        r"Chat de WhatsApp con |Chat WhatsApp s uživatelem |Discussion WhatsApp avec |"
        r"Conversa do WhatsApp com |Чат WhatsApp с |WhatsApp-chat met |WhatsApp Chat met )",
        "",
        stem,
        flags=re.IGNORECASE,
    )
    return re.sub(r"\W+", "-", stem.lower()).strip("-") or "chat"


# -- reading the text, from a .txt or from inside a .zip -------------------------------------


def _chat_member(zf: zipfile.ZipFile) -> zipfile.ZipInfo | None | list[str]:
    """The chat inside an export zip: ``_chat.txt``, or the one ``.txt`` that starts like a chat."""
    txts = [
        i
        for i in zf.infolist()
        if not i.is_dir()
        and i.filename.lower().endswith(".txt")
        and not i.filename.startswith("__MACOSX/")
    ]
    for i in txts:
        if i.filename.rsplit("/", 1)[-1] == "_chat.txt":
            return i
    chats = []
    for i in txts:
        with zf.open(i) as fh:
            head = fh.read(4096).decode("utf-8", "replace").lstrip("\ufeff")
        if detect_style(head.splitlines()[:20]) is not None:
            chats.append(i)
    if len(chats) == 1:
        return chats[0]
    return [i.filename for i in chats] if chats else None


class _Input:
    """Opens the chat text of a source (``.txt`` or ``.zip``) as a binary stream, as often as needed."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.member: zipfile.ZipInfo | None = None
        self.size = source.size
        norm = source.encoding.lower().replace("-", "").replace("_", "")
        self.wide = norm.startswith(("utf16", "utf32"))
        self.codec = "utf-8-sig" if norm in ("utf8", "utf8sig") else source.encoding
        with source.open_binary() as fh:
            is_zip = fh.read(4) == b"PK\x03\x04"
        if not is_zip:
            return
        try:
            with zipfile.ZipFile(source.path) as zf:
                found = _chat_member(zf)
        except ZIP_ERRORS as e:
            raise source.error(
                f"the zip archive is damaged ({e})",
                hint="export the chat again, or unzip it and import the .txt",
            ) from None
        if found is None:
            raise source.error(
                "the zip holds no WhatsApp chat (.txt) file",
                hint="export the chat from WhatsApp again (More > Export chat)",
            )
        if isinstance(found, list):
            raise source.error(
                f"the zip holds several chats: {', '.join(found)}",
                hint="unzip it and import each .txt file separately",
            )
        self.member = found
        self.size = max(found.file_size, 1)

    def open(self) -> tuple[IO[bytes], Callable[[], None]]:
        if self.member is None:
            fh = self.source.open_binary()
            return fh, fh.close
        try:
            zf = zipfile.ZipFile(self.source.path)
            fh = zf.open(self.member)
        except ZIP_ERRORS as e:
            raise self.source.error(
                f"the zip archive is damaged ({e})",
                hint="export the chat again, or unzip it and import the .txt",
            ) from None

        def close() -> None:
            fh.close()
            zf.close()

        return fh, close

    def blocks(self, first: int = BLOCK, size: int = BLOCK) -> Iterator[tuple[int, list[str], int]]:
        """Yield ``(first line number, lines, bytes read so far)``, decoding strictly.

        The first block reads ``first`` bytes, the others ``size``.
        """
        src = self.source
        if self.wide:
            yield from self._wide_blocks()
            return
        dec = codecs.getincrementaldecoder(self.codec)("strict")
        line_no = 1
        for block, done, last in self._raw_blocks(first, size):
            try:
                text = dec.decode(block, final=last)
            except UnicodeDecodeError as e:
                bad_line = line_no + block.count(b"\n", 0, e.start)
                raise encoding_error(src, block, e, f"line {bad_line}") from None
            if text:
                lines = text.replace("\r\n", "\n").split("\n")
                if lines[-1] == "":
                    lines.pop()
                yield line_no, lines, done
                line_no += len(lines)
            if last:
                return

    def utf8_blocks(self) -> Iterator[tuple[bytes, int]]:
        """Yield ``(UTF-8 bytes, bytes read so far)``, in blocks that may end inside a line.

        A UTF-8 file is passed on as read, without decoding it (the parser has Arrow check
        that its bytes are UTF-8); other encodings are decoded and encoded.
        """
        if self.wide or self.codec != "utf-8-sig":
            for _, lines, done in self.blocks():
                yield "".join(ln + "\n" for ln in lines).encode(), done
            return
        done = 0
        for chunk in self._reads(BLOCK, BLOCK):
            if not done and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[3:]
                done = 3
            done += len(chunk)
            yield chunk, done

    def _raw_blocks(self, first: int, size: int) -> Iterator[tuple[bytes, int, bool]]:
        """Yield ``(bytes of whole lines, bytes read so far, is the last)``: ``first`` bytes,
        then ``size`` bytes at a time, cut after the last newline (the rest goes with the next)."""
        read = 0
        rest = b""
        for chunk in self._reads(first, size):
            read += len(chunk)
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            block, rest = data[:cut], data[cut:]
            if block:
                yield block, read, False
        yield rest, read, True

    def _reads(self, first: int, size: int) -> Iterator[bytes]:
        """The chat's bytes: ``first`` bytes, then ``size`` bytes at a time."""
        fh, close = self.open()
        read = 0
        try:
            while True:
                try:
                    chunk = fh.read(first if not read else size)
                except ZIP_ERRORS as e:
                    raise self.source.error(
                        f"the zip archive is damaged ({e})",
                        locator=f"byte {read}",
                        hint="export the chat again",
                    ) from None
                if not chunk:
                    return
                read += len(chunk)
                yield chunk
        finally:
            close()

    def _wide_blocks(self) -> Iterator[tuple[int, list[str], int]]:
        fh, close = self.open()
        wrapper = io.TextIOWrapper(fh, encoding=self.source.encoding, errors="strict", newline=None)
        line_no = 1
        try:
            while True:
                lines = wrapper.readlines(BLOCK)
                if not lines:
                    return
                lines = [
                    ln.rstrip("\n").lstrip("\ufeff") if line_no == 1 and i == 0 else ln.rstrip("\n")
                    for i, ln in enumerate(lines)
                ]
                yield line_no, lines, fh.tell() if fh.seekable() else 0
                line_no += len(lines)
        except UnicodeDecodeError as e:
            raise encoding_error(self.source, e.object, e, f"line {line_no}") from None
        finally:
            close()


def _is_utf8(buf: pa.Buffer, end: int) -> bool:
    """Whether the first ``end`` bytes of ``buf`` are UTF-8 (Arrow's check, faster than decoding)."""
    offsets = pa.py_buffer(np.array([0, end], np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, buf).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


# -- date order --------------------------------------------------------------------------------


def resolve_date_order(source: Source, inp: _Input, style: Style, rx: re.Pattern[str]) -> str:
    """``dmy``/``mdy`` (or ``ymd``/``ydm``) from the option, else from the dates in the file."""
    opt = (source.options.date_order or "").lower() or None
    if opt is not None and opt not in ("dmy", "mdy", "ymd", "ydm"):
        raise source.error(
            f"unknown date order '{opt}'",
            field="--date-order",
            hint="use --date-order dmy (day first) or --date-order mdy (month first)",
        )
    if style.year_first:
        if opt in ("ymd", "ydm"):
            return opt
        a, b = "ydm", "ymd"  # a middle field above 12 is a day
    else:
        if opt in ("dmy", "mdy"):
            return opt
        a, b = "dmy", "mdy"
    i1 = rx.groupindex["d1"] if not style.year_first else rx.groupindex["d2"]
    i2 = rx.groupindex["d2"] if not style.year_first else rx.groupindex["d3"]
    match = rx.match
    dates: list[tuple[int, int, int]] = []
    iy = rx.groupindex.get("d3") if not style.year_first else None
    for _, lines, _ in inp.blocks(first=1 << 16):
        for line in lines:
            m = match(line)
            if m is None:
                continue
            if int(m.group(i1)) > 12:
                return a
            if int(m.group(i2)) > 12:
                return b
            if iy is not None:
                d = (int(m.group(iy)), int(m.group(i1)), int(m.group(i2)))
                if not dates or dates[-1] != d:
                    dates.append(d)
    if style.year_first:
        return "ymd"
    # No day above 12: an export lists messages in time order, so when only one reading of
    # the dates keeps them in order, that reading is the phone's.
    in_order = {
        order: all(x <= y for x, y in zip(keys, keys[1:], strict=False))
        for order, keys in (
            ("mdy", [(yr, f1, f2) for yr, f1, f2 in dates]),
            ("dmy", [(yr, f2, f1) for yr, f1, f2 in dates]),
        )
    }
    if in_order["dmy"] != in_order["mdy"]:
        return "dmy" if in_order["dmy"] else "mdy"
    raise source.error(
        "the dates in this chat could be day/month or month/day: no day above 12 settles it",
        field="--date-order",
        hint="re-run with --date-order dmy (day first, e.g. 31/12/24) or --date-order mdy "
        "(month first, e.g. 12/31/24), as the phone that exported it shows dates",
    )


def _year(raw: str, era: str | None) -> int:
    y = int(raw)
    if era:
        return {"R": 2018, "H": 1988, "S": 1925, "T": 1911, "M": 1867}[era.upper()] + y
    if y < 100:
        return 2000 + y
    if y >= 2400:  # Buddhist Era (Thai calendar)
        return y - 543
    return y


# -- the parser --------------------------------------------------------------------------------


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
        elif membership_events(body.translate(_NO_MARKS).strip()):
            return True
    return len(authors) > 2


def _detect(s: Sniff) -> float:
    head = s.head
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(s.path) as zf:
                found = _chat_member(zf)
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
    inp = _Input(source)
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
    order = resolve_date_order(source, inp, style, rx)
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
    yield from _parse(source, inp, style, order, slug, chat_pid, container_kind, you, sample)


def _parse(
    source: Source,
    inp: _Input,
    style: Style,
    order: str,
    slug: str,
    chat_pid: str,
    container_kind: str,
    you: str,
    sample: str,
) -> Iterator[Batch]:
    """Read the export block by block (see :class:`_Blocks`), a batch per block."""
    blocks = _Blocks(source, style, order, slug, chat_pid, container_kind, you, sample)
    carry = b""
    line_no = 1
    started = False
    done = 0
    for data, done in inp.utf8_blocks():
        carry, line_no, started = _no_gc(blocks.chunk, carry + data, line_no, False, started)
        if blocks.pending():
            yield blocks.flush(int(done * source.size / inp.size))
    _, _, started = _no_gc(blocks.chunk, carry, line_no, True, started)
    if not started:
        raise source.error("the chat export holds no messages", hint="export the chat again")
    yield blocks.flush(int(done * source.size / inp.size))


_DELETED = pa.array(sorted(DELETED), pa.string())
_NULL = pa.scalar(None, pa.string())


class _Blocks:
    """Turns blocks of an export's bytes into item tables, membership edges and rejects.

    A block is UTF-8 bytes, carried over from the block before up to the start of its last
    message. numpy finds where its lines start, and Arrow matches the style's header pattern
    (:meth:`Style.header_pattern`, in RE2) at the start of every line at once: the lines that
    match start a message, the others continue the one before. From there a message is a few
    byte offsets into the block (where its header line starts, where the header ends, where
    its first ``:`` is, where its first line and its text end), and the names, the texts and
    the rest of the header lines are cut out of the block at those offsets as Arrow columns
    (:class:`_Cutter`). Times come from the distinct date and time strings, read once each
    (:class:`_Clock`). Only the messages that are not a plain ``Name: text`` (system lines,
    media, deleted, direction marks, quotes in the name ...) go through the message rules one
    by one, in :func:`_classify`. The last message of a block is carried into the next one,
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
        self.clock = _Clock(style, order, source.tz)
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
        cut = _Cutter(data)
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

    def _check_utf8(self, cut: _Cutter, end: int, line0: int) -> None:
        """Refuse the file if the block's first ``end`` bytes are not UTF-8, naming the line."""
        if _is_utf8(cut.buf, end):
            return
        try:
            cut.data[:end].decode("utf-8")
        except UnicodeDecodeError as e:
            line = line0 + cut.data.count(b"\n", 0, e.start)
            raise encoding_error(self.source, cut.data, e, f"line {line}") from None

    def _messages(
        self,
        cut: _Cutter,
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
                author, kind, txt = _classify(rest, conts.get(k), lm, is_known, k)
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
                cache[a] = a.translate(_NO_MARKS).strip()
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


class _Cutter:
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


class _Clock:
    """Local dates and times of one style, read in one zone, cached per distinct string."""

    def __init__(self, style: Style, order: str, tz: ZoneInfo) -> None:
        self.date_rx, self.time_rx = style.regex("date"), style.regex("time")
        self.ampm_words = {k.lower(): v for k, v in {**AMPM_AFTER, **AMPM_BEFORE}.items()}
        self.fields = {
            "dmy": ("d3", "d2", "d1"),
            "mdy": ("d3", "d1", "d2"),
            "ymd": ("d1", "d2", "d3"),
            "ydm": ("d1", "d3", "d2"),
        }[order]
        self.tz = tz
        self.has_ampm = style.ampm
        # date string -> (naive epoch of local midnight, UTC offset or None on a day the zone
        # changes offset) or the error; time string -> seconds of the day or the error
        self.dates: dict[str, tuple[int, int | None] | Exception] = {}
        self.times: dict[str, int | Exception] = {}

    def time(self, key: str) -> int | Exception:
        """Seconds of the day of a time string, or why it is impossible."""
        v = self.times.get(key)
        if v is None:
            v = self.times[key] = self._time(key)
        return v

    def date(self, key: str) -> tuple[int, int | None] | Exception:
        """(naive epoch of local midnight, its fixed UTC offset or None) of a date string."""
        v = self.dates.get(key)
        if v is None:
            v = self.dates[key] = self._date(key)
        return v

    def _time(self, key: str) -> int | Exception:
        m = self.time_rx.match(key)
        try:
            if m is None:
                raise ValueError(f"time {key!r}")
            hour, minute = int(m["h"]), int(m["mi"])
            sec = int(m["s"]) if m["s"] else 0
            if self.has_ampm:
                ap = m["ap"] or m["ap0"]
                if ap:
                    pm = self.ampm_words.get(
                        ap.lower().replace("\u00a0", " ").replace("\u202f", " ")
                    )
                    if pm is None or hour > 12:
                        raise ValueError(f"hour {hour} with {ap}")
                    if pm and hour != 12:
                        hour += 12
                    elif not pm and hour == 12:
                        hour = 0
            if hour > 23 or minute > 59 or sec > 59:
                raise ValueError(f"time {hour}:{minute:02d}:{sec:02d}")
        except ValueError as e:
            return e
        return hour * 3600 + minute * 60 + sec

    def _date(self, key: str) -> tuple[int, int | None] | Exception:
        m = self.date_rx.match(key)
        p_y, p_mo, p_d = self.fields
        tz = self.tz
        try:
            if m is None:
                raise ValueError(f"date {key!r}")
            day = dt.date(_year(m[p_y], m["era"]), int(m[p_mo]), int(m[p_d]))
            naive = (day.toordinal() - 719163) * 86400
            start = dt.datetime(day.year, day.month, day.day, 0, 0, tzinfo=tz).utcoffset()
            end = dt.datetime(day.year, day.month, day.day, 23, 59, tzinfo=tz).utcoffset()
        except (ValueError, OverflowError) as e:
            return e
        off = int(start.total_seconds()) if start == end and start is not None else None
        return naive, off

    def stamp(self, date: str, time: str) -> int | Exception:
        """The UTC epoch of one header, or why it is impossible (the slow way, one by one)."""
        secs = self.time(time)
        if isinstance(secs, Exception):
            return secs
        day = self.date(date)
        if isinstance(day, Exception):
            return day
        naive, off = day
        if off is not None:
            return naive + secs - off
        d = dt.datetime.fromtimestamp(naive, dt.UTC)
        h, rem = divmod(secs, 3600)
        try:
            local = dt.datetime(d.year, d.month, d.day, h, *divmod(rem, 60), tzinfo=self.tz)
            return int(local.timestamp())
        except (ValueError, OverflowError) as e:
            return e

    def stamps(
        self, dates: pa.Array, mins: pa.Array, secs: pa.Array
    ) -> tuple[np.ndarray, np.ndarray]:
        """UTC epochs of whole columns of date, time (to the minute) and seconds strings.

        Each distinct string is read once. ``ok`` is False where a field is impossible (or on
        a day the zone changes offset more than once): those rows are for :meth:`stamp`.
        """
        day, ok = _per_distinct(dates, self._day, 4)
        tsec, ok_t = _per_distinct(mins, self._day_seconds, 1)
        ssec, ok_s = _per_distinct(secs, _seconds, 1)
        local = tsec[:, 0] + ssec[:, 0]  # seconds since local midnight
        naive, before, after, change = day.T
        return naive + local - np.where(local < change, before, after), ok & ok_t & ok_s

    def _day(self, key: str) -> tuple[int, int, int, int] | None:
        """(naive epoch of local midnight, UTC offset before the change, after it, local
        second of the day it changes at: 86400 if it does not) of a date string."""
        d = self.date(key)
        if isinstance(d, Exception):
            return None
        naive, off = d
        if off is not None:
            return naive, off, off, 86400
        change = self._change(naive)
        return None if change is None else (naive, *change)

    def _change(self, naive: int) -> tuple[int, int, int] | None:
        """(offset before, offset after, first local second with the offset after) of a day
        whose offset changes once, as zoneinfo reads local times (``fold=0``: a time that
        occurs twice is the first, a skipped time takes the offset before the change)."""
        midnight = dt.datetime.fromtimestamp(naive, dt.UTC).replace(tzinfo=None)

        def offset(second: int) -> int:
            local = (midnight + dt.timedelta(seconds=second)).replace(tzinfo=self.tz)
            return int(local.utcoffset().total_seconds())  # type: ignore[union-attr]

        marks = [*range(0, 86400, 3600), 86399]
        offs = [offset(m) for m in marks]
        steps = [i for i in range(len(marks) - 1) if offs[i] != offs[i + 1]]
        if len(steps) != 1:
            return None
        lo, hi = marks[steps[0]], marks[steps[0] + 1]
        while hi - lo > 1:  # offset(lo) is the one before, offset(hi) the one after
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if offset(mid) == offs[0] else (lo, mid)
        return offs[0], offs[-1], hi

    def _day_seconds(self, key: str) -> tuple[int] | None:
        v = self.time(key)
        return None if isinstance(v, Exception) else (v,)


def _seconds(key: str) -> tuple[int] | None:
    if not key:
        return (0,)
    v = int(key)
    return (v,) if v <= 59 else None


def _per_distinct(
    col: pa.Array, fn: Callable[[str], tuple[int, ...] | None], width: int
) -> tuple[np.ndarray, np.ndarray]:
    """``fn`` of each string of ``col``, called once per distinct string: the values of
    each row (``width`` columns) and whether ``fn`` gave any."""
    enc = pc.dictionary_encode(col)
    vals = [fn(k) for k in enc.dictionary.to_pylist()]
    ok = np.array([v is not None for v in vals], dtype=bool)
    num = np.array([(0,) * width if v is None else v for v in vals], dtype=np.int64)
    idx = enc.indices.to_numpy()
    return num.reshape(-1, width)[idx], ok[idx]


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


def _classify(
    rest: str,
    cont: list[str] | None,
    lm: str,
    is_known: Callable[[str, int], bool],
    k: int,
) -> tuple[str | None, str, str | None]:
    """``(author, kind, text)`` of a message from the rest of its header line and its other lines."""
    i = rest.find(": ")
    author = None
    if 0 < i <= 100 and rest.find('"', 0, i) < 0 and rest.find("“", 0, i) < 0:
        author, body = rest[:i], rest[i + 2 :]
    elif rest.endswith(":") and 0 < len(rest) <= 101 and '"' not in rest:
        author, body = rest[:-1], ""
    else:
        j = rest.find(":")
        if j > 0 and is_known(rest[:j], k):
            author, body = rest[:j], rest[j + 1 :]
        else:
            body = rest
    kind = "message"
    text: str | None
    if author is None:
        kind, text = "system", body.translate(_NO_MARKS).strip()
    elif lm or (body and body[0] in "\u200e\u200f"):
        # iOS marks media, deleted and system lines with a direction mark
        caption = "\n".join(cont) if cont else None
        clean = body.translate(_NO_MARKS).strip()
        if lm and (clean in DELETED or clean.rstrip(".") in DELETED):
            kind, text = "deleted", None
        elif (
            lm
            and not cont
            and (membership_events(clean) or _NOTICE.search(clean) or _GROUP_EVENT.search(clean))
        ):
            # iOS writes a group's notices under the group's name, marked like media
            return None, "system", clean
        elif lm or "<attached:" in body:
            kind = "media"
            j = max(body.rfind("\u200e"), body.rfind("\u200f"))
            pre = body[:j].translate(_NO_MARKS).strip() if j > 0 else ""
            text = "\n".join(p for p in (pre, caption) if p) or None
        elif _ATTACHED.match(clean):
            kind, text = "media", caption
        elif clean in DELETED:
            kind, text = "deleted", None
        elif "://" in clean:
            text = clean if caption is None else clean + "\n" + caption
        else:
            kind, text = "system", clean
    elif body in MEDIA_OMITTED:
        kind, text = "media", "\n".join(cont) if cont else None
    elif not cont and body in DELETED:
        kind, text = "deleted", None
    elif body.endswith(")") and _ATTACHED.match(body) is not None:
        kind, text = "media", "\n".join(cont) if cont else None
    elif body.endswith(".") and len(body) > 30 and _NOTICE.search(body) is not None:
        kind, text = "system", body
    else:
        text = body if not cont else body + "\n" + "\n".join(cont)
    return author, kind, text
