"""Vectorised conversation engine: who writes what, when, in reply to whom.

One call of :func:`build` makes the items of one container (chat, group, page) for one wave as
parallel numpy arrays. Structure planted here:

- **Rhythm.** Root times follow a weekly profile (weekends about 40 % quieter) and a daily
  profile (few messages between midnight and 7 am) in the container's local time.
- **Heavy tails.** Authors are drawn with Pareto activity weights, so a few members write most.
- **Questions and answers.** A share of roots are questions. Each question's *first reply*
  comes from the organization's staff account, from a peer, or never (planted answer rates).
  The delay to the first reply is lognormal with a planted median and spread per responder
  class, drawn antithetically (pairs symmetric about the median in log space) so that the
  sample median of any set of containers equals the planted median, then clipped to [30 s, 7 days] (clipping touches only the upper tail, so the
  median is unchanged). Later replies come after the first one.
- **Communities.** A replier (or reactor) is drawn from the parent author's community with
  probability ``1 - mu`` and from the whole membership otherwise (planted-partition model).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

# roles of items
STATEMENT, QUESTION, ORG_ANSWER, PEER_ANSWER, FOLLOWUP, ORG_POST, COMMENT, SCAM = range(8)
ORG = -1  # author value of the organization's own account

HOUR_PROFILE = np.array(
    [0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.35, 0.7, 1.0, 1.2, 1.25, 1.2,
     1.3, 1.25, 1.15, 1.1, 1.1, 1.2, 1.35, 1.45, 1.4, 1.2, 0.9, 0.55]
)  # fmt: skip
WEEKDAY_PROFILE = np.array([1.0, 1.05, 1.05, 1.0, 0.95, 0.62, 0.58])  # Monday first


class Clock:
    """UTC offsets of one IANA zone, tabulated per hour over a window (DST-exact).

    Parameters
    ----------
    zone
        IANA time-zone name.
    start, end
        Window of the table as UTC epoch seconds; times outside are clamped to the ends.
    """

    def __init__(self, zone: str, start: int, end: int) -> None:
        tz = ZoneInfo(zone)
        self.start = start - 86_400
        hours = (end - self.start) // 3600 + 48
        offs = np.empty(hours, dtype=np.int64)
        for h in range(hours):
            t = dt.datetime.fromtimestamp(self.start + 3600 * h, tz)
            offs[h] = int(t.utcoffset().total_seconds())  # type: ignore[union-attr]
        self.offsets = offs

    def offset(self, ts: np.ndarray) -> np.ndarray:
        """UTC offset in seconds at each UTC time ``ts``."""
        idx = np.clip((ts - self.start) // 3600, 0, len(self.offsets) - 1)
        return self.offsets[idx]

    def local_iso(self, ts: np.ndarray) -> tuple[list[str], list[str]]:
        """Local wall-clock ISO strings (no offset) and ``±HH:MM`` offset strings."""
        off = self.offset(ts)
        local = np.datetime_as_string((ts + off).astype("datetime64[s]"), unit="s").tolist()
        names = {int(o): _fmt_offset(int(o)) for o in np.unique(off)}
        return local, [names[o] for o in off.tolist()]


def _fmt_offset(o: int) -> str:
    sign = "-" if o < 0 else "+"
    o = abs(o)
    return f"{sign}{o // 3600:02d}:{(o % 3600) // 60:02d}"


def epoch(day: dt.date) -> int:
    """UTC epoch seconds of midnight UTC starting ``day``."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def rhythm_times(
    rng: np.random.Generator, n: int, first_day: dt.date, n_days: int, clock: Clock
) -> np.ndarray:
    """``n`` UTC times with weekly and daily rhythm, in local time of ``clock``'s zone."""
    wd0 = first_day.weekday()
    dw = WEEKDAY_PROFILE[(np.arange(n_days) + wd0) % 7]
    day = rng.choice(n_days, size=n, p=dw / dw.sum())
    hour = rng.choice(24, size=n, p=HOUR_PROFILE / HOUR_PROFILE.sum())
    sec = rng.integers(0, 3600, size=n)
    local = epoch(first_day) + day.astype(np.int64) * 86_400 + hour * 3600 + sec
    return local - clock.offset(local)


