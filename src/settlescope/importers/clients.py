"""Offline client records of a partner (``clients-csv`` and ``clients-xlsx``).

Two layouts are read, from CSV or from the first sheet of an XLSX workbook:

- **aggregate tables**, one row per (period, dimension, category) with a count:
  ``period_start,period_end,dimension,category,count`` (or one ``period`` column holding
  ``2026-01-01/2026-06-30``, ``2026-Q1``, ``2026-03`` or ``2026``);
- **client-level tables**, one row per client, with a client reference column and one
  column per attribute (service type, city or region, language, age band, gender,
  immigration category; a client may use several services, separated by ``;`` or ``|``).
  They are aggregated on import into the same (period, dimension, category) counts; the
  client rows themselves are stored (in ``client_rows``, the reference pseudonymised) only
  when the study opts in with ``[privacy] store_client_rows = true``. Without period
  columns a client-level file covers the wave it is imported into.

Headers and categories are matched on common spellings (``Age group``, ``25 to 44``,
``Femme``, ``Information and Orientation`` ...) onto canonical names. A dimension or an
attribute column that is not one of the six is refused, naming the file, row and column;
a count that is not a whole number, or a row without category, becomes a reject.

The small-cell rule is applied when the counts are stored (see
:func:`settlescope.importers.normalize.canonical_clients`): by default the IRCC rule,
counts of 0 to 5 are suppressed and the others rounded to the nearest 5; the study file
sets it (``[privacy] client_suppress_max`` and ``client_round_to``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import orjson

from settlescope.importers.base import Batch, Reject, Sniff, Source, importer
from settlescope.importers.reading import csv_cells, head_lines

DIMENSIONS = ("service_type", "region", "language", "age_band", "gender", "immigration_category")

# Header spellings of each canonical column (compared lower-cased, with spaces, dashes and
# underscores made equal).
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "period_start": ("period start", "start", "from", "date from", "start date", "period from"),
    "period_end": ("period end", "end", "to", "date to", "end date", "period to"),
    "period": ("period", "reporting period", "quarter", "fiscal period"),
    "dimension": ("dimension", "variable", "breakdown", "attribute"),
    "category": ("category", "value", "group", "level"),
    "count": ("count", "clients", "n", "number", "number of clients", "total", "frequency"),
    "client_ref": ("client ref", "client id", "client", "client number", "id", "unique id",
                   "unique identifier", "client key", "icare id", "client unique identifier"),
    "service_type": ("service type", "service", "services", "service line", "service types",
                     "ircc service", "program"),
    "region": ("region", "city", "city or region", "city region", "municipality", "town",
               "location", "community", "cma"),
    "language": ("language", "preferred language", "first language", "mother tongue",
                 "official language", "language spoken"),
    "age_band": ("age band", "age", "age group", "age range", "age bracket", "agegroup"),
    "gender": ("gender", "sex", "gender identity"),
    "immigration_category": ("immigration category", "immigration status", "category of "
                             "immigrant", "admission category", "immigrant category",
                             "status", "immigration class"),
}  # fmt: skip

_SERVICE = {
    "io": "IO", "information and orientation": "IO", "information orientation": "IO",
    "information & orientation": "IO", "i&o": "IO", "orientation": "IO",
    "naars": "NAARS", "needs assessment and referrals": "NAARS", "needs assessment": "NAARS",
    "needs assessment & referrals": "NAARS", "nars": "NAARS",
    "lt": "LT", "language training": "LT", "linc": "LT", "cours de langue": "LT",
    "la": "LA", "language assessment": "LA", "evaluation linguistique": "LA",
    "ers": "ERS", "employment related services": "ERS", "employment": "ERS",
    "employment services": "ERS", "employment-related services": "ERS",
    "cc": "CC", "community connections": "CC", "connexions communautaires": "CC",
    "ss": "SS", "support services": "SS", "services de soutien": "SS",
    "cm": "CM", "case management": "CM", "gestion de cas": "CM",
}  # fmt: skip
_LANGUAGE = {
    "english": "en", "anglais": "en", "french": "fr", "francais": "fr", "punjabi": "pa",
    "panjabi": "pa", "hindi": "hi", "mandarin": "zh", "chinese": "zh", "chinese mandarin": "zh",
    "cantonese": "yue", "arabic": "ar", "arabe": "ar", "tagalog": "tl", "filipino": "tl",
    "spanish": "es", "espanol": "es", "espagnol": "es", "farsi": "fa", "persian": "fa",
    "dari": "prs", "ukrainian": "uk", "ukrainien": "uk", "russian": "ru", "urdu": "ur",
    "tigrinya": "ti", "somali": "so", "portuguese": "pt", "korean": "ko", "vietnamese": "vi",
}  # fmt: skip
_GENDER = {
    "f": "female", "female": "female", "woman": "female", "women": "female", "femme": "female",
    "femmes": "female", "girl": "female", "m": "male", "male": "male", "man": "male",
    "men": "male", "homme": "male", "hommes": "male", "boy": "male",
    "x": "another_gender", "another gender": "another_gender", "non binary": "another_gender",
    "nonbinary": "another_gender", "other": "another_gender", "autre": "another_gender",
    "another_gender": "another_gender", "gender diverse": "another_gender",
    "unknown": "unknown", "not stated": "unknown", "prefer not to say": "unknown",
}  # fmt: skip
_IMMIGRATION = {
    "refugee": "refugee", "refugees": "refugee", "resettled refugee": "refugee",
    "protected person": "refugee", "government assisted refugee": "refugee", "gar": "refugee",
    "privately sponsored refugee": "refugee", "psr": "refugee",
    "economic principal": "economic_principal", "economic principal applicant":
    "economic_principal", "economic pa": "economic_principal",
    "economic spouse dependant": "economic_spouse_dependant", "economic spouse or dependant":
    "economic_spouse_dependant", "economic spouses and dependants": "economic_spouse_dependant",
    "economic dependant": "economic_spouse_dependant",
    "family": "family_sponsored", "family class": "family_sponsored",
    "family sponsored": "family_sponsored", "sponsored family": "family_sponsored",
    "temporary resident": "temporary_resident", "temporary": "temporary_resident",
    "other": "other", "other immigrants": "other",
}  # fmt: skip
_SUPPRESSED_MARKS = {"<5", "< 5", "--", "x", "s", "supp", "suppressed", "0-5", "*"}


def _norm(s: str) -> str:
    import unicodedata

    s = unicodedata.normalize("NFKD", s.strip().lower())
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"[\s_\-/]+", " ", s).strip()


def header_field(name: str) -> str | None:
    """The canonical column a header names, or None.

    Example
    -------
    >>> header_field("Age Group"), header_field("City/Region"), header_field("notes")
    ('age_band', 'region', None)
    """
    n = _norm(name)
    for canon, aliases in _HEADER_ALIASES.items():
        if n == _norm(canon) or n in {_norm(a) for a in aliases}:
            return canon
    return None


def dimension_of(name: str) -> str | None:
    """The canonical dimension a dimension value (in an aggregate table) names, or None."""
    f = header_field(name)
    return f if f in DIMENSIONS else None


def age_band(value: str) -> str:
    """A client age band in canonical form: ``25-44``, ``65+``.

    Examples
    --------
    >>> age_band("25 to 44"), age_band("65 and over"), age_band("45–64 years"), age_band("30")
    ('25-44', '65+', '45-64', '25-44')
    """
    s = value.strip().lower().replace("\u2013", "-").replace("\u2014", "-")
    if re.fullmatch(r"\d{1,3}", s):
        # an age in years (client-level tables): the IRCC reporting bands
        age = int(s)
        for lo, hi in ((0, 14), (15, 24), (25, 44), (45, 64)):
            if lo <= age <= hi:
                return f"{lo}-{hi}"
        return "65+"
    m = re.fullmatch(r"(\d+)\s*(?:-|to|à|a)\s*(\d+)(?:\s*(?:years|yrs|ans))?", s)
    if m:
        return f"{int(m.group(1))}-{int(m.group(2))}"
    m = re.fullmatch(r"(\d+)\s*(?:\+|and over|and older|or older|ans et plus|plus)", s)
    if m:
        return f"{int(m.group(1))}+"
    m = re.fullmatch(r"(?:under|less than|moins de)\s*(\d+)", s)
    if m:
        return f"0-{int(m.group(1)) - 1}"
    return value.strip()


def category_of(dimension: str, value: str) -> str:
    """A category in canonical spelling for its dimension (unknown spellings kept, trimmed)."""
    v = value.strip()
    n = _norm(v)
    if dimension == "service_type":
        return _SERVICE.get(n, _SERVICE.get(n.replace(" ", ""), v))
    if dimension == "language":
        if re.fullmatch(r"[a-z]{2,3}", n):
            return n
        return _LANGUAGE.get(n, v)
    if dimension == "gender":
        return _GENDER.get(n, v)
    if dimension == "immigration_category":
        return _IMMIGRATION.get(n, n.replace(" ", "_"))
    if dimension == "age_band":
        return age_band(v)
    return v


def parse_period(value: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a period: ``2026-01-01/2026-06-30``, ``2026-Q2``,
    ``2026-03`` or ``2026``.

    Example
    -------
    >>> parse_period("2026-Q2")
    (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    """
    s = value.strip()
    try:
        if "/" in s:
            a, b = s.split("/", 1)
            return dt.date.fromisoformat(a.strip()), dt.date.fromisoformat(b.strip())
        m = re.fullmatch(r"(\d{4})-?Q([1-4])", s, re.I)
        if m:
            y, q = int(m.group(1)), int(m.group(2))
            end_month = 3 * q
            return dt.date(y, end_month - 2, 1), _month_end(y, end_month)
        m = re.fullmatch(r"(\d{4})-(\d{2})", s)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            return dt.date(y, mo, 1), _month_end(y, mo)
        if re.fullmatch(r"\d{4}", s):
            return dt.date(int(s), 1, 1), dt.date(int(s), 12, 31)
    except ValueError:
        return None
    return None


