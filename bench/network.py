"""Network and reach measures on the large synthetic study, against igraph alone and against
pandas + networkx, in one run.

Three figures (network issue):

1. **Overhead.** ``settlescope measure --only network,reach`` for one wave, end to end from the
   workspace (reduce the interactions in the store, build the graphs, every algorithm, write
   the results), against the same igraph algorithms called directly on the same graphs built
   beforehand (the floor: only the algorithm calls are timed). Target: at most 1.5x.
2. **Naive baseline.** The same measures computed by hand with pandas and networkx, on a
   200,000-tie subsample, against settlescope on a workspace holding the same subsample.
   Target: settlescope at least 20x faster.
3. **Memory.** Peak RSS of the end-to-end run. Target: under 8 GiB.

Each side runs in a fresh child process; wall time and peak RSS are its own.

Usage::

    python bench/network.py              # prepares bench/out/large-network once (long)
    python bench/network.py --prepare    # only the preparation
    python bench/network.py --wave baseline --naive-edges 200000
    python bench/network.py --skip-overhead    # only the naive baseline, both of its sides
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LARGE = OUT / "large"
PREPARED = OUT / "large-network"
SAMPLE = OUT / "network-sample"
NETWORK_KINDS = ("reply", "mention", "share", "reaction")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- preparation -------------------------------------------------------------------------------
def prepare(wave: str) -> None:
    """Generate the large study if needed and import one wave of it into PREPARED."""
    from settlescope.demo import plan_imports
    from settlescope.importers.run import import_file
    from settlescope.study.setup import open_study

    if not (LARGE / "manifest.json").exists():
        from settlescope.synth import generate

        generate(LARGE, size="large", seed=1, key_file=OUT / "large.settlescope-key")
        from settlescope.store.pseudonym import create_key

        create_key(OUT / "large.settlescope-key")
    done = PREPARED / ".prepared"
    if done.exists():
        return
    shutil.rmtree(PREPARED, ignore_errors=True)
    PREPARED.mkdir(parents=True)
    shutil.copy(LARGE / "study.toml", PREPARED / "study.toml")
    shutil.copy(LARGE / "manifest.json", PREPARED / "manifest.json")
    (PREPARED / "exports").symlink_to(LARGE / "exports")
    opened = open_study(PREPARED)
    t0 = time.perf_counter()
    with opened.workspace() as ws:
        for e in plan_imports(PREPARED):
            if e["wave"] != wave:
                continue
            s = import_file(
                ws, PREPARED / e["path"], wave=e["wave"], study=opened.study,
                format_id=e["format"], partner_id=e.get("partner"),
                pseudonymiser=opened.pseudonymiser(),
            )  # fmt: skip
            print(f"  {time.perf_counter() - t0:7.0f} s  {s.line()}", flush=True)
        counts = {t: ws.count(t) for t in ("items", "accounts", "interactions")}
    print(f"prepared {PREPARED}: {counts}")
    done.write_text(json.dumps(counts))


def prepare_sample(wave: str, n_edges: int) -> None:
    """A workspace holding a random subsample of the wave's network interactions."""
    import duckdb

    if (SAMPLE / ".prepared").exists():
        return
    shutil.rmtree(SAMPLE, ignore_errors=True)
    SAMPLE.mkdir(parents=True)
    shutil.copy(PREPARED / "study.toml", SAMPLE / "study.toml")
    from settlescope.store.workspace import Workspace

    Workspace.open(SAMPLE / "workspace.duckdb", create=True).close()
    con = duckdb.connect(str(SAMPLE / "workspace.duckdb"))
    con.execute(f"ATTACH '{PREPARED / 'workspace.duckdb'}' AS big (READ_ONLY)")
    kinds = ", ".join(f"'{k}'" for k in NETWORK_KINDS)
    con.execute("SELECT setseed(0.42)")
    con.execute(
        f"INSERT INTO interactions SELECT * FROM big.interactions WHERE wave = '{wave}' "
        f"AND kind IN ({kinds}) ORDER BY random() LIMIT {n_edges}"
    )
    con.execute(
        "INSERT INTO items SELECT it.* FROM big.items it WHERE it.item_key IN "
        "(SELECT item_key FROM interactions)"
    )
    con.execute(
        "INSERT INTO accounts SELECT a.* FROM big.accounts a WHERE a.account_key IN "
        "(SELECT source_key FROM interactions UNION SELECT target_key FROM interactions "
        "UNION SELECT container_key FROM items) OR a.org_id IS NOT NULL"
    )
    con.execute("INSERT INTO organizations SELECT * FROM big.organizations")
    con.execute("INSERT INTO import_runs SELECT * FROM big.import_runs WHERE wave = ?", [wave])
    con.close()
    (SAMPLE / ".prepared").write_text("ok")


