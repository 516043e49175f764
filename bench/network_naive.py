"""The network and reach measures as a researcher would compute them by hand: pandas to
collapse the interactions, networkx for every graph algorithm.

The baseline for ``bench/network.py``. It computes the same quantities for the same scopes
(the study, the sector, each organization, each community group; whole and per platform)
under the same definitions as settlescope's measures, with networkx's nearest equivalents:
Louvain (networkx has no Leiden) with the same resolution and seed, and the same rule for
large graphs (betweenness exact up to 50,000 nodes and distances up to 10,000 nodes in the
largest component, sampled from 64 sources above).
"""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import networkx as nx
import numpy as np
import pandas as pd

EXACT_MAX = 50_000  # betweenness (network-structure's exact_max_nodes)
EXACT_DISTANCE_MAX = 10_000  # diameter and mean distance (exact_distance_max_nodes)
SAMPLES = 64
KINDS = ("reply", "mention", "share", "reaction")


def _load(study_dir: Path, wave: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    con = duckdb.connect(str(study_dir / "workspace.duckdb"), read_only=True)
    kinds = ", ".join(f"'{k}'" for k in KINDS)
    inter = con.execute(
        "SELECT i.source_key, i.target_key, i.platform, i.kind, i.weight, i.container_key, "
        "i.partner_id, it.container_key AS item_container, it.partner_id AS item_partner "
        "FROM interactions i LEFT JOIN items it ON i.item_key = it.item_key "
        f"WHERE i.wave = ? AND i.kind IN ({kinds})",
        [wave],
    ).df()
    accounts = con.execute("SELECT account_key, kind, org_id, platform FROM accounts").df()
    con.close()
    return inter, accounts


def _structure(g: nx.DiGraph, seed: int) -> dict[str, float]:
    u = g.to_undirected()
    n = g.number_of_nodes()
    out: dict[str, float] = {"nodes": n, "ties": g.number_of_edges()}
    if n < 2:
        return out
    out["density-directed"] = nx.density(g)
    out["density-undirected"] = nx.density(u)
    out["reciprocity-ties"] = nx.overall_reciprocity(g) if g.number_of_edges() else 0.0
    mutual = sum(1 for a, b in u.edges if g.has_edge(a, b) and g.has_edge(b, a))
    out["reciprocity-dyads"] = mutual / u.number_of_edges() if u.number_of_edges() else 0.0
    weak = list(nx.weakly_connected_components(g))
    out["weak-components"] = len(weak)
    out["strong-components"] = nx.number_strongly_connected_components(g)
    lcc = u.subgraph(max(weak, key=len))
    if lcc.number_of_nodes() <= EXACT_DISTANCE_MAX:
        out["diameter"] = nx.diameter(lcc) if lcc.number_of_nodes() > 1 else 0
        out["mean-distance"] = (
            nx.average_shortest_path_length(lcc) if lcc.number_of_nodes() > 1 else 0.0
        )
    else:
        rng = random.Random(seed)
        nodes = list(lcc.nodes)
        eccs, means = [], []
        for s in rng.sample(nodes, SAMPLES):
            d = nx.single_source_shortest_path_length(lcc, s)
            eccs.append(max(d.values()))
            means.append(sum(d.values()) / (len(d) - 1))
        out["diameter"] = max(eccs)
        out["mean-distance"] = float(np.mean(means))
    out["transitivity"] = nx.transitivity(u)
    out["mean-local-clustering"] = nx.average_clustering(u)
    for mode, deg in (("in", g.in_degree()), ("out", g.out_degree())):
        d = np.array([v for _, v in deg], dtype=float)
        out[f"{mode}-degree-centralization"] = float((d.max() - d).sum() / (n - 1) ** 2)
    if n <= EXACT_MAX:
        btw = nx.betweenness_centrality(g, normalized=False)
    else:
        btw = nx.betweenness_centrality(g, k=SAMPLES, normalized=False, seed=seed)
    b = np.array(list(btw.values()))
    out["betweenness-centralization"] = (
        float((b.max() - b).sum() / ((n - 1) ** 2 * (n - 2))) if n > 2 else 0.0
    )
    core = nx.core_number(u)
    out["max-core"] = max(core.values())
    out["_btw"] = btw  # type: ignore[assignment]
    out["_core"] = core  # type: ignore[assignment]
    return out


def naive_measures(study_dir: Path, wave: str, seed: int = 1) -> dict[str, object]:
    inter, accounts = _load(study_dir, wave)
    inter["container"] = inter["container_key"].fillna(inter["item_container"])
    inter["org"] = inter["partner_id"].fillna(inter["item_partner"])
    inter["weight"] = inter["weight"].fillna(1.0)
    ties = (
        inter.groupby(["source_key", "target_key", "platform", "container", "org"], dropna=False)
        .agg(weight=("weight", "sum"), n=("weight", "size"))
        .reset_index()
    )
    ties = ties[ties.source_key != ties.target_key]
    org_of = accounts.dropna(subset=["org_id"]).set_index("account_key")["org_id"]
    ties["s_org"] = ties.source_key.map(org_of)
    ties["t_org"] = ties.target_key.map(org_of)
    orgs = sorted(set(org_of.values))
    groups = set(accounts.loc[accounts.kind == "group", "account_key"])
    scopes: list[tuple[str, str, pd.Series]] = [
        ("study", "study", pd.Series(True, index=ties.index)),
        ("sector", "sector", ties.org.notna() | ties.s_org.notna() | ties.t_org.notna()),
    ]
    for o in orgs:
        scopes.append(("organization", o, (ties.org == o) | (ties.s_org == o) | (ties.t_org == o)))
    for c in sorted(groups & set(ties.container.dropna())):
        scopes.append(("container", c, ties.container == c))
    results: dict[str, object] = {}
    graphs = 0
    for kind, name, mask in scopes:
        sub = ties[mask]
        if sub.empty:
            continue
        collapsed = sub.groupby(["source_key", "target_key"]).weight.sum().reset_index()
        g = nx.from_pandas_edgelist(collapsed, "source_key", "target_key", ["weight"],
                                    create_using=nx.DiGraph)  # fmt: skip
        whole = _structure(g, seed)
        graphs += 1
        for plat in sorted(sub.platform.unique()):
            ps = collapsed[collapsed.source_key.str.startswith(plat + ":")]
            gp = nx.from_pandas_edgelist(ps, "source_key", "target_key", ["weight"],
                                         create_using=nx.DiGraph)  # fmt: skip
            _structure(gp, seed)
            graphs += 1
        u = nx.Graph()
        for a, b, w in g.edges(data="weight"):
            prev = u.get_edge_data(a, b, {"weight": 0.0})["weight"]
            u.add_edge(a, b, weight=prev + w)
        comms = nx.community.louvain_communities(u, weight="weight", resolution=1.0, seed=seed)
        q = nx.community.modularity(u, comms, weight="weight")
        member = {v: i for i, c in enumerate(comms) for v in c}
        pr = nx.pagerank(g, alpha=0.85, weight="weight")
        owners = orgs if kind == "sector" else [name] if kind == "organization" else []
        mine = [v for v in g if v in org_of.index and org_of[v] in owners]
        for v in mine:
            nbrs = set(u.neighbors(v))
            counts = pd.Series([member[w] for w in nbrs]).value_counts()
            _ = 1 - ((counts / counts.sum()) ** 2).sum()
            _ = g.in_degree(v), g.out_degree(v), pr[v], whole.get("_btw", {}).get(v)
        if mine:
            nx.constraint(u, nodes=mine, weight="weight")
        results[name] = {"nodes": whole["nodes"], "modularity": q}
    # reach: engaged accounts per organization, by hand
    e = inter.copy()
    e["t_org"] = e.target_key.map(org_of)
    e["s_org"] = e.source_key.map(org_of)
    by_target = e[e.t_org.notna()][["source_key", "t_org"]].rename(columns={"t_org": "org"})
    by_space = e[e.org.notna()][["source_key", "org"]]
    eng = pd.concat([by_target, by_space])
    eng = eng[eng.source_key.map(org_of) != eng.org]
    engaged = eng.groupby("org").source_key.nunique().to_dict()
    return {"graphs": graphs, "scopes": len(results), "engaged_orgs": len(engaged),
            "ties": int(len(ties))}  # fmt: skip
