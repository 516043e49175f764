"""Network algorithms on one igraph graph, each with its definition stated.

Pure functions of a graph and their parameters: no workspace, no files. The measures call
them on the scopes' graphs; the benchmark calls the same functions on prebuilt graphs, so the
cost of the pipeline around them can be told apart.

Graphs are directed and weighted (edge attribute ``weight``), without self-loops or multiple
edges (see :mod:`settlescope.measures.network.graph`). Where a definition is undirected, the
function takes ``u``, the simple undirected graph of the same ties (a tie in either direction,
weights summed: :meth:`ScopeGraph.undirected`).

Large graphs
    Betweenness, diameter and mean distance cost a breadth-first search per node. Up to
    ``exact_max_nodes`` nodes they are exact; above, they are estimated from ``samples``
    source nodes drawn at random (seeded), and the estimate comes with its uncertainty: a
    95% interval from the spread over sources (betweenness, mean distance), or proven bounds
    (diameter).
"""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

import igraph as ig
import numpy as np

Z95 = 1.959963984540054
# Nodes (by degree) whose per-source betweenness is kept for the centralization's error.
CANDIDATES = 1000
# Sampled sources per igraph call; the spread between calls gives the standard errors.
BATCH_SOURCES = 4


@dataclass(frozen=True)
class Estimate:
    """A value with its n and, when it is estimated or bounded, its interval."""

    value: float
    n: int | None = None
    lower: float | None = None
    upper: float | None = None

    @property
    def exact(self) -> bool:
        return self.lower is None and self.upper is None


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[random.Random]:
    """Run igraph's randomised algorithms under their own seeded generator."""
    rng = random.Random(seed)
    ig.set_random_number_generator(rng)
    try:
        yield rng
    finally:
        ig.set_random_number_generator(random)


# -- size and structure ----------------------------------------------------------------------
def density(g: ig.Graph) -> tuple[Estimate, Estimate]:
    """Directed density m / (n(n-1)) and undirected density m_u / (n(n-1)/2).

    ``m`` counts ordered ties, ``m_u`` unordered pairs tied in either direction (networkx
    ``density`` of a ``DiGraph`` and of a ``Graph``).
    """
    n, m = g.vcount(), g.ecount()
    if n < 2:
        return Estimate(0.0, n), Estimate(0.0, n)
    mutual = _mutual_pairs(g)
    pairs = n * (n - 1)
    return Estimate(m / pairs, n), Estimate((m - mutual) / (pairs / 2), n)


def _mutual_pairs(g: ig.Graph) -> int:
    mut, _asym, _null = g.dyad_census()
    return int(mut)


def reciprocity(g: ig.Graph) -> tuple[Estimate, Estimate]:
    """Edge reciprocity and dyad reciprocity.

    Edge ratio: the share of directed ties whose reverse tie exists (networkx
    ``overall_reciprocity``; Wasserman & Faust 1994). Dyad ratio: mutual dyads over connected
    dyads, M / (M + A) from the dyad census.
    """
    m = g.ecount()
    mutual = _mutual_pairs(g)
    asym = m - 2 * mutual
    edge = 2 * mutual / m if m else 0.0
    dyads = mutual + asym
    return Estimate(edge, m), Estimate(mutual / dyads if dyads else 0.0, dyads)


@dataclass(frozen=True)
class Components:
    weak: int
    largest_weak: int
    strong: int
    largest_strong: int


def components(g: ig.Graph) -> Components:
    """Weakly and strongly connected components and the size of the largest of each."""
    weak = g.connected_components(mode="weak")
    strong = g.connected_components(mode="strong")
    return Components(
        weak=len(weak),
        largest_weak=max(weak.sizes(), default=0),
        strong=len(strong),
        largest_strong=max(strong.sizes(), default=0),
    )


def largest_component(u: ig.Graph) -> ig.Graph:
    """The largest connected component of the simple undirected graph ``u``."""
    if u.vcount() == 0:
        return u
    return u.connected_components().giant()


