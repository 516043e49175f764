"""The command line: help, version, exit codes, messages without tracebacks."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from settlescope import __version__
from settlescope.cli.main import app

from ..conftest import CASES

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def test_help_and_version() -> None:
    code, out = run("--help")
    assert code == 0
    for cmd in (
        "init",
        "import",
        "status",
        "formats",
        "synth",
        "demo",
        "map",
        "export-graph",
        "report",
        "toolkit",
        "timeline",
    ):
        assert cmd in out
    code, out = run("--version")
    assert code == 0 and __version__ in out


def test_usage_error_exits_2() -> None:
    code, _ = run("import", "--no-such-option")
    assert code == 2
    code, _ = run("synth", "x", "--size", "huge")
    assert code == 2


@pytest.fixture
def study_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SETTLESCOPE_KEY_FILE", str(tmp_path / "k.key"))
    code, out = run("init", str(tmp_path / "s"))
    assert code == 0, out
    return tmp_path / "s"


def test_import_summary_and_status_json(study_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "a.ndjson"
    f.write_text(
        '{"platform":"x","platform_id":"1","author":"a","created_at":"2026-01-02T00:00:00Z"}\n'
        '{"platform":"telegram","platform_id":"2","author":"b","created_at":"2026-01-02T00:00:00Z"}\n'
        "not json\n"
    )
    code, out = run("import", str(f), "--study", str(study_dir), "--wave", "followup")
    assert code == 0, out
    assert "read 3 = loaded 2 + duplicates 0 + rejected 1" in out
    code, out = run("status", "--study", str(study_dir), "--json")
    assert code == 0
    st = json.loads(out)
    assert st["tables"]["items"]["by_wave"] == {"followup": 2}
    assert st["tables"]["items"]["by_platform"] == {"telegram": 1, "x": 1}
    assert st["tables"]["rejects"]["rows"] == 1
    code, out = run("status", "--study", str(study_dir))
    assert code == 0 and "items" in out


def test_bad_input_exits_1_with_a_message_not_a_traceback(study_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "a.ndjson"
    f.write_text(
        '{"platform":"x","platform_id":"1","created_at":"2026-01-02T00:00:00Z"}\n{"platform":"x","pla'
    )
    code, out = run("import", str(f), "--study", str(study_dir))
    assert code == 1
    assert "truncated" in out and "Traceback" not in out
    code, out = run("import", str(f), "--study", str(study_dir), "--wave", "nope")
    assert code == 1 and "unknown wave 'nope'" in out and "baseline" in out
    code, out = run("status", "--study", str(tmp_path / "nowhere"))
    assert code == 1 and "settlescope init" in out


def test_formats_lists_ids(study_dir: Path) -> None:
    code, out = run("formats", "--json")
    assert code == 0
    ids = {f["id"] for f in json.loads(out)}
    assert {"generic-ndjson", "generic-csv", "4cat-csv", "netlytic-csv"} <= ids


def test_map_option(study_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("post,msg,when\n1,hi,2026-01-01T00:00:00Z\n")
    code, out = run(
        "import",
        str(f),
        "--study",
        str(study_dir),
        "--format",
        "generic-csv",
        "--map",
        "platform_id=post",
        "--map",
        "text=msg",
        "--map",
        "created_at=when",
        "--platform",
        "facebook",
    )
    assert code == 0, out
    assert "loaded 1" in out
    code, out = run("import", str(f), "--study", str(study_dir), "--map", "oops")
    assert code == 2


@pytest.mark.slow
def test_demo_ends_with_a_status_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SETTLESCOPE_KEY_FILE", str(tmp_path / "k.key"))
    os.chdir(tmp_path)
    code, out = run("demo", str(tmp_path / "demo"))
    assert code == 0, out
    assert "Workspace of" in out and "items" in out
    # the table is taken after measuring: it counts the results and the items' labels
    assert re.search(r"│ results\s+│\s+[1-9][\d,]*", out), out
    assert re.search(r"│ item_labels\s+│\s+[1-9][\d,]*", out), out
    # the whole phase-1 path: the report and Toolkit edition 1, their HTML and PDF printed
    printed = dict(line.rsplit(maxsplit=1) for line in out.splitlines()
                   if line.startswith(("report ", "toolkit ")))  # fmt: skip
    assert {k.strip() for k in printed} == {"report html", "report pdf", "toolkit html",
                                            "toolkit pdf"}  # fmt: skip
    for path in printed.values():
        assert Path(path).is_file() and Path(path).stat().st_size > 10_000
    assert "edition-001" in printed["toolkit pdf"]
    st = json.loads(run("status", "--study", str(tmp_path / "demo"), "--json")[1])
    assert st["tables"]["rejects"]["rows"] == 0
    # every planted post and message is there once (system and service lines are items of
    # their own kinds, which the generator counts apart)
    truth = json.loads((tmp_path / "demo" / "truth.json").read_text())
    planted = sum(w["items_total"] for w in truth["counts"].values())
    from settlescope.store.workspace import Workspace

    with Workspace.open(tmp_path / "demo" / "workspace.duckdb") as ws:
        content = ws.duck.execute(
            "SELECT count(*) FROM items WHERE kind NOT IN ('service', 'system')"
        ).fetchone()[0]  # type: ignore[index]
    assert content == planted
    assert st["tables"]["items"]["by_wave"].keys() == {"baseline", "followup"}


def test_measures_lists_each_measure_with_its_metrics() -> None:
    code, out = run("measures", "--json")
    assert code == 0
    docs = {d["id"]: d for d in json.loads(out)}
    vol = docs["item-volume"]
    assert vol["version"] == 1 and vol["family"] == "network"
    assert {m["name"]: m["unit"] for m in vol["metrics"]}["own-share"] == "share"
    assert "kinds" in vol["parameters"]


def test_measure_on_an_empty_study_says_to_import_first(study_dir: Path) -> None:
    code, out = run("measure", "--study", str(study_dir))
    assert code == 1
    assert "no data to measure" in out and "settlescope import" in out


def test_measure_writes_results_and_names_unknown_families(study_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "a.ndjson"
    f.write_text(
        '{"platform":"x","platform_id":"1","author":"a","created_at":"2026-01-02T00:00:00Z"}\n'
    )
    assert run("import", str(f), "--study", str(study_dir))[0] == 0
    code, out = run("measure", "--study", str(study_dir), "--only", "network", "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert [(s["measure_id"], s["wave"]) for s in summary] == [
        (m, "baseline")
        for m in (
            "item-volume",
            "network-structure",
            "network-communities",
            "network-brokerage",
            "network-positions",
        )
    ]
    code, out = run("measure", "--study", str(study_dir), "--only", "nosuch")
    assert code == 2 and "unknown measure or family: nosuch" in out


WHATSAPP_ZIP = CASES / "whatsapp-txt" / "WhatsApp Chat - Elon Musk (RU).zip"
ZIP_SUMMARY = "chat.zip [whatsapp-txt]: read 25 = loaded 25 + duplicates 0 + rejected 0"


@pytest.fixture
def new_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder where a new user ran ``settlescope init newcomers`` and put the phone's export."""
    monkeypatch.chdir(tmp_path)
    code, out = run("init", "newcomers")
    assert code == 0, out
    shutil.copy(WHATSAPP_ZIP, tmp_path / "chat.zip")
    return tmp_path


