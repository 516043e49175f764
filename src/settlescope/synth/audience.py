"""Audience insights (Meta Business Suite style) and offline client aggregates.

Insights file layout (``insights/<partner>_facebook_page.csv`` and ``<partner>_instagram.csv``)
---------------------------------------------------------------------------------------------
Meta Business Suite exports one table per chart; this file puts the tables of one account in
one CSV, as consecutive *blocks* separated by one empty line. Each block is:

1. a title row with a single cell (``Daily``, ``Age and gender``, ``Top cities``,
   ``Top countries``, ``Language``);
2. a header row;
3. data rows.

The first line of the file is ``sep=,`` (as Excel-oriented Meta exports write it), the second
a metadata row ``Account,<handle>,Platform,<platform>,Metric definition,<views|impressions>``.

- ``Daily``: ``Date,Reach,Views,Follows,Unfollows,Followers total`` — or ``Impressions`` in
  place of ``Views`` where the metric definition is ``impressions`` (the older Meta
  definition, written for the baseline Facebook Page exports so that importers meet both).
  ``Followers total`` is the running total at the end of each day; it ends at the planted
  follower count of the wave, and ``Follows - Unfollows`` equals its daily change.
- ``Age and gender``: ``Age,Women,Men`` with counts of followers at the end of the wave.
- ``Top cities``: ``City,Followers`` (``City, Province``); ``Top countries``:
  ``Country,Followers`` (ISO 3166 alpha-2); ``Language``: ``Language,Followers`` (locale
  names as Meta shows them).

Client aggregates (``clients/<partner>.csv``)
--------------------------------------------
``period_start,period_end,dimension,category,count``; dimensions ``service_type`` (IRCC
service lines; a client may use several, so these counts sum to more than the clients),
``region``, ``language``, ``age_band``, ``gender`` and ``immigration_category`` (each sums to
the number of clients). Counts are raw (not suppressed): suppression is the store's job.

Planted gaps: the online audience under-represents people aged 45 and over, women and rural
residents compared with clients; :func:`plan` records both sides in the truth.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from settlescope.synth.people import COMMUNITIES, OrgSpec

ONLINE_AGES = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
ONLINE_AGE_P = np.array([0.18, 0.33, 0.27, 0.12, 0.07, 0.03])
CLIENT_AGES = ("0-14", "15-24", "25-44", "45-64", "65+")
CLIENT_AGE_P = np.array([0.18, 0.15, 0.40, 0.18, 0.09])
SERVICE_USE = {"IO": 0.76, "NAARS": 0.48, "LT": 0.27, "LA": 0.21, "CC": 0.17, "ERS": 0.09,
               "SS": 0.12, "CM": 0.05}  # fmt: skip
IMM_CATS = ("refugee", "economic_spouse_dependant", "family_sponsored", "economic_principal",
            "temporary_resident", "other")  # fmt: skip
IMM_P = np.array([0.28, 0.26, 0.24, 0.12, 0.06, 0.04])
LANG_LABEL = {"en": "English (US)", "fr": "Français (Canada)", "pa": "ਪੰਜਾਬੀ", "ar": "العربية",
              "zh": "中文(简体)", "tl": "Filipino", "es": "Español", "uk": "Українська"}  # fmt: skip
RURAL_TOWNS: dict[str, tuple[str, ...]] = {
    "Ontario": ("Dryden", "Fort Frances", "Sioux Lookout"),
    "Alberta": ("Brooks", "Olds"),
    "British Columbia": ("Squamish", "Hope"),
    "Quebec": ("Magog", "Coaticook"),
    "Manitoba": ("Steinbach", "Winkler"),
    "Nova Scotia": ("Truro", "Yarmouth"),
}
NEARBY: dict[str, tuple[str, ...]] = {
    "Toronto": ("Mississauga", "Scarborough"),
    "Calgary": ("Airdrie", "Cochrane"),
    "Vancouver": ("Burnaby", "Richmond"),
    "Sherbrooke": ("Granby", "Drummondville"),
    "Winnipeg": ("Brandon", "Selkirk"),
    "Halifax": ("Dartmouth", "Bedford"),
    "Brampton": ("Mississauga", "Caledon"),
    "Kenora": ("Thunder Bay", "Winnipeg"),
}


@dataclass(frozen=True)
class AudiencePlan:
    """Planted audience and client profile of one partner."""

    regions: tuple[str, ...]
    rural: tuple[str, ...]
    client_region_p: np.ndarray
    online_region_p: np.ndarray
    women_client: float
    women_online: float
    online_age_p: np.ndarray
    client_age_p: np.ndarray
    clients: dict[str, int]  # per wave

    def gaps(self) -> dict[str, Any]:
        """Planted client-versus-online representation gaps (shares of each population)."""
        rural_idx = [self.regions.index(r) for r in self.rural]
        c45 = float(self.client_age_p[3:].sum() / self.client_age_p[1:].sum())
        o45 = float(self.online_age_p[3:].sum())
        cr = float(self.client_region_p[rural_idx].sum())
        orr = float(self.online_region_p[rural_idx].sum())
        return {
            "age_45_plus": {"client_share": round(c45, 4), "online_share": round(o45, 4),
                            "note": "clients aged 15+ vs audience 18+"},
            "women": {"client_share": self.women_client, "online_share": self.women_online},
            "rural": {"client_share": round(cr, 4), "online_share": round(orr, 4),
                      "categories": list(self.rural)},
        }  # fmt: skip


def plan(org: OrgSpec, rng: np.random.Generator, scale: float) -> AudiencePlan:
    """Draw one partner's audience and client profile with planted gaps."""
    towns = RURAL_TOWNS.get(org.region, ("Rural area",))
    regions = (org.city, *NEARBY.get(org.city, ()), *towns)
    rural = towns + ((org.city,) if org.rural else ())
    n_urban = len(regions) - len(towns)
    rural_share = 0.55 if org.rural else float(rng.uniform(0.08, 0.14))
    urban = rng.dirichlet(np.full(n_urban, 4.0)) * (1 - rural_share)
    rur = rng.dirichlet(np.full(len(towns), 4.0)) * rural_share
    client_p = np.concatenate([urban, rur])
    damp = np.ones(len(regions))
    for i, r in enumerate(regions):
        if r in rural:
            damp[i] = 0.45
    online_p = client_p * damp
    online_p /= online_p.sum()
    base = int(rng.integers(500, 1800) * scale)
    return AudiencePlan(
        regions=regions,
        rural=rural,
        client_region_p=client_p,
        online_region_p=online_p,
        women_client=0.57,
        women_online=0.47,
        online_age_p=ONLINE_AGE_P,
        client_age_p=CLIENT_AGE_P,
        clients={"baseline": base, "followup": int(base * rng.uniform(1.1, 1.35))},
    )


