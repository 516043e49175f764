"""The capacity and offline measures recover what the synthetic study planted.

The demo study is labelled by the text tools (languages, service categories, question flags,
which the measure runner applies first) and measured once for this module; truth.json holds what was planted per partner.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from settlescope.measures.run import run_measures
from settlescope.study.setup import open_study
from tests.conftest import copy_study

WAVES = ("baseline", "followup")


@pytest.fixture(scope="module")
def measured(demo_study: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = copy_study(demo_study, tmp_path_factory.mktemp("capacity") / "study")
    opened = open_study(target)
    with opened.workspace() as ws:
        # run_measures labels the items first (languages, categories, question flags)
        run_measures(ws, opened.study, only=["capacity", "offline"], study_dir=target)
    return target


@pytest.fixture(scope="module")
def truth(measured: Path) -> dict[str, Any]:
    data = json.loads((measured / "truth.json").read_text(encoding="utf-8"))["partners"]
    return {p: e for p, e in data.items() if p.startswith("p")}


def _rows(study: Path, measure: str, metric: str) -> dict[tuple[str, str, str | None], tuple]:
    con = duckdb.connect(str(study / "workspace.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT scope_id, wave, category, value, n, lower, upper FROM results "
            "WHERE measure_id = ? AND metric = ?",
            [measure, metric],
        ).fetchall()
    finally:
        con.close()
    return {(p, w, c): (v, n, lo, hi) for p, w, c, v, n, lo, hi in rows}


def test_response_time_medians_match_the_planted_ones(measured: Path, truth: dict) -> None:
    # The planted delays are antithetic lognormal draws, symmetric about the planted median
    # in log space, so the sample median equals it when the count is odd; with an even count
    # it is the mean of the innermost pair, close to it once there are a few dozen. Checked:
    # every partner and wave with an odd count or at least 20 answered questions; every
    # partner's own median is checked at least once (peers answer first in fewer threads:
    # p05's and p06's peer counts are small and even in the follow-up).
    got = _rows(measured, "responsiveness", "response-time-median")
    checked = 0
    for p, e in truth.items():
        for who, key in (("organization", "org"), ("peer", "peer")):
            planted = e["response_time"][key]["median_minutes"]
            seen = False
            for w in WAVES:
                value, n, _, _ = got[(p, w, who)]
                if n % 2 == 1 or n >= 20:
                    assert value == pytest.approx(planted, rel=0.05), (p, w, who, n)
                    seen = True
                    checked += 1
            assert seen or who == "peer", (p, who)
    assert checked >= 1.5 * len(truth)


def test_answer_rates_match_the_realised_ones(measured: Path, truth: dict) -> None:
    # Answers are visible where exports keep reply links (every platform here but WhatsApp,
    # whose questions are counted apart); realised counts per wave and platform are in truth.
    org = _rows(measured, "responsiveness", "answered-by-organization")
    peer = _rows(measured, "responsiveness", "answered-by-peers-only")
    q = _rows(measured, "responsiveness", "questions")
    apart = _rows(measured, "responsiveness", "questions-unthreaded")
    for p, e in truth.items():
        for w in WAVES:
            by = e["questions_realised_by"][w]
            threaded = [v for plat, v in by.items() if plat != "whatsapp"]
            n = sum(v["questions"] for v in threaded)
            assert q[(p, w, None)][0] == n
            assert org[(p, w, None)][0] == pytest.approx(
                sum(v["org"] for v in threaded) / n, abs=0.02
            )
            assert peer[(p, w, None)][0] == pytest.approx(
                sum(v["peer"] for v in threaded) / n, abs=0.02
            )
            if "whatsapp" in by:
                assert apart[(p, w, None)][0] == by["whatsapp"]["questions"]


def test_service_category_shares_match_the_planted_posts(measured: Path, truth: dict) -> None:
    # Posts are pages, channels and Facebook groups (chat messages are not posts). In other
    # languages than English and French the generator writes one generic information post
    # whatever service was drawn, so the text announces IO there: that is what is observable.
    got = _rows(measured, "service-coverage", "posts-share")
    for p, e in truth.items():
        for w in WAVES:
            expected: dict[str, int] = {}
            for key, n in e["service_posts_realised_by"][w].items():
                platform, mode, _lang, said = key.split("|")
                if mode == "group" and platform != "facebook":
                    continue
                said = "IO" if said == "generic" else said
                expected[said] = expected.get(said, 0) + n
            total = sum(expected.values())
            for cat in ("NAARS", "IO", "LA", "LT", "ERS", "CC", "SS", "CM"):
                value, n, _, _ = got[(p, w, cat)]
                assert n == total
                assert value == pytest.approx(expected.get(cat, 0) / total, abs=0.03), (p, w, cat)


@pytest.mark.parametrize(
    ("group", "key"), [("45-plus", "age_45_plus"), ("women", "women"), ("rural", "rural")],
    ids=["45-plus", "women", "rural"],
)  # fmt: skip
def test_planted_representation_gaps_are_recovered(
    measured: Path, truth: dict, group: str, key: str
) -> None:
    ratio = _rows(measured, "online-vs-clients", "representation-ratio")
    online = _rows(measured, "online-vs-clients", "online-share")
    client = _rows(measured, "online-vs-clients", "client-share")
    for p, e in truth.items():
        gap = e["client_gaps"][key]
        planted = gap["online_share"] / gap["client_share"]
        for w in WAVES:
            rr, _n, lo, hi = ratio[(p, w, group)]
            # direction: under-represented online, the whole interval below 1
            assert hi < 1, (p, w, group, rr, hi)
            # size: shares within sampling error of the planted ones (hundreds of clients),
            # and the planted ratio inside the 95 % interval of the measured one
            assert online[(p, w, group)][0] == pytest.approx(gap["online_share"], abs=0.05)
            assert client[(p, w, group)][0] == pytest.approx(gap["client_share"], abs=0.05)
            assert lo <= planted <= hi, (p, w, group, rr, lo, hi, planted)


def test_every_partner_has_capacity_and_offline_results(measured: Path, truth: dict) -> None:
    index = _rows(measured, "capacity-index", "capacity-index")
    fpc = _rows(measured, "followers-per-client", "followers-per-client")
    for p in truth:
        for w in WAVES:
            assert 0 < index[(p, w, None)][0] <= 1
            assert fpc[(p, w, None)][0] > 0
