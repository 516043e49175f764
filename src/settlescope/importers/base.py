"""What an importer is: a small typed spec, a registry, sources, batches and rejects.

An importer is a pure ``parse(source)`` generator of :class:`Batch` objects under the thin
file handling of :class:`Source`. The framework (:mod:`settlescope.importers.run`) turns raw
rows into canonical rows, pseudonymises people, de-duplicates, stores rejects and counts.

Raw rows (what importers yield) use the platform's own identifiers; see :data:`RAW` for the
columns of each table. Every primary row carries ``_locator`` (where it came from in the file)
and may carry ``_raw`` (its source text), so the framework can reject it with its place.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from settlescope.errors import EncodingError, SettlescopeError, UsageError
from settlescope.study.model import ColumnMapping, Study

TS = pa.timestamp("us", tz="UTC")
STRS = pa.list_(pa.string())
STR = pa.string()

# Raw columns per primary table. Optional columns may be absent from a batch.
RAW: dict[str, pa.Schema] = {
    "items": pa.schema(
        [
            ("platform", STR),
            ("platform_id", STR),
            ("container", STR),
            ("container_kind", STR),
            ("author", STR),
            ("author_name", STR),
            ("author_kind", STR),
            ("created_at", TS),
            ("kind", STR),
            ("parent_id", STR),
            ("thread_id", STR),
            ("shared_from", STR),
            ("text", STR),
            ("language", STR),
            ("urls", STRS),
            ("hashtags", STRS),
            ("mentions", STRS),
            ("reactions", pa.int64()),
            ("comments", pa.int64()),
            ("shares", pa.int64()),
            ("views", pa.int64()),
            ("_locator", STR),
            ("_raw", STR),
        ]
    ),
    "interactions": pa.schema(
        [
            ("platform", STR),
            ("kind", STR),
            ("source", STR),
            ("source_name", STR),
            ("source_kind", STR),
            ("target", STR),
            ("target_name", STR),
            ("target_kind", STR),
            ("item_id", STR),
            ("container", STR),
            ("created_at", TS),
            ("weight", pa.float64()),
            ("_locator", STR),
            ("_raw", STR),
        ]
    ),
    "accounts": pa.schema(
        [
            ("platform", STR),
            ("ref", STR),
            ("platform_id", STR),
            ("handle", STR),
            ("display_name", STR),
            ("kind", STR),
        ]
    ),
    "audience": pa.schema(
        [
            ("platform", STR),
            ("account", STR),
            ("account_kind", STR),
            ("date", pa.date32()),
            ("metric", STR),
            ("value", pa.float64()),
            ("definition", STR),
            ("_locator", STR),
            ("_raw", STR),
        ]
    ),
    # Offline client aggregates (no platform): counts as read, before the small-cell rule.
    "client_records": pa.schema(
        [
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("dimension", STR),
            ("category", STR),
            ("count", pa.int64()),
            ("suppressed", pa.bool_()),
            ("_locator", STR),
            ("_raw", STR),
        ]
    ),
    "client_rows": pa.schema(
        [
            ("client_ref", STR),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("attributes", STR),
        ]
    ),
    "audience_breakdown": pa.schema(
        [
            ("platform", STR),
            ("account", STR),
            ("account_kind", STR),
            ("date", pa.date32()),
            ("metric", STR),
            ("dimension", STR),
            ("category", STR),
            ("value", pa.float64()),
            ("definition", STR),
            ("_locator", STR),
            ("_raw", STR),
        ]
    ),
}

# Fields a primary row cannot do without, with the reason code used when one is missing.
REQUIRED: dict[str, tuple[tuple[str, str], ...]] = {
    "items": (("platform_id", "missing-id"), ("created_at", "bad-timestamp")),
    "interactions": (("source", "missing-source"), ("target", "missing-target")),
    "audience": (
        ("account", "missing-account"),
        ("date", "bad-date"),
        ("metric", "missing-metric"),
    ),
    "audience_breakdown": (
        ("account", "missing-account"),
        ("date", "bad-date"),
        ("dimension", "missing-dimension"),
    ),
    "client_records": (("dimension", "missing-dimension"), ("category", "missing-category")),
    "client_rows": (("client_ref", "missing-client"),),
}

Rows = pa.Table | list[dict[str, Any]]


@dataclass(frozen=True)
class Reject:
    """One input record that could not be loaded, with its place and a stable reason code."""

    locator: str
    reason: str
    message: str
    raw: str


@dataclass
class Batch:
    """What a parser yields: primary rows per table, auxiliary rows, and rejects.

    ``rows`` are counted (read = loaded + duplicates + rejected); ``aux`` rows (accounts,
    derived edges) support them and are merged silently. A bulk importer (see
    :class:`ImporterSpec`) yields no rows, only how many it ``staged``, and its rejects.
    """

    rows: dict[str, Rows] = field(default_factory=dict)
    aux: dict[str, Rows] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    bytes_done: int | None = None
    staged: int = 0
    """Records a bulk importer wrote straight into the workspace's raw staging table."""
    aggregated: int = 0
    """Records folded into aggregate rows (client-level client records): counted as read,
    and as loaded when their aggregates are new (as duplicates when they were all there)."""


