"""WhatsApp header styles: how an export writes the date and time before each message.

The first lines of a file decide its :class:`Style` (:func:`detect_style`); the style gives
the patterns that find the headers and read their fields, the date order is settled from the
dates (:func:`resolve_date_order`), and :class:`Clock` turns date and time strings into UTC
epochs in the study's zone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from settlescope.importers.base import Source

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


# -- date order --------------------------------------------------------------------------------


def resolve_date_order(
    source: Source, lines: Iterable[str], style: Style, rx: re.Pattern[str]
) -> str:
    """``dmy``/``mdy`` (or ``ymd``/``ydm``) from the option, else from the dates of ``lines``
    (the file's lines, read as far as needed)."""
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


# -- reading dates and times ----------------------------------------------------------------------


class Clock:
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
