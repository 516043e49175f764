"""Size and structure of each network: density, reciprocity, components, distances,
clustering, centralization and cores.

Every scope's network is measured as a whole (all platforms together: an organization as a
portfolio of accounts) and on each platform apart (``dimension = platform``). Accounts are
platform identities, so the whole network is the disjoint union of its platforms' networks.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from pydantic import Field

from settlescope.measures.base import MeasureContext, Metric, Row, measure
from settlescope.measures.network import algorithms as alg
from settlescope.measures.network.graph import (
    EdgeFrame,
    NetworkParams,
    Scope,
    ScopeGraph,
    edge_frame,
    scope_graph,
    scopes_of,
)


class SamplingParams(NetworkParams):
    exact_max_nodes: int = Field(
        default=50_000,
        ge=3,
        description="Betweenness is exact up to this many nodes, estimated from sampled "
        "sources above.",
    )
    exact_distance_max_nodes: int = Field(
        default=10_000,
        ge=3,
        description="Diameter and mean distance are exact up to this many nodes in the largest "
        "component (a search from every node), estimated from sampled sources above.",
    )
    samples: int = Field(
        default=64,
        ge=2,
        description="Source nodes drawn for the estimates on larger networks.",
    )
    seed: int = Field(default=1, description="Seed of the random draws (sources, Leiden).")


METRICS = (
    Metric("nodes", "accounts", "Accounts at either end of a tie in the network."),
    Metric("ties", "count", "Unique directed ties: ordered pairs (a, b), a != b, with at least "
           "one interaction from a to b."),
    Metric("interactions", "count", "Interactions behind the ties (repeats counted)."),
    Metric("self-loops", "count", "Interactions of an account with itself, left out of the "
           "network."),
    Metric("density-directed", "share", "ties / (n(n-1)), n = nodes (reported as the row's "
           "n): the share of possible directed ties present. Falls with size: compare "
           "networks of similar n."),
    Metric("density-undirected", "share", "Pairs tied in either direction / (n(n-1)/2)."),
    Metric("reciprocity-ties", "share", "Share of directed ties whose reverse tie exists "
           "(n = ties)."),
    Metric("reciprocity-dyads", "share", "Mutual dyads / connected dyads, M / (M + A) "
           "(n = connected dyads)."),
    Metric("weak-components", "count", "Weakly connected components."),
    Metric("largest-weak-component", "accounts", "Nodes of the largest weakly connected "
           "component."),
    Metric("largest-weak-share", "share", "largest-weak-component / nodes."),
    Metric("strong-components", "count", "Strongly connected components (isolated nodes "
           "count as components)."),
    Metric("largest-strong-component", "accounts", "Nodes of the largest strongly connected "
           "component."),
    Metric("diameter", "hops", "Longest shortest path in the largest weakly connected "
           "component, in hops on the undirected, unweighted graph. Above exact_distance_max_nodes: the "
           "longest found from sampled sources (lower) and twice the smallest eccentricity "
           "found (upper)."),
    Metric("mean-distance", "hops", "Mean shortest-path length over pairs of distinct nodes "
           "of the largest weakly connected component (undirected, unweighted). Above "
           "exact_distance_max_nodes: mean over sampled sources, with a 95% interval."),
    Metric("transitivity", "share", "Global clustering: 3 x triangles / connected triples, "
           "undirected."),
    Metric("mean-local-clustering", "share", "Mean over nodes of the local clustering "
           "coefficient (undirected; nodes with fewer than two neighbours count 0)."),
    Metric("in-degree-centralization", "share", "Freeman: sum_i (d* - d_i) / (n-1)^2 over "
           "distinct in-neighbours; 1 for a star pointing in, 0 when all are equal."),
    Metric("out-degree-centralization", "share", "Freeman, as above, over out-neighbours."),
    Metric("betweenness-centralization", "share", "Freeman: sum_i (b* - b_i) / ((n-1)^2 (n-2)) "
           "with directed betweenness b; above exact_max_nodes from the sampled estimate, with "
           "a 95% interval."),
    Metric("max-core", "count", "Largest k such that a k-core exists (degeneracy), "
           "undirected."),
    Metric("main-core-size", "accounts", "Nodes in the max-core."),
)  # fmt: skip


@measure(
    id="network-structure",
    version=1,
    family="network",
    title="Network size and structure",
    inputs=("interactions", "items", "accounts"),
    scopes=("study", "sector", "partner", "organization", "container"),
    metrics=METRICS,
    definition="Directed, weighted account-to-account networks of the wave, built from the "
    "chosen interaction kinds (edge_kinds; default replies, mentions, shares/forwards and "
    "reactions). Scopes: the whole study; the sector (interactions in any organization's "
    "spaces or touching an organization's account); each partner's and other organization's "
    "network (its ego network as a portfolio: interactions in its pages, groups and channels "
    "or with any of its accounts); each community group (its container). Each network is "
    "measured whole and per platform. Self-loops are left out; a tie's weight sums its "
    "interactions; structure is measured on the unweighted ties.",
    references=(
        "Wasserman & Faust (1994) Social Network Analysis, ch. 4-5 (density, reciprocity, "
        "centralization).",
        "Freeman (1978) Centrality in social networks: conceptual clarification.",
        "Brandes & Pich (2007) Centrality estimation in large networks.",
        "Seidman (1983) Network structure and minimum degree.",
        "NodeXL graph metrics (shared/domain/social-media-analytics-anchors.md).",
    ),
    params=SamplingParams,
)
def network_structure(ctx: MeasureContext) -> Iterator[Row]:
    p: SamplingParams = ctx.params
    frame = edge_frame(ctx, p)
    scopes = list(scopes_of(frame, ctx))
    for i, whole in enumerate(scopes):
        ctx.progress(i / max(len(scopes), 1), whole.label())
        parts = [scope_graph(ctx, p, s) for s in platform_scopes(frame, whole)]
        sg = scope_graph(ctx, p, whole)
        yield from structure_rows(sg, p, betweenness_of(ctx, p, sg), distances_of(ctx, p, sg))
        for part in parts:
            yield from structure_rows(
                part, p, betweenness_of(ctx, p, part), distances_of(ctx, p, part)
            )


def platform_scopes(frame: EdgeFrame, whole: Scope) -> list[Scope]:
    return [Scope(whole.scope, whole.scope_id, pl) for pl in frame.scope_platforms(whole)]


def _key(kind: str, p: SamplingParams, scope: Scope) -> str:
    return (
        f"network-{kind}:{p.graph_key()}:{p.exact_max_nodes}:{p.exact_distance_max_nodes}:"
        f"{p.samples}:{p.seed}:{scope}"
    )


def _parts(
    ctx: MeasureContext, p: SamplingParams, sg: ScopeGraph
) -> list[tuple[np.ndarray, ScopeGraph]] | None:
    """A whole network's platform parts, with their vertex ids in the whole (None: one part)."""
    if sg.scope.platform is not None:
        return None
    frame = edge_frame(ctx, p)
    scopes = platform_scopes(frame, sg.scope)
    if len(scopes) < 2:
        return None
    out = []
    for s in scopes:
        code = frame.platforms.index(s.platform)  # type: ignore[arg-type]
        idx = np.flatnonzero(frame.node_platform[sg.nodes] == code)
        out.append((idx, scope_graph(ctx, p, s)))
    return out


