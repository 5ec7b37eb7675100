"""What every command shares: the error boundary, output formats, consoles."""

from __future__ import annotations

import enum
import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from isoctl.errors import CatalogError, IsoctlError

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])


class ListFormat(str, enum.Enum):
    """Formats of commands that show reference data."""

    text = "text"
    json = "json"


def handles_errors(command: F) -> F:
    """Turn an :class:`IsoctlError` into a short message on stderr and its exit code.

    This is the one place errors become exit codes; no traceback reaches the
    user for a problem they caused.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except IsoctlError as exc:
            report(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("isoctl: interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def report(exc: IsoctlError) -> None:
    """Print an error for people: the message, then a hint."""
    if isinstance(exc, CatalogError):
        typer.echo(f"error: {exc.message.splitlines()[0]}", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
    else:
        typer.echo(f"error: {exc.message}", err=True)
    if exc.hint:
        typer.echo(f"hint: {exc.hint}", err=True)


def console(*, stderr: bool = False) -> Console:
    """A rich console that colours only real terminals and honours NO_COLOR."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(
        file=stream,
        force_terminal=tty,
        no_color=bool(os.environ.get("NO_COLOR")) or not tty,
        highlight=False,
        soft_wrap=not tty,
        width=None if tty else 120,
    )


def emit(text: str) -> None:
    """Write machine output to stdout exactly, with one trailing newline."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