# -- the sides ---------------------------------------------------------------------------------
def _open(study_dir: Path):  # type: ignore[no-untyped-def]
    from settlescope.study.setup import open_study

    return open_study(study_dir)


def child_settlescope(study_dir: str, wave: str) -> dict[str, object]:
    from settlescope.measures.run import run_measures

    opened = _open(Path(study_dir))
    t0 = time.perf_counter()
    with opened.workspace() as ws:
        summaries = run_measures(ws, opened.study, waves=[wave], only=["network", "reach"],
                                 study_dir=Path(study_dir))  # fmt: skip
    wall = time.perf_counter() - t0
    return {
        "side": "settlescope end to end",
        "seconds": wall,
        "rows": sum(s.rows for s in summaries),
        "node_rows": sum(s.node_rows for s in summaries),
        "per_measure": {s.measure_id: round(s.seconds, 2) for s in summaries},
        "peak_mib": _peak_mib(),
    }


def child_floor(study_dir: str, wave: str) -> dict[str, object]:
    """The same igraph algorithms on graphs built beforehand; only the calls are timed."""
    import numpy as np

    from settlescope.measures.base import MeasureContext
    from settlescope.measures.network import algorithms as alg
    from settlescope.measures.network.communities import CommunityParams
    from settlescope.measures.network.graph import Scope, edge_frame, scope_graph, scopes_of
    from settlescope.measures.network.structure import SamplingParams
    from settlescope.measures.run import DEFAULT_MEMORY, resolve_params, select_measures

    opened = _open(Path(study_dir))
    with opened.workspace() as ws, ws.memory_budget(DEFAULT_MEMORY):
        specs = select_measures(["network"])
        params = resolve_params(opened.study, specs, Path(study_dir))
        p: SamplingParams = params["network-structure"]  # type: ignore[assignment]
        cp: CommunityParams = params["network-communities"]  # type: ignore[assignment]
        ctx = MeasureContext(ws=ws, study=opened.study, wave=wave, params=p)
        frame = edge_frame(ctx, p)
        wholes = list(scopes_of(frame, ctx))
        graphs = {}
        for s in wholes:
            graphs[s] = scope_graph(ctx, p, s)
            graphs[s].undirected()
            for pl in frame.scope_platforms(s):
                sub = scope_graph(ctx, p, Scope(s.scope, s.scope_id, pl))
                sub.undirected()
                graphs[sub.scope] = sub
    built_mib = _peak_mib()
    kw = dict(exact_max_nodes=p.exact_max_nodes, samples=p.samples, seed=p.seed)
    multi = {s for s in wholes if len(frame.scope_platforms(s)) > 1}
    t0 = time.perf_counter()
    btws = {}
    for s, sg in graphs.items():
        g, u = sg.graph, sg.undirected()
        # network-structure (every scope, whole and per platform); a whole network of
        # several platforms takes betweenness and distances from its parts (as the measure)
        alg.density(g)
        alg.reciprocity(g)
        alg.components(g)
        if s not in multi:
            alg.distances(u, **{**kw, "exact_max_nodes": p.exact_distance_max_nodes})
            btws[s] = alg.betweenness(g, **kw)
        alg.clustering(u)
        alg.degree_centralization(g, "in")
        alg.degree_centralization(g, "out")
        alg.coreness(u)
    for s, sg in graphs.items():
        if s.platform is not None:
            continue
        g, u = sg.graph, sg.undirected()
        btw = btws.get(s) or alg.combine_betweenness(sg.n, [
            (np.flatnonzero(frame.node_platform[sg.nodes] == frame.platforms.index(pl)),
             btws[Scope(s.scope, s.scope_id, pl)])
            for pl in frame.scope_platforms(s)
        ])  # fmt: skip
        # network-communities, network-positions, network-brokerage (whole networks)
        comm = alg.leiden(u, resolution=cp.resolution, seed=cp.seed, iterations=cp.iterations)
        for pl in frame.scope_platforms(s):
            keep = np.flatnonzero(frame.node_platform[sg.nodes] == frame.platforms.index(pl))
            alg.modularity(graphs[Scope(s.scope, s.scope_id, pl)].undirected(),
                           np.unique(comm.membership[keep], return_inverse=True)[1])  # fmt: skip
        g.degree(mode="in")
        g.degree(mode="out")
        g.strength(mode="in", weights="weight")
        g.strength(mode="out", weights="weight")
        alg.pagerank(g)
        btw.normalised()
        if s.scope in ("sector", "partner", "organization"):
            local = {int(v): i for i, v in enumerate(sg.nodes.tolist())}
            orgs = frame.orgs if s.scope == "sector" else [s.scope_id]
            for org in orgs:
                mine = np.asarray([local[v] for v in frame.org_nodes(org).tolist() if v in local],
                                  dtype=np.int64)  # fmt: skip
                if len(mine):
                    alg.constraint(u, mine)
                    for v in mine.tolist():
                        alg.participation(u, comm.membership, np.asarray([v]))
                    alg.participation(u, comm.membership, mine)
    wall = time.perf_counter() - t0
    sizes = [(str(s), sg.n, sg.m) for s, sg in graphs.items() if s.platform is None]
    return {
        "side": "igraph algorithms on prebuilt graphs (floor)",
        "seconds": wall,
        "graphs": len(graphs),
        "largest": max(sizes, key=lambda x: x[1]) if sizes else None,
        "frame_ties": int(len(frame.src)),
        "nodes": int(frame.n_nodes),
        "built_peak_mib": built_mib,
        "peak_mib": _peak_mib(),
    }


