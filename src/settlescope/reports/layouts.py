"""Positions of accounts on a network's maps: computed once, kept in ``graph_layouts``.

A map's positions come from a force-directed layout: Fruchterman & Reingold (1991) as
python-igraph implements it (``Graph.layout_fruchterman_reingold``), on the drawn ties taken
undirected, with attraction weighted by log(1 + weight) so that a few very heavy ties do not
pull everything into one knot, and igraph's random draws seeded (:data:`LAYOUT_SEED`), so the
same ties give the same picture.

The positions are kept per network, not per wave: the layout id is the scope
(``partner:p01``, ``sector:sector``, ``container:KEY``), so the baseline and the follow-up
maps of a partner put each account in the same place and can be compared side by side. A
later map reuses every stored position and places only the accounts that have none yet:
each starts at the mean position of its stored neighbours (or, with none, at a seeded random
point of the map's extent) and moves under the same forces while the stored accounts stay
exactly where they are (igraph's per-vertex ``minx``/``maxx``/``miny``/``maxy`` bounds).
Each connected part of the network is laid out on its own and wholly new parts are packed in
rows below the rest, so that a small separate part cannot drift off and shrink the picture.
Asking for a fresh layout (``relayout``) replaces the network's stored positions.

Reference: Fruchterman, T. M. J. & Reingold, E. M. (1991) Graph drawing by force-directed
placement. Software: Practice and Experience 21(11), 1129-1164.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import igraph as ig
import numpy as np
import pyarrow as pa

from settlescope.measures.network.algorithms import seeded
from settlescope.measures.network.graph import Scope
from settlescope.store.schema import TABLES
from settlescope.store.workspace import Workspace

LAYOUT_ALGORITHM = "fruchterman-reingold"
LAYOUT_SEED = 1
ITERATIONS = 500


def layout_id(scope: Scope) -> str:
    """The id under which a network's positions are kept (one per scope, for every wave)."""
    base = f"{scope.scope}:{scope.scope_id}"
    return f"{base}:{scope.platform}" if scope.platform else base


def stored_positions(ws: Workspace, layout: str) -> dict[str, tuple[float, float]]:
    """The positions kept for ``layout``, by account key."""
    t = ws.table("graph_layouts")
    rows = t.filter(t.layout_id == layout).select("account_key", "x", "y").to_pyarrow()
    return {
        k: (x, y)
        for k, x, y in zip(
            rows.column("account_key").to_pylist(),
            rows.column("x").to_pylist(),
            rows.column("y").to_pylist(),
            strict=True,
        )
    }


@dataclass
class Placement:
    """Positions of a map's accounts, and which of them are not stored yet."""

    layout_id: str
    keys: list[str]
    xy: np.ndarray  # (n, 2)
    new: np.ndarray  # bool, (n,): positions to store
    replace: bool  # the network's stored positions are replaced, not added to

    @property
    def placed(self) -> int:
        return int(self.new.sum())

    def save(self, ws: Workspace) -> None:
        """Store the new positions (call inside the run's transaction)."""
        if not self.new.any() and not self.replace:
            return
        idx = np.flatnonzero(self.new)
        n = len(idx)
        rows = pa.table(
            {
                "layout_id": pa.array([self.layout_id] * n, pa.string()),
                "account_key": pa.array([self.keys[i] for i in idx], pa.string()),
                "x": pa.array(self.xy[idx, 0], pa.float64()),
                "y": pa.array(self.xy[idx, 1], pa.float64()),
                "algorithm": pa.array([LAYOUT_ALGORITHM] * n, pa.string()),
                "seed": pa.array([LAYOUT_SEED] * n, pa.int64()),
                "computed_at": pa.array(
                    [dt.datetime.now(dt.UTC)] * n, TABLES["graph_layouts"].field("computed_at").type
                ),
            }
        )
        if self.replace:
            ws.replace_where("graph_layouts", {"layout_id": self.layout_id}, rows)
        else:
            ws.append("graph_layouts", rows)


