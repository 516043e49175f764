"""Account-to-account networks of one wave: reduced in the store, analysed in igraph.

The raw ``interactions`` of a wave (replies, mentions, shares and forwards, reactions,
memberships) are collapsed in the store, through Ibis, to one weighted row per source,
target, platform, container and organization: the relational reduction runs on DuckDB or
Spark alike and shrinks tens of millions of interactions to the distinct ties. That reduced
edge list (:class:`EdgeFrame`) comes to Python once per wave as integer-coded Arrow columns;
each *scope* (the study, the sector, one organization, one community group, on one platform
or all of them) is a boolean mask over it, collapsed again to unique directed ties and loaded
into a python-igraph :class:`igraph.Graph`.

Which interactions count
    ``edge_kinds`` chooses among ``reply``, ``mention``, ``share`` (shares and forwards),
    ``reaction`` and ``co-membership``. A co-membership tie joins two members of the same
    group or chat (from ``membership`` interactions), weighted by the number of groups they
    share, in both directions.

Where an interaction belongs
    Its container and organization are its own, or else those of the item it points at
    (a reaction carries only its item). An interaction belongs to an organization's network
    when it happened in that organization's spaces (``partner_id``) or one of its ends is an
    account the study lists for it.

Conventions
    Self-loops (an account replying to itself) are counted apart and left out of the graph;
    a tie's weight is the sum of its interactions' weights; the nodes of a network are the
    accounts at either end of its ties.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis
import igraph as ig
import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from settlescope.errors import MeasureError
from settlescope.measures.base import MeasureContext, params_hash

EdgeKind = Literal["reply", "mention", "share", "reaction", "co-membership"]
DEFAULT_EDGE_KINDS: tuple[EdgeKind, ...] = ("reply", "mention", "share", "reaction")

# Container accounts of these kinds are community groups (chats, Facebook groups, Telegram
# supergroups); pages and channels are an organization's broadcast spaces.
GROUP_KINDS = ("group",)


class NetworkParams(BaseModel):
    """Which network a network measure reads (shared by the family via ``[measures.network]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    edge_kinds: tuple[EdgeKind, ...] = Field(
        default=DEFAULT_EDGE_KINDS,
        description="Interaction kinds that make a tie: reply, mention, share (shares and "
        "forwards), reaction, co-membership.",
        min_length=1,
    )
    max_co_membership_pairs: int = Field(
        default=20_000_000,
        ge=1,
        description="Refuse to build co-membership ties beyond this many member pairs "
        "(a group of m members makes m(m-1)/2).",
    )

    def graph_key(self) -> str:
        return params_hash(
            NetworkParams(**{k: getattr(self, k) for k in NetworkParams.model_fields})
        )


@dataclass(frozen=True)
class Scope:
    """One network: ``scope`` and ``scope_id`` as in result rows, on one platform or all."""

    scope: str  # study, sector, partner, organization, container
    scope_id: str
    platform: str | None = None

    @property
    def whole(self) -> Scope:
        return Scope(self.scope, self.scope_id, None)

    def label(self) -> str:
        return f"{self.scope} {self.scope_id}" + (f" on {self.platform}" if self.platform else "")


@dataclass
class ScopeGraph:
    """The network of one scope: a directed, weighted igraph graph and its accounts.

    ``nodes`` holds, for each vertex, its id in the wave's :class:`EdgeFrame`; vertex ``i``
    of ``graph`` is account ``frame.node_keys[nodes[i]]``. Edge attribute ``weight`` sums the
    tie's interaction weights; ``count`` (kept beside the graph, in edge order, for whole
    networks) counts them. A platform's network is ``cut_from`` its whole network (that
    graph, and the positions of its vertices in it); :meth:`tie_counts` works for both.
    """

    scope: Scope
    graph: ig.Graph
    nodes: np.ndarray
    interactions: int
    self_loops: int
    count: np.ndarray | None = field(default=None, repr=False)  # interactions per tie
    cut_from: tuple[ScopeGraph, np.ndarray] | None = field(default=None, repr=False)
    _undirected: ig.Graph | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return self.graph.vcount()

    @property
    def m(self) -> int:
        return self.graph.ecount()

    def tie_counts(self) -> np.ndarray:
        """Interactions per tie, in edge order.

        A network cut from a whole one keeps the whole network's ties between its vertices,
        in their order (``induced_subgraph`` built from scratch), so its counts are those
        ties' counts; the order is checked, as the counts would silently shift otherwise.
        """
        if self.count is not None:
            return self.count
        whole, keep = self.cut_from or (None, None)  # keep: ascending positions in whole
        if whole is None or keep is None or whole.count is None:
            raise ValueError(f"no interaction counts are kept for {self.scope}")
        ends = np.asarray(whole.graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        inside = np.isin(ends, keep).all(axis=1)
        mine = np.asarray(self.graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        if not np.array_equal(np.searchsorted(keep, ends[inside]), mine):
            raise ValueError(f"the ties of {self.scope} are not those of its whole network")
        return whole.count[inside]

    def undirected(self) -> ig.Graph:
        """The simple undirected graph (a tie in either direction), weights summed."""
        if self._undirected is None:
            u = self.graph.copy()
            u.to_undirected(mode="collapse", combine_edges={"weight": "sum"})
            self._undirected = u
        return self._undirected


@dataclass
class EdgeFrame:
    """The reduced ties of one wave, integer-coded, with what is known of their accounts."""

    node_keys: pa.Array  # account keys, by node id
    node_platform: np.ndarray  # platform code per node
    node_org: np.ndarray  # organization code per node (-1: not an organization's account)
    node_kind: pa.Array  # account kind (person, page, group ...), null when unknown
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    count: np.ndarray
    platform: np.ndarray  # code per tie
    container: np.ndarray  # code per tie, -1 none
    org: np.ndarray  # organization code per tie (where it happened), -1 none
    platforms: list[str]
    containers: list[str]
    orgs: list[str]  # organization ids, in study order
    container_kind: dict[str, str]

    @property
    def n_nodes(self) -> int:
        return len(self.node_keys)

    # -- scopes ----------------------------------------------------------------------------
    def org_nodes(self, org_id: str) -> np.ndarray:
        if org_id not in self.orgs:
            return np.empty(0, np.int64)
        return np.flatnonzero(self.node_org == self.orgs.index(org_id))

    def mask(self, scope: Scope) -> np.ndarray:
        """Which ties of the frame belong to ``scope``."""
        if scope.scope == "study":
            m = np.ones(len(self.src), dtype=bool)
        elif scope.scope == "sector":
            own = self.node_org >= 0
            m = (self.org >= 0) | own[self.src] | own[self.dst]
        elif scope.scope in ("partner", "organization"):
            code = self.orgs.index(scope.scope_id) if scope.scope_id in self.orgs else -2
            own = self.node_org == code
            m = (self.org == code) | own[self.src] | own[self.dst]
        elif scope.scope == "container":
            code = (
                self.containers.index(scope.scope_id) if scope.scope_id in self.containers else -2
            )
            m = self.container == code
        else:
            raise ValueError(f"no network for scope '{scope.scope}'")
        if scope.platform is not None:
            pcode = self.platforms.index(scope.platform) if scope.platform in self.platforms else -2
            m &= self.platform == pcode
        return m

    def scope_platforms(self, scope: Scope) -> list[str]:
        """The platforms with ties in ``scope`` (all platforms taken together)."""
        codes = np.unique(self.platform[self.mask(scope.whole)])
        return [self.platforms[c] for c in codes.tolist()]

    def build(self, scope: Scope) -> ScopeGraph:
        """Collapse the scope's ties to unique directed edges and load them into igraph."""
        m = self.mask(scope)
        src, dst = self.src[m], self.dst[m]
        w, c = self.weight[m], self.count[m]
        loop = src == dst
        loops = int(c[loop].sum())
        src, dst, w, c = src[~loop], dst[~loop], w[~loop], c[~loop]
        interactions = int(c.sum())
        nodes, inv = np.unique(np.concatenate([src, dst]), return_inverse=True)
        k = len(src)
        ls, ld = inv[:k], inv[k:]
        code = ls.astype(np.int64) * max(len(nodes), 1) + ld
        ties, tie_of = np.unique(code, return_inverse=True)
        weight = np.bincount(tie_of, weights=w, minlength=len(ties))
        count = np.bincount(tie_of, weights=c, minlength=len(ties)).astype(np.int64)
        g = ig.Graph(n=len(nodes), directed=True)
        if len(ties):
            pairs = np.column_stack([ties // len(nodes), ties % len(nodes)])
            g.add_edges(pairs)
            g.es["weight"] = weight.tolist()
        return ScopeGraph(scope, g, nodes, interactions, loops, count)

    def keys(self, node_ids: np.ndarray) -> pa.Array:
        return self.node_keys.take(pa.array(node_ids, pa.int64()))


def scopes_of(frame: EdgeFrame, ctx: MeasureContext) -> Iterator[Scope]:
    """Every whole-network scope of the wave that has ties, in a stable order.

    The study, the sector (when the study lists organizations), each partner and each other
    organization of the sector, and each community group.
    """
    if len(frame.src) == 0:
        return
    yield Scope("study", "study")
    if ctx.study.organizations:
        yield Scope("sector", "sector")
    partners = {o.id for o in ctx.study.partners}
    for org in ctx.study.organizations:
        s = Scope("partner" if org.id in partners else "organization", org.id)
        if frame.mask(s).any():
            yield s
    for key in sorted(k for k, kind in frame.container_kind.items() if kind in GROUP_KINDS):
        s = Scope("container", key)
        if key in frame.containers and frame.mask(s).any():
            yield s


def edge_frame(ctx: MeasureContext, params: NetworkParams) -> EdgeFrame:
    """The wave's ties under ``params`` (memoised for the run)."""
    return ctx.memo(f"network-frame:{params.graph_key()}", lambda: _edge_frame(ctx, params))


def scope_graph(ctx: MeasureContext, params: NetworkParams, scope: Scope) -> ScopeGraph:
    """The network of ``scope``.

    Whole networks are memoised for the run (every network measure reads them); a platform's
    network is cut from its whole network when asked for, and not kept, to bound memory.
    """
    frame = edge_frame(ctx, params)
    if scope.platform is None:
        key = f"network-graph:{params.graph_key()}:{scope}"
        return ctx.memo(key, lambda: frame.build(scope))
    whole = scope_graph(ctx, params, scope.whole)
    code = frame.platforms.index(scope.platform) if scope.platform in frame.platforms else -2
    keep = np.flatnonzero(frame.node_platform[whole.nodes] == code)
    sub = whole.graph.induced_subgraph(keep.tolist(), implementation="create_from_scratch")
    m = frame.mask(scope)
    c = frame.count[m]
    loops = int(c[frame.src[m] == frame.dst[m]].sum())
    return ScopeGraph(
        scope, sub, whole.nodes[keep], int(c.sum()) - loops, loops, cut_from=(whole, keep)
    )


# -- the reduction in the store ----------------------------------------------------------------
def _edge_frame(ctx: MeasureContext, params: NetworkParams) -> EdgeFrame:
    kinds = [k for k in params.edge_kinds if k != "co-membership"]
    inter = ctx.table("interactions")
    items = ctx.ws.table("items").select(
        i_key="item_key", i_container="container_key", i_org="partner_id"
    )
    parts: list[ibis.Table] = []
    if kinds:
        i = inter.filter(
            inter.kind.isin(kinds) & inter.source_key.notnull() & inter.target_key.notnull()
        )
        j = i.left_join(items, i.item_key == items.i_key)
        parts.append(
            j.select(
                source=j.source_key,
                target=j.target_key,
                platform=j.platform,
                container=j.container_key.coalesce(j.i_container),
                org=j.partner_id.coalesce(j.i_org),
                weight=j.weight.coalesce(1.0),
                n=ibis.literal(1, "int64"),
            )
        )
    if "co-membership" in params.edge_kinds:
        parts.append(_co_membership(ctx, params))
    if not parts:
        raise MeasureError("no interaction kinds chosen", field="measures.network.edge_kinds")
    edges = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    ties = edges.group_by(["source", "target", "platform", "container", "org"]).aggregate(
        weight=edges.weight.sum(), n=edges.n.sum()
    )
    # Dense integer ids for the accounts, assigned in the store.
    ends = ibis.union(
        ties.select(key=ties.source, platform=ties.platform),
        ties.select(key=ties.target, platform=ties.platform),
        distinct=True,
    )
    nodes = ends.mutate(node=ibis.row_number().over(order_by=[ends.key]))  # 0-based
    acc = ctx.ws.table("accounts").select(a_key="account_key", a_org="org_id", a_kind="kind")
    nodes_t = ctx.ws.fetch(
        nodes.left_join(acc, nodes.key == acc.a_key)
        .select("node", "key", "platform", org="a_org", kind="a_kind")
        .order_by("node")
    )
    s_ids = nodes.select(s_key="key", s_node="node")
    t_ids = nodes.select(t_key="key", t_node="node")
    coded = ctx.ws.fetch(
        ties.join(s_ids, ties.source == s_ids.s_key)
        .join(t_ids, ties.target == t_ids.t_key)
        .select("s_node", "t_node", "platform", "container", "org", "weight", "n")
    )
    orgs = [o.id for o in ctx.study.organizations]
    platforms_arr, platforms = _codes(coded.column("platform"))
    containers_arr, containers = _codes(coded.column("container"))
    org_codes = _codes_in(coded.column("org"), orgs)
    node_platform = _codes_in(nodes_t.column("platform"), platforms)
    node_org = _codes_in(nodes_t.column("org"), orgs)
    kinds_of = _container_kinds(ctx, containers)
    return EdgeFrame(
        node_keys=nodes_t.column("key").combine_chunks(),
        node_platform=node_platform,
        node_org=node_org,
        node_kind=nodes_t.column("kind").combine_chunks(),
        src=_np(coded.column("s_node")),
        dst=_np(coded.column("t_node")),
        weight=_np(coded.column("weight"), np.float64),
        count=_np(coded.column("n")),
        platform=platforms_arr,
        container=containers_arr,
        org=org_codes,
        platforms=platforms,
        containers=containers,
        orgs=orgs,
        container_kind=kinds_of,
    )


def _co_membership(ctx: MeasureContext, params: NetworkParams) -> ibis.Table:
    inter = ctx.table("interactions")
    mem = inter.filter((inter.kind == "membership") & inter.source_key.notnull())
    mem = mem.select(
        member=mem.source_key,
        group=mem.container_key.coalesce(mem.target_key),
        platform=mem.platform,
        org=mem.partner_id,
    ).distinct(on=["member", "group", "platform"], keep="first")
    sizes = mem.group_by(["group", "platform"]).aggregate(m=mem.count())
    pairs = int(
        sizes.aggregate(p=(sizes.m * (sizes.m - 1) / 2).sum()).to_pyarrow().column("p")[0].as_py()
        or 0
    )
    if pairs > params.max_co_membership_pairs:
        raise MeasureError(
            f"co-membership would make {pairs:,} member pairs, above the limit of "
            f"{params.max_co_membership_pairs:,}",
            field="measures.network.max_co_membership_pairs",
            hint="raise the limit in study.toml, or leave co-membership out of edge_kinds",
        )
    a = mem.select(a_member="member", a_group="group", a_platform="platform", a_org="org")
    b = mem.select(b_member="member", b_group="group", b_platform="platform")
    j = a.join(
        b,
        (a.a_group == b.b_group) & (a.a_platform == b.b_platform) & (a.a_member != b.b_member),
    )
    return j.select(
        source=j.a_member,
        target=j.b_member,
        platform=j.a_platform,
        container=j.a_group,
        org=j.a_org,
        weight=ibis.literal(1.0, "float64"),
        n=ibis.literal(1, "int64"),
    )


def _container_kinds(ctx: MeasureContext, containers: list[str]) -> dict[str, str]:
    if not containers:
        return {}
    acc = ctx.ws.table("accounts")
    rows = (
        acc.filter(acc.account_key.isin(containers))
        .select("account_key", "kind")
        .to_pyarrow()
        .to_pylist()
    )
    return {r["account_key"]: r["kind"] for r in rows if r["kind"]}


def _np(col: pa.ChunkedArray, dtype: Any = np.int64) -> np.ndarray:
    return np.asarray(col.to_numpy(), dtype=dtype)


def _codes(col: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Integer codes of a string column (-1 for null) and the sorted distinct values."""
    values = sorted(v for v in col.unique().to_pylist() if v is not None)
    return _codes_in(col, values), values


def _codes_in(col: pa.ChunkedArray, values: list[str]) -> np.ndarray:
    """Index of each value in ``values`` (-1 for null or absent)."""
    import pyarrow.compute as pc

    idx = pc.index_in(col, value_set=pa.array(values, pa.string()))
    return np.asarray(idx.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
