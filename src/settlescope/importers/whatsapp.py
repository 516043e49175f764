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
  eras. One regular expression is then compiled for that style and used on every line of a
  single streaming pass. A line that does not match it continues the previous message.
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
  day (per time on the days the offset changes), and digits are parsed without strptime.

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
kept in an id.)

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
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc

from settlescope.importers.base import Batch, Reject, Sniff, Source, encoding_error, importer

PLATFORM = "whatsapp"
BATCH = 5000
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
_GROUPS = ("lm", "d1", "d2", "era", "d3", "ap0", "h", "mi", "s", "ap")


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

    def regex(self) -> re.Pattern[str]:
        """One compiled expression for exactly this style (no alternatives it does not use)."""
        m = _M if self.marks else ""
        ds = re.escape(self.dsep)
        d1 = r"(?P<d1>\d{4})" if self.year_first else r"(?P<d1>\d{1,2})"
        d3 = r"(?P<d3>\d{2})" if self.year_first else r"(?P<d3>\d{1,4})"
        era = r"(?P<era>[MTSHR])?" if self.era else "(?P<era>)"
        be = rf"(?:{_SP}?BE)?" if self.era else ""
        date = rf"{m}{d1}{m}{ds}{m}(?P<d2>\d{{1,2}}){m}{ds}{m}{era}{d3}{be}{m}"
        ap = rf"(?:{_SP}?(?P<ap>{_alts(AMPM_AFTER)}))?" if self.ampm else "(?P<ap>)"
        ap0 = rf"(?:(?P<ap0>{_alts(AMPM_BEFORE)}){_SP}?)?" if self.ampm else "(?P<ap0>)"
        ts = re.escape(self.tsep)
        time = rf"{ap0}(?P<h>\d{{1,2}}){ts}(?P<mi>\d{{2}})(?:{ts}(?P<s>\d{{2}}))?{ap}{m}"
        if self.layout == "android":
            pat = rf"^(?P<lm>[\u200e\u200f]?){date}[,،]?{_SP}{time}{_SP}?[-–]{_SP}"
        elif self.layout == "ios":
            pat = rf"^(?P<lm>[\u200e\u200f]?)\[{date}[,،]?{_SP}{time}\]{_SP}?"
        else:
            pat = rf"^(?P<lm>[\u200e\u200f]?)\[{time}[,،]?{_SP}{date}\]{_SP}?"
        return re.compile(pat, re.IGNORECASE if self.ampm else 0)


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
        self, limit: int | None = None, as_text: bool = False
    ) -> Iterator[tuple[int, list[str], int]]:
        """Yield ``(first line number, lines, bytes done)``, decoding strictly.

        With ``as_text`` each block is one string of whole lines (LF line ends) instead.
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
            while True:
                try:
                    chunk = fh.read(BLOCK)
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
    for _, lines, _ in inp.blocks():
        for line in lines:
            m = match(line)
            if m is None:
                continue
            if int(m.group(i1)) > 12:
                return a
            if int(m.group(i2)) > 12:
                return b
    if style.year_first:
        return "ymd"
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
    for _, lines, _ in inp.blocks(limit=1 << 16):
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
    gi = [rx.groupindex[g] - 1 for g in _GROUPS]
    i_lm, i_d1, i_d2, i_era, i_d3, i_ap0, i_h, i_mi, i_s, i_ap = gi
    i_rest = rx.groups  # the group added after the header (see finditer below)
    ampm_words = {k.lower(): v for k, v in {**AMPM_AFTER, **AMPM_BEFORE}.items()}
    # positions of (year, month, day) among (d1, d2, d3)
    p_y, p_mo, p_d = {
        "dmy": (i_d3, i_d2, i_d1),
        "mdy": (i_d3, i_d1, i_d2),
        "ymd": (i_d1, i_d2, i_d3),
        "ydm": (i_d1, i_d3, i_d2),
    }[order]
    tz = source.tz
    utc = dt.UTC
    # Per local day: (naive epoch of local midnight, UTC offset in seconds), the offset being
    # None on a day when the zone changes offset (those times are converted one by one).
    day_cache: dict[tuple[str, str, str, str | None], tuple[int, int | None]] = {}
    author_cache: dict[str, str] = {}
    occurrences: dict[tuple[int, str], int] = {}
    known_authors: set[str] = set()
    has_ampm = style.ampm

    c_pid: list[str] = []
    c_author: list[str | None] = []
    c_created: list[int] = []
    c_kind: list[str] = []
    c_text: list[str | None] = []
    c_line: list[int] = []
    c_raw: list[str] = []
    edges: list[dict[str, Any]] = []
    rejects: list[Reject] = []

    def day_of(key: tuple[str, str, str, str | None]) -> tuple[int, int | None]:
        hit = day_cache.get(key)
        if hit is None:
            y, mo, d, era = key
            day = dt.date(_year(y, era), int(mo), int(d))
            naive = (day.toordinal() - 719163) * 86400
            start = dt.datetime(day.year, day.month, day.day, 0, 0, tzinfo=tz).utcoffset()
            end = dt.datetime(day.year, day.month, day.day, 23, 59, tzinfo=tz).utcoffset()
            off = int(start.total_seconds()) if start == end and start is not None else None
            hit = day_cache[key] = (naive, off)
        return hit

    def clean_author(raw: str) -> str:
        a = author_cache.get(raw)
        if a is None:
            a = author_cache[raw] = raw.translate(_NO_MARKS).strip()
            known_authors.add(raw)
        return a

    def emit(line_no: int, stamp: int, lm: str | None, rest: str, cont: list[str]) -> None:
        while cont and not cont[-1].strip():
            cont.pop()  # blank lines at the end of a message (or of the file) are layout
        full = rest if not cont else rest + "\n" + "\n".join(cont)
        h = hashlib.blake2b(full.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
        okey = (stamp, h)
        n = occurrences.get(okey, 0)
        occurrences[okey] = n + 1
        pid = f"{chat_pid}/{stamp}/{h}/{n}"
        raw_text = full if len(full) <= 4000 else full[:4000]
        # who wrote it
        i = rest.find(": ")
        author = None
        if 0 < i <= 100 and rest.find('"', 0, i) < 0 and rest.find("“", 0, i) < 0:
            author, body = rest[:i], rest[i + 2 :]
        elif rest.endswith(":") and 0 < len(rest) <= 101 and '"' not in rest:
            author, body = rest[:-1], ""
        else:
            j = rest.find(":")
            if j > 0 and rest[:j] in known_authors:
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
            if lm or "<attached:" in body:
                kind = "media"
                k = max(body.rfind("\u200e"), body.rfind("\u200f"))
                pre = body[:k].translate(_NO_MARKS).strip() if k > 0 else ""
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
        if kind == "system":
            author = None
            events = membership_events(text or "")
            if events:
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
                            item_id=pid,
                            created_at=dt.datetime.fromtimestamp(stamp, utc),
                            weight=float(w),
                            _locator=f"line {line_no}",
                            _raw=raw_text,
                        )
                    )
                return
        else:
            author = clean_author(author)  # type: ignore[arg-type]
        c_pid.append(pid)
        c_author.append(author)
        c_created.append(stamp * 1_000_000)
        c_kind.append(kind)
        c_text.append(text)
        c_line.append(line_no)
        c_raw.append(raw_text)

    def flush(done: int) -> Batch:
        n = len(c_pid)
        rows: dict[str, Any] = {}
        if n:
            arrays = {
                k: pa.repeat(pa.scalar(v, pa.string()), n)
                for k, v in (
                    ("platform", PLATFORM),
                    ("container", slug),
                    ("container_kind", container_kind),
                    ("author_kind", "person"),
                )
            }
            author = pa.array(c_author, pa.string())
            lines = pa.array(c_line, pa.int64()).cast(pa.string())
            arrays.update(
                {
                    "platform_id": pa.array(c_pid, pa.string()),
                    "author": author,
                    "author_name": author,
                    "created_at": pa.array(c_created, _TS),
                    "kind": pa.array(c_kind, pa.string()),
                    "text": pa.array(c_text, pa.string()),
                    "_locator": pc.binary_join_element_wise("line", lines, " "),
                    "_raw": pa.array(c_raw, pa.string()),
                }
            )
            rows["items"] = pa.table(arrays)
        if edges:
            rows["interactions"] = list(edges)
        batch = Batch(
            rows=rows, rejects=list(rejects), bytes_done=int(done * source.size / inp.size)
        )
        for col in (c_pid, c_author, c_created, c_kind, c_text, c_line, c_raw, edges, rejects):
            col.clear()
        return batch

    finditer = re.compile(rx.pattern + r"(?P<rest>[^\n]*)", rx.flags | re.MULTILINE).finditer
    cur: tuple[int, int, str | None, str] | None = None
    cont: list[str] = []
    bad: list[Any] | None = None  # a rejected header, which swallows its continuation lines
    started = False
    done = 0
    pending = 0
    last_stamp = 0

    def between(seg: str, line_no: int) -> None:
        """Lines that are not headers: they continue the message (or the rejected header)."""
        lines = seg.split("\n")
        if lines[-1] == "":
            lines.pop()
        if cur is not None:
            cont.extend(lines)
        elif bad is not None:
            bad[1].extend(lines)
        elif not started:
            for k, line in enumerate(lines):
                if line.strip():
                    raise source.error(
                        "this does not look like a WhatsApp chat export: the first line has no "
                        "date and time header",
                        locator=f"line {line_no + k}",
                        hint="expected lines like '18/03/2022, 14:56 - Name: text'",
                    )

    for line_no, text, done in inp.blocks(as_text=True):  # type: ignore[misc]
        pos = 0
        for m in finditer(text):  # type: ignore[arg-type]
            start = m.start()
            if start > pos:
                seg = text[pos:start]
                between(seg, line_no)  # type: ignore[arg-type]
                line_no += seg.count("\n")  # type: ignore[attr-defined]
            pos = m.end() + 1
            started = True
            if cur is not None:
                emit(*cur, cont)
                cont = []
                pending += 1
                cur = None
            elif bad is not None:
                rejects.append(Reject(bad[0], "bad-date", bad[2], "\n".join(bad[1])[:4000]))
                pending += 1
                bad = None
            g = m.groups()
            try:
                hour = int(g[i_h])
                minute = int(g[i_mi])
                sec = int(g[i_s]) if g[i_s] else 0
                if has_ampm:
                    ap = g[i_ap] or g[i_ap0]
                    if ap:
                        pm = ampm_words.get(
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
                naive, off = day_of((g[p_y], g[p_mo], g[p_d], g[i_era]))
                if off is not None:
                    stamp = naive + hour * 3600 + minute * 60 + sec - off
                else:
                    d = dt.datetime.fromtimestamp(naive, utc)
                    stamp = int(
                        dt.datetime(
                            d.year, d.month, d.day, hour, minute, sec, tzinfo=tz
                        ).timestamp()
                    )
            except (ValueError, OverflowError) as e:
                bad = [
                    f"line {line_no}",
                    [m.group(0)],
                    f"the date or time in the header is impossible ({e})",
                ]
                line_no += 1
                continue
            cur = (line_no, stamp, g[i_lm], g[i_rest])
            line_no += 1
            last_stamp = stamp
            if pending >= BATCH:
                yield flush(done)
                pending = 0
                if len(occurrences) > 200_000:
                    # ids only need the count within one second: keep the recent seconds only
                    for key in [key for key in occurrences if key[0] < last_stamp - 86400]:
                        del occurrences[key]
        if pos < len(text):
            seg = text[pos:]
            between(seg, line_no)  # type: ignore[arg-type]
            line_no += seg.count("\n")  # type: ignore[attr-defined]
    if cur is not None:
        emit(*cur, cont)
    elif bad is not None:
        rejects.append(Reject(bad[0], "bad-date", bad[2], "\n".join(bad[1])[:4000]))
    if not started:
        raise source.error("the chat export holds no messages", hint="export the chat again")
    yield flush(done)
