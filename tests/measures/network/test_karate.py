"""Every structural measure on Zachary's karate club equals networkx's value, same definition.

The club (34 members, 78 friendships; Zachary 1977) ships with igraph as
``Graph.Famous("Zachary")``. It is imported, for a partner whose account is member 1 (Mr Hi), as an edge-list CSV of replies, each friendship
(u, v) with u < v written u -> v, and also v -> u when u + v is divisible by 3, so the
directed measures (reciprocity, in/out centralization, directed betweenness) have something
to measure; the undirected ones see the club itself. networkx computes each expected value
independently, from the same edges, by the definition the measure states.
"""

from __future__ import annotations

import math

import igraph as ig
import networkx as nx
import pytest

from settlescope.measures.run import run_measures
from settlescope.store.pseudonym import Pseudonymiser, read_key
from tests.conftest import StudyFixture

PARTNER = """
[[partners]]
id = "hi"
name = "Mr Hi's club"
[[partners.accounts]]
platform = "other"
handle = "n1"
kind = "organization"
"""


def _edges() -> list[tuple[int, int]]:
    out = []
    for u, v in ig.Graph.Famous("Zachary").get_edgelist():
        a, b = min(u, v), max(u, v)
        out.append((a, b))
        if (a + b) % 3 == 0:
            out.append((b, a))
    return out