def distances(u: ig.Graph, *, exact_max_nodes: int, samples: int, seed: int) -> tuple[
    Estimate, Estimate
]:  # fmt: skip
    """Diameter and mean geodesic distance of the largest weakly connected component.

    Convention: distances count hops on the simple undirected graph (a tie in either direction
    connects), unweighted, between distinct nodes of the largest weakly connected component
    (networkx ``diameter`` and ``average_shortest_path_length`` of that component).

    Above ``exact_max_nodes`` nodes, ``samples`` sources are drawn at random: the mean distance
    is the mean of their mean distances (95% t interval over sources), and the
    diameter is bounded below by the largest eccentricity met (improved by a second sweep from
    the farthest node) and above by twice the smallest.
    """
    lcc = largest_component(u)
    n = lcc.vcount()
    if n < 2:
        return Estimate(0.0, n), Estimate(0.0, n)
    if n <= exact_max_nodes:
        # one breadth-first search from every node gives both (the histogram of all lengths)
        bins = [(int(lo), c) for lo, _hi, c in lcc.path_length_hist(directed=False).bins() if c]
        pairs = sum(c for _, c in bins)
        return (
            Estimate(float(max(d for d, _ in bins)), n),
            Estimate(sum(d * c for d, c in bins) / pairs, n),
        )
    rng = np.random.default_rng(seed)
    sources = rng.choice(n, size=min(samples, n), replace=False)
    means: list[float] = []
    eccs: list[int] = []
    far, far_ecc = 0, -1
    for s in sources.tolist():
        ecc, total, last = _bfs_sums(lcc, s)
        means.append(total / (n - 1))
        eccs.append(ecc)
        if ecc > far_ecc:
            far, far_ecc = last, ecc
    sweep, _, _ = _bfs_sums(lcc, far)
    lower = float(max(max(eccs), sweep))
    upper = float(2 * min(eccs))
    mean, lo, hi = _mean_interval(np.asarray(means))
    return (
        Estimate(lower, n, lower=lower, upper=max(upper, lower)),
        Estimate(mean, n, lower=max(lo, 1.0), upper=hi),
    )


def _bfs_sums(g: ig.Graph, source: int) -> tuple[int, int, int]:
    """Eccentricity of ``source``, the sum of its distances, and one farthest node."""
    order, starts, _ = g.bfs(source)
    layers = np.diff(np.asarray(starts))
    depth = np.arange(len(layers))
    return len(layers) - 1, int((layers * depth).sum()), int(order[-1])


def t95(df: int) -> float:
    """The two-sided 95% quantile of Student's t with ``df`` degrees of freedom.

    Cornish-Fisher expansion about the normal quantile (Abramowitz & Stegun 26.7.5); within
    0.1% of the exact value from df = 5 upwards.
    """
    z = Z95
    if df <= 0:
        return math.inf
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


