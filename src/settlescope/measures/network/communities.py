"""Communities of each network (Leiden, modularity), and how far organizations bridge them.

Communities are found once per whole network (all platforms together) and kept per account in
``node_attributes`` (attribute ``community``), so maps and exports colour by the same
partition the results describe. Since accounts are platform identities, no community spans
two platforms; per-platform rows describe the partition restricted to that platform.
"""

from __future__ import annotations

from collections.abc import Iterator

import igraph as ig
import numpy as np
import pyarrow as pa
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


class CommunityParams(NetworkParams):
    resolution: float = Field(
        default=1.0, gt=0, description="Modularity resolution (gamma): higher, smaller groups."
    )
    seed: int = Field(default=1, description="Seed of Leiden's random choices.")
    iterations: int = Field(
        default=-1,
        description="Leiden iterations; a negative number iterates until the partition is stable.",
    )
    min_size: int = Field(
        default=10, ge=1, description="Communities counted in 'communities-of-min-size'."
    )


def communities_of(ctx: MeasureContext, p: CommunityParams, sg: ScopeGraph) -> alg.Communities:
    """The Leiden partition of a whole network (memoised for the run)."""
    key = f"network-communities:{p.graph_key()}:{p.resolution}:{p.seed}:{p.iterations}:{sg.scope}"
    return ctx.memo(
        key,
        lambda: alg.leiden(
            sg.undirected(), resolution=p.resolution, seed=p.seed, iterations=p.iterations
        ),
    )


COMMUNITY_METRICS = (
    Metric("communities", "count", "Communities found by Leiden (modularity, the study's "
           "resolution and seed; singletons of isolated pairs included)."),
    Metric("communities-of-min-size", "count", "Communities with at least min_size accounts."),
    Metric("modularity", "ratio", "Modularity Q of the partition on the undirected weighted "
           "network at the chosen resolution (-0.5 to 1; above 0.3 is usually read as clear "
           "community structure). Per platform: Q of the partition restricted to the "
           "platform's network."),
    Metric("largest-community-share", "share", "Accounts in the largest community / nodes."),
)  # fmt: skip


@measure(
    id="network-communities",
    version=1,
    family="network",
    title="Communities (Leiden)",
    inputs=("interactions", "items", "accounts"),
    scopes=("study", "sector", "partner", "organization", "container"),
    metrics=COMMUNITY_METRICS,
    definition="Leiden community detection maximising modularity on each whole network "
    "(ties in either direction merged, weights summed), run until stable, with the "
    "resolution, seed and iterations recorded in the parameters. Each account's community is "
    "kept in node_attributes (attribute 'community', numbered by decreasing size).",
    references=(
        "Traag, Waltman & van Eck (2019) From Louvain to Leiden: guaranteeing well-connected "
        "communities. Scientific Reports 9, 5233.",
        "Newman & Girvan (2004) Finding and evaluating community structure in networks.",
    ),
    params=CommunityParams,
)
def network_communities(ctx: MeasureContext) -> Iterator[Row]:
    p: CommunityParams = ctx.params
    frame = edge_frame(ctx, p)
    scopes = list(scopes_of(frame, ctx))
    for i, whole in enumerate(scopes):
        ctx.progress(i / max(len(scopes), 1), whole.label())
        sg = scope_graph(ctx, p, whole)
        comm = communities_of(ctx, p, sg)
        yield from _community_rows(whole, None, comm.membership, comm.modularity, p)
        ctx.add_node_attributes(
            whole.scope,
            whole.scope_id,
            "community",
            pa.table({"account_key": frame.keys(sg.nodes), "value": comm.membership}),
        )
        for pl in frame.scope_platforms(whole):
            keep = np.flatnonzero(frame.node_platform[sg.nodes] == frame.platforms.index(pl))
            sub = scope_graph(ctx, p, Scope(whole.scope, whole.scope_id, pl))
            memb = _renumber(comm.membership[keep])
            q = alg.modularity(sub.undirected(), memb, p.resolution)
            yield from _community_rows(whole, pl, memb, q, p)


def _renumber(membership: np.ndarray) -> np.ndarray:
    _, inv = np.unique(membership, return_inverse=True)
    return inv.astype(np.int64)


