"""Network maps on the tiny hand-built study: who is named, what is drawn, stable positions.

Expected values are counted by hand from the edge lists in ``conftest.py``. Partner p1's
baseline network is every tie touching ``alpha``: accounts alpha, zq-ana, zq-bob, zq-cy,
grp-newcomers and beta; five pairs tied in either direction (alpha with each other one).
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from pypdf import PdfReader

from settlescope.errors import MeasureError, UsageError
from settlescope.measures.network.graph import Scope
from settlescope.reports import maps
from settlescope.reports.layouts import LAYOUT_ALGORITHM
from settlescope.reports.maps import MapOptions, build_map, write_map
from settlescope.reports.networks import NetworkReader
from tests.tiny_network import BASELINE, GROUP_NAME, ORG_NAMES, Tiny, svg_labels

P1 = Scope("partner", "p1")
SECTOR = Scope("sector", "sector")
ALPHA = "Alpha Newcomer Services"
BETA = ORG_NAMES["beta"]


def _map(tiny: Tiny, scope: Scope, wave: str, out: Path, **opts: Any) -> maps.MapSummary:
    opened = tiny.opened
    with opened.workspace() as ws:
        return write_map(ws, opened.study, tiny.dir, scope, wave, out, MapOptions(**opts))


def _built(tiny: Tiny, scope: Scope, wave: str, **opts: Any) -> maps.NetworkMap:
    opened = tiny.opened
    with opened.workspace() as ws:
        net = NetworkReader(ws, opened.study, tiny.dir).read(scope, wave)
        assert net is not None
        return build_map(net, "t", MapOptions(**opts), {})


def _html_spec(page: str) -> dict[str, Any]:
    m = re.search(r"const spec = (\{.*?\});\nvegaEmbed", page, re.S)
    assert m, "the page embeds its specification"
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def _layout(tiny: Tiny, layout: str) -> dict[str, tuple[float, float]]:
    with tiny.opened.workspace() as ws:
        rows = ws.duck.execute(
            "SELECT account_key, x, y, algorithm FROM graph_layouts WHERE layout_id = ?", [layout]
        ).fetchall()
    assert all(r[3] == LAYOUT_ALGORITHM for r in rows)
    return {k: (x, y) for k, x, y, _ in rows}


def test_only_organizations_are_named_in_svg_html_and_pdf(tiny: Tiny, tmp_path: Path) -> None:
    own = f"{ALPHA} (other)"  # the partner's own accounts are named with their platform
    for suffix in (".svg", ".html", ".pdf"):
        out = tmp_path / f"p1{suffix}"
        s = _map(tiny, P1, "baseline", out)
        assert s.shown == 6 and s.total == 6
        data = out.read_bytes()
        if suffix == ".pdf":
            assert data.startswith(b"%PDF-")
            text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
            assert own in text and BETA in text
        else:
            text = data.decode("utf-8")
        for private in tiny.private_strings():
            assert private not in text, (suffix, private)
        if suffix == ".svg":
            assert sorted(svg_labels(text)) == sorted([own, own, BETA, BETA])  # text + halo
            assert GROUP_NAME not in text  # a public group is not labelled either
            assert "href" not in text  # self-contained: nothing to fetch when embedded
        if suffix == ".html":
            spec = _html_spec(text)
            rows = spec["datasets"]["accounts"]
            assert {r["label"] for r in rows if r["org"]} == {own, BETA}
            assert all(r["label"] is None for r in rows if not r["org"])
            persons = [r for r in rows if r["type"] == "person"]
            assert len(persons) == 3  # zq-ana, zq-bob, zq-cy
            assert all(r["account"] == "person" and r["find"] is None for r in persons)
            assert [r["account"] for r in rows if r["type"] == "group"] == [GROUP_NAME]


def test_names_from_the_data_are_escaped_in_html(tiny: Tiny, tmp_path: Path) -> None:
    out = tmp_path / "p2.html"
    _map(tiny, Scope("partner", "p2"), "baseline", out)
    page = out.read_text(encoding="utf-8")
    assert "<b>Welcome" not in page
    assert "<title>Beta &lt;b&gt;Welcome&lt;/b&gt; &amp; &quot;Co&quot;</title>" in page
    assert _html_spec(page)["title"]["text"] == BETA
    svg = tmp_path / "p2.svg"
    _map(tiny, Scope("partner", "p2"), "baseline", svg)
    ET.fromstring(svg.read_text(encoding="utf-8"))  # well-formed: the name is escaped


def test_top_accounts_keep_every_organization_and_say_what_was_left_out(
    tiny: Tiny, tmp_path: Path
) -> None:
    # Degrees (distinct ties in + out) in p1's baseline network, by hand: alpha 6, zq-ana 2,
    # zq-bob 1, zq-cy 1, grp-newcomers 1, beta 1. The top 2 are alpha and zq-ana; beta is
    # an organization's account, so it is drawn too: 3 of 6 accounts, and of the 5 tied
    # pairs only alpha-zq-ana and alpha-beta remain.
    out = tmp_path / "p1.svg"
    s = _map(tiny, P1, "baseline", out, size="degree", max_nodes=2)
    assert (s.shown, s.total, s.ties_shown, s.ties_total) == (3, 6, 2, 5)
    svg = out.read_text(encoding="utf-8")
    assert "3 of 6 accounts shown" in svg
    assert "3 accounts and 3 of 5 ties left out" in svg
    m = _built(tiny, P1, "baseline", size="degree", max_nodes=2)
    assert sorted(r["size"] for r in m.accounts) == [1.0, 2.0, 6.0]
    assert sum(r["org"] for r in m.accounts) == 2
    assert len(m.ties) == 2
    # Nothing left out: the subtitle says so.
    _map(tiny, P1, "baseline", out)
    assert "All 6 accounts and 5 ties shown." in out.read_text(encoding="utf-8")


def test_size_options_use_the_centralities_of_the_measures(tiny: Tiny) -> None:
    d = nx.DiGraph()
    for s, t in BASELINE:
        if "alpha" in (s, t):
            w = d.get_edge_data(s, t, {"weight": 0.0})["weight"]
            d.add_edge(s, t, weight=w + 1.0)
    pr = nx.pagerank(d, alpha=0.85, weight="weight", tol=1e-12, max_iter=1000)

    def by_label(m: maps.NetworkMap) -> dict[str, float]:
        return {r["label"]: r["size"] for r in m.accounts if r["label"]}

    got = by_label(_built(tiny, P1, "baseline", size="pagerank"))
    assert got[f"{ALPHA} (other)"] == pytest.approx(pr["alpha"], abs=1e-9)
    assert got[BETA] == pytest.approx(pr["beta"], abs=1e-9)
    # Directed betweenness of alpha, normalised by (n-1)(n-2) = 20: alpha lies on the only
    # shortest path of 7 ordered pairs (zq-ana, zq-bob, zq-cy, grp to beta; zq-bob, zq-cy,
    # grp to zq-ana).
    got = by_label(_built(tiny, P1, "baseline", size="betweenness"))
    assert got[f"{ALPHA} (other)"] == pytest.approx(7 / 20)
    assert got[BETA] == 0
    got = by_label(_built(tiny, P1, "baseline", size="degree"))
    assert got == {f"{ALPHA} (other)": 6.0, BETA: 1.0}


def test_colour_by_type_or_by_community(tiny: Tiny) -> None:
    m = _built(tiny, P1, "baseline", color="type")
    assert m.colour_domain == ["multicultural-society", "settlement-agency", "group", "person"]
    colour = {r["label"] or r["account"]: r["colour"] for r in m.accounts}
    assert colour[f"{ALPHA} (other)"] == "settlement-agency"
    assert colour[BETA] == "multicultural-society"
    assert colour[GROUP_NAME] == "group"
    assert colour["person"] == "person"
    spec = m.spec()
    points = next(layer for layer in spec["layer"] if "color" in layer["encoding"])
    assert points["encoding"]["color"]["scale"]["domain"] == m.colour_domain
    m = _built(tiny, P1, "baseline", color="community")
    with tiny.opened.workspace() as ws:
        kept = dict(
            ws.duck.execute(
                "SELECT account_key, value FROM node_attributes WHERE wave = 'baseline' "
                "AND scope = 'partner' AND scope_id = 'p1' AND attribute = 'community'"
            ).fetchall()
        )
    alpha = next(r for r in m.accounts if r["label"] == f"{ALPHA} (other)")
    assert alpha["colour"] == str(int(kept["other:alpha"]))
    assert alpha["community"] == int(kept["other:alpha"])
    assert set(m.colour_domain) == {str(int(v)) for v in kept.values()}


def test_positions_are_kept_and_reused(tiny: Tiny, tmp_path: Path) -> None:
    s = _map(tiny, P1, "baseline", tmp_path / "a.html")
    assert (s.placed, s.reused) == (6, 0)
    first = _layout(tiny, "partner:p1")
    assert set(first) == {tiny.key_of(r) for r in
                          ("alpha", "zq-ana", "zq-bob", "zq-cy", "grp-newcomers", "beta")}  # fmt: skip
    s = _map(tiny, P1, "baseline", tmp_path / "b.html")
    assert (s.placed, s.reused) == (0, 6)
    assert _layout(tiny, "partner:p1") == first
    # Both pages draw every account exactly where the workspace keeps it.
    for name in ("a.html", "b.html"):
        rows = _html_spec((tmp_path / name).read_text(encoding="utf-8"))["datasets"]["accounts"]
        drawn = sorted((r["x"], r["y"]) for r in rows)
        assert drawn == sorted((round(x, 4), round(y, 4)) for x, y in first.values())
    # The follow-up adds zq-gus and zq-hal; the accounts already placed do not move.
    s = _map(tiny, P1, "followup", tmp_path / "c.svg")
    assert (s.placed, s.reused) == (2, 4)
    after = _layout(tiny, "partner:p1")
    assert set(after) == set(first) | {tiny.key_of("zq-gus"), tiny.key_of("zq-hal")}
    assert {k: after[k] for k in first} == first
    # A fresh layout replaces the network's positions with those of the accounts drawn.
    s = _map(tiny, P1, "followup", tmp_path / "d.svg", relayout=True)
    assert (s.placed, s.reused) == (6, 0)
    assert len(_layout(tiny, "partner:p1")) == 6
    # Other networks keep their own positions.
    _map(tiny, SECTOR, "baseline", tmp_path / "e.svg")
    assert len(_layout(tiny, "sector:sector")) == 10
    assert len(_layout(tiny, "partner:p1")) == 6


def test_the_same_ties_give_the_same_layout(tiny: Tiny) -> None:
    a = _built(tiny, SECTOR, "baseline")
    b = _built(tiny, SECTOR, "baseline")
    assert a.placement.xy.tolist() == b.placement.xy.tolist()


def test_a_failed_map_leaves_the_workspace_and_the_file_as_they_were(
    tiny: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "p1.png"
    out.write_bytes(b"an older map")

    def save_then_fail(self: maps.Placement, ws: Any) -> None:
        ws.append("graph_layouts", _some_rows())
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(maps.Placement, "save", save_then_fail)
    with pytest.raises(RuntimeError):
        _map(tiny, P1, "baseline", out)
    assert _layout(tiny, "partner:p1") == {}
    assert out.read_bytes() == b"an older map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p1.png", "study"]  # no leftovers


def _some_rows() -> Any:
    import datetime as dt

    import pyarrow as pa

    return pa.table(
        {
            "layout_id": ["partner:p1"],
            "account_key": ["other:alpha"],
            "x": [0.0],
            "y": [0.0],
            "algorithm": [LAYOUT_ALGORITHM],
            "seed": [1],
            "computed_at": [dt.datetime.now(dt.UTC)],
        }
    )


def test_missing_or_stale_results_are_refused_with_the_command(tiny: Tiny, tmp_path: Path) -> None:
    command = (
        f"settlescope measure --study {tiny.dir} --wave followup "
        "--only network-communities,network-positions"
    )
    with tiny.opened.workspace() as ws:
        ws.duck.execute(
            "DELETE FROM measure_runs WHERE measure_id = 'network-positions' AND wave = 'followup'"
        )
    with pytest.raises(MeasureError) as e:
        _map(tiny, P1, "followup", tmp_path / "p1.svg")
    assert "network-positions of wave 'followup' is missing" in str(e.value)
    assert command in str(e.value)
    assert not (tmp_path / "p1.svg").exists()
    # New data in the baseline makes its results stale.
    _map(tiny, P1, "baseline", tmp_path / "p1.svg")
    extra = tmp_path / "more.csv"
    extra.write_text("source,target,kind,created_at\nzq-ivy,alpha,reply,2026-03-01T10:00:00Z\n")
    from settlescope.importers.run import import_file

    opened = tiny.opened
    with opened.workspace() as ws:
        import_file(ws, extra, wave="baseline", study=opened.study,
                    pseudonymiser=opened.pseudonymiser())  # fmt: skip
    with pytest.raises(MeasureError) as e:
        _map(tiny, P1, "baseline", tmp_path / "p1.svg")
    assert "network-communities of wave 'baseline' is stale" in str(e.value)
    assert command.replace("followup", "baseline") in str(e.value)


@pytest.mark.parametrize(
    ("opts", "field"),
    [
        ({"color": "platform"}, "--color"),
        ({"size": "closeness"}, "--size"),
        ({"max_nodes": 0}, "--max-nodes"),
        ({"width": 50}, "--width"),
    ],
    ids=["colour", "size", "max-nodes", "width"],
)
def test_bad_options_are_usage_errors(opts: dict[str, Any], field: str) -> None:
    with pytest.raises(UsageError) as e:
        MapOptions(**opts).check()
    assert e.value.field == field


def test_the_format_comes_from_the_file_name(tiny: Tiny, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as e:
        _map(tiny, P1, "baseline", tmp_path / "map.jpg")
    assert ".svg" in str(e.value)
    out = tmp_path / "p1.png"
    _map(tiny, P1, "baseline", out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