def child_naive(study_dir: str, wave: str) -> dict[str, object]:
    """The measures as a researcher would write them with pandas and networkx."""
    from bench.network_naive import naive_measures

    t0 = time.perf_counter()
    info = naive_measures(Path(study_dir), wave)
    return {"side": "pandas + networkx (naive)", "seconds": time.perf_counter() - t0,
            **info, "peak_mib": _peak_mib()}  # fmt: skip


CHILDREN = {"settlescope": child_settlescope, "floor": child_floor, "naive": child_naive}


def run_child(kind: str, study_dir: Path, wave: str) -> dict[str, object]:
    cmd = [sys.executable, str(Path(__file__)), "--child", kind, str(study_dir), "--wave", wave]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{kind} failed")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_seconds"] = time.perf_counter() - t0
    return out


def overhead(wave: str) -> None:
    """settlescope end to end against the igraph floor, on one wave of the large study."""
    print(f"== overhead: one wave ({wave}) of the large study")
    ours = run_child("settlescope", PREPARED, wave)
    print(json.dumps(ours, indent=1), flush=True)
    floor = run_child("floor", PREPARED, wave)
    print(json.dumps(floor, indent=1), flush=True)
    print(f"overhead: settlescope {ours['seconds']:.1f} s / floor {floor['seconds']:.1f} s = "
          f"{ours['seconds'] / floor['seconds']:.2f}x (target <= 1.5x); "
          f"peak RSS {ours['peak_mib']:.0f} MiB (target < 8192)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wave", default="baseline")
    ap.add_argument("--naive-edges", type=int, default=200_000)
    ap.add_argument("--prepare", action="store_true")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument(
        "--skip-overhead", action="store_true", help="only the naive baseline (both of its sides)"
    )
    ap.add_argument("--child", nargs=2, metavar=("KIND", "STUDY"))
    args = ap.parse_args()
    if args.child:
        kind, study_dir = args.child
        print(json.dumps(CHILDREN[kind](study_dir, args.wave)))
        return
    prepare(args.wave)
    prepare_sample(args.wave, args.naive_edges)
    if args.prepare:
        return
    if not args.skip_overhead:
        overhead(args.wave)
    if args.skip_naive:
        return
    print(f"== naive baseline: {args.naive_edges:,}-tie subsample")
    ours_s = run_child("settlescope", SAMPLE, args.wave)
    print(json.dumps(ours_s, indent=1), flush=True)
    naive = run_child("naive", SAMPLE, args.wave)
    print(json.dumps(naive, indent=1), flush=True)
    print(f"speed-up: pandas+networkx {naive['seconds']:.1f} s / settlescope "
          f"{ours_s['seconds']:.1f} s = {naive['seconds'] / ours_s['seconds']:.1f}x "
          f"(target >= 20x)")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
