"""Creating a study folder and opening an existing one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from settlescope.errors import StudyError, UsageError
from settlescope.store.pseudonym import Pseudonymiser, create_key, read_key
from settlescope.store.workspace import Workspace
from settlescope.study.model import (
    KEY_ENV,
    STUDY_FILE,
    WORKSPACE_FILE,
    Study,
    key_path,
    load_study,
)
from settlescope.study.template import PHASES_TOML, STUDY_TEMPLATE


@dataclass
class CreatedStudy:
    study_file: Path
    workspace: Path
    key_file: Path


def default_key_path(directory: Path) -> Path:
    """The key goes beside the study folder, never inside it."""
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env).expanduser()
    d = Path(directory).resolve()
    return d.parent / f"{d.name}.settlescope-key"


def create_study(
    directory: Path, *, name: str | None = None, key_file: Path | None = None
) -> CreatedStudy:
    """Write a commented study.toml, an empty workspace and a new key (if none exists).

    Example
    -------
    >>> create_study(tmp / "my-study")  # doctest: +SKIP
    """
    d = Path(directory)
    if (d / STUDY_FILE).exists():
        raise UsageError(
            "a study already exists here",
            file=str(d / STUDY_FILE),
            hint="use another folder, or work with this study (settlescope status --study DIR)",
        )
    key = Path(key_file).expanduser().resolve() if key_file else default_key_path(d)
    if key.resolve().is_relative_to(d.resolve()):
        raise UsageError(
            "the key must live outside the study folder",
            field="--key-file",
            hint="choose a path outside the folder, so a shared study cannot be re-identified",
        )
    d.mkdir(parents=True, exist_ok=True)
    text = STUDY_TEMPLATE.format(
        name=(name or d.resolve().name).replace('"', "'"),
        key_file=str(key).replace("\\", "/"),
        phases=PHASES_TOML,
    )
    Study.model_validate(__import__("tomllib").loads(text))
    (d / STUDY_FILE).write_text(text, encoding="utf-8")
    create_key(key)
    ws = Workspace.open(d / WORKSPACE_FILE, create=True)
    ws.close()
    return CreatedStudy(d / STUDY_FILE, d / WORKSPACE_FILE, key)


@dataclass
class OpenedStudy:
    directory: Path
    study: Study

    @property
    def workspace_path(self) -> Path:
        return self.directory / WORKSPACE_FILE

    def workspace(self, read_only: bool = False) -> Workspace:
        return Workspace.open(self.workspace_path, create=True, read_only=read_only)

    def pseudonymiser(self) -> Pseudonymiser | None:
        if not self.study.privacy.pseudonymise:
            return None
        return Pseudonymiser(read_key(key_path(self.directory, self.study)))


def open_study(directory: Path) -> OpenedStudy:
    d = Path(directory)
    return OpenedStudy(d, load_study(d))


def find_study(directory: Path | None = None, here: Path | None = None) -> Path:
    """The study folder to work in, when a command is not given one.

    ``directory`` if given; else the nearest folder, from ``here`` (the current folder) up,
    that holds a study.toml (so a command works anywhere inside a study, as git does in a
    repository); else the one folder just below ``here`` that holds one (the folder that
    ``settlescope init NAME`` made). The path is relative to ``here`` when it can be.

    Raises
    ------
    StudyError
        When there is no study there, saying how to make one.
    UsageError
        When several folders below ``here`` hold a study, naming them.

    Example
    -------
    >>> find_study(here=Path("/data"))  # /data/newcomers/study.toml  # doctest: +SKIP
    PosixPath('newcomers')
    """
    if directory is not None:
        return Path(directory)
    here = Path.cwd() if here is None else Path(here)
    for d in (here, *here.resolve().parents):
        if (d / STUDY_FILE).is_file():
            return Path(os.path.relpath(d, here))
    below = sorted(p.parent for p in here.glob(f"*/{STUDY_FILE}") if p.is_file())
    if len(below) == 1:
        return Path(os.path.relpath(below[0], here))
    if below:
        names = ", ".join(p.name for p in below)
        raise UsageError(
            f"several studies here: {names}",
            field="--study",
            hint=f"choose one, for example: --study {below[0].name}",
        )
    raise StudyError(
        "no study.toml here, in the folders above or just below",
        file=str(here / STUDY_FILE),
        hint="create a study with: settlescope init NAME (or give one with --study FOLDER)",
    )