def betweenness_of(ctx: MeasureContext, p: SamplingParams, sg: ScopeGraph) -> alg.Betweenness:
    """The network's betweenness, memoised (structure and positions share it).

    A whole network's is put together from its platforms' (no path crosses platforms),
    so each part is computed once.
    """

    def make() -> alg.Betweenness:
        parts = _parts(ctx, p, sg)
        if parts is None:
            return alg.betweenness(
                sg.graph, exact_max_nodes=p.exact_max_nodes, samples=p.samples, seed=p.seed
            )
        return alg.combine_betweenness(
            sg.n, [(idx, betweenness_of(ctx, p, part)) for idx, part in parts]
        )

    return ctx.memo(_key("betweenness", p, sg.scope), make)


def distances_of(
    ctx: MeasureContext, p: SamplingParams, sg: ScopeGraph
) -> tuple[alg.Estimate, alg.Estimate]:
    """Diameter and mean distance, memoised; a whole network's are its largest part's.

    The largest weakly connected component of a whole network lies on one platform (ties
    never cross platforms), so its distances are that platform's (on equal sizes, the
    first platform in alphabetical order).
    """

    def make() -> tuple[alg.Estimate, alg.Estimate]:
        parts = _parts(ctx, p, sg)
        if parts is None:
            return alg.distances(
                sg.undirected(), exact_max_nodes=p.exact_distance_max_nodes, samples=p.samples,
                seed=p.seed,
            )  # fmt: skip
        sizes = [alg.components(part.graph).largest_weak for _, part in parts]
        best = parts[int(np.argmax(sizes))][1]
        return distances_of(ctx, p, best)

    return ctx.memo(_key("distances", p, sg.scope), make)


def structure_rows(
    sg: ScopeGraph,
    p: SamplingParams,
    btw: alg.Betweenness,
    dist: tuple[alg.Estimate, alg.Estimate],
) -> list[Row]:
    """The structure metrics of one network as result rows."""
    g, u = sg.graph, sg.undirected()
    s = sg.scope
    dim, cat = ("platform", s.platform) if s.platform else (None, None)
    rows: list[Row] = []

    def add(metric: str, e: alg.Estimate | float | int, n: int | None = None) -> None:
        if isinstance(e, alg.Estimate):
            rows.append(Row(s.scope, s.scope_id, metric, e.value, n=e.n, lower=e.lower,
                            upper=e.upper, dimension=dim, category=cat))  # fmt: skip
        else:
            rows.append(Row(s.scope, s.scope_id, metric, float(e), n=n, dimension=dim,
                            category=cat))  # fmt: skip

    n = sg.n
    add("nodes", n)
    add("ties", sg.m)
    add("interactions", sg.interactions)
    add("self-loops", sg.self_loops)
    d_dir, d_und = alg.density(g)
    add("density-directed", d_dir)
    add("density-undirected", d_und)
    r_ties, r_dyads = alg.reciprocity(g)
    add("reciprocity-ties", r_ties)
    add("reciprocity-dyads", r_dyads)
    comp = alg.components(g)
    add("weak-components", comp.weak)
    add("largest-weak-component", comp.largest_weak)
    add("largest-weak-share", comp.largest_weak / n if n else 0.0, n)
    add("strong-components", comp.strong)
    add("largest-strong-component", comp.largest_strong)
    diameter, mean = dist
    add("diameter", diameter)
    add("mean-distance", mean)
    trans, local = alg.clustering(u)
    add("transitivity", trans)
    add("mean-local-clustering", local)
    add("in-degree-centralization", alg.degree_centralization(g, "in"))
    add("out-degree-centralization", alg.degree_centralization(g, "out"))
    add("betweenness-centralization", btw.centralization)
    core = alg.coreness(u)
    kmax = int(core.max()) if len(core) else 0
    add("max-core", kmax, n)
    add("main-core-size", int((core == kmax).sum()) if len(core) else 0)
    return rows
