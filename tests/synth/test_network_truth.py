"""The planted interaction network in ``truth.json``: its bookkeeping and what an import gives.

Three checks, from the cheapest up:

- the tally itself on hand-made edges;
- ``truth.json`` against the written export files, read back with plain ``json`` and counted
  with Python sets (account strings as they are written);
- ``truth.json`` against the demo study's workspace, counted with plain SQL: what the
  importers derived into ``interactions`` must give exactly the planted figures.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from settlescope.synth import generate
from settlescope.synth.network import NetworkTally, figures

KINDS = ("reply", "reaction", "mention", "share")
Scope = tuple[str, ...]


def _expected(truth: dict[str, Any]) -> dict[Scope, dict[str, Any]]:
    """Planted figures keyed by (wave, platform) and (wave, platform, container)."""
    out: dict[Scope, dict[str, Any]] = {}
    for wave, net in truth["networks"]["waves"].items():
        for platform, fig in net["platforms"].items():
            out[(wave, platform)] = fig
        for fig in net["containers"]:
            out[(wave, fig["platform"], fig["container"])] = {
                k: v for k, v in fig.items() if k not in ("platform", "container")
            }
    return out


def _empty() -> dict[str, Any]:
    return {"nodes": 0, "edges": 0, "mutual_dyads": 0, "interactions": 0, "by_kind": {}}


def _compare(truth: dict[str, Any], got: dict[Scope, dict[str, Any]]) -> None:
    want = _expected(truth)
    assert set(got) <= set(want), sorted(set(got) - set(want))
    containers = {(c["platform"], c["container"]) for c in truth["containers"]}
    for wave in truth["networks"]["waves"]:
        listed = {k[1:] for k in want if k[0] == wave and len(k) == 3}
        assert listed == containers  # every container of the study, in every wave
    wrong = {k: (want[k], got.get(k, _empty())) for k in want if got.get(k, _empty()) != want[k]}
    assert not wrong, wrong


# -- the tally --------------------------------------------------------------------------------


def test_tally_counts_hand_made_edges() -> None:
    t = NetworkTally()
    t.open("x", "a")
    # 1->2 twice, 2->1, a self-loop 3->3: edges {1->2, 2->1}, one mutual dyad
    t.add("reply", np.array([1, 1, 2, 3]), np.array([2, 2, 1, 3]))
    # reactions on items 10, 10, 11 (authors 2, 2, 1): 4 reacts twice to item 10 (counts once)
    t.add("reaction", np.array([4, 4, 4]), np.array([2, 2, 1]), item=np.array([10, 10, 11]))
    t.close()
    t.open("x", "b")
    t.add("mention", np.array([4, 5]), np.array([1, 6]))  # 4->1 is also in container a
    t.add("share", np.array([2]), np.array([4]))  # 2->4: mutual with a's 4->2 only study-wide
    t.close()
    t.open("whatsapp", "c")
    t.close()
    got = t.wave()
    a, b, c = got["containers"]
    assert (a["platform"], a["container"]) == ("x", "a")
    assert {k: a[k] for k in ("nodes", "edges", "mutual_dyads", "interactions")} == {
        "nodes": 3, "edges": 4, "mutual_dyads": 1, "interactions": 5
    }  # fmt: skip
    assert a["by_kind"] == {"reply": 3, "reaction": 2}
    assert {k: b[k] for k in ("nodes", "edges", "mutual_dyads", "interactions")} == {
        "nodes": 5, "edges": 3, "mutual_dyads": 0, "interactions": 3
    }  # fmt: skip
    assert c == {"platform": "whatsapp", "container": "c", **_empty()}
    x = got["platforms"]["x"]
    # edges 1->2, 2->1, 4->2, 4->1, 5->6, 2->4: nodes 1, 2, 4, 5, 6
    assert (x["nodes"], x["edges"], x["mutual_dyads"], x["interactions"]) == (5, 6, 2, 8)
    assert x["by_kind"] == {"reply": 3, "reaction": 2, "mention": 2, "share": 1}
    assert got["platforms"]["whatsapp"] == _empty()


ACCOUNT = st.one_of(st.integers(0, 6), st.integers(0, 2**31 - 1))  # small ids meet often


@given(st.lists(st.tuples(ACCOUNT, ACCOUNT), max_size=40))
def test_figures_agree_with_counting_sets(pairs: list[tuple[int, int]]) -> None:
    pairs = [(s, t) for s, t in pairs if s != t]
    edges = set(pairs)
    codes = np.array([s << 32 | t for s, t in pairs], dtype=np.int64)
    assert figures(codes) == _file_figures(edges)


def test_tally_refuses_misuse() -> None:
    t = NetworkTally()
    with pytest.raises(RuntimeError):
        t.add("reply", np.array([1]), np.array([2]))
    t.open("x", "a")
    with pytest.raises(ValueError, match="follow"):
        t.add("follow", np.array([1]), np.array([2]))
    with pytest.raises(ValueError, match="account numbers"):
        t.add("reply", np.array([-1]), np.array([2]))
    with pytest.raises(RuntimeError):
        t.wave()


# -- truth against the written files ----------------------------------------------------------


def _ndjson(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _file_figures(edges: set[tuple[str, str]]) -> dict[str, int]:
    nodes = {a for e in edges for a in e}
    mutual = sum(1 for s, t in edges if s < t and (t, s) in edges)
    return {"nodes": len(nodes), "edges": len(edges), "mutual_dyads": mutual}


def test_truth_matches_the_written_files(tmp_path: Path) -> None:
    """Edges counted from the generic files (which carry every record) give the truth."""
    study = tmp_path / "study"
    generate(study, "small", seed=11)
    truth = json.loads((study / "truth.json").read_text(encoding="utf-8"))
    got: dict[Scope, dict[str, Any]] = {}
    for wave in truth["networks"]["waves"]:
        gen = study / "exports" / wave / "generic"
        items = {}
        for p in sorted(gen.glob("items-*.ndjson")):
            for r in _ndjson(p):
                items[(r["platform"], r["platform_id"])] = r
        # (platform, container) -> kind -> set of (source, target, item)
        acts: dict[tuple[str, str], dict[str, set[tuple[str, str, str]]]] = defaultdict(
            lambda: defaultdict(set)
        )
        for (plat, pid), r in items.items():
            here = acts[(plat, r["container"])]
            if r["parent_id"] is not None:
                here["reply"].add((r["author"], items[(plat, r["parent_id"])]["author"], pid))
            for m in r["mentions"]:
                here["mention"].add((r["author"], m, pid))
            if r["shared_from"] is not None:
                here["share"].add((r["author"], r["shared_from"], pid))
        for e in _ndjson(gen / "edges.ndjson"):
            if e["kind"] in KINDS:
                item = items[(e["platform"], e["item_id"])]
                assert e["target"] == item["author"]
                acts[(e["platform"], item["container"])][e["kind"]].add(
                    (e["source"], e["target"], e["item_id"])
                )
        by_platform: dict[str, dict[str, set[tuple[str, str, str]]]] = defaultdict(
            lambda: defaultdict(set)
        )
        for (plat, _), kinds in acts.items():
            for kind, found in kinds.items():
                by_platform[plat][kind] |= found  # item ids are unique within a platform
        for scope, kinds in [
            *(((wave, *k), v) for k, v in acts.items()),
            *(((wave, p), v) for p, v in by_platform.items()),
        ]:
            rows = {kind: {r for r in v if r[0] != r[1]} for kind, v in kinds.items()}
            by_kind = {k: len(rows[k]) for k in KINDS if rows.get(k)}
            edges = {(s, t) for v in rows.values() for s, t, _ in v}
            got[scope] = {
                **_file_figures(edges),
                "interactions": sum(by_kind.values()),
                "by_kind": by_kind,
            }
    _compare(truth, got)
    # both kinds of planted share are there: Telegram forwards by name, Facebook shares by id
    sharing = {k[1] for k, f in got.items() if len(k) == 2 and f["by_kind"].get("share")}
    assert sharing == {"telegram", "facebook"}


# -- truth against the imported demo study ----------------------------------------------------

EDGES_SQL = """
CREATE TEMP TABLE gen AS
  SELECT platform || ':' || platform_id AS item_key, platform, container
  FROM read_json(?, format = 'newline_delimited',
                 columns = {'platform': 'VARCHAR', 'platform_id': 'VARCHAR',
                            'container': 'VARCHAR'});