def _month_end(y: int, m: int) -> dt.date:
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


# -- detection -----------------------------------------------------------------------------


def _header_fields(cells: list[str]) -> list[str | None]:
    return [header_field(c) for c in cells]


def _is_aggregate(fields: list[str | None]) -> bool:
    return {"dimension", "category", "count"} <= set(fields)


def _is_client_level(fields: list[str | None]) -> bool:
    return "client_ref" in fields and sum(f in DIMENSIONS for f in fields) >= 2


def _detect_csv(s: Sniff) -> float:
    if s.suffix not in (".csv", ".txt", ".tsv"):
        return 0.0
    lines = [ln for ln in head_lines(s, 2) if ln.strip()]
    if not lines:
        return 0.0
    fields = _header_fields(csv_cells(lines[0]))
    if _is_aggregate(fields):
        return 0.9
    if _is_client_level(fields):
        return 0.7
    return 0.0


def _detect_xlsx(s: Sniff) -> float:
    return 0.6 if s.suffix in (".xlsx", ".xlsm") and s.head[:2] == b"PK" else 0.0


EXPECT = (
    "a table with the columns period_start, period_end, dimension, category, count (one row "
    "per period, dimension and category), or one row per client with a client id column and "
    "attribute columns (service type, region, language, age band, gender, immigration category)"
)


