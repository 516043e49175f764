"""The network measures recover the structure planted in the synthetic study.

``truth.json`` gives, per wave, the exact planted interaction network of each platform and
each container (nodes, unique ties, mutual dyads, interactions; see
``settlescope.synth.network``), computed by the generator from what it wrote. The measures
must give exactly the density and reciprocity those figures imply.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from settlescope.study.setup import open_study


def _results(study: Path, measure: str) -> dict[tuple[str, str, str, str | None], float]:
    con = duckdb.connect(str(study / "workspace.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT wave, scope_id, metric, category, value FROM results WHERE measure_id = ?",
            [measure],
        ).fetchall()
    finally:
        con.close()
    return {(w, s, m, c): v for w, s, m, c, v in rows}


def _container_keys(study: Path) -> dict[tuple[str, str], str]:
    """Workspace container key of each (platform, container id) of the study's truth."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{study / 'workspace.duckdb'}' AS ws (READ_ONLY)")
        gen = str(study / "exports" / "*" / "generic" / "items-*.ndjson")
        rows = con.execute(
            "SELECT DISTINCT g.platform, g.container, it.container_key FROM read_json(?, "
            "format = 'newline_delimited', columns = {'platform': 'VARCHAR', "
            "'platform_id': 'VARCHAR', 'container': 'VARCHAR'}) g "
            "JOIN ws.items it ON it.item_key = g.platform || ':' || g.platform_id",
            [gen],
        ).fetchall()
    finally:
        con.close()
    return {(p, c): k for p, c, k in rows}


def test_density_and_reciprocity_equal_the_planted_networks(measured_demo: Path) -> None:
    truth = json.loads((measured_demo / "truth.json").read_text(encoding="utf-8"))
    got = _results(measured_demo, "network-structure")
    keys = _container_keys(measured_demo)
    opened = open_study(measured_demo)
    # the default network (replies, mentions, shares, reactions): no network parameters set
    assert not [k for k in opened.study.measures if k.startswith("network")]
    checked = 0
    for wave, net in truth["networks"]["waves"].items():
        scopes = [("study", pl, fig) for pl, fig in net["platforms"].items()]
        group_ids = {
            (c["platform"], c["container"]) for c in truth["containers"] if c["mode"] == "group"
        }
        scopes += [
            (keys[(c["platform"], c["container"])], None, c)
            for c in net["containers"]
            if (c["platform"], c["container"]) in group_ids and c["edges"]
        ]
        for scope_id, platform, fig in scopes:
            n, m, mutual = fig["nodes"], fig["edges"], fig["mutual_dyads"]
            if not m:
                continue

            def value(
                metric: str, _s: str = scope_id, _p: str | None = platform, _w: str = wave
            ) -> float:
                return got[(_w, _s, metric, _p)]

            assert value("nodes") == n
            assert value("ties") == m
            assert value("interactions") == fig["interactions"]
            assert value("density-directed") == pytest.approx(m / (n * (n - 1)), rel=1e-12)
            assert value("density-undirected") == pytest.approx(
                (m - mutual) / (n * (n - 1) / 2), rel=1e-12
            )
            assert value("reciprocity-ties") == pytest.approx(2 * mutual / m, rel=1e-12)
            assert value("reciprocity-dyads") == pytest.approx(mutual / (m - mutual), rel=1e-12)
            checked += 1
    assert checked >= 40


def nmi(a: list[int], b: list[float]) -> float:
    """Normalised mutual information, arithmetic normalisation: 2 I(A;B) / (H(A) + H(B)).

    (Danon et al. 2005; scikit-learn's ``normalized_mutual_info_score`` default.)
    """
    n = len(a)
    ca, cb, cab = Counter(a), Counter(b), Counter(zip(a, b, strict=True))
    mi = sum(v / n * math.log(v * n / (ca[x] * cb[y])) for (x, y), v in cab.items())
    ha = -sum(v / n * math.log(v / n) for v in ca.values())
    hb = -sum(v / n * math.log(v / n) for v in cb.values())
    return 2 * mi / (ha + hb) if ha + hb else 1.0


def test_nmi_helper_by_hand() -> None:
    assert nmi([0, 0, 1, 1], [5, 5, 7, 7]) == pytest.approx(1.0)  # same partition, renamed
    assert nmi([0, 0, 1, 1], [5, 7, 5, 7]) == pytest.approx(0.0)  # independent
    # b splits a's second group: I(A;B) = H(A) = log 2, H(B) = 1.5 log 2 -> NMI = 0.8
    a, b = [0, 0, 1, 1], [0, 0, 1, 2]
    assert nmi(a, b) == pytest.approx(2 * math.log(2) / (2.5 * math.log(2)))


@pytest.mark.parametrize("platform", ["facebook", "telegram"], ids=["facebook", "telegram"])
def test_leiden_recovers_the_planted_communities(measured_demo: Path, platform: str) -> None:
    """NMI >= 0.9 between Leiden's communities and the planted ones, where people talk.

    Facebook and Telegram carry the newcomer community groups, where people reply to and
    react to each other. Accounts with fewer than 3 ties are left out: one or two ties carry
    too little signal for any method to place an account (the planted partition's
    detectability limit), and the synthetic study, like real groups, has many such accounts.
    On Instagram, X and YouTube people only answer organizations' posts, so their
    communities are not in the network at all; those platforms are not scored.
    """
    truth = json.loads((measured_demo / "truth.json").read_text(encoding="utf-8"))
    opened = open_study(measured_demo)
    pseud = opened.pseudonymiser()
    planted = {
        f"{platform}:{pseud(platform, a)}": c
        for a, c in truth["communities"]["members"][platform].items()
    }
    con = duckdb.connect(str(measured_demo / "workspace.duckdb"), read_only=True)
    try:
        for wave in ("baseline", "followup"):
            found = dict(
                con.execute(
                    "SELECT account_key, value FROM node_attributes WHERE scope = 'study' "
                    "AND attribute = 'community' AND wave = ?",
                    [wave],
                ).fetchall()
            )
            ties: Counter[str] = Counter()
            for k, v in con.execute(
                "SELECT account_key, value FROM node_attributes WHERE scope = 'study' AND "
                "attribute IN ('in-degree', 'out-degree') AND wave = ?",
                [wave],
            ).fetchall():
                ties[k] += int(v)
            people = [k for k in planted if k in found and ties[k] >= 3]
            assert len(people) >= 500
            score = nmi([planted[k] for k in people], [found[k] for k in people])
            assert score >= 0.9, (wave, platform, score, len(people))
    finally:
        con.close()
