"""GEXF, GraphML and edge-list CSV: edges, parallel edges, kinds, weights, times, refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from settlescope.errors import FormatError
from settlescope.importers.base import ImportOptions, detect_format

from ..conftest import CASES, StudyFixture

GEXF = CASES / "gexf"
GRAPHML = CASES / "graphml"
UTC = dt.UTC


def _gexf(body: str, graph_attrs: str = 'defaultedgetype="directed"') -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gexf xmlns="http://gexf.net/1.3" version="1.3">\n'
        f"<graph {graph_attrs}>\n{body}\n</graph>\n</gexf>\n"
    )


def test_parallel_edges_are_all_loaded(study: StudyFixture) -> None:
    s = study.import_(GRAPHML / "multigraph.graphml", fmt="graphml")
    assert (s.read, s.loaded, s.duplicates) == (9, 9, 0)
    pairs = study.sql(
        "SELECT count(*) FROM interactions GROUP BY source_key, target_key HAVING count(*) > 1"
    )
    assert sorted(pairs) == [(2,), (2,)]  # e4/e7 (n2-n4) and e6/e8 (n5-n4)


def test_weights_are_kept_with_default_one(study: StudyFixture) -> None:
    study.import_(GRAPHML / "attributes.graphml", fmt="graphml")
    weights = sorted(r[0] for r in study.sql("SELECT weight FROM interactions"))
    # e0 1.0, e1 1.0, e2 2.0, e6 1.1; e3, e4, e5 have none
    assert weights == [1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 2.0]


def test_gexf_edge_kind_attribute_names_the_kind(study: StudyFixture) -> None:
    study.import_(GEXF / "v1_3.gexf", fmt="gexf")
    assert study.sql("SELECT kind FROM interactions") == [("reaction",)]


def test_generic_edges_get_the_neutral_kind_and_platform_option(study: StudyFixture) -> None:
    study.import_(GEXF / "case.gexf", fmt="gexf", options=ImportOptions(platform="facebook"))
    assert study.sql("SELECT DISTINCT kind, platform FROM interactions") == [("link", "facebook")]


def test_node_labels_and_kinds_become_accounts(study: StudyFixture, tmp_path: Path) -> None:
    p = tmp_path / "g.gexf"
    p.write_text(
        _gexf(
            '<attributes class="node"><attribute id="0" title="type" type="string"/></attributes>'
            '<nodes><node id="org1" label="Hamilton Settlement"><attvalues><attvalue for="0" value="organization"/>'
            '</attvalues></node><node id="u1" label="Private Person"/></nodes>'
            '<edges><edge id="a" source="u1" target="org1" kind="follows"/></edges>'
        ),
        encoding="utf-8",
    )
    study.import_(p, fmt="gexf")
    accs = study.sql(
        "SELECT account_key, kind, display_name, pseudonymised FROM accounts ORDER BY kind"
    )
    assert accs[0] == ("other:org1", "organization", "Hamilton Settlement", False)
    assert accs[1][1:] == ("person", None, True)  # people are pseudonymised, names dropped
    edge = study.sql("SELECT kind, target_key FROM interactions")
    assert edge == [("follow", "other:org1")]


def test_node_kind_option(study: StudyFixture) -> None:
    opts = ImportOptions(extra={"node_kind": "organization"})
    study.import_(GEXF / "les_miserables.gexf", fmt="gexf", options=opts)
    names = {r[0] for r in study.sql("SELECT display_name FROM accounts")}
    assert {"Myriel", "Valjean"} <= names


def test_gexf_dynamic_start_is_the_time_and_same_time_merges(
    study: StudyFixture, tmp_path: Path
) -> None:
    p = tmp_path / "dyn.gexf"
    p.write_text(
        _gexf(
            '<nodes><node id="a"/><node id="b"/></nodes><edges>'
            '<edge source="a" target="b" start="2024-03-01T10:00:00Z" weight="2"/>'
            '<edge source="a" target="b" start="2024-03-01T10:00:00Z"/>'
            '<edge source="b" target="a"><spells><spell start="2024-03-02" end="2024-03-05"/></spells></edge>'
            "</edges>",
            'defaultedgetype="directed" mode="dynamic" timeformat="date"',
        ),
        encoding="utf-8",
    )
    s = study.import_(p, fmt="gexf", options=ImportOptions(time_zone="America/Toronto"))
    assert (s.read, s.loaded, s.duplicates) == (3, 2, 1)
    times = sorted(r[0] for r in study.sql("SELECT created_at FROM interactions"))
    assert times == [
        dt.datetime(2024, 3, 1, 10, tzinfo=UTC),
        dt.datetime(2024, 3, 2, 5, tzinfo=UTC),
    ]


def test_abstract_gexf_times_are_not_dates(study: StudyFixture, tmp_path: Path) -> None:
    p = tmp_path / "abs.gexf"
    p.write_text(
        _gexf(
            '<nodes><node id="a"/><node id="b"/></nodes><edges><edge source="a" target="b" start="3.0"/></edges>',
            'mode="dynamic" timeformat="double"',
        ),
        encoding="utf-8",
    )
    study.import_(p, fmt="gexf")
    assert study.sql("SELECT created_at FROM interactions") == [(None,)]


def test_bad_edges_are_rejected_with_their_place(study: StudyFixture, tmp_path: Path) -> None:
    p = tmp_path / "bad.gexf"
    p.write_text(
        _gexf(
            '<nodes><node id="a"/><node id="b"/></nodes><edges>'
            '<edge source="a" target="b"/><edge source="a" target="b" weight="heavy"/><edge source="a"/>'
            "</edges>"
        ),
        encoding="utf-8",
    )
    s = study.import_(p, fmt="gexf")
    assert (s.read, s.loaded, s.rejected) == (3, 1, 2)
    assert sorted(study.sql("SELECT locator, reason FROM rejects")) == [
        ("edge 2", "bad-weight"),
        ("edge 3", "missing-target"),
    ]


@pytest.mark.parametrize("name", ["rio.gexf", "attributes.graphml"], ids=["gexf", "graphml"])
def test_truncated_xml_is_refused(study: StudyFixture, tmp_path: Path, name: str) -> None:
    src = (GEXF if name.endswith(".gexf") else GRAPHML) / name
    whole = src.read_bytes()
    p = tmp_path / name
    p.write_bytes(whole[: int(len(whole) * 0.7)])
    with pytest.raises(FormatError) as e:
        study.import_(p, fmt="gexf" if name.endswith(".gexf") else "graphml")
    assert "truncated or damaged" in e.value.message
    assert (e.value.locator or "").startswith("line ")
    assert study.counts()["interactions"] == 0


def test_graphml_is_not_taken_for_gexf(study: StudyFixture) -> None:
    with pytest.raises(FormatError):
        study.import_(GRAPHML / "attributes.graphml", fmt="gexf")


# -- edge lists ------------------------------------------------------------------------------


def _csv(tmp_path: Path, text: str, name: str = "edges.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    return p


def test_member_list_edges_go_to_a_public_group(study: StudyFixture, tmp_path: Path) -> None:
    p = _csv(tmp_path, "member,group\nann,Hamilton Newcomers\nbo,Hamilton Newcomers\n")
    assert detect_format(p).id == "edge-list-csv"
    study.import_(p)
    assert study.sql("SELECT DISTINCT kind, target_key FROM interactions") == [
        ("membership", "other:Hamilton Newcomers")
    ]


def test_gephi_type_column_is_a_direction_not_a_kind(study: StudyFixture, tmp_path: Path) -> None:
    p = _csv(
        tmp_path, "Source,Target,Type,Weight\na,b,Directed,3\nb,c,Undirected,\nc,a,retweet,1\n"
    )
    study.import_(p, fmt="edge-list-csv")
    got = sorted(study.sql("SELECT kind, weight FROM interactions"))
    assert got == [("link", 1.0), ("link", 3.0), ("share", 1.0)]


def test_edge_list_bad_rows_are_rejected_by_line(study: StudyFixture, tmp_path: Path) -> None:
    p = _csv(
        tmp_path,
        "follower,followed,created_at,weight\n"
        'a,b,2024-01-01,1\n"c\nd",b,2024-01-02,\n'  # a quoted handle spanning two lines
        "e,b,2024-02-30,\n"  # impossible date: line 5
        "f,b,,many\n"  # not a weight: line 6
        "g,b\n"  # too few fields: line 7
        ",b,,\n",  # no follower: line 8
    )
    s = study.import_(p, fmt="edge-list-csv")
    assert (s.read, s.loaded, s.rejected) == (6, 2, 4)
    assert sorted(study.sql("SELECT locator, reason FROM rejects")) == [
        ("line 5", "bad-timestamp"),
        ("line 6", "bad-weight"),
        ("line 7", "bad-row"),
        ("line 8", "missing-source"),
    ]
    assert study.sql("SELECT DISTINCT kind FROM interactions") == [("follow",)]


def test_edge_list_without_edge_columns_is_refused(study: StudyFixture, tmp_path: Path) -> None:
    p = _csv(tmp_path, "name,city\na,b\n")
    with pytest.raises(FormatError):
        study.import_(p, fmt="edge-list-csv")