@dataclass
class ImportOptions:
    encoding: str | None = None
    mapping: ColumnMapping | None = None
    platform: str | None = None
    date_order: str | None = None  # "dmy" or "mdy" for formats with ambiguous dates
    time_zone: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Source:
    """One input file and what the parser needs to know about the study."""

    path: Path
    study: Study | None
    tz: ZoneInfo
    options: ImportOptions = field(default_factory=ImportOptions)
    partner_id: str | None = None
    wave: str | None = None

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def open_binary(self) -> IO[bytes]:
        return self.path.open("rb")

    @property
    def encoding(self) -> str:
        return self.options.encoding or "utf-8"

    def error(
        self,
        message: str,
        *,
        locator: str | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> SettlescopeError:
        from settlescope.errors import FormatError

        return FormatError(message, file=self.name, locator=locator, field=field, hint=hint)

    def text_lines(self) -> Iterator[tuple[int, str, int]]:
        """Yield ``(line_number, line_without_newline, bytes_done)``, decoding strictly.

        Raises :class:`EncodingError` naming ``--encoding`` when a line cannot be decoded.
        """
        enc = self.encoding
        if enc.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
            enc = "utf-8-sig"
        done = 0
        with self.open_binary() as fh:
            first = True
            for n, raw in enumerate(fh, start=1):
                done += len(raw)
                try:
                    line = raw.decode(enc) if not first else codecs.decode(raw, enc)
                except UnicodeDecodeError as e:
                    raise encoding_error(self, raw, e, f"line {n}") from None
                first = False
                yield n, line.rstrip("\r\n"), done


def encoding_error(
    source: Source, raw: bytes, e: UnicodeDecodeError, locator: str
) -> EncodingError:
    """A refusal naming ``--encoding``; ``raw`` is the text in which decoding failed at ``e.start``."""
    guess = "cp1252" if _looks_cp1252(raw[e.start : e.start + 400]) else None
    hint = (
        f"the file looks like Windows-1252 (saved by Excel): re-run with --encoding {guess}"
        if guess
        else "re-run with --encoding NAME (for example --encoding cp1252 or --encoding latin-1)"
    )
    return EncodingError(
        f"the file is not valid {source.encoding} text (byte 0x{raw[e.start]:02x})",
        file=source.name,
        locator=locator,
        hint=hint,
    )


def _looks_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


# -- sniffing and the registry -------------------------------------------------------------


@dataclass(frozen=True)
class Sniff:
    """The first bytes of a file, for detection."""

    path: Path
    head: bytes

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    def text(self) -> str:
        return self.head.decode("utf-8", errors="replace").lstrip("\ufeff")

    @classmethod
    def of(cls, path: Path, n: int = 65536) -> Sniff:
        with Path(path).open("rb") as fh:
            return cls(Path(path), fh.read(n))


@dataclass(frozen=True)
class ImporterSpec:
    """A registered import format."""

    id: str
    name: str
    reads: str
    fills: tuple[str, ...]
    extensions: tuple[str, ...]
    detect: Callable[[Sniff], float]
    parse: Callable[[Source], Iterator[Batch]]
    expect: str
    version: int = 1
    bulk: Callable[[Source, Any], Iterator[Batch] | None] | None = None
    """A faster reader for DuckDB workspaces: ``bulk(source, workspace)`` stages raw rows
    in the workspace itself (see :mod:`settlescope.importers.bulk`) and yields batches that
    count them, or returns None when the file needs ``parse``. Both give the same rows."""


REGISTRY: dict[str, ImporterSpec] = {}


def importer(
    *,
    id: str,
    name: str,
    reads: str,
    fills: tuple[str, ...],
    extensions: tuple[str, ...],
    detect: Callable[[Sniff], float],
    expect: str,
    version: int = 1,
    bulk: Callable[[Source, Any], Iterator[Batch] | None] | None = None,
) -> Callable[[Callable[[Source], Iterator[Batch]]], Callable[[Source], Iterator[Batch]]]:
    """Register ``parse`` as the importer ``id``.

    ``detect`` returns a confidence in [0, 1] that a file is of this format (0 = not it);
    ``expect`` says in plain words what a file of this format looks like, for refusals.
    """

    def deco(parse: Callable[[Source], Iterator[Batch]]) -> Callable[[Source], Iterator[Batch]]:
        if id in REGISTRY:
            raise ValueError(f"importer id '{id}' is registered twice")
        REGISTRY[id] = ImporterSpec(
            id=id,
            name=name,
            reads=reads,
            fills=fills,
            extensions=extensions,
            detect=detect,
            parse=parse,
            expect=expect,
            version=version,
            bulk=bulk,
        )
        return parse

    return deco


def get_importer(format_id: str) -> ImporterSpec:
    from settlescope.importers import load_builtin

    load_builtin()
    try:
        return REGISTRY[format_id]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise UsageError(
            f"unknown format '{format_id}'",
            field="--format",
            hint=f"use one of: {known} (or auto); `settlescope formats` describes them",
        ) from None


def detect_format(path: Path) -> ImporterSpec:
    """Pick the importer for ``path`` from its first bytes and name."""
    from settlescope.errors import FormatError
    from settlescope.importers import load_builtin
    from settlescope.importers.other_kinds import other_kind

    load_builtin()
    sniff = Sniff.of(path)
    other = other_kind(sniff)
    if other is not None:
        raise FormatError(
            f"this is {other.name}, which settlescope does not import",
            file=str(path),
            hint=other.hint,
        )
    scored = sorted(
        ((spec.detect(sniff), spec) for spec in REGISTRY.values()),
        key=lambda s: -s[0],
    )
    scored = [(s, spec) for s, spec in scored if s > 0]
    if not scored:
        raise FormatError(
            "settlescope cannot tell what kind of export this is",
            file=str(path),
            hint="name the format with --format ID; `settlescope formats` lists them",
        )
    best, spec = scored[0]
    ties = [s.id for sc, s in scored[1:] if sc == best]
    if ties:
        raise FormatError(
            f"the file could be any of: {', '.join([spec.id, *ties])}",
            file=str(path),
            hint="name the format with --format ID",
        )
    return spec


def json_text(head: bytes) -> str:
    """Decode a sniffed head for JSON tests, tolerating a BOM and a cut last character."""
    return head.decode("utf-8", errors="ignore").lstrip("\ufeff").lstrip()
