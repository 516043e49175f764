"""The study file: what init writes, and errors that name the key and the line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from settlescope.errors import StudyError, UsageError
from settlescope.study.model import load_study
from settlescope.study.setup import create_study

VALID = """\
[study]
name = "T"

[privacy]
key_file = "/tmp/never-used.key"

[[waves]]
id = "baseline"
start = 2026-01-01
end = 2026-06-30

[[partners]]
id = "p01"
name = "One"

  [[partners.accounts]]
  platform = "facebook"
  handle = "one"

[[partners]]
id = "p02"
name = "Two"

  [[partners.accounts]]
  platform = "x"
  handle = "two"

  [[partners.accounts]]
  platform = "myspace"
  handle = "two"
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "study.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_init_writes_a_valid_commented_study(tmp_path: Path) -> None:
    made = create_study(tmp_path / "s", key_file=tmp_path / "k.key")
    text = made.study_file.read_text(encoding="utf-8")
    assert text.count("\n#") > 20  # it is commented
    data = tomllib.loads(text)
    assert [w["id"] for w in data["waves"]] == ["baseline", "followup"]
    study = load_study(tmp_path / "s")
    assert study.study.time_zone == "America/Toronto"
    assert made.workspace.exists()
    assert (tmp_path / "k.key").stat().st_mode & 0o777 == 0o600


def test_init_refuses_a_key_inside_the_study(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="outside"):
        create_study(tmp_path / "s", key_file=tmp_path / "s" / "k.key")


def test_init_refuses_an_existing_study(tmp_path: Path) -> None:
    create_study(tmp_path / "s", key_file=tmp_path / "k.key")
    with pytest.raises(UsageError, match="already exists"):
        create_study(tmp_path / "s", key_file=tmp_path / "k.key")


def test_error_names_key_and_line_in_nested_arrays(tmp_path: Path) -> None:
    # "myspace" sits on line 29 of VALID (counted by hand), under the second partner's
    # second account.
    assert VALID.splitlines()[28].strip() == 'platform = "myspace"'
    with pytest.raises(StudyError) as e:
        load_study(write(tmp_path, VALID))
    assert e.value.field == "partners.1.accounts.1.platform"
    assert e.value.locator == "line 29"
    assert "study.toml" in str(e.value)


def test_unknown_key_is_named(tmp_path: Path) -> None:
    text = VALID.replace('name = "T"', 'name = "T"\ntimezone = "UTC"')
    with pytest.raises(StudyError) as e:
        load_study(write(tmp_path, text))
    assert e.value.field == "study.timezone"
    assert e.value.locator == "line 3"
    assert "unknown key" in e.value.message


def test_bad_time_zone_and_wave_window(tmp_path: Path) -> None:
    text = VALID.replace('name = "T"', 'name = "T"\ntime_zone = "Mars/Olympus"')
    with pytest.raises(StudyError) as e:
        load_study(write(tmp_path, text))
    assert e.value.field == "study.time_zone" and "IANA" in e.value.message
    text = VALID.replace("end = 2026-06-30", "end = 2025-06-30")
    with pytest.raises(StudyError) as e:
        load_study(write(tmp_path, text))
    assert "ends" in e.value.message and e.value.locator == "line 7"


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    text = VALID.replace('name = "One"', "name = One")
    with pytest.raises(StudyError) as e:
        load_study(write(tmp_path, text))
    assert e.value.locator == "line 14"


def test_missing_study_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StudyError) as e:
        load_study(tmp_path)
    assert "settlescope init" in (e.value.hint or "")


def test_duplicate_org_ids_refused(tmp_path: Path) -> None:
    text = VALID.replace('id = "p02"', 'id = "p01"').replace('"myspace"', '"x"')
    with pytest.raises(StudyError, match="used twice"):
        load_study(write(tmp_path, text))