@pytest.fixture(scope="module")
def karate(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("karate")
    mp = pytest.MonkeyPatch()
    key = tmp / "keys" / "k.key"
    mp.setenv("SETTLESCOPE_KEY_FILE", str(key))
    from settlescope.study.setup import create_study, open_study

    create_study(tmp / "study", name="Karate", key_file=key)
    toml = tmp / "study" / "study.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + PARTNER, encoding="utf-8")
    fx = StudyFixture(tmp / "study", open_study(tmp / "study"))
    f = tmp / "karate.csv"
    f.write_text(
        "source,target,kind,created_at\n"
        + "".join(f"n{a + 1},n{b + 1},reply,2026-02-01T12:00:00Z\n" for a, b in _edges())
    )
    s = fx.import_(f, fmt="edge-list-csv", partner="hi")
    assert s.loaded == len(_edges())
    with fx.ws() as ws:
        run_measures(ws, fx.opened.study, only=["network"])
    pseud = Pseudonymiser(read_key(key))
    names = {f"other:{pseud('other', f'n{i + 1}')}": i for i in range(34)}
    names["other:n1"] = 0  # the partner's own account keeps its handle
    mp.undo()
    return {"fx": fx, "names": names}


def _digraph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_edges_from(_edges(), weight=1.0)
    return g


def _study_rows(fx: StudyFixture, measure: str) -> dict[str, tuple[float, int | None]]:
    rows = fx.sql(
        "SELECT metric, value, n FROM results WHERE measure_id = ? AND scope = 'study' "
        "AND dimension IS NULL".replace("?", f"'{measure}'")
    )
    return {m: (v, n) for m, v, n in rows}


def _node_attr(karate: dict[str, object], attribute: str) -> dict[int, float]:
    fx: StudyFixture = karate["fx"]  # type: ignore[assignment]
    names: dict[str, int] = karate["names"]  # type: ignore[assignment]
    rows = fx.sql(
        "SELECT account_key, value FROM node_attributes WHERE scope = 'study' "
        f"AND attribute = '{attribute}'"
    )
    return {names[k]: v for k, v in rows}


def _freeman(values: dict[int, float], denominator: float) -> float:
    top = max(values.values())
    return sum(top - v for v in values.values()) / denominator


def test_structure_equals_networkx(karate: dict[str, object]) -> None:
    got = _study_rows(karate["fx"], "network-structure")  # type: ignore[arg-type]
    d = _digraph()
    u = d.to_undirected()
    n = d.number_of_nodes()
    lcc = u.subgraph(max(nx.connected_components(u), key=len))
    mutual = sum(1 for a, b in u.edges if d.has_edge(a, b) and d.has_edge(b, a))
    core = nx.core_number(u)
    btw = nx.betweenness_centrality(d, normalized=False)
    expected = {
        "nodes": n,
        "ties": d.number_of_edges(),
        "interactions": d.number_of_edges(),
        "self-loops": 0,
        # density: networkx `density` of the DiGraph and of its undirected graph
        "density-directed": nx.density(d),
        "density-undirected": nx.density(u),
        # edge reciprocity: networkx `overall_reciprocity`; dyads: mutual / connected pairs
        "reciprocity-ties": nx.overall_reciprocity(d),
        "reciprocity-dyads": mutual / u.number_of_edges(),
        "weak-components": nx.number_weakly_connected_components(d),
        "largest-weak-component": max(len(c) for c in nx.weakly_connected_components(d)),
        "largest-weak-share": 1.0,
        "strong-components": nx.number_strongly_connected_components(d),
        "largest-strong-component": max(len(c) for c in nx.strongly_connected_components(d)),
        # distances: hops on the undirected largest component
        "diameter": nx.diameter(lcc),
        "mean-distance": nx.average_shortest_path_length(lcc),
        "transitivity": nx.transitivity(u),
        "mean-local-clustering": nx.average_clustering(u),
        # Freeman centralization: sum(max - x_i) over the star's sum
        "in-degree-centralization": _freeman(dict(d.in_degree()), (n - 1) ** 2),
        "out-degree-centralization": _freeman(dict(d.out_degree()), (n - 1) ** 2),
        "betweenness-centralization": _freeman(btw, (n - 1) ** 2 * (n - 2)),
        "max-core": max(core.values()),
        "main-core-size": sum(1 for v in core.values() if v == max(core.values())),
    }
    assert set(expected) == set(got)
    for metric, value in expected.items():
        assert got[metric][0] == pytest.approx(value, rel=1e-12, abs=1e-12), metric
    # The published figures: 34 members, 78 friendships (Zachary 1977).
    assert got["nodes"][0] == 34 and u.number_of_edges() == 78
    assert got["density-directed"][1] == 34  # density is reported with its n


def test_positions_equal_networkx(karate: dict[str, object]) -> None:
    d = _digraph()
    pr = nx.pagerank(d, alpha=0.85, weight="weight", tol=1e-12, max_iter=1000)
    btw = nx.betweenness_centrality(d, normalized=True)
    core = nx.core_number(d.to_undirected())
    for attribute, expected in (
        ("pagerank", pr),
        ("betweenness", btw),
        ("in-degree", dict(d.in_degree())),
        ("out-degree", dict(d.out_degree())),
        ("coreness", core),
    ):
        got = _node_attr(karate, attribute)
        assert set(got) == set(expected)
        for node, value in expected.items():
            assert got[node] == pytest.approx(value, abs=1e-9), (attribute, node)


def test_communities_modularity_equals_networkx(karate: dict[str, object]) -> None:
    got = _study_rows(karate["fx"], "network-communities")  # type: ignore[arg-type]
    membership = _node_attr(karate, "community")
    parts: dict[float, set[int]] = {}
    for node, c in membership.items():
        parts.setdefault(c, set()).add(node)
    u = nx.Graph()
    for a, b in _edges():  # weights summed over both directions, as the measure states
        w = u.get_edge_data(a, b, {"weight": 0.0})["weight"]
        u.add_edge(a, b, weight=w + 1.0)
    q = nx.community.modularity(u, parts.values(), weight="weight", resolution=1.0)
    assert got["modularity"][0] == pytest.approx(q, abs=1e-12)
    assert got["communities"][0] == len(parts)
    # Leiden finds the club's known structure: modularity near the best known partition's
    # 0.4198 for the unweighted club (Brandes et al. 2008), here on slightly different
    # weights, and far above a random split.
    assert 0.35 < q < 0.5


def test_brokerage_of_the_partner_account(karate: dict[str, object]) -> None:
    fx: StudyFixture = karate["fx"]  # type: ignore[assignment]
    membership = _node_attr(karate, "community")
    rows = dict(
        fx.sql(
            "SELECT metric, value FROM results WHERE measure_id = 'network-brokerage' "
            "AND scope = 'partner' AND dimension = 'account' AND category = 'other:n1'"
        )
    )
    # By hand: node 0's neighbours and their communities in the partner's own network (the
    # whole club, imported for the partner), P = 1 - sum_s (k_s / k)^2.
    part_rows = fx.sql(
        "SELECT account_key, value FROM node_attributes WHERE scope = 'partner' "
        "AND attribute = 'community'"
    )
    names: dict[str, int] = karate["names"]  # type: ignore[assignment]
    comm = {names[k]: v for k, v in part_rows}
    nbrs = set(_digraph().to_undirected().neighbors(0))
    counts: dict[float, int] = {}
    for v in nbrs:
        counts[comm[v]] = counts.get(comm[v], 0) + 1
    k = len(nbrs)
    expected = 1 - sum((c / k) ** 2 for c in counts.values())
    assert rows["participation"] == pytest.approx(expected, abs=1e-12)
    assert rows["communities-reached"] == len(counts)
    assert not math.isnan(rows["constraint"])
    assert set(membership)  # the study scope kept every member's community


def test_pagerank_by_power_iteration_equals_networkx() -> None:
    """The fallback used when ARPACK gives up computes the same PageRank."""
    from settlescope.measures.network import algorithms as alg

    d = _digraph()
    d.add_edge(40, 41, weight=2.0)  # a second component with a dangling node
    g = ig.Graph(directed=True)
    nodes = sorted(d.nodes)
    g.add_vertices(len(nodes))
    index = {v: i for i, v in enumerate(nodes)}
    g.add_edges([(index[a], index[b]) for a, b in d.edges])
    g.es["weight"] = [w for _, _, w in d.edges(data="weight")]
    expected = nx.pagerank(d, alpha=0.85, weight="weight", tol=1e-14, max_iter=10_000)
    got = alg._pagerank_power(g, 0.85)
    for v, i in index.items():
        assert got[i] == pytest.approx(expected[v], abs=1e-10)
