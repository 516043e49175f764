"""``settlescope report``, ``toolkit`` and ``timeline`` on the tiny hand-built study.

The tiny study has only the network measures run, so the reach, capacity and offline sections
are *missing*; editing ``measure_runs`` makes results *stale*.
"""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from settlescope.cli.main import app
from settlescope.errors import StudyError
from settlescope.reports.timeline import timeline
from settlescope.reports.toolkit import build_toolkit
from settlescope.study.model import load_study
from tests.tiny_network import Tiny

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def test_report_names_the_measure_commands_for_missing_results(tiny: Tiny) -> None:
    out_dir = tiny.dir / "out"
    code, out = run("report", "phase1", "--study", str(tiny.dir), "--format", "html",
                    "--out", str(out_dir))  # fmt: skip
    assert code == 0, out
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    # reach was never measured in this study: the section says which command fills it
    assert (f"Not measured yet for this wave. Run: settlescope measure --study {tiny.dir} "
            "--wave baseline --only audience-size") in html  # fmt: skip
    # capacity and offline measures were not run: named one by one
    said = out.replace("\n", "")
    for m in (
        "responsiveness",
        "service-coverage",
        "languages-used",
        "capacity-index",
        "online-vs-clients",
        "followers-per-client",
    ):
        assert m in said, m  # fmt: skip
    # a partner name with markup is text, not markup
    assert "Beta &lt;b&gt;Welcome&lt;/b&gt; &amp; &#34;Co&#34;" in html
    assert "Beta <b>Welcome</b>" not in html


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE measure_runs SET inputs_fingerprint = 'older' WHERE measure_id = "
        "'network-structure'",
        "UPDATE measure_runs SET measure_version = 0 WHERE measure_id = 'network-structure'",
    ],
    ids=["imports-changed", "other-version"],
)
def test_stale_results_are_named_with_their_command(tiny: Tiny, edit: str) -> None:
    con = duckdb.connect(str(tiny.dir / "workspace.duckdb"))
    con.execute(edit)
    con.close()
    out_dir = tiny.dir / "out"
    code, out = run("report", "phase1", "--study", str(tiny.dir), "--format", "html",
                    "--out", str(out_dir))  # fmt: skip
    assert code == 0, out
    assert "network-structure (stale)" in out.replace("\n", "")
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    assert "Out of date: data was imported or a measure changed" in html
    assert "--only network-structure" in html


def test_bad_options_are_usage_errors(tiny: Tiny) -> None:
    assert run("report", "phase9", "--study", str(tiny.dir))[0] == 2
    assert run("report", "phase1", "--study", str(tiny.dir), "--format", "docx")[0] == 2
    assert run("report", "phase1", "--study", str(tiny.dir), "--lang", "de")[0] == 2
    assert run("toolkit", "--study", str(tiny.dir), "--partner", "nobody")[0] == 2


def _add_phase(tiny: Tiny, phase: tuple[str, str], deliverable: tuple[str, str], wave: str,
               measures: str = "") -> None:  # fmt: skip
    """Append a phase of 2026's first quarter, with one deliverable due at its end."""
    toml = tiny.dir / "study.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f"""
[[phases]]
id = "{phase[0]}"
label = "{phase[1]}"
start = 2026-01-01
end = 2026-03-31
  [[phases.deliverables]]
  id = "{deliverable[0]}"
  label = "{deliverable[1]}"
  due = 2026-03-31
  wave = "{wave}"
""" + (f"  measures = [\"{measures}\"]\n" if measures else ""), encoding="utf-8")  # fmt: skip


def test_timeline_status_comes_from_the_results(tiny: Tiny) -> None:
    _add_phase(tiny, ("networks", "Network mapping"), ("maps", "Network maps"), "baseline",
               measures="network")  # fmt: skip
    study = load_study(tiny.dir)
    with tiny.opened.workspace() as ws:
        rows = {r.id: r for r in timeline(ws, study)}
    # every network measure has current results for the baseline: done
    assert rows["maps"].status == "done" and rows["networks"].status == "done"
    # phase 1's report also needs reach, capacity and offline results: started, not done
    assert rows["phase1-report"].status == "in progress"
    assert "audience-size" in rows["phase1-report"].missing
    # nothing of the survey exists
    assert rows["survey-summary"].status == "planned" and rows["phase-3"].status == "planned"
    code, out = run("timeline", "--study", str(tiny.dir))
    assert code == 0, out
    assert "Network mapping" in out and "done" in out and "planned" in out


def test_a_phase_naming_an_unknown_wave_is_refused(tiny: Tiny) -> None:
    _add_phase(tiny, ("x", "X"), ("d", "D"), "wave-9")
    with pytest.raises(StudyError, match="unknown wave 'wave-9'"):
        load_study(tiny.dir)


def test_toolkit_editions_are_numbered_and_kept(tiny: Tiny) -> None:
    study = tiny.opened.study
    with tiny.opened.workspace() as ws:
        one = build_toolkit(ws, study, tiny.dir, formats=("html",))
        two = build_toolkit(ws, study, tiny.dir, formats=("html",))
    assert [one.number, two.number] == [1, 2]
    assert (one.folder / "toolkit.html").is_file() and (two.folder / "toolkit.html").is_file()
    log = (two.folder / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "No new data." in log and "No figure moved." in log
