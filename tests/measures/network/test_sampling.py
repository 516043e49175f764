"""Estimates on large networks: sampled betweenness and distances bracket the exact values.

Above ``exact_max_nodes`` the measures estimate betweenness and distances from sampled
sources. Here the threshold is lowered so a 3,000-node graph is estimated, and the exact
values (every source) are the truth: the 95% intervals must contain them and the diameter's
bounds must hold (lower bound = an eccentricity actually met, upper = twice the smallest).
"""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pytest

from settlescope.measures.network import algorithms as alg


@pytest.fixture(scope="module")
def graph() -> ig.Graph:
    # A directed scale-free graph with some reciprocity, connected enough to have paths.
    with alg.seeded(5):
        g = ig.Graph.Barabasi(3000, m=3, directed=True)
    rng = np.random.default_rng(7)
    back = [(v, u) for u, v in g.get_edgelist() if rng.random() < 0.3]
    g.add_edges(back)
    g.simplify()
    g.es["weight"] = 1.0
    return g


@pytest.mark.parametrize("seed", [1, 2, 3], ids=["seed1", "seed2", "seed3"])
def test_sampled_distances_bracket_the_exact_ones(graph: ig.Graph, seed: int) -> None:
    u = graph.as_undirected(mode="collapse")
    exact_d, exact_m = alg.distances(u, exact_max_nodes=10_000, samples=64, seed=seed)
    est_d, est_m = alg.distances(u, exact_max_nodes=100, samples=64, seed=seed)
    assert exact_d.exact and not est_d.exact
    assert est_d.lower <= exact_d.value <= est_d.upper  # type: ignore[operator]
    assert est_m.lower <= exact_m.value <= est_m.upper  # type: ignore[operator]
    # the exact figures are networkx's (hop distances on the undirected graph)
    h = nx.Graph(u.get_edgelist())
    assert exact_d.value == nx.diameter(h)
    assert exact_m.value == pytest.approx(nx.average_shortest_path_length(h), rel=1e-12)


def test_sampled_betweenness_intervals_cover_most_nodes(graph: ig.Graph) -> None:
    exact = alg.betweenness(graph, exact_max_nodes=10_000, samples=64, seed=1)
    est = alg.betweenness(graph, exact_max_nodes=100, samples=256, seed=1)
    assert exact.exact and not est.exact and est.sources == 256
    assert est.se is not None
    # The hubs, where betweenness matters. Per-source dependencies are heavily skewed on a
    # scale-free graph, so the normal-approximation interval under-covers: about 80% of the
    # 100 most central nodes here (the measure's docs say so); far below would mean a broken
    # estimator or error. The top-10 ranking is kept.
    top = np.argsort(-exact.raw)[:100]
    half = est.t95() * est.se[top]
    covered = np.abs(est.raw[top] - exact.raw[top]) <= half
    assert covered.mean() >= 0.7
    assert len(set(np.argsort(-est.raw)[:10]) & set(np.argsort(-exact.raw)[:10])) >= 8
    lo, hi = est.centralization.lower, est.centralization.upper
    assert lo is not None and hi is not None
    assert lo <= exact.centralization.value <= hi


def test_betweenness_of_a_disjoint_union_is_put_together_from_its_parts() -> None:
    with alg.seeded(3):
        a = ig.Graph.Barabasi(400, m=2, directed=True)
        b = ig.Graph.Erdos_Renyi(300, m=900, directed=True)
    whole = a.disjoint_union(b)
    exact = alg.betweenness(whole, exact_max_nodes=10_000, samples=64, seed=1)
    ia, ib = np.arange(400), np.arange(400, 700)
    parts = [(ia, alg.betweenness(a, exact_max_nodes=10_000, samples=64, seed=1)),
             (ib, alg.betweenness(b, exact_max_nodes=10_000, samples=64, seed=1))]  # fmt: skip
    got = alg.combine_betweenness(700, parts)
    assert got.exact
    assert np.allclose(got.raw, exact.raw, rtol=1e-12, atol=1e-9)
    assert got.centralization.value == pytest.approx(exact.centralization.value, rel=1e-12)
    # with one part estimated, the interval still holds the exact centralization
    parts[0] = (ia, alg.betweenness(a, exact_max_nodes=100, samples=128, seed=2))
    est = alg.combine_betweenness(700, parts)
    c = est.centralization
    assert not est.exact and c.lower is not None and c.upper is not None
    assert c.lower <= exact.centralization.value <= c.upper
