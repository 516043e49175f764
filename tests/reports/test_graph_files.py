"""GEXF and GraphML files of the tiny study, checked against the hand-counted ties.

Partner p1's network over both waves (every tie touching ``alpha``, from ``conftest.py``):
8 accounts (alpha, beta, grp-newcomers, zq-ana, zq-bob, zq-cy in the baseline; zq-cy and
grp-newcomers are gone in the follow-up, zq-gus and zq-hal new) and 8 directed ties.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from settlescope.errors import MeasureError, UsageError
from settlescope.importers.run import import_file
from settlescope.measures.network.graph import Scope
from settlescope.reports.graph_files import ExportSummary, export_graph
from settlescope.study.setup import create_study, open_study
from tests.tiny_network import GROUP_NAME, Tiny

G = "{http://gexf.net/1.3}"
P1 = Scope("partner", "p1")
BASE = ("2026-01-01", "2026-06-30")
FOLLOW = ("2027-07-01", "2027-12-31")

# (source, target): {wave window: weight}, counted from the edge lists.
TIES = {
    ("alpha", "zq-ana"): {BASE: 2.0, FOLLOW: 1.0},
    ("zq-ana", "alpha"): {BASE: 1.0, FOLLOW: 3.0},
    ("zq-bob", "alpha"): {BASE: 1.0, FOLLOW: 1.0},
    ("zq-cy", "alpha"): {BASE: 1.0},
    ("grp-newcomers", "alpha"): {BASE: 1.0},
    ("alpha", "beta"): {BASE: 1.0, FOLLOW: 1.0},
    ("zq-gus", "alpha"): {FOLLOW: 1.0},
    ("zq-hal", "alpha"): {FOLLOW: 1.0},
}
NODES = {
    "alpha": {BASE, FOLLOW}, "beta": {BASE, FOLLOW}, "zq-ana": {BASE, FOLLOW},
    "zq-bob": {BASE, FOLLOW}, "zq-cy": {BASE}, "grp-newcomers": {BASE},
    "zq-gus": {FOLLOW}, "zq-hal": {FOLLOW},
}  # fmt: skip


def _export(
    tiny: Tiny, out: Path, scope: Scope = P1, waves: list[str] | None = None
) -> ExportSummary:
    opened = tiny.opened
    with opened.workspace() as ws:
        return export_graph(ws, opened.study, tiny.dir, scope, waves, out)


def _spells(elem: ET.Element) -> set[tuple[str, str]]:
    return {(s.get("start", ""), s.get("end", "")) for s in elem.iter(f"{G}spell")}


def test_gexf_spells_and_weights_per_wave(tiny: Tiny, tmp_path: Path) -> None:
    out = tmp_path / "p1.gexf"
    s = _export(tiny, out)
    assert (s.nodes, s.edges, s.waves) == (8, 8, ["baseline", "followup"])
    root = ET.parse(out).getroot()
    assert root.get("version") == "1.3"
    graph = root.find(f"{G}graph")
    assert graph is not None
    assert (graph.get("mode"), graph.get("timeformat")) == ("dynamic", "date")
    by_key = {tiny.key_of(ref): ref for ref in NODES}
    nodes = {by_key[n.get("id", "")]: n for n in root.iter(f"{G}node")}
    assert set(nodes) == set(NODES)
    for ref, waves in NODES.items():
        assert _spells(nodes[ref]) == waves, ref
    labels = {ref: n.get("label") for ref, n in nodes.items()}
    assert labels["alpha"] == "Alpha Newcomer Services"
    assert labels["grp-newcomers"] == GROUP_NAME
    assert all(labels[r] == "" for r in NODES if r.startswith("zq-"))
    static = {a.get("for"): a.get("value") for a in nodes["alpha"].iter(f"{G}attvalue")
              if a.get("start") is None}  # fmt: skip
    assert static == {"platform": "other", "kind": "organization", "organization": "p1",
                      "organization_type": "settlement-agency"}  # fmt: skip
    # Dynamic attributes: alpha's in-degree is 4 in the baseline (zq-ana, zq-bob, zq-cy, grp)
    # and 4 in the follow-up (zq-ana, zq-bob, zq-gus, zq-hal); out-degree 2 and 2.
    degree = {(a.get("for"), a.get("start")): a.get("value")
              for a in nodes["alpha"].iter(f"{G}attvalue") if a.get("start")}  # fmt: skip
    assert degree[("in_degree", BASE[0])] == "4" and degree[("in_degree", FOLLOW[0])] == "4"
    assert degree[("out_degree", BASE[0])] == "2" and degree[("out_degree", FOLLOW[0])] == "2"
    edges = {(by_key[e.get("source", "")], by_key[e.get("target", "")]): e
             for e in root.iter(f"{G}edge")}  # fmt: skip
    assert set(edges) == set(TIES)
    for tie, weights in TIES.items():
        e = edges[tie]
        assert _spells(e) == set(weights), tie
        got = {(a.get("start"), a.get("end")): float(a.get("value", "nan"))
               for a in e.iter(f"{G}attvalue") if a.get("for") == "weight"}  # fmt: skip
        assert got == weights, tie
        assert float(e.get("weight", "nan")) == sum(weights.values())


def test_gexf_and_graphml_import_back(
    tiny: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gexf, graphml = tmp_path / "p1.gexf", tmp_path / "p1.graphml"
    _export(tiny, gexf)
    _export(tiny, graphml)
    monkeypatch.setenv("SETTLESCOPE_KEY_FILE", str(tmp_path / "k2.key"))
    for path, fmt in ((gexf, "gexf"), (graphml, "graphml")):
        target = tmp_path / f"again-{fmt}"
        create_study(target, key_file=tmp_path / "k2.key")
        opened = open_study(target)
        with opened.workspace() as ws:
            s = import_file(ws, path, wave="baseline", study=opened.study, format_id=fmt,
                            pseudonymiser=opened.pseudonymiser())  # fmt: skip
            assert (s.loaded, s.rejected) == (8, 0)
            assert ws.count("interactions") == 8
            assert ws.count("accounts") == 8
            kinds = dict(ws.duck.execute(
                "SELECT kind, count(*) FROM accounts GROUP BY kind").fetchall())  # fmt: skip
            assert kinds == {"organization": 2, "group": 1, "person": 5}


def test_graphml_read_by_networkx(tiny: Tiny, tmp_path: Path) -> None:
    out = tmp_path / "p1.graphml"
    _export(tiny, out)
    g = nx.read_graphml(out)
    assert isinstance(g, nx.DiGraph)
    by_key = {tiny.key_of(ref): ref for ref in NODES}
    assert {by_key[n] for n in g.nodes} == set(NODES)
    assert {(by_key[a], by_key[b]) for a, b in g.edges} == set(TIES)
    for (a, b), weights in TIES.items():
        data = g.edges[tiny.key_of(a), tiny.key_of(b)]
        assert data["weight"] == sum(weights.values())
        assert data.get("weight_baseline") == weights.get(BASE)
        assert data.get("weight_followup") == weights.get(FOLLOW)
        assert data["present_baseline"] is (BASE in weights)
        assert data["present_followup"] is (FOLLOW in weights)
    for ref, waves in NODES.items():
        data = g.nodes[tiny.key_of(ref)]
        assert data["present_baseline"] is (BASE in waves)
        assert data["present_followup"] is (FOLLOW in waves)
        assert ("community_followup" in data) is (FOLLOW in waves)
        if ref.startswith("zq-"):
            assert data["label"] == ""
    assert g.nodes[tiny.key_of("alpha")]["label"] == "Alpha Newcomer Services"
    assert g.nodes[tiny.key_of("alpha")]["in_degree_baseline"] == 4
    assert g.nodes[tiny.key_of("beta")]["organization_type"] == "multicultural-society"


def test_one_wave_and_special_characters(tiny: Tiny, tmp_path: Path) -> None:
    out = tmp_path / "p2.gexf"
    s = _export(tiny, out, Scope("partner", "p2"), ["baseline"])
    # p2's baseline network: alpha -> beta, beta -> zq-dee, zq-dee -> beta, zq-eve -> beta.
    assert (s.nodes, s.edges, s.waves) == (4, 4, ["baseline"])
    root = ET.parse(out).getroot()  # the name with markup in it is escaped
    labels = {n.get("label") for n in root.iter(f"{G}node")}
    assert 'Beta <b>Welcome</b> & "Co"' in labels
    assert all(_spells(e) == {BASE} for e in root.iter(f"{G}edge"))
    g = nx.read_graphml(_export(tiny, tmp_path / "p2.graphml", Scope("partner", "p2"),
                                ["baseline"]).out)  # fmt: skip
    assert g.number_of_nodes() == 4 and g.number_of_edges() == 4


def test_refusals(tiny: Tiny, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        _export(tiny, tmp_path / "p1.csv")
    with pytest.raises(UsageError):
        _export(tiny, tmp_path / "nowhere" / "p1.gexf")
    with tiny.opened.workspace() as ws:
        ws.duck.execute("DELETE FROM measure_runs WHERE measure_id = 'network-communities'")
    with pytest.raises(MeasureError) as e:
        _export(tiny, tmp_path / "p1.gexf")
    assert (
        f"settlescope measure --study {tiny.dir} --wave baseline --wave followup "
        "--only network-communities,network-positions"
    ) in str(e.value)
    assert not (tmp_path / "p1.gexf").exists()
