"""Pseudonyms: keyed HMAC-SHA256, stable across waves and workspaces, different per key."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from settlescope.errors import StudyError
from settlescope.store.pseudonym import Pseudonymiser, create_key, read_key

from ..conftest import StudyFixture

LINES = (
    '{"platform":"facebook","platform_id":"1","author":"Amira.K","created_at":"2026-02-01T10:00:00Z","text":"hi"}\n'
    '{"platform":"facebook","platform_id":"2","author":"examplecentre","author_kind":"person","created_at":"2026-02-01T11:00:00Z","text":"hello"}\n'
)
LINES2 = LINES.replace('"platform_id":"1"', '"platform_id":"9"').replace(
    '"platform_id":"2"', '"platform_id":"8"'
)


def test_matches_a_hand_computed_hmac() -> None:
    key = bytes(range(32))
    expected = hmac.new(key, b"whatsapp\x1f+1 613 555 0101", hashlib.sha256).hexdigest()[:20]
    assert Pseudonymiser(key)("whatsapp", "+1 613 555 0101") == "~" + expected


@pytest.mark.parametrize("size", [16, 32, 64, 65, 200], ids=lambda n: f"{n}-byte-key")
def test_one_and_many_match_the_standard_hmac(size: int) -> None:
    # Keys longer than SHA-256's 64-byte block are hashed first (RFC 2104).
    key = bytes((7 * i + 3) % 256 for i in range(size))
    people = ["+1 613 555 0101", "Zoë", "", "@someone"]
    expected = [
        "~" + hmac.new(key, f"x\x1f{p}".encode(), hashlib.sha256).hexdigest()[:20] for p in people
    ]
    p = Pseudonymiser(key)
    assert p.many("x", people) == expected
    assert [p("x", who) for who in people] == expected


def test_key_file_round_trip_and_errors(tmp_path: Path) -> None:
    create_key(tmp_path / "k")
    key = read_key(tmp_path / "k")
    assert len(key) == 32
    create_key(tmp_path / "k")  # never overwrites
    assert read_key(tmp_path / "k") == key
    with pytest.raises(StudyError, match="does not exist"):
        read_key(tmp_path / "missing")
    (tmp_path / "bad").write_text("zz")
    with pytest.raises(StudyError, match="not a settlescope key"):
        read_key(tmp_path / "bad")


def _with_org(study: StudyFixture) -> None:
    toml = (study.dir / "study.toml").read_text()
    toml += '\n[[partners]]\nid = "p01"\nname = "Example Centre"\n\n  [[partners.accounts]]\n  platform = "facebook"\n  handle = "ExampleCentre"\n'
    (study.dir / "study.toml").write_text(toml)
    study.reload()


def test_people_are_pseudonymised_and_listed_orgs_keep_handles(
    study: StudyFixture, tmp_path: Path
) -> None:
    _with_org(study)
    f = tmp_path / "a.ndjson"
    f.write_text(LINES)
    study.import_(f, fmt="generic-ndjson")
    rows = dict(study.sql("SELECT handle, pseudonymised FROM accounts"))
    assert rows.get("ExampleCentre") is False
    assert "Amira.K" not in rows and "amira.k" not in rows
    key = read_key(_key(study))
    assert Pseudonymiser(key)("facebook", "amira.k") in rows
    # the organization's item is attributed to its partner
    assert study.sql("SELECT partner_id FROM items WHERE platform_id = '2'")[0][0] == "p01"


def _key(study: StudyFixture) -> Path:
    import os

    return Path(os.environ["SETTLESCOPE_KEY_FILE"])


def test_stable_across_waves_and_workspaces(study: StudyFixture, tmp_path: Path) -> None:
    toml = (study.dir / "study.toml").read_text()
    f1, f2 = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    f1.write_text(LINES)
    f2.write_text(LINES2)
    study.import_(f1, wave="baseline")
    study.import_(f2, wave="followup")
    per_wave = study.sql(
        "SELECT wave, list(author_key ORDER BY author_key) FROM items GROUP BY wave ORDER BY wave"
    )
    assert per_wave[0][1] == per_wave[1][1]
    # a second workspace under the same key gives the same pseudonyms
    from settlescope.study.setup import open_study

    other = tmp_path / "other"
    other.mkdir()
    (other / "study.toml").write_text(toml)
    s2 = StudyFixture(other, open_study(other))
    s2.import_(f1)
    assert set(s2.sql("SELECT author_key FROM items")) <= set(
        study.sql("SELECT author_key FROM items")
    )


def test_another_key_gives_other_pseudonyms(
    study: StudyFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f1 = tmp_path / "a.ndjson"
    f1.write_text(LINES)
    study.import_(f1)
    first = set(study.sql("SELECT author_key FROM items"))
    from settlescope.study.setup import open_study

    other = tmp_path / "other"
    other.mkdir()
    (other / "study.toml").write_text((study.dir / "study.toml").read_text())
    create_key(tmp_path / "k2")
    monkeypatch.setenv("SETTLESCOPE_KEY_FILE", str(tmp_path / "k2"))
    s2 = StudyFixture(other, open_study(other))
    s2.import_(f1)
    assert not first & set(s2.sql("SELECT author_key FROM items"))
