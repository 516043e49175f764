"""The Study model: ``study.toml`` parsed and validated.

A study names its partners (settlement provider organizations taking part) and their accounts
per platform, the other organizations of the sector, the waves of data collection, the default
time zone, privacy settings, the taxonomies in use and any named column mappings for the
generic importer.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from settlescope.errors import StudyError

STUDY_FILE = "study.toml"
WORKSPACE_FILE = "workspace.duckdb"
KEY_ENV = "SETTLESCOPE_KEY_FILE"

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"

Platform = Literal[
    "facebook",
    "instagram",
    "whatsapp",
    "telegram",
    "x",
    "tiktok",
    "youtube",
    "reddit",
    "mastodon",
    "bluesky",
    "linkedin",
    "web",
    "other",
]
PLATFORMS: tuple[str, ...] = Platform.__args__  # type: ignore[attr-defined]

AccountKind = Literal["organization", "person", "group", "channel", "page"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Account(_Strict):
    """One account of an organization on one platform."""

    platform: Platform
    handle: str = Field(min_length=1)
    id: str | None = None
    kind: AccountKind = "page"
    name: str | None = None


class Organization(_Strict):
    """A partner or another organization of the settlement sector."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    region: str = ""
    type: str = "settlement-agency"
    time_zone: str | None = None
    accounts: tuple[Account, ...] = ()

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        return _check_zone(v) if v is not None else None


class Wave(_Strict):
    """One round of data collection, such as ``baseline`` or ``followup``."""

    id: str = Field(pattern=ID_PATTERN)
    label: str = ""
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _window(self) -> Wave:
        if self.end < self.start:
            raise ValueError(f"wave '{self.id}' ends ({self.end}) before it starts ({self.start})")
        return self


class Privacy(_Strict):
    """How personal data is handled at import."""

    key_file: str | None = None
    pseudonymise: bool = True
    redact_text: bool = False
    store_client_rows: bool = False
    # The small-cell rule applied to client records on storage (IRCC: counts of 0 to 5 are
    # suppressed, the others rounded to 5). -1 and 1 keep counts as they are.
    client_suppress_max: int = Field(default=5, ge=-1)
    client_round_to: int = Field(default=5, ge=1)


class ColumnMapping(_Strict):
    """A named mapping of a CSV/NDJSON file's columns onto canonical fields."""

    format: Literal["csv", "ndjson"] = "csv"
    platform: Platform = "other"
    table: Literal["items", "interactions"] = "items"
    columns: dict[str, str]
    interaction_kind: str = "reply"
    timestamp_format: str | None = None


class StudyInfo(_Strict):
    name: str = Field(min_length=1)
    time_zone: str = "America/Toronto"
    phase: int = Field(default=1, ge=1, le=6)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, v: str) -> str:
        return _check_zone(v)


class PlannedDeliverable(_Strict):
    """A deliverable of a phase: what it is, when it is due, and the results it rests on.

    ``report`` names a declared deliverable of settlescope (``phase1``, ``toolkit``) whose
    measures decide the status; ``measures`` (families or measure ids) can name them
    instead. ``wave`` is the wave whose results count (default: any wave with data).
    """

    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1)
    due: dt.date
    report: str | None = None
    measures: tuple[str, ...] = ()
    wave: str | None = None


class Phase(_Strict):
    """A phase of the study's programme, with its dates and deliverables."""

    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1)
    start: dt.date
    end: dt.date
    deliverables: tuple[PlannedDeliverable, ...] = ()

    @model_validator(mode="after")
    def _window(self) -> Phase:
        if self.end < self.start:
            raise ValueError(f"phase '{self.id}' ends ({self.end}) before it starts ({self.start})")
        return self


class Taxonomies(_Strict):
    use: tuple[str, ...] = ("ircc-services-v1", "topics-v1", "scams-v1")