def _mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean of per-source values with a 95% t interval (sources drawn at random)."""
    mean = float(values.mean())
    k = len(values)
    if k < 2:
        return mean, mean, mean
    half = t95(k - 1) * float(values.std(ddof=1)) / math.sqrt(k)
    return mean, mean - half, mean + half


def clustering(u: ig.Graph) -> tuple[Estimate, Estimate]:
    """Global transitivity and the mean local clustering coefficient (undirected, unweighted).

    Transitivity: 3 x triangles / connected triples (networkx ``transitivity``). Mean local
    clustering: the mean over all nodes of the share of a node's neighbour pairs that are
    tied, nodes with fewer than two neighbours counting 0 (networkx ``average_clustering``).
    """
    n = u.vcount()
    if n == 0:
        return Estimate(0.0, 0), Estimate(0.0, 0)
    t = u.transitivity_undirected(mode="zero")
    avg = u.transitivity_avglocal_undirected(mode="zero")
    return Estimate(_finite(t), n), Estimate(_finite(avg), n)


def _finite(v: float) -> float:
    return 0.0 if v is None or math.isnan(v) else float(v)


def degree_centralization(g: ig.Graph, mode: str) -> Estimate:
    """Freeman degree centralization of in- or out-degree (directed, no loops).

    C = sum_i (d* - d_i) / (n - 1)^2, with d_i the number of distinct in- (or out-)
    neighbours and d* the largest; (n - 1)^2 is the sum a star of n nodes reaches (Freeman
    1978). 0 for fewer than two nodes.
    """
    n = g.vcount()
    if n < 2:
        return Estimate(0.0, n)
    d = np.asarray(g.degree(mode=mode, loops=False), dtype=np.float64)
    return Estimate(float((d.max() - d).sum() / (n - 1) ** 2), n)


@dataclass(frozen=True)
class Betweenness:
    """Directed betweenness of every node, exact or estimated from sampled sources."""

    raw: np.ndarray  # estimated sum over ordered pairs (s, t) of sigma_st(v) / sigma_st
    se: np.ndarray | None  # standard error per node (None when exact)
    sources: int  # sources used (n when exact)
    centralization: Estimate
    total_var: float = 0.0  # variance of the estimate of sum_v b(v) (0 when exact)
    batches: int = 0  # batches of sources behind the standard errors (0 when exact)

    def t95(self) -> float:
        """The t quantile for this estimate's 95% intervals."""
        return t95(self.batches - 1)

    @property
    def exact(self) -> bool:
        return self.se is None

    def normalised(self) -> np.ndarray:
        n = len(self.raw)
        if n <= 2:
            return np.zeros(n)
        return np.clip(self.raw / ((n - 1) * (n - 2)), 0.0, 1.0)


