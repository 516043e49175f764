"""``settlescope label`` and its place before ``settlescope measure``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from settlescope.cli.main import app
from settlescope.study.setup import open_study
from tests.conftest import copy_study

runner = CliRunner()


def test_label_command_labels_then_has_nothing_to_do(demo_study: Path, tmp_path: Path) -> None:
    target = copy_study(demo_study, tmp_path / "study")
    first = runner.invoke(app, ["label", "--study", str(target), "--json"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output)
    with open_study(target).workspace() as ws:
        n = ws.count("items")
    assert summary["items"] == n
    # the demo's texts are in these eight languages (synth/text.py), plus "und" for media
    assert {"en", "fr", "pa", "ar", "zh", "tl", "es", "uk"} <= set(summary["languages"])
    again = runner.invoke(app, ["label", "--study", str(target)])
    assert again.exit_code == 0 and "nothing to do" in again.output


def test_unknown_taxonomy_is_a_clear_error(demo_study: Path, tmp_path: Path) -> None:
    target = copy_study(demo_study, tmp_path / "study")
    toml = target / "study.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('"topics-v1"', '"topics-v9"'), encoding="utf-8")
    res = runner.invoke(app, ["label", "--study", str(target)])
    assert res.exit_code == 1
    assert "topics-v9" in res.output and "taxonomies.use" in res.output
