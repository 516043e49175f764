"""Shared pieces of the command line: the Typer app, consoles and error handling."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from settlescope.errors import SettlescopeError

app = typer.Typer(
    name="settlescope",
    help="Social media and newcomer settlement research: import exports, measure, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console()
err = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

StudyOpt = Annotated[
    Path | None,
    typer.Option(
        "--study",
        "-s",
        help="The study folder (with study.toml). Default: the one this folder is in, or "
        "the one folder here that holds a study.",
        show_default=False,
    ),
]


def study_folder(given: Path | None) -> Path:
    """The study a command works on (see :func:`settlescope.study.setup.find_study`); says
    which when it was not given and is not the current folder."""
    from settlescope.study.setup import find_study

    found = find_study(given)
    if given is None and found != Path("."):
        shown = found.resolve() if found.parts[0] == ".." else found
        err.print(f"Study: {escape(str(shown))}", highlight=False)
    return found


EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


def handle_errors(fn: F) -> F:
    """Map expected errors to exit codes and plain messages; no traceback reaches a user."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SettlescopeError as e:
            err.print(f"[bold red]error:[/] {e}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted: nothing was changed by the unfinished step")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as e:  # a bug, not the user's fault: say so briefly
            if os.environ.get("SETTLESCOPE_DEBUG"):
                raise
            err.print(
                f"[bold red]internal error:[/] {type(e).__name__}: {escape(str(e))}\n"
                "  → this is a bug in settlescope; the workspace was left as it was. "
                "Re-run with SETTLESCOPE_DEBUG=1 for details and report them.",
                highlight=False,
            )
            raise typer.Exit(EXIT_DATA) from None

    return wrapper  # type: ignore[return-value]


def escape(text: str) -> str:
    from rich.markup import escape as _esc

    return _esc(text)


def is_tty() -> bool:
    return sys.stderr.isatty()


def split_values(values: list[str] | None) -> list[str] | None:
    """Values of a repeatable option, each of which may also be comma-separated."""
    if not values:
        return None
    return [p.strip() for v in values for p in v.split(",") if p.strip()]
