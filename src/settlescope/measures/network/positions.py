"""Positions of accounts in each network: degree, strength, PageRank, betweenness, k-core.

Every account's position is kept in ``node_attributes`` (for maps, exports and the
dashboard); organizations' own accounts also get result rows (``dimension = account``), and
each organization as a portfolio gets the sums over its accounts (``dimension =
organization``), so a report can say where a partner stands in its own network and in the
sector's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from settlescope.measures.base import MeasureContext, Metric, Row, measure
from settlescope.measures.network import algorithms as alg
from settlescope.measures.network.graph import Scope, edge_frame, scope_graph, scopes_of
from settlescope.measures.network.structure import SamplingParams, betweenness_of

METRICS = (
    Metric("in-degree", "accounts", "Distinct accounts with a tie to this one."),
    Metric("out-degree", "accounts", "Distinct accounts this one has a tie to."),
    Metric("in-strength", "count", "Weighted ties received (interactions, weighted)."),
    Metric("out-strength", "count", "Weighted ties sent."),
    Metric("pagerank", "share", "PageRank (damping 0.85, ties weighted, dangling nodes jump "
           "uniformly); sums to 1 over the network's nodes. For an organization: the sum over "
           "its accounts, its share of the network's attention."),
    Metric("pagerank-percentile", "share", "Share of the network's nodes whose PageRank is "
           "below this account's."),
    Metric("betweenness", "share", "Directed betweenness normalised by (n-1)(n-2): the share "
           "of shortest paths between other pairs that pass through the account. Exact up to "
           "exact_max_nodes nodes; above, estimated from sampled sources with a 95% interval."),
    Metric("coreness", "count", "k-core number (undirected): the largest k such that the "
           "account is in a k-core."),
    Metric("neighbours", "accounts", "Distinct accounts tied to any of the organization's "
           "accounts, in either direction."),
)  # fmt: skip


@measure(
    id="network-positions",
    version=1,
    family="network",
    title="Positions of accounts and organizations",
    inputs=("interactions", "items", "accounts"),
    scopes=("study", "sector", "partner", "organization", "container"),
    metrics=METRICS,
    definition="Degree, strength, PageRank, betweenness and k-core number of every account in "
    "each whole network (kept in node_attributes), reported for the organizations' own "
    "accounts and, summed, for each organization. Betweenness is exact up to "
    "exact_max_nodes nodes (default 50,000) and estimated above from sampled sources "
    "(Brandes & Pich 2007), its 95% interval in lower/upper.",
    references=(
        "Brin & Page (1998) The anatomy of a large-scale hypertextual web search engine.",
        "Freeman (1977) A set of measures of centrality based on betweenness.",
        "Brandes & Pich (2007) Centrality estimation in large networks.",
    ),
    params=SamplingParams,
)
def network_positions(ctx: MeasureContext) -> Iterator[Row]:
    p: SamplingParams = ctx.params
    frame = edge_frame(ctx, p)
    scopes = list(scopes_of(frame, ctx))
    for i, s in enumerate(scopes):
        ctx.progress(i / max(len(scopes), 1), s.label())
        sg = scope_graph(ctx, p, s)
        g, n = sg.graph, sg.n
        if n == 0:
            continue
        indeg = np.asarray(g.degree(mode="in"), dtype=np.float64)
        outdeg = np.asarray(g.degree(mode="out"), dtype=np.float64)
        w = "weight" if g.ecount() else None
        instr = np.asarray(g.strength(mode="in", weights=w), dtype=np.float64)
        outstr = np.asarray(g.strength(mode="out", weights=w), dtype=np.float64)
        pr = alg.pagerank(g)
        btw = betweenness_of(ctx, p, sg)
        bn = btw.normalised()
        scale = 1 / ((n - 1) * (n - 2)) if n > 2 else 0.0
        core = alg.coreness(sg.undirected())
        keys = frame.keys(sg.nodes)
        values = {"in-degree": indeg, "out-degree": outdeg, "in-strength": instr,
                  "out-strength": outstr, "pagerank": pr, "betweenness": bn, "coreness": core}  # fmt: skip
        for attr in ("in-degree", "out-degree", "pagerank", "betweenness", "coreness"):
            ctx.add_node_attributes(
                s.scope, s.scope_id, attr, pa.table({"account_key": keys, "value": values[attr]})
            )
        local = {int(v): j for j, v in enumerate(sg.nodes.tolist())}
        orgs = [s.scope_id] if s.scope in ("partner", "organization") else frame.orgs
        sorted_pr = np.sort(pr)
        for org in orgs:
            mine = [local[v] for v in frame.org_nodes(org).tolist() if v in local]
            if not mine:
                continue
            for j in mine:
                yield from _account_rows(s, keys[j].as_py(), j, values, btw, sorted_pr, scale)
            nb: set[int] = set()
            for j in mine:
                nb.update(sg.undirected().neighbors(j))
            nb -= set(mine)
            yield Row(s.scope, s.scope_id, "pagerank", float(pr[mine].sum()), n=n,
                      dimension="organization", category=org)  # fmt: skip
            yield Row(s.scope, s.scope_id, "neighbours", float(len(nb)),
                      dimension="organization", category=org)  # fmt: skip


def _account_rows(
    s: Scope,
    key: str,
    j: int,
    values: dict[str, np.ndarray],
    btw: alg.Betweenness,
    sorted_pr: np.ndarray,
    scale: float,
) -> Iterator[Row]:
    """The position rows of one organization account (vertex ``j``) in network ``s``."""
    n = len(sorted_pr)

    def row(metric: str, value: float, **kw: Any) -> Row:
        return Row(s.scope, s.scope_id, metric, float(value), dimension="account", category=key,
                   **kw)  # fmt: skip

    for metric in ("in-degree", "out-degree", "in-strength", "out-strength"):
        yield row(metric, values[metric][j])
    pr = values["pagerank"][j]
    yield row("pagerank", pr, n=n)
    yield row("pagerank-percentile", int(np.searchsorted(sorted_pr, pr, side="left")) / n, n=n)
    b = values["betweenness"][j]
    if btw.se is None:
        yield row("betweenness", b, n=n)
    else:
        half = btw.t95() * float(btw.se[j]) * scale
        yield row("betweenness", b, n=btw.sources, lower=max(0.0, b - half),
                  upper=min(1.0, b + half))  # fmt: skip
    yield row("coreness", values["coreness"][j])
