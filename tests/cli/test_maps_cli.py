"""``settlescope map`` and ``settlescope export-graph`` on the command line: exit codes,
messages, and the maps of the demo study."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import networkx as nx
import pytest
from typer.testing import CliRunner

from settlescope.cli.main import app
from tests.conftest import copy_study
from tests.tiny_network import Tiny, svg_labels

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def test_usage_errors_exit_2(tiny: Tiny, tmp_path: Path) -> None:
    s = str(tiny.dir)
    out = str(tmp_path / "m.svg")
    code, text = run("map", "--study", s, "--out", out)
    assert code == 2 and "--partner ID, --sector or --group" in text
    code, text = run("map", "--study", s, "--sector", "--partner", "p1", "--out", out)
    assert code == 2
    code, text = run("map", "--study", s, "--sector", "--out", str(tmp_path / "m.jpg"))
    assert code == 2 and ".html" in text
    code, text = run("map", "--study", s, "--sector", "--out", out, "--color", "age")
    assert code == 2 and "community or type" in text
    code, text = run("export-graph", "--study", s, "--sector", "--out", str(tmp_path / "g.csv"))
    assert code == 2 and ".gexf" in text
    code, text = run("map", "--study", s, "--sector", "--platform", "myspace", "--out", out)
    assert code == 2 and "--platform" in text and "unknown platform 'myspace'" in text
    assert "telegram" in text  # the hint lists the platforms
    key = tiny.key_of("zq-ana")  # a private individual is no group, and is not named
    code, text = run("map", "--study", s, "--group", key, "--out", out)
    assert code == 2 and "is not a community group" in text
    assert not list(tmp_path.glob("m.*")) and not list(tmp_path.glob("g.*"))


def test_bad_input_exits_1_with_what_to_do(tiny: Tiny, tmp_path: Path) -> None:
    s = str(tiny.dir)
    code, text = run("map", "--study", s, "--partner", "p9", "--out", str(tmp_path / "m.svg"))
    assert code == 1 and "unknown partner 'p9'" in text and "p1" in text
    # A group account whose chat was not imported has no network of its own.
    code, text = run("map", "--study", s, "--group", "other:grp-newcomers",
                     "--out", str(tmp_path / "m.svg"))  # fmt: skip
    assert code == 1 and "Newcomers of the Valley chat has no ties" in text
    with duckdb.connect(str(tiny.dir / "workspace.duckdb")) as con:
        con.execute("DELETE FROM measure_runs WHERE wave = 'baseline'")
    code, text = run("map", "--study", s, "--partner", "p1", "--wave", "baseline",
                     "--out", str(tmp_path / "m.svg"))  # fmt: skip
    assert code == 1 and "Traceback" not in text
    assert "--only network-communities,network-positions" in text.replace("\n", "")
    code, text = run("export-graph", "--study", s, "--sector", "--out", str(tmp_path / "g.gexf"))
    assert code == 1 and "settlescope measure" in text


def test_map_and_export_print_what_they_wrote(tiny: Tiny, tmp_path: Path) -> None:
    s = str(tiny.dir)
    out = tmp_path / "p1.svg"
    code, text = run("map", "--study", s, "--partner", "p1", "--out", str(out))
    assert code == 0, text
    # The default wave is the latest with data: the follow-up, 6 accounts in p1's network.
    assert "6 of 6 accounts" in text and "Follow-up" in out.read_text(encoding="utf-8")
    code, text = run("export-graph", "--study", s, "--partner", "p1", "--wave",
                     "baseline,followup", "--out", str(tmp_path / "p1.graphml"))  # fmt: skip
    assert code == 0, text
    assert "8 accounts and 8 ties over 2 wave(s)" in text


def test_a_map_of_one_platform(tiny: Tiny, tmp_path: Path) -> None:
    s = str(tiny.dir)
    # Every account of the tiny study is on platform 'other': its map is the whole network's.
    out = tmp_path / "p1-other.svg"
    code, text = run("map", "--study", s, "--partner", "p1", "--platform", "other",
                     "--out", str(out))  # fmt: skip
    assert code == 0, text
    assert "6 of 6 accounts" in text
    assert "Alpha Newcomer Services on other" in out.read_text(encoding="utf-8")
    # No tie is on Facebook: a clear refusal, and no file.
    code, text = run("map", "--study", s, "--partner", "p1", "--platform", "facebook",
                     "--out", str(tmp_path / "p1-fb.svg"))  # fmt: skip
    assert code == 1 and "Alpha Newcomer Services on facebook has no ties" in text
    assert not (tmp_path / "p1-fb.svg").exists()


@pytest.mark.slow
def test_maps_of_the_demo_study(measured_demo: Path, tmp_path: Path) -> None:
    study = copy_study(measured_demo, tmp_path / "study")
    s = str(study)
    with duckdb.connect(str(study / "workspace.duckdb"), read_only=True) as con:
        sector_nodes = con.execute(
            "SELECT count(*) FROM node_attributes WHERE wave = 'baseline' AND scope = 'sector' "
            "AND attribute = 'pagerank'"
        ).fetchone()[0]  # type: ignore[index]
        # The organizations with an account in the sector's baseline network.
        in_sector = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT o.name FROM node_attributes n JOIN accounts a USING (account_key) "
                "JOIN organizations o ON o.org_id = a.org_id WHERE n.wave = 'baseline' "
                "AND n.scope = 'sector' AND n.attribute = 'pagerank'"
            ).fetchall()
        }
    code, text = run("map", "--study", s, "--partner", "p01", "--wave", "baseline",
                     "--out", str(tmp_path / "p01.png"))  # fmt: skip
    assert code == 0, text
    assert (tmp_path / "p01.png").read_bytes()[:4] == b"\x89PNG"
    out = tmp_path / "sector.svg"
    code, text = run("map", "--study", s, "--sector", "--wave", "baseline", "--max-nodes",
                     "400", "--color", "type", "--out", str(out))  # fmt: skip
    assert code == 0, text
    svg = out.read_text(encoding="utf-8")
    drawn = int(text.split(" of ")[0].rsplit(" ", 1)[-1].replace(",", ""))
    assert 400 <= drawn < sector_nodes
    assert f"{drawn:,} of {sector_nodes:,} accounts shown" in svg
    assert f"{sector_nodes - drawn:,} accounts and" in svg
    # Each organization of the sector network is named, once; no pseudonym appears.
    labels = svg_labels(svg)
    assert set(labels) == in_sector and len(labels) == 2 * len(in_sector)  # text + halo
    assert re.findall(r"~[0-9a-f]{20}", svg) == []
    # One platform's network: the whole network's ties between that platform's accounts,
    # with the same weights and interaction counts.
    graphs = {}
    for name, extra in (("whole", []), ("one", ["--platform", "telegram"])):
        f = tmp_path / f"p01-{name}.graphml"
        code, text = run("export-graph", "--study", s, "--partner", "p01", "--wave", "baseline",
                         *extra, "--out", str(f))  # fmt: skip
        assert code == 0, text
        graphs[name] = nx.read_graphml(f)
    whole, one = graphs["whole"], graphs["one"]
    on_telegram = {n for n, d in whole.nodes(data=True) if d["platform"] == "telegram"}
    assert 0 < one.number_of_nodes() < whole.number_of_nodes()
    assert set(one.nodes) <= on_telegram
    kept = {(a, b) for a, b in whole.edges if a in on_telegram and b in on_telegram}
    assert set(one.edges) == kept
    for a, b, d in one.edges(data=True):
        assert d == whole.edges[a, b]