CREATE TEMP TABLE cmap AS
  SELECT DISTINCT it.container_key, g.platform, g.container
  FROM ws.items it JOIN gen g USING (item_key);
CREATE TEMP TABLE acts AS
  SELECT i.wave, i.kind, i.source_key AS s, i.target_key AS t, i.item_key,
         m.platform, m.container
  FROM ws.interactions i
  LEFT JOIN ws.items it ON it.item_key = i.item_key
  LEFT JOIN cmap m ON m.container_key = it.container_key
  WHERE i.kind IN ('reply', 'reaction', 'mention', 'share') AND i.source_key <> i.target_key;
CREATE TEMP TABLE e AS SELECT DISTINCT wave, platform, container, s, t FROM acts;
"""


def _sql_figures(con: duckdb.DuckDBPyConnection, cols: str) -> dict[Scope, dict[str, Any]]:
    """nodes, edges, mutual dyads and interactions per scope (``cols``), in plain SQL."""
    on = " AND ".join(f"a.{c} = b.{c}" for c in cols.split(", "))
    queries = {
        "edges": f"SELECT {cols}, count(DISTINCT (s, t)) FROM e GROUP BY ALL",
        "nodes": f"SELECT {cols}, count(DISTINCT n) FROM "
        f"(SELECT {cols}, s AS n FROM e UNION ALL SELECT {cols}, t FROM e) GROUP BY ALL",
        "mutual_dyads": f"SELECT a.{cols.replace(', ', ', a.')}, count(DISTINCT (a.s, a.t)) "
        f"FROM e a JOIN e b ON {on} AND a.s = b.t AND a.t = b.s WHERE a.s < a.t GROUP BY ALL",
        "interactions": f"SELECT {cols}, count(*) FROM acts GROUP BY ALL",
    }
    out: dict[Scope, dict[str, Any]] = defaultdict(_empty)
    for metric, q in queries.items():
        for *scope, n in con.execute(q).fetchall():
            out[tuple(scope)][metric] = n
    by_kind = con.execute(f"SELECT {cols}, kind, count(*) FROM acts GROUP BY ALL").fetchall()
    for *scope, kind, n in by_kind:
        out[tuple(scope)]["by_kind"][kind] = n
    for fig in out.values():
        fig["by_kind"] = {k: fig["by_kind"][k] for k in KINDS if k in fig["by_kind"]}
    return dict(out)


@pytest.mark.slow
def test_imported_demo_study_has_the_planted_network(demo_study: Path) -> None:
    truth = json.loads((demo_study / "truth.json").read_text(encoding="utf-8"))
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{demo_study / 'workspace.duckdb'}' AS ws (READ_ONLY)")
        generic = str(demo_study / "exports" / "*" / "generic" / "items-*.ndjson")
        for stmt in EDGES_SQL.split(";"):
            if stmt.strip():
                con.execute(stmt, [generic] if "?" in stmt else [])
        # each container the importers made is one container of the study, and no two share one
        pairs = con.execute("SELECT container_key, platform, container FROM cmap").fetchall()
        assert len({p[0] for p in pairs}) == len(pairs) == len({p[1:] for p in pairs})
        # every edge of the default network hangs off an imported item of a known container
        orphans = con.execute("SELECT count(*) FROM acts WHERE container IS NULL").fetchone()
        assert orphans == (0,)
        got = _sql_figures(con, "wave, platform, container")
        got |= _sql_figures(con, "wave, platform")
    finally:
        con.close()
    assert sum(f["edges"] for k, f in got.items() if len(k) == 2) > 10_000
    _compare(truth, got)
