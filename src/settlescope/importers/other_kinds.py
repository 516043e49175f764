"""Files that people bring to a study but that no importer reads, recognised by their first bytes.

``--format auto`` uses these so that it can say what such a file is, instead of guessing a
format for it (an SPSS ``.sav`` file otherwise looks like text in a wrong encoding, and a
subtitle file like a CSV with timecodes for column names).

Example
-------
>>> other_kind(Sniff.of(Path("survey.sav"))).name  # doctest: +SKIP
'an SPSS data file (.sav)'
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from settlescope.importers.base import Sniff

_LISTED = "settlescope imports the exports that `settlescope formats` lists"


@dataclass(frozen=True)
class OtherKind:
    """A kind of file that settlescope does not import: what it is and what to do instead."""

    name: str
    hint: str
    test: Callable[[Sniff], bool]


def _zip_holds(s: Sniff, name: str) -> bool:
    if not s.head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(s.path) as zf:
            return any(n == name or n.endswith("/" + name) for n in zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


_SRT = re.compile(r"\A\s*\d+\r?\n\d{1,2}:\d\d:\d\d[,.]\d{3} --> ")
_SBV = re.compile(r"\A\d+:\d\d:\d\d\.\d{3},\d+:\d\d:\d\d\.\d{3}\r?\n")
_SURVEY = f"{_LISTED}; survey data files are not among them"
_TRANSCRIPT = f"{_LISTED}; transcripts are not among them"

OTHER_KINDS = (
    OtherKind(
        "an SPSS data file (.sav)",
        _SURVEY,
        lambda s: s.head.startswith((b"$FL2", b"$FL3")),
    ),
    OtherKind("an SPSS portable file (.por)", _SURVEY, lambda s: b"SPSS PORT FILE" in s.head[:512]),
    OtherKind("a Stata data file (.dta)", _SURVEY, lambda s: s.head.startswith(b"<stata_dta>")),
    OtherKind(
        "an Excel workbook",
        "save the sheet as CSV (UTF-8) and import that, naming its columns with --map FIELD=COLUMN",
        lambda s: (
            s.head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
            or _zip_holds(s, "xl/workbook.xml")
        ),
    ),
    OtherKind(
        "a WebVTT subtitle or transcript file",
        _TRANSCRIPT,
        lambda s: s.text().startswith("WEBVTT"),
    ),
    OtherKind(
        "an SRT subtitle or transcript file",
        _TRANSCRIPT,
        lambda s: _SRT.match(s.text()) is not None,
    ),
    OtherKind(
        "a YouTube SBV subtitle file",
        _TRANSCRIPT,
        lambda s: _SBV.match(s.text()) is not None,
    ),
    OtherKind(
        "a REFI-QDA project (QDA software exchange)",
        f"{_LISTED}; coded qualitative projects are not among them",
        lambda s: "urn:QDA-XML:project" in s.text()[:4096] or _zip_holds(s, "project.qde"),
    ),
)


def other_kind(s: Sniff) -> OtherKind | None:
    """The kind of a file that no importer reads, if it is one of :data:`OTHER_KINDS`."""
    return next((k for k in OTHER_KINDS if k.test(s)), None)
