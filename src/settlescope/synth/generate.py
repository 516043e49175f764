"""Generate a synthetic study: ``study.toml``, exports in real formats, manifest and truth.

The generator works container by container (a chat, group or page in one wave), so memory is
bounded by the largest container, and writes every record as soon as it is made. All random
draws come from generators seeded by ``(seed, a stable key)``, so output is byte-identical
for the same seed and size.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from settlescope.errors import UsageError
from settlescope.study.template import PHASES_TOML
from settlescope.synth import audience, platforms, text, threads
from settlescope.synth.network import DEFINITION as NETWORK_DEFINITION
from settlescope.synth.network import NetworkTally
from settlescope.synth.people import (
    COMMUNITIES,
    OrgSpec,
    Population,
    make_partners,
    make_population,
    make_sector,
)
from settlescope.synth.threads import ORG

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SizeSpec:
    """How big a generated study is."""

    items: int
    people: int
    reaction_mean: float
    follower_scale: float
    client_scale: float


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec(50_000, 4_000, 2.0, 1.0, 1.0),
    "medium": SizeSpec(500_000, 30_000, 2.6, 6.0, 3.0),
    "large": SizeSpec(5_000_000, 250_000, 3.4, 40.0, 10.0),
}

WAVES: tuple[tuple[str, str, dt.date, dt.date, float], ...] = (
    ("baseline", "Baseline (phase 1)", dt.date(2026, 1, 1), dt.date(2026, 6, 30), 0.45),
    ("followup", "Follow-up (phase 6)", dt.date(2027, 7, 1), dt.date(2027, 12, 31), 0.55),
)
PLATFORM_SHARE = {"telegram": 0.28, "whatsapp": 0.24, "fbgroup": 0.26, "fbpage": 0.04,
                  "instagram": 0.08, "x": 0.05, "youtube": 0.05}  # fmt: skip
# Planted communities. A replier or reactor comes from the parent author's community with
# probability 1 - MU; a group's members come from its community with share SAME_COMMUNITY.
# Strong enough that Leiden recovers the communities of people with a few ties (NMI > 0.9)
# where people talk to each other (groups); see tests/measures/network/test_planted.py.
MU = 0.08
SAME_COMMUNITY = 0.9
HOSTILE_RATE = 0.004


@dataclass
class SynthResult:
    """What :func:`generate` wrote."""

    out_dir: Path
    manifest_path: Path
    truth_path: Path
    n_items: int
    n_interactions: int
    files: list[Path] = field(default_factory=list)


@dataclass
class Container:
    """A chat, group or page that holds items."""

    key: str
    platform: str  # telegram whatsapp facebook instagram x youtube
    source: str  # telegram, whatsapp, fbgroup, fbpage, instagram, x, youtube
    mode: str  # group page channel
    cid: str  # container id in the generic records
    name: str
    slug: str
    org: OrgSpec | None  # organization whose account posts/answers here
    partner: str | None  # partner id for manifest and truth (None for independent/sector)
    community: int
    zone: str
    weight: float
    style: str | None = None
    chat_type: str | None = None
    members: threads.Members | None = None
    member_order: np.ndarray | None = None
    next_id: int = 1


def _rng(seed: int, *key: object) -> np.random.Generator:
    parts = [seed] + [zlib.crc32(str(k).encode()) for k in key]
    return np.random.default_rng(parts)


# -- study plan ---------------------------------------------------------------------------


@dataclass
class PartnerPlan:
    qa: threads.QAParams
    service_p: np.ndarray
    followers: dict[str, dict[str, int]]  # platform -> {"start", "baseline", "followup"}
    growth: dict[str, float]
    audience: audience.AudiencePlan


def _plan_orgs(
    seed: int, orgs: tuple[OrgSpec, ...], spec: SizeSpec, pop: int
) -> dict[str, PartnerPlan]:
    out = {}
    for org in orgs:
        rng = _rng(seed, "plan", org.id)
        qa = threads.QAParams(
            question_rate=0.3,
            p_org=round(float(rng.uniform(0.2, 0.45)), 3),
            p_peer=round(float(rng.uniform(0.3, 0.45)), 3),
            org_median_min=round(float(rng.uniform(60, 600)), 1),
            org_sigma=1.0,
            peer_median_min=round(float(rng.uniform(15, 90)), 1),
            peer_sigma=1.3,
        )
        service_p = rng.dirichlet(np.full(len(text.SERVICES), 1.5))
        followers: dict[str, dict[str, int]] = {}
        growth: dict[str, float] = {}
        for acc in org.accounts:
            if acc.platform == "whatsapp":
                continue
            base = int(rng.integers(300, 1500) * spec.follower_scale)
            base = min(base, pop // 3)
            g = round(float(rng.uniform(0.05, 0.6)), 3)
            fu = min(int(round(base * (1 + g))), pop // 2)
            followers[acc.platform] = {
                "baseline_start": int(round(base / (1 + g / 4))),
                "baseline": base,
                "followup_start": int(round(base * (1 + g * 0.8))) if fu > base else base,
                "followup": fu,
            }
            followers[acc.platform]["followup_start"] = min(
                followers[acc.platform]["followup_start"], fu
            )
            growth[acc.platform] = g
        out[org.id] = PartnerPlan(
            qa, service_p, followers, growth, audience.plan(org, rng, spec.client_scale)
        )
    return out


def _containers(
    seed: int, partners: tuple[OrgSpec, ...], sector: tuple[OrgSpec, ...]
) -> list[Container]:
    rng = _rng(seed, "containers")
    cs: list[Container] = []
    tz = "America/Toronto"

    def add(**kw: Any) -> None:
        cs.append(Container(weight=float(rng.lognormal(0, 0.6)), **kw))

    n_tg = 0
    for p in partners:
        acc = p.account("telegram")
        if acc:
            add(key=f"tg-{p.id}-channel", platform="telegram", source="telegram", mode="channel",
                cid=acc.id, name=p.name, slug=f"{p.id}-{p.short}-channel", org=p, partner=p.id,
                community=p.communities[0], zone=p.time_zone, chat_type="public_channel")  # fmt: skip
            c = p.communities[0]
            n_tg += 1
            chat_id = 1_700_000_000 + 37 * n_tg
            add(key=f"tg-{p.id}-group", platform="telegram", source="telegram", mode="group",
                cid=str(chat_id), name=f"{p.name} · {COMMUNITIES[c].label}",
                slug=f"{p.id}-{p.short}-community", org=p, partner=p.id, community=c,
                zone=p.time_zone, chat_type="public_supergroup")  # fmt: skip
    for j, c in enumerate((0, 1, 3)):
        chat_id = 1_800_000_000 + 41 * j
        lang = COMMUNITIES[c].language
        add(key=f"tg-ind-{c}", platform="telegram", source="telegram", mode="group",
            cid=str(chat_id), name=f"Canada newcomers ({lang}) chat {j + 1}",
            slug=f"community-{lang}-{j + 1}", org=None, partner=None, community=c, zone=tz,
            chat_type="public_supergroup")  # fmt: skip
    for p in partners:
        if not p.account("whatsapp"):
            continue
        for c in p.communities[:2] if not p.rural else p.communities[:1]:
            lang = COMMUNITIES[c].language
            add(key=f"wa-{p.id}-{c}", platform="whatsapp", source="whatsapp", mode="group",
                cid=f"{p.id}-{lang}-{c}", name=f"{p.short} {lang.upper()} newcomers",
                slug=f"{p.id}-{lang}-{c}", org=p, partner=p.id, community=c, zone=p.time_zone)  # fmt: skip
    for c in (2, 4):
        lang = COMMUNITIES[c].language
        add(key=f"wa-ind-{c}", platform="whatsapp", source="whatsapp", mode="group",
            cid=f"community-{lang}-{c}", name=f"Newcomers {lang.upper()} family chat",
            slug=f"community-{lang}-{c}", org=None, partner=None, community=c, zone=tz)  # fmt: skip
    for n, p in enumerate(partners):
        if not p.account("facebook"):
            continue
        c = p.communities[0]
        add(key=f"fbg-{p.id}", platform="facebook", source="fbgroup", mode="group",
            cid=str(200_000_000_000 + 977 * n), name=f"{p.name} Community Group",
            slug=f"{p.id}-group", org=p, partner=p.id, community=c, zone=p.time_zone)  # fmt: skip
    for j, c in enumerate((5, 6, 7)):
        add(key=f"fbg-ind-{c}", platform="facebook", source="fbgroup", mode="group",
            cid=str(210_000_000_000 + 977 * j), name=f"Newcomers to Canada group {j + 1}",
            slug=f"group-{j + 1}", org=None, partner=None, community=c, zone=tz)  # fmt: skip
    for o in (*partners, *sector):
        for acc in o.accounts:
            pid = o.id if o.id.startswith("p") else None
            if acc.platform == "facebook":
                add(key=f"fbp-{o.id}", platform="facebook", source="fbpage", mode="channel",
                    cid=acc.id, name=o.name, slug=f"{o.id}-page", org=o, partner=pid,
                    community=o.communities[0], zone=tz)  # fmt: skip
            elif acc.platform in ("instagram", "x", "youtube"):
                add(key=f"{acc.platform}-{o.id}", platform=acc.platform, source=acc.platform,
                    mode="page", cid=acc.handle, name=o.name, slug=f"{o.id}-{acc.platform}",
                    org=o, partner=pid, community=o.communities[0], zone=o.time_zone)  # fmt: skip
    styles = platforms.WA_STYLES
    k = 0
    for c in cs:
        if c.platform == "whatsapp":
            c.style = styles[k % len(styles)]
            k += 1
    return cs


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    rest = total - int(out.sum())
    order = np.argsort(-(raw - out), kind="stable")
    out[order[:rest]] += 1
    return out


def _members(seed: int, c: Container, pop: Population, n_total: int) -> None:
    rng = _rng(seed, "members", c.key)
    size = int(np.clip(n_total / 5, 25, pop.size // 3))
    if c.mode == "page":
        size = int(np.clip(n_total, 40, pop.size // 3))
    if c.mode == "channel":
        size = int(np.clip(n_total * 3, 40, pop.size // 3))
    same = np.flatnonzero(pop.community == c.community)
    n_same = min(len(same), int(size * SAME_COMMUNITY))
    chosen = rng.choice(same, size=n_same, replace=False)
    rest = np.setdiff1d(np.arange(pop.size), chosen)
    more = rng.choice(rest, size=size - n_same, replace=False)
    order = rng.permutation(np.concatenate([chosen, more]))
    c.member_order = order
    c.members = threads.Members(order, pop.community[order], pop.activity[order])


# -- writing -------------------------------------------------------------------------------


@dataclass
class Counter:
    """Exact counts of what was written, for the truth file."""

    items: dict[str, dict[str, int]] = field(default_factory=dict)
    system: dict[str, dict[str, int]] = field(default_factory=dict)
    files: dict[str, dict[str, int]] = field(default_factory=dict)
    edges: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)

    def add(self, table: dict, wave: str, key: str, n: int) -> None:
        d = table.setdefault(wave, {})
        d[key] = d.get(key, 0) + n


class Generator:
    """One generation run; see :func:`generate`."""

    def __init__(
        self, out: Path, size: str, seed: int, key_file: Path | None, progress: Progress | None
    ) -> None:
        self.out = out
        self.key_file = key_file
        self.done = 0
        self.spec = SIZES[size]
        self.size = size
        self.seed = seed
        self.progress = progress
        self.partners = make_partners()
        self.sector = make_sector()
        self.pop = make_population(self.spec.people, _rng(seed, "population"))
        self.plans = _plan_orgs(seed, (*self.partners, *self.sector), self.spec, self.pop.size)
        self.containers = _containers(seed, self.partners, self.sector)
        self.count = Counter()
        self.manifest: list[dict[str, Any]] = []
        self.scams: list[dict[str, Any]] = []
        self.scam_originals: list[dict[str, Any]] = []
        self.hostile_seen: dict[str, int] = {}
        self.hostile_counter = 0
        self.qa_real: dict[str, dict[str, int]] = {}
        self.service_real: dict[str, dict[str, int]] = {}
        # the same, per wave, platform and language / kind of post (see _truth)
        self.qa_real_by: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
        self.service_real_by: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
        self.within_edges = [0, 0]
        self.authors_cache: dict[str, list[str]] = {}
        self.n_interactions = 0
        # The planted interaction network, in account numbers: people are their person
        # numbers, organizations' accounts come after them, and the accounts that Telegram
        # forwards name only by display name come last.
        self.org_number = {
            o.id: self.pop.size + k for k, o in enumerate((*self.partners, *self.sector))
        }
        self.name_number: dict[str, int] = {}
        self.net = NetworkTally()  # of the wave being written
        self.networks: dict[str, dict[str, Any]] = {}

    # -- helpers ---------------------------------------------------------------------------
    def _authors(self, platform: str) -> list[str]:
        if platform not in self.authors_cache:
            self.authors_cache[platform] = self.pop.authors(platform)
        return self.authors_cache[platform]

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)

    def _file(self, rel: str, **meta: Any) -> None:
        self.manifest.append({"path": rel, **meta})

    def _accounts(self, c: Container, author: np.ndarray) -> np.ndarray:
        """Account numbers of item authors (person numbers, or ``ORG`` for ``c``'s org)."""
        org = self.org_number[c.org.id] if c.org is not None else -1
        return np.where(author == ORG, org, author)

    def _named_account(self, name: str) -> int:
        """Account number of an account known only by its display name."""
        base = self.pop.size + len(self.org_number)
        return self.name_number.setdefault(name, base + len(self.name_number))

    # -- main ------------------------------------------------------------------------------
    def run(self) -> SynthResult:
        spec = self.spec
        by_source: dict[str, list[Container]] = {}
        for c in self.containers:
            by_source.setdefault(c.source, []).append(c)
        alloc: dict[str, dict[str, int]] = {}
        for w_id, _, _, _, w_share in WAVES:
            wave_total = int(round(spec.items * w_share))
            src_alloc = _allocate(wave_total, np.array(list(PLATFORM_SHARE.values())))
            for src, n_src in zip(PLATFORM_SHARE, src_alloc.tolist(), strict=True):
                cs = by_source[src]
                growth = np.array(
                    [1.0 if w_id == "baseline" else 1.0 + 0.1 * (i % 3) for i in range(len(cs))]
                )
                per = _allocate(n_src, np.array([c.weight for c in cs]) * growth)
                for c, n in zip(cs, per.tolist(), strict=True):
                    alloc.setdefault(c.key, {})[w_id] = n
        for c in self.containers:
            _members(self.seed, c, self.pop, sum(alloc[c.key].values()))
        for w_id, _, start, end, _ in WAVES:
            self._wave(w_id, start, end, alloc)
        self._audience()
        self._study_toml()
        truth_path = self._truth()
        manifest_path = self.out / "manifest.json"
        manifest_path.write_bytes(
            orjson.dumps({"files": self.manifest}, option=orjson.OPT_INDENT_2) + b"\n"
        )
        n_items = sum(sum(d.values()) for d in self.count.items.values())
        files = [self.out / "study.toml", manifest_path, truth_path] + [
            self.out / f["path"] for f in self.manifest
        ]
        return SynthResult(self.out, manifest_path, truth_path, n_items, self.n_interactions, files)

    # -- one wave --------------------------------------------------------------------------
    def _wave(
        self, wave: str, start: dt.date, end: dt.date, alloc: dict[str, dict[str, int]]
    ) -> None:
        base = self.out / "exports" / wave
        for sub in ("telegram", "whatsapp", "facebook", "generic", "insights", "clients"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        gen_paths = {p: f"exports/{wave}/generic/items-{p}.ndjson"
                     for p in ("telegram", "whatsapp", "facebook", "instagram", "x", "youtube")}  # fmt: skip
        gen_fh: dict[str, IO[bytes]] = {
            p: open(self.out / rel, "wb") for p, rel in gen_paths.items()
        }  # noqa: SIM115
        edges_rel = f"exports/{wave}/generic/edges.ndjson"
        edge_fh = open(self.out / edges_rel, "wb")  # noqa: SIM115
        groups_rel = f"exports/{wave}/facebook/groups.ndjson"
        groups_fh = open(self.out / groups_rel, "wb")  # noqa: SIM115
        ct_rel = f"exports/{wave}/facebook/crowdtangle_posts.csv"
        ct_fh = open(self.out / ct_rel, "w", encoding="utf-8", newline="")  # noqa: SIM115
        ct_w = platforms.ct_writer(ct_fh)
        t0 = threads.epoch(start) - 86_400
        t1 = threads.epoch(end) + 2 * 86_400
        n_days = (end - start).days + 1
        clocks: dict[str, threads.Clock] = {}
        self.net = net = NetworkTally()
        try:
            for c in self.containers:
                net.open(c.platform, c.cid)
                clock = clocks.get(c.zone) or clocks.setdefault(
                    c.zone, threads.Clock(c.zone, t0, t1)
                )
                ct_clock = clocks.get("America/Toronto") or clocks.setdefault(
                    "America/Toronto", threads.Clock("America/Toronto", t0, t1)
                )
                n = alloc[c.key][wave]
                rng = _rng(self.seed, "items", wave, c.key)
                tbl = self._table(c, n, rng, clock, start, n_days)
                if c.platform == "whatsapp" and not platforms.wa_is_ios(c.style or ""):
                    tbl.ts = tbl.ts - tbl.ts % 60
                start_ts = threads.epoch(start)
                start_ts -= int(clock.offset(np.array([start_ts]))[0])
                end_ts = threads.epoch(end) + 86_399
                end_ts -= int(clock.offset(np.array([end_ts]))[0])
                ctx = None
                if c.mode == "group" and c.platform in ("telegram", "whatsapp"):
                    ctx = self._joiners(c, tbl, rng, wave, start_ts, end_ts)
                tg = self._telegram_plan(c, tbl, ctx, start_ts) if c.source == "telegram" else None
                r = self._render(
                    c,
                    tbl,
                    rng,
                    clock if c.source != "fbpage" else ct_clock,
                    wave,
                    tg[0] if tg else None,
                )
                if c.source == "telegram":
                    assert tg is not None
                    self._write_telegram(
                        c, r, tbl, rng, wave, tg, clock, gen_fh["telegram"], gen_paths["telegram"]
                    )
                elif c.source == "whatsapp":
                    assert ctx is not None
                    self._write_whatsapp(
                        c,
                        r,
                        tbl,
                        wave,
                        ctx,
                        start_ts,
                        end_ts,
                        clock,
                        gen_fh["whatsapp"],
                        gen_paths["whatsapp"],
                    )
                elif c.source == "fbgroup":
                    platforms.write_generic(r, groups_fh, gen_fh["facebook"])
                    self.count.add(self.count.files, wave, groups_rel, len(r))
                elif c.source == "fbpage":
                    self._write_ct(c, r, ct_w)
                    platforms.write_generic(r, gen_fh["facebook"])
                    self.count.add(self.count.files, wave, ct_rel, len(r))
                else:
                    platforms.write_generic(r, gen_fh[c.platform])
                self.count.add(self.count.items, wave, c.platform, len(r))
                self.done += len(r)
                self._tick(f"{wave} {c.platform}", self.done, self.spec.items)
                self.count.add(self.count.files, wave, gen_paths[c.platform], len(r))
                self._edges(c, r, tbl, rng, wave, ctx, start_ts, end_ts, clock, edge_fh)
                net.close()
            self._follow_edges(wave, start, end, t0, t1, edge_fh)
        finally:
            for fh in (*gen_fh.values(), edge_fh, groups_fh):
                fh.close()
            ct_fh.close()
        self.networks[wave] = net.wave()
        self.net = NetworkTally()  # let the wave's edge codes go
        self._file(ct_rel, format="crowdtangle-csv", wave=wave, partner=None,
                   platform="facebook", generic=gen_paths["facebook"])  # fmt: skip
        self._file(groups_rel, format="generic-ndjson", wave=wave, partner=None,
                   platform="facebook", generic=gen_paths["facebook"])  # fmt: skip
        for p, rel in gen_paths.items():
            self._file(
                rel, format="generic-ndjson", wave=wave, partner=None, platform=p, generic=None
            )
        self._file(
            edges_rel, format="generic-ndjson", wave=wave, partner=None, platform=None, generic=None
        )

    # -- item tables -----------------------------------------------------------------------
    def _table(
        self, c: Container, n: int, rng: np.random.Generator, clock: threads.Clock,
        start: dt.date, n_days: int,
    ) -> threads.Table:  # fmt: skip
        assert c.members is not None
        qa = None
        if c.mode == "group":
            if c.partner:
                qa = self.plans[c.partner].qa
            else:
                qa = threads.QAParams(0.3, 0.0, 0.45, 60.0, 1.0, 40.0, 1.3)
        topic_p = text.TOPIC_WEIGHTS / text.TOPIC_WEIGHTS.sum()
        return threads.build(
            rng, n, c.mode, c.members, clock, start, n_days, COMMUNITIES[c.community].language,
            MU, qa, has_org=c.org is not None and c.mode == "group" and c.partner is not None,
            topic_p=topic_p, scam_rate=0.008 if c.mode == "group" else 0.0,
        )  # fmt: skip

    def _org_identity(self, c: Container) -> tuple[str, str, str]:
        assert c.org is not None
        acc = c.org.account(c.platform)
        assert acc is not None
        kind = {"telegram": "channel", "whatsapp": "organization", "facebook": "page"}.get(
            c.platform, "organization"
        )
        return acc.author, (acc.name or c.org.name), kind

    # -- render ----------------------------------------------------------------------------
    def _render(
        self, c: Container, tbl: threads.Table, rng: np.random.Generator, clock: threads.Clock,
        wave: str, native: list[int] | None,
    ) -> platforms.Rendered:  # fmt: skip
        n = len(tbl)
        platform = c.platform
        people_authors = self._authors(platform)
        names = self.pop.names
        local, offset = clock.local_iso(tbl.ts)
        org_author = org_name = org_kind = ""
        if c.org is not None:
            org_author, org_name, org_kind = self._org_identity(c)
        author_l: list[str] = []
        name_l: list[str] = []
        kind_l: list[str] = []
        for a in tbl.author.tolist():
            if a == ORG:
                author_l.append(org_author)
                name_l.append(org_name)
                kind_l.append(org_kind)
            else:
                author_l.append(people_authors[a])
                name_l.append(self.pop.wa_names[a] if platform == "whatsapp" else names[a])
                kind_l.append("person")
        # texts by role
        tm = text.TextMaker(
            rng, url=f"https://{c.org.short if c.org else 'newcomers'}.example.org/book"
        )
        roles = tbl.role
        langs = list(tbl.lang)
        topics = [text.TOPICS[t] for t in tbl.topic.tolist()]
        texts: list[str] = [""] * n
        table_for = {
            threads.QUESTION: text.QUESTIONS, threads.STATEMENT: text.STATEMENTS,
            threads.PEER_ANSWER: text.PEER_ANSWERS, threads.ORG_ANSWER: text.ORG_ANSWERS,
            threads.COMMENT: text.COMMENTS,
        }  # fmt: skip
        fu = rng.random(n) < 0.7
        for role, tab in (*table_for.items(), (threads.FOLLOWUP, None)):
            if role == threads.FOLLOWUP:
                for sub, tab2 in ((True, text.FOLLOWUPS), (False, text.PEER_ANSWERS)):
                    idx = np.flatnonzero((roles == role) & (fu == sub)).tolist()
                    made = tm.many(tab2, [langs[i] for i in idx], [topics[i] for i in idx])
                    for i, t in zip(idx, made, strict=True):
                        texts[i] = t
                continue
            idx = np.flatnonzero(roles == role).tolist()
            made = tm.many(tab, [langs[i] for i in idx], [topics[i] for i in idx])
            for i, t in zip(idx, made, strict=True):
                texts[i] = t
        # organization posts
        idx = np.flatnonzero(roles == threads.ORG_POST).tolist()
        if idx:
            assert c.org is not None
            olangs = c.org.languages
            lp = np.array([0.6, 0.25, 0.15][: len(olangs)])
            pick = rng.choice(len(olangs), size=len(idx), p=lp / lp.sum())
            plan = self.plans[c.org.id]
            svc = rng.choice(len(text.SERVICES), size=len(idx), p=plan.service_p)
            svc_names = [text.SERVICES[s] for s in svc.tolist()]
            made = tm.org_posts([olangs[k] for k in pick.tolist()], svc_names)
            real = self.service_real.setdefault(c.org.id, {})
            by = self.service_real_by.setdefault(c.org.id, {}).setdefault(wave, {})
            for j, i in enumerate(idx):
                texts[i] = made[j]
                langs[i] = olangs[int(pick[j])]
                real[svc_names[j]] = real.get(svc_names[j], 0) + 1
                # what the text says: other languages than en/fr have one generic post
                said = svc_names[j] if langs[i] in text.ORG_POSTS else "generic"
                key = f"{c.platform}|{c.mode}|{langs[i]}|{said}"
                by[key] = by.get(key, 0) + 1
                if (i + j) % 4 == 0:
                    texts[i] += " #newcomers #Canada"
        # decorate (not scams: forwarded copies must stay identical)
        dec_idx = np.flatnonzero(roles != threads.SCAM).tolist()
        rate = HOSTILE_RATE * (8 if c.source == "fbpage" else 1)
        dec, kinds = text.decorate([texts[i] for i in dec_idx], rng, rate, self.hostile_counter)
        for i, t, k in zip(dec_idx, dec, kinds, strict=True):
            texts[i] = t
            if k:
                self.hostile_counter += 1
                self.hostile_seen[k] = self.hostile_seen.get(k, 0) + 1
        language: list[str | None] = list(langs)
        # WhatsApp media and deleted messages
        if platform == "whatsapp":
            u = rng.random(n)
            eligible = (roles == threads.FOLLOWUP) | (roles == threads.STATEMENT)
            for i in np.flatnonzero(eligible & (u < 0.05)).tolist():
                texts[i] = platforms.wa_media(c.style or "")
                language[i] = None
            for i in np.flatnonzero(eligible & (u >= 0.05) & (u < 0.065)).tolist():
                texts[i] = platforms.wa_deleted(c.style or "")
                language[i] = None
        # ids
        ids, parent_id, thread_id = self._ids(c, tbl, native)
        shared: list[str | None] = [None] * n
        forwarded: list[str | None] = [None] * n
        # scams
        share_rows: list[int] = []
        share_to: list[int] = []
        for i in np.flatnonzero(roles == threads.SCAM).tolist():
            to = self._scam(
                c, i, int(tbl.author[i]), ids, author_l, name_l, langs, texts, language, shared,
                forwarded, rng, wave,
            )  # fmt: skip
            if to is not None:
                share_rows.append(i)
                share_to.append(to)
        # mentions (replies naming their parent's author)
        m_ids: list[str | None] = [None] * n
        m_names: list[str | None] = [None] * n
        m_rows: list[int] = []
        if platform in ("telegram", "facebook", "instagram", "x"):
            um = rng.random(n)
            par = tbl.parent
            for i in np.flatnonzero((par >= 0) & (um < 0.06)).tolist():
                pa = int(tbl.author[par[i]])
                if pa < 0 or pa == tbl.author[i] or tbl.author[i] < 0:
                    continue
                m_rows.append(i)
                m_ids[i] = people_authors[pa]
                shown = (
                    names[pa] if platform in ("telegram", "facebook") else f"@{people_authors[pa]}"
                )
                m_names[i] = shown
                texts[i] = f"{shown} {texts[i]}"
        # metrics
        reactions, comments, shares, views = self._metrics(c, tbl, rng)
        r = platforms.Rendered(
            platform=platform, container=c.cid, ids=ids, ts=tbl.ts.tolist(), local=local,
            offset=offset, author=author_l, author_name=name_l, author_kind=kind_l,
            kind=self._kinds(c, tbl), parent_id=parent_id, thread_id=thread_id,
            shared_from=shared, text=texts, language=language, reactions=reactions,
            comments=comments, shares=shares, views=views, mention_ids=m_ids,
            mention_names=m_names,
        )  # fmt: skip
        r.extra["forwarded_from"] = forwarded
        self._record_qa(c, tbl, r, wave)
        self._tally_items(c, tbl, np.array(m_rows, dtype=np.int64), share_rows, share_to)
        return r

    def _tally_items(
        self, c: Container, tbl: threads.Table, m_rows: np.ndarray, share_rows: list[int],
        share_to: list[int],
    ) -> None:  # fmt: skip
        """Count the reply, mention and share edges of ``c``'s items in the planted network."""
        acc = self._accounts(c, tbl.author)
        if c.platform != "whatsapp":  # WhatsApp text exports do not say what a message answers
            rep = np.flatnonzero(tbl.parent >= 0)
            self.net.add("reply", acc[rep], acc[tbl.parent[rep]])
        # a mention names the parent's author (none on platforms whose exports carry none)
        self.net.add("mention", acc[m_rows], acc[tbl.parent[m_rows]])
        self.net.add("share", acc[share_rows], np.array(share_to, dtype=np.int64))

    def _kinds(self, c: Container, tbl: threads.Table) -> list[str]:
        if c.platform in ("telegram", "whatsapp"):
            return ["message"] * len(tbl)
        names = ("post", "comment", "reply")
        return [names[d] for d in tbl.depth.tolist()]

    def _ids(
        self, c: Container, tbl: threads.Table, native: list[int] | None
    ) -> tuple[list[str], list[str | None], list[str | None]]:
        n = len(tbl)
        base = c.next_id
        nums = native if native is not None else list(range(base, base + n))
        if native is None:
            c.next_id = base + n + 1000
        if c.platform == "telegram":
            ids = [f"{c.cid}/{k}" for k in nums]
        elif c.platform == "whatsapp":
            ids = [f"{c.cid}/{k}" for k in nums]
        elif c.source == "fbgroup":
            ids = []
            roots = tbl.root.tolist()
            for i, k in enumerate(nums):
                ids.append(f"{c.cid}_{k}" if roots[i] == i else "")
            for i, k in enumerate(nums):
                if not ids[i]:
                    ids[i] = f"{ids[roots[i]]}_{k}"
        elif c.source == "fbpage":
            ids = [f"{c.cid}_{10_000_000 + k}" for k in nums]
        elif c.platform == "x":
            ids = [
                str(1_870_000_000_000_000_000 + zlib.crc32(c.cid.encode()) * 10_000_000 + k)
                for k in nums
            ]
        elif c.platform == "youtube":
            ids = [f"{c.cid.lstrip('@')}-{k}" for k in nums]
        else:
            ids = [f"{c.cid}_{k}" for k in nums]
        par = tbl.parent.tolist()
        rts = tbl.root.tolist()
        parent_id = [ids[p] if p >= 0 else None for p in par]
        if c.platform == "whatsapp":
            return ids, [None] * n, [None] * n
        thread_id: list[str | None] = [ids[t] for t in rts]
        return ids, parent_id, thread_id

    def _metrics(
        self, c: Container, tbl: threads.Table, rng: np.random.Generator
    ) -> tuple[list[int | None], list[int | None], list[int | None], list[int | None]]:
        n = len(tbl)
        if c.platform == "whatsapp":
            nil: list[int | None] = [None] * n
            return nil, list(nil), list(nil), list(nil)
        lomax = rng.pareto(1.8, n) * 0.8  # mean 1
        mean = self.spec.reaction_mean * np.where(tbl.author == ORG, 2.5, 1.0)
        react = rng.poisson(mean * lomax)
        # comment counts = replies present in the data
        thread_size = np.bincount(tbl.root, minlength=n)
        is_root = tbl.parent < 0
        comments: list[int | None]
        shares: list[int | None]
        views: list[int | None]
        if c.platform == "telegram":
            comments = [None] * n
            shares = [None] * n
            views = [None] * n
        elif c.source == "fbpage":
            comments = rng.poisson(react * 0.3 + 0.5).tolist()
            shares = rng.poisson(react * 0.15).tolist()
            views = [None] * n
        else:
            comments = np.where(is_root, thread_size - 1, 0).tolist()
            shares = np.where(is_root, rng.poisson(react * 0.1), 0).tolist()
            if c.platform in ("youtube", "x", "instagram"):
                v = np.where(is_root, (react + 1) * rng.integers(15, 60, n), 0)
                views = [
                    int(x) if r else None for x, r in zip(v.tolist(), is_root.tolist(), strict=True)
                ]
            else:
                views = [None] * n
        return react.tolist(), comments, shares, views

    def _scam(
        self, c: Container, i: int, person: int, ids: list[str], author_l: list[str],
        name_l: list[str], langs: list[str], texts: list[str], language: list[str | None],
        shared: list[str | None], forwarded: list[str | None], rng: np.random.Generator,
        wave: str,
    ) -> int | None:  # fmt: skip
        """Plant a scam at row ``i`` (by ``person``), new or forwarded from an earlier one.

        Returns the account number of the account it is shared from, if the export says so.
        """
        main = COMMUNITIES[c.community].language
        pool = [o for o in self.scam_originals if o["language"] in (main, "en")]
        to = None
        if pool and rng.random() < 0.6:
            o = pool[int(rng.integers(0, len(pool)))]
            texts[i] = o["text"]
            language[i] = o["language"]
            if c.platform == "telegram":
                # Telegram exports name a forward's origin by display name only
                forwarded[i] = o["author_name"]
                shared[i] = o["author_name"]
                to = self._named_account(o["author_name"])
            elif c.platform == "facebook" and o["platform"] == "facebook":
                # a share names the account shared from (the post's id is in truth.json)
                shared[i] = o["author"]
                to = o["person"]
            rec = {"platform": c.platform, "platform_id": ids[i], "container": c.cid,
                   "wave": wave, "type": o["type"], "category": o["category"],
                   "language": o["language"], "forward_of": o["platform_id"],
                   "forward_of_platform": o["platform"]}  # fmt: skip
        else:
            cat = text.scam_catalogue()
            choices = [x for x in cat if x[1] == main] or [x for x in cat if x[1] == "en"]
            typ, lang, body = choices[int(rng.integers(0, len(choices)))]
            texts[i] = body
            language[i] = lang
            category = "misinformation" if typ.startswith("MISINFO") else "scam"
            self.scam_originals.append({"platform": c.platform, "platform_id": ids[i],
                                        "type": typ, "category": category, "language": lang,
                                        "text": body, "author_name": name_l[i],
                                        "author": author_l[i], "person": person})  # fmt: skip
            rec = {"platform": c.platform, "platform_id": ids[i], "container": c.cid,
                   "wave": wave, "type": typ, "category": category, "language": lang,
                   "forward_of": None, "forward_of_platform": None}  # fmt: skip
        self.scams.append(rec)
        return to

    def _record_qa(
        self, c: Container, tbl: threads.Table, r: platforms.Rendered, wave: str
    ) -> None:
        if c.mode != "group" or c.partner is None:
            return
        d = self.qa_real.setdefault(
            c.partner, {"questions": 0, "org": 0, "peer": 0, "unanswered": 0}
        )
        q = tbl.role == threads.QUESTION
        by = self.qa_real_by.setdefault(c.partner, {}).setdefault(wave, {})
        e = by.setdefault(c.platform, {"questions": 0, "org": 0, "peer": 0, "unanswered": 0})
        e["questions"] += int(q.sum())
        e["org"] += int((tbl.role == threads.ORG_ANSWER).sum())
        e["peer"] += int((tbl.role == threads.PEER_ANSWER).sum())
        e["unanswered"] = e["questions"] - e["org"] - e["peer"]
        d["questions"] += int(q.sum())
        d["org"] += int((tbl.role == threads.ORG_ANSWER).sum())
        d["peer"] += int((tbl.role == threads.PEER_ANSWER).sum())
        d["unanswered"] = d["questions"] - d["org"] - d["peer"]

    # -- native writers --------------------------------------------------------------------
    def _joiners(
        self, c: Container, tbl: threads.Table, rng: np.random.Generator, wave: str,
        start_ts: int, end_ts: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
        """Members in this wave, which of them joined during it, and their join times."""
        assert c.member_order is not None
        m = c.member_order
        cut = int(len(m) * 0.85) if wave == "baseline" else len(m)
        members = m[:cut]
        joined = np.zeros(len(members), dtype=bool)
        lo = int(len(members) * 0.9) if wave == "baseline" else int(len(m) * 0.85)
        joined[lo:] = True
        first_post = np.full(self.pop.size, end_ts, dtype=np.int64)
        a = tbl.author
        ok = a >= 0
        np.minimum.at(first_post, a[ok], tbl.ts[ok])
        limit = first_post[members]
        u = rng.random(len(members))
        jt = (start_ts + (np.maximum(limit - start_ts - 120, 1)) * u).astype(np.int64)
        return members, joined, jt - jt % 60

    def _telegram_plan(
        self, c: Container, tbl: threads.Table,
        ctx: tuple[np.ndarray, np.ndarray, np.ndarray] | None, start_ts: int,
    ) -> tuple[list[int], list[tuple[int, int, dict[str, Any]]]]:  # fmt: skip
        """Message ids (in time order, service messages interleaved) and service messages."""
        n = len(tbl)
        tg_auth = self._authors("telegram")
        names = self.pop.names
        services: list[tuple[int, dict[str, Any]]] = []
        if ctx is not None:
            members, joined, jt = ctx
            for p, t in zip(members[joined].tolist(), jt[joined].tolist(), strict=True):
                services.append((t, {"actor": names[p], "actor_id": tg_auth[p],
                                     "action": "join_group_by_link", "inviter": "Group"}))  # fmt: skip
            first = int(members[0])
            services.append((start_ts + 3600 * 30, {
                "actor": names[first], "actor_id": tg_auth[first], "action": "invite_members",
                "members": [names[int(x)] for x in members[1:3].tolist()]}))  # fmt: skip
        pins: list[tuple[int, int]] = []  # (service index, pinned row)
        if c.org is not None:
            author, name, _ = self._org_identity(c)
            org_roots = np.flatnonzero((tbl.author == ORG) & (tbl.parent < 0))[:2].tolist()
            for p in org_roots:
                pins.append((len(services), p))
                services.append((int(tbl.ts[p]) + 120, {
                    "actor": name, "actor_id": author, "action": "pin_message"}))  # fmt: skip
        ev_ts = np.concatenate([tbl.ts, np.array([t for t, _ in services], dtype=np.int64)])
        ev_kind = np.concatenate(
            [np.zeros(n, dtype=np.int64), np.ones(len(services), dtype=np.int64)]
        )
        ev_ref = np.concatenate([np.arange(n), np.arange(len(services))])
        order = np.lexsort((ev_ref, ev_kind, ev_ts))
        base = c.next_id
        seq = base + np.arange(len(order))
        is_msg = ev_kind[order] == 0
        msg_id = np.empty(n, dtype=np.int64)
        svc_id = np.empty(len(services), dtype=np.int64)
        msg_id[ev_ref[order][is_msg]] = seq[is_msg]
        svc_id[ev_ref[order][~is_msg]] = seq[~is_msg]
        for k, p in pins:
            services[k][1]["message_id"] = int(msg_id[p])
        out = [(t, int(svc_id[k]), s) for k, (t, s) in enumerate(services)]
        nxt = base + len(order)
        c.next_id = nxt + 1000
        return msg_id.tolist(), out

    def _write_telegram(
        self, c: Container, r: platforms.Rendered, tbl: threads.Table,
        rng: np.random.Generator, wave: str,
        tg: tuple[list[int], list[tuple[int, int, dict[str, Any]]]],
        clock: threads.Clock, gen: IO[bytes], gen_rel: str,
    ) -> None:  # fmt: skip
        n = len(r)
        msg_id, services = tg
        reply_ids: list[int | None] = [msg_id[p] if p >= 0 else None for p in tbl.parent.tolist()]
        edited: list[Any] = [None] * n
        for i in np.flatnonzero(rng.random(n) < 0.03).tolist():
            et = int(r.ts[i] + 60 + (i * 37) % 900)
            edited[i] = (clock.local_iso(np.array([et]))[0][0], et)
        r.extra["edited"] = edited
        svc_objs = []
        if services:
            locs, _ = clock.local_iso(np.array([t for t, _, _ in services], dtype=np.int64))
            for (t, sid, s), loc in zip(services, locs, strict=True):
                obj = {"id": sid, "type": "service", "date": loc, "date_unixtime": str(t)}
                obj.update(s)
                obj["text"] = ""
                obj["text_entities"] = []
                svc_objs.append(obj)
        msgs = platforms.telegram_messages(r, msg_id, reply_ids, svc_objs)
        rel = f"exports/{wave}/telegram/{c.slug}.json"
        with open(self.out / rel, "wb") as fh:
            platforms.write_telegram(
                fh, c.name, c.chat_type or "public_supergroup", int(c.cid), msgs
            )
        platforms.write_generic(r, gen)
        self.count.add(self.count.system, wave, "telegram", len(svc_objs))
        self.count.add(self.count.files, wave, rel, n)
        self._file(rel, format="telegram-json", wave=wave, partner=c.partner, platform="telegram",
                   generic=gen_rel, items=n, system_messages=len(svc_objs))  # fmt: skip

    def _write_whatsapp(
        self, c: Container, r: platforms.Rendered, tbl: threads.Table, wave: str,
        ctx: tuple[np.ndarray, np.ndarray, np.ndarray], start_ts: int, end_ts: int,
        clock: threads.Clock, gen: IO[bytes], gen_rel: str,
    ) -> None:  # fmt: skip
        style = c.style or "android_dmy24"
        n = len(r)
        members, joined, jt = ctx
        entries: list[tuple[int, int, str, str | None, str]] = []
        for i in range(n):
            entries.append((r.ts[i], i, r.local[i], r.author_name[i], r.text[i]))
        sys_ts: list[tuple[int, str]] = []
        owner = (
            c.org.account("whatsapp").author
            if c.org and c.org.account("whatsapp")
            else self.pop.wa_names[int(members[0])]
        )  # type: ignore[union-attr]
        first_t = start_ts + 600 - (start_ts + 600) % 60
        if wave == "baseline":
            sys_ts.append(
                (
                    first_t,
                    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.",
                )
            )
            sys_ts.append((first_t, f'{owner} created group "{c.name}"'))
        for p, t in zip(members[joined].tolist(), jt[joined].tolist(), strict=True):
            sys_ts.append((int(t), f"{self.pop.wa_names[p]} joined using this group's invite link"))
        authors_here = set(tbl.author[tbl.author >= 0].tolist())
        leavers = [int(x) for x in members[~joined].tolist() if int(x) not in authors_here][:3]
        for k, p in enumerate(leavers):
            t = end_ts - 86_400 * (k + 1)
            sys_ts.append((t - t % 60, f"{self.pop.wa_names[p]} left"))
        sub_t = start_ts + 86_400 * 20
        sys_ts.append(
            (sub_t - sub_t % 60, f'{owner} changed the subject from "{c.name}" to "{c.name}"')
        )
        locs, _ = clock.local_iso(np.array([t for t, _ in sys_ts], dtype=np.int64))
        for k, ((t, body), loc) in enumerate(zip(sys_ts, locs, strict=True)):
            entries.append(
                (t, -len(sys_ts) + k if k < 2 and wave == "baseline" else n + k, loc, None, body)
            )
        subject = c.name
        txt = platforms.wa_lines(style, subject, entries)
        rel = f"exports/{wave}/whatsapp/{c.slug}.txt"
        (self.out / rel).write_bytes(txt.encode("utf-8"))
        platforms.write_generic(r, gen)
        self.count.add(self.count.system, wave, "whatsapp", len(sys_ts))
        self.count.add(self.count.files, wave, rel, n)
        self._file(rel, format="whatsapp-txt", wave=wave, partner=c.partner, platform="whatsapp",
                   generic=gen_rel, items=n, system_messages=len(sys_ts), style=style,
                   time_zone=c.zone)  # fmt: skip

    def _write_ct(self, c: Container, r: platforms.Rendered, w: Any) -> None:
        assert c.org is not None
        acc = c.org.account("facebook")
        assert acc is not None
        rng = _rng(self.seed, "ct", c.key, r.ids[0] if len(r) else "")
        for i in range(len(r)):
            total = r.reactions[i] or 0
            parts = (
                rng.multinomial(total, [0.72, 0.14, 0.03, 0.03, 0.02, 0.01, 0.05])
                if total
                else [0] * 7
            )
            typ = ("Photo", "Link", "Status", "Native Video")[i % 4]
            com, sh = r.comments[i] or 0, r.shares[i] or 0
            pv = int(total * 12 + 30) if typ == "Native Video" else 0
            if typ == "Native Video":
                r.views[i] = pv
            abbr = "EDT" if r.offset[i] == "-04:00" else "EST"
            post_id = r.ids[i].split("_", 1)[1]
            url = f"https://www.facebook.com/{acc.handle}/posts/{post_id}"
            links = platforms.URL_RE.findall(r.text[i])
            w.writerow([
                c.org.name, acc.handle, acc.id, "Community Organization", "CA",
                f"{c.org.name}: services for newcomers in {c.org.city}.", "2012-03-14 10:00:00",
                "", "", f"{r.local[i].replace('T', ' ')} {abbr}", r.local[i][:10], r.local[i][11:],
                typ, total + com + sh, parts[0], com, sh, parts[1], parts[2], parts[3], parts[4],
                parts[5], parts[6], "", "", pv, pv, pv, "", url, r.text[i],
                links[0] if links else "", links[0] if links else "", "", "", "", "", "", "", "",
            ])  # fmt: skip

    # -- edges -----------------------------------------------------------------------------
    def _edges(
        self, c: Container, r: platforms.Rendered, tbl: threads.Table,
        rng: np.random.Generator, wave: str,
        ctx: tuple[np.ndarray, np.ndarray, np.ndarray] | None, start_ts: int, end_ts: int,
        clock: threads.Clock, fh: IO[bytes],
    ) -> None:  # fmt: skip
        assert c.members is not None
        platform = c.platform
        people = self._authors(platform)
        lines: list[bytes] = []
        # reactions, written in chunks of items to bound memory
        if platform != "whatsapp":
            react_all = np.array([x or 0 for x in r.reactions], dtype=np.int64)
            ids = r.ids
            authors = r.author
            chunk = 20_000
            for lo_i in range(0, len(r), chunk):
                react = react_all[lo_i : lo_i + chunk]
                tot = int(react.sum())
                if not tot:
                    continue
                item = lo_i + np.repeat(np.arange(len(react)), react)
                auth = tbl.author[item]
                ref = np.where(auth >= 0, self.pop.community[np.maximum(auth, 0)], c.community)
                pos = c.members.draw_near(rng, ref, MU, np.full(tot, -1, dtype=np.int64))
                who = c.members.people[pos]
                who = np.where(
                    who == auth, c.members.people[(pos + 1) % len(c.members.people)], who
                )
                self.within_edges[0] += int((self.pop.community[who] == ref).sum())
                self.within_edges[1] += tot
                delay = np.clip(rng.exponential(3 * 3600, tot), 60, 3 * 86_400).astype(np.int64)
                loc, off = clock.local_iso(np.minimum(tbl.ts[item] + delay, end_ts))
                src = [people[x] for x in who.tolist()]
                fh.write(
                    b"".join(
                        (f'{{"platform":"{platform}","source":"{s}","target":"{authors[j]}",'
                         f'"kind":"reaction","created_at":"{lo}{of}","weight":1,'
                         f'"item_id":"{ids[j]}"}}\n').encode()
                        for s, j, lo, of in zip(src, item.tolist(), loc, off, strict=True)
                    )
                )  # fmt: skip
                self._count_edges(wave, platform, "reaction", tot)
                self.net.add("reaction", who, self._accounts(c, auth), item)
        # memberships
        if c.mode == "group":
            if ctx is not None:
                members, joined, jt = ctx
                times = np.where(joined, jt, start_ts)
            else:
                assert c.member_order is not None
                members = c.member_order
                times = np.full(len(members), start_ts, dtype=np.int64)
            loc, off = clock.local_iso(times)
            for p, lo, of in zip(members.tolist(), loc, off, strict=True):
                lines.append(orjson.dumps({"platform": platform, "source": people[p], "target": c.cid,
                                           "kind": "membership", "created_at": lo + of,
                                           "weight": 1, "item_id": None}))  # fmt: skip
            self._count_edges(wave, platform, "membership", len(members))
        if lines:
            fh.write(b"\n".join(lines) + b"\n")

    def _count_edges(self, wave: str, platform: str, kind: str, n: int) -> None:
        d = self.count.edges.setdefault(wave, {}).setdefault(platform, {})
        d[kind] = d.get(kind, 0) + n
        self.n_interactions += n

    def _follow_edges(
        self, wave: str, start: dt.date, end: dt.date, t0: int, t1: int, fh: IO[bytes]
    ) -> None:
        clock = threads.Clock("America/Toronto", t0, t1)
        s_ts = threads.epoch(start) + 5 * 3600
        e_ts = threads.epoch(end) + 5 * 3600
        for org in (*self.partners, *self.sector):
            plan = self.plans[org.id]
            for acc in org.accounts:
                if acc.platform not in plan.followers:
                    continue
                f = plan.followers[acc.platform]
                rng = _rng(self.seed, "followers", org.id, acc.platform)
                order = rng.permutation(self.pop.size)  # same order in both waves
                n_f = f[wave]
                n_prev = f["baseline_start"] if wave == "baseline" else f["followup_start"]
                who = order[:n_f]
                trng = _rng(self.seed, "follow-times", wave, org.id, acc.platform)
                times = np.full(n_f, s_ts, dtype=np.int64)
                new = np.arange(n_f) >= n_prev
                times[new] = trng.integers(s_ts, e_ts, int(new.sum()))
                if wave == "followup":
                    times[~new] = s_ts
                loc, off = clock.local_iso(times)
                people = self._authors(acc.platform)
                tgt = acc.author
                plat = acc.platform
                lines = [
                    (f'{{"platform":"{plat}","source":"{people[p]}","target":"{tgt}",'
                     f'"kind":"follow","created_at":"{lo}{of}","weight":1,"item_id":null}}').encode()
                    for p, lo, of in zip(who.tolist(), loc, off, strict=True)
                ]  # fmt: skip
                if lines:
                    fh.write(b"\n".join(lines) + b"\n")
                self._count_edges(wave, plat, "follow", n_f)

    # -- audience and clients --------------------------------------------------------------
    def _audience(self) -> None:
        for org in self.partners:
            plan = self.plans[org.id]
            for w_id, _, start, end, _ in WAVES:
                rng = _rng(self.seed, "audience", org.id, w_id)
                for plat, suffix in (("facebook", "facebook_page"), ("instagram", "instagram")):
                    acc = org.account(plat)
                    if acc is None:
                        continue
                    f = plan.followers[plat]
                    definition = (
                        "impressions" if (plat == "facebook" and w_id == "baseline") else "views"
                    )
                    txt = audience.insights_text(
                        acc.handle, plat, definition, start, end, f[f"{w_id}_start"], f[w_id],
                        plan.audience, org.languages, rng,
                    )  # fmt: skip
                    rel = f"exports/{w_id}/insights/{org.id}_{suffix}.csv"
                    (self.out / rel).write_text(txt, encoding="utf-8")
                    self._file(rel, format="meta-insights-csv", wave=w_id, partner=org.id,
                               platform=plat, generic=None, metric_definition=definition)  # fmt: skip
                rows = audience.clients_rows(org, plan.audience, w_id, start, end, rng)
                rel = f"exports/{w_id}/clients/{org.id}.csv"
                (self.out / rel).write_text(platforms.csv_text(rows), encoding="utf-8")
                self._file(rel, format="clients-csv", wave=w_id, partner=org.id, platform=None,
                           generic=None)  # fmt: skip

    # -- study.toml ------------------------------------------------------------------------
    def _study_toml(self) -> None:
        key_file = self.key_file
        q = _toml_str
        lines = [
            "# settlescope study file (synthetic study generated by settlescope.synth).",
            "# Every organization, person and message in this study is invented.",
            "",
            "[study]",
            f"name = {q(f'Synthetic settlement study ({self.size}, seed {self.seed})')}",
            'time_zone = "America/Toronto"',
            "phase = 1",
            "",
            "[privacy]",
        ]
        if key_file is not None:
            lines.append(f"key_file = {q(str(key_file))}")
        lines += ["pseudonymise = true", "redact_text = false", "store_client_rows = false", ""]
        for w_id, label, start, end, _ in WAVES:
            lines += ["[[waves]]", f"id = {q(w_id)}", f"label = {q(label)}",
                      f"start = {start.isoformat()}", f"end = {end.isoformat()}", ""]  # fmt: skip
        for table, orgs in (("partners", self.partners), ("sector", self.sector)):
            for o in orgs:
                lines += [f"[[{table}]]", f"id = {q(o.id)}", f"name = {q(o.name)}",
                          f"region = {q(f'{o.city}, {o.region}')}", f"type = {q(o.type)}"]  # fmt: skip
                if o.time_zone != "America/Toronto":
                    lines.append(f"time_zone = {q(o.time_zone)}")
                lines.append("")
                for a in o.accounts:
                    lines += [f"  [[{table}.accounts]]", f"  platform = {q(a.platform)}",
                              f"  handle = {q(a.handle)}"]  # fmt: skip
                    if a.id:
                        lines.append(f"  id = {q(a.id)}")
                    lines += [f"  kind = {q(a.kind)}", f"  name = {q(a.name)}", ""]
        lines += [PHASES_TOML.strip(), ""]
        lines += ["[taxonomies]", 'use = ["ircc-services-v1", "topics-v1", "scams-v1"]', ""]
        # the places the synthetic clients' records call rural (small towns, rural partners)
        rural = sorted({r for o in self.partners for r in self.plans[o.id].audience.rural})
        lines += ["[measures.offline]",
                  "rural_regions = [" + ", ".join(q(r) for r in rural) + "]", ""]  # fmt: skip
        (self.out / "study.toml").write_text("\n".join(lines), encoding="utf-8")

    # -- truth -----------------------------------------------------------------------------
    def _truth(self) -> Path:
        partners = {}
        for org in (*self.partners, *self.sector):
            plan = self.plans[org.id]
            entry: dict[str, Any] = {
                "name": org.name,
                "region": org.region,
                "city": org.city,
                "rural": org.rural,
                "time_zone": org.time_zone,
                "accounts": [
                    {
                        "platform": a.platform,
                        "handle": a.handle,
                        "id": a.id,
                        "author": a.author,
                        "kind": a.kind,
                    }
                    for a in org.accounts
                ],  # fmt: skip
                "followers": plan.followers,
                "follower_growth": plan.growth,
            }
            if org.id.startswith("p"):
                qa = plan.qa
                entry["response_time"] = {
                    "definition": "delay from a question (a root item whose text has ?, ؟ or ？) "
                    "to its first reply, in the partner's community containers",
                    "org": {"distribution": "lognormal", "median_minutes": qa.org_median_min,
                            "sigma": qa.org_sigma},
                    "peer": {"distribution": "lognormal", "median_minutes": qa.peer_median_min,
                             "sigma": qa.peer_sigma},
                    "clip_seconds": [30, 7 * 86_400],
                    "note": "antithetic draws (pairs symmetric in log space about the median), so sample medians equal the planted median",
                }  # fmt: skip
                entry["answer_rates"] = {"question_rate": qa.question_rate, "org": qa.p_org,
                                         "peer": qa.p_peer,
                                         "unanswered": round(1 - qa.p_org - qa.p_peer, 3)}  # fmt: skip
                entry["questions_realised"] = self.qa_real.get(org.id, {})
                entry["service_shares"] = {
                    s: round(float(p), 4)
                    for s, p in zip(text.SERVICES, plan.service_p, strict=True)
                }
                entry["service_posts_realised"] = dict(
                    sorted(self.service_real.get(org.id, {}).items())
                )
                # per wave and platform: questions and who answered them first
                entry["questions_realised_by"] = self.qa_real_by.get(org.id, {})
                # per wave: organization posts by "platform|container mode|language|service the text
                # announces" ("generic" for the one post other languages than en/fr have)
                entry["service_posts_realised_by"] = {
                    w: dict(sorted(d.items()))
                    for w, d in self.service_real_by.get(org.id, {}).items()
                }
                entry["client_gaps"] = plan.audience.gaps()
                entry["clients"] = plan.audience.clients
            partners[org.id] = entry
        members: dict[str, dict[str, int]] = {}
        for plat in ("telegram", "whatsapp", "facebook", "instagram", "x", "youtube"):
            authors = self._authors(plat)
            members[plat] = {
                a: int(cm) for a, cm in zip(authors, self.pop.community.tolist(), strict=True)
            }
        containers = [
            {"platform": c.platform, "container": c.cid, "name": c.name, "partner": c.partner,
             "organization": c.org.id if c.org else None, "mode": c.mode,
             "community": c.community, "time_zone": c.zone, "whatsapp_style": c.style}
            for c in self.containers
        ]  # fmt: skip
        counts: dict[str, Any] = {}
        for w_id, *_ in WAVES:
            items = self.count.items.get(w_id, {})
            system = self.count.system.get(w_id, {})
            edges = self.count.edges.get(w_id, {})
            counts[w_id] = {
                "items": dict(sorted(items.items())),
                "items_total": sum(items.values()),
                "system_messages": dict(sorted(system.items())),
                "interactions": {p: dict(sorted(k.items())) for p, k in sorted(edges.items())},
                "interactions_total": sum(sum(k.values()) for k in edges.values()),
                "files": dict(sorted(self.count.files.get(w_id, {}).items())),
            }
        scams = [{k: v for k, v in s.items() if not k.startswith("_")} for s in self.scams]
        truth = {
            "generator": {"name": "settlescope.synth", "size": self.size, "seed": self.seed},
            "counts": counts,
            "counts_note": "items exclude WhatsApp system lines and Telegram service messages, "
            "counted under system_messages; interactions are the lines of edges.ndjson",
            "partners": partners,
            "containers": containers,
            "communities": {
                "model": "planted partition: a replier or reactor is drawn from the parent author's "
                "community with probability 1 - mu, else from all members of the container",
                "mu": MU,
                "same_community_members": SAME_COMMUNITY,
                "labels": {
                    str(c.id): {"language": c.language, "region": c.region, "label": c.label}
                    for c in COMMUNITIES
                },
                "realised_within_share_reactions": round(
                    self.within_edges[0] / max(1, self.within_edges[1]), 4
                ),
                "members": members,
            },  # fmt: skip
            "networks": {
                "definition": NETWORK_DEFINITION,
                "waves": {w_id: self.networks[w_id] for w_id, *_ in WAVES},
            },
            "scams": scams,
            "hostile_strings": dict(sorted(self.hostile_seen.items())),
            "whatsapp_styles": {
                "day_first": sorted(platforms.DAY_FIRST),
                "month_first": sorted(platforms.MONTH_FIRST),
                "iso": ["android_iso24"],
            },  # fmt: skip
        }
        path = self.out / "truth.json"
        path.write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2) + b"\n")
        return path


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(
    out_dir: Path,
    size: str = "small",
    seed: int = 0,
    key_file: Path | None = None,
    progress: Progress | None = None,
) -> SynthResult:
    """Generate a synthetic study with planted truth into ``out_dir``.

    Parameters
    ----------
    out_dir
        Where to write; must not exist or be empty.
    size
        ``small`` (about 50k items), ``medium`` (500k) or ``large`` (5M items, 20M+
        interactions).
    seed
        Random seed; the same seed and size give byte-identical output.
    key_file
        Pseudonymisation key path written to ``[privacy] key_file`` (omitted if None).
    progress
        Called as ``progress(stage, done, total)`` while generating.

    Returns
    -------
    SynthResult
        Paths written and the numbers of items and interactions.

    Raises
    ------
    UsageError
        If ``out_dir`` is a non-empty directory or a file, or ``size`` is unknown.
    """
    out = Path(out_dir)
    if size not in SIZES:
        raise UsageError(
            f"unknown size '{size}'", field="size", hint=f"use one of: {', '.join(SIZES)}"
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(
            "the output folder is not empty",
            file=str(out),
            hint="choose a new folder, or empty this one first",
        )
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator(out, size, seed, key_file, progress)
    try:
        return gen.run()
    except BaseException:
        for child in out.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
        raise