def place(
    layout: str,
    keys: list[str],
    pairs: np.ndarray,
    weights: np.ndarray,
    stored: dict[str, tuple[float, float]],
    *,
    relayout: bool = False,
) -> Placement:
    """Positions for the accounts ``keys`` tied by the undirected ``pairs`` (index pairs).

    Stored positions are kept as they are; only accounts without one are placed (all of them
    with ``relayout`` or when nothing is stored). Each connected part of the network is laid
    out on its own, so that a small separate part cannot drift far off and shrink the rest:
    parts holding stored accounts grow around them, and wholly new parts are packed in rows,
    largest first, below what is already placed.

    Example
    -------
    >>> p = place("partner:p01", ["a", "b"], np.array([[0, 1]]), np.array([1.0]), {})
    >>> p.new.tolist()
    [True, True]
    """
    n = len(keys)
    known = np.zeros(n, dtype=bool)
    xy = np.zeros((n, 2))
    if not relayout:
        for i, k in enumerate(keys):
            pos = stored.get(k)
            if pos is not None:
                known[i] = True
                xy[i] = pos
    new = ~known
    if not new.any():
        return Placement(layout, keys, xy, new, replace=relayout)
    g = ig.Graph(n=n, edges=pairs.tolist(), directed=False)
    g.es["weight"] = np.log1p(np.maximum(weights, 0.0)).tolist()
    parts = sorted(g.connected_components(), key=lambda c: (-len(c), c[0]))
    fresh: list[tuple[np.ndarray, np.ndarray]] = []
    with seeded(LAYOUT_SEED):
        for members in parts:
            m = np.asarray(members, dtype=np.int64)
            if known[m].all():
                continue
            sub = g.induced_subgraph(members, implementation="create_from_scratch")
            if known[m].any():
                xy[m] = _grow(sub, xy[m], known[m])
            else:
                fresh.append((m, _part_layout(sub)))
    placed = np.ones(n, dtype=bool)
    for m, _ in fresh:
        placed[m] = False
    if fresh:
        _pack(fresh, xy, placed)
    return Placement(layout, keys, xy, new, replace=relayout)


def _part_layout(g: ig.Graph) -> np.ndarray:
    """Fruchterman-Reingold positions of one connected part, centred on (0, 0)."""
    n = g.vcount()
    if n == 1:
        return np.zeros((1, 2))
    coords = g.layout_fruchterman_reingold(weights="weight", niter=ITERATIONS)
    xy = np.asarray(coords.coords, dtype=np.float64).reshape(n, 2)
    return xy - (xy.min(axis=0) + xy.max(axis=0)) / 2


def _grow(g: ig.Graph, xy: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Place the new accounts of a connected part around its stored ones, which stay put."""
    start = _starting_points(g, xy, known)
    inf = math.inf
    coords = g.layout_fruchterman_reingold(
        weights="weight",
        niter=ITERATIONS,
        seed=start.tolist(),
        minx=np.where(known, xy[:, 0], -inf).tolist(),
        maxx=np.where(known, xy[:, 0], inf).tolist(),
        miny=np.where(known, xy[:, 1], -inf).tolist(),
        maxy=np.where(known, xy[:, 1], inf).tolist(),
    )
    placed = np.asarray(coords.coords, dtype=np.float64).reshape(-1, 2)
    return np.where(known[:, None], xy, placed)


def _pack(parts: list[tuple[np.ndarray, np.ndarray]], xy: np.ndarray, placed: np.ndarray) -> None:
    """Lay new parts side by side in rows, largest first, below the accounts already placed."""
    gap = 1.0
    sizes = [p.max(axis=0) - p.min(axis=0) + gap for _, p in parts]
    area = sum(float(w * h) for w, h in sizes)
    if placed.any():
        lo, hi = xy[placed].min(axis=0), xy[placed].max(axis=0)
        left, top = float(lo[0]), float(lo[1]) - gap
        row_width = max(float(hi[0] - lo[0]), math.sqrt(area * 4 / 3))
    else:
        left, top = 0.0, 0.0
        row_width = math.sqrt(area * 4 / 3)
    row_width = max(row_width, max(float(w) for w, _ in sizes))
    x, y, row_height = left, top, 0.0
    for (members, pos), (w, h) in zip(parts, sizes, strict=True):
        if x > left and x + w > left + row_width:
            x, y, row_height = left, y - row_height, 0.0
        centre = np.array([x + w / 2, y - h / 2])
        xy[members] = pos + centre
        x += float(w)
        row_height = max(row_height, float(h))


def _starting_points(g: ig.Graph, xy: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Where new accounts start: among their placed neighbours, else somewhere on the map."""
    rng = np.random.default_rng(LAYOUT_SEED)
    start = xy.copy()
    done = known.copy()
    lo, hi = xy[known].min(axis=0), xy[known].max(axis=0)
    spread = max(float((hi - lo).max()), 1.0)
    # Place in rounds, so that an account tied only to other new accounts starts near them.
    for _ in range(8):
        todo = np.flatnonzero(~done)
        if not len(todo):
            break
        ready = []
        for v in todo.tolist():
            nb = [u for u in g.neighbors(v) if done[u]]
            if nb:
                ready.append((v, start[nb].mean(axis=0)))
        if not ready:
            break
        for v, pos in ready:
            start[v] = pos + rng.normal(0, 0.02 * spread, 2)
            done[v] = True
    rest = np.flatnonzero(~done)
    start[rest] = rng.uniform(lo, np.maximum(hi, lo + 1.0), (len(rest), 2))
    return start
