"""Shared fixtures: a fresh study per test, with its key outside the study folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from settlescope.importers.base import ImportOptions
from settlescope.importers.run import ImportSummary, import_file
from settlescope.store.workspace import Workspace
from settlescope.study.setup import OpenedStudy, create_study, open_study
from tests.tiny_network import Tiny, build_tiny

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
# The shared samples sit beside the checkout (``../shared``); a git worktree may sit deeper,
# so the nearest ancestor that holds ``shared/samples`` is used (or $SETTLESCOPE_SHARED).
SHARED = Path(
    os.environ.get("SETTLESCOPE_SHARED")
    or next(
        (p / "shared" for p in ROOT.parents if (p / "shared" / "samples").is_dir()),
        ROOT.parent / "shared",
    )
)


@dataclass
class StudyFixture:
    """A study folder plus helpers to import into it and read its counts."""

    dir: Path
    opened: OpenedStudy

    def ws(self) -> Workspace:
        return self.opened.workspace()

    def import_(
        self,
        path: Path,
        *,
        wave: str = "baseline",
        fmt: str = "auto",
        partner: str | None = None,
        options: ImportOptions | None = None,
        force: bool = False,
    ) -> ImportSummary:
        with self.ws() as ws:
            return import_file(
                ws,
                Path(path),
                wave=wave,
                study=self.opened.study,
                format_id=fmt,
                partner_id=partner,
                options=options,
                pseudonymiser=self.opened.pseudonymiser(),
                force=force,
            )

    def counts(self) -> dict[str, int]:
        with self.ws() as ws:
            return ws.counts()

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with self.ws() as ws:
            return ws.duck.execute(query).fetchall()

    def reload(self) -> None:
        self.opened = open_study(self.dir)

    def extend(self, toml: str) -> StudyFixture:
        """Append ``toml`` to the study file and open the study again."""
        path = self.dir / "study.toml"
        path.write_text(path.read_text(encoding="utf-8") + toml, encoding="utf-8")
        self.reload()
        return self


HARBOUR_PAGE = """
[[partners]]
id = "p1"
name = "Harbour Newcomers"
[[partners.accounts]]
platform = "facebook"
handle = "harbour"
kind = "page"
"""
"""One partner with one Facebook page, for the measures' hand-counted tests."""


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StudyFixture:
    key = tmp_path / "keys" / "study.key"
    monkeypatch.setenv("SETTLESCOPE_KEY_FILE", str(key))
    create_study(tmp_path / "study", name="Test study", key_file=key)
    return StudyFixture(tmp_path / "study", open_study(tmp_path / "study"))


@pytest.fixture(scope="session")
def demo_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small synthetic study, generated and imported once per test run.

    Shared by many tests: read it, never write to it (copy it with :func:`copy_study`).
    """
    from settlescope.demo import run_demo

    root = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SETTLESCOPE_KEY_FILE", raising=False)
        run_demo(root / "study", seed=0, console=_quiet_console(), outputs=False)
    return root / "study"


@pytest.fixture(scope="session")
def measured_demo(demo_study: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo study with every registered measure run for both waves."""
    from settlescope.measures.run import run_measures

    target = copy_study(demo_study, tmp_path_factory.mktemp("measured") / "study")
    opened = open_study(target)
    with opened.workspace() as ws:
        run_measures(ws, opened.study, study_dir=target)
    return target


@pytest.fixture(scope="session")
def tiny_template(tmp_path_factory: pytest.TempPathFactory) -> Tiny:
    """The tiny hand-built network study (tests/tiny_network.py), measured once."""
    return build_tiny(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def tiny(tiny_template: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tiny:
    """A fresh copy of the tiny study for one test (maps write positions to it)."""
    monkeypatch.setenv("SETTLESCOPE_KEY_FILE", str(tiny_template.key))
    copy_study(tiny_template.dir, tmp_path / "study")
    return Tiny(tmp_path / "study", tiny_template.key)


def copy_study(src: Path, dst: Path) -> Path:
    """Copy a study folder (its study.toml keeps pointing at the same key file)."""
    import shutil

    shutil.copytree(src, dst)
    return dst


def _quiet_console() -> Any:
    from rich.console import Console

    return Console(quiet=True)


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