def betweenness(g: ig.Graph, *, exact_max_nodes: int, samples: int, seed: int) -> Betweenness:
    """Directed, unweighted betweenness and Freeman betweenness centralization.

    b(v) = sum over ordered pairs s != v != t of sigma_st(v) / sigma_st (Freeman 1977; networkx
    ``betweenness_centrality(normalized=False)`` on a ``DiGraph``). Centralization:
    sum_i (b* - b_i) / ((n - 1)^2 (n - 2)), the directed star's sum.

    Above ``exact_max_nodes`` nodes, k sources are drawn without replacement and
    b(v) ~ (n / k) sum over sampled sources of their dependencies on v (Brandes & Pich 2007).
    The sources are taken in batches of ``BATCH_SOURCES`` (one igraph call each, which
    amortises the call's own cost); each node's standard error comes from the spread of the
    batch estimates, and so does the centralization's (t quantile, batches - 1 df).
    The estimate is unbiased; the interval is a normal approximation, and on scale-free
    networks, where a few sources carry most of a hub's dependencies, it covers the exact
    value less often than 95% (about 80% of the hubs in the package's tests).
    """
    n = g.vcount()
    if n <= exact_max_nodes:
        raw = np.asarray(g.betweenness(directed=True), dtype=np.float64)
        return Betweenness(raw, None, n, Estimate(_centralization(raw), n))
    rng = np.random.default_rng(seed)
    k = min(samples, n)
    sources = rng.choice(n, size=k, replace=False)
    batches = [b for b in np.array_split(sources, max(1, k // BATCH_SOURCES)) if len(b)]
    nb = len(batches)
    # Batch values are kept for the likeliest maxima (the highest degrees), so the
    # centralization's error can be taken from its own batch values.
    cand = np.argsort(-np.asarray(g.degree(mode="all")), kind="stable")[:CANDIDATES]
    s1 = np.zeros(n)
    s2 = np.zeros(n)
    at_cand = np.empty((nb, len(cand)))
    totals = np.empty(nb)
    for i, b in enumerate(batches):
        est = np.asarray(g.betweenness(directed=True, sources=b.tolist()), dtype=np.float64)
        est *= n / len(b)
        s1 += est
        s2 += est * est
        at_cand[i] = est[cand]
        totals[i] = est.sum()
    raw = s1 / nb
    var = np.maximum(s2 - s1 * s1 / nb, 0.0) / (nb - 1) if nb > 1 else np.zeros(n)
    se = np.sqrt(var / nb)
    c = _centralization(raw)
    top = int(np.argmax(raw))
    hit = np.flatnonzero(cand == top)
    denom = (n - 1) ** 2 * (n - 2)
    t = t95(nb - 1)
    if nb > 1 and len(hit):
        # C = mean over batches of (n x_b[top] - sum_v x_b[v]) / denom
        per_batch = (n * at_cand[:, hit[0]] - totals) / denom
        c_half = t * float(per_batch.std(ddof=1)) / math.sqrt(nb)
    elif nb > 1:  # the top node was not a candidate: bound the error by the sum of both parts
        c_half = t * (n * float(se[top]) + float(totals.std(ddof=1)) / math.sqrt(nb)) / denom
    else:
        c_half = 0.0
    cent = Estimate(c, n, lower=max(0.0, c - c_half), upper=min(1.0, max(c, c + c_half)))
    total_var = float(totals.var(ddof=1)) / nb if nb > 1 else 0.0
    return Betweenness(raw, se, k, cent, total_var, nb)


def combine_betweenness(n: int, parts: list[tuple[np.ndarray, Betweenness]]) -> Betweenness:
    """Betweenness of a graph whose parts have no tie between them, from the parts'.

    No shortest path crosses from one part to another, so each node's betweenness in the
    whole graph is its betweenness in its part (exact or estimated as the part's size
    called for). ``parts`` gives each part's vertex ids in the whole graph. The
    centralization is recomputed over the whole; when a part was estimated, its interval
    adds the error of the top node and of the sum (conservatively, as if independent).
    """
    raw = np.zeros(n)
    se = np.zeros(n)
    sampled = [b for _, b in parts if not b.exact]
    for idx, b in parts:
        raw[idx] = b.raw
        if b.se is not None:
            se[idx] = b.se
    c = _centralization(raw)
    if not sampled:
        return Betweenness(raw, None, n, Estimate(c, n))
    top = int(np.argmax(raw))
    nb = min(b.batches for b in sampled)
    total_se = math.sqrt(sum(b.total_var for b in sampled))
    denom = (n - 1) ** 2 * (n - 2) if n > 2 else 1
    half = t95(nb - 1) * (n * float(se[top]) + total_se) / denom
    cent = Estimate(c, n, lower=max(0.0, c - half), upper=min(1.0, max(c, c + half)))
    sources = sum(b.sources for _, b in parts)
    return Betweenness(raw, se, sources, cent, sum(b.total_var for b in sampled), nb)


def _centralization(raw: np.ndarray) -> float:
    n = len(raw)
    if n < 3:
        return 0.0
    v = float((raw.max() - raw).sum() / ((n - 1) ** 2 * (n - 2)))
    return min(max(v, 0.0), 1.0)


def coreness(u: ig.Graph) -> np.ndarray:
    """k-core number of each node of the simple undirected graph ``u`` (Seidman 1983)."""
    return np.asarray(u.coreness(mode="all"), dtype=np.int64)


# -- communities -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Communities:
    membership: np.ndarray
    modularity: float
    count: int


def leiden(u: ig.Graph, *, resolution: float, seed: int, iterations: int) -> Communities:
    """Leiden communities maximising modularity on the undirected weighted graph.

    Ties in both directions are merged and their weights summed; modularity
    Q = 1/(2W) sum_ij [w_ij - gamma k_i k_j / (2W)] delta(c_i, c_j) with resolution gamma
    (Newman & Girvan 2004; Traag, Waltman & van Eck 2019). Communities are numbered by
    decreasing size.
    """
    if u.vcount() == 0:
        return Communities(np.empty(0, np.int64), 0.0, 0)
    with seeded(seed):
        part = u.community_leiden(
            objective_function="modularity",
            weights="weight" if u.ecount() else None,
            resolution=resolution,
            n_iterations=iterations,
        )
    membership = _by_size(np.asarray(part.membership, dtype=np.int64))
    q = u.modularity(membership.tolist(), weights="weight" if u.ecount() else None,
                     resolution=resolution)  # fmt: skip
    return Communities(membership, float(q), int(membership.max()) + 1)


def _by_size(membership: np.ndarray) -> np.ndarray:
    counts = np.bincount(membership)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[membership]


def modularity(u: ig.Graph, membership: np.ndarray, resolution: float = 1.0) -> float:
    """Modularity of a given partition of the undirected weighted graph (see :func:`leiden`)."""
    if u.ecount() == 0:
        return 0.0
    return float(u.modularity(membership.tolist(), weights="weight", resolution=resolution))


# -- positions ---------------------------------------------------------------------------------
def pagerank(g: ig.Graph, damping: float = 0.85, seed: int = 1) -> np.ndarray:
    """PageRank on the directed graph, ties weighted; dangling nodes jump uniformly.

    The stationary distribution of a surfer who follows a tie with probability ``damping``
    (chosen in proportion to tie weight) and jumps to a uniformly random node otherwise
    (Brin & Page 1998; networkx ``pagerank``). Sums to 1 over the graph. Solved with ARPACK
    from a seeded start: igraph's default solver (PRPACK) runs in parallel and its last
    digits change from run to run, which would make re-runs of a measure differ.
    """
    if g.vcount() == 0:
        return np.empty(0)
    w = "weight" if g.ecount() else None
    try:
        with seeded(seed):
            pr = g.pagerank(directed=True, damping=damping, weights=w, implementation="arpack")
    except ig.InternalError:  # ARPACK gives up on some small, degenerate graphs
        return _pagerank_power(g, damping)
    return np.asarray(pr, dtype=np.float64)


def _pagerank_power(g: ig.Graph, damping: float, tol: float = 1e-13) -> np.ndarray:
    """PageRank by power iteration (the same definition), in numpy: slower, never fails."""
    n = g.vcount()
    edges = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    w = np.asarray(g.es["weight"], dtype=np.float64) if g.ecount() else np.empty(0)
    out = np.bincount(edges[:, 0], weights=w, minlength=n)
    dangling = out == 0
    share = np.divide(w, out[edges[:, 0]], out=np.zeros_like(w), where=out[edges[:, 0]] > 0)
    x = np.full(n, 1.0 / n)
    for _ in range(10_000):
        y = damping * np.bincount(edges[:, 1], weights=x[edges[:, 0]] * share, minlength=n)
        y += (damping * x[dangling].sum() + 1.0 - damping) / n
        y /= y.sum()
        if np.abs(y - x).sum() < tol:
            return y
        x = y
    return x


@dataclass(frozen=True)
class Participation:
    coefficient: float
    neighbours: int
    communities: int


def participation(u: ig.Graph, membership: np.ndarray, nodes: np.ndarray) -> Participation | None:
    """Participation coefficient of a set of nodes taken together, across communities.

    P = 1 - sum_s (k_s / k)^2, where k counts the distinct neighbours of the set (outside it)
    and k_s those in community s (Guimera & Amaral 2005). 0 when all neighbours sit in one
    community, approaching 1 when they spread evenly over many: how far the set bridges
    otherwise separate communities. None when the set has no neighbours.
    """
    inside = set(nodes.tolist())
    nbrs: set[int] = set()
    for v in inside:
        nbrs.update(u.neighbors(v))
    nbrs -= inside
    if not nbrs:
        return None
    counts = np.bincount(membership[np.fromiter(nbrs, np.int64)])
    k = int(counts.sum())
    return Participation(1.0 - float(((counts / k) ** 2).sum()), k, int((counts > 0).sum()))


def constraint(u: ig.Graph, nodes: np.ndarray) -> np.ndarray:
    """Burt's constraint of each node (undirected ties, weighted): low values mark brokers."""
    w = "weight" if u.ecount() else None
    return np.asarray(u.constraint(nodes.tolist(), weights=w), dtype=np.float64)