@dataclass
class Members:
    """Members of one container: person numbers, communities and activity weights."""

    people: np.ndarray
    community: np.ndarray
    weight: np.ndarray

    def __post_init__(self) -> None:
        self._cum = np.cumsum(self.weight)
        self._by_comm: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for c in np.unique(self.community).tolist():
            sel = np.flatnonzero(self.community == c)
            self._by_comm[c] = (sel, np.cumsum(self.weight[sel]))

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` member positions drawn by activity weight."""
        u = rng.random(n) * self._cum[-1]
        return np.minimum(np.searchsorted(self._cum, u, side="right"), len(self.people) - 1)

    def draw_near(
        self, rng: np.random.Generator, ref_comm: np.ndarray, mu: float, exclude: np.ndarray
    ) -> np.ndarray:
        """Member positions biased to ``ref_comm`` (``-1`` = no preference), avoiding ``exclude``.

        With probability ``1 - mu`` the draw is restricted to members of the reference
        community (when the container has any); otherwise it is from all members.
        """
        n = len(ref_comm)
        pos = self.draw(rng, n)
        same = (rng.random(n) >= mu) & (ref_comm >= 0)
        for c in np.unique(ref_comm[same]).tolist():
            if c not in self._by_comm:
                continue
            sel, cum = self._by_comm[c]
            idx = np.flatnonzero(same & (ref_comm == c))
            u = rng.random(len(idx)) * cum[-1]
            pos[idx] = sel[np.minimum(np.searchsorted(cum, u, side="right"), len(sel) - 1)]
        clash = np.flatnonzero(pos == exclude)
        if len(clash):
            pos[clash] = (pos[clash] + 1) % len(self.people)
        return pos


@dataclass(frozen=True)
class QAParams:
    """Planted question-answering behaviour of one container."""

    question_rate: float
    p_org: float
    p_peer: float
    org_median_min: float
    org_sigma: float
    peer_median_min: float
    peer_sigma: float


@dataclass
class Table:
    """Items of one container, sorted by time (parents always before children)."""

    ts: np.ndarray
    author: np.ndarray  # person number, or ORG
    parent: np.ndarray  # row index, or -1
    root: np.ndarray
    role: np.ndarray
    depth: np.ndarray  # 0 root, 1 direct reply, 2 reply to a reply
    topic: np.ndarray  # index into TOPICS
    lang: list[str]

    def __len__(self) -> int:
        return len(self.ts)


def _lognormal_exact_median(
    rng: np.random.Generator, n: int, median_min: float, sigma: float
) -> np.ndarray:
    """Antithetic lognormal draws: pairs ``m·e^(σz)``, ``m·e^(-σz)`` (plus ``m`` if ``n`` is odd).

    The set is symmetric about the median in log space, so the median of this set, and of any
    union of such sets, is the planted median (up to the innermost pair when the count is even).
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    z = np.abs(rng.standard_normal(n // 2))
    m = median_min * 60.0
    d = np.concatenate([m * np.exp(sigma * z), m * np.exp(-sigma * z), [m] * (n % 2)])
    d = d[rng.permutation(n)]
    return np.clip(np.rint(d), 30, 7 * 86_400).astype(np.int64)


def build(
    rng: np.random.Generator,
    n: int,
    mode: str,
    members: Members,
    clock: Clock,
    first_day: dt.date,
    n_days: int,
    lang_main: str,
    mu: float,
    qa: QAParams | None,
    has_org: bool,
    topic_p: np.ndarray,
    scam_rate: float = 0.0,
) -> Table:
    """Make ``n`` items of one container.

    Parameters
    ----------
    mode
        ``group`` (members post; questions and answers), ``page`` (the organization posts,
        members comment) or ``channel`` (the organization posts, nobody replies).
    n_days
        Length of the wave; roots fall in its first ``n_days - 10`` days so that every reply
        stays inside the wave.
    """
    if n <= 0:
        z = np.zeros(0, dtype=np.int64)
        return Table(z, z, z, z, z.astype(np.int8), z.astype(np.int8), z, [])
    # -- roots and thread sizes ---------------------------------------------------------
    est = max(16, int(n / (2.2 if mode == "group" else 2.5 if mode == "page" else 1.0) * 1.4))
    while True:
        role = np.full(est, STATEMENT if mode == "group" else ORG_POST, dtype=np.int8)
        cls = np.zeros(est, dtype=np.int8)  # 0 none, 1 org, 2 peer
        if mode == "group":
            u = rng.random(est)
            org_root = (u < 0.03) & has_org
            role[org_root] = ORG_POST
            q = (~org_root) & (rng.random(est) < qa.question_rate if qa else False)
            role[q] = QUESTION
            p_org = qa.p_org if (qa and has_org) else 0.0
            p_peer = qa.p_peer if qa else 0.0
            v = rng.random(est)
            cls[q & (v < p_org)] = 1
            cls[q & (v >= p_org) & (v < p_org + p_peer)] = 2
            scam = (role == STATEMENT) & (rng.random(est) < scam_rate)
            role[scam] = SCAM
            k = np.where(role == QUESTION, 0, rng.geometric(0.45, est) - 1)
            k = np.where(cls > 0, rng.geometric(0.55, est), k)
        elif mode == "page":
            k = rng.geometric(0.4, est) - 1
        else:
            k = np.zeros(est, dtype=np.int64)
        sizes = 1 + k
        cs = np.cumsum(sizes)
        if cs[-1] >= n:
            break
        est *= 2
    r_count = int(np.searchsorted(cs, n)) + 1
    role, cls, k = role[:r_count], cls[:r_count], k[:r_count].copy()
    before = int(cs[r_count - 2]) if r_count > 1 else 0
    last = r_count - 1
    k[last] = n - before - 1
    if mode == "group":
        role[last] = STATEMENT
        cls[last] = 0
    # -- root times, authors, languages, topics -------------------------------------------
    span = max(1, n_days - 10)
    root_ts = np.sort(rhythm_times(rng, r_count, first_day, span, clock))
    org_rooted = role == ORG_POST
    root_pos = members.draw(rng, r_count)
    root_author = np.where(org_rooted, ORG, members.people[root_pos])
    root_comm = np.where(org_rooted, -1, members.community[root_pos])
    topic_root = rng.choice(len(topic_p), size=r_count, p=topic_p)
    lang_root = _langs(rng, r_count, lang_main)
    # -- replies -------------------------------------------------------------------------
    n_rep = int(k.sum())
    rep_root = np.repeat(np.arange(r_count), k)
    offsets = np.repeat(np.cumsum(k) - k, k)
    rank = np.arange(n_rep) - offsets
    first = rank == 0
    delay = np.zeros(n_rep, dtype=np.int64)
    rr_first = rep_root[first]
    c_first = cls[rr_first]
    d_first = np.empty(len(rr_first), dtype=np.int64)
    if qa is not None:
        for c, med, sig in (
            (1, qa.org_median_min, qa.org_sigma),
            (2, qa.peer_median_min, qa.peer_sigma),
        ):
            sel = np.flatnonzero(c_first == c)
            d_first[sel] = _lognormal_exact_median(rng, len(sel), med, sig)
    other = np.flatnonzero(c_first == 0)
    d_first[other] = np.clip(rng.lognormal(np.log(50 * 60), 1.1, len(other)), 30, 7 * 86_400)
    delay[first] = d_first
    inc = np.clip(rng.exponential(40 * 60, n_rep), 10, 12 * 3600).astype(np.int64)
    inc[first] = delay[first]
    # cumulative within each thread
    csum = np.cumsum(inc)
    base = np.repeat(csum[np.flatnonzero(first)] - inc[first], k[k > 0])
    rep_ts = root_ts[rep_root] + (csum - base)
    # authors
    ref = root_comm[rep_root]
    excl_pos = np.full(n_rep, -1, dtype=np.int64)
    is_person_root = root_author[rep_root] >= 0
    # exclude the root author from first answers: map person number back to member position
    pos_of_root = root_pos[rep_root]
    excl_pos[first & is_person_root] = pos_of_root[first & is_person_root]
    rep_pos = members.draw_near(rng, ref, mu, excl_pos)
    rep_author = members.people[rep_pos]
    asker_back = (~first) & is_person_root & (rng.random(n_rep) < 0.3)
    rep_author = np.where(asker_back, root_author[rep_root], rep_author)
    org_first = first & (cls[rep_root] == 1)
    rep_author = np.where(org_first, ORG, rep_author)
    rep_role = np.full(n_rep, COMMENT if mode == "page" else FOLLOWUP, dtype=np.int8)
    rep_role[org_first] = ORG_ANSWER
    rep_role[first & (cls[rep_root] == 2)] = PEER_ANSWER
    nested = (~first) & (rng.random(n_rep) < 0.3)
    rep_lang_same = rng.random(n_rep) < 0.85
    rep_lang_alt = _langs(rng, n_rep, lang_main)
    # -- assemble in row order: roots then replies ----------------------------------------
    ts = np.concatenate([root_ts, rep_ts])
    author = np.concatenate([root_author, rep_author]).astype(np.int64)
    root_idx = np.concatenate([np.arange(r_count), rep_root])
    reply_rows = r_count + np.arange(n_rep)
    rep_parent = np.where(nested, reply_rows - 1, rep_root)
    parent = np.concatenate([np.full(r_count, -1), rep_parent]).astype(np.int64)
    depth = np.concatenate([np.zeros(r_count), np.where(nested, 2, 1)]).astype(np.int8)
    roles = np.concatenate([role, rep_role]).astype(np.int8)
    topic = np.concatenate([topic_root, topic_root[rep_root]])
    lang_arr = np.array(lang_root + [None] * n_rep, dtype=object)
    lang_rep = np.where(rep_lang_same, lang_arr[rep_root], np.array(rep_lang_alt, dtype=object))
    lang_arr[r_count:] = lang_rep
    # nested replies to an org answer or a question keep the structure: depth 2 only below
    # a reply, which ``nested`` guarantees (rank > 0 so the previous row is in the thread).
    order = np.lexsort((np.arange(n), ts))
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    par = parent[order]
    par = np.where(par >= 0, inv[np.maximum(par, 0)], -1)
    return Table(
        ts=ts[order],
        author=author[order],
        parent=par,
        root=inv[root_idx[order]],
        role=roles[order],
        depth=depth[order],
        topic=topic[order],
        lang=lang_arr[order].tolist(),
    )


def _langs(rng: np.random.Generator, n: int, main: str) -> list[str]:
    u = rng.random(n)
    if main == "en":
        alt = np.where(u < 0.92, "en", "fr")
    elif main == "fr":
        alt = np.where(u < 0.82, "fr", "en")
    else:
        alt = np.where(u < 0.78, main, np.where(u < 0.95, "en", "fr"))
    return alt.tolist()
