"""Online audience against offline clients: who is over- and under-represented online.

The two sides
-------------
- **Online**: the partner's followers by age and gender, city and language, from the
  insights breakdowns its accounts supplied (``audience_breakdown``, metric ``followers``,
  the last date of the wave per account, summed over its accounts: a person following two
  accounts counts twice); and the languages of the people active in its groups and chats
  (each author's most frequent detected language in the wave, ``und`` left out).
- **Offline**: the partner's client records for the wave (``client_records``); suppressed
  cells are left out, since their counts are unknown.

Harmonised categories
---------------------
Meta reports ages 18-24, 25-34, 35-44, 45-54, 55-64, 65+ (of people 18 and over); client
records use IRCC's bands 0-14, 15-24, 25-44, 45-64, 65+. Both are mapped onto ``under-25``
(online 18-24, clients 15-24: the lower bounds differ, which over-states clients' youngest
band slightly), ``25-44``, ``45-64`` and ``65+``; clients aged 0-14 are left out (children
have no accounts). Gender compares women and men only (Meta reports no other category, and
clients of another or unknown gender are left out of both sides). Cities compare the client
regions: online followers in cities where the partner has no clients are left out. Meta's
locale names (``English (US)``, ``Français (Canada)``, ``ਪੰਜਾਬੀ``) are mapped to ISO 639-1.

Statistics
----------
- Representation ratio RR = online share / client share, with a 95 % interval on the log
  scale (Katz et al. 1978): ``exp(log RR ± 1.96 sqrt(1/a - 1/n1 + 1/c - 1/n2))``, where ``a``
  of ``n1`` online and ``c`` of ``n2`` clients are in the category.
- Index of dissimilarity D = ½ Σ |online share - client share| (Duncan & Duncan 1955): the
  share of the online audience that would have to move category to match the clients.
- Chi-square goodness of fit of the online counts to the client distribution (expected =
  online total × client share), ``scipy.stats.chisquare``.
- Groups (dimension ``group``): women, men, under 25, 45 and over, women 45 and over (the
  clients' share taken as share of women × share aged 45+, as client records hold each
  dimension separately), and rural (the regions named by ``rural_regions``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field

from settlescope.measures.base import MeasureContext, Metric, Row, measure
from settlescope.measures.capacity.common import UNKNOWN_LANGUAGES, org_accounts
from settlescope.measures.reach.audience import audience_of, best, group_owners

Z95 = 1.959963984540054
HARMONISED_AGES = ("under-25", "25-44", "45-64", "65+")
_ONLINE_AGE = {"18-24": "under-25", "25-34": "25-44", "35-44": "25-44", "45-54": "45-64",
               "55-64": "45-64", "65+": "65+"}  # fmt: skip
_CLIENT_AGE = {"15-24": "under-25", "25-44": "25-44", "45-64": "45-64", "65+": "65+"}
_GENDER = {"F": "female", "M": "male", "female": "female", "male": "male"}
_LOCALE = {
    "english": "en", "français": "fr", "francais": "fr", "french": "fr", "ਪੰਜਾਬੀ": "pa",
    "punjabi": "pa", "हिन्दी": "hi", "hindi": "hi", "العربية": "ar", "arabic": "ar",
    "中文": "zh", "chinese": "zh", "filipino": "tl", "tagalog": "tl", "español": "es",
    "espanol": "es", "spanish": "es", "українська": "uk", "ukrainian": "uk", "فارسی": "fa",
    "persian": "fa", "farsi": "fa", "русский": "ru", "português": "pt", "한국어": "ko",
    "tiếng việt": "vi", "اردو": "ur",
}  # fmt: skip


def locale_language(label: str) -> str:
    """ISO 639-1 code of a Meta locale name, or the label itself when unknown.

    Example
    -------
    >>> locale_language("Français (Canada)"), locale_language("中文(简体)"), locale_language("en")
    ('fr', 'zh', 'en')
    """
    s = label.strip()
    if re.fullmatch(r"[a-z]{2,3}(?:[_-][A-Za-z]{2})?", s):
        return s[:2] if len(s.split("_")[0].split("-")[0]) == 2 else s
    base = re.split(r"\s*[(（]", s, maxsplit=1)[0].strip().lower()
    return _LOCALE.get(base, s)


def representation_ratio(a: float, n1: float, c: float, n2: float) -> tuple[float, float, float]:
    """RR = (a/n1) / (c/n2) with its 95 % Katz log interval.

    Example
    -------
    30 of 100 online, 20 of 100 clients: RR = 1.5, SE(log RR) = sqrt(1/30 - 1/100 + 1/20 -
    1/100) = 0.2517, interval exp(log 1.5 ± 1.96 × 0.2517) = (0.916, 2.456).

    >>> [round(x, 3) for x in representation_ratio(30, 100, 20, 100)]
    [1.5, 0.916, 2.456]
    """
    rr = (a / n1) / (c / n2)
    se = math.sqrt(max(0.0, 1 / a - 1 / n1 + 1 / c - 1 / n2))
    return rr, rr * math.exp(-Z95 * se), rr * math.exp(Z95 * se)


def dissimilarity(p: dict[str, float], q: dict[str, float]) -> float:
    """Index of dissimilarity ½ Σ |p_i - q_i| over the union of categories.

    Example
    -------
    >>> dissimilarity({"a": 0.5, "b": 0.5}, {"a": 0.8, "b": 0.2})
    0.3
    """
    keys = set(p) | set(q)
    return round(0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys), 12)


class OfflineParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rural_regions: tuple[str, ...] = Field(
        (), description="Client regions (and follower cities) that count as rural for the "
        "'rural' group; none named, no rural group."
    )  # fmt: skip
    min_count: int = Field(
        1, ge=1, description="Categories with fewer online or client counts get no ratio "
        "(the log interval needs at least one of each)."
    )  # fmt: skip


def _city(label: str) -> str:
    return label.split(",")[0].strip()


def online_counts(ctx: MeasureContext) -> dict[str, dict[str, dict[str, float]]]:
    """Per partner: dimension -> category -> followers (harmonised), and 'age-gender' cells."""

    def make() -> dict[str, dict[str, dict[str, float]]]:
        partners = {o.id for o in ctx.partners}
        orgs = org_accounts(ctx)
        ab = ctx.table("audience_breakdown")
        ab = ab.filter(ab.metric == "followers")
        last = ab.group_by(["account_key", "dimension"]).aggregate(last=ab.date.max())
        ab = ab.join(
            last,
            (ab.account_key == last.account_key) & (ab.dimension == last.dimension)
            & (ab.date == last["last"]),
        )  # fmt: skip
        rows = ab.select("account_key", "dimension", "category", "value").to_pyarrow().to_pylist()
        out: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
        for r in rows:
            partner = orgs.get(r["account_key"])
            if partner not in partners:
                continue
            dim, cat, v = r["dimension"], r["category"] or "", float(r["value"] or 0)
            d = out[partner]
            if dim == "age-gender":
                g, _, age = cat.partition(".")
                band = _ONLINE_AGE.get(age)
                gender = _GENDER.get(g)
                key = f"{gender or 'unknown'}.{band or 'other'}"
                d["age-gender"][key] = d["age-gender"].get(key, 0.0) + v
                if band:
                    d["age_band"][band] = d["age_band"].get(band, 0.0) + v
                if gender:
                    d["gender"][gender] = d["gender"].get(gender, 0.0) + v
            elif dim in ("age", "gender"):
                target = "age_band" if dim == "age" else "gender"
                k = _ONLINE_AGE.get(cat) if dim == "age" else _GENDER.get(cat)
                if k:
                    d[target][k] = d[target].get(k, 0.0) + v
            elif dim == "city":
                d["region"][_city(cat)] = d["region"].get(_city(cat), 0.0) + v
            elif dim == "language":
                lang = locale_language(cat)
                d["language"][lang] = d["language"].get(lang, 0.0) + v
        return {p: {k: dict(v) for k, v in d.items()} for p, d in out.items()}

    return ctx.memo("offline:online", make)


def author_languages(ctx: MeasureContext) -> dict[str, dict[str, float]]:
    """Per partner: language -> people active in its groups and chats (modal language)."""
    owners = {c: o for c, o in group_owners(ctx, ctx.wave).items()
              if o in {p.id for p in ctx.partners}}  # fmt: skip
    if not owners:
        return {}
    orgs = org_accounts(ctx)
    its = ctx.table("items")
    its = its.filter(
        its.container_key.isin(list(owners)) & its.author_key.notnull()
        & its.language.notnull() & ~its.language.isin(list(UNKNOWN_LANGUAGES))
    )  # fmt: skip
    g = its.group_by(["container_key", "author_key", "language"]).aggregate(n=its.count())
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for r in g.to_pyarrow().to_pylist():
        if r["author_key"] in orgs:
            continue
        k = (owners[r["container_key"]], r["author_key"])
        counts[k][r["language"]] = counts[k].get(r["language"], 0) + int(r["n"])
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for (partner, _a), langs in counts.items():
        top = sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        out[partner][top] = out[partner].get(top, 0.0) + 1
    return dict(out)


def client_counts(ctx: MeasureContext) -> dict[str, dict[str, dict[str, float]]]:
    """Per partner: dimension -> category -> clients (harmonised; suppressed cells left out)."""
    cr = ctx.table("client_records")
    cr = cr.filter(cr["count"].notnull() & ~cr.suppressed)
    g = cr.group_by(["partner_id", "dimension", "category"]).aggregate(n=cr["count"].sum())
    out: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for r in g.to_pyarrow().to_pylist():
        dim, cat, n = r["dimension"], r["category"], float(r["n"])
        if dim == "age_band":
            cat = _CLIENT_AGE.get(cat)
        elif dim == "gender":
            cat = cat if cat in ("female", "male") else None
        if cat is None:
            continue
        d = out[r["partner_id"]][dim]
        d[cat] = d.get(cat, 0.0) + n
    return {p: {k: dict(v) for k, v in d.items()} for p, d in out.items()}


def clients_total(ctx: MeasureContext, partner: str) -> float | None:
    """The partner's clients in the wave: the largest total over the dimensions that
    partition clients (all but service type, where a client may count several times)."""
    cr = ctx.table("client_records")
    cr = cr.filter((cr.partner_id == partner) & (cr.dimension != "service_type")
                   & cr["count"].notnull())  # fmt: skip
    g = cr.group_by("dimension").aggregate(n=cr["count"].sum()).to_pyarrow().to_pylist()
    totals = [float(r["n"]) for r in g if r["n"]]
    return max(totals) if totals else None


REP_METRICS = (
    Metric("online-share", "share", "Share of the online side in the category (followers from "
           "insights; for dimension 'author-language', people active in its groups). n = the "
           "online total over the compared categories."),
    Metric("client-share", "share", "Share of the partner's clients in the category (suppressed "
           "cells left out). n = clients over the compared categories."),
    Metric("representation-ratio", "ratio", "online share / client share; 1 = represented as "
           "among clients, below 1 = under-represented online. lower/upper: 95 % Katz log "
           "interval. n = online count in the category."),
    Metric("representation-gap", "points", "online share - client share, in proportion points "
           "(negative = under-represented online)."),
    Metric("representation-status", "flag", "-1 when the interval of the ratio lies below 1 "
           "(under-represented online), +1 when above 1 (over-represented), 0 otherwise."),
    Metric("dissimilarity-index", "share", "½ Σ |online share - client share| over the "
           "compared categories of the dimension (0 = same distribution)."),
    Metric("chi-square", "statistic", "Pearson chi-square of the online counts against the "
           "client distribution (expected = online total × client share); n = categories."),
    Metric("chi-square-p", "p-value", "Its p-value, df = categories - 1."),
)  # fmt: skip

COMPARED = ("age_band", "gender", "region", "language", "author-language")


@measure(
    id="online-vs-clients",
    version=1,
    family="offline",
    title="Online audience against offline clients",
    inputs=("audience_breakdown", "client_records", "items", "items.language", "accounts"),
    scopes=("partner",),
    metrics=REP_METRICS,
    definition="For each partner, its online audience (followers by age, gender, city and "
    "language from insights; languages of the people active in its groups) against its "
    "clients (client records), per harmonised category (dimension age_band, gender, region, "
    "language, author-language; or 'group' for women, men, under 25, 45+, women 45+, rural): "
    "shares, representation ratios with 95 % Katz intervals, gaps, the index of "
    "dissimilarity and a chi-square goodness-of-fit test.",
    references=(
        "Katz, D., Baptista, J., Azen, S. P. & Pike, M. C. (1978). Obtaining confidence "
        "intervals for the risk ratio in cohort studies. Biometrics 34:469-474.",
        "Duncan, O. D. & Duncan, B. (1955). A methodological analysis of segregation indexes. "
        "American Sociological Review 20(2):210-217.",
        "Meta audience insights age bands (18-24 ... 65+) and IRCC client age bands (0-14, "
        "15-24, 25-44, 45-64, 65+).",
    ),
    params=OfflineParams,
)
def online_vs_clients(ctx: MeasureContext) -> Iterator[Row]:
    from scipy.stats import chisquare

    p: OfflineParams = ctx.params
    online = online_counts(ctx)
    authors = author_languages(ctx)
    clients = client_counts(ctx)
    for partner in sorted(clients):
        cl = clients[partner]
        on = dict(online.get(partner, {}))
        if partner in authors:
            on["author-language"] = authors[partner]
        for dim in COMPARED:
            cdim = "language" if dim == "author-language" else dim
            c = cl.get(cdim, {})
            o = on.get(dim, {})
            cats = sorted(k for k in c if c[k] > 0)
            if not cats or not o:
                continue
            o_used = {k: o.get(k, 0.0) for k in cats}
            n1, n2 = sum(o_used.values()), sum(c[k] for k in cats)
            if n1 <= 0:
                continue
            po = {k: v / n1 for k, v in o_used.items()}
            pc = {k: c[k] / n2 for k in cats}
            yield from _category_rows(partner, dim, cats, o_used, c, n1, n2, p.min_count)
            yield Row("partner", partner, "dissimilarity-index", dissimilarity(po, pc),
                      n=int(n1), dimension=dim)  # fmt: skip
            if len(cats) >= 2:
                exp = [n1 * pc[k] for k in cats]
                res = chisquare([o_used[k] for k in cats], exp)
                yield Row("partner", partner, "chi-square", float(res.statistic), n=len(cats),
                          dimension=dim)  # fmt: skip
                yield Row("partner", partner, "chi-square-p", float(res.pvalue), n=len(cats),
                          dimension=dim)  # fmt: skip
        yield from _groups(partner, on, cl, p)


def _category_rows(
    partner: str, dim: str, cats: list[str], o: dict[str, float], c: dict[str, float],
    n1: float, n2: float, min_count: int, categories: dict[str, str] | None = None,
) -> Iterator[Row]:  # fmt: skip
    for k in cats:
        label = categories.get(k, k) if categories else k
        a, cc = o.get(k, 0.0), c.get(k, 0.0)
        yield Row("partner", partner, "online-share", a / n1, n=int(n1), dimension=dim,
                  category=label)  # fmt: skip
        yield Row("partner", partner, "client-share", cc / n2, n=int(n2), dimension=dim,
                  category=label)  # fmt: skip
        yield Row("partner", partner, "representation-gap", a / n1 - cc / n2, dimension=dim,
                  category=label)  # fmt: skip
        if a >= min_count and cc >= min_count and a < n1 and cc < n2:
            rr, lo, hi = representation_ratio(a, n1, cc, n2)
            yield Row("partner", partner, "representation-ratio", rr, n=int(a), lower=lo,
                      upper=hi, dimension=dim, category=label)  # fmt: skip
            status = -1 if hi < 1 else (1 if lo > 1 else 0)
            yield Row("partner", partner, "representation-status", status, dimension=dim,
                      category=label)  # fmt: skip


def _groups(
    partner: str, on: dict[str, dict[str, float]], cl: dict[str, dict[str, float]],
    p: OfflineParams,
) -> Iterator[Row]:  # fmt: skip
    """Groups of interest as two-category comparisons (in the group / not)."""
    out: list[tuple[str, float, float, float, float]] = []  # group, a, n1, c, n2
    og, cg = on.get("gender", {}), cl.get("gender", {})
    oa, ca = on.get("age_band", {}), cl.get("age_band", {})
    if og and cg:
        n1, n2 = sum(og.values()), sum(cg.values())
        out.append(("women", og.get("female", 0.0), n1, cg.get("female", 0.0), n2))
        out.append(("men", og.get("male", 0.0), n1, cg.get("male", 0.0), n2))
    if oa and ca:
        n1, n2 = sum(oa.values()), sum(ca.values())
        old_o = oa.get("45-64", 0.0) + oa.get("65+", 0.0)
        old_c = ca.get("45-64", 0.0) + ca.get("65+", 0.0)
        out.append(("45-plus", old_o, n1, old_c, n2))
        out.append(("under-25", oa.get("under-25", 0.0), n1, ca.get("under-25", 0.0), n2))
        cells = on.get("age-gender", {})
        known = {k: v for k, v in cells.items() if not k.endswith(".other")
                 and not k.startswith("unknown")}  # fmt: skip
        if known and cg:
            n_cells = sum(known.values())
            ow = sum(v for k, v in known.items() if k in ("female.45-64", "female.65+"))
            share_c = (cg.get("female", 0.0) / sum(cg.values())) * (old_c / n2)
            # clients hold age and gender apart: n2 is the smaller of the two totals
            n2w = min(n2, sum(cg.values()))
            out.append(("women-45-plus", ow, n_cells, share_c * n2w, n2w))
    rural = set(p.rural_regions)
    orr, cr = on.get("region", {}), cl.get("region", {})
    if rural and orr and cr:
        cats = [k for k in cr if cr[k] > 0]
        n1 = sum(orr.get(k, 0.0) for k in cats)
        n2 = sum(cr[k] for k in cats)
        if n1 > 0:
            out.append(("rural", sum(orr.get(k, 0.0) for k in cats if k in rural), n1,
                        sum(cr[k] for k in cats if k in rural), n2))  # fmt: skip
    for group, a, n1, c, n2 in out:
        if n1 <= 0 or n2 <= 0:
            continue
        yield from _category_rows(partner, "group", [group], {group: a}, {group: c}, n1, n2, 1)


FPC_METRICS = (
    Metric("followers-per-client", "ratio", "Followers of the partner's accounts at the wave "
           "(platform counts where supplied, else follower lists; as in audience-size) / its "
           "clients in the wave (the largest total over the client dimensions other than "
           "service type). Dimension 'platform' splits the followers; n = clients."),
    Metric("clients", "count", "The partner's clients in the wave (as above)."),
)  # fmt: skip


@measure(
    id="followers-per-client",
    version=1,
    family="offline",
    title="Followers per client",
    inputs=("audience", "interactions", "accounts", "client_records"),
    scopes=("partner",),
    metrics=FPC_METRICS,
    definition="How large a partner's online audience is against its client base: followers "
    "(all platforms, and per platform) per client served in the wave. Client records carry no "
    "platform, so the platform split shows where the audience is, per client served.",
)
def followers_per_client(ctx: MeasureContext) -> Iterator[Row]:
    chosen = best([a for a in audience_of(ctx) if a.kind == "followers"])
    per: dict[str, dict[str | None, float]] = defaultdict(lambda: defaultdict(float))
    for a in chosen.values():
        per[a.org_id][None] += a.value
        per[a.org_id][a.platform] += a.value
    for partner in sorted(o.id for o in ctx.partners):
        n = clients_total(ctx, partner)
        if not n:
            continue
        yield Row("partner", partner, "clients", n)
        for plat, v in sorted(per.get(partner, {}).items(), key=lambda kv: str(kv[0])):
            yield Row("partner", partner, "followers-per-client", v / n, n=int(n),
                      dimension="platform" if plat else None, category=plat)  # fmt: skip
