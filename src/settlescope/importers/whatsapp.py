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
  eras. One regular expression is then compiled for that style; each 4 MiB block of text is
  cut at the header lines it matches by one ``re.split`` in a single streaming pass. A line
  that does not match it continues the previous message.
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
  day (per time on the days the offset changes); dates and times (to the minute) are parsed
  once per distinct string, without strptime.

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
of the name and text>/<n>``, where ``n`` numbers identical messages sent in the same second. They do
not depend on the line number. (The chat part is a hash of the slug, so a person's name is not
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate, islice, repeat
from operator import add, lshift, lt, or_
from pathlib import Path
from typing import IO, Any

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
        ``"date"``/``"time"`` match just that part of a header, whole; ``"coarse"`` matches a
        header line at any line start (re.M) with the groups ``lm``, ``date``, ``time`` (up to
        the minutes), ``sec`` (the seconds, if shown), ``tail`` (AM/PM and marks after them),
        ``rest`` (the rest of the line), ``a`` (a plain author name, when the line has one)
        and ``b`` (what follows ``a: ``, or the whole rest), ``x`` (empty when the line ends
        with ``)``, ``.`` or ``>``).
        """
        coarse = part == "coarse"

        def g(name: str, body: str) -> str:
            return f"(?:{body})" if coarse else f"(?P<{name}>{body})"

        m = _M if self.marks else ""
        ds = re.escape(self.dsep)
        d1 = g("d1", r"\d{4}" if self.year_first else r"\d{1,2}")
        d3 = g("d3", r"\d{2}" if self.year_first else r"\d{1,4}")
        era = g("era", "[MTSHR]") + "?" if self.era else g("era", "")
        be = rf"(?:{_SP}?BE)?" if self.era else ""
        d2 = g("d2", r"\d{1,2}")
        date = rf"{m}{d1}{m}{ds}{m}{d2}{m}{ds}{m}{era}{d3}{be}{m}"
        ap = rf"(?:{_SP}?{g('ap', _alts(AMPM_AFTER))})?" if self.ampm else g("ap", "")
        ap0 = rf"(?:{g('ap0', _alts(AMPM_BEFORE))}{_SP}?)?" if self.ampm else g("ap0", "")
        ts = re.escape(self.tsep)
        h, mi, sec = g("h", r"\d{1,2}"), g("mi", r"\d{2}"), g("s", r"\d{2}")
        time = rf"{ap0}{h}{ts}{mi}(?:{ts}{sec})?{ap}{m}"
        if coarse:  # the time without its seconds, the seconds, what follows them
            time = rf"(?P<time>{ap0}{h}{ts}{mi})(?:{ts}(?P<sec>\d{{2}}))?(?P<tail>{ap}{m})"
        flags = re.IGNORECASE if self.ampm else 0
        if part in ("date", "time"):
            return re.compile((date if part == "date" else time) + r"\Z", flags)
        if coarse:
            date = f"(?P<date>{date})"
        if self.layout == "android":
            pat = rf"^(?P<lm>[\u200e\u200f]?){date}[,،]?{_SP}{time}{_SP}?[-–]{_SP}"
        elif self.layout == "ios":
            pat = rf"^(?P<lm>[\u200e\u200f]?)\[{date}[,،]?{_SP}{time}\]{_SP}?"
        else:
            pat = rf"^(?P<lm>[\u200e\u200f]?)\[{time}[,،]?{_SP}{date}\]{_SP}?"
        if coarse:
            # x matches (empty) when the line ends like a media, deleted or notice line
            pat += (
                r'(?P<rest>(?:(?P<a>[^\n:"“]{1,100}): (?![\u200e\u200f]))?(?P<b>[^\n]*)'
                r"(?P<x>(?<=[).>]))?)"
            )
            return re.compile(pat, flags | re.MULTILINE)
        return re.compile(pat, flags)


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

    def blocks(
        self, limit: int | None = None, as_text: bool = False, first: int = BLOCK
    ) -> Iterator[tuple[int, list[str], int]]:
        """Yield ``(first line number, lines, bytes done)``, decoding strictly.

        With ``as_text`` each block is one string of whole lines (LF line ends) instead. The
        first block reads ``first`` bytes, the others ``BLOCK``.
        """
        src = self.source
        enc = src.encoding
        norm = enc.lower().replace("-", "").replace("_", "")
        fh, close = self.open()
        try:
            if norm.startswith(("utf16", "utf32")):
                for no, lines, done in self._wide_blocks(fh, enc):
                    yield (
                        (no, "".join(ln + "\n" for ln in lines), done)
                        if as_text
                        else (no, lines, done)
                    )  # type: ignore[misc]
                return
            dec = codecs.getincrementaldecoder("utf-8-sig" if norm in ("utf8", "utf8sig") else enc)(
                "strict"
            )
            line_no = 1
            done = 0
            rest = b""
            size = first
            while True:
                try:
                    chunk = fh.read(size)
                    size = BLOCK
                except ZIP_ERRORS as e:
                    raise src.error(
                        f"the zip archive is damaged ({e})",
                        locator=f"line {line_no}",
                        hint="export the chat again",
                    ) from None
                last = not chunk
                data = rest + chunk
                if last and not data:
                    return
                cut = len(data) if last else data.rfind(b"\n") + 1
                if cut <= 0:
                    rest = data
                    continue
                block, rest = data[:cut], data[cut:]
                try:
                    text = dec.decode(block, final=last)
                except UnicodeDecodeError as e:
                    bad_line = line_no + block.count(b"\n", 0, e.start)
                    raise encoding_error(src, block, e, f"line {bad_line}") from None
                done += len(block)
                if text:
                    text = text.replace("\r\n", "\n")
                    if as_text:
                        yield line_no, text, done  # type: ignore[misc]
                        line_no += text.count("\n")
                    else:
                        lines = text.split("\n")
                        if lines[-1] == "":
                            lines.pop()
                        yield line_no, lines, done
                        line_no += len(lines)
                if last or (limit is not None and done >= limit):
                    return
        finally:
            close()

    def _wide_blocks(self, fh: IO[bytes], enc: str) -> Iterator[tuple[int, list[str], int]]:
        wrapper = io.TextIOWrapper(fh, encoding=enc, errors="strict", newline=None)
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
    for _, lines, _ in inp.blocks(limit=1 << 16, first=1 << 16):
        head_lines.extend(lines)
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
    yield from _parse(source, inp, rx, style, order, slug, chat_pid, container_kind, you)


def _parse(
    source: Source,
    inp: _Input,
    rx: re.Pattern[str],
    style: Style,
    order: str,
    slug: str,
    chat_pid: str,
    container_kind: str,
    you: str,
) -> Iterator[Batch]:
    """The parse loop: each block of text is cut at its headers by one ``re.split``.

    The split gives, per message, the header's date and time strings, the rest of the header
    line (already cut at a plain ``Name: ``) and the text up to the next header (its
    continuation lines). Columns are then built list-wise: times from caches keyed on the date
    and time strings, authors from a cache, ids from one hash each. Only the messages that are
    not a plain one-line ``Name: text`` (system lines, media, deleted, direction marks,
    several lines) go through the message rules one by one, in ``_classify``. The last message
    of a block is carried into the next block, which may hold its continuation lines.
    """
    split = style.regex("coarse").split
    crx = style.regex("coarse")
    stride = crx.groups + 1
    o_lm, o_date, o_time, o_sec, o_tail, o_rest, o_a, o_b, o_x = (
        crx.groupindex[g] for g in ("lm", "date", "time", "sec", "tail", "rest", "a", "b", "x")
    )
    date_rx, time_rx = style.regex("date"), style.regex("time")
    ampm_words = {k.lower(): v for k, v in {**AMPM_AFTER, **AMPM_BEFORE}.items()}
    p_y, p_mo, p_d = {
        "dmy": ("d3", "d2", "d1"),
        "mdy": ("d3", "d1", "d2"),
        "ymd": ("d1", "d2", "d3"),
        "ydm": ("d1", "d3", "d2"),
    }[order]
    tz = source.tz
    utc = dt.UTC
    has_ampm = style.ampm
    # date string -> (naive epoch of local midnight, UTC offset or None on a day the zone
    # changes offset) or the error; time string -> seconds of the day or the error
    dcache: dict[str, tuple[int, int | None] | Exception] = {}
    tcache: dict[str, int | Exception] = {}
    dbase: dict[str, int] = {}  # date string -> UTC epoch of local midnight (fixed-offset days)
    tsec: dict[str, int] = {}
    author_cache: dict[str | None, str | None] = {None: None}
    occurrences: dict[int, int] = {}  # (epoch << 64 | hash) -> messages seen
    deferred: list[tuple[list[int], list[int]]] = []  # (epochs, hashes) not yet in occurrences
    latest = -(1 << 62)  # the latest epoch of the messages so far
    edges: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    consts = {
        k: pa.scalar(v, pa.string())
        for k, v in (
            ("platform", PLATFORM),
            ("container", slug),
            ("container_kind", container_kind),
            ("author_kind", "person"),
        )
    }

    tsep = style.tsep

    def parse_time(key: str) -> int | Exception:
        m = time_rx.match(key)
        try:
            if m is None:
                raise ValueError(f"time {key!r}")
            hour, minute = int(m["h"]), int(m["mi"])
            sec = int(m["s"]) if m["s"] else 0
            if has_ampm:
                ap = m["ap"] or m["ap0"]
                if ap:
                    pm = ampm_words.get(ap.lower().replace("\u00a0", " ").replace("\u202f", " "))
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

    def parse_date(key: str) -> tuple[int, int | None] | Exception:
        m = date_rx.match(key)
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

    def stamp_of(date: str, time: str) -> int | Exception:
        """The UTC epoch of one header (the slow way, for days the offset changes)."""
        secs = tcache.get(time)
        if secs is None:
            secs = tcache[time] = parse_time(time)
        if isinstance(secs, Exception):
            return secs
        day = dcache[date]
        if isinstance(day, Exception):
            return day
        naive, off = day
        if off is not None:
            return naive + secs - off
        d = dt.datetime.fromtimestamp(naive, utc)
        h, rem = divmod(secs, 3600)
        try:
            local = dt.datetime(d.year, d.month, d.day, h, *divmod(rem, 60), tzinfo=tz)
            return int(local.timestamp())
        except (ValueError, OverflowError) as e:
            return e

    def chunk(text: str, line0: int, final: bool, started: bool) -> tuple[str, int]:
        """Parse the messages of ``text`` (all but the last unless ``final``): the carry."""
        parts = split(text)
        n = (len(parts) - 1) // stride
        pre = parts[0]
        if not started and pre:
            for k, line in enumerate(pre.split("\n")):
                if line.strip():
                    raise source.error(
                        "this does not look like a WhatsApp chat export: the first line has no "
                        "date and time header",
                        locator=f"line {line0 + k}",
                        hint="expected lines like '18/03/2022, 14:56 - Name: text'",
                    )
        if n == 0:
            return "", line0 + pre.count("\n")
        bets = parts[stride::stride]
        nl = list(map(str.count, bets, repeat("\n")))
        first = line0 + pre.count("\n")
        line_nos = list(accumulate(nl, initial=first))
        carry = ""
        if not final:
            end = len(text) - len(bets[-1])
            carry = text[text.rfind("\n", 0, end) + 1 :]
            n -= 1
            del parts[1 + n * stride :]
            del bets[n:]
        next_line = line_nos[n]
        if n == 0:
            return carry, next_line
        lms = parts[o_lm::stride]
        dates = parts[o_date::stride]
        times = parts[o_time::stride]
        rests = parts[o_rest::stride]
        auth = parts[o_a::stride]
        bodies = parts[o_b::stride]
        xs = parts[o_x::stride]

        # times: one parse per distinct date and minute, plus the seconds
        secs = parts[o_sec::stride]
        tails = parts[o_tail::stride]
        mins = times if tails.count("") == n else list(map(add, times, tails))
        for key in set(mins).difference(tcache):
            v = tcache[key] = parse_time(key)
            if not isinstance(v, Exception):
                tsec[key] = v
        for key in set(dates).difference(dcache):
            d = dcache[key] = parse_date(key)
            if not isinstance(d, Exception) and d[1] is not None:
                dbase[key] = d[0] - d[1]
        bad: dict[int, Exception] = {}
        sv: list[int] | None = None
        ok = dbase.keys() >= set(dates) and tsec.keys() >= set(mins)
        if ok and secs.count(None) != n:
            try:
                sv = list(map(int, secs))
            except TypeError:  # some headers without seconds
                sv = [int(x) if x else 0 for x in secs]
            ok = max(sv) <= 59
        if ok:
            stamps: list[Any] = list(
                map(add, map(dbase.__getitem__, dates), map(tsec.__getitem__, mins))
            )
            if sv is not None:
                stamps = list(map(add, stamps, sv))
        else:
            stamps = []
            for k, (d, t) in enumerate(zip(dates, mins, strict=True)):
                v = dbase.get(d)
                w = tsec.get(t)
                x = secs[k]
                if v is not None and w is not None and (x is None or int(x) <= 59):
                    stamps.append(v + w + (int(x) if x else 0))
                    continue
                full_time = t if x is None else times[k] + tsep + x + tails[k]
                st = stamp_of(d, full_time)
                if isinstance(st, Exception):
                    bad[k] = st
                    stamps.append(None)
                else:
                    stamps.append(st)

        # continuation lines: the text of a message runs to the next header
        conts: dict[int, list[str]] = {}
        fulls = rests
        several = [] if bets.count("\n") == n else [k for k, b in enumerate(bets) if len(b) > 1]
        for k in several:
            cont = bets[k][1:].split("\n")
            if cont[-1] == "":
                cont.pop()
            if k in bad:
                conts[k] = cont
                continue
            while cont and not cont[-1].strip():
                cont.pop()  # blank lines at the end of a message (or of the file) are layout
            if cont:
                conts[k] = cont
                if fulls is rests:
                    fulls = list(rests)
                fulls[k] = rests[k] + "\n" + "\n".join(cont)
        if bad:
            lines = text.split("\n")
            for k, e in bad.items():
                raw = "\n".join([lines[line_nos[k] - line0], *conts.pop(k, ())])
                rejects.append(
                    Reject(
                        f"line {line_nos[k]}",
                        "bad-date",
                        f"the date or time in the header is impossible ({e})",
                        raw[:4000],
                    )
                )

        # ids: <chat>/<epoch>/<hash of the text>/<n-th identical message in that second>
        # the text came from a strict decode: it holds no lone surrogates
        enc = list(map(str.encode, fulls))
        hs = list(map(or_, map(lshift, map(zlib.crc32, enc), repeat(32)), map(zlib.adler32, enc)))
        nonlocal latest
        secs = [0 if s is None else s for s in stamps] if bad else stamps
        if not bad and secs[0] > latest and all(map(lt, secs, islice(secs, 1, None))):
            # every message in its own second, all after the ones before: each is the first
            # of its (second, hash); their keys are only stored if a later block needs them
            counts = None
            deferred.append((secs, hs))
            latest = secs[-1]
            if sum(len(d[0]) for d in deferred) > 200_000:
                deferred[:] = [d for d in deferred if d[0][-1] >= latest - 86400]
        else:
            for d_secs, d_hs in deferred:
                occurrences.update(
                    dict.fromkeys(map(or_, map(lshift, d_secs, repeat(64)), d_hs), 1)
                )
            deferred.clear()
            keys = list(map(or_, map(lshift, secs, repeat(64)), hs))  # (epoch, hash) as one int
            for k in bad:
                keys[k] = -1
            ukeys = set(keys)
            if not bad and len(ukeys) == n and occurrences.keys().isdisjoint(ukeys):
                occurrences.update(dict.fromkeys(keys, 1))
                counts = None
            else:
                counts = []
                for key in keys:
                    c = occurrences.get(key, 0)
                    occurrences[key] = c + 1
                    counts.append(c)
            latest = max(latest, max(secs))
        pid_arr = pc.binary_join_element_wise(
            chat_pid,
            pa.array(secs, pa.int64()).cast(pa.string()),
            pa.array(hs, pa.uint64()).cast(pa.string()),
            "0" if counts is None else pa.array(counts, pa.int64()).cast(pa.string()),
            "/",
        )
        if len(occurrences) > 200_000:
            # ids only need the count within one second: keep the recent seconds only
            last = max(secs) - 86400
            for key in [key for key in occurrences if key >> 64 < last]:
                del occurrences[key]

        # the plain messages ("Name: text" on one line) are done; the others, one by one
        authors: list[str | None] = auth
        kinds: list[str] | None = None
        texts: list[str | None] = bodies
        drop: set[int] = set(bad)
        cand_set = set(conts)
        if lms.count("") != n:  # a direction mark before the header (iOS media)
            cand_set.update(k for k, lm in enumerate(lms) if lm)
        if None in auth:  # no plain "Name: " (system lines, marks or quotes in the name ...)
            cand_set.update(k for k, a in enumerate(auth) if a is None)
        if xs.count(None) != n:  # ends with ")", "." or ">"
            cand_set.update(k for k, x in enumerate(xs) if x is not None)
        if not DELETED.isdisjoint(bodies):
            cand_set.update(k for k, b in enumerate(bodies) if b in DELETED)
        if cand_set:
            authors, texts, kinds = list(auth), list(bodies), ["message"] * n
            late: dict[str, int] = {}  # raw author -> first row (among the ones done one by one)
            early: dict[str, int] | None = None

            def is_known(name: str, k: int) -> bool:
                nonlocal early
                if name in author_cache or late.get(name, n) < k:
                    return True
                if early is None:
                    early = {}
                    for j in range(n - 1, -1, -1):
                        if j not in cand_set and j not in bad:
                            early[auth[j]] = j  # type: ignore[index]
                return early.get(name, n) < k

            for k in sorted(cand_set):
                if k in drop:
                    continue
                rest = rests[k]
                author, kind, txt = _classify(rest, conts.get(k), lms[k], is_known, k)
                if kind == "system":
                    events = membership_events(txt or "")
                    if events:
                        full = fulls[k]
                        for person, w in events:
                            ref = you if person == "you" else person
                            edges.append(
                                dict(
                                    platform=PLATFORM,
                                    kind="membership",
                                    source=ref,
                                    source_kind="person",
                                    source_name=ref,
                                    target=slug,
                                    target_kind=container_kind,
                                    container=slug,
                                    item_id=pid_arr[k].as_py(),
                                    created_at=dt.datetime.fromtimestamp(stamps[k], utc),
                                    weight=float(w),
                                    _locator=f"line {line_nos[k]}",
                                    _raw=full if len(full) <= 4000 else full[:4000],
                                )
                            )
                        drop.add(k)
                        continue
                    author = None
                elif author not in late:
                    late[author] = k  # type: ignore[index]
                authors[k], kinds[k], texts[k] = author, kind, txt

        # authors: cleaned once per distinct name
        for a in set(authors).difference(author_cache):
            author_cache[a] = a.translate(_NO_MARKS).strip()  # type: ignore[union-attr]
        clean = list(map(author_cache.__getitem__, authors))
        raws = fulls
        if max(map(len, fulls)) > 4000:
            raws = [f if len(f) <= 4000 else f[:4000] for f in fulls]
        author_arr = pa.array(clean, pa.string())
        lines_arr = pa.array(line_nos[:n], pa.int64()).cast(pa.string())
        arrays: dict[str, Any] = {k: pa.repeat(v, n) for k, v in consts.items()}
        arrays.update(
            {
                "platform_id": pid_arr,
                "author": author_arr,
                "author_name": author_arr,
                "created_at": pc.multiply(pa.array(stamps, pa.int64()), 1_000_000).cast(_TS),
                "kind": pa.repeat(pa.scalar("message", pa.string()), n)
                if kinds is None
                else pa.array(kinds, pa.string()),
                "text": pa.array(texts, pa.string()),
                "_locator": pc.binary_join_element_wise("line", lines_arr, " "),
                "_raw": pa.array(raws, pa.string()),
            }
        )
        table = pa.table(arrays)
        if drop:
            table = table.filter(pa.array([k not in drop for k in range(n)]))
        tables.append(table)
        return carry, next_line

    tables: list[pa.Table] = []

    def flush(done: int) -> Batch:
        rows: dict[str, Any] = {}
        if tables:
            rows["items"] = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        if edges:
            rows["interactions"] = list(edges)
        batch = Batch(
            rows=rows, rejects=list(rejects), bytes_done=int(done * source.size / inp.size)
        )
        for col in (tables, edges, rejects):
            col.clear()
        return batch

    carry = ""
    carry_line = 1
    started = False
    done = 0
    for line_no, text, done in inp.blocks(as_text=True):  # type: ignore[misc]
        if carry:
            text = carry + text  # type: ignore[operator]
            line_no = carry_line
        carry, carry_line = _no_gc(chunk, text, line_no, False, started)
        started = started or bool(carry)
        if tables or edges or rejects:
            yield flush(done)
    if carry:
        _no_gc(chunk, carry, carry_line, True, True)
    elif not started:
        raise source.error("the chat export holds no messages", hint="export the chat again")
    yield flush(done)


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