class Study(_Strict):
    """A whole study configuration.

    Example
    -------
    >>> s = Study.model_validate({"study": {"name": "Demo"},
    ...     "waves": [{"id": "baseline", "start": "2026-01-01", "end": "2026-06-30"}]})
    >>> s.wave("baseline").label
    ''
    """

    study: StudyInfo
    privacy: Privacy = Privacy()
    waves: tuple[Wave, ...] = Field(min_length=1)
    partners: tuple[Organization, ...] = ()
    sector: tuple[Organization, ...] = ()
    taxonomies: Taxonomies = Taxonomies()
    mappings: dict[str, ColumnMapping] = {}
    # Parameters of measures, one table per measure id: [measures.network-structure] ...
    # Checked against each measure's own parameter model when the measures run.
    measures: dict[str, dict[str, Any]] = {}
    # The programme's phases and their deliverables, for the timeline (Gantt chart).
    phases: tuple[Phase, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Study:
        seen: set[str] = set()
        for org in (*self.partners, *self.sector):
            if org.id in seen:
                raise ValueError(f"organization id '{org.id}' is used twice")
            seen.add(org.id)
        waves = [w.id for w in self.waves]
        if len(set(waves)) != len(waves):
            raise ValueError("a wave id is used twice")
        phases = [p.id for p in self.phases]
        if len(set(phases)) != len(phases):
            raise ValueError("a phase id is used twice")
        known = set(waves)
        for p in self.phases:
            for d in p.deliverables:
                if d.wave and d.wave not in known:
                    raise ValueError(
                        f"deliverable '{d.id}' of phase '{p.id}' names an unknown wave '{d.wave}'"
                    )
        return self

    # -- look-ups ---------------------------------------------------------------------------
    @property
    def organizations(self) -> tuple[Organization, ...]:
        return (*self.partners, *self.sector)

    def wave(self, wave_id: str) -> Wave:
        for w in self.waves:
            if w.id == wave_id:
                return w
        known = ", ".join(w.id for w in self.waves)
        raise StudyError(
            f"unknown wave '{wave_id}'",
            field="waves",
            hint=f"use one of: {known}, or add a [[waves]] table to study.toml",
        )

    def organization(self, org_id: str) -> Organization:
        for o in self.organizations:
            if o.id == org_id:
                return o
        known = ", ".join(o.id for o in self.organizations) or "(none defined)"
        raise StudyError(
            f"unknown partner '{org_id}'",
            field="partners",
            hint=f"use one of: {known}, or add it to study.toml",
        )

    def time_zone_for(self, org_id: str | None) -> ZoneInfo:
        if org_id:
            org = self.organization(org_id)
            if org.time_zone:
                return ZoneInfo(org.time_zone)
        return ZoneInfo(self.study.time_zone)

    def org_accounts(self) -> dict[tuple[str, str], tuple[str, Account]]:
        """Map (platform, lower-cased handle or id) to (organization id, account)."""
        out: dict[tuple[str, str], tuple[str, Account]] = {}
        for org in self.organizations:
            for acc in org.accounts:
                out[(acc.platform, acc.handle.lower().lstrip("@"))] = (org.id, acc)
                if acc.id:
                    out[(acc.platform, acc.id.lower())] = (org.id, acc)
        return out


def _check_zone(v: str) -> str:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"'{v}' is not an IANA time zone such as 'America/Toronto'") from e
    return v


# -- loading -------------------------------------------------------------------------------


def load_study(study_dir: Path) -> Study:
    """Read and validate ``study.toml`` in ``study_dir``.

    Raises
    ------
    StudyError
        Naming the file, the line and the key when the file is missing or invalid.
    """
    path = Path(study_dir) / STUDY_FILE
    if not path.is_file():
        raise StudyError(
            "no study.toml here",
            file=str(path),
            hint=f"create a study with: settlescope init {study_dir}",
        )
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise StudyError(
            f"not valid TOML: {e}",
            file=str(path),
            locator=f"line {m.group(1)}" if m else None,
            hint="fix the syntax at that line (strings need quotes, tables need [brackets])",
        ) from None
    try:
        return Study.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        line = locate_key(text, loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        more = f" (and {len(e.errors()) - 1} more problem(s))" if len(e.errors()) > 1 else ""
        raise StudyError(
            msg + more,
            file=str(path),
            locator=f"line {line}" if line else None,
            field=key,
            hint="see the comments in a fresh study.toml (settlescope init) for what each key takes",
        ) from None


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"]+)\s*=")


def locate_key(text: str, loc: tuple[Any, ...]) -> int | None:
    """Find the line of a pydantic error location in TOML text (1-based), best effort.

    Array-of-tables headers (``[[partners]]``, ``[[partners.accounts]]``) are counted so that
    ``("partners", 1, "accounts", 0, "platform")`` finds the key under the right header.
    """
    counters: dict[str, int] = {}
    current: tuple[Any, ...] = ()
    best: int | None = None
    best_len = -1
    for n, line in enumerate(text.splitlines(), start=1):
        h = _HEADER.match(line)
        if h:
            names = h.group(2).replace('"', "").split(".")
            if h.group(1) == "[[":
                name = ".".join(names)
                # a new element of this array resets counters of nested arrays
                for k in list(counters):
                    if k.startswith(name + "."):
                        del counters[k]
                counters[name] = counters.get(name, -1) + 1
            path: list[Any] = []
            for i, part in enumerate(names):
                path.append(part)
                prefix = ".".join(names[: i + 1])
                if prefix in counters:
                    path.append(counters[prefix])
            current = tuple(path)
            cand = current
        else:
            k = _KEY.match(line)
            if not k:
                continue
            cand = (*current, k.group(1).replace('"', ""))
        common = 0
        for a, b in zip(cand, loc, strict=False):
            if str(a) != str(b):
                break
            common += 1
        if common == len(cand) and common > best_len:
            best, best_len = n, common
    return best


def key_path(study_dir: Path, study: Study) -> Path:
    """Where the pseudonymisation key lives: the environment wins, then the study file."""
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env).expanduser()
    if study.privacy.key_file:
        p = Path(study.privacy.key_file).expanduser()
        return p if p.is_absolute() else (Path(study_dir) / p).resolve()
    raise StudyError(
        "no pseudonymisation key is configured",
        file=str(Path(study_dir) / STUDY_FILE),
        field="privacy.key_file",
        hint=f"set privacy.key_file in study.toml or the {KEY_ENV} environment variable",
    )
