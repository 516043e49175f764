"""One conformance suite over every registered importer, on real exports.

Each case is a real sample in ``tests/cases/<importer-id>/`` with a ``<file>.golden.json``
beside it. The golden values were counted by hand from the file (its ``how`` field says how),
never taken from settlescope's output. For every case the suite checks:

- auto-detection names the importer;
- the counts: items, distinct authors, reply edges, rejects, and the first and last item
  times in UTC;
- importing the file a second time changes nothing.

Golden file keys: ``format`` (importer id), ``items``, ``authors``, ``reply_edges``,
``rejected`` (default 0), ``first``/``last`` (ISO 8601 UTC, or null), ``tables`` (optional
{table: rows} for other tables, such as audience), ``options`` (optional import options:
``date_order``, ``time_zone``, ``platform``), ``how`` (how the numbers were counted).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from settlescope.importers import load_builtin
from settlescope.importers.base import REGISTRY, ImportOptions, detect_format

from ..conftest import CASES, StudyFixture

GOLDEN = sorted(CASES.glob("*/*.golden.json"))


def _case_id(p: Path) -> str:
    return f"{p.parent.name}/{p.name.removesuffix('.golden.json')}"


def _load(golden: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    spec = json.loads(golden.read_text(encoding="utf-8"))
    return golden.with_name(golden.name.removesuffix(".golden.json")), spec


def _options(spec: dict) -> ImportOptions:  # type: ignore[type-arg]
    o = spec.get("options", {})
    return ImportOptions(
        date_order=o.get("date_order"),
        time_zone=o.get("time_zone"),
        platform=o.get("platform"),
        encoding=o.get("encoding"),
    )


def test_every_importer_has_a_real_case() -> None:
    load_builtin()
    covered = {json.loads(g.read_text())["format"] for g in GOLDEN}
    # the generic formats and presets are covered by test_generic on hand-made files; client
    # records are partners' own tables, never published: test_clients covers them on
    # hand-made files
    missing = (
        set(REGISTRY)
        - covered
        - {"generic-ndjson", "generic-csv", "4cat-csv", "netlytic-csv"}
        - {"clients-csv", "clients-xlsx"}
    )
    assert not missing, f"importers without a real-export case: {sorted(missing)}"


@pytest.mark.parametrize("golden", GOLDEN, ids=_case_id)
def test_detects_format(golden: Path) -> None:
    path, spec = _load(golden)
    if spec.get("detect", True) is False:
        pytest.skip("declared ambiguous in its golden file; imported with --format")
    assert detect_format(path).id == spec["format"]


@pytest.mark.parametrize("golden", GOLDEN, ids=_case_id)
def test_golden_counts_and_idempotence(golden: Path, study: StudyFixture) -> None:
    path, spec = _load(golden)
    s = study.import_(path, fmt=spec["format"], options=_options(spec))
    assert s.rejected == spec.get("rejected", 0), s.reject_reasons
    assert s.read == s.loaded + s.duplicates + s.rejected
    rows = study.sql(
        "SELECT count(*), count(DISTINCT author_key), min(created_at), max(created_at) FROM items"
    )[0]
    assert rows[0] == spec["items"]
    assert rows[1] == spec["authors"]
    replies = study.sql("SELECT count(*) FROM interactions WHERE kind = 'reply'")[0][0]
    assert replies == spec["reply_edges"]
    for key, got in (("first", rows[2]), ("last", rows[3])):
        want = spec.get(key)
        if want is None:
            assert got is None
        else:
            assert got.astimezone(dt.UTC) == dt.datetime.fromisoformat(want).astimezone(dt.UTC)
    for table, n in spec.get("tables", {}).items():
        assert study.sql(f'SELECT count(*) FROM "{table}"')[0][0] == n, table
    before = study.counts()
    again = study.import_(path, fmt=spec["format"], options=_options(spec), force=True)
    assert again.loaded == 0
    assert study.counts() == {**before, "import_runs": before["import_runs"] + 1}
