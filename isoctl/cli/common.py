"""What every command shares: output formats, writing output, consoles, dates."""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from isoctl.errors import OutputError, UsageError, reason

if TYPE_CHECKING:
    from rich.console import Console

class ListFormat(str, enum.Enum):
    """Formats of commands that show reference data."""

    text = "text"
    json = "json"


def console(*, stderr: bool = False) -> Console:
    """A rich console that colours only real terminals and honours NO_COLOR."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stream is None:
        raise OutputError(f"standard {'error' if stderr else 'output'} is closed", hint="run isoctl with it open, or use -o FILE")
    from isoctl.render.console import HEIGHT

    tty = stream.isatty()
    return Console(
        file=stream,
        force_terminal=tty,
        no_color=bool(os.environ.get("NO_COLOR")) or not tty,
        highlight=False,
        soft_wrap=not tty,
        # given, so rich reads neither COLUMNS nor LINES itself (it takes '²' for a number, and fails)
        width=terminal_width(stream, piped=120),
        height=HEIGHT,
    )


#: Formats whose text is JSON: control characters in it are already escaped as JSON allows (``\u001b``).
_JSON_LIKE = ("json", "sarif", "gitlab")


def emit(content: str | bytes, output: Path | None = None, *, fmt: str | None = None) -> None:
    """Write output to stdout exactly, or to ``output`` (see :mod:`isoctl.cli.output`: atomic for files).

    Text gets one trailing newline; bytes (xlsx, pdf) are written as they are
    and refused on a terminal, where they would only be noise.
    """
    from isoctl.cli import boundary

    if boundary.interrupted():  # a Ctrl-C swallowed on its way: nothing is written, the run ends with 130
        raise KeyboardInterrupt
    if output is not None:
        from isoctl.cli.output import write_output

        write_output(output, _as_bytes(content))
        return
    if sys.stdout is None:
        raise OutputError("standard output is closed", hint="run isoctl with stdout open, or write to a file with -o FILE")
    if isinstance(content, bytes) and sys.stdout.isatty():
        raise UsageError("this format is binary and stdout is a terminal", hint="write it to a file with -o FILE")
    if isinstance(content, str) and fmt != "text" and sys.stdout.isatty():
        content = _terminal_safe(content, json_like=fmt in _JSON_LIKE)
    data = _as_bytes(content)
    from isoctl.cli import replay

    replay.stdout(data)
    from isoctl.cli.output import write_stdout

    try:
        write_stdout(data)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {reason(exc)}") from None


def _as_bytes(content: str | bytes) -> bytes:
    """Bytes as they are; text with exactly one trailing newline, as UTF-8."""
    if isinstance(content, bytes):
        return content
    return (content if content.endswith("\n") else content + "\n").encode()


def _terminal_safe(text: str, *, json_like: bool) -> str:
    """Output for a terminal with no control character of record data left raw (a title could retitle the
    window or clear the screen). Text formats clean record data as they render (and colour on purpose);
    CSV, Markdown and HTML are cleaned here; JSON keeps valid escapes."""
    from isoctl.render.console import CONTROL, clean

    if json_like:
        return CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return clean(text)


@contextlib.contextmanager
def warnings_as_notes() -> Iterator[None]:
    """Say what isoctl's library warns of (:class:`isoctl.render.pdf_glyphs.UnshownCharacters`) as ``note: ...``
    lines once the command is done; any other warning is shown as Python would have shown it."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        try:
            yield
        finally:
            said = [w for w in caught if w.category.__module__.startswith("isoctl.")]
            others = [w for w in caught if w not in said]
    for warning in said:
        note(str(warning.message))
    for warning in others:
        warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)


def note(message: str, *, label: str = "note") -> None:
    """Tell the user something on stderr (``note: ...``), as a replayed run will tell it too."""
    from isoctl.cli import replay
    from isoctl.render.console import clean

    line = f"{label}: {clean(message)}"
    replay.stderr(line + "\n")
    typer.echo(line, err=True)


def warn_unread(paths: list[str], what: str) -> None:
    """Warn that the records of these files are not in ``what`` (a matrix, a report), naming a few."""
    if not paths:
        return
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    noun = "file was" if len(paths) == 1 else "files were"
    note(f"{len(paths)} {noun} not read in full ({shown}); their records are not in {what} "
         "(run 'isoctl check' to see why)", label="warning")


def show(value: Any, subject: str, fmt: str, output: Path | None, **options: Any) -> None:
    """Render ``value`` through the format registry and emit it; colour only on a terminal, never into a file."""
    from isoctl.render import render

    color = output is None and stdout_is_terminal()
    emit(render(value, fmt, subject=subject, color=color, width=terminal_width(), **options), output, fmt=fmt)


