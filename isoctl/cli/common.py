"""What every command shares: the error boundary, output formats, consoles."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import typer

from isoctl.errors import CatalogError, IsoctlError, UsageError

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

    return cast(F, wrapper)


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


def emit(content: str | bytes, output: Path | None = None) -> None:
    """Write output to stdout exactly, or atomically to ``output`` (temp file + rename).

    Text gets one trailing newline; bytes (xlsx, pdf) are written as they are
    and refused on a terminal, where they would only be noise.
    """
    data = content if isinstance(content, bytes) else (content if content.endswith("\n") else content + "\n").encode()
    if output is None:
        if isinstance(content, bytes) and sys.stdout.isatty():
            raise UsageError("this format is binary and stdout is a terminal", hint="write it to a file with -o FILE")
        from isoctl.cli import replay

        replay.stdout(data)
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if not output.parent.is_dir():
        raise UsageError(f"-o {output}: directory {output.parent} does not exist")
    from isoctl.files.atomic import write_atomically

    write_atomically(output, data)


def note(message: str) -> None:
    """Tell the user something on stderr (``note: ...``), as a replayed run will tell it too."""
    from isoctl.cli import replay

    line = f"note: {message}"
    replay.stderr(line + "\n")
    typer.echo(line, err=True)


def show(value: Any, subject: str, fmt: str, output: Path | None, **options: Any) -> None:
    """Render ``value`` through the format registry and emit it; colour only on a terminal, never into a file."""
    from isoctl.render import render

    color = output is None and stdout_is_terminal()
    emit(render(value, fmt, subject=subject, color=color, width=terminal_width(), **options), output)


def parse_date(value: str | None, option: str) -> dt.date | None:
    """A date option's value (None when not given); UsageError naming the option when it is not YYYY-MM-DD."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{option}: '{value}' is not a date; write YYYY-MM-DD") from None


def parse_today(value: str | None) -> dt.date:
    """The evaluation date: ``--today``, else ``ISOCTL_TODAY``, else the real date (read here, never in the core)."""
    return explicit_today(value) or dt.date.today()


def explicit_today(value: str | None) -> dt.date | None:
    """The evaluation date the user fixed (``--today``, else ``ISOCTL_TODAY``), or None to let the core decide."""
    if value:
        return parse_date(value, "--today")
    return parse_date(os.environ.get("ISOCTL_TODAY") or None, "ISOCTL_TODAY")


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 100
