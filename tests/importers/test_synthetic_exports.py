"""The platform importers read what the synthetic generator writes, with its planted counts.

The generator records, per file, how many messages or posts it wrote and how many system or
service lines; those counts come from the generator's own bookkeeping, not from any
importer, so this test checks each native importer against an independent truth. It also
checks that the native files and the generic NDJSON file carrying the same records merge
(the same platform ids), so a study never counts a record twice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from settlescope.importers import load_builtin
from settlescope.importers.base import REGISTRY
from settlescope.importers.run import import_file
from settlescope.store.pseudonym import create_key
from settlescope.store.workspace import Workspace
from settlescope.study.setup import open_study
from settlescope.synth import generate

NATIVE_KINDS_EXCLUDED = ("service", "system")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synthetic")
    generate(root / "study", size="small", seed=3, key_file=root / "k.key")
    create_key(root / "k.key")
    return root / "study"


@pytest.mark.slow
def test_native_files_import_with_planted_counts(
    synthetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SETTLESCOPE_KEY_FILE", str(synthetic.parent / "k.key"))
    load_builtin()
    manifest = json.loads((synthetic / "manifest.json").read_text())
    opened = open_study(synthetic)
    imported: set[str] = set()
    with Workspace.open(synthetic / "workspace.duckdb", create=True) as ws:
        for e in manifest["files"]:
            if e["format"] not in REGISTRY or e["format"] == "generic-ndjson" or "items" not in e:
                continue
            s = import_file(
                ws,
                synthetic / e["path"],
                wave=e["wave"],
                study=opened.study,
                format_id=e["format"],
                partner_id=e.get("partner"),
                pseudonymiser=opened.pseudonymiser(),
            )
            assert s.rejected == 0, (e["path"], s.reject_reasons)
            excluded = ", ".join(f"'{k}'" for k in NATIVE_KINDS_EXCLUDED)
            n = ws.duck.execute(
                f"SELECT count(*) FROM items WHERE run_id = ? AND kind NOT IN ({excluded})",
                [s.run_id],
            ).fetchone()[0]
            assert n == e["items"], e["path"]
            imported.add(e["path"])
        assert len(imported) >= 10
        # the generic files carry the same records under the same ids: nothing new
        for e in manifest["files"]:
            if e["format"] != "generic-ndjson" or "edges" in e["path"]:
                continue
            natives = [
                n
                for n in manifest["files"]
                if n.get("generic") == e["path"] and n["path"] in imported
            ]
            if not natives or any(n["format"] == "whatsapp-txt" for n in natives):
                continue  # WhatsApp text exports carry no ids: the two id schemes differ
            s = import_file(
                ws,
                synthetic / e["path"],
                wave=e["wave"],
                study=opened.study,
                format_id="generic-ndjson",
                pseudonymiser=opened.pseudonymiser(),
            )
            assert s.rejected == 0
            assert s.duplicates == sum(n["items"] for n in natives), e["path"]