def _community_rows(
    s: Scope, platform: str | None, membership: np.ndarray, q: float, p: CommunityParams
) -> list[Row]:
    dim, cat = ("platform", platform) if platform else (None, None)
    n = len(membership)
    sizes = np.bincount(membership) if n else np.empty(0, np.int64)

    def row(metric: str, value: float, nn: int | None = None) -> Row:
        return Row(s.scope, s.scope_id, metric, value, n=nn, dimension=dim, category=cat)

    return [
        row("communities", float(len(sizes)), n),
        row("communities-of-min-size", float((sizes >= p.min_size).sum()), n),
        row("modularity", q, n),
        row("largest-community-share", float(sizes.max() / n) if n else 0.0, n),
    ]


# -- brokerage --------------------------------------------------------------------------------
BROKERAGE_METRICS = (
    Metric("participation", "share", "Participation coefficient P = 1 - sum_s (k_s/k)^2 of the "
           "account (dimension account) or of all the organization's accounts together "
           "(dimension organization): k distinct neighbours in the network, k_s those in "
           "community s. 0: all its contacts sit in one community; towards 1: it links many "
           "communities evenly. n = k."),
    Metric("communities-reached", "count", "Distinct communities among the neighbours."),
    Metric("constraint", "ratio", "Burt's constraint of the account on the undirected weighted "
           "network: low values mark a broker whose contacts are not tied to each other."),
)  # fmt: skip


@measure(
    id="network-brokerage",
    version=1,
    family="network",
    title="Brokerage of organizations across communities",
    inputs=("interactions", "items", "accounts"),
    scopes=("sector", "partner", "organization"),
    metrics=BROKERAGE_METRICS,
    definition="How far each SPO bridges otherwise separate communities, in the sector "
    "network and in its own network: participation coefficient over the Leiden communities "
    "of network-communities (same parameters), per account and for the organization as a "
    "portfolio, and Burt's constraint per account.",
    references=(
        "Guimera & Amaral (2005) Functional cartography of complex metabolic networks. "
        "Nature 433, 895-900 (participation coefficient).",
        "Burt (1992) Structural Holes (constraint).",
    ),
    params=CommunityParams,
)
def network_brokerage(ctx: MeasureContext) -> Iterator[Row]:
    p: CommunityParams = ctx.params
    frame = edge_frame(ctx, p)
    scopes = [s for s in scopes_of(frame, ctx) if s.scope in ("sector", "partner", "organization")]
    for i, whole in enumerate(scopes):
        ctx.progress(i / max(len(scopes), 1), whole.label())
        sg = scope_graph(ctx, p, whole)
        comm = communities_of(ctx, p, sg)
        orgs = [whole.scope_id] if whole.scope != "sector" else frame.orgs
        yield from _brokerage_rows(frame, sg, comm, whole, orgs)


def _brokerage_rows(
    frame: EdgeFrame, sg: ScopeGraph, comm: alg.Communities, s: Scope, orgs: list[str]
) -> Iterator[Row]:
    u = sg.undirected()
    local = {int(v): i for i, v in enumerate(sg.nodes.tolist())}
    for org in orgs:
        mine = np.asarray(
            [local[v] for v in frame.org_nodes(org).tolist() if v in local], dtype=np.int64
        )
        if not len(mine):
            continue
        keys = frame.keys(sg.nodes[mine]).to_pylist()
        cons = alg.constraint(u, mine)
        for v, key, c in zip(mine.tolist(), keys, cons.tolist(), strict=True):
            yield from _participation_rows(u, comm, np.asarray([v]), s, "account", key)
            if np.isfinite(c):
                yield Row(s.scope, s.scope_id, "constraint", c, dimension="account", category=key)
        yield from _participation_rows(u, comm, mine, s, "organization", org)


def _participation_rows(
    u: ig.Graph, comm: alg.Communities, nodes: np.ndarray, s: Scope, dim: str, cat: str
) -> list[Row]:
    part = alg.participation(u, comm.membership, nodes)
    if part is None:
        return []
    return [
        Row(s.scope, s.scope_id, "participation", part.coefficient, n=part.neighbours,
            dimension=dim, category=cat),
        Row(s.scope, s.scope_id, "communities-reached", float(part.communities),
            n=part.neighbours, dimension=dim, category=cat),
    ]  # fmt: skip
