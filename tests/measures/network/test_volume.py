"""Volume of activity: hand-counted on a small file, and the synthetic study's planted counts."""

from __future__ import annotations

import json
from pathlib import Path

from settlescope.measures.run import run_measures
from settlescope.study.setup import open_study
from tests.conftest import HARBOUR_PAGE, StudyFixture

# Seven items of p1's page: 3 by the page itself, 3 by two people, 1 join notice (not counted).
# The 4th item is at 03:00 UTC on 1 Feb, still 31 January in Toronto.
ITEMS = [
    ("1", "harbour", "page", "post", "2026-01-10T15:00:00Z"),
    ("2", "ana", None, "comment", "2026-01-10T16:00:00Z"),
    ("3", "ben", None, "comment", "2026-01-11T16:00:00Z"),
    ("4", "harbour", "page", "post", "2026-02-01T03:00:00Z"),
    ("5", "ana", None, "comment", "2026-02-05T12:00:00Z"),
    ("6", "harbour", "page", "reply", "2026-02-06T12:00:00Z"),
    ("7", "ben", None, "service", "2026-02-07T12:00:00Z"),
]


def _results(
    study: StudyFixture, **where: str | None
) -> dict[tuple[str | None, str | None], float]:
    cond = " AND ".join(f"{k} IS NULL" if v is None else f"{k} = '{v}'" for k, v in where.items())
    rows = study.sql(f"SELECT dimension, category, value FROM results WHERE {cond}")
    return {(d, c): v for d, c, v in rows}


def test_volume_on_a_hand_counted_page(study: StudyFixture, tmp_path: Path) -> None:
    study.extend(HARBOUR_PAGE)
    f = tmp_path / "page.ndjson"
    f.write_text(
        "".join(
            json.dumps(
                dict(
                    platform="facebook", platform_id=i, container="harbour",
                    container_kind="page", author=a, author_kind=k, kind=kind, created_at=t,
                )
            )
            + "\n"
            for i, a, k, kind, t in ITEMS
        )
    )  # fmt: skip
    study.import_(f)
    with study.ws() as ws:
        run_measures(ws, study.opened.study, only=["item-volume"])
    items = _results(study, scope="partner", scope_id="p1", metric="items")
    assert items[(None, None)] == 6
    assert items[("month", "2026-01")] == 4  # item 4 is in January, local time
    assert items[("month", "2026-02")] == 2
    assert items[("kind", "post")] == 2 and items[("kind", "comment")] == 3
    assert ("kind", "service") not in items
    own = _results(study, scope="partner", scope_id="p1", metric="own-items")
    assert own[(None, None)] == 3 and own[("month", "2026-01")] == 2
    share = _results(study, scope="partner", scope_id="p1", metric="own-share")
    assert share[(None, None)] == 0.5
    authors = _results(study, scope="partner", scope_id="p1", metric="active-authors")
    assert authors[(None, None)] == 3  # the page, ana, ben
    assert authors[("month", "2026-02")] == 2  # the page and ana (ben's join is not counted)
    acc = _results(study, scope="account", scope_id="facebook:harbour", metric="items")
    assert acc[(None, None)] == 3 and acc[("kind", "reply")] == 1


def test_volume_recovers_the_synthetic_studys_planted_counts(measured_demo: Path) -> None:
    truth = json.loads((measured_demo / "truth.json").read_text(encoding="utf-8"))
    opened = open_study(measured_demo)
    with opened.workspace() as ws:
        for wave, counts in truth["counts"].items():
            got = dict(
                ws.duck.execute(
                    "SELECT coalesce(category, 'total'), value FROM results "
                    "WHERE measure_id = 'item-volume' AND wave = ? AND scope = 'study' "
                    "AND metric = 'items' AND (dimension = 'platform' OR dimension IS NULL)",
                    [wave],
                ).fetchall()
            )
            assert got == {**counts["items"], "total": counts["items_total"]}