def _split(total: int, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rng.multinomial(total, p / p.sum())


def clients_rows(
    org: OrgSpec, ap: AudiencePlan, wave: str, start: dt.date, end: dt.date,
    rng: np.random.Generator,
) -> list[list[Any]]:  # fmt: skip
    """Rows of the client aggregates CSV of one partner for one wave."""
    n = ap.clients[wave]
    rows: list[list[Any]] = [["period_start", "period_end", "dimension", "category", "count"]]
    s, e = start.isoformat(), end.isoformat()
    for svc, p in SERVICE_USE.items():
        rows.append([s, e, "service_type", svc, int(rng.binomial(n, p))])
    for r, c in zip(ap.regions, _split(n, ap.client_region_p, rng), strict=True):
        rows.append([s, e, "region", r, int(c)])
    lp = np.array([0.5] + [0.5 / len(org.communities)] * len(org.communities))
    langs = ["en"] + [COMMUNITIES[c].language for c in org.communities]
    agg: dict[str, int] = {}
    for lang, c in zip(langs, _split(n, lp, rng), strict=True):
        agg[lang] = agg.get(lang, 0) + int(c)
    for lang, c in agg.items():
        rows.append([s, e, "language", lang, c])
    for a, c in zip(CLIENT_AGES, _split(n, ap.client_age_p, rng), strict=True):
        rows.append([s, e, "age_band", a, int(c)])
    g = _split(n, np.array([ap.women_client, 1 - ap.women_client - 0.01, 0.01]), rng)
    for cat, c in zip(("female", "male", "another_gender"), g, strict=True):
        rows.append([s, e, "gender", cat, int(c)])
    for cat, c in zip(IMM_CATS, _split(n, IMM_P, rng), strict=True):
        rows.append([s, e, "immigration_category", cat, int(c)])
    return rows


def insights_text(
    handle: str, platform: str, definition: str, start: dt.date, end: dt.date,
    f_start: int, f_end: int, ap: AudiencePlan, langs: tuple[str, ...],
    rng: np.random.Generator,
) -> str:  # fmt: skip
    """The insights CSV text of one account for one wave (layout in the module docstring)."""
    import csv
    import io

    days = (end - start).days + 1
    steps = np.sort(rng.random(days - 1))
    target = np.rint(f_start + (f_end - f_start) * np.concatenate([steps, [1.0]])).astype(int)
    target[-1] = f_end
    prev = np.concatenate([[f_start], target[:-1]])
    change = target - prev
    unf = rng.poisson(max(1.0, f_end * 0.0008), days)
    follows = change + unf
    neg = follows < 0
    unf[neg] -= follows[neg]
    follows[neg] = 0
    reach = np.rint(f_end * rng.uniform(0.03, 0.09, days)).astype(int)
    views = np.rint(reach * rng.uniform(1.3, 2.2, days)).astype(int)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    buf.write("sep=,\n")
    w.writerow(["Account", handle, "Platform", platform, "Metric definition", definition])
    buf.write("\n")
    w.writerow(["Daily"])
    w.writerow(["Date", "Reach", "Views" if definition == "views" else "Impressions",
                "Follows", "Unfollows", "Followers total"])  # fmt: skip
    for i in range(days):
        d = start + dt.timedelta(days=i)
        w.writerow([d.isoformat(), reach[i], views[i], follows[i], unf[i], target[i]])
    buf.write("\n")
    w.writerow(["Age and gender"])
    w.writerow(["Age", "Women", "Men"])
    ages = rng.multinomial(f_end, ap.online_age_p)
    for a, c in zip(ONLINE_AGES, ages, strict=True):
        women = int(rng.binomial(c, ap.women_online))
        w.writerow([a, women, int(c) - women])
    buf.write("\n")
    w.writerow(["Top cities"])
    w.writerow(["City", "Followers"])
    for r, c in zip(ap.regions, rng.multinomial(int(f_end * 0.9), ap.online_region_p), strict=True):
        w.writerow([r, int(c)])
    buf.write("\n")
    w.writerow(["Top countries"])
    w.writerow(["Country", "Followers"])
    for cc, c in zip(
        ("CA", "IN", "PH", "UA", "SY"),
        rng.multinomial(f_end, [0.86, 0.05, 0.04, 0.03, 0.02]),
        strict=True,
    ):
        w.writerow([cc, int(c)])
    buf.write("\n")
    w.writerow(["Language"])
    w.writerow(["Language", "Followers"])
    lp = np.array([0.6] + [0.4 / max(1, len(langs) - 1)] * (len(langs) - 1))
    for lang, c in zip(langs, rng.multinomial(f_end, lp / lp.sum()), strict=True):
        w.writerow([LANG_LABEL[lang], int(c)])
    return buf.getvalue()