def test_new_user_imports_a_whatsapp_zip_from_the_folder_that_holds_the_study(
    new_user: Path,
) -> None:
    r = CliRunner().invoke(app, ["import", "chat.zip"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == ZIP_SUMMARY  # one line
    assert "Study: newcomers" in r.stderr


def test_new_user_imports_from_inside_the_study_and_its_subfolders(
    new_user: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = new_user / "newcomers" / "exports"
    exports.mkdir()
    shutil.copy(WHATSAPP_ZIP, exports / "chat.zip")
    monkeypatch.chdir(new_user / "newcomers")
    r = CliRunner().invoke(app, ["import", "exports/chat.zip"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == ZIP_SUMMARY
    assert "Study:" not in r.stderr  # the current folder is the study
    monkeypatch.chdir(exports)
    code, out = run("import", "chat.zip", "--force")
    assert code == 0, out
    assert "loaded 0 + duplicates 25" in out
    r = CliRunner().invoke(app, ["status", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["tables"]["items"]["rows"] == 25
    assert "Study: " + str((new_user / "newcomers").resolve()) in r.stderr


def test_new_user_imports_with_study_given(new_user: Path) -> None:
    code, out = run("import", "chat.zip", "--study", "newcomers")
    assert code == 0 and out.strip() == ZIP_SUMMARY
    code, out = run("import", str(new_user / "chat.zip"), "--study", str(new_user / "newcomers"))
    assert code == 0 and "already imported" in out


def test_no_study_or_several_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = run("status")
    assert code == 1 and "settlescope init" in out
    for name in ("a", "b"):
        code, _ = run("init", name)
        assert code == 0
    code, out = run("status")
    assert code == 2 and "several studies here: a, b" in out and "--study a" in out
