"""Errors a user can meet, one root and one subclass per pipeline stage.

Every error carries structured fields (file, locator, field, hint) so the CLI can print a
message that says where the problem is and what to do next. Only the CLI prints and chooses
exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SettlescopeError(Exception):
    """Root of every expected error.

    Parameters
    ----------
    message
        What went wrong, in plain language.
    file
        The file concerned, if any.
    locator
        Where in the file: ``line 12``, ``row 40``, ``/messages/3``.
    field
        The key, column or field concerned.
    hint
        What the user should do next.
    """

    message: str
    file: str | None = None
    locator: str | None = None
    field: str | None = None
    hint: str | None = None

    exit_code = 1

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def attrs(self) -> dict[str, str]:
        return {
            k: v
            for k, v in {
                "message": self.message,
                "file": self.file,
                "locator": self.locator,
                "field": self.field,
                "hint": self.hint,
            }.items()
            if v
        }

    def __str__(self) -> str:
        where = ", ".join(
            p
            for p in (
                self.file,
                self.locator,
                f"field '{self.field}'" if self.field else None,
            )
            if p
        )
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  → {self.hint}"
        return text


class StudyError(SettlescopeError):
    """The study file is missing or invalid."""


class WorkspaceError(SettlescopeError):
    """The workspace cannot be opened or is in an unexpected state."""


class ImportRefused(SettlescopeError):
    """A file is refused as a whole before (or instead of) anything being written."""


class FormatError(ImportRefused):
    """The file is not of the declared or any detectable format."""


class EncodingError(ImportRefused):
    """The file's text encoding is not what was expected."""


class MeasureError(SettlescopeError):
    """A measure cannot be computed on the data it was given (names what is missing)."""


class UsageError(SettlescopeError):
    """The command was called wrongly (exit code 2)."""

    exit_code = 2


class TaxonomyError(SettlescopeError):
    """A taxonomy file is invalid."""
