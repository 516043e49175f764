"""A scope's network in one wave, as maps and graph files show it.

The ties come from the same reduction the network measures use
(:func:`settlescope.measures.network.graph.scope_graph`, under the study's network
parameters); what is known of each account comes from the workspace (``accounts``, the
study's organizations) and from what the measures kept in ``node_attributes`` under their
*current* version and parameters: the Leiden ``community`` of ``network-communities`` and the
``in-degree``, ``out-degree``, ``pagerank``, ``betweenness`` and ``coreness`` of
``network-positions``. Reports never compute these themselves: when the results are missing
or stale (the wave's imports or the study changed since), :meth:`NetworkReader.require_current`
refuses with the exact ``settlescope measure`` command to run.

Who may be named
    An account is *public* when it is an organization's own account listed in the study, or
    an account of a public kind (page, group, channel, organization) that was not
    pseudonymised at import. Every other account is a private individual: maps show it as
    "person" and never carry its account key, handle or name.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from settlescope.errors import MeasureError, UsageError
from settlescope.importers.normalize import PUBLIC_KINDS
from settlescope.measures.base import MeasureContext, params_hash
from settlescope.measures.network.graph import (
    GROUP_KINDS,
    NetworkParams,
    Scope,
    edge_frame,
    scope_graph,
)
from settlescope.measures.run import (
    resolve_params,
    results_status,
    select_measures,
    waves_with_data,
)
from settlescope.store.workspace import Workspace
from settlescope.study.model import PLATFORMS, Study, Wave

# What reports read from node_attributes, and which measure writes each attribute.
ATTRIBUTES: dict[str, str] = {
    "community": "network-communities",
    "in-degree": "network-positions",
    "out-degree": "network-positions",
    "pagerank": "network-positions",
    "betweenness": "network-positions",
    "coreness": "network-positions",
}
NEEDED = ("network-communities", "network-positions")


def scope_of(
    study: Study,
    *,
    partner: str | None = None,
    sector: bool = False,
    group: str | None = None,
    platform: str | None = None,
) -> Scope:
    """The network named by the command line's ``--partner P``, ``--sector`` or ``--group KEY``.

    ``--partner`` takes any organization of the study (a partner or another organization of
    the sector). Exactly one of the three must be given. ``--platform`` keeps the ties on one
    platform (default: every platform, an organization's accounts as one portfolio).

    Example
    -------
    >>> scope_of(study, partner="p01")  # doctest: +SKIP
    Scope(scope='partner', scope_id='p01', platform=None)
    """
    chosen = [x for x in (partner, sector or None, group) if x]
    if len(chosen) != 1:
        raise UsageError(
            "choose one network: --partner ID, --sector or --group ACCOUNT_KEY",
            field="--partner/--sector/--group",
            hint="for example --partner p01",
        )
    if platform is not None and platform not in PLATFORMS:
        raise UsageError(
            f"unknown platform '{platform}'",
            field="--platform",
            hint="give one of: " + ", ".join(PLATFORMS),
        )
    if partner:
        org = study.organization(partner)
        partners = {o.id for o in study.partners}
        return Scope("partner" if org.id in partners else "organization", org.id, platform)
    if sector:
        if not study.organizations:
            raise UsageError(
                "the study lists no organizations, so it has no sector network",
                field="--sector",
                hint="add [[partners]] and [[sector]] tables to study.toml",
            )
        return Scope("sector", "sector", platform)
    return Scope("container", str(group), platform)


@dataclass
class WaveNetwork:
    """The directed, weighted ties of one scope in one wave, and its accounts.

    Account ``i`` has key ``keys[i]``; ties run from ``src[k]`` to ``dst[k]`` (indices into
    the accounts) with summed ``weight`` and ``count`` interactions. ``attrs`` holds the
    measures' per-account values (NaN where a measure kept none).
    """

    scope: Scope
    wave: Wave
    keys: list[str]
    platform: list[str]
    kind: list[str | None]
    org_id: list[str | None]
    org_name: list[str | None]
    org_type: list[str | None]
    name: list[str | None]  # what a public account is called; None for private individuals
    public: np.ndarray
    attrs: dict[str, np.ndarray]
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    count: np.ndarray

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def is_org(self) -> np.ndarray:
        return np.asarray([o is not None for o in self.org_id], dtype=bool)

    def community(self) -> np.ndarray:
        """Community numbers (0 the largest), -1 where none is known."""
        c = self.attrs["community"]
        return np.where(np.isnan(c), -1, c).astype(np.int64)

    def degree(self) -> np.ndarray:
        """Distinct ties in and out (in-degree + out-degree)."""
        return self.attrs["in-degree"] + self.attrs["out-degree"]


class NetworkReader:
    """Reads scopes' networks of a study, under the study's current network parameters.

    Example
    -------
    >>> reader = NetworkReader(ws, study, Path("my-study"))  # doctest: +SKIP
    >>> reader.require_current(["baseline"])  # doctest: +SKIP
    >>> net = reader.read(Scope("partner", "p01"), "baseline")  # doctest: +SKIP
    """

    def __init__(self, ws: Workspace, study: Study, study_dir: Path) -> None:
        self.ws, self.study, self.study_dir = ws, study, Path(study_dir)
        specs = select_measures(NEEDED)
        self.specs = {s.id: s for s in specs}
        self.params = resolve_params(study, specs, self.study_dir)
        network = {
            mid: p.graph_key() for mid, p in self.params.items() if isinstance(p, NetworkParams)
        }
        if len(set(network.values())) != 1:
            raise MeasureError(
                "network-communities and network-positions read different networks "
                "(their edge_kinds or co-membership limit differ)",
                file=str(self.study_dir / "study.toml"),
                field="measures",
                hint="set edge_kinds once in [measures.network] so every network measure "
                "reads the same ties, then run the network measures again",
            )
        self.network_params: NetworkParams = self.params["network-positions"]  # type: ignore[assignment]

    def title(self, scope: Scope) -> str:
        """How a map or file names the network: the organization's name, the sector, a group.

        Raises
        ------
        UsageError
            When ``--group`` names an account that is not a community group.
        """
        if scope.platform is not None:
            return f"{self.title(scope.whole)} on {scope.platform}"
        if scope.scope in ("partner", "organization"):
            return self.study.organization(scope.scope_id).name
        if scope.scope == "sector":
            return "The settlement sector"
        if scope.scope == "study":
            return "The whole study"
        acc = self.ws.table("accounts")
        rows = (
            acc.filter(acc.account_key == scope.scope_id)
            .select("display_name", "handle", "kind")
            .to_pyarrow()
            .to_pylist()
        )
        if not rows or rows[0]["kind"] not in GROUP_KINDS:
            raise UsageError(
                f"'{scope.scope_id}' is not a community group of this workspace",
                field="--group",
                hint="give a group's account key (platform:id); the network results list "
                "each group's key as scope_id under scope 'container'",
            )
        return str(rows[0]["display_name"] or f"Group {scope.scope_id}")

    def measure_command(self, waves: Iterable[str]) -> str:
        """The command that brings the network results of ``waves`` up to date."""
        wave_opts = " ".join(f"--wave {shlex.quote(w)}" for w in waves)
        return (
            f"settlescope measure --study {shlex.quote(str(self.study_dir))} {wave_opts} "
            f"--only {','.join(NEEDED)}"
        )

    def require_current(self, waves: Iterable[str]) -> None:
        """Refuse unless each wave has data and current network communities and positions."""
        waves = list(waves)
        for w in waves:
            self.study.wave(w)
        with_data = set(waves_with_data(self.ws, self.study))
        empty = [w for w in waves if w not in with_data]
        if empty:
            raise MeasureError(
                f"wave '{empty[0]}' holds no imported data, so it has no network",
                file=str(self.study_dir),
                field="--wave",
                hint=f"import its exports first: settlescope import FILE --study "
                f"{shlex.quote(str(self.study_dir))} --wave {shlex.quote(empty[0])}",
            )
        states = results_status(self.ws, self.study, only=NEEDED, waves=waves)
        bad = [s for s in states if s.state != "current"]
        if bad:
            why = "; ".join(f"{s.measure_id} of wave '{s.wave}' is {s.state}" for s in bad)
            raise MeasureError(
                f"the network results this needs are not up to date ({why})",
                file=str(self.study_dir),
                hint=f"run: {self.measure_command(sorted({s.wave for s in bad}))}",
            )

    def read(self, scope: Scope, wave: str) -> WaveNetwork | None:
        """The network of ``scope`` in ``wave``, or None when it has no ties in that wave."""
        w = self.study.wave(wave)
        ctx = MeasureContext(ws=self.ws, study=self.study, wave=wave, params=self.network_params)
        sg = scope_graph(ctx, self.network_params, scope)
        if sg.m == 0:
            return None
        frame = edge_frame(ctx, self.network_params)
        keys = frame.keys(sg.nodes).cast(pa.string())
        edges = np.asarray(sg.graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        accounts = self._accounts(keys)
        attrs = self._attributes(scope, wave, keys)
        orgs = {o.id: o for o in self.study.organizations}
        org_id = accounts["org_id"]
        kind = accounts["kind"]
        pseud = accounts["pseudonymised"]
        public = np.asarray(
            [
                o is not None or (k in PUBLIC_KINDS and p is False)
                for o, k, p in zip(org_id, kind, pseud, strict=True)
            ],
            dtype=bool,
        )
        name = [
            (orgs[o].name if o in orgs else None) if o else (d or h if pub else None)
            for o, d, h, pub in zip(
                org_id, accounts["display_name"], accounts["handle"], public, strict=True
            )
        ]
        return WaveNetwork(
            scope=scope,
            wave=w,
            keys=keys.to_pylist(),
            platform=[frame.platforms[c] for c in frame.node_platform[sg.nodes].tolist()],
            kind=kind,
            org_id=org_id,
            org_name=[orgs[o].name if o in orgs else None for o in org_id],
            org_type=[orgs[o].type if o in orgs else None for o in org_id],
            name=name,
            public=public,
            attrs=attrs,
            src=edges[:, 0],
            dst=edges[:, 1],
            weight=np.asarray(sg.graph.es["weight"], dtype=np.float64),
            count=sg.tie_counts(),
        )

    # -- reading the workspace ---------------------------------------------------------------
    def _accounts(self, keys: pa.Array) -> dict[str, list[Any]]:
        cols = ("org_id", "kind", "handle", "display_name", "pseudonymised")
        wanted = ibis.memtable(pa.table({"k": keys}))
        acc = self.ws.table("accounts")
        rows = (
            acc.join(wanted, acc.account_key == wanted.k).select("account_key", *cols).to_pyarrow()
        )
        at = _align(keys, rows.column("account_key"))
        out: dict[str, list[Any]] = {}
        for c in cols:
            out[c] = _take(rows.column(c), at).to_pylist()
        return out

    def _attributes(self, scope: Scope, wave: str, keys: pa.Array) -> dict[str, np.ndarray]:
        t = self.ws.table("node_attributes")
        cond = None
        for attr, mid in ATTRIBUTES.items():
            c = (
                (t.attribute == attr)
                & (t.measure_id == mid)
                & (t.measure_version == self.specs[mid].version)
                & (t.params_hash == params_hash(self.params[mid]))
            )
            cond = c if cond is None else cond | c
        rows = (
            t.filter((t.wave == wave) & (t.scope == scope.scope) & (t.scope_id == scope.scope_id))
            .filter(cond)
            .select("account_key", "attribute", "value")
            .to_pyarrow()
        )
        out = {}
        for attr in ATTRIBUTES:
            part = rows.filter(pc.equal(rows.column("attribute"), attr))
            at = _align(keys, part.column("account_key"))
            values = _take(part.column("value"), at).to_numpy(zero_copy_only=False)
            out[attr] = np.asarray(values, dtype=np.float64)
        return out


def _align(keys: pa.Array, found: pa.ChunkedArray) -> pa.Array:
    """For each key, the row of ``found`` that holds it (null where none does)."""
    return pc.index_in(keys, value_set=found.combine_chunks().cast(pa.string()))


def _take(col: pa.ChunkedArray, at: pa.Array) -> pa.Array:
    """``col``'s values at the rows ``at`` (null where ``at`` is null)."""
    return col.combine_chunks().take(at)
