"""Writing a report's file: the format from its name, and all or nothing on disk.

A report is written to a temporary file beside its target (``.NAME.partial``) and moved
into place only once complete, so a failed run leaves an existing file as it was and never
a half-written one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from settlescope.errors import UsageError


def output_format(out: Path, formats: tuple[str, ...], hint: str) -> str:
    """The format of ``out`` (its lower-cased suffix), refused unless it is one of ``formats``.

    Example
    -------
    >>> output_format(Path("map.SVG"), (".svg", ".png"), "end it with .svg or .png")
    '.svg'
    """
    suffix = Path(out).suffix.lower()
    if suffix not in formats:
        raise UsageError(
            f"cannot tell the format from the file name '{Path(out).name}'",
            field="--out",
            hint=hint,
        )
    return suffix


def check_folder(out: Path) -> None:
    """Refuse a target whose folder does not exist (before any work is done)."""
    if not Path(out).parent.is_dir():
        raise UsageError(
            "the folder for the file does not exist",
            file=str(Path(out).parent),
            field="--out",
            hint="create the folder first, or choose another path",
        )


@contextlib.contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A temporary path to write to; it replaces ``out`` when the block ends without error.

    Example
    -------
    >>> with replacing(Path("map.svg")) as tmp:  # doctest: +SKIP
    ...     tmp.write_text(svg)
    """
    partial = Path(out).with_name(f".{Path(out).name}.partial")
    try:
        yield partial
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