# -- reading -------------------------------------------------------------------------------


def _csv_rows(source: Source) -> Iterator[tuple[str, list[str]]]:
    text = "\n".join(line for _, line, _ in source.text_lines())
    first = text.split("\n", 1)[0]
    from settlescope.importers.reading import sniff_delimiter

    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(first))
    for n, row in enumerate(reader, start=1):
        yield f"line {n}", row


def _xlsx_rows(source: Source) -> Iterator[tuple[str, list[str]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as e:
        raise source.error(
            f"the workbook cannot be opened: {e}",
            hint="save it again from Excel as .xlsx, or export the sheet as CSV",
        ) from None
    try:
        ws = wb.worksheets[0]
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else _cell_text(v) for v in row]
            yield f"sheet '{ws.title}' row {n}", cells
    finally:
        wb.close()


def _cell_text(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _count(value: str) -> tuple[int | None, bool] | None:
    """``(count, suppressed_at_source)``, or None when the value is not a whole number."""
    s = value.strip().replace(",", "").replace("\u202f", "").replace(" ", "")
    if s.lower() in _SUPPRESSED_MARKS:
        return None, True
    if re.fullmatch(r"\d+(?:\.0+)?", s):
        return int(float(s)), False
    return None


def parse_clients(source: Source) -> Iterator[Batch]:
    """Parse a client records table (layouts in the module docstring).

    Yields one batch: aggregate rows as ``client_records`` (counted records) or, for a
    client-level file, the aggregated counts as auxiliary rows, ``aggregated`` set to the
    client rows read, and the client rows themselves when the study stores them.
    """
    if not source.partner_id:
        raise source.error(
            "client records belong to a partner, and none was given",
            hint="name the partner: settlescope import-clients FILE --partner ID --wave W",
        )
    xlsx = source.path.suffix.lower() in (".xlsx", ".xlsm")
    rows = _xlsx_rows(source) if xlsx else _csv_rows(source)
    header: list[str] | None = None
    header_loc = ""
    for loc, cells in rows:
        if any(c.strip() for c in cells):
            header, header_loc = cells, loc
            break
    if header is None:
        raise source.error("the table has no header row", hint=f"expected {EXPECT}")
    fields = _header_fields(header)
    body = ((loc, cells) for loc, cells in rows if any(c.strip() for c in cells))
    if _is_aggregate(fields):
        yield from _aggregate(source, header, fields, body)
    elif "client_ref" in fields:
        yield from _client_level(source, header, header_loc, fields, body)
    else:
        missing = [c for c in ("dimension", "category", "count") if c not in fields]
        raise source.error(
            f"the header does not name the columns of a client table (missing: "
            f"{', '.join(missing)}; no client id column either)",
            locator=header_loc,
            field=", ".join(h for h in header if h) or "(empty header)",
            hint=f"expected {EXPECT}",
        )


def _aggregate(
    source: Source,
    header: list[str],
    fields: list[str | None],
    body: Iterator[tuple[str, list[str]]],
) -> Iterator[Batch]:
    col = {f: i for i, f in enumerate(fields) if f is not None}
    if "period" not in col and not {"period_start", "period_end"} <= set(col):
        raise source.error(
            "the table has no period: it needs period_start and period_end, or a period column",
            locator="header",
            field="period_start",
            hint="add the columns period_start and period_end (YYYY-MM-DD)",
        )
    out: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    for loc, cells in body:
        raw = ",".join(cells)

        def get(name: str, cells: list[str] = cells) -> str:
            i = col.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        dim_text = get("dimension")
        dim = dimension_of(dim_text)
        if dim is None:
            raise source.error(
                f"unknown dimension '{dim_text}'",
                locator=loc,
                field=header[col["dimension"]],
                hint="use one of: " + ", ".join(DIMENSIONS) + " (or a common spelling of "
                "them, such as 'Age group' or 'City')",
            )
        if "period" in col:
            per = parse_period(get("period"))
            start, end = per if per else (None, None)
        else:
            start, end = _date(get("period_start")), _date(get("period_end"))
        if start is None or end is None or end < start:
            rejects.append(
                Reject(
                    loc,
                    "bad-period",
                    "the period is not readable (YYYY-MM-DD, "
                    "YYYY-MM, YYYY-Qn or YYYY) or ends before it starts",
                    raw,
                )  # fmt: skip
            )
            continue
        cat = get("category")
        if not cat:
            rejects.append(Reject(loc, "missing-category", "field 'category' is empty", raw))
            continue
        parsed = _count(get("count"))
        if parsed is None:
            rejects.append(
                Reject(
                    loc,
                    "bad-count",
                    f"count '{get('count')}' is not a whole number "
                    "(or a suppression mark such as '<5' or '--')",
                    raw,
                )  # fmt: skip
            )
            continue
        n, supp = parsed
        out.append(
            dict(period_start=start, period_end=end, dimension=dim,
                 category=category_of(dim, cat), count=n, suppressed=supp, _locator=loc,
                 _raw=raw)
        )  # fmt: skip
    yield Batch(rows={"client_records": out}, rejects=rejects)


def _wave_window(source: Source) -> tuple[dt.date, dt.date] | None:
    if source.study is None or not source.wave:
        return None
    w = source.study.wave(source.wave)
    return w.start, w.end


def _client_level(
    source: Source,
    header: list[str],
    header_loc: str,
    fields: list[str | None],
    body: Iterator[tuple[str, list[str]]],
) -> Iterator[Batch]:
    unknown = [h for h, f in zip(header, fields, strict=True) if f is None and h.strip()]
    if unknown:
        raise source.error(
            f"unknown attribute column '{unknown[0]}' in a client-level table",
            locator=header_loc,
            field=unknown[0],
            hint="client-level tables may hold a client id, period_start/period_end and the "
            "attributes " + ", ".join(DIMENSIONS) + "; remove or rename other columns",
        )
    col = {f: i for i, f in enumerate(fields) if f is not None}
    window = _wave_window(source)
    counts: dict[tuple[dt.date, dt.date, str, str], int] = {}
    kept: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    n_ok = 0
    for loc, cells in body:
        raw = ",".join(cells)

        def get(name: str, cells: list[str] = cells) -> str:
            i = col.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        ref = get("client_ref")
        if not ref:
            rejects.append(Reject(loc, "missing-client", "the client id is empty", raw))
            continue
        if "period_start" in col or "period_end" in col:
            start, end = _date(get("period_start")), _date(get("period_end"))
        elif "period" in col:
            per = parse_period(get("period"))
            start, end = per if per else (None, None)
        elif window is not None:
            start, end = window
        else:
            start = end = None
        if start is None or end is None or end < start:
            rejects.append(Reject(loc, "bad-period", "the period is not readable", raw))
            continue
        attrs: dict[str, Any] = {}
        for dim in DIMENSIONS:
            if dim not in col:
                continue
            v = get(dim)
            if not v:
                continue
            if dim == "service_type":
                cats = [category_of(dim, p) for p in re.split(r"[;|]", v) if p.strip()]
                attrs[dim] = sorted(set(cats))
                for c in attrs[dim]:
                    k = (start, end, dim, c)
                    counts[k] = counts.get(k, 0) + 1
            else:
                c = category_of(dim, v)
                attrs[dim] = c
                k = (start, end, dim, c)
                counts[k] = counts.get(k, 0) + 1
        n_ok += 1
        kept.append(
            dict(client_ref=ref, period_start=start, period_end=end,
                 attributes=orjson.dumps(attrs, option=orjson.OPT_SORT_KEYS).decode())
        )  # fmt: skip
    agg = [
        dict(period_start=s, period_end=e, dimension=d, category=c, count=n, suppressed=False)
        for (s, e, d, c), n in sorted(counts.items(), key=lambda kv: str(kv[0]))
    ]
    store = bool(source.study and source.study.privacy.store_client_rows)
    aux: dict[str, Any] = {"client_records": agg}
    if store:
        aux["client_rows"] = kept
    yield Batch(aux=aux, rejects=rejects, aggregated=n_ok)


@importer(
    id="clients-csv",
    name="Offline client records (CSV)",
    reads="A partner's client aggregates (period, dimension, category, count) or one row "
    "per client, aggregated on import; small cells suppressed on storage",
    fills=("client_records", "client_rows"),
    extensions=(".csv",),
    detect=_detect_csv,
    expect=EXPECT,
)
def parse_clients_csv(source: Source) -> Iterator[Batch]:
    return parse_clients(source)


@importer(
    id="clients-xlsx",
    name="Offline client records (Excel workbook)",
    reads="The same tables as clients-csv, from the first sheet of an .xlsx workbook",
    fills=("client_records", "client_rows"),
    extensions=(".xlsx",),
    detect=_detect_xlsx,
    expect="an .xlsx workbook whose first sheet is " + EXPECT,
)
def parse_clients_xlsx(source: Source) -> Iterator[Batch]:
    return parse_clients(source)