def parse_date(value: str | None, option: str) -> dt.date | None:
    """A date option's value (None when not given); UsageError naming the option when it is not YYYY-MM-DD."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{option}: '{value}' is not a date; write YYYY-MM-DD") from None
    from isoctl.core.evaluate import check_day

    try:
        return check_day(day)
    except UsageError as exc:
        raise UsageError(f"{option}: {exc.message}") from None


def parse_today(value: str | None) -> dt.date:
    """The evaluation date: ``--today``, else ``ISOCTL_TODAY``, else the real date (read here, never in the core)."""
    return explicit_today(value) or dt.date.today()


def explicit_today(value: str | None) -> dt.date | None:
    """The evaluation date the user fixed (``--today``, else ``ISOCTL_TODAY``), or None to let the core decide."""
    if value:
        return parse_date(value, "--today")
    return parse_date(os.environ.get("ISOCTL_TODAY") or None, "ISOCTL_TODAY")


def stdout_is_terminal() -> bool:
    return is_terminal(sys.stdout) and not os.environ.get("NO_COLOR")


def terminal_width(stream: Any = None, *, piped: int = 100) -> int:
    """The width text for ``stream`` (stdout by default) is laid out for: ``COLUMNS`` when it is set (a terminal
    or not: ``COLUMNS=160 isoctl gap | less``), else the terminal's, else ``piped`` (a pipe or a file)."""
    import shutil

    tty = is_terminal(sys.stdout if stream is None else stream)
    return columns_setting() or (shutil.get_terminal_size((100, 24)).columns if tty else piped)


def columns_setting() -> int | None:
    """``COLUMNS`` when it is set to a width from :data:`MIN_WIDTH` to :data:`MAX_WIDTH`, else None."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isascii() and columns.isdigit() and MIN_WIDTH <= int(columns) <= MAX_WIDTH:
        return int(columns)
    return None


#: The narrowest and widest ``COLUMNS`` honoured (anything else is a mistake, and the usual width is used).
MIN_WIDTH, MAX_WIDTH = 20, 1000


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal; a closed standard stream (None) is not."""
    return stream is not None and bool(stream.isatty())


def shallow_clone(root: Path, *, strict: bool, what: str) -> bool:
    """Whether the repository at ``root`` is a shallow clone, after warning (or, ``strict``, failing) that ``what``
    built from its history is partial; a GitError outside a repository."""
    from isoctl.errors import GitError
    from isoctl.history import revisions

    if not revisions.is_shallow(root):
        return False
    message = (f"this is a shallow clone: history before its oldest commit is missing, so {what} is partial. "
               "Fetch the full history with 'git fetch --unshallow' (in CI: fetch-depth: 0 on GitHub, GIT_DEPTH: 0 on GitLab)")
    if strict:
        raise GitError(message)
    typer.echo(f"warning: {message}", err=True)
    return True


StrictHistoryOption = typer.Option(False, "--strict-history", help="Exit 2 on a shallow clone instead of warning.")


def require_full_history(path: Path | None, *, what: str) -> None:
    """With ``--strict-history``: fail (exit 2) before any work when the workspace at or above ``path`` is in a
    shallow clone, since ``what`` would be built from partial history, or in a repository whose history cannot be
    read at all (git refuses it, or git is not installed: the UnsafeRepository of ``head_state``). Outside git, and
    before the first commit, there is nothing to complete."""
    from isoctl.errors import GitError
    from isoctl.history import git, revisions
    from isoctl.workspace.discover import find_workspace

    root = find_workspace(path)
    try:
        shallow = revisions.is_shallow(root)
    except GitError:
        if git.head_state(root)[0] is not None:
            raise
        return  # not a repository (or no commit yet): no history at all, which the command itself reports
    if shallow:
        shallow_clone(root, strict=True, what=what)


def repo_prefix(path: Path | None, fmt: str, subject: str = "check") -> str:
    """For a format whose paths start at the git repository root (github, gitlab, ...): the workspace's path in
    its repository (``"compliance/"``); ``""`` at the top of a repository, outside git, and for every other format."""
    from isoctl.render import FORMATS

    chosen = FORMATS[subject].get(fmt)
    if chosen is None or not chosen.rooted:
        return ""
    from isoctl.history import git
    from isoctl.workspace.discover import find_workspace

    return git.repo_prefix(find_workspace(path))


def note_undated(commits: Sequence[Any], one: str, many: str) -> None:
    """Say how many commits carry no usable date, and what that means here (``one``/``many``: "is not counted")."""
    undated = sum(1 for c in commits if c.clamped)
    if undated:
        count, verb = ("1 commit carries", one) if undated == 1 else (f"{undated} commits carry", many)
        note(f"{count} no usable date (missing, before 1970, after 2999 or with an offset of a day or more) and {verb}")
